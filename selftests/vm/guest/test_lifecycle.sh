#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load/unload under load: live groups, queued work, paths down, carrier
# events racing with unload, traffic through the groups, many times.
# guest-timeout: 480
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
flap_pid= traffic_pid=
cleanup() {
	[[ -n $flap_pid ]] && kill "$flap_pid" 2>/dev/null
	[[ -n $traffic_pid ]] && kill "$traffic_pid" 2>/dev/null
	wait 2>/dev/null
	/sbin/rmmod fabric 2>/dev/null
	topo_down
}
trap cleanup EXIT
ktap_plan 8
topo_up || { ktap_fail setup; ktap_finish; }

# Traffic: UDP to 10.50.0.1 (on the peer's lo) routed through group 100.
rx_peer() { # packets received by the peer on both member links
	$IP -n peer -s -j link show | jq '[.[] | select(.ifname == "ma1" or .ifname == "mb1") |
		.stats64.rx.packets] | add'
}
$IP -n peer addr add 10.50.0.1/32 dev lo
/sbin/modprobe fabric &&
	$GENL add 100 type res buckets 16 member 1 ma0 gw 10.21.1.2 member 2 mb0 gw 10.21.2.2 | grep -qx ok &&
	wait_for 5000 group_is 100 "1 2" && $IP route add 10.50.0.0/24 nhid 100 ||
	{ ktap_fail "setup: group 100 and a route through it"; ktap_finish; }
/sbin/rmmod fabric
send() { # N datagrams
	local i
	for ((i = 0; i < $1; i++)); do echo x 2>/dev/null >/dev/udp/10.50.0.1/9; done
}
export -f send rx_peer
rx0=$(rx_peer)
( while :; do send 4; sleep 0.02; done ) &
traffic_pid=$!
# Carrier flapping in the background throughout.
( while :; do $IP -n peer link set ma1 down; sleep 0.1; $IP -n peer link set ma1 up; sleep 0.1; done ) &
flap_pid=$!
N=${LIFECYCLE_N:-100}
fails=0
for i in $(seq "$N"); do
	/sbin/modprobe fabric || { fails=$((fails + 1)); echo "# load $i failed"; continue; }
	$GENL add 100 type res buckets 16 member 1 ma0 gw 10.21.1.2 member 2 mb0 gw 10.21.2.2 >/dev/null
	$GENL add 200 type mpath member 3 mb0 gw 10.21.2.2 member 4 ma0 gw 10.21.1.2 >/dev/null
	# The kernel deletes a group, and its routes, with its last member
	# nexthop (carrier loss on a withdrawn group's last path): put the
	# route back whenever the group exists.
	$IP route replace 10.50.0.0/24 nhid 100 2>/dev/null
	((i % 2)) && $GENL event 100 2 carrier-down >/dev/null
	/sbin/rmmod fabric || { fails=$((fails + 1)); echo "# unload $i failed"; }
done
kill "$flap_pid" "$traffic_pid"; wait "$flap_pid" "$traffic_pid" 2>/dev/null; flap_pid= traffic_pid=
rx1=$(rx_peer)
echo "# peer received $((rx1 - rx0)) packets during the $N cycles"
ktap_check "$N load/register/unload cycles with carrier flapping and traffic" test "$fails" -eq 0
ktap_check "traffic reached the peer through the groups during the cycles" test $((rx1 - rx0)) -ge 100
ktap_check "module gone after the loop" test ! -d /sys/module/fabric
$IP -n peer link set ma1 up
# Afterwards: load, register, route, and every datagram reaches the peer.
rx0=$(rx_peer)
ktap_check "after the cycles: load, register group 100, route through it" bash -c "
	/sbin/modprobe fabric &&
	$GENL add 100 type res buckets 16 member 1 ma0 gw 10.21.1.2 member 2 mb0 gw 10.21.2.2 | grep -qx ok &&
	wait_for 5000 group_is 100 '1 2' && $IP route replace 10.50.0.0/24 nhid 100"
send 50
ktap_check "after the cycles: 50 datagrams reach the peer through group 100" wait_for 3000 bash -c "(( \$(rx_peer) - $rx0 >= 50 ))"
ktap_check "rmmod" /sbin/rmmod fabric
ktap_check "rtnetlink still healthy (nexthop add/del)" bash -c "
	$IP nexthop add id 900 via 10.21.2.2 dev mb0 && $IP nexthop del id 900"
if [[ -e /sys/kernel/debug/kmemleak ]]; then
	echo scan >/sys/kernel/debug/kmemleak
	ktap_check "kmemleak: nothing suspected" bash -c "! grep -q unreferenced /sys/kernel/debug/kmemleak"
else
	ktap_skip "kmemleak scan" "guest kernel built without CONFIG_DEBUG_KMEMLEAK"
fi
ktap_finish
