#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Data-path reroute on the host without fabric.ko (tc egress on leaf 1's
# uplinks), silent blackhole on l1-s1:
# 1. A kernel-side verdict (the map's declare operation) moves exactly
#    l1-s1's flows to spine 2 in the data path while the kernel's group
#    still holds both members; healthy flows stay.
# 2. The real blackhole follows: the engine's probes take the path down,
#    the group is replaced, and only then is the override withdrawn:
#    detected, rerouted, replaced, cleared, in that order.
# 3. Recovery goes through the hold-down; the member and its flows'
#    buckets come back with no new override.
# 4. The engine's own verdict (no kernel detector): a second blackhole is
#    declared by the engine before its replace and cleared after it.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/reroute_lib.sh

rr_setup 22
rr_engine e --hold-ms 300 || exit 1
ktap_check "override: none at start" rr_override_gone 0

fo_traffic bh || exit 1
rr_declare 0 || exit 1
t_decl=$RR_T
ktap_check "verdict: the data path moves l1-s1's packets" rr_wait_redirected 0 20 5
ktap_check "verdict: the kernel group still holds both members (no replace yet)" \
	test "$(fo_members 1)" = "11 12"
ktap_check "verdict: the engine has not acted" eval '! fo_event e "up->down"'
sleep 1		# every affected flow sends through the override
fo_fault l1-s1 blackhole
t_fault=$FO_T
ktap_check "blackhole: engine took the path down by probe loss" \
	fo_wait_event e 'path=l1-s1 up->down reason=probe-loss' 5
ktap_check "blackhole: group replaced with the survivor" fo_wait_members 1 "12" 5
ktap_check "blackhole: override withdrawn after the group agreed" \
	fo_wait_event e 'reroute stage=cleared .* path=l1-s1 gen=1 ' 5
ktap_check "sequence: detected, rerouted, replaced, cleared (times in order)" \
	rr_check_sequence e l1-s1 1 "detected rerouted replaced cleared"
ktap_check "sequence: the verdict came from the map's declare (admin)" \
	fo_event e 'reroute stage=detected .* path=l1-s1 gen=1 verdict=[0-9]+ source=admin'
ktap_check "override: verdict cleared, guard bit down" rr_override_gone 0
t_repl=$(rr_stage_t e l1-s1 1 replaced)
ktap_check "data path: the first moved packet left before the replace" \
	test "$(rr_stage_t e l1-s1 1 rerouted)" -lt "$t_repl"

fo_fault l1-s1 recover
t_rec=$(fo_fault_t recover l1-s1)
ktap_check "recovery: member restored" fo_wait_members 1 "11 12" 5
ktap_check "recovery: restore settled" fo_wait_settled 1 5
ktap_check "recovery: through the hold-down (restore >= 300 ms after it began)" \
	rr_check_holddown e l1-s1 300
ktap_check "recovery: no new verdict" eval '! fo_event e "reroute stage=detected .* gen=2 "'
sleep 0.3
fo_traffic_stop bh
ktap_check "traffic: some flow used spine 1" fo_check_used bh 1
ktap_check "traffic: every l1-s1 flow left spine 1 before the blackhole (data path)" \
	rr_moved_before bh 1 "$t_fault"
ktap_check "traffic: healthy flows never moved" fo_check_moves bh 1 "$t_decl"
ktap_check "traffic: no flow permanently lost" fo_check_resumed bh

# The engine's own verdict: declared before its replace, cleared after.
fo_traffic bh2 || exit 1
fo_fault l1-s1 blackhole
t_fault=$FO_T
ktap_check "engine verdict: sequence ends with the override withdrawn" \
	fo_wait_event e 'reroute stage=cleared .* path=l1-s1 gen=2 ' 5
if rr_check_sequence e l1-s1 2 "detected rerouted replaced cleared" >/dev/null ||
   rr_check_sequence e l1-s1 2 "detected replaced cleared"; then
	ktap_ok "engine verdict: detected, [rerouted,] replaced, cleared in order (source engine)"
else
	ktap_fail "engine verdict: detected, [rerouted,] replaced, cleared in order (source engine)"
fi
fo_fault l1-s1 recover
fo_wait_members 1 "11 12" 5 >/dev/null && fo_wait_settled 1 5 >/dev/null
fo_traffic_stop bh2
ktap_check "engine verdict: healthy flows never moved" fo_check_moves bh2 1 "$t_fault"
fo_engine_stop e
((KTAP_FAILED)) && fo_dump e.log bh.tr bh2.tr fault.log
ktap_finish
