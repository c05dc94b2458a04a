#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Data-path reroute on the host without fabric.ko (tc egress on leaf 1's
# uplinks), carrier loss on l1-s1:
# 1. A kernel-side verdict moves exactly l1-s1's flows to spine 2 while
#    the group still holds both members; then the carrier goes: the
#    kernel flushes nexthop 11, the engine replaces the group, and only
#    after that is the override withdrawn (detected, rerouted, replaced,
#    cleared). Healthy flows never move.
# 2. Recovery re-creates nexthop 11 after the hold-down, with no new
#    override.
# 3. Carrier loss with the engine's own verdict: detected, replaced,
#    cleared (the kernel flushed the nexthop first: nothing is left for
#    the data path to move, so no rerouted stage is required).
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/reroute_lib.sh

rr_setup 18
rr_engine e --hold-ms 300 || exit 1

fo_traffic t || exit 1
rr_declare 0 || exit 1
t_decl=$RR_T
ktap_check "verdict: the data path moves l1-s1's packets" rr_wait_redirected 0 20 5
ktap_check "verdict: the kernel group still holds both members" \
	test "$(fo_members 1)" = "11 12"
sleep 1
fo_fault l1-s1 carrier
t_fault=$FO_T
ktap_check "carrier: engine took the path down" \
	fo_wait_event e 'path=l1-s1 up->down reason=(carrier-down|probe-loss)' 5
ktap_check "carrier: group left with the survivor" fo_wait_members 1 "12" 5
ktap_check "carrier: override withdrawn after the group agreed" \
	fo_wait_event e 'reroute stage=cleared .* path=l1-s1 gen=1 ' 5
ktap_check "sequence: detected, rerouted, replaced, cleared (times in order)" \
	rr_check_sequence e l1-s1 1 "detected rerouted replaced cleared"
ktap_check "override: verdict cleared, guard bit down" rr_override_gone 0

fo_fault l1-s1 recover
ktap_check "recovery: nexthop 11 re-created and restored" fo_wait_members 1 "11 12" 5
ktap_check "recovery: restore settled" fo_wait_settled 1 5
ktap_check "recovery: through the hold-down" rr_check_holddown e l1-s1 300
ktap_check "recovery: no new verdict" eval '! fo_event e "reroute stage=detected .* gen=2 "'
sleep 0.3
fo_traffic_stop t
ktap_check "traffic: some flow used spine 1" fo_check_used t 1
ktap_check "traffic: every l1-s1 flow left spine 1 before the carrier loss (data path)" \
	rr_moved_before t 1 "$t_fault"
ktap_check "traffic: healthy flows never moved" fo_check_moves t 1 "$t_decl"
ktap_check "traffic: no flow permanently lost" fo_check_resumed t

fo_traffic t2 || exit 1
fo_fault l1-s1 carrier
t_fault=$FO_T
ktap_check "engine verdict: override withdrawn once the group agreed" \
	fo_wait_event e 'reroute stage=cleared .* path=l1-s1 gen=2 ' 5
if rr_check_sequence e l1-s1 2 "detected rerouted replaced cleared" >/dev/null ||
   rr_check_sequence e l1-s1 2 "detected replaced cleared"; then
	ktap_ok "engine verdict: detected, [rerouted,] replaced, cleared in order"
else
	ktap_fail "engine verdict: detected, [rerouted,] replaced, cleared in order"
fi
fo_fault l1-s1 recover
fo_wait_members 1 "11 12" 5 >/dev/null && fo_wait_settled 1 5 >/dev/null
fo_traffic_stop t2
ktap_check "engine verdict: healthy flows never moved" fo_check_moves t2 1 "$t_fault"
fo_engine_stop e
((KTAP_FAILED)) && fo_dump e.log t.tr t2.tr fault.log
ktap_finish
