#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The 4-leaf, 2-spine netns lab for gray-failure localisation: every
# leaf-spine link is on paths between several leaf pairs, so evidence from
# paths that share a link names it (Documentation/lab.md, "The 4-leaf
# lab").
#
#   lab4.sh up|down|status    (LAB_PREFIX=fab4 by default)
#
#   hL --- lL (L = 1..4), every leaf lL has upS to spine sS (S = 1, 2)
#
# Same conventions as lab.sh: namespaces ${LAB_PREFIX}-{h1..h4,l1..l4,
# s1,s2}; hosts 10.1.L.2/24 behind leaf L (10.1.L.1); uplink L-S is
# 10.2.LS.0/24 (leaf .1, spine .2); each leaf routes the other leaves'
# host subnets over one resilient group (id L*100, members L*10+S); spines
# mark DSCP 10*S and reflect probes (XDP); leaf uplinks carry the fault
# injector, pinned under /sys/fs/bpf/${LAB_PREFIX}-lab/lL-upS/, which
# scripts/lab/fault.sh drives (LINK lL-sS, sS-lL or sS).
set -euo pipefail
P=${LAB_PREFIX:-fab4}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
PIN=/sys/fs/bpf/$P-lab
NH_BUCKETS=${LAB_NH_BUCKETS:-32}
NH_IDLE=${LAB_NH_IDLE:-1}
NH_UNBALANCED=${LAB_NH_UNBALANCED:-0}
LEAVES=(1 2 3 4)
SPINES=(1 2)
NODES=(h1 h2 h3 h4 l1 l2 l3 l4 s1 s2)

ns() { echo "$P-$1"; }
nx() { local n=$1; shift; nsenter --net=/run/netns/"$(ns "$n")" "$@"; }

# veth A(dev a) <-> B(dev b), every end with an ifindex of its own (see
# lab.sh: linkwatch reports carrier changes late on a veth end whose
# ifindex equals its peer's).
LINK_INDEX=100
link() {
	local a=$LINK_INDEX b=$((LINK_INDEX + 1))
	LINK_INDEX=$((LINK_INDEX + 2))
	ip -n "$(ns "$1")" link add name "$2" index "$a" type veth \
		peer name "$4" index "$b" netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

leaf_group() { # L: one resilient group over both uplinks, for every other leaf
	local l=$1 g=$(($1 * 100)) s o members=()
	for s in "${SPINES[@]}"; do
		ip -n "$(ns l$l)" nexthop add id $((l * 10 + s)) via 10.2.$l$s.2 dev up$s
		members+=($((l * 10 + s)))
	done
	ip -n "$(ns l$l)" nexthop add id $g group "$(IFS=/; echo "${members[*]}")" \
		type resilient buckets "$NH_BUCKETS" idle_timer "$NH_IDLE" \
		unbalanced_timer "$NH_UNBALANCED"
	for o in "${LEAVES[@]}"; do
		((o == l)) || ip -n "$(ns l$l)" route add 10.1.$o.0/24 nhid $g
	done
}

fault_attach() { # node dev
	local obj=$BUILD/lab_fault.bpf.o dir=$PIN/$1-$2
	[[ -f $obj ]] || { echo "lab4: $obj missing (run make)" >&2; return 1; }
	mkdir -p "$dir"
	bpftool prog loadall "$obj" "$dir/prog" pinmaps "$dir" type classifier
	nx "$1" tc qdisc add dev "$2" clsact
	nx "$1" tc filter add dev "$2" ingress bpf da object-pinned "$dir/prog/lab_fault_drop"
	nx "$1" tc filter add dev "$2" egress bpf da object-pinned "$dir/prog/lab_fault_drop"
}

xdp() { # node dev program
	local obj=$BUILD/probe.bpf.o
	[[ -f $obj ]] || { echo "lab4: $obj missing (run make)" >&2; return 1; }
	ip -n "$(ns "$1")" link set dev "$2" xdpdrv obj "$obj" sec xdp program "$3"
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
	local n l s
	for n in "${NODES[@]}"; do
		ip netns add "$(ns "$n")"
		ip -n "$(ns "$n")" link set lo up
		nx "$n" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.fib_multipath_hash_policy=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
			net.ipv6.conf.default.router_solicitations=0 >/dev/null
	done
	for l in "${LEAVES[@]}"; do
		link h$l eth0 l$l hst
		ip -n "$(ns h$l)" addr add 10.1.$l.2/24 dev eth0
		ip -n "$(ns h$l)" route add default via 10.1.$l.1
		ip -n "$(ns l$l)" addr add 10.1.$l.1/24 dev hst
		for s in "${SPINES[@]}"; do
			link l$l up$s s$s dn$l
			ip -n "$(ns l$l)" addr add 10.2.$l$s.1/24 dev up$s
			ip -n "$(ns s$s)" addr add 10.2.$l$s.2/24 dev dn$l
			ip -n "$(ns s$s)" route add 10.1.$l.0/24 via 10.2.$l$s.1
		done
	done
	for s in "${SPINES[@]}"; do
		spine_mark s$s $((s * 10))
		for l in "${LEAVES[@]}"; do
			xdp s$s dn$l fabric_probe_reflect
		done
	done
	for l in "${LEAVES[@]}"; do
		leaf_group "$l"
		for s in "${SPINES[@]}"; do
			fault_attach l$l up$s
			# XDP_TX from the spine needs NAPI on this end (lab.sh)
			xdp l$l up$s fabric_probe_pass
		done
	done
	for l in "${LEAVES[@]}"; do
		for s in "${SPINES[@]}"; do
			nx l$l ping -c1 -W1 -q 10.2.$l$s.2 >/dev/null || true
		done
	done
	nx h1 ping -c1 -W2 -q 10.1.4.2 >/dev/null ||
		{ echo "lab4: h1 cannot reach h4" >&2; return 1; }
	echo "lab4: up (prefix $P)"
}

down() {
	local n
	for n in "${NODES[@]}"; do
		ip netns del "$(ns "$n")" 2>/dev/null || true
	done
	rm -rf "$PIN"
	[[ ${1:-} == quiet ]] || echo "lab4: down (prefix $P)"
}

status() {
	local n
	for n in "${NODES[@]}"; do
		[[ -e /run/netns/$(ns "$n") ]] || { echo "lab4: $(ns "$n") absent"; return 1; }
	done
	for n in l1 l2 l3 l4; do
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
