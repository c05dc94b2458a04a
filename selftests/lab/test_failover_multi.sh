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

fo_setup 13
fo_engine e1 1 --hold-ms 300 || exit 1
fo_engine e2 2 --hold-ms 300 || exit 1
fo_traffic ab || exit 1
fo_traffic ba h2 h1 10.1.1.2 || exit 1
fo_fault l1-s1 blackhole &
fo_fault l2-s1 carrier
wait $!
t_fault=$(fo_fault_t blackhole l1-s1)
t2=$(fo_fault_t carrier-down l2-s1)
((t2 < t_fault)) && t_fault=$t2
ktap_check "two faults: leaf 1 withdrew spine 1" fo_wait_members 1 "12" 5
ktap_check "two faults: leaf 2 withdrew spine 1" fo_wait_members 2 "22" 5
sleep 0.5
fo_fault l1-s1 recover
fo_fault l2-s1 recover
ktap_check "two faults: leaf 1 restored" fo_wait_members 1 "11 12" 5
ktap_check "two faults: leaf 2 restored (nexthop re-created)" fo_wait_members 2 "21 22" 5
ktap_check "two faults: both restores settled" \
	eval 'fo_wait_settled 1 5 && fo_wait_settled 2 5'
sleep 0.3
fo_traffic_stop ab
fo_traffic_stop ba
ktap_check "two faults: no flow lost (h1->h2)" fo_check_resumed ab
ktap_check "two faults: no flow lost (h2->h1)" fo_check_resumed ba
# h1->h2 takes its spine at leaf 1, h2->h1 at leaf 2: in both, the flows
# on spine 1 at injection are the affected ones.
ktap_check "two faults: healthy flows never moved (h1->h2)" fo_check_moves ab 1 "$t_fault"
ktap_check "two faults: healthy flows never moved (h2->h1)" fo_check_moves ba 1 "$t_fault"

# Last path: both uplinks of leaf 1 blackholed at once.
: >"$WORK/members.log"
fo_fault l1-s1 blackhole
fo_fault l1-s2 blackhole
for ((i = 0; i < 30; i++)); do
	echo "$(fo_members 1)" >>"$WORK/members.log"	# one line per sample
	sleep 0.05
done
# Sampled from the kernel, and every set the engine installed (members=).
ktap_check "last path: group never empty" \
	eval "! grep -qx '' '$WORK/members.log' && ! grep -q 'members=0x0 ' '$WORK/e1.log'"
ktap_check "last path: a member is still installed" test -n "$(fo_members 1)"
fo_fault l1-s1 recover
fo_fault l1-s2 recover
ktap_check "last path: both members back after recovery" fo_wait_members 1 "11 12" 5
fo_engine_stop e1
fo_engine_stop e2
ktap_check "engines: one failover per fault in the two-fault part" \
	eval "grep -q 'path l2-s1 .* failovers=1 ' '$WORK/e2.log'"
((KTAP_FAILED)) && fo_dump e1.log e2.log ab.tr ba.tr fault.log members.log
ktap_finish
