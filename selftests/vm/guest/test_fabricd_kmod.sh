#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fabricd with fabric.ko as the executor (module mode): fabricd registers
# its group over genetlink, probes the paths and forwards its verdicts,
# logs and counts the module's events; the module withdraws and restores
# members (carrier, probe loss, and the data path's passive signals: PSN-gap
# bursts and silence), drains go through genl, the module keeps
# failing over after fabricd was killed, a new fabricd adopts a matching
# registration and replaces one that differs. The host-side userspace
# executor equivalent is selftests/lab/test_fabricd_failover.sh.
#
# Topology (default netns = the leaf, fabricd's netns):
#   ua0 10.41.1.1 <-> ua1 10.41.1.2 in netns fk-s1 (spine 1, path s1, nh 11)
#   ub0 10.41.2.1 <-> ub1 10.41.2.2 in netns fk-s2 (spine 2, path s2, nh 12)
# group 100 (resilient) over nh 11 and 12, route 10.42.0.0/24 through it.
# The spine ends run the probe reflector (XDP_TX); the leaf ends run
# fabricd's data path (veth takes XDP_TX frames only on an end with XDP).
. /tests/ktap.sh
. /tests/lib.sh
FABRICD=/fabric/bin/fabricd FABRICCTL=/fabric/bin/fabricctl GEN=/fabric/bin/roce-gen
PROBE_O=/fabric/bpf/probe.bpf.o
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
for f in "$FABRICD" "$FABRICCTL" "$GEN" "$PROBE_O" /usr/bin/jq; do
	[[ -e $f ]] || { echo "1..0 # SKIP $f not in the initramfs (make)"; exit 4; }
done

W=/tmp/fabricd-kmod
PIN=/sys/fs/bpf/fk-dp
CONF=$W/fabric.conf LOG=$W/fabricd.log
PORT=19481
export FABRIC_SOCKET=$W/fabricd.sock
DPID= GP1= GP2=
mkdir -p "$W"

cleanup() {
	[[ -n $GP1 ]] && kill "$GP1" 2>/dev/null
	[[ -n $GP2 ]] && kill "$GP2" 2>/dev/null
	[[ -n $DPID ]] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	"$FABRICD" -c "$CONF" --detach >/dev/null 2>&1
	rm -rf "$PIN"
	$IP link del ua0 2>/dev/null
	$IP link del ub0 2>/dev/null
	$IP netns del fk-s1 2>/dev/null
	$IP netns del fk-s2 2>/dev/null
	$IP route del 10.42.0.0/24 2>/dev/null
	$IP nexthop flush >/dev/null 2>&1
	/sbin/rmmod fabric 2>/dev/null
}
trap cleanup EXIT

topo() {
	local s d
	for s in 1 2; do
		d=$([[ $s == 1 ]] && echo ua || echo ub)
		$IP netns add fk-s$s &&
		$IP link add ${d}0 type veth peer name ${d}1 netns fk-s$s &&
		$IP addr add 10.41.$s.1/24 dev ${d}0 &&
		$IP -n fk-s$s addr add 10.41.$s.2/24 dev ${d}1 &&
		$IP -n fk-s$s link set lo up &&
		$IP -n fk-s$s link set ${d}1 xdpdrv obj "$PROBE_O" sec xdp program fabric_probe_reflect &&
		$IP link set ${d}0 xdpdrv obj "$PROBE_O" sec xdp program fabric_probe_pass &&
		$IP -n fk-s$s link set ${d}1 up && $IP link set ${d}0 up || return 1
	done
	# neighbours resolved before the first probes
	ping -c1 -W2 10.41.1.2 >/dev/null && ping -c1 -W2 10.41.2.2 >/dev/null
}

# Probes every 20 ms, a miss after 200 ms: probe loss is detected after
# ~250 ms, later than a carrier loss reaches the module even on a loaded
# TCG guest (linkwatch runs synchronize_net), so a carrier loss is
# reported as such. The stall tolerance is wide because a TCG guest's
# timers run late by milliseconds.
write_conf() { # WEIGHT-OF-S2
	cat >"$CONF" <<EOC
[datapath]
interfaces = ua0 ub0
pin_dir = $PIN
flows = 1024
tx_flows = 256
[exporter]
listen = 127.0.0.1:$PORT
[control]
socket = $FABRIC_SOCKET
[thresholds]
probe_interval_us = 20000
probe_timeout_us = 200000
probe_miss_threshold = 3
recover_probes = 3
stall_tolerance_us = 1000000
psn_gap_burst = 3
silence_ms = 400
holddown_ms = 500
holddown_max_ms = 2000
half_life_ms = 1000
# fabricd's own prober and judge, reporting to the module (the module's
# prober is test_fabricd_kprober.sh's)
[verdict]
probe_sender = fabricd

[group g]
id = 100
paths = s1 s2
buckets = 16
idle_timer_ms = 1000
routes = 10.42.0.0/24

[path s1]
dev = ua0
gateway = 10.41.1.2
nexthop_id = 11

[path s2]
dev = ub0
gateway = 10.41.2.2
nexthop_id = 12
weight = $1
EOC
}
write_conf 1

ctl() { "$FABRICCTL" --pin-dir "$PIN" "$@"; }
metrics() { wget -qO- "http://127.0.0.1:$PORT/metrics"; }
metric() { metrics | awk -v k="$1" '$1 == k { print $2 }'; }

# until_ms MS CMD...: poll CMD until it succeeds, for MS of wall-clock time
# (under TCG a check's own processes take longer than the poll interval).
until_ms() {
	local end=$((${EPOCHREALTIME/./} / 1000 + $1))
	shift
	until "$@"; do
		((${EPOCHREALTIME/./} / 1000 < end)) || return 1
		sleep 0.05
	done
}

# path_is NAME JQ-CONDITION MS: poll `fabricctl -j paths`
path_now() {
	ctl -j paths | jq -e --arg n "$1" ".paths[] | select(.name == \$n) | $2" >/dev/null 2>&1
}
path_is() {
	until_ms "$3" path_now "$1" "$2" && return 0
	echo "# path $1: want $2, have: $(ctl -j paths | jq -c --arg n "$1" '.paths[] | select(.name == $n) | {state, reason, installed, drained, carrier, probe}')"
	return 1
}
ctl_jq() { # OBJECT JQ-EXPR
	ctl -j "$1" | jq -e "$2" >/dev/null || { echo "# $(ctl -j "$1" | head -c 800)"; return 1; }
}
members_are() { # GROUP "IDS" MS
	until_ms "$3" group_is "$1" "$2" ||
		{ echo "# group $1: want '$2', have '$(nh_group_members "$1")'"; return 1; }
}
mstate_is() { [[ $(member_field 100 "$1" state) == "$2" ]]; }
gstat() { $GENL get 100 | tr ' ' '\n' | sed -n "s/^$1=//p"; }

/sbin/modprobe fabric || { ktap_fail "modprobe fabric"; ktap_finish; }
topo || { ktap_fail "topology (two spines, reflectors)"; ktap_finish; }

ktap_check "fabricd starts with group 100 (data path on ua0 ub0)" fabricd_up
ktap_check "status: fabric.ko is the executor" ctl_jq status \
	'.executor == "fabric.ko" and .module.present and .daemon.failover.executor == "fabric.ko"'
registered() {
	local out a=$(cat /sys/class/net/ua0/ifindex) b=$(cat /sys/class/net/ub0/ifindex)
	out=$($GENL dump)
	[[ $out == *'group 100 type res'*'hold_base_ns=500000000'*"member nh=11 ifindex=$a gw=10.41.1.2 "*"member nh=12 ifindex=$b gw=10.41.2.2 "* ]] ||
		{ echo "# dump: $out"; return 1; }
}
ktap_check "module has group 100 registered (nh 11 via ua0, nh 12 via ub0) with fabricd's thresholds" registered
ktap_check "the registration carries the group's route (re-installed if the kernel drops it)" \
	bash -c "$GENL get 100 | grep -q ' route=10.42.0.0/24@254 '"
kernel_group() { members_are 100 "11 12" 3000 && $IP route show 10.42.0.0/24 | grep -q 'nhid 100'; }
ktap_check "kernel group 100 = 11 12 and route 10.42.0.0/24 through it" kernel_group
ktap_check "groups: in sync, both members" ctl_jq groups \
	'.executor == "fabric.ko" and (.groups[0] | .in_sync and .members == ["s1", "s2"] and .id == 100)'
both_up() {
	path_is s1 '.state == "up" and .installed and .probe.answered > 0' 5000 &&
		path_is s2 '.state == "up" and .installed and .probe.answered > 0' 3000
}
ktap_check "paths: both UP, installed, probes answered" both_up

# Carrier loss on s1: the module's notifier sees it.
r0=$(gstat replaces) t0=$(metric fabric_failover_transitions_total)
h0=$(metric fabric_failover_repair_seconds_count)
withdrawn_by_module() { # NH "REMAINING": the module replaced the group without NH
	members_are 100 "$2" 3000 && until_ms 3000 mstate_is "$1" down &&
		(($(gstat replaces) > r0))
}
$IP -n fk-s1 link set ua1 down
ktap_check "carrier loss: module withdrew nh 11 (group 100 = 12, module replaced it)" \
	withdrawn_by_module 11 12
ktap_check "carrier loss: fabricctl paths: s1 DOWN, reason carrier-down" \
	path_is s1 '.state == "down" and .reason == "carrier-down" and (.installed | not) and (.carrier | not)' 3000
ktap_check "carrier loss: fabricd logged the module's event" until_ms 3000 \
	grep -q 'failover: group=g path=s1 up->down reason=carrier-down' "$LOG"
t1=$(metric fabric_failover_transitions_total) h1=$(metric fabric_failover_repair_seconds_count)
echo "# transitions_total $t0 -> $t1, repair_seconds_count $h0 -> $h1"
ktap_check "carrier loss: transitions_total and repair histogram count grew" \
	test "${t1:-0}" -gt "${t0:-0}" -a "${h1:-0}" -gt "${h0:-0}"

# Anything sent to the gateway while the carrier is gone leaves its
# neighbour entry INCOMPLETE, retried once a second: probes after the
# carrier returns would queue behind it and count as misses. fabricd
# clears such an entry when it resumes probing.
echo x 2>/dev/null >/dev/udp/10.41.1.2/9
echo "# neighbour while without carrier: $($IP neigh show 10.41.1.2 dev ua0)"
$IP -n fk-s1 link set ua1 up
restored_s1() {
	path_is s1 '.state == "up" and .installed and .reason == "holddown-expired"' 6000 &&
		members_are 100 "11 12" 2000 &&
		$IP nexthop show id 11 | grep -q 'via 10.41.1.2 dev ua0'
}
ktap_check "carrier back: s1 restored after hold-down (nh 11 re-created by the module)" restored_s1
ktap_check "groups: recent transitions of s1 are down, holddown, up (no probe loss)" ctl_jq groups \
	'[.groups[0].recent[] | select(.path == "s1") | .to] == ["down", "holddown", "up"]'
ktap_check "carrier back: fabricd cleared the stale neighbour entry of s1" \
	grep -q 'failover: path s1: cleared a stale neighbour entry on ua0' "$LOG"

# Misses a prober reported after a carrier loss (racing the module's
# event) leave the path soft-failed: its carrier return alone does not
# restore it, probe answers must. So fabricd resumes probing when the
# device has carrier again, not only on the module's carrier-up event.
$IP -n fk-s1 link set ua1 down
carrier_down_11() { mstate_is 11 down && [[ $(member_field 100 11 last_reason) == carrier-down ]]; }
until_ms 3000 carrier_down_11
for i in 1 2 3; do $GENL event 100 11 probe-miss >/dev/null; done
$IP -n fk-s1 link set ua1 up
answers_restore() {
	path_is s1 '.state == "up" and .installed' 8000 &&
		ctl_jq groups '[.groups[0].recent[] | select(.path == "s1") | .reason][-2:] == ["probes-ok", "holddown-expired"]'
}
ktap_check "soft-failed without carrier: fabricd's probe answers restore s1 after carrier returns" answers_restore

# Blackhole on s2: carrier stays, replies are dropped on the way back (the
# spine answers with XDP_TX, ahead of any tc hook there, so the drop sits
# at the leaf's ingress, behind the data path's XDP program).
g0=$(stat_of events_genl)
probe_withdrawn() {
	members_are 100 11 2000 && [[ $(member_field 100 12 last_reason) == probe-loss ]] &&
		(($(stat_of events_genl) >= g0 + 3)) && $IP nexthop show id 12 >/dev/null
}
$TC qdisc show dev ub0 | grep -q clsact || $TC qdisc add dev ub0 clsact
if $TC filter add dev ub0 ingress pref 1 matchall action drop; then
	ktap_check "blackhole: s2 DOWN by probe loss" \
		path_is s2 '.state == "down" and .reason == "probe-loss" and (.installed | not) and .probe.missed >= 3' 5000
	ktap_check "blackhole: module withdrew nh 12 on fabricd's genl reports (nh 12 kept)" probe_withdrawn
	$TC filter del dev ub0 ingress pref 1
	ktap_check "blackhole over: answers forwarded, s2 restored" \
		path_is s2 '.state == "up" and .installed and .reason == "holddown-expired"' 8000
else
	ktap_skip "blackhole: s2 DOWN by probe loss" "tc matchall/gact unavailable"
	ktap_skip "blackhole: module withdrew nh 12" "tc matchall/gact unavailable"
	ktap_skip "blackhole over: s2 restored" "tc matchall/gact unavailable"
fi
members_are 100 "11 12" 3000 >/dev/null

# Drain through genl; the last path cannot be drained.
out=$(ctl path drain s2 2>&1); rc=$?
drained_s2() {
	[[ $rc == 0 ]] && members_are 100 11 3000 &&
		[[ $(member_field 100 12 drained) == 1 && $(member_field 100 12 last_reason) == admin-drain ]] ||
		{ echo "# drain: exit $rc: $out"; return 1; }
}
ktap_check "drain s2: module drained it (genl), group 100 = 11" drained_s2
d0=$(gstat drain_refused)
out=$(ctl path drain s1 2>&1); rc=$?
echo "# $out"
refused_s1() {
	[[ $rc == 1 && $out == *'would leave group g with nothing healthy'* ]] &&
		group_is 100 11 && [[ $(member_field 100 11 drained) == 0 ]] &&
		(($(gstat drain_refused) == d0 + 1))
}
ktap_check "drain of the last path refused by the module (exit 1, group unchanged)" refused_s1
audited() {
	grep -Eq 'audit: drain path=s2 by uid=0 pid=[0-9]+: done' "$LOG" &&
		grep -q 'audit: drain path=s1 .*refused' "$LOG"
}
ktap_check "drains audited in fabricd's log" audited
ctl path undrain s2 >/dev/null
ktap_check "undrain s2: restored" \
	path_is s2 '.state == "up" and .installed and (.drained | not)' 6000

# Passive signals reach the module too: the data path's PSN-gap bursts
# and silence on a path's device become PATH_EVENTs (GAP_BURST, SILENCE)
# from fabricd. RoCE-shaped traffic from the spines enters the leaf's XDP
# data path on ua0 / ub0. The probes then restore s1 as usual.
members_are 100 "11 12" 3000 >/dev/null
gen() { # SPINE ARGS...: RoCE traffic from spine SPINE to the leaf (run
	# with &: exec, so that $! is the generator itself)
	exec /usr/bin/nsenter --net=/run/netns/fk-s$1 "$GEN" send -d 10.41.$1.1 -q 8 \
		-r 4000 -b 1 -n 0 -t 60 "${@:2}" >>"$W/gen$1.log" 2>&1
}
logged() { until_ms "$1" grep -q "failover: group=g path=s1 up->down reason=$2" "$LOG"; }
f0=$(member_field 100 11 failovers) e0=$(stat_of events_genl)
gen 1 --gap 2:4 &
GP1=$!
ktap_check "PSN gaps on ua0: the module took s1 down, reason gap-burst" logged 15000 gap-burst
kill "$GP1"; wait "$GP1" 2>/dev/null; GP1=
passive_counted() {
	(($(member_field 100 11 failovers) > f0 && $(stat_of events_genl) >= e0 + 3)) ||
		{ echo "# failovers $f0 -> $(member_field 100 11 failovers), events_genl $e0 -> $(stat_of events_genl)"; return 1; }
}
ktap_check "gap bursts: reported over genl (>= psn_gap_burst PATH_EVENTs), counted as a failover" passive_counted
ktap_check "gap bursts over: probes restore s1" \
	path_is s1 '.state == "up" and .installed' 10000
gen 1 & GP1=$!
gen 2 & GP2=$!
sleep 2
f0=$(member_field 100 11 failovers)
kill "$GP1"; wait "$GP1" 2>/dev/null; GP1=
ktap_check "ua0 silent while ub0 carries RoCE: the module took s1 down, reason silence" logged 15000 silence
kill "$GP2"; wait "$GP2" 2>/dev/null; GP2=
ktap_check "silence: counted by the module as a failover of nh 11" \
	bash -c "(( \$(member_field 100 11 failovers) > $f0 ))"
ktap_check "silence over: probes restore s1" \
	path_is s1 '.state == "up" and .installed' 10000

# The point of the module: fabricd is gone, failover still happens.
members_are 100 "11 12" 3000 >/dev/null
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
r0=$(gstat replaces)
$IP -n fk-s1 link set ua1 down
ktap_check "fabricd killed: carrier loss still withdraws nh 11 (module alone)" \
	withdrawn_by_module 11 12
$IP -n fk-s1 link set ua1 up
alone_restored() { members_are 100 "11 12" 8000 && mstate_is 11 up; }
ktap_check "fabricd killed: carrier back, module restores nh 11 after hold-down" alone_restored

# A new fabricd adopts the module's registration instead of replacing it.
f0=$(member_field 100 11 failovers)
adopted() {
	fabricd_up && grep -q 'group g (100) already registered with fabric.ko; adopted' "$LOG" &&
		[[ $(member_field 100 11 failovers) == "$f0" ]] &&
		path_is s1 ".state == \"up\" and .installed and .counters.failovers == $f0" 3000
}
ktap_check "restart: fabricd adopts the registration (module counters kept)" adopted

# Reload with another weight for s2: the registration differs, so fabricd
# replaces it rather than adopting it.
write_conf 2
kill -HUP "$DPID"
reregistered() {
	until_ms 5000 grep -q 'group g (100) registered with fabric.ko differs (weight of path s2); replacing it' "$LOG" &&
		until_ms 3000 bash -c "$GENL get 100 | grep -q 'member nh=12 ifindex=[0-9]* gw=10.41.2.2 weight=2 '" &&
		until_ms 3000 bash -c "$IP nexthop show id 100 | grep -q 'group 11/12,2 '" ||
		{ echo "# $($GENL get 100 | head -c 400)"; echo "# $($IP nexthop show id 100)"; return 1; }
}
ktap_check "reload with a new weight: registration replaced (module and kernel have weight 2)" reregistered

if ((KTAP_FAILED)); then
	sed 's/^/# /' "$LOG" | tail -40
	$GENL get 100 | tr ' ' '\n' | sed 's/^/# /' | head -60
else
	grep -E 'failover: (group|path)' "$LOG" | sed 's/^/# fabricd: /'
fi
ktap_finish
