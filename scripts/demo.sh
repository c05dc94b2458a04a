#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `make demo`: fabric on a netns leaf-spine lab (scripts/lab/lab.sh).
#
#   h1 --- l1 ===(up1: s1, up2: s2)=== l2 --- h2
#
# RoCEv2 traffic runs from h1 to h2. fabricd runs on leaf l1: it monitors
# hst, up1 and up2, probes both uplinks and owns the resilient group 100
# that carries h1's traffic to the spines. Then a silent blackhole is
# injected on l1's uplink to s1, and removed again.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD LAB_PREFIX=fabdemo
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/fabric-demo.XXXXXX)
PIN=/sys/fs/bpf/$P-dp
SOCK=$WORK/fabricd.sock
FABRICD_PID= GEN_PID= RECV_PID=

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local n=$1; shift; nsenter --net=/run/netns/"$P-$n" "$@"; }
show() { # NS CMD...: print the command as an operator would type it, run it
	local n=$1; shift
	printf '\033[2m[%s]$ %s\033[0m\n' "$n" "$*"
	in_ns "$n" "$@" || true
}
ctl() { show l1 "$BUILD/fabricctl" --pin-dir "$PIN" "$@"; }

cleanup() {
	set +e
	[[ -n $GEN_PID ]] && kill "$GEN_PID" 2>/dev/null && wait "$GEN_PID" 2>/dev/null
	[[ -n $RECV_PID ]] && kill "$RECV_PID" 2>/dev/null && wait "$RECV_PID" 2>/dev/null
	if [[ -n $FABRICD_PID ]]; then
		kill "$FABRICD_PID" 2>/dev/null && wait "$FABRICD_PID" 2>/dev/null
		in_ns l1 "$BUILD/fabricd" -c "$WORK/fabric.conf" --detach >/dev/null 2>&1
	fi
	rm -rf "$PIN"
	scripts/lab/lab.sh down >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for b in fabricd fabricctl roce-gen fabric-failover-test probe.bpf.o lab_fault.bpf.o; do
	[[ -e $BUILD/$b ]] || { echo "demo: $BUILD/$b is missing: run make" >&2; exit 1; }
done

bold "1. Lab: two hosts, two leaves, two spines in network namespaces"
scripts/lab/lab.sh up
show l1 ip nexthop show

cat >"$WORK/fabric.conf" <<CONF
[node]
id = 1

[datapath]
interfaces = hst up1 up2
flows = 65536
pin_dir = $PIN

[exporter]
listen = 127.0.0.1:19471

[control]
socket = $SOCK

[thresholds]
probe_interval_us = 200
probe_miss_threshold = 3
holddown_ms = 2000

[group to-spines]
# the lab's group: 32 buckets, idle timer 1 s, busy buckets never move
id = 100
paths = spine1 spine2
buckets = 32
idle_timer_ms = 1000
unbalanced_timer_ms = 0
routes = 10.1.2.0/24

[path spine1]
dev = up1
gateway = 10.2.11.2
nexthop_id = 11

[path spine2]
dev = up2
gateway = 10.2.12.2
nexthop_id = 12
CONF
export FABRIC_SOCKET=$SOCK

bold "2. fabricd on leaf l1"
show l1 "$BUILD/fabricd" --check-config -c "$WORK/fabric.conf"
# nsenter execs the program, so $! is the daemon's own PID
nsenter --net=/run/netns/"$P-l1" "$BUILD/fabricd" -c "$WORK/fabric.conf" \
	>"$WORK/fabricd.log" 2>&1 &
FABRICD_PID=$!
for _ in $(seq 50); do
	[[ -S $SOCK ]] && break
	kill -0 "$FABRICD_PID" 2>/dev/null || { cat "$WORK/fabricd.log"; exit 1; }
	sleep 0.1
done
[[ -S $SOCK ]] || { echo "demo: fabricd did not start" >&2; cat "$WORK/fabricd.log"; exit 1; }

bold "3. RoCEv2 traffic: 32 QPs from h1 to h2 at 16 kpps, ECN-capable, some CE marks"
nsenter --net=/run/netns/"$P-h2" "$BUILD/roce-gen" recv --duration 60 \
	>"$WORK/recv.json" 2>/dev/null &
RECV_PID=$!
nsenter --net=/run/netns/"$P-h1" "$BUILD/roce-gen" -d 10.1.2.2 -q 32 -n 0 -t 60 \
	-r 16000 -e ect0 --ce-every 50 --msg-pkts 4 >"$WORK/gen.json" 2>/dev/null &
GEN_PID=$!
sleep 3

bold "4. What fabric sees"
ctl status
ctl flows --top 8
ctl ports
printf '\033[2m[l1]$ curl -s http://127.0.0.1:19471/metrics | grep -E ...\033[0m\n'
in_ns l1 curl -s http://127.0.0.1:19471/metrics |
	grep -E '^fabric_port_tx_roce_packets_total|^fabric_flows_tracked|^fabric_path_up' || true

bold "5. Paths before the failure"
ctl paths
show l1 ip nexthop show id 100

bold "6. Silent blackhole on l1's uplink to s1 (link stays up, every frame dropped)"
scripts/lab/fault.sh l1-s1 blackhole
sleep 1
ctl paths
show l1 ip nexthop show id 100
ctl groups

bold "7. Recovery: the path is restored after its hold-down"
scripts/lab/fault.sh l1-s1 recover
sleep 4
ctl paths
show l1 ip nexthop show id 100

bold "8. Events and the receiver's view"
ctl events --max 10
kill "$GEN_PID" 2>/dev/null || true
wait "$GEN_PID" 2>/dev/null || true
GEN_PID=
sleep 0.2
kill "$RECV_PID" 2>/dev/null || true
wait "$RECV_PID" 2>/dev/null || true
RECV_PID=
if command -v jq >/dev/null && [[ -s $WORK/recv.json ]]; then
	jq -r '"h2 received \([.flows[].packets] | add) packets on \(.flows | length) flows; longest silence of any flow: \(([.flows[].max_gap_ns] | max) / 1000 | floor) us"' \
		"$WORK/recv.json" 2>/dev/null || true
fi
# INT on its own lab (its fabricds replace this lab's probe reflectors)
scripts/demo-int.sh
bold "done: everything is torn down on exit"
