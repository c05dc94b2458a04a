#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Failover executed by fabric.ko alone (no daemon runs in the guest), with
# the shared policy (common/failover.c) inside: carrier loss, recovery with
# re-created nexthops, flap dampening, stall and local-signal rules, the
# last path, drain, the kfunc path, ip monitor and the events group.
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
# Hold-down 2 s doubling to 8 s. The penalty half-life (10 h) is far
# longer than the test, and the decay table's first step (half/16) too, so
# every penalty is a whole number of failures however slow the guest is:
# the hold-downs below are exact. A 2 s local window because every genl
# call is a process start under TCG.
params_out=$($GENL params hold 2000 max 8000 half 36000000 local 2000000000 2>&1)
cfg_of() { $GENL get 100 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
export -f cfg_of
ktap_check "register group 100 (1 via ma0, 2 via mb0)" register_100
ktap_check "group 100 took the test's dampening config (hold 2 s, max 8 s, half-life 10 h)" \
	bash -c "[[ '$params_out' == ok && \$(cfg_of hold_base_ns) == 2000000000 &&
		\$(cfg_of hold_max_ns) == 8000000000 && \$(cfg_of half_life_ns) == 36000000000000 ]]"
state_is() { [[ $(member_field 100 "$1" state) == "$2" ]]; }
export -f state_is

# dump_field DUMP NH FIELD: FIELD of member NH in one `$GENL get` line
dump_field() {
	local w on=0
	for w in $1; do
		[[ $w == nh=* ]] && { [[ $w == "nh=$2" ]] && on=1 || on=0; continue; }
		((on)) && [[ $w == "$3="* ]] && { echo "${w#*=}"; return 0; }
	done
	return 1
}
# held_out NH: group 100's kernel members, read while member NH is known to
# be in HOLDDOWN: the policy dumps right before and right after the read
# both show it in HOLDDOWN with the same restores count, so it cannot have
# been UP (the only state that installs it while another path is UP) at the
# time of the read. Prints "members" or, when the hold-down may have ended
# in between (a very slow guest), "unknown: ..." and fails.
held_out() {
	local a b g
	a=$($GENL get 100) && g=$($IP nexthop show id 100) && b=$($GENL get 100) ||
		{ echo "unknown: genl or ip failed"; return 1; }
	[[ $g =~ group\ ([^ ]*) ]] && g=${BASH_REMATCH[1]} || g=
	g=$(tr '/' '\n' <<<"$g" | cut -d, -f1 | sort -n | tr '\n' ' ')
	g=${g% }
	if [[ $(dump_field "$a" $1 state) == holddown && $(dump_field "$b" $1 state) == holddown &&
		$(dump_field "$a" $1 restores) == "$(dump_field "$b" $1 restores)" ]]; then
		echo "$g"
	else
		echo "unknown: state $(dump_field "$a" $1 state) -> $(dump_field "$b" $1 state) around group '$g'"
		return 1
	fi
}

# Carrier loss on member 1.
$GENL monitor 3 30000 >/tmp/events.txt 2>&1 &
evt_pid=$!
wait_for 3000 grep -q listening /tmp/events.txt
r0=$(stat_of replaces)
$IP -n peer link set ma1 down
ktap_check "carrier loss: member 1 withdrawn from group 100" wait_for 5000 group_is 100 "2"
ktap_check "carrier loss: policy state down, carrier event counted" bash -c "
	state_is 1 down && [[ \$(member_field 100 1 carrier) == 0 ]] &&
	[[ \$(member_field 100 1 last_reason) == carrier-down ]] &&
	(( \$(stat_of events_carrier) >= 1 && \$(member_field 100 1 failovers) == 1 ))"
ktap_check "carrier loss: module replaced the group" wait_for 3000 bash -c "(( \$(stat_of replaces) > $r0 ))"

# Recovery: the kernel deleted nexthop 1 on carrier loss and restores
# nothing; only the module can bring it back.
ktap_check "kernel flushed nexthop 1 on carrier loss" bash -c "! $IP nexthop show id 1 >/dev/null 2>&1"
c0=$(stat_of nh_created)
$IP -n peer link set ma1 up
wait_for 3000 state_is 1 holddown
g=$(held_out 1)
echo "# group 100 during member 1's hold-down: $g"
ktap_check "recovery: member waits out its hold-down outside the group" test "$g" = 2
ktap_check "recovery: nexthop 1 re-created and group restored" wait_for 8000 group_is 100 "1 2"
ktap_check "recovery: nh_created and restores counted" bash -c "
	(( \$(stat_of nh_created) > $c0 && \$(member_field 100 1 restores) == 1 ))"
wait "$evt_pid"
sed 's/^/# /' /tmp/events.txt
ktap_check "events group: down, holddown and up notifications multicast" bash -c "
	grep -q 'event group=100 nh=1 old=up new=down reason=carrier-down source=carrier flags=0 .* latency_ns=[1-9][0-9]* error=0 active=2,\$' /tmp/events.txt &&
	grep -q 'event group=100 nh=1 old=down new=holddown reason=carrier-up source=carrier .* done_ns=0 .* active=2,\$' /tmp/events.txt &&
	grep -q 'event group=100 nh=1 old=holddown new=up reason=holddown-expired source=timer .* latency_ns=[1-9][0-9]* error=0 active=1,2,\$' /tmp/events.txt"
evt_pid=

# Flapping: each failure adds a penalty unit (none decays within the test)
# and doubles the hold-down: the carrier loss above was the first, so the
# flaps give 4 s, then the 8 s cap. Each hold-down is sampled while it runs.
holds= during= f0=$(stat_of flaps)
for i in 1 2 3 4; do
	$IP -n peer link set ma1 down
	wait_for 3000 state_is 1 down
	$IP -n peer link set ma1 up
	wait_for 3000 state_is 1 holddown
	during+="$(held_out 1);"
	holds+="$(member_field 100 1 hold_ms) "
done
flaps=$(member_field 100 1 flaps)
echo "# hold-down a recovery gets after each flap: $holds; flaps=$flaps state=$(member_field 100 1 state)"
echo "# group 100 during each hold-down: $during"
ktap_check "flapping: hold-down doubled per flap up to its cap (4000, then 8000 ms)" \
	test "$holds" = "4000 8000 8000 8000 "
ktap_check "flapping: 4 flaps counted (per path and module-wide)" bash -c "
	(( ${flaps:-0} == 4 && \$(stat_of flaps) - ${f0:-0} == 4 ))"
ktap_check "flapping: member kept out of the group during hold-down" \
	test "$during" = "2;2;2;2;"
ktap_check "flapping: member restored once stable" wait_for 15000 group_is 100 "1 2"

# A stalled detector's misses are not evidence (lag > stall tolerance).
for i in 1 2 3 4 5; do $GENL event 100 1 probe-miss 5000000 >/dev/null; done
ktap_check "stalled probe misses ignored (path up, ignored_stalled=5)" bash -c "
	state_is 1 up && group_is 100 '1 2' && [[ \$(member_field 100 1 ignored_stalled) == 5 ]]"
# K = 3 timely misses take a path down; 2 do not.
$GENL event 100 2 probe-miss >/dev/null
$GENL event 100 2 probe-miss >/dev/null
ktap_check "2 probe misses keep path 2 up" bash -c "sleep 0.2; state_is 2 up && group_is 100 '1 2'"
$GENL event 100 2 probe-miss >/dev/null
ktap_check "3rd probe miss withdraws path 2 (probe-loss)" bash -c "
	wait_for 5000 group_is 100 1 && [[ \$(member_field 100 2 last_reason) == probe-loss ]]"
for i in 1 2 3; do $GENL event 100 2 probe-ok >/dev/null; done
ktap_check "3 probe answers clear it: hold-down, then restored" bash -c "
	wait_for 3000 bash -c 'state_is 2 holddown || state_is 2 up' && wait_for 8000 group_is 100 '1 2'"

# Misses on every path in lockstep are local: nothing is withdrawn.
for i in 1 2 3; do
	$GENL event 100 1 probe-miss >/dev/null
	$GENL event 100 2 probe-miss >/dev/null
done
sleep 0.3
ktap_check "lockstep misses on every path judged local (both stay, ignored_local)" bash -c "
	state_is 1 up && state_is 2 up && group_is 100 '1 2' &&
	(( \$(member_field 100 1 ignored_local) + \$(member_field 100 2 ignored_local) >= 1 ))"
for i in 1 2 3; do $GENL event 100 1 probe-ok >/dev/null; $GENL event 100 2 probe-ok >/dev/null; done

# Drain; ip monitor nexthop sees the module's replace like a userspace one.
$IP monitor nexthop >/tmp/mon.txt 2>&1 &
mon_pid=$!
sleep 0.3
ktap_check "drain path 2" bash -c "$GENL drain 100 2 | grep -qx ok"
wait_for 5000 grep -q 'id 100 group 1 ' /tmp/mon.txt
ktap_check "ip monitor nexthop shows the kernel-originated replace" grep -q 'id 100 group 1 ' /tmp/mon.txt
sed 's/^/# /' /tmp/mon.txt | head -5
kill "$mon_pid"; wait "$mon_pid" 2>/dev/null; mon_pid=
ktap_check "drained path counted, not a failover" bash -c "
	[[ \$(member_field 100 2 drained) == 1 && \$(member_field 100 2 drains) == 1 &&
	   \$(member_field 100 2 last_reason) == admin-drain ]]"
out=$($GENL drain 100 1 2>&1)
ktap_check "draining the last member refused (EBUSY + extack)" bash -c "
	[[ '$out' == 'error 16 '*': drain refused'* ]] && group_is 100 1"

# The last path really fails (soft evidence, nothing to compare with):
# it goes DOWN but stays installed.
k0=$(stat_of last_path_kept)
for i in 1 2 3; do $GENL event 100 1 probe-miss >/dev/null; done
ktap_check "last path: DOWN but kept installed (last_path_kept)" bash -c "
	sleep 0.2; state_is 1 down && group_is 100 1 &&
	[[ \$(member_field 100 1 kept) == 1 ]] && (( \$(stat_of last_path_kept) > $k0 ))"
for i in 1 2 3; do $GENL event 100 1 probe-ok >/dev/null; done
$GENL undrain 100 2 >/dev/null
ktap_check "undrain + answers: group back to both paths" wait_for 15000 group_is 100 "1 2"

# Carrier loss of every path: the kernel deletes both nexthops and the
# group itself; the policy keeps the last path. The module re-creates the
# group when a carrier returns.
$IP -n peer link set ma1 down
wait_for 3000 state_is 1 down
$IP -n peer link set mb1 down
ktap_check "all carriers lost: kernel deleted group 100; policy kept the last path" bash -c "
	wait_for 3000 state_is 2 down && ! $IP nexthop show id 100 >/dev/null 2>&1 &&
	[[ \$(member_field 100 2 kept) == 1 ]]"
$IP -n peer link set ma1 up
ktap_check "a carrier returns: module re-creates nexthop 1 and group 100 at once" \
	wait_for 3000 group_is 100 "1"
$IP -n peer link set mb1 up
ktap_check "second carrier returns: both in the group, both UP after hold-down" bash -c "
	wait_for 15000 bash -c 'state_is 1 up && state_is 2 up' && group_is 100 '1 2'"

# kfunc: a BPF program reports signals; the module's policy acts.
pkt() { # GROUP NH SIGNAL LAG_NS -> /tmp/pkt: 14 bytes eth + 3 x u32 + u64 (LE)
	local v b out=
	printf '%028x' 0 | xxd -r -p >/tmp/pkt
	for v in "$1" "$2" "$3"; do
		for b in 0 8 16 24; do out+=$(printf '%02x' $((v >> b & 255))); done
	done
	for b in 0 8 16 24 32 40 48 56; do out+=$(printf '%02x' $(($4 >> b & 255))); done
	printf '%s%032x' "$out" 0 | xxd -r -p >>/tmp/pkt
}
kfunc_run() { # GROUP NH SIGNAL LAG_NS -> prints the XDP return value
	pkt "$@"
	$BPFTOOL prog run pinned /sys/fs/bpf/fabric_kfunc data_in /tmp/pkt repeat 1 2>&1 |
		sed -n 's/.*Return value: \([0-9]*\).*/\1/p'
}
if [[ $(stat_of kfunc) == 1 ]]; then
	if $BPFTOOL prog load /fabric/bin/kfunc_report.bpf.o /sys/fs/bpf/fabric_kfunc type xdp 2>/tmp/load.txt; then
		ktap_ok "kfunc: program calling bpf_fabric_report_path loads"
		k0=$(stat_of events_kfunc)
		s0=$(member_field 100 1 ignored_stalled)
		rv=$(kfunc_run 100 1 3 10000000)
		ktap_check "kfunc: stalled probe miss passed through and ignored" bash -c "
			[[ '$rv' == 2 ]] && state_is 1 up && (( \$(member_field 100 1 ignored_stalled) == $s0 + 1 ))"
		rv=$(kfunc_run 100 1 5 0)
		ktap_check "kfunc: silence report accepted (XDP_PASS)" test "$rv" = 2
		ktap_check "kfunc: group 100 replaced without member 1" wait_for 5000 group_is 100 "2"
		ktap_check "kfunc: nexthop 1 still exists (module acted, not the kernel)" $IP nexthop show id 1
		ktap_check "kfunc: events_kfunc counted" bash -c "(( \$(stat_of events_kfunc) >= $k0 + 2 ))"
		ktap_check "kfunc: unknown path refused (XDP_DROP)" test "$(kfunc_run 100 77 5 0)" = 1
		ktap_check "kfunc: unknown signal refused (XDP_DROP)" test "$(kfunc_run 100 1 9 0)" = 1
		ktap_check "rmmod refused while a kfunc user is loaded" bash -c "! /sbin/rmmod fabric 2>/dev/null && [[ -d /sys/module/fabric ]]"
		for i in 1 2 3; do kfunc_run 100 1 2 0 >/dev/null; done
		ktap_check "kfunc: probe answers restore member 1" wait_for 15000 group_is 100 "1 2"
		rm -f /sys/fs/bpf/fabric_kfunc
	else
		sed 's/^/# /' /tmp/load.txt | tail -20
		ktap_fail "kfunc: program calling bpf_fabric_report_path loads"
	fi
else
	ktap_fail "kfunc: module reports kfuncs unavailable (no module BTF)"
fi
$GENL get 100 | tr ' ' '\n' | sed 's/^/# /' | head -80
# the program's module reference goes away asynchronously after unpin
ktap_check "rmmod with a live group" wait_for 5000 /sbin/rmmod fabric
ktap_check "group 100 left as last programmed after unload" group_is 100 "1 2"
ktap_finish
