#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The 4-leaf, 2-spine lab (scripts/lab/lab4.sh) comes up with every path
# working and goes away without a trace:
# - every leaf reaches both of its spines, every spine every host;
# - every host reaches every other host, and for each of the 12 ordered
#   host pairs, 32 UDP flows all arrive, over both spines (the spines'
#   DSCP marks tell them apart), nothing lost;
# - every leaf uplink carries a fault injector (lab-fault --show);
# - a fault on one link through fault.sh hits only the flows of that
#   link, and recover undoes it;
# - down removes every namespace and pin.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
LAB_PREFIX=${LAB_PREFIX:-gy4$$}
source selftests/lab/lib.sh

TR=$LAB_BUILD/fabric-failover-test
LF=$LAB_BUILD/lab-fault
for b in "$TR" "$LF" "$LAB_BUILD/lab_fault.bpf.o" "$LAB_BUILD/probe.bpf.o"; do
	[[ -e $b ]] || lab_skip_all "$b not built (make)"
done
lab_init bpftool tc nft

LAB_UP=0
lab4_down() {
	((LAB_UP)) && scripts/lab/lab4.sh down quiet >/dev/null 2>&1
	LAB_UP=0
	lab_cleanup
}
trap lab4_down EXIT
export LAB_PREFIX BUILD=$LAB_BUILD
T=$LAB_TMP
FLOWS=32

ktap_plan 15
LAB_UP=1
scripts/lab/lab4.sh up >"$T/up.log" 2>&1 || { sed 's/^/# /' "$T/up.log"; lab_bail "lab4.sh up failed"; }

nsx() { local n=$1; shift; nsenter --net=/run/netns/"$LAB_PREFIX-$n" "$@"; }
ping1() { nsx "$1" ping -c1 -W2 -q "$2" >/dev/null 2>&1 || { echo "# $1 -> $2: no answer"; return 1; }; }

for l in 1 2 3 4; do
	ktap_check "leaf l$l reaches both spines" \
		eval "ping1 l$l 10.2.${l}1.2 && ping1 l$l 10.2.${l}2.2"
done
for s in 1 2; do
	ktap_check "spine s$s reaches every host" \
		eval "ping1 s$s 10.1.1.2 && ping1 s$s 10.1.2.2 && ping1 s$s 10.1.3.2 && ping1 s$s 10.1.4.2"
done

# traffic A B OUT: FLOWS UDP flows hA -> hB for a second
traffic() {
	timeout 30 "$TR" traffic --src "$LAB_PREFIX-h$1" --dst "$LAB_PREFIX-h$2" \
		--to "10.1.$2.2" --flows $FLOWS --pps 640 --seconds 1 >"$3" 2>&1
}
# flows_ok OUT: every flow delivered all it sent, and both spines carried some
flows_ok() {
	awk -v n=$FLOWS '
		/^flow / {
			for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			f++
			if (v["sent"] == 0 || v["recv"] != v["sent"]) bad++
			sp[v["first"]]++
		}
		END {
			printf "# %d flows, %d incomplete, spine 1: %d, spine 2: %d\n", \
				f, bad, sp[1], sp[2]
			exit !(f == n && !bad && sp[1] > 0 && sp[2] > 0)
		}' "$1"
}
for a in 1 2 3 4; do
	ok=1 why=
	for b in 1 2 3 4; do
		((a == b)) && continue
		ping1 h$a 10.1.$b.2 || { ok=0; why+=" ping h$b"; continue; }
		if ! traffic $a $b "$T/t$a$b.log" || ! flows_ok "$T/t$a$b.log" >"$T/f$a$b"; then
			ok=0 why+=" flows h$b"
		fi
		sed -n 1p "$T/f$a$b" | sed "s/^# /# h$a -> h$b: /"
	done
	if ((ok)); then
		ktap_ok "h$a reaches every other host over both spines"
	else
		ktap_fail "h$a reaches every other host over both spines" "failed:$why"
	fi
done

n=0
for l in 1 2 3 4; do
	for s in 1 2; do
		"$LF" --pin "/sys/fs/bpf/$LAB_PREFIX-lab/l$l-up$s" --show >/dev/null && n=$((n + 1))
	done
done
ktap_check "all 8 leaf uplinks carry a fault injector ($n)" test "$n" -eq 8

# A loss-everything fault on l3-s2: h3 -> h1 keeps exactly its spine-1 flows.
scripts/lab/fault.sh l3-s2 loss 100 >"$T/fault.log" 2>&1 || lab_bail "fault.sh l3-s2 loss failed"
traffic 3 1 "$T/f31.log"
read -r s1_ok s2_dead other < <(awk '
	/^flow / {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["recv"] == v["sent"] && v["first"] == 1) a++
		else if (v["recv"] == 0) b++
		else c++
	}
	END { print a + 0, b + 0, c + 0 }' "$T/f31.log")
echo "# l3-s2 loss 100%: $s1_ok flows complete over s1, $s2_dead silent, $other other"
ktap_check "fault on l3-s2 stops exactly the flows that cross it" \
	test "$s1_ok" -gt 0 -a "$s2_dead" -gt 0 -a "$other" -eq 0 -a $((s1_ok + s2_dead)) -eq $FLOWS
scripts/lab/fault.sh l3-s2 recover >>"$T/fault.log" 2>&1 || lab_bail "fault.sh l3-s2 recover failed"
traffic 3 1 "$T/f31r.log"
ktap_check "after recover h3 -> h1 is whole again" flows_ok "$T/f31r.log"

scripts/lab/lab4.sh down >/dev/null 2>&1
LAB_UP=0
left=$(ip netns list | grep -c "^$LAB_PREFIX-" || true)
ktap_check "down removes every namespace ($left left)" test "$left" -eq 0
ktap_check "down removes the pins" test ! -e "/sys/fs/bpf/$LAB_PREFIX-lab"
ktap_finish
