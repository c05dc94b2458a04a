#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A group the kernel deleted behind the module's back comes back with its
# routes. The module's executor once replaced groups with REPLACE|CREATE:
# when the kernel had deleted the group (its last member nexthop went),
# the replace silently created a new one, and every route through the old
# one was gone. Now the replace never creates; on ENOENT the module
# creates the group and re-installs its registered routes, or, with none
# registered, counts routes_unknown and says so in the kernel log.
#  1. bench/failover's sequence: a verdict withdraws member 1, then member
#     2 loses carrier (the kernel deletes nexthop 2, group 100 and its
#     route); member 1 answers again.
#  2. The same with member 2's nexthop deleted by someone else (no carrier
#     event: only the kernel's ENOENT tells). Fails on the old code.
#  3. Case 2 for a group registered without routes.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	$IP route del 10.97.0.0/24 2>/dev/null
	topo_down
}
trap cleanup EXIT
ktap_plan 15
/sbin/modprobe fabric && topo_up && $IP -n peer addr add 10.99.0.1/32 dev lo &&
	$IP -n peer link set lo up || { ktap_fail "setup"; ktap_finish; }
dmesg -c >/dev/null 2>&1
# K = 1 and one answer to recover: each verdict is one PATH_EVENT, as
# fabricd forwards the data path's. Hold-down 300 ms whatever the flaps.
$GENL params hold 300 max 300 k 1 recover 1 >/dev/null

route_via() { $IP route show "$1" 2>/dev/null | grep -q "nhid $2"; }
gone() { ! $IP nexthop show id "$1" >/dev/null 2>&1 && ! route_via "$2" "$1"; }
ping_ok() { ping -c 1 -W 2 10.99.0.1 >/dev/null 2>&1; }
back() { group_is 100 "$1" && route_via 10.99.0.0/24 100 && ping_ok; }
# wait_secs SECONDS CMD...: poll CMD until it succeeds or SECONDS of wall
# time passed (lib.sh's wait_for counts 10 ms per try, and a try here is
# several process starts under TCG)
wait_secs() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}
export -f route_via gone ping_ok back wait_secs

ktap_check "register group 100 (1 via ma0, 2 via mb0) with route 10.99.0.0/24" bash -c "
	$GENL add 100 type res buckets 16 member 1 ma0 gw 10.21.1.2 member 2 mb0 gw 10.21.2.2 \
		route 10.99.0.0/24 | grep -qx ok && wait_secs 10 back '1 2'"
r0=$(stat_of groups_recreated)

# 1. verdict on 1, carrier loss on 2, 1 answers again
$GENL event 100 1 probe-miss >/dev/null
ktap_check "1: a verdict withdraws member 1" wait_secs 10 group_is 100 2
$IP -n peer link set mb1 down
ktap_check "1: carrier loss on 2: the kernel deleted group 100 and its route" \
	wait_secs 20 gone 100 10.99.0.0/24
$GENL event 100 1 probe-ok >/dev/null
ktap_check "1: member 1 answers: group 100 = {1}, the route back, traffic flows" \
	wait_secs 20 back 1
$IP -n peer link set mb1 up
ktap_check "1: carrier back: group 100 = {1 2}" wait_secs 30 back "1 2"

# 2. verdict on 1, nexthop 2 deleted (no signal reaches the module)
$GENL event 100 1 probe-miss >/dev/null
ktap_check "2: a verdict withdraws member 1" wait_secs 10 group_is 100 2
r1=$(stat_of groups_recreated)
$IP nexthop del id 2
ktap_check "2: nexthop 2 deleted: the kernel deleted group 100 and its route" \
	gone 100 10.99.0.0/24
$GENL event 100 1 probe-ok >/dev/null
ktap_check "2: after member 1's hold-down: group 100 = {1 2} with its route, traffic flows" \
	wait_secs 30 back "1 2"
ktap_check "2: groups_recreated grew (and had grown in 1)" bash -c "
	(( \$(stat_of groups_recreated) > $r1 && $r1 > $r0 ))"

# 3. a group without registered routes: re-created, and the loss reported
ktap_check "register group 101 (3 via ma0, 4 via mb0) without routes; a route of our own" \
	bash -c "$GENL add 101 type res buckets 16 member 3 ma0 gw 10.21.1.2 \
		member 4 mb0 gw 10.21.2.2 | grep -qx ok && wait_secs 10 group_is 101 '3 4' &&
		$IP route add 10.97.0.0/24 nhid 101"
u0=$(stat_of routes_unknown)
$GENL event 101 3 probe-miss >/dev/null
wait_secs 10 group_is 101 4
$IP nexthop del id 4
ktap_check "3: nexthop 4 deleted: group 101 and our route gone" gone 101 10.97.0.0/24
$GENL event 101 3 probe-ok >/dev/null
ktap_check "3: group 101 re-created = {3 4}" wait_secs 30 group_is 101 "3 4"
ktap_check "3: routes_unknown counted once, and the kernel log names group 101" bash -c "
	(( \$(stat_of routes_unknown) == ${u0:-0} + 1 )) &&
	dmesg | grep -q 'fabric: group 101 was deleted by the kernel and is re-created without routes'"
ktap_check "group 100 untouched by 3, route_errors 0" bash -c "
	back '1 2' && [[ \$(stat_of route_errors) == 0 ]]"
ktap_check "no oops, WARN or BUG in the kernel log" \
	bash -c "! dmesg | grep -Eq 'Oops|WARNING:|BUG:'"
ktap_finish
