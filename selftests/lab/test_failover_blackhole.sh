#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Silent blackhole (link up, every frame dropped) and gray loss above the
# probe threshold on leaf 1's uplink to spine 1: probes detect it, the
# member is withdrawn, affected flows resume on spine 2, healthy flows
# never move; after recovery and hold-down the member is restored.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

fo_setup 12
fo_engine e 1 --hold-ms 300 || exit 1

fo_traffic bh 4
"$FAULT" l1-s1 blackhole >"$WORK/fault.log"
ktap_check "blackhole: member withdrawn" fo_wait_members 1 "12" 2
ktap_check "blackhole: detected by probe loss" fo_event e 'path=l1-s1 up->down reason=probe-loss'
sleep 0.5
"$FAULT" l1-s1 recover >>"$WORK/fault.log"
ktap_check "blackhole: member restored after recovery" fo_wait_members 1 "11 12" 3
fo_traffic_wait bh
ktap_check "blackhole: some flow used the failed spine" fo_check_used bh 1
ktap_check "blackhole: no flow permanently lost" fo_check_resumed bh
ktap_check "blackhole: healthy flows never moved" fo_check_moves bh 1
ktap_check "blackhole: affected flows moved to spine 2" fo_moved_away bh 1

# Gray loss well above what K=3 consecutive misses tolerate by chance.
sleep 1.5	# let the restore's second step (real idle timer) pass
fo_traffic gr 4
"$FAULT" l1-s1 gray 40 >>"$WORK/fault.log"
ktap_check "gray 40%: member withdrawn" fo_wait_members 1 "12" 3
"$FAULT" l1-s1 recover >>"$WORK/fault.log"
ktap_check "gray 40%: member restored after recovery" fo_wait_members 1 "11 12" 4
fo_traffic_wait gr
ktap_check "gray 40%: no flow permanently lost" fo_check_resumed gr
ktap_check "gray 40%: healthy flows never moved" fo_check_moves gr 1
fo_engine_stop e
ktap_check "engine: one failover per fault, both restored" \
	grep -q 'group leaf1 .*failovers=2 restores=2' "$WORK/e.log"
((KTAP_FAILED)) && fo_dump e.log bh.tr gr.tr fault.log
ktap_finish
