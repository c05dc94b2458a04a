#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# INT hop latency as gray-failure evidence, on the 4-leaf lab
# (scripts/lab/lab4.sh): INT transit on both spines, source and sink on
# every leaf, fabricd's INT probes from every leaf to the three others.
# A 200 us delay on spine s1's port toward leaf 3 (s1 -> l3, a busy-wait
# placed before the spine's INT egress stamp: a slow egress port) is seen
# by no leaf-side RTT except through correlation; leaf 3's sink sees s1's
# hop latency grow. Asserted: leaf 3 names l3-s1 from INT (gray_suspect and
# gray_drain, kind delay, evidence int), its paths via s1 leave their
# groups (reason gray) and those via s2 stay; the metrics say so; after
# the delay ends l3-s1 is restored and its paths return; no leaf ever
# names another link; and with [gray_int] off (SIGHUP) the same delay,
# visible in the sink's histogram, names and drains nothing. No timing is
# asserted: every wait is a bounded poll. Documentation/gray.md,
# "INT hop latency".
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
. selftests/lab/int_lib.sh
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl
export LAB_PREFIX=gi$$ BUILD
P=$LAB_PREFIX

skip_all() { echo "1..0 # SKIP $1"; exit 4; }
for b in "$FABRICD" "$FABRICCTL" "$BUILD/fabric.bpf.o" "$BUILD/lab-fault" \
	 "$BUILD/lab_fault.bpf.o" "$BUILD/probe.bpf.o"; do
	[[ -e $b ]] || skip_all "$b not built (make BUILD=$BUILD)"
done
[[ $(id -u) == 0 ]] || skip_all "needs root"
command -v jq >/dev/null || skip_all "jq missing"
command -v curl >/dev/null || skip_all "curl missing"

T=$(mktemp -d /tmp/fabric-gray-int.XXXXXX)
LEAVES=(l1 l2 l3 l4)
NODES=(s1 s2 l1 l2 l3 l4)
declare -A DPID ID IFACES EVPID
ID=([l1]=1 [l2]=2 [l3]=3 [l4]=4 [s1]=21 [s2]=22)
IFACES=([s1]="dn1 dn2 dn3 dn4" [s2]="dn1 dn2 dn3 dn4")
for l in "${LEAVES[@]}"; do IFACES[$l]="hst up1 up2"; done

cleanup() {
	local n
	for n in "${!EVPID[@]}"; do
		kill "${EVPID[$n]}" 2>/dev/null && wait "${EVPID[$n]}" 2>/dev/null
	done
	il_stop "${NODES[@]}"
	scripts/lab/lab4.sh down >/dev/null 2>&1
	[[ -n ${KEEP_LOGS:-} ]] && { echo "# logs in $T"; return; }
	rm -rf "$T"
}
trap cleanup EXIT

ctl() { # NODE ARGS...
	local n=$1
	shift
	FABRIC_SOCKET=$T/$n.sock nx "$n" "$FABRICCTL" --pin-dir "$(pin "$n")" "$@"
}

# Leaf L: its lab4 groups and paths without echo probes (fabric's XDP
# replaced the lab's reflectors; so INT is this test's only evidence, and
# no RTT or loss verdict can name anything), [gray], INT source and sink
# with probes to 10.3.R.S, which lab4 routes L -> S -> R (fabricd's raw
# probe socket is routed by addresses only, so probes to a group's route
# would all take one spine): each sink gets 90 hops a second per spine.
# [gray_int] enable = $2.
leaf_conf() { # LEAF ON|OFF
	local n=$1 l=${1#l}
	il_conf "$n" 127.0.0.1:19480
	cat <<-EOC
	[thresholds]
	holddown_ms = 300
	holddown_max_ms = 2000
	[gray]
	enable = on
	action = drain
	delay_threshold_us = 50
	restore_clean_s = 2
	[gray_int]
	enable = $2
	hops = 21=l$l-s1, 22=l$l-s2
	[int]
	roles = source, sink
	node_id = $l
	mode = probe
	probe_targets = $(for o in 1 2 3 4; do ((o != l)) && printf '10.3.%s.1 10.3.%s.2 ' $o $o; done)
	probe_rate = 30

	EOC
	scripts/lab/lab4.sh conf "$l" | sed 's/^probe_peer = .*/probe = off/'
}

spine_conf() {
	il_conf "$1" off
	printf '[int]\nroles = transit\nnode_id = %s\n' "${ID[$1]}"
}

# Every gray event of leaf N so far, one JSON object a line.
events() { ctl "$1" -j events --max 0 2>/dev/null | jq -c '.[]? | select(.type | startswith("gray_"))'; }

wait_for() { # SECONDS CMD...: poll CMD every 0.5 s until SECONDS passed
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" && return 0
		sleep 0.5
	done
	"$@"
}

has_event() { # LEAF TYPE LINK
	events "$1" | jq -e --arg t "$2" --arg l "$3" \
		'select(.type == $t and .link == $l and .kind == "delay" and .evidence == "int")' \
		>/dev/null
}

path_state() { # LEAF PATH JQ-COND
	ctl "$1" -j paths | jq -e --arg n "$2" ".paths[] | select(.name == \$n) | $3" >/dev/null 2>&1
}

paths_via() { # LEAF SPINE COND: every path of LEAF via SPINE meets COND
	local l=${1#l} o
	for o in 1 2 3 4; do
		((o == l)) && continue
		path_state "$1" "l$l-s$2-l$o" "$3" || return 1
	done
}

metric() { # LEAF NAME-AND-LABELS: its value
	nx "$1" curl -s --max-time 5 http://127.0.0.1:19480/metrics |
		awk -v k="$2" '$1 == k { print $2 }'
}

# Samples of node 21's hop at leaf 3's sink in buckets starting at
# 150 us or more (the 200 us wait lands in [196.6, 229.4) us; a clean hop
# takes a few us).
slow_hops() {
	ctl l3 -j int | jq '. as $r | [.nodes[]? | select(.node == 21) | .buckets as $b
		| range(1; $b | length) | select($r.bucket_le_ns[. - 1] >= 150000)
		| $b[.]] | add // 0'
}

ktap_plan 10

if ! scripts/lab/lab4.sh up >"$T/lab.log" 2>&1; then
	echo "Bail out! lab4.sh up failed:"; sed 's/^/# /' "$T/lab.log"; exit 1
fi
# fabric's programs replace the lab's reflector and pass programs: the
# leaves sink INT at their uplinks' XDP, the spines push hops at theirs.
for l in 1 2 3 4; do for s in 1 2; do
	ip -n "$P-l$l" link set dev up$s xdpdrv off
	ip -n "$P-s$s" link set dev dn$l xdpdrv off
done; done
# s1's injector toward l3 runs before fabric's tc egress (prio 0xfab), so
# its wait falls between the spine's INT ingress and egress stamps, as a
# slow egress queue's would.
nx s1 tc filter del dev dn3 egress
nx s1 tc filter add dev dn3 egress prio 1 bpf da \
	object-pinned "/sys/fs/bpf/$P-lab/s1-dn3/prog/lab_fault_drop" ||
	{ echo "Bail out! cannot move s1's injector on dn3"; exit 1; }

for n in s1 s2; do spine_conf $n >"$T/$n.conf"; done
for n in "${LEAVES[@]}"; do leaf_conf $n on >"$T/$n.conf"; done
up=1
for n in "${NODES[@]}"; do
	il_run "$n" || up=0
done
if ((up)); then
	for n in "${LEAVES[@]}"; do
		FABRIC_SOCKET=$T/$n.sock nx "$n" "$FABRICCTL" -j events -f --max 0 \
			>"$T/events-$n.jsonl" 2>/dev/null &
		EVPID[$n]=$!
	done
	ktap_ok "fabricd on 2 spines (INT transit) and 4 leaves (INT source and sink, [gray_int] on)"
else
	ktap_fail "fabricd on 2 spines and 4 leaves"
	echo "Bail out! fabricd did not start"
	exit 1
fi

learnt() { # every leaf's baseline of both spines' hops
	local n
	for n in "${LEAVES[@]}"; do
		nx "$n" curl -s --max-time 5 http://127.0.0.1:19480/metrics |
			awk '$1 ~ /^fabric_gray_int_hop_baseline_seconds/ && $2 > 0 { n++ }
			     END { exit n != 2 }' || return 1
	done
}
if wait_for 60 learnt; then
	ktap_ok "every leaf learnt both spines' hop-latency baselines from INT probes"
else
	ktap_fail "baselines learnt" "l3: $(nx l3 curl -s http://127.0.0.1:19480/metrics | grep '^fabric_gray_int_hop')"
	ctl l3 int | sed 's/^/# /'
	[[ -n ${GI_STOP:-} ]] && exit 1
fi

echo "# $(scripts/lab/fault.sh s1-l3 delay 200 out)"
if wait_for 45 has_event l3 gray_drain l3-s1; then
	ktap_ok "l3 names l3-s1 from INT hop latency and drains it (kind delay, evidence int)"
else
	ktap_fail "l3 drains l3-s1 from INT" "l3 events: $(events l3 | tr '\n' ' ')"
fi
ev=$(events l3 | jq -c 'select(.type == "gray_suspect" and .link == "l3-s1")' | head -1)
if jq -e '.evidence == "int" and .int_node == 21 and .delay_us >= 50 and
	  (.paths | sort) == ["l3-s1-l1", "l3-s1-l2", "l3-s1-l4"]' <<<"$ev" >/dev/null; then
	ktap_ok "the suspect event names node 21, a shift >= 50 us and l3's three paths via s1"
else
	ktap_fail "suspect event" "have: $ev"
fi
if wait_for 10 paths_via l3 1 '.state == "down" and .reason == "gray" and .gray.why.evidence == "int"' &&
   paths_via l3 2 '.state == "up"'; then
	ktap_ok "l3's paths via s1 are down for gray (why: int), via s2 up"
else
	ktap_fail "l3's paths" "$(ctl l3 -j paths | jq -c '.paths[] | {name, state, reason, gray: .gray.state}')"
fi
d=$(metric l3 'fabric_link_drained{link="l3-s1"}')
s=$(metric l3 'fabric_gray_int_hop_suspect{link="l3-s1",node="21"}')
o=$(metric l3 'fabric_gray_int_hop_suspect{link="l3-s2",node="22"}')
if [[ $d == 1 && $s == 1 && $o == 0 ]]; then
	ktap_ok "metrics: fabric_link_drained{l3-s1} 1, INT hop 21 suspect, hop 22 not"
else
	ktap_fail "metrics" "drained=$d suspect21=$s suspect22=$o"
fi

echo "# $(scripts/lab/fault.sh s1-l3 recover)"
if wait_for 60 has_event l3 gray_restore l3-s1 &&
   wait_for 15 paths_via l3 1 '.state == "up"'; then
	ktap_ok "after the delay ends l3-s1 is restored (evidence int) and its paths are up"
else
	ktap_fail "restore" "events: $(events l3 | tr '\n' ' ') paths: $(ctl l3 -j paths | jq -c '[.paths[] | {name, state}]')"
fi

# No leaf names any link but l3-s1 (and only l3 names it: the others'
# sinks see s1's hop toward them, which has no delay).
bad=
for n in "${LEAVES[@]}"; do
	x=$(events "$n" | jq -c 'select(.type == "gray_suspect" and .link != "l3-s1")')
	[[ $n != l3 ]] && x+=$(events "$n" | jq -c 'select(.link == "l3-s1")')
	[[ -n $x ]] && bad+="$n: $x "
done
if [[ -z $bad ]]; then
	ktap_ok "no leaf named any other link"
else
	ktap_fail "no other link named" "$bad"
fi

# Off: the same delay, seen by l3's sink, names and drains nothing.
leaf_conf l3 off >"$T/l3.conf"
n0=$(events l3 | wc -l)
kill -HUP "${DPID[l3]}"
off_applied() { ! nx l3 curl -s --max-time 5 http://127.0.0.1:19480/metrics | grep -q '^fabric_gray_int_hop'; }
if wait_for 10 off_applied; then
	ktap_ok "SIGHUP to [gray_int] enable = off: its metrics are gone"
else
	ktap_fail "gray_int off on SIGHUP"
fi
before=$(slow_hops)
echo "# $(scripts/lab/fault.sh s1-l3 delay 200 out)"
# As many delayed samples as the on-phase needed to drain, and more:
# learning (8 blocks) and the CUSUM (3 blocks) at >= 16 samples a block.
seen_delay() { (( $(slow_hops) - before >= 400 )); }
if wait_for 60 seen_delay; then
	n1=$(events l3 | wc -l)
	if ((n1 == n0)) && paths_via l3 1 '.state == "up"'; then
		ktap_ok "with [gray_int] off, 400 delayed s1 hops at l3's sink raise no event and drain nothing"
	else
		ktap_fail "off: unchanged" "events $n0 -> $n1: $(events l3 | tail -n +$((n0 + 1)) | tr '\n' ' ')"
	fi
else
	ktap_fail "off: the delay reaches l3's sink" "slow hops: before $before, now $(slow_hops)"
fi
scripts/lab/fault.sh s1-l3 recover >/dev/null
ktap_finish
