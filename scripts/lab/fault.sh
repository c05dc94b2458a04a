#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fault injection on a lab uplink (scripts/lab/lab.sh). LINK is lL-sS:
# leaf L's uplink to spine S.
#
#   fault.sh LINK carrier            far end (spine port) down: carrier loss
#   fault.sh LINK blackhole          link up, every frame dropped both ways
#   fault.sh LINK gray PCT           PCT % of frames dropped at random
#   fault.sh LINK recover            undo all of the above; returns once the
#                                    link carries traffic both ways
#   fault.sh LINK flap MS COUNT      carrier down/up every MS ms, COUNT times
#
# Each injection prints "fault KIND LINK t=NS", NS in CLOCK_MONOTONIC (the
# receivers' clock), taken right before the one syscall that injects it.
set -euo pipefail
P=${LAB_PREFIX:-fab}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
T=$BUILD/fabric-failover-test
[[ -x $T ]] || { echo "fault: $T missing (run make)" >&2; exit 1; }

usage() { sed -n '3,14p' "$0" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
link=$1 kind=$2
[[ $link =~ ^l([12])-s([12])$ ]] || usage
L=${BASH_REMATCH[1]} S=${BASH_REMATCH[2]}
pin=/sys/fs/bpf/$P-lab/l$L-up$S

carrier() { # up|down
	echo "fault carrier-$1 $link t=$("$T" carrier --ns "$P-s$S" --dev "dn$L" "$1")"
	# Taking the spine's port down flushed the spine's static route to
	# the leaf's hosts (the spine has no failover of its own): put it back.
	[[ $1 == up ]] && ip -n "$P-s$S" route replace 10.1.$L.0/24 via 10.2.$L$S.1
	return 0
}
drop() { # pct name
	echo "fault $2 $link t=$("$T" fault --pin "$pin" --pct "$1")"
}
# After a recovery the link is usable at once, both ways: neighbour
# entries left incomplete by the outage would otherwise hold packets until
# their next ARP retry (up to a second later), so they are flushed and
# re-resolved here, from both ends.
usable() {
	local i
	ip -n "$P-l$L" neigh flush dev "up$S" 2>/dev/null || true
	ip -n "$P-s$S" neigh flush dev "dn$L" 2>/dev/null || true
	for i in l s; do
		if [[ $i == l ]]; then
			ip netns exec "$P-l$L" ping -q -n -c1 -w2 -i0.05 "10.2.$L$S.2"
		else
			ip netns exec "$P-s$S" ping -q -n -c1 -w2 -i0.05 "10.2.$L$S.1"
		fi >/dev/null 2>&1 || { echo "fault: $link not usable after recovery" >&2; return 1; }
	done
}

case $kind in
carrier) carrier down ;;
blackhole) drop 100 blackhole ;;
gray) [[ $# -ge 3 ]] || usage; drop "$3" "gray-$3" ;;
recover) drop 0 recover; carrier up; usable ;;
flap)
	[[ $# -ge 4 ]] || usage
	for ((i = 0; i < $4; i++)); do
		carrier down
		sleep "$(awk "BEGIN{print $3/1000}")"
		carrier up
		sleep "$(awk "BEGIN{print $3/1000}")"
	done
	;;
*) usage ;;
esac
