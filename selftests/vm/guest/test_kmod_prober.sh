#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest-timeout: 420
# (35-65 s in a guest on a moderately loaded host; 174 s was seen at load 19)
# fabric.ko's probe sender (kmod/prober.c) and carrier reroute: the module
# sends fabricd's probe frames from its hrtimer; the data path
# (fabric.bpf.o, kprober-dp) stamps them at tc egress, the peer's
# reflector answers (IPv4 and IPv6) and XDP matches the answers; a
echo "# t=${SECONDS}s"
# blackhole at the reflector gives the BPF verdict DOWN and a declared
# reroute; the carrier kprobe declares a member down in the reroute map
# before linkwatch's notifier runs (order, not durations); probers go away
# cleanly on delete, device unregister, netns exit and unload. Slots 0
# and 1 are judged by fabric.ko's hrtimer (kmod/prober_judge.c), slot 2
# by the bpf_timer: the blackhole's verdict is the module's, a stall storm
# gives the module no verdict on healthy paths, and unload hands the
# slots back.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
KP=/fabric/bin/fabric-kprober
DP=/fabric/bin/kprober-dp
PIN=/sys/fs/bpf/kprober
REF=/sys/fs/bpf/kpref
PEER=(/usr/bin/nsenter --net=/run/netns/kpeer)
NOPRIV=(/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
hook=/sys/module/fabric/parameters/carrier_hook
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	$IP link del kpa0 2>/dev/null
	$IP link del kpb0 2>/dev/null
	$IP netns del kpeer 2>/dev/null
	$IP netns del kpns 2>/dev/null
	rm -rf $PIN $REF
}
trap cleanup EXIT
ktap_plan 30

setup() {
	$IP netns add kpeer &&
	$IP link add kpa0 type veth peer name kpa1 netns kpeer &&
	$IP link add kpb0 type veth peer name kpb1 netns kpeer &&
	$IP addr add 10.31.1.1/24 dev kpa0 && $IP addr add 10.31.2.1/24 dev kpb0 &&
	$IP addr add fd31:1::1/64 dev kpa0 nodad &&
	$IP -n kpeer addr add 10.31.1.2/24 dev kpa1 && $IP -n kpeer addr add 10.31.2.2/24 dev kpb1 &&
	$IP -n kpeer addr add fd31:1::2/64 dev kpa1 nodad &&
	$IP link set kpa0 up && $IP link set kpb0 up &&
	$IP -n kpeer link set kpa1 up && $IP -n kpeer link set kpb1 up &&
	$BPFTOOL prog loadall /fabric/bpf/probe.bpf.o $REF &&
	"${PEER[@]}" $BPFTOOL net attach xdp pinned $REF/fabric_probe_reflect dev kpa1 &&
	"${PEER[@]}" $BPFTOOL net attach xdp pinned $REF/fabric_probe_reflect dev kpb1 &&
	$DP setup $PIN kpa0 kpb0 kpa0 | grep -qx ready
}
/sbin/modprobe fabric && setup || { ktap_fail "setup"; ktap_finish; }
ktap_ok "setup: veths to kpeer, reflector there, data path and verdict here"

# show field: "path slot=N ... FIELD=V" or "member ... member=N ... FIELD=V"
dp_field() { # KIND N FIELD
	local key=slot
	[[ $1 == member ]] && key=member
	$DP show $PIN | awk -v k="$1" -v sel="$key=$2" -v f="$3=" '
		$1 == k { on = 0; for (i = 2; i <= NF; i++) if ($i == sel) on = 1 }
		$1 == k && on { for (i = 2; i <= NF; i++) if (index($i, f) == 1) print substr($i, length(f) + 1) }'
}
kp_field() { # SLOT FIELD (from the module's dump)
	$KP list | tr ' ' '\n' | awk -v s="slot=$1" -v f="$2=" '
		$0 == s { on = 1; next } /^slot=/ { on = 0 }
		on && index($0, f) == 1 { print substr($0, length(f) + 1); exit }'
}
hook_field() { tr ' ' '\n' <"$hook" | sed -n "s/^$1=//p"; }
# wait_secs SECONDS CMD...: poll CMD until it succeeds or SECONDS of wall
# time have passed (lib.sh's wait_for counts 10 ms per try, and one try of
# these checks takes far longer in a TCG guest)
wait_secs() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}
export DP PIN KP hook
export -f dp_field kp_field hook_field wait_secs

# the module judge with kprober-dp's bpf_timer settings (K = 5, 50 ms)
JUDGE="judge $PIN timeout-ns 50000000 stall-tol-ns 100000000 judge-ns 5000000 miss-k 5 recover 3"
ktap_check "add IPv4 prober, slot 0 on kpa0 (5 ms), judged by the module" \
	bash -c "$KP add 0 dev kpa0 src 10.31.1.1 dst 10.31.1.2 interval-us 5000 group 0 member 0 $JUDGE | grep -qx ok"
ktap_check "add IPv4 prober, slot 1 on kpb0 (5 ms), judged by the module" \
	bash -c "$KP add 1 dev kpb0 src 10.31.2.1 dst 10.31.2.2 interval-us 5000 group 0 member 1 $JUDGE | grep -qx ok"
ktap_check "add IPv6 prober, slot 2 on kpa0 (5 ms)" \
	bash -c "$KP add 2 dev kpa0 src fd31:1::1 dst fd31:1::2 interval-us 5000 group 1 member 0 | grep -qx ok"
echo "# t=${SECONDS}s"
ktap_check "hand the reroute map over (RR_MAP_SET)" \
	bash -c "$KP rr-map $PIN/fabric_reroute | grep -qx ok"
ktap_check "list shows the three probers" bash -c "(( \$($KP list | grep -c '^prober ') == 3 ))"
kjudged() { # SLOT: the module's hrtimer judges it, its bpf_timer is off
	[[ $(kp_field "$1" judge) == 1 ]] && (($(dp_field path "$1" flags) & 2)) &&
		(($(dp_field path "$1" kjudge_runs) > 0))
}
export -f kjudged
ktap_check "slots 0, 1 judged by the module's hrtimer (flag set, runs), slot 2 not" \
	wait_secs 30 bash -c "kjudged 0 && kjudged 1 && [[ \$(kp_field 2 judge) == 0 ]] && \
		(( \$(dp_field path 2 kjudge_runs) == 0 && !(\$(dp_field path 2 flags) & 2) ))"

answered() { (($(dp_field path "$1" answered) >= 20)); }
export -f answered
ktap_check "tc egress stamped module probes and XDP matched 20+ answers, IPv4 (slots 0, 1)" \
	wait_secs 30 bash -c "answered 0 && answered 1"
ktap_check "the same over IPv6 (slot 2)" wait_secs 30 answered 2
ktap_check "module counters: probes sent on both families, no tx errors" \
	bash -c "(( \$(kp_field 0 sent) > 0 && \$(kp_field 0 tx_errors) == 0 && \$(kp_field 2 sent) > 0 ))"
echo "# $($KP list | head -3 | tr '\n' ';')"
echo "# $($DP show $PIN | tr '\n' ';')"

echo "# t=${SECONDS}s"
# malformed requests: refused by the policy or the parser, with extack
refused() { # PATTERN CMD...: exit 1 and the kernel's message matches
	local out rc
	out=$("${@:2}" 2>&1)
	rc=$?
	echo "# $out"
	((rc != 0)) && [[ $out =~ $1 ]]
}
ktap_check "interval below 20 us refused" \
	refused "error 34|error 22" $KP add 9 dev kpa0 src 10.31.1.1 dst 10.31.1.2 interval-ns 19999
ktap_check "no address pair refused with a message" \
	refused "address pair" $KP add 9 dev kpa0
ktap_check "slot 64 refused" refused "error" $KP add 64 dev kpa0 src 10.31.1.1 dst 10.31.1.2
ktap_check "busy slot refused" refused "already has a prober" \
	$KP add 0 dev kpa0 src 10.31.1.1 dst 10.31.1.2
ktap_check "source port = reflector port refused" refused "source port" \
	$KP add 9 dev kpa0 src 10.31.1.1 dst 10.31.1.2 sport 3785
ktap_check "without CAP_NET_ADMIN: refused (EPERM)" refused "error 1 " "${NOPRIV[@]}" $KP list
ktap_check "judge period below 20 us refused" refused "error 34|error 22" \
	$KP add 9 dev kpa0 src 10.31.1.1 dst 10.31.1.2 judge $PIN judge-ns 19999
ktap_check "judge setting without FABRIC_PROBER_A_JUDGE refused with a message" \
	refused "without FABRIC_PROBER_A_JUDGE" $KP add 9 dev kpa0 src 10.31.1.1 dst 10.31.1.2 miss-k 5

echo "# t=${SECONDS}s"
# a stall storm (SCHED_FIFO hogs on every CPU, 5-30 ms on and off): the
# module judges both healthy paths through it and must find nothing
v0=$(dp_field path 0 verdicts) v1=$(dp_field path 1 verdicts)
a0=$(dp_field path 0 answered) a1=$(dp_field path 1 answered)
$DP storm 8
# let what was in flight during the storm be answered and judged
wait_secs 30 bash -c "(( \$(dp_field path 0 answered) >= $a0 + 40 && \$(dp_field path 1 answered) >= $a1 + 40 ))"
sleep 1
echo "# after storm: $($DP show $PIN | tr '\n' ';')"
echo "# after storm: $($KP list | head -2 | tr '\n' ';')"
ktap_check "stall storm: no verdict on the healthy slots 0, 1, no member declared" \
	bash -c "(( \$(dp_field path 0 verdicts) == $v0 && \$(dp_field path 1 verdicts) == $v1 )) && \
		[[ \$(dp_field member 0 down) == 0 && \$(dp_field member 1 down) == 0 ]]"

# blackhole at the reflector of kpb1: the module's judge says DOWN after
# K (5) confirmed misses and declares member 1 down (source 2: kmod). Slot 0
# witnesses. (Whether a loaded TCG guest also makes false verdicts on
# healthy paths is the judge's matter, not the sender's: slot 0 cannot
# declare member 0, which the carrier step below needs.)
missed1=$(dp_field path 1 missed)
"${PEER[@]}" $BPFTOOL net detach xdp dev kpb1
"${PEER[@]}" $BPFTOOL net attach xdp pinned $REF/fabric_probe_pass dev kpb1
ktap_check "blackhole: 5+ new misses, module verdict DOWN on slot 1, member 1 declared (kmod)" \
	wait_secs 30 bash -c "(( \$(dp_field path 1 missed) >= $missed1 + 5 && \
		\$(dp_field path 1 kverdicts) >= 1 && \$(kp_field 1 judge_verdicts) >= 1 )) && \
		[[ \$(dp_field path 1 verdict) == 1 && \$(dp_field member 1 down) == 1 && \
		\$(dp_field member 1 src) == 2 ]]"
echo "# $($KP list | head -2 | tr '\n' ';')"

echo "# t=${SECONDS}s"
# carrier: the kprobe declares member 0 down (source 3: carrier) at the
# driver's call, which linkwatch's notifier follows
skip0=$(kp_field 0 skipped)
$IP -n kpeer link set kpa1 down
ktap_check "carrier loss on kpa0: member 0 declared down by the kprobe (carrier)" \
	wait_secs 10 bash -c "[[ \$(dp_field member 0 down) == 1 && \$(dp_field member 0 src) == 3 ]] && \
		(( \$(hook_field rr_declared) >= 1 ))"
wait_secs 5 bash -c "(( \$(hook_field linkwatch_ns) > 0 ))"
echo "# $(cat $hook); member 0 verdict_ns=$(dp_field member 0 verdict_ns)"
ktap_check "order: reroute verdict at the driver's call, before linkwatch's notifier" \
	bash -c "v=\$(dp_field member 0 verdict_ns); (( v == \$(hook_field driver_ns) && v < \$(hook_field linkwatch_ns) ))"
ktap_check "prober skips its ticks while kpa0 has no carrier" \
	wait_secs 10 bash -c "(( \$(kp_field 0 skipped) > $skip0 ))"

echo "# t=${SECONDS}s"
# teardown paths with live probers
ktap_check "PROBER_DEL of slot 2" bash -c "$KP del 2 | grep -qx ok && ! $KP get 2 >/dev/null"
ktap_check "device unregister (ip link del kpb0) removes slot 1's prober" \
	bash -c "timeout 60 $IP link del kpb0 && ! $KP list | grep -q 'slot=1 '"
netns_case() {
	$IP netns add kpns && $IP link add kpn0 netns kpns type veth peer name kpn1 netns kpns &&
	$IP -n kpns addr add 10.31.5.1/24 dev kpn0 && $IP -n kpns link set kpn0 up &&
	$IP -n kpns link set kpn1 up &&
	/usr/bin/nsenter --net=/run/netns/kpns $KP add 5 dev kpn0 src 10.31.5.1 dst 10.31.5.2 \
		interval-us 100 | grep -qx ok &&
	/usr/bin/nsenter --net=/run/netns/kpns $KP list | grep -q 'slot=5 ' &&
	! $KP list | grep -q 'slot=5 ' &&
	timeout 60 $IP netns del kpns
}
ktap_check "probers are per netns; netns exit with a live 100 us prober" netns_case
echo "# t=${SECONDS}s"
dmesg -c >/dev/null 2>&1
ktap_check "rmmod with a live prober and the reroute map held" timeout 60 /sbin/rmmod fabric
ktap_check "unload handed slot 0 back to the bpf_timer (judge flag cleared, slot 1's too)" \
	bash -c "(( !(\$(dp_field path 0 flags) & 2) && !(\$(dp_field path 1 flags) & 2) ))"
ktap_check "no oops, WARN or BUG in the kernel log" \
	bash -c "! dmesg | grep -Eq 'Oops|WARNING:|BUG:|refcount|unregister_netdevice: waiting'"
if [[ -w /sys/kernel/debug/kmemleak ]]; then
	echo scan >/sys/kernel/debug/kmemleak
	ktap_check "kmemleak: nothing from fabric" \
		bash -c "! grep -q fabric /sys/kernel/debug/kmemleak"
else
	ktap_skip "kmemleak" "not in this kernel (CONFIG_DEBUG_KMEMLEAK off)"
fi
ktap_finish
