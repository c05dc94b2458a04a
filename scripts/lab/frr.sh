#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# FRR baseline on the netns lab (scripts/lab/lab.sh): zebra + bgpd + bfdd
# in each leaf and spine namespace, so that BGP with BFD, not fabric,
# drives the leaves' routes. bench/failover compares against it.
#
#   frr.sh up        take the lab's routes over and start FRR, wait until
#                    each leaf has ECMP over both spines
#   frr.sh wait      wait for ECMP over both spines again (after a fault)
#   frr.sh status    BFD peers and routes of l1
#   frr.sh down      kill the daemons (by their pid files), remove the
#                    state dir
#
# eBGP: leaves AS 6500L, both spines AS 65100, so a leaf sees two equal AS
# paths per remote host subnet and installs both (maximum-paths 2). Every
# session has BFD with profile "fast": FRR_BFD_MS (10 ms, the smallest
# interval bfdd accepts) x FRR_BFD_MULT (3). Each daemon runs inside the
# namespace (nsenter --net=), with its config, pid file, vty and zserv
# sockets and log in $FRR_DIR/<node>/ (default /tmp/$LAB_PREFIX-frr) and
# -N <prefix>-<node>, so nothing touches /etc/frr or the system instance.
#
# "up" first deletes what lab.sh installed (the leaves' resilient groups
# and routes, the spines' static routes); "down" does not put them back:
# tear the lab down after it.
set -euo pipefail
P=${LAB_PREFIX:-fab}
D=${FRR_DIR:-${TMPDIR:-/tmp}/$P-frr}
BFD_MS=${FRR_BFD_MS:-10}
BFD_MULT=${FRR_BFD_MULT:-3}
FRR=/usr/lib/frr
ROUTERS=(l1 l2 s1 s2)
DAEMONS=(zebra bfdd bgpd)

ns() { echo "$P-$1"; }
nx() { local n=$1; shift; nsenter --net=/run/netns/"$(ns "$n")" "$@"; }

bfd_conf() {
	cat <<EOF
bfd
 profile fast
  receive-interval $BFD_MS
  transmit-interval $BFD_MS
  detect-multiplier $BFD_MULT
 exit
exit
EOF
}

# bgp_conf AS ROUTER_ID "PEER AS"... -- NETWORK...
bgp_conf() {
	local as=$1 id=$2 p
	shift 2
	# bench/failover reads the session-down times from bgpd.log.
	echo "router bgp $as"
	echo " bgp router-id $id"
	echo " bgp log-neighbor-changes"
	echo " no bgp ebgp-requires-policy"
	echo " no bgp network import-check"
	while [[ $1 != -- ]]; do
		set -- $1 "${@:2}"
		echo " neighbor $1 remote-as $2"
		echo " neighbor $1 timers 1 3"
		echo " neighbor $1 timers connect 1"
		echo " neighbor $1 advertisement-interval 0"
		echo " neighbor $1 bfd profile fast"
		shift 2
	done
	shift
	echo " address-family ipv4 unicast"
	for p in "$@"; do
		echo "  network $p"
	done
	echo "  maximum-paths 2"
	echo " exit-address-family"
	echo "exit"
}

conf() { # router -> writes $D/router/*.conf
	local r=$1 d=$D/$1 dm
	mkdir -p "$d"
	echo "hostname $(ns "$r")" >"$d/zebra.conf"
	bfd_conf >"$d/bfdd.conf"
	case $r in
	l1) bgp_conf 65001 10.0.0.1 "10.2.11.2 65100" "10.2.12.2 65100" -- 10.1.1.0/24 ;;
	l2) bgp_conf 65002 10.0.0.2 "10.2.21.2 65100" "10.2.22.2 65100" -- 10.1.2.0/24 ;;
	s1) bgp_conf 65100 10.0.1.1 "10.2.11.1 65001" "10.2.21.1 65002" -- ;;
	s2) bgp_conf 65100 10.0.1.2 "10.2.12.1 65001" "10.2.22.1 65002" -- ;;
	esac >"$d/bgpd.conf"
	# In the config, not --log: only then is the precision applied.
	for dm in "${DAEMONS[@]}"; do
		sed -i "1i log file $d/$dm.log\nlog timestamp precision 6" "$d/$dm.conf"
	done
	chown -R frr:frr "$d"
}

start() { # router daemon
	local r=$1 dm=$2 d=$D/$1 extra=()
	case $dm in
	bfdd) extra=(--bfdctl "$d/bfdd.sock") ;;
	bgpd) extra=(-l 0.0.0.0) ;;
	esac
	nx "$r" "$FRR/$dm" -d -N "$(ns "$r")" -u frr -g frr -P 0 \
		-f "$d/$dm.conf" -i "$d/$dm.pid" -z "$d/zserv.api" \
		--vty_socket "$d" "${extra[@]}" 2>>"$d/$dm.err"
}

# zebra installs routes with nexthop groups: resolve the route's nhid.
ecmp_nh() { # leaf other
	local r id g
	r=$(ip -n "$(ns "l$1")" route show 10.1.$2.0/24 proto bgp)
	[[ $r =~ nhid\ ([0-9]+) ]] || { [[ $r == *nexthop*nexthop* ]]; return; }
	id=${BASH_REMATCH[1]}
	g=$(ip -n "$(ns "l$1")" nexthop show id "$id")
	[[ $g =~ group\ ([0-9]+/[0-9]+) ]]
}

vtysh_in() { # router command
	nx "$1" vtysh --vty_socket "$D/$1" -c "$2"
}

# Both of the leaf's BFD sessions up (BGP alone may come up first, and a
# BFD session that never came up does not take BGP down).
bfd_up() { # leaf
	[[ $(vtysh_in "l$1" "show bfd peers brief" 2>/dev/null | grep -cw up) -ge 2 ]]
}

wait_ecmp() { # seconds
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		ecmp_nh 1 2 && ecmp_nh 2 1 && bfd_up 1 && bfd_up 2 && return 0
		sleep 0.1
	done
	echo "frr: no ECMP with BFD up over both spines after $1 s" >&2
	return 1
}

takeover() {
	local l s other
	for l in 1 2; do
		other=$((3 - l))
		ip -n "$(ns "l$l")" route del 10.1.$other.0/24 2>/dev/null || true
		ip -n "$(ns "l$l")" nexthop del id $((l * 100)) 2>/dev/null || true
		for s in 1 2; do
			ip -n "$(ns "l$l")" nexthop del id $((l * 10 + s)) 2>/dev/null || true
		done
	done
	for s in 1 2; do
		for l in 1 2; do
			ip -n "$(ns "s$s")" route del 10.1.$l.0/24 2>/dev/null || true
		done
	done
}

up() {
	local r dm
	[[ -x $FRR/bgpd && -x $FRR/bfdd && -x $FRR/zebra ]] ||
		{ echo "frr: FRR daemons not found in $FRR (apt frr)" >&2; return 1; }
	down quiet
	for r in "${ROUTERS[@]}"; do
		[[ -e /run/netns/$(ns "$r") ]] || { echo "frr: lab $P not up" >&2; return 1; }
	done
	takeover
	for r in "${ROUTERS[@]}"; do
		conf "$r"
		for dm in "${DAEMONS[@]}"; do
			start "$r" "$dm" || { echo "frr: $dm in $r failed" >&2; return 1; }
		done
	done
	wait_ecmp "${FRR_WAIT_S:-30}"
	echo "frr: up (prefix $P, BFD ${BFD_MS} ms x $BFD_MULT, state $D)"
}

down() {
	local r dm pid pids=() i
	[[ -d $D ]] || return 0
	for r in "${ROUTERS[@]}"; do
		for dm in "${DAEMONS[@]}"; do
			[[ -f $D/$r/$dm.pid ]] || continue
			pid=$(<"$D/$r/$dm.pid")
			# Only our daemon: a pid whose command line names this pid file.
			[[ $pid =~ ^[0-9]+$ ]] &&
				tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
				grep -qF -- "$D/$r/$dm.pid" || continue
			kill "$pid" 2>/dev/null && pids+=("$pid")
		done
	done
	for ((i = 0; i < 50; i++)); do
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null && break
			pid=
		done
		[[ -z ${pid:-} ]] && break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	rm -rf "$D"
	[[ ${1:-} == quiet ]] || echo "frr: down (prefix $P)"
}

status() {
	vtysh_in l1 "show bfd peers brief" || true
	vtysh_in l1 "show ip bgp summary" || true
	ip -n "$(ns l1)" route show 10.1.2.0/24
}

case ${1:-} in
up) up ;;
wait) wait_ecmp "${2:-30}" ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|wait [s]|status|down  (env LAB_PREFIX, FRR_DIR, FRR_BFD_MS, FRR_BFD_MULT)" >&2; exit 2 ;;
esac
