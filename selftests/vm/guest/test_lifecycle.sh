#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load/unload under load: live groups, queued work, paths down, carrier
# events racing with unload, many times.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
flap_pid=
cleanup() {
	[[ -n $flap_pid ]] && kill "$flap_pid" 2>/dev/null
	/sbin/rmmod fabric 2>/dev/null
	topo_down
}
trap cleanup EXIT
topo_up || { ktap_fail setup; ktap_finish; }

# Carrier flapping in the background throughout.
( while :; do $IP -n peer link set ma1 down; sleep 0.03; $IP -n peer link set ma1 up; sleep 0.03; done ) &
flap_pid=$!
N=${LIFECYCLE_N:-100}
fails=0
for i in $(seq "$N"); do
	/sbin/modprobe fabric || { fails=$((fails + 1)); echo "# load $i failed"; continue; }
	$GENL add 100 member 1 ma0 gw 10.21.1.2 member 2 mb0 gw 10.21.2.2 >/dev/null
	$GENL add 200 type mpath member 3 mb0 gw 10.21.2.2 member 4 ma0 gw 10.21.1.2 >/dev/null
	((i % 2)) && $GENL event 100 2 carrier-down >/dev/null
	((i % 3)) || sleep 0.05
	/sbin/rmmod fabric || { fails=$((fails + 1)); echo "# unload $i failed"; }
done
kill "$flap_pid"; wait "$flap_pid" 2>/dev/null; flap_pid=
ktap_check "$N load/register/unload cycles with carrier flapping" test "$fails" -eq 0
ktap_check "module gone after the loop" test ! -d /sys/module/fabric
ktap_check "rtnetlink still healthy (nexthop add/del)" bash -c "
	$IP nexthop add id 900 via 10.21.2.2 dev mb0 && $IP nexthop del id 900"
if [[ -e /sys/kernel/debug/kmemleak ]]; then
	echo scan >/sys/kernel/debug/kmemleak
	ktap_check "kmemleak: nothing suspected" bash -c "! grep -q unreferenced /sys/kernel/debug/kmemleak"
else
	ktap_skip "kmemleak scan" "guest kernel built without CONFIG_DEBUG_KMEMLEAK"
fi
ktap_finish
