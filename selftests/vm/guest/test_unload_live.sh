#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rmmod with live groups changes nothing in the kernel. Unloading
# unregisters the netdev notifier, which replays GOING_DOWN, DOWN and
# UNREGISTER for every device: a live group would see carrier loss on all
# its members and reprogram its group on the way out. The module marks
# every group dead first, and dead groups ignore signals. Checked without
# timing: `ip monitor nexthop` runs across the rmmod between two marker
# nexthops of our own (so everything the kernel notified in between has
# been read), the nexthop table is the same before and after, and the
# module's unload line counts the replayed events it ignored.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
mon_pid=
cleanup() {
	[[ -n $mon_pid ]] && kill "$mon_pid" 2>/dev/null
	/sbin/rmmod fabric 2>/dev/null
	topo_down
}
trap cleanup EXIT
/sbin/modprobe fabric && topo_up || { ktap_fail "setup"; ktap_finish; }

ktap_check "register group 100 (nexthops 1, 2)" register_100
ktap_check "register group 200 (nexthops 3, 4 on the same devices)" bash -c "
	$GENL add 200 type res buckets 16 member 3 ma0 gw 10.21.1.2 member 4 mb0 gw 10.21.2.2 |
		grep -qx ok && wait_for 5000 group_is 200 '3 4'"
# Member 2 of group 200 drained: the live state is not "all members", so a
# replay that reprogrammed the group would show.
ktap_check "drain member 4 of group 200" bash -c "
	$GENL drain 200 4 | grep -qx ok && wait_for 5000 group_is 200 3"

# marker ID: add and delete nexthop ID, wait until the monitor saw both
marker() {
	$IP nexthop add id "$1" dev ma0 && $IP nexthop del id "$1" &&
		wait_for 10000 grep -q "^Deleted id $1 " /tmp/nhmon.txt
}
$IP monitor nexthop >/tmp/nhmon.txt 2>&1 &
mon_pid=$!
ktap_check "ip monitor nexthop sees a marker before rmmod" marker 9001
before=$($IP nexthop show)
echo "$before" | sed 's/^/# before: /'
dmesg -c >/dev/null
ktap_check "rmmod fabric with two live groups" /sbin/rmmod fabric
ktap_check "ip monitor nexthop sees a marker after rmmod" marker 9002
between=$(sed -n '/^Deleted id 9001 /,/^id 9002 /p' /tmp/nhmon.txt | sed '1d;$d')
[[ -n $between ]] && echo "$between" | sed 's/^/# during rmmod: /'
ktap_check "no nexthop was added, replaced or deleted during rmmod" test -z "$between"
after=$($IP nexthop show)
ktap_check "nexthop table unchanged by rmmod" test "$before" == "$after"
ktap_check "groups as last programmed: 100 = {1,2}, 200 = {3}" \
	bash -c "group_is 100 '1 2' && group_is 200 3"
line=$(dmesg | grep 'fabric: unloaded' | tail -1)
echo "# $line"
ignored=$(sed -n 's/.*signals for dead groups ignored: \([0-9]*\).*/\1/p' <<<"$line")
# GOING_DOWN, DOWN and UNREGISTER replayed for ma0 and mb0, each seen by
# both groups: 12 (at least one per member).
ktap_check "the replayed device events were ignored ($ignored >= 4)" test "${ignored:-0}" -ge 4
ktap_finish
