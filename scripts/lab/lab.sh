#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The netns leaf-spine lab. Documentation/lab.md has the picture.
#
#   lab.sh up|down|status     (LAB_PREFIX=fab by default)
#
#   h1 --- l1 ===(up1: s1, up2: s2)=== l2 --- h2
#
# Namespaces are ${LAB_PREFIX}-{h1,h2,l1,l2,s1,s2}. Every leaf routes the
# other leaf's host subnet over a resilient nexthop group with one member
# per uplink. Spines mark forwarded IPv4 with a DSCP of their own (s1: 10,
# s2: 20) so a receiver can tell which spine a packet crossed. Each uplink
# carries a tc-bpf fault injector (build/lab_fault.bpf.o, map pinned under
# /sys/fs/bpf/${LAB_PREFIX}-lab/) that scripts/lab/fault.sh drives.
set -euo pipefail
P=${LAB_PREFIX:-fab}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
PIN=/sys/fs/bpf/$P-lab
# Resilient group: 32 buckets; a bucket idle for 1 s may move to a
# restored member; busy buckets never move (unbalanced timer off).
NH_BUCKETS=${LAB_NH_BUCKETS:-32}
NH_IDLE=${LAB_NH_IDLE:-1}
NH_UNBALANCED=${LAB_NH_UNBALANCED:-0}
NODES=(h1 h2 l1 l2 s1 s2)

TOPO_TAG=lab
source "$ROOT/scripts/lab/topo.sh"

# Leaf L (1|2): uplinks up1->s1 (10.2.L1.0/24), up2->s2 (10.2.L2.0/24).
leaf_group() {
	local l=$1 other=$2 g
	g=$((l * 100))
	ip -n "$(ns l$l)" nexthop add id $((l * 10 + 1)) via 10.2.${l}1.2 dev up1
	ip -n "$(ns l$l)" nexthop add id $((l * 10 + 2)) via 10.2.${l}2.2 dev up2
	ip -n "$(ns l$l)" nexthop add id $g group $((l * 10 + 1))/$((l * 10 + 2)) \
		type resilient buckets "$NH_BUCKETS" idle_timer "$NH_IDLE" \
		unbalanced_timer "$NH_UNBALANCED"
	ip -n "$(ns l$l)" route add 10.1.$other.0/24 nhid $g
}

probe_attach() { xdp "$1" "$2" fabric_probe_reflect; } # node dev: on a spine port

up() {
	down quiet
	local n
	for n in "${NODES[@]}"; do
		node_add "$n"
	done
	link h1 eth0 l1 hst; link h2 eth0 l2 hst
	link l1 up1 s1 dn1; link l1 up2 s2 dn1
	link l2 up1 s1 dn2; link l2 up2 s2 dn2
	ip -n "$(ns h1)" addr add 10.1.1.2/24 dev eth0
	ip -n "$(ns h2)" addr add 10.1.2.2/24 dev eth0
	ip -n "$(ns h1)" route add default via 10.1.1.1
	ip -n "$(ns h2)" route add default via 10.1.2.1
	ip -n "$(ns l1)" addr add 10.1.1.1/24 dev hst
	ip -n "$(ns l2)" addr add 10.1.2.1/24 dev hst
	local l s
	for l in 1 2; do
		for s in 1 2; do
			ip -n "$(ns l$l)" addr add 10.2.$l$s.1/24 dev up$s
			ip -n "$(ns s$s)" addr add 10.2.$l$s.2/24 dev dn$l
		done
	done
	for s in 1 2; do
		ip -n "$(ns s$s)" route add 10.1.1.0/24 via 10.2.1$s.1
		ip -n "$(ns s$s)" route add 10.1.2.0/24 via 10.2.2$s.1
		spine_mark s$s $((s * 10))
		probe_attach s$s dn1
		probe_attach s$s dn2
	done
	leaf_group 1 2
	leaf_group 2 1
	for l in 1 2; do
		for s in 1 2; do
			fault_attach l$l up$s
			# XDP_TX from the spine lands here, and veth only
			# takes XDP frames on an end with NAPI, i.e. with an
			# XDP program: a plain XDP_PASS one (the data path's
			# program may replace it).
			xdp l$l up$s fabric_probe_pass
		done
	done
	# Warm ARP/neighbours so the first probes are not lost to resolution.
	for l in 1 2; do
		for s in 1 2; do
			nx l$l ping -c1 -W1 -q 10.2.$l$s.2 >/dev/null || true
		done
	done
	nx h1 ping -c1 -W2 -q 10.1.2.2 >/dev/null ||
		{ echo "lab: h1 cannot reach h2" >&2; return 1; }
	echo "lab: up (prefix $P)"
}

down() {
	nodes_del "${NODES[@]}"
	[[ ${1:-} == quiet ]] || echo "lab: down (prefix $P)"
}

status() {
	local n
	for n in "${NODES[@]}"; do
		[[ -e /run/netns/$(ns "$n") ]] || { echo "lab: $(ns "$n") absent"; return 1; }
	done
	for n in l1 l2; do
		echo "== $(ns $n)"
		ip -n "$(ns $n)" nexthop show
		ip -n "$(ns $n)" -br link show
	done
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|down|status  (env LAB_PREFIX, BUILD)" >&2; exit 2 ;;
esac
