#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Routes through a module-run group survive the loss of every member. The
# kernel deletes a group, and every route through it, when its last member
# nexthop goes (carrier loss on all paths); the module re-creates the group
# when a carrier returns and re-installs the routes registered with it
# (FABRIC_A_ROUTES). Traffic to a prefix behind the group flows again.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	$IP route flush table 100 2>/dev/null
	topo_down
}
trap cleanup EXIT
/sbin/modprobe fabric && topo_up || { ktap_fail "setup"; ktap_finish; }
# A prefix behind both paths: the peer answers for 10.99.0.1.
$IP -n peer addr add 10.99.0.1/32 dev lo && $IP -n peer link set lo up ||
	{ ktap_fail "peer address"; ktap_finish; }
$GENL params hold 100 max 400 >/dev/null

route_via() { # PREFIX [table T]: the route exists and uses group 100
	$IP route show "$@" 2>/dev/null | grep -q 'nhid 100'
}
ping_ok() { ping -c 1 -W 2 10.99.0.1 >/dev/null 2>&1; }
export -f route_via ping_ok

ktap_check "register group 100 with two routes (main and table 100)" bash -c "
	$GENL add 100 type res buckets 16 member 1 ma0 gw 10.21.1.2 member 2 mb0 gw 10.21.2.2 \
		route 10.99.0.0/24 route 10.98.0.0/16 table 100 | grep -qx ok"
ktap_check "registration programs the group" wait_for 5000 group_is 100 "1 2"
ktap_check "registration installs the routes" wait_for 5000 bash -c "
	route_via 10.99.0.0/24 && route_via 10.98.0.0/16 table 100"
ktap_check "GROUP_GET lists the routes" bash -c "
	$GENL get 100 | grep -q ' route=10.99.0.0/24@254 route=10.98.0.0/16@100 '"
ktap_check "traffic flows through the group" wait_for 5000 ping_ok
r0=$(stat_of routes_installed)

$IP -n peer link set ma1 down
$IP -n peer link set mb1 down
ktap_check "all carriers lost: the kernel deleted group 100" \
	wait_for 10000 bash -c "! $IP nexthop show id 100 >/dev/null 2>&1"
ktap_check "...and the routes through it" bash -c "
	! route_via 10.99.0.0/24 && ! route_via 10.98.0.0/16 table 100"

$IP -n peer link set ma1 up
$IP -n peer link set mb1 up
ktap_check "carriers back: the module re-created group 100" wait_for 15000 group_is 100 "1 2"
ktap_check "the module re-installed both routes" wait_for 5000 bash -c "
	route_via 10.99.0.0/24 && route_via 10.98.0.0/16 table 100"
ktap_check "traffic flows again" wait_for 10000 ping_ok
ktap_check "routes_installed grew by 2, route_errors 0, group route_restores 2" bash -c "
	(( \$(stat_of routes_installed) >= $r0 + 2 )) && [[ \$(stat_of route_errors) == 0 ]] &&
	$GENL get 100 | grep -q ' route_restores=2 '"

# One member lost: the group survives, so the routes are not touched.
r1=$(stat_of routes_installed)
$IP -n peer link set ma1 down
ktap_check "one carrier lost: group 100 = {2}, routes kept" bash -c "
	wait_for 5000 group_is 100 2 && route_via 10.99.0.0/24 && ping_ok"
ktap_check "...and not re-installed" test "$(stat_of routes_installed)" == "$r1"
$IP -n peer link set ma1 up

# Validation of FABRIC_A_ROUTES.
MA0=$(cat /sys/class/net/ma0/ifindex)
expect_err() {
	local out
	out=$("${@:3}" 2>&1)
	[[ $out =~ ^error\ $1\ .*:\ (.+)$ ]] || { echo "# $2: got '$out'"; return 1; }
}
ktap_check "route with host bits refused (EINVAL)" \
	expect_err 22 host $GENL add 101 member 5 ma0 route 10.99.0.1/24
ktap_check "IPv4 prefix length 33 refused (ERANGE)" \
	expect_err 34 plen $GENL add 101 member 5 ma0 route 10.99.0.0/33
ktap_check "prefix length > 128 refused by policy" \
	expect_err 34 plen6 $GENL raw 1 1:u32:101 '5:nest:{' '1:nest:{' 1:u32:5 2:u32:$MA0 '}' '}' \
		'31:nest:{' '1:nest:{' 2:fd000000000000000000000000000000 3:u8:129 '}' '}'
ktap_check "route with DST4 and DST6 refused" \
	expect_err 22 both $GENL raw 1 1:u32:101 '5:nest:{' '1:nest:{' 1:u32:5 2:u32:$MA0 '}' '}' \
		'31:nest:{' '1:nest:{' 1:0a630000 2:fd000000000000000000000000000000 3:u8:16 '}' '}'
ktap_check "route without prefix length refused" \
	expect_err 22 noplen $GENL raw 1 1:u32:101 '5:nest:{' '1:nest:{' 1:u32:5 2:u32:$MA0 '}' '}' \
		'31:nest:{' '1:nest:{' 1:0a630000 '}' '}'
ktap_check "table 0 refused (ERANGE)" \
	expect_err 34 table0 $GENL add 101 member 5 ma0 route 10.99.0.0/24 table 0
ktap_check "duplicate route refused" \
	expect_err 22 dup $GENL add 101 member 5 ma0 route 10.97.0.0/16 route 10.97.0.0/16
ktap_check "65 routes refused (E2BIG)" expect_err 7 many $GENL add 101 member 5 ma0 \
	$(for i in $(seq 0 64); do echo route 10.$i.0.0/16; done)
ktap_check "an IPv6 route accepted and listed" bash -c "
	$GENL add 102 member 6 ma0 route fd77:1::/64 | grep -qx ok &&
	$GENL get 102 | grep -q ' route=fd77:1::/64@254 ' && $GENL del 102 | grep -qx ok"
ktap_finish
