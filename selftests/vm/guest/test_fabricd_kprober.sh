#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest-timeout: 600
# fabricd with fabric.ko as executor and as probe sender ([verdict]
# probe_sender = kmod; Documentation/reroute.md, "Probe senders"): fabricd
# asks the module for one prober per path (PROBER_ADD), sends no probe
# itself, and the module judges them from its hrtimer (the BPF slot
# carries FABRIC_PROBE_F_KJUDGE, so the bpf_timer stays off) while the
# data path stamps and answers them. A blackhole gives the module's
# verdict, notified over genetlink (PROBER_VERDICT): fabricd shows it in
# its events and metrics (judge "kmod") and tells the module's policy,
# which withdraws the member. A killed fabricd leaves judging probers
# behind; unloading the module then leaves nothing (no WARN, no leak). The
# gray monitor, fed from the data path's per-slot counts, drains a lossy
# link through the module (GRAY over genetlink) and restores it. A prober
# that disappears makes fabricd's own prober take over, logged and
# counted; reloads switch senders; exit deletes the probers.
#
# Topology (default netns = the leaf, fabricd's netns):
#   qa0 10.43.1.1 <-> qa1 10.43.1.2 in netns kq-s1 (path s1, nh 11, link l-s1)
#   qb0 10.43.2.1 <-> qb1 10.43.2.2 in netns kq-s2 (path s2, nh 12, link l-s2)
# group 100 (resilient) over nh 11 and 12, route 10.44.0.0/24 through it.
. /tests/ktap.sh
. /tests/lib.sh
FABRICD=/fabric/bin/fabricd FABRICCTL=/fabric/bin/fabricctl KP=/fabric/bin/fabric-kprober
PROBE_O=/fabric/bpf/probe.bpf.o
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
for f in "$FABRICD" "$FABRICCTL" "$KP" "$PROBE_O" /usr/bin/jq; do
	[[ -e $f ]] || { echo "1..0 # SKIP $f not in the initramfs (make)"; exit 4; }
done

W=/tmp/fabricd-kprober
PIN=/sys/fs/bpf/kq-dp
CONF=$W/fabric.conf LOG=$W/fabricd.log
PORT=19482
export FABRIC_SOCKET=$W/fabricd.sock
DPID=
mkdir -p "$W"

cleanup() {
	[[ -n $DPID ]] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	"$FABRICD" -c "$CONF" --detach >/dev/null 2>&1
	rm -rf "$PIN"
	$IP link del qa0 2>/dev/null
	$IP link del qb0 2>/dev/null
	$IP netns del kq-s1 2>/dev/null
	$IP netns del kq-s2 2>/dev/null
	$IP route del 10.44.0.0/24 2>/dev/null
	$IP nexthop flush >/dev/null 2>&1
	/sbin/rmmod fabric 2>/dev/null
}
trap cleanup EXIT

reflect() { # SPINE PROGRAM: the spine end's XDP program
	local d=$([[ $1 == 1 ]] && echo qa1 || echo qb1)
	$IP -n kq-s$1 link set $d xdpdrv off &&
		$IP -n kq-s$1 link set $d xdpdrv obj "$PROBE_O" sec xdp program "$2"
}
topo() {
	local s d
	for s in 1 2; do
		d=$([[ $s == 1 ]] && echo qa || echo qb)
		$IP netns add kq-s$s &&
		$IP link add ${d}0 type veth peer name ${d}1 netns kq-s$s &&
		$IP addr add 10.43.$s.1/24 dev ${d}0 &&
		$IP -n kq-s$s addr add 10.43.$s.2/24 dev ${d}1 &&
		$IP -n kq-s$s link set lo up &&
		reflect $s fabric_probe_reflect &&
		$IP link set ${d}0 xdpdrv obj "$PROBE_O" sec xdp program fabric_probe_pass &&
		$IP -n kq-s$s link set ${d}1 up && $IP link set ${d}0 up || return 1
	done
	# the module's prober sends only to a resolved neighbour
	ping -c1 -W2 10.43.1.2 >/dev/null && ping -c1 -W2 10.43.2.2 >/dev/null
}

# Probes every 5 ms, judged by the data path: a miss after 100 ms (20 in
# flight; the data path remembers 32 departures per path, and with 200 ms
# every unanswered probe was pushed out as stalled before its deadline), a
# verdict after 10 confirmed misses in a row (so that the gray step's
# random loss never makes one). The gray threshold is 5 %, so that a
# clear takes about 500 clean probes, not 25,000 (Documentation/gray.md).
write_conf() { # SENDER
	cat >"$CONF" <<EOC
[datapath]
interfaces = qa0 qb0
pin_dir = $PIN
flows = 1024
tx_flows = 256
[exporter]
listen = 127.0.0.1:$PORT
[control]
socket = $FABRIC_SOCKET
[thresholds]
probe_interval_us = 5000
probe_timeout_us = 100000
probe_miss_threshold = 3
recover_probes = 3
stall_tolerance_us = 1000000
holddown_ms = 500
holddown_max_ms = 2000
half_life_ms = 1000
[verdict]
probe_sender = $1
miss_k = 10
[gray]
enable = on
action = drain
loss_threshold_ppm = 50000
restore_clean_s = 1

[group g]
id = 100
paths = s1 s2
buckets = 16
idle_timer_ms = 1000
routes = 10.44.0.0/24

[path s1]
dev = qa0
gateway = 10.43.1.2
nexthop_id = 11
links = l-s1

[path s2]
dev = qb0
gateway = 10.43.2.2
nexthop_id = 12
links = l-s2
EOC
}
write_conf kmod

ctl() { "$FABRICCTL" --pin-dir "$PIN" "$@"; }
metric() { # NAME-WITH-LABELS
	wget -qO- "http://127.0.0.1:$PORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
until_ms() {
	local end=$((${EPOCHREALTIME/./} / 1000 + $1))
	shift
	until "$@"; do
		((${EPOCHREALTIME/./} / 1000 < end)) || return 1
		sleep 0.1
	done
}
path_now() {
	ctl -j paths | jq -e --arg n "$1" ".paths[] | select(.name == \$n) | $2" >/dev/null 2>&1
}
path_is() { # NAME JQ-CONDITION MS
	until_ms "$3" path_now "$1" "$2" && return 0
	echo "# path $1: want $2, have: $(ctl -j paths | jq -c --arg n "$1" '.paths[] | select(.name == $n) | {state, reason, installed, probe, gray}')"
	return 1
}
kv_now() { ctl -j status | jq -e ".daemon.failover.kernel_verdict | $1" >/dev/null 2>&1; }
kv_is() { # JQ-CONDITION MS: on status.daemon.failover.kernel_verdict
	until_ms "$2" kv_now "$1" && return 0
	echo "# kernel_verdict: want $1, have: $(ctl -j status | jq -c '.daemon.failover.kernel_verdict')"
	return 1
}
members_are() { # "IDS" MS
	until_ms "$2" group_is 100 "$1" ||
		{ echo "# group 100: want '$1', have '$(nh_group_members 100)'"; return 1; }
}
probers() { $KP list | grep -c '^prober '; }
gray_event() { # TYPE LINK
	ctl -j events | jq -e --arg t "$1" --arg l "$2" \
		'[.[] | select(.type == $t and .link == $l)] | length > 0' >/dev/null 2>&1
}
logged() { until_ms "$1" grep -q -- "$2" "$LOG" || { echo "# not in the log: $2"; return 1; }; }

mono_ns() { # CLOCK_MONOTONIC, to 10 ms (no suspend in the guest)
	local u
	read -r u _ </proc/uptime
	echo $((${u/./} * 10000000))
}
kj_event() { # JQ-CONDITION on the module judge's probe_verdict events
	ctl -j events | jq -e "[.[] | select(.type == \"probe_verdict\" and .judge == \"kmod\") | select($1)] | length > 0" >/dev/null 2>&1
}
judging() { # N: module probers that judge, with runs > 0
	[[ $($KP list | grep -c '^prober .* judge=1 .*judge_runs=[1-9]') == "$1" ]]
}

/sbin/modprobe fabric || { ktap_fail "modprobe fabric"; ktap_finish; }
/sbin/modprobe sch_netem 2>/dev/null
topo || { ktap_fail "topology (two spines, reflectors)"; ktap_finish; }
dmesg -c >/dev/null 2>&1
ktap_plan 30

ktap_check "fabricd starts, fabric.ko executes" fabricd_up
ktap_check "status: probe sender kmod, 2 module probers, the data path judges for fabric.ko" \
	kv_is '.probe_sender == "kmod" and .module_probers == 2 and .executor_fabric_ko and .paths == 2' 30000
slots_ok() {
	local a=$(cat /sys/class/net/qa0/ifindex) b=$(cat /sys/class/net/qb0/ifindex) out
	out=$($KP list)
	[[ $(probers) == 2 && $out == *"slot=0 dev=qa0 ifindex=$a "*"group=0 member=0 "* &&
		$out == *"slot=1 dev=qb0 ifindex=$b "*"group=0 member=1 "* ]] || { echo "# $out"; return 1; }
}
ktap_check "the module has a prober per path (slot 0 on qa0, slot 1 on qb0)" slots_ok
ktap_check "the module judges both paths: PROBER_GET judge=1, judge runs > 0" \
	until_ms 30000 judging 2
ktap_check "the data path's slots carry FABRIC_PROBE_F_KJUDGE and count the module's runs" \
	kv_is '.kjudge.on and ([.kjudge.slots[] | select(.slot_kjudge and .slot_kjudge_runs > 0 and .runs > 0)] | length == 2)' 30000
ktap_check "metrics: fabric_probe_sender{sender=\"kmod\"} 1, no fallback" \
	bash -c "[[ \$(wget -qO- http://127.0.0.1:$PORT/metrics | awk '\$1 == \"fabric_probe_sender{sender=\\\"kmod\\\"}\" { print \$2 }') == 1 &&
		\$(wget -qO- http://127.0.0.1:$PORT/metrics | awk '\$1 == \"fabric_probe_sender_fallbacks_total\" { print \$2 }') == 0 ]]"
# The point: probes leave without fabricd. fabricd's own sender counts
# nothing, the module counts frames sent and the data path answers.
silent_fabricd() {
	kv_is '[.slots[] | select(.answered >= 50)] | length == 2' 120000 &&
		path_is s1 '.probe.sent == 0' 1 && path_is s2 '.probe.sent == 0' 1 &&
		{ $KP list | grep -q 'slot=0 .* sent=[1-9]' || { $KP list | sed 's/^/# /'; false; }; }
}
ktap_check "probes answered in the data path (50+ per path) while fabricd's sender sent 0" silent_fabricd
ktap_check "paths: both UP and installed" \
	eval 'path_is s1 ".state == \"up\" and .installed" 10000 && path_is s2 ".state == \"up\" and .installed" 5000'

# Blackhole on s2: its spine stops reflecting. The module's judge
# declares it, fabricd hears it (PROBER_VERDICT) and tells the module's
# policy as probe misses; the module withdraws nh 12.
t0=$(($(mono_ns) - 20000000))
reflect 2 fabric_probe_pass
ktap_check "blackhole s2: verdict DOWN on slot 1, fabricd told fabric.ko" \
	logged 30000 'verdict: path s2 down in the data path .*told fabric.ko'
ktap_check "blackhole s2: fabricctl events has the module judge's DOWN (slot 1, judge kmod, its time after the fault)" \
	until_ms 10000 kj_event ".verdict == \"down\" and .slot == 1 and .path == \"s2\" and .ts_ns >= $t0 and (.time | length) > 0 and .misses >= 10"
ktap_check "blackhole s2: no DOWN from the BPF judge (its timer stays off)" \
	bash -c "! $FABRICCTL --pin-dir $PIN -j events | jq -e '[.[] | select(.type == \"probe_verdict\" and .judge == \"bpf\" and .verdict == \"down\")] | length > 0' >/dev/null"
# every verdict the module counts reached fabricd: notified (the metric)
# or, had a notification been lost, resynced from PROBER_GET
kj_counted() {
	local m r k
	m=$(metric 'fabric_probe_verdicts_total{judge="kmod",verdict="down"}')
	r=$(metric fabric_probe_kjudge_resynced_total)
	k=$($KP list | sed -n 's/.* judge_verdicts=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
	[[ -n $m && -n $r ]] && ((m >= 1 && m + r == k)) ||
		{ echo "# metric down $m, resynced $r, module verdicts $k"; return 1; }
}
ktap_check "blackhole s2: fabric_probe_verdicts_total{judge=kmod,verdict=down} counts the module's verdicts" \
	until_ms 5000 kj_counted
echo "# kernel_verdict after the blackhole: $(ctl -j status | jq -c '.daemon.failover.kernel_verdict')"
ktap_check "blackhole s2: module withdrew nh 12 (group 100 = 11), reason probe-loss" \
	eval 'members_are 11 10000 && path_is s2 ".state == \"down\" and .reason == \"probe-loss\"" 5000'
reflect 2 fabric_probe_reflect
ktap_check "blackhole over: verdict cleared, s2 restored after hold-down (group 100 = 11 12)" \
	eval 'path_is s2 ".state == \"up\" and .installed" 30000 && members_are "11 12" 5000'
ktap_check "blackhole over: the module judge's clear is in the events (slot 1, verdict up)" \
	until_ms 10000 kj_event '.verdict == "up" and .slot == 1'

# Gray: 25 % of s1's probes lost on the way out (netem after tc egress
# stamped them). The monitor names l-s1 and drains s1 through the module.
if $TC qdisc add dev qa0 root netem loss 25%; then
	ktap_check "gray: 25 % loss on l-s1: gray_drain event names l-s1" \
		until_ms 60000 gray_event gray_drain l-s1
	ktap_check "gray: the module took s1 down, reason gray (group 100 = 12)" \
		eval 'path_is s1 ".state == \"down\" and .reason == \"gray\"" 10000 && members_are 12 5000'
	ktap_check "gray: no hard verdict on s1 (loss judged as gray, not blackhole)" \
		bash -c "! grep -q 'verdict: path s1 down' $LOG"
	$TC qdisc del dev qa0 root
	ktap_check "gray over: l-s1 restored, s1 back in group 100" \
		eval 'path_is s1 ".state == \"up\" and .installed" 90000 && members_are "11 12" 5000'
else
	for i in 1 2 3 4; do ktap_skip "gray step $i" "netem unavailable in this kernel"; done
fi

# Fallback: a prober disappears (here deleted by hand; a device going
# away or an unloading module does the same). fabricd's prober takes over.
$KP del 0 >/dev/null
ktap_check "prober gone: fabricd logs it and its own prober takes over" \
	logged 30000 "probes: the module's prober of path s1 is gone"
ktap_check "status: sender fabricd, 1 fallback; metric fallbacks_total 1" \
	eval 'kv_is ".probe_sender == \"fabricd\" and .sender_fallbacks == 1" 10000 &&
	      test "$(metric fabric_probe_sender_fallbacks_total)" == 1'
ktap_check "after the fallback: fabricd's sender sends, no module prober left, paths UP" \
	eval 'path_is s1 ".probe.sent > 0 and .state == \"up\"" 30000 &&
	      path_is s2 ".probe.sent > 0 and .state == \"up\"" 5000 && test "$(probers)" == 0'

# Reloads choose the sender again: fabricd, then the module's.
write_conf fabricd
kill -HUP "$DPID"
ktap_check "reload to fabricd: status says fabricd, not as a fallback" \
	kv_is '.probe_sender == "fabricd" and (.sender_why | test("probe_sender = fabricd"))' 30000
write_conf kmod
kill -HUP "$DPID"
ktap_check "reload to kmod: two module probers again" \
	eval 'kv_is ".probe_sender == \"kmod\" and .module_probers == 2" 30000 && test "$(probers)" == 2'

# A killed fabricd leaves its probers judging; unloading the module with
# that live judge state must leave nothing behind.
until_ms 30000 judging 2 >/dev/null
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=
runs0() { $KP list | sed -n 's/^prober slot=0 .* judge_runs=\([0-9]*\) .*/\1/p'; }
runs_grow() { local a=$(runs0) b; sleep 0.5; b=$(runs0); [[ -n $a && -n $b ]] && ((b > a)); }
ktap_check "killed fabricd: two module probers still judge (slot 0's runs growing)" \
	eval 'judging 2 && runs_grow'
ktap_check "rmmod fabric with live judges: unloaded" \
	eval '/sbin/rmmod fabric && ! fabric_loaded'
ktap_check "no oops, WARN or leak report since the start" \
	bash -c "! dmesg | grep -Eq 'Oops|WARNING:|BUG:|refcount|unregister_netdevice: waiting'"
ktap_check "modprobe again, fabricd restarts with judging module probers" \
	eval '/sbin/modprobe fabric && fabricd_up && until_ms 30000 judging 2'

kill -TERM "$DPID"
ktap_check "fabricd exits cleanly" wait "$DPID"
DPID=
ktap_check "exit: the module's probers are deleted" test "$(probers)" == 0

if ((KTAP_FAILED)); then
	sed 's/^/# /' "$LOG" | tail -50
	$KP list | sed 's/^/# /'
else
	grep -E 'probes:|verdict:|gray: (drain|restore)' "$LOG" | sed 's/^/# fabricd: /'
fi
ktap_finish
