#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The 4-leaf, 2-spine netns lab for gray-failure localisation
# (Documentation/lab.md, "The 4-leaf lab").
#
#   lab4.sh up|down|status    (LAB_PREFIX=fab4 by default)
#   lab4.sh conf L            leaf L's [group]/[path] sections for fabricd
#
#   hL --- lL (L = 1..4), every leaf lL has upS to spine sS (S = 1, 2)
#
# Same conventions as lab.sh: namespaces ${LAB_PREFIX}-{h1..h4,l1..l4,
# s1,s2}; hosts 10.1.L.2/24 behind leaf L (10.1.L.1); uplink L-S is
# 10.2.LS.0/24 (leaf .1, spine .2); spines mark DSCP 10*S; every leaf
# uplink and every spine port carries the fault injector, pinned under
# /sys/fs/bpf/${LAB_PREFIX}-lab/{lL-upS,sS-dnL}/, which
# scripts/lab/fault.sh drives (LINK lL-sS, sS-lL or sS).
#
# Leaf-to-leaf probes: leaf L answers probes for 10.3.L.S, reflecting them
# with XDP on its uplink upS. Every leaf routes 10.3.R.S/32 via spine S,
# and spine S routes 10.3.R.0/24 to leaf R, so a probe from leaf L to
# 10.3.R.S crosses L-S and S-R both ways whatever the groups hold: each
# leaf probes all 6 of its leaf-to-leaf paths by itself. Routing: leaf L
# has one resilient group per remote leaf R (id L*100+R*10, members
# L*100+R*10+S via spine S), so draining S-R moves only the traffic to R.
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
TOPO_TAG=lab4
source "$ROOT/scripts/lab/topo.sh"

leaf_groups() { # L: a group per remote leaf over both uplinks; probe routes
	local l=$1 o s g members
	for o in "${LEAVES[@]}"; do
		((o == l)) && continue
		g=$((l * 100 + o * 10)) members=()
		for s in "${SPINES[@]}"; do
			ip -n "$(ns l$l)" nexthop add id $((g + s)) via 10.2.$l$s.2 dev up$s
			members+=($((g + s)))
			ip -n "$(ns l$l)" route add 10.3.$o.$s/32 via 10.2.$l$s.2 dev up$s
		done
		ip -n "$(ns l$l)" nexthop add id $g group "$(IFS=/; echo "${members[*]}")" \
			type resilient buckets "$NH_BUCKETS" idle_timer "$NH_IDLE" \
			unbalanced_timer "$NH_UNBALANCED"
		ip -n "$(ns l$l)" route add 10.1.$o.0/24 nhid $g
	done
}

up() {
	down quiet
	local n l s
	for n in "${NODES[@]}"; do
		node_add "$n" net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.accept_ra=0 \
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
			ip -n "$(ns s$s)" route add 10.3.$l.0/24 via 10.2.$l$s.1
		done
	done
	for s in "${SPINES[@]}"; do
		spine_mark s$s $((s * 10))
		for l in "${LEAVES[@]}"; do
			fault_attach s$s dn$l
			# the leaf's reflector answers with XDP_TX: NAPI here
			xdp s$s dn$l fabric_probe_pass
		done
	done
	for l in "${LEAVES[@]}"; do
		leaf_groups "$l"
		for s in "${SPINES[@]}"; do
			fault_attach l$l up$s
			xdp l$l up$s fabric_probe_reflect
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
	nodes_del "${NODES[@]}"
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

# Leaf L's groups and paths in fabricd's syntax (Documentation/
# configuration.md): path lL-sS-lR probes 10.3.R.S and crosses the links
# lL-sS and sS-lR (link names: the leaf's uplink as lL-sS, another leaf's
# link to spine S as sS-lR).
conf() {
	local l=$1 o s g paths
	[[ $l =~ ^[1-4]$ ]] || { echo "lab4: conf wants a leaf 1-4" >&2; return 2; }
	for o in "${LEAVES[@]}"; do
		((o == l)) && continue
		g=$((l * 100 + o * 10)) paths=()
		for s in "${SPINES[@]}"; do
			paths+=("l$l-s$s-l$o")
		done
		printf '[group to-l%s]\nid = %s\npaths = %s\nbuckets = %s\n' \
			"$o" "$g" "${paths[*]}" "$NH_BUCKETS"
		printf 'idle_timer_ms = %s\nunbalanced_timer_ms = %s\nroutes = 10.1.%s.0/24\n\n' \
			$((NH_IDLE * 1000)) $((NH_UNBALANCED * 1000)) "$o"
		for s in "${SPINES[@]}"; do
			printf '[path l%s-s%s-l%s]\ndev = up%s\ngateway = 10.2.%s%s.2\n' \
				"$l" "$s" "$o" "$s" "$l" "$s"
			printf 'nexthop_id = %s\nprobe_peer = 10.3.%s.%s\nlinks = l%s-s%s, s%s-l%s\n\n' \
				$((g + s)) "$o" "$s" "$l" "$s" "$s" "$o"
		done
	done
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
conf) conf "${2:-}" ;;
*) echo "usage: $0 up|down|status|conf L  (env LAB_PREFIX, BUILD)" >&2; exit 2 ;;
esac
