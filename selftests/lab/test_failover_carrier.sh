#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Carrier loss on leaf 1's uplink to spine 1, then recovery: the engine
# takes the path out (the kernel deleted its nexthop), affected flows
# resume on spine 2, healthy flows never move, and after the hold-down
# the nexthop is re-created and the member restored. Then spine 1 is
# blackholed (nexthop 11 stays, out of the group) and spine 2 loses
# carrier: the kernel deletes the emptied group with its route, and the
# group re-created with 11 must get the route back (the engine once
# re-created it by a plain replace, without its routes).
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

fo_setup 12
fo_engine e 1 --hold-ms 300 || exit 1
fo_traffic t || exit 1
fo_fault l1-s1 carrier
t_fault=$FO_T
ktap_check "carrier: group left with the surviving member" fo_wait_members 1 "12" 5
# With urgent linkwatch (lab.sh) the carrier event usually wins; probes
# at 1 ms may see the loss first on a busy machine. Either is a detection.
ktap_check "carrier: engine took the path down" \
	fo_wait_event e "path=l1-s1 up->down reason=(carrier-down|probe-loss)" 5
sleep 0.5	# the affected flows run on spine 2 for a while
fo_fault l1-s1 recover
ktap_check "recovery: nexthop 11 re-created and restored" fo_wait_members 1 "11 12" 5
ktap_check "recovery: restore settled (group's idle timer back)" fo_wait_settled 1 5
sleep 0.3	# traffic across the settled group
fo_traffic_stop t
ktap_check "carrier: some flow used the failed spine" fo_check_used t 1
ktap_check "carrier: no flow permanently lost" fo_check_resumed t
ktap_check "carrier: healthy flows never moved" fo_check_moves t 1 "$t_fault"
fo_engine_stop e
ktap_check "recovery: path back up after hold-down" fo_event e 'path l1-s1 state=up'

fo_engine e2 1 --hold-ms 300 || exit 1
fo_fault l1-s1 blackhole
ktap_check "blackhole on s1: group left with nexthop 12" fo_wait_members 1 "12" 5
fo_fault l1-s2 carrier	# the kernel deletes the group, and its route
fo_fault l1-s1 recover
ktap_check "s1 back: group holds nexthop 11" fo_wait_members 1 "11" 5
ktap_check "s1 back: the route through the group is back" fo_wait_route 1 5
fo_fault l1-s2 recover
ktap_check "both back: nexthops 11 and 12" fo_wait_members 1 "11 12" 5
fo_engine_stop e2
((KTAP_FAILED)) && fo_dump e.log e2.log t.tr fault.log
ktap_finish
