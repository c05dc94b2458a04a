#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The INT part of `make demo` (Documentation/int.md): the leaf-spine lab
# with one fabricd per node, configured by [int] only,
#
#   h1 (source, 1) - l1 (transit 11) = s1 (21) / s2 (22) = l2 (12) - h2 (sink, 2)
#
# RoCE-shaped traffic from h1 to h2 in embed mode, every packet; the sink
# on h2 shows per-hop latency with `fabricctl int`. Then 200 us of delay on
# s1 (the lab fault injector's busy-wait, not netem: the host kernel has no
# sch_netem) and `fabricctl int` points at hop 21.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD LAB_PREFIX=fabint
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/fabric-demo-int.XXXXXX)
NODES=(h1 l1 s1 s2 l2 h2)
declare -A PID ID ROLES IFACES
ID=([h1]=1 [l1]=11 [s1]=21 [s2]=22 [l2]=12 [h2]=2)
ROLES=([h1]=source [l1]=transit [s1]=transit [s2]=transit [l2]=transit [h2]=sink)
IFACES=([h1]=eth0 [h2]=eth0 [l1]="hst up1 up2" [l2]="hst up1 up2" [s1]="dn1 dn2" [s2]="dn1 dn2")

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pin() { echo "/sys/fs/bpf/$P-$1"; }
in_ns() { local n=$1; shift; nsenter --net=/run/netns/"$P-$n" "$@"; }
show() {
	local n=$1; shift
	printf '\033[2m[%s]$ %s\033[0m\n' "$n" "$*"
	in_ns "$n" "$@" || true
}
int() { show h2 "$BUILD/fabricctl" --pin-dir "$(pin h2)" int; }

cleanup() {
	set +e
	local n
	for n in "${NODES[@]}"; do
		if [[ -n ${PID[$n]:-} ]]; then
			kill "${PID[$n]}" 2>/dev/null && wait "${PID[$n]}" 2>/dev/null
			in_ns "$n" "$BUILD/fabricd" -c "$WORK/$n.conf" --detach >/dev/null 2>&1
		fi
		rm -rf "$(pin "$n")"
	done
	scripts/lab/lab.sh down >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold "INT 1. Lab, and fabricd with [int] on every node"
scripts/lab/lab.sh up
# fabric replaces no other XDP program: this lab needs no probe reflector
for n in l1 l2; do for d in up1 up2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done
for n in s1 s2; do for d in dn1 dn2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done
for n in "${NODES[@]}"; do
	cat >"$WORK/$n.conf" <<CONF
[node]
id = ${ID[$n]}
[datapath]
interfaces = ${IFACES[$n]}
pin_dir = $(pin "$n")
flows = 4096
xdp_mode = native
[exporter]
listen = off
[control]
socket = $WORK/$n.sock
[int]
roles = ${ROLES[$n]}
mode = embed
sample = 1
CONF
	nsenter --net=/run/netns/"$P-$n" "$BUILD/fabricd" -c "$WORK/$n.conf" >"$WORK/$n.log" 2>&1 &
	PID[$n]=$!
done
for n in "${NODES[@]}"; do
	for _ in $(seq 100); do [[ -S $WORK/$n.sock ]] && break; sleep 0.1; done
	[[ -S $WORK/$n.sock ]] || { echo "demo: fabricd on $n did not start" >&2; cat "$WORK/$n.log"; exit 1; }
done
sed -n '/^\[int\]/,$p' "$WORK/l1.conf"

bold "INT 2. RoCE traffic h1 -> h2, every packet instrumented; per-hop latency at the sink"
show h1 "$BUILD/roce-gen" -d 10.1.2.2 -q 32 -n 10 -r 2000 >/dev/null
sleep 0.5
int

bold "INT 3. 200 us of delay inside spine s1 (fault injector busy-wait; the host has no netem)"
scripts/lab/fault.sh s1 delay 200 in
show h1 "$BUILD/roce-gen" -d 10.1.2.2 -q 32 -n 50 -r 2000 -p 50000 >/dev/null
sleep 0.5
echo "(histograms are cumulative; the delayed run is 5x the first, so p50 is the delayed one)"
int
scripts/lab/fault.sh s1 recover
bold "INT done"
