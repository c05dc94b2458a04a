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
# The steps shared with test_reroute_carrier.sh are in reroute_lib.sh.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/reroute_lib.sh

rr_setup 22
rr_engine e --hold-ms 300 || exit 1
ktap_check "override: none at start" rr_override_gone 0

rr_declare_moves bh
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

rr_recovery e
rr_traffic_checks bh "$RR_T_DECL" "$t_fault" blackhole
rr_engine_verdict e bh2 blackhole
fo_engine_stop e
((KTAP_FAILED)) && fo_dump e.log bh.tr bh2.tr fault.log
ktap_finish
