#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Failover executed by fabric.ko alone (no daemon runs in the guest):
# carrier loss, recovery with re-created nexthops, flap dampening, the
# kfunc path, ip monitor and the events multicast group.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
mon_pid= evt_pid=
cleanup() {
	[[ -n $mon_pid ]] && kill "$mon_pid" 2>/dev/null
	[[ -n $evt_pid ]] && kill "$evt_pid" 2>/dev/null
	rm -f /sys/fs/bpf/fabric_kfunc
	/sbin/rmmod fabric 2>/dev/null
	topo_down
}
trap cleanup EXIT
/sbin/modprobe fabric && topo_up || { ktap_fail "setup"; ktap_finish; }
$GENL params hold 1000 max 4000 decay 20000 >/dev/null
ktap_check "register group 100 (1 via ma0, 2 via mb0)" register_100

# Carrier loss on member 1.
$GENL monitor 3 30000 >/tmp/events.txt 2>&1 &
evt_pid=$!
wait_for 3000 grep -q listening /tmp/events.txt
r0=$(stat_of replaces)
$IP -n peer link set ma1 down
ktap_check "carrier loss: member 1 withdrawn from group 100" wait_for 5000 group_is 100 "2"
ktap_check "carrier loss: module saw it (state down, carrier event counted)" bash -c "
	[[ \$(member_field 100 1 state) == down ]] && (( \$(stat_of events_carrier) >= 1 ))"
ktap_check "carrier loss: module replaced the group" wait_for 3000 bash -c "(( \$(stat_of replaces) > $r0 ))"

# Recovery: the kernel deleted nexthop 1 on carrier loss and restores
# nothing; only the module can bring it back.
ktap_check "kernel flushed nexthop 1 on carrier loss" bash -c "! $IP nexthop show id 1 >/dev/null 2>&1"
c0=$(stat_of nh_created)
$IP -n peer link set ma1 up
ktap_check "recovery: member waits out its hold-down outside the group" bash -c "
	wait_for 3000 bash -c '[[ \$(member_field 100 1 state) == holddown ]]' && group_is 100 2"
ktap_check "recovery: nexthop 1 re-created and group restored" wait_for 8000 group_is 100 "1 2"
ktap_check "recovery: nh_created counted" bash -c "(( \$(stat_of nh_created) > $c0 ))"
wait "$evt_pid"
ktap_check "events group: down and up notifications multicast" bash -c "
	grep -q 'event group=100 nh=1 old=0 new=1 reason=1 .* error=0 active=2,' /tmp/events.txt &&
	grep -q 'event group=100 nh=1 old=2 new=0 reason=7 .* error=0 active=1,2,' /tmp/events.txt"
evt_pid=
sed 's/^/# /' /tmp/events.txt

# Flapping: repeated loss doubles the hold-down; the path is kept out.
for i in 1 2 3 4; do
	$IP -n peer link set ma1 down
	wait_for 3000 bash -c "[[ \$(member_field 100 1 state) == down ]]"
	$IP -n peer link set ma1 up
	sleep 0.05
done
hold=$(member_field 100 1 hold_ms)
flaps=$(member_field 100 1 flaps)
echo "# after 4 flaps: hold_ms=$hold flaps=$flaps state=$(member_field 100 1 state)"
ktap_check "flapping: hold-down grew exponentially to its cap (1000 -> 4000 ms)" test "${hold:-0}" -eq 4000
ktap_check "flapping: member kept out of the group during hold-down" group_is 100 "2"
ktap_check "flapping: dampened recoveries counted" bash -c "(( \$(stat_of dampened) >= 1 || $flaps >= 5 ))"
ktap_check "flapping: member restored once stable" wait_for 15000 group_is 100 "1 2"

# ip monitor nexthop sees the module's replace, like a userspace one.
$IP monitor nexthop >/tmp/mon.txt 2>&1 &
mon_pid=$!
sleep 0.3
$GENL event 100 2 down >/dev/null
wait_for 5000 grep -q 'id 100 group 1 ' /tmp/mon.txt
ktap_check "ip monitor nexthop shows the kernel-originated replace" grep -q 'id 100 group 1 ' /tmp/mon.txt
sed 's/^/# /' /tmp/mon.txt | head -5
kill "$mon_pid"; wait "$mon_pid" 2>/dev/null; mon_pid=
$GENL event 100 2 up >/dev/null
wait_for 8000 group_is 100 "1 2"

# Never withdraw the last path.
$GENL event 100 1 down >/dev/null
wait_for 5000 group_is 100 "2"
k0=$(stat_of last_path_kept)
$GENL event 100 2 down >/dev/null
sleep 0.5
ktap_check "last path kept when every path is reported down" bash -c "group_is 100 2 && (( \$(stat_of last_path_kept) > $k0 ))"
$GENL event 100 1 up >/dev/null
$GENL event 100 2 up >/dev/null
wait_for 15000 group_is 100 "1 2"

# kfunc: a BPF program reports loss of path 1; the module replaces.
pkt() { # GROUP NH EVENT -> hex payload file: 14 bytes eth + 3 x u32 (LE)
	printf '%028x' 0 | xxd -r -p >/tmp/pkt
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) 0 0)" >>/tmp/pkt
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($2 & 255)) $(($2 >> 8 & 255)) 0 0)" >>/tmp/pkt
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' "$3" 0 0 0)" >>/tmp/pkt
	printf '%032x' 0 | xxd -r -p >>/tmp/pkt
}
if [[ $(stat_of kfunc) == 1 ]]; then
	if $BPFTOOL prog load /fabric/bin/kfunc_report.bpf.o /sys/fs/bpf/fabric_kfunc type xdp 2>/tmp/load.txt; then
		ktap_ok "kfunc: program calling bpf_fabric_report_path loads"
		k0=$(stat_of events_kfunc)
		pkt 100 1 1
		out=$($BPFTOOL prog run pinned /sys/fs/bpf/fabric_kfunc data_in /tmp/pkt repeat 1 2>&1)
		echo "$out" | sed 's/^/# /'
		ktap_check "kfunc: report accepted (XDP_PASS)" grep -q 'Return value: 2' <<<"$out"
		ktap_check "kfunc: group 100 replaced without member 1" wait_for 5000 group_is 100 "2"
		ktap_check "kfunc: nexthop 1 still exists (module acted, not the kernel)" $IP nexthop show id 1
		ktap_check "kfunc: events_kfunc counted" bash -c "(( \$(stat_of events_kfunc) > $k0 ))"
		pkt 100 77 1
		out=$($BPFTOOL prog run pinned /sys/fs/bpf/fabric_kfunc data_in /tmp/pkt repeat 1 2>&1)
		ktap_check "kfunc: unknown path refused (XDP_DROP)" grep -q 'Return value: 1' <<<"$out"
		ktap_check "rmmod refused while a kfunc user is loaded" bash -c "! /sbin/rmmod fabric 2>/dev/null && [[ -d /sys/module/fabric ]]"
		pkt 100 1 2
		$BPFTOOL prog run pinned /sys/fs/bpf/fabric_kfunc data_in /tmp/pkt repeat 1 >/dev/null 2>&1
		ktap_check "kfunc: recovery report restores member 1" wait_for 15000 group_is 100 "1 2"
		rm -f /sys/fs/bpf/fabric_kfunc
	else
		sed 's/^/# /' /tmp/load.txt | tail -20
		ktap_fail "kfunc: program calling bpf_fabric_report_path loads"
	fi
else
	ktap_fail "kfunc: module reports kfuncs unavailable (no module BTF)"
fi
# the program's module reference goes away asynchronously after unpin
ktap_check "rmmod with a live group" wait_for 5000 /sbin/rmmod fabric
ktap_check "group 100 left as last programmed after unload" group_is 100 "1 2"
ktap_finish
