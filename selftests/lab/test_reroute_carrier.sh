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
# The steps shared with test_reroute_blackhole.sh are in reroute_lib.sh.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/reroute_lib.sh

rr_setup 18
rr_engine e --hold-ms 300 || exit 1

rr_declare_moves t
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

rr_recovery e
rr_traffic_checks t "$RR_T_DECL" "$t_fault" "carrier loss"
rr_engine_verdict e t2 carrier
fo_engine_stop e
((KTAP_FAILED)) && fo_dump e.log t.tr t2.tr fault.log
ktap_finish
