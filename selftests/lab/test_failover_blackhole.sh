#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Silent blackhole (link up, every frame dropped) and gray loss above the
# probe threshold on leaf 1's uplink to spine 1: probes detect it, the
# member is withdrawn, affected flows resume on spine 2, healthy flows
# never move; after recovery and hold-down the member is restored.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

fo_setup 14
fo_engine e 1 --hold-ms 300 || exit 1

fo_traffic bh || exit 1
fo_fault l1-s1 blackhole
t_fault=$FO_T
ktap_check "blackhole: member withdrawn" fo_wait_members 1 "12" 5
ktap_check "blackhole: detected by probe loss" \
	fo_wait_event e 'path=l1-s1 up->down reason=probe-loss' 2
sleep 0.5	# the affected flows run on spine 2 for a while
fo_fault l1-s1 recover
ktap_check "blackhole: member restored after recovery" fo_wait_members 1 "11 12" 5
ktap_check "blackhole: restore settled (group's idle timer back)" fo_wait_settled 1 5
sleep 0.3
fo_traffic_stop bh
ktap_check "blackhole: some flow used the failed spine" fo_check_used bh 1
ktap_check "blackhole: no flow permanently lost" fo_check_resumed bh
ktap_check "blackhole: healthy flows never moved" fo_check_moves bh 1 "$t_fault"
ktap_check "blackhole: affected flows moved to spine 2" fo_moved_away bh 1

# Gray loss well above what K=3 consecutive misses tolerate by chance.
# Starts from a settled group (the restore's second step done), so every
# flow's spine at injection is the one it keeps unless failed over.
fo_traffic gr || exit 1
fo_fault l1-s1 gray 40
t_fault=$FO_T
ktap_check "gray 40%: member withdrawn" fo_wait_members 1 "12" 5
sleep 0.5
fo_fault l1-s1 recover
ktap_check "gray 40%: member restored after recovery" fo_wait_members 1 "11 12" 5
ktap_check "gray 40%: restore settled" fo_wait_settled 1 5
sleep 0.3
fo_traffic_stop gr
ktap_check "gray 40%: no flow permanently lost" fo_check_resumed gr
ktap_check "gray 40%: healthy flows never moved" fo_check_moves gr 1 "$t_fault"
fo_engine_stop e
ktap_check "engine: one failover per fault, both restored" \
	grep -q 'group leaf1 .*failovers=2 restores=2' "$WORK/e.log"
((KTAP_FAILED)) && fo_dump e.log bh.tr gr.tr fault.log
ktap_finish
