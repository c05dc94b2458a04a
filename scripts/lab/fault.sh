#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fault injection in the netns labs (scripts/lab/lab.sh, lab4.sh). LINK is
# lL-sS: leaf L's uplink to spine S, injector at the leaf's port; or sS-lL:
# spine S's port to leaf L (injector attached there on first use); or sS:
# every leaf-facing port of spine S (loss, corrupt and delay at ingress
# only, so a frame the spine forwards meets the fault once; t= is the
# time of the last port's update).
#
#   fault.sh LINK carrier            far end (spine port) down: carrier loss
#   fault.sh LINK blackhole          link up, every frame dropped both ways
#   fault.sh LINK gray PCT           PCT % (integer) of frames dropped
#   fault.sh LINK loss PCT           random loss, PCT % with up to 4 decimals
#   fault.sh LINK corrupt PCT [OFF]  PCT % of IPv4/UDP frames get byte OFF of
#                                    the UDP payload flipped (default 0)
#   fault.sh LINK delay US [DIR]     busy-wait US us (<= 1000) per frame, in
#                                    the node's forwarding path; DIR in|out|both
#   fault.sh LINK recover            undo all of the above; returns once the
#                                    link carries traffic both ways
#   fault.sh LINK flap MS COUNT      carrier down/up every MS ms, COUNT times
#
# Each injection prints "fault KIND LINK t=NS", NS in CLOCK_MONOTONIC (the
# receivers' clock), taken right before the one syscall that injects it.
# carrier, blackhole, gray and flap take leaf links (lL-sS) only.
set -euo pipefail
P=${LAB_PREFIX:-fab}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
T=$BUILD/fabric-failover-test
F=$BUILD/lab-fault
for t in "$T" "$F"; do
	[[ -x $t ]] || { echo "fault: $t missing (run make)" >&2; exit 1; }
done

usage() { sed -n '3,27p' "$0" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
link=$1 kind=$2
PIN=/sys/fs/bpf/$P-lab
pins=() L='' S=''
if [[ $link =~ ^l([1-9])-s([1-9])$ ]]; then
	L=${BASH_REMATCH[1]} S=${BASH_REMATCH[2]}
	pins=("$PIN/l$L-up$S")
elif [[ $link =~ ^s([1-9])-l([1-9])$ ]]; then
	S=${BASH_REMATCH[1]}
	pins=("$PIN/s$S-dn${BASH_REMATCH[2]}")
elif [[ $link =~ ^s([1-9])$ ]]; then
	S=${BASH_REMATCH[1]}
	while read -r dev; do
		pins+=("$PIN/s$S-$dev")
	done < <(ip -n "$P-s$S" -o link show | sed -nE 's/^[0-9]+: (dn[0-9]+)@.*/\1/p')
	((${#pins[@]})) || { echo "fault: $P-s$S has no leaf ports" >&2; exit 1; }
else
	usage
fi
case $kind in
carrier | blackhole | gray | flap | recover)
	[[ -n $L || $kind == recover ]] || usage ;;
esac

# A spine port gets its injector on first use (lab.sh and lab4.sh attach
# them on leaf uplinks only), at ingress and egress like a leaf's.
attach() { # pin dir: .../sS-dnL
	local dir=$1 node dev
	[[ -e $dir/lab_fault_ext ]] && return 0
	node=${dir##*/} dev=${node#*-} node=${node%%-*}
	[[ $node == s* ]] || { echo "fault: no injector at $dir" >&2; return 1; }
	mkdir -p "$dir"
	bpftool prog loadall "$BUILD/lab_fault.bpf.o" "$dir/prog" pinmaps "$dir" type classifier
	local n=(nsenter --net=/run/netns/"$P-$node")
	"${n[@]}" tc qdisc show dev "$dev" | grep -q clsact ||
		"${n[@]}" tc qdisc add dev "$dev" clsact
	"${n[@]}" tc filter add dev "$dev" ingress bpf da object-pinned "$dir/prog/lab_fault_drop"
	"${n[@]}" tc filter add dev "$dev" egress bpf da object-pinned "$dir/prog/lab_fault_drop"
}
# lab.sh's leaf port takes the delay at XDP (bpf/lab_fault_xdp.bpf.c), in
# place of the XDP_PASS program it runs to receive the spine's XDP_TX.
xdp_delay_attach() { # pin dir: .../lL-upS-xdp
	local dir=$1 cur
	[[ -e $dir/lab_fault_ext ]] && return 0
	cur=$(ip -n "$P-l$L" -d link show dev "up$S" |
		sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p')
	case $cur in
	'' | fabric_probe_pa*) ;;
	*) echo "fault: l$L up$S runs XDP $cur, not replaced by the delay" >&2; return 1 ;;
	esac
	mkdir -p "$dir"
	bpftool prog loadall "$BUILD/lab_fault_xdp.bpf.o" "$dir/prog" pinmaps "$dir" &&
		nsenter --net=/run/netns/"$P-l$L" ip -force link set dev "up$S" xdpdrv \
			pinned "$dir/prog/lab_fault_xdp"
}
# ext NAME ARGS...: one lab-fault update per injector of the target.
ext() {
	local name=$1 p t
	shift
	for p in "${pins[@]}"; do
		attach "$p"
		t=$("$F" --pin "$p" "$@")
	done
	echo "fault $name $link t=$t"
}
ppm() { # PCT with up to 4 decimals -> parts per million
	[[ $1 =~ ^[0-9]+(\.[0-9]{1,4})?$ ]] || usage
	awk "BEGIN{v=int($1 * 10000 + 0.5); if (v > 1000000) exit 1; print v}" || usage
}
pin=${pins[0]}
node_dir=()
[[ $link =~ ^s[1-9]$ ]] && node_dir=(--dir in)

carrier() { # up|down
	echo "fault carrier-$1 $link t=$("$T" carrier --ns "$P-s$S" --dev "dn$L" "$1")"
	# Taking the spine's port down flushed the spine's static route to
	# the leaf's hosts (the spine has no failover of its own): put it back.
	# In lab4.sh the spine also routes the leaf's probe addresses.
	if [[ $1 == up ]]; then
		ip -n "$P-s$S" route replace 10.1.$L.0/24 via 10.2.$L$S.1
		[[ -e /run/netns/$P-l3 ]] &&
			ip -n "$P-s$S" route replace 10.3.$L.0/24 via 10.2.$L$S.1
	fi
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
loss)
	[[ $# -ge 3 ]] || usage
	v=$(ppm "$3") || exit 2
	ext "loss-$3" --loss-ppm "$v" "${node_dir[@]}"
	;;
corrupt)
	[[ $# -ge 3 && ${4:-0} =~ ^[0-9]+$ ]] || usage
	v=$(ppm "$3") || exit 2
	ext "corrupt-$3" --corrupt-ppm "$v" --corrupt-off "${4:-0}" "${node_dir[@]}"
	;;
delay)
	[[ $# -ge 3 && $3 =~ ^[0-9]+$ ]] || usage
	dir=${4:-both}
	[[ -z $L && $link =~ ^s[1-9]$ ]] && dir=${4:-in}
	# A leaf link's delay (DIR as the leaf sees it) must fall between
	# the kernel stamps that time the leaf's probes: transmit at the
	# driver, after its tc egress; receive before its tc ingress. A real
	# link delays there. lab4.sh: at the spine's port, sparing the leaf's
	# XDP answers to other leaves' probes (as its own port did: covering
	# them doubles the busy-wait, which on a 2-vCPU host delays every
	# path through the spine). lab.sh, whose
	# spine reflects probes with XDP before tc: out at the spine's port
	# (traffic only), in at the leaf port's XDP hook.
	echo_arg=(--delay-no-echo 0)
	if [[ -n $L && -e /run/netns/$P-l3 ]]; then
		pins=("$PIN/s$S-dn$L")
		case $dir in in) dir=out ;; out) dir=in ;; esac
		echo_arg=(--delay-no-echo 1)
	elif [[ -n $L ]]; then
		[[ $dir =~ ^(in|out|both)$ ]] || usage
		xdp_delay_attach "$PIN/l$L-up$S-xdp" || exit 1
		attach "$PIN/s$S-dn$L"
		us=$3
		[[ $dir == in ]] && us=0
		"$F" --pin "$PIN/s$S-dn$L" --delay-us "$us" --dir in >/dev/null
		us=$3
		[[ $dir == out ]] && us=0
		echo "fault delay-$3 $link t=$("$F" --pin "$PIN/l$L-up$S-xdp" --delay-us "$us" --dir in)"
		exit 0
	fi
	ext "delay-$3" --delay-us "$3" --dir "$dir" "${echo_arg[@]}"
	;;
recover)
	if [[ -z $L ]]; then
		for p in "${pins[@]}"; do
			[[ -e $p/lab_fault_ext ]] || continue
			t=$("$F" --pin "$p" --clear)
		done
		echo "fault recover $link t=${t:-0}"
		exit 0
	fi
	# the ext modes first (a delay sits at the spine's end), then the
	# legacy map's single timed update
	"$F" --pin "$pin" --clear >/dev/null
	for p in "$PIN/s$S-dn$L" "$PIN/l$L-up$S-xdp"; do
		[[ ! -e $p/lab_fault_ext ]] || "$F" --pin "$p" --clear >/dev/null
	done
	drop 0 recover; carrier up; usable
	;;
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
