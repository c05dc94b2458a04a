#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Two simultaneous failures in two groups: a blackhole on leaf 1's uplink
# to spine 1 and carrier loss on leaf 2's uplink to spine 1, injected
# together, with an engine on each leaf and traffic both ways. Then the
# last-path case: both of leaf 1's uplinks blackholed; the group must
# never be empty or invalid (the last member stays: DOWN but kept, or the
# failure is judged local).
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

fo_setup 11
fo_engine e1 1 --hold-ms 300 || exit 1
fo_engine e2 2 --hold-ms 300 || exit 1
fo_traffic ab 4
fo_traffic ba 4 h2 h1 10.1.1.2
"$FAULT" l1-s1 blackhole >"$WORK/fault.log" &
"$FAULT" l2-s1 carrier >>"$WORK/fault.log"
wait $!
ktap_check "two faults: leaf 1 withdrew spine 1" fo_wait_members 1 "12" 2
ktap_check "two faults: leaf 2 withdrew spine 1" fo_wait_members 2 "22" 2
sleep 0.5
"$FAULT" l1-s1 recover >>"$WORK/fault.log"
"$FAULT" l2-s1 recover >>"$WORK/fault.log"
ktap_check "two faults: both restored" fo_wait_members 1 "11 12" 3
ktap_check "two faults: leaf 2 restored (nexthop re-created)" fo_wait_members 2 "21 22" 3
fo_traffic_wait ab
fo_traffic_wait ba
ktap_check "two faults: no flow lost (h1->h2)" fo_check_resumed ab
ktap_check "two faults: no flow lost (h2->h1)" fo_check_resumed ba
ktap_check "two faults: healthy flows never moved (h1->h2)" fo_check_moves ab 1
ktap_check "two faults: healthy flows never moved (h2->h1)" fo_check_moves ba 1

# Last path: both uplinks of leaf 1 blackholed at once.
sleep 1.5
: >"$WORK/members.log"
"$FAULT" l1-s1 blackhole >>"$WORK/fault.log"
"$FAULT" l1-s2 blackhole >>"$WORK/fault.log"
for ((i = 0; i < 30; i++)); do
	fo_members 1 >>"$WORK/members.log"
	sleep 0.05
done
ktap_check "last path: group never empty" bash -c "! grep -qx '' '$WORK/members.log'"
ktap_check "last path: a member is still installed" test -n "$(fo_members 1)"
"$FAULT" l1-s1 recover >>"$WORK/fault.log"
"$FAULT" l1-s2 recover >>"$WORK/fault.log"
ktap_check "last path: both members back after recovery" fo_wait_members 1 "11 12" 4
fo_engine_stop e1
fo_engine_stop e2
((KTAP_FAILED)) && fo_dump e1.log e2.log ab.tr ba.tr fault.log members.log
ktap_finish
