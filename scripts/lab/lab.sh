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

ns() { echo "$P-$1"; }
nx() { local n=$1; shift; nsenter --net=/run/netns/"$(ns "$n")" "$@"; }

# veth A(dev a) <-> B(dev b). Every end gets an ifindex of its own, unique
# in the lab and never equal to its peer's: the kernel's linkwatch treats
# a carrier change of a device whose ifindex differs from its iflink (the
# peer's ifindex, for a veth) as urgent and reports it at once; otherwise
# the report waits for the next batch, up to a second later (and each
# namespace numbers from 1, so some ends would match by chance: carrier
# loss on those links was seen late, by probes first, or not at all).
LINK_INDEX=100
link() {
	local a=$LINK_INDEX b=$((LINK_INDEX + 1))
	LINK_INDEX=$((LINK_INDEX + 2))
	ip -n "$(ns "$1")" link add name "$2" index "$a" type veth \
		peer name "$4" index "$b" netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

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

fault_attach() { # node dev
	local obj=$BUILD/lab_fault.bpf.o dir=$PIN/$1-$2
	[[ -f $obj ]] || { echo "lab: $obj missing (run make)" >&2; return 1; }
	mkdir -p "$dir"
	bpftool prog loadall "$obj" "$dir/prog" pinmaps "$dir" type classifier
	nx "$1" tc qdisc add dev "$2" clsact
	nx "$1" tc filter add dev "$2" ingress bpf da object-pinned "$dir/prog/lab_fault_drop"
	nx "$1" tc filter add dev "$2" egress bpf da object-pinned "$dir/prog/lab_fault_drop"
}

probe_attach() { # node dev: XDP echo reflector on a spine port
	local obj=$BUILD/probe.bpf.o
	[[ -f $obj ]] || { echo "lab: $obj missing (run make)" >&2; return 1; }
	ip -n "$(ns "$1")" link set dev "$2" xdpdrv obj "$obj" sec xdp \
		program fabric_probe_reflect
}

spine_mark() { # node dscp
	nx "$1" nft -f - <<NFT
table ip fablab {
	chain dscpmark {
		type filter hook forward priority 0; policy accept;
		ip dscp set $2
	}
}
NFT
}

up() {
	down quiet
	local n
	for n in "${NODES[@]}"; do
		ip netns add "$(ns "$n")"
		ip -n "$(ns "$n")" link set lo up
		nx "$n" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.fib_multipath_hash_policy=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
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
			ip -n "$(ns l$l)" link set dev up$s xdpdrv obj \
				"$BUILD/probe.bpf.o" sec xdp program fabric_probe_pass
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
	local n
	for n in "${NODES[@]}"; do
		ip netns del "$(ns "$n")" 2>/dev/null || true
	done
	rm -rf "$PIN"
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
