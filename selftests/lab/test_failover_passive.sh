#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Passive failure signals in fabricd (Documentation/failover.md, "Passive
# signals"): fabricd on leaf 1 watches its uplinks with the data path and
# no probes at all, so only the passive signals can act. RoCE-shaped
# traffic flows h2 -> h1; leaf 2 spreads it over both spines, so it
# enters leaf 1 on both uplinks. Faults go on leaf 2's link to spine 1,
# upstream of leaf 1's XDP (the lab's injector sits behind XDP on the
# port it drops on):
#   gray loss  -> PSN gaps on l1's up1   -> l1-s1 DOWN, reason gap-burst
#   blackhole  -> up1 silent             -> l1-s1 DOWN, reason silence
# and after each recovery clean traffic on up1 brings the path back.
# Asserts reasons and group membership, not timing.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl GEN=$BUILD/roce-gen
for b in "$FABRICD" "$FABRICCTL" "$GEN"; do
	[[ -x $b ]] || { echo "1..0 # SKIP $b not built (make)"; exit 4; }
done

fo_setup 15
GPID=
fo_fabricd_cleanup_extra() {
	[[ -n $GPID ]] && kill -TERM "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null
}


# RoCE frames leaf 1 received on DEV so far (the data path's counters).
rx_roce() {
	local idx
	idx=$(ip -n "$LAB_PREFIX-l1" -j link show dev "$1" | jq '.[0].ifindex')
	ctl -j ports | jq -r --argjson i "$idx" \
		'[.. | objects | select(.ifindex? == $i) | .rx_roce_packets // 0] | max // 0'
}

both_uplinks_busy() {
	local a1 a2 b1 b2
	a1=$(rx_roce up1) a2=$(rx_roce up2)
	sleep 0.5
	b1=$(rx_roce up1) b2=$(rx_roce up2)
	((b1 > a1 && b2 > a2)) && return 0
	echo "# RoCE frames on up1 $a1 -> $b1, up2 $a2 -> $b2"
	return 1
}

up_again() { # PATH: back UP and installed, group 11 12
	path_is "$1" '.state == "up" and .installed' 15 && fo_wait_members 1 "11 12" 5
}

# psn_gap_burst = 3: three flows reporting gaps on one path within one
# event interval (10 ms). recover_probes = 2: two clean seconds of
# traffic over a path without probes clear its failure.
ktap_check "fabricd starts on leaf 1, passive signals only" \
	fo_fabricd_start "up1 up2" off off off "[log]
event_burst = 0
[thresholds]
psn_gap_burst = 3
silence_ms = 200
recover_probes = 2
holddown_ms = 300
holddown_max_ms = 2000"
ktap_check "paths: both UP, installed, without probes" eval \
	"ctl -j paths | jq -e '[.paths[] | select(.state == \"up\" and .installed and (.probe.enabled | not) and .probe.sent == 0)] | length == 2' >/dev/null"

# 32 QPs, 8000 requests/s in all, h2 -> h1, one packet per send (no
# bursts: a port must not go quiet between them); nobody answers.
nsenter --net="/run/netns/$LAB_PREFIX-h2" "$GEN" send -d 10.1.1.2 -q 32 \
	-r 8000 -b 1 -n 0 -t 120 >"$WORK/gen.log" 2>&1 &
GPID=$!
ktap_check "traffic enters leaf 1 over both uplinks" both_uplinks_busy

# (a) Gray loss upstream of up1: PSN gaps at leaf 1's ingress.
fo_fault l2-s1 gray 20
ktap_check "gray loss: l1-s1 DOWN, reason gap-burst, withdrawn" \
	path_is l1-s1 '.state == "down" and .reason == "gap-burst" and (.installed | not)' 10
ktap_check "gray loss: group 100 is 12" fo_wait_members 1 "12" 5
ktap_check "gray loss: l1-s2 stays UP" path_is l1-s2 '.state == "up" and .installed' 1
fo_fault l2-s1 recover
ktap_check "gray loss recovered: clean traffic on up1 restores l1-s1" up_again l1-s1

# (b) Blackhole upstream of up1: leaf 1's up1 goes quiet.
fo_fault l2-s1 blackhole
ktap_check "blackhole: l1-s1 DOWN, reason silence, withdrawn" \
	path_is l1-s1 '.state == "down" and .reason == "silence" and (.installed | not)' 10
ktap_check "blackhole: group 100 is 12" fo_wait_members 1 "12" 5
ev=$(ctl -j events -n 1000 2>/dev/null)
n1=$(jq -s '[flatten[] | select(.type == "silence" and .ifname == "up1")] | length' <<<"$ev")
if [[ $n1 -ge 1 ]]; then
	ktap_ok "events: the data path reported silence on up1"
else
	ktap_fail "events: the data path reported silence on up1" "$(head -c 400 <<<"$ev")"
fi
ktap_check "blackhole: l1-s2 stays UP" path_is l1-s2 '.state == "up" and .installed' 1
# The alarm is a verdict in the data path too ([verdict] kernel, the
# default): it declared l1-s1 down (source bpf) before fabricd read it, and
# the sequence ran to the override's withdrawal.
silence_seq() {
	local i ev
	for ((i = 0; i < 50; i++)); do
		ev=$(ctl -j events --max 0)
		jq -e '([.[] | select(.type == "silence" and .ifname == "up1" and .declared >= 1)] | length >= 1) and
			([.[] | select(.type == "reroute" and .path == "l1-s1" and .source == "bpf") | .stage] |
			 index(["detected", "replaced", "cleared"]) != null or
			 index(["detected", "rerouted", "replaced", "cleared"]) != null)' <<<"$ev" >/dev/null && return 0
		sleep 0.1
	done
	jq -c '[.[] | select(.type == "silence" or .type == "reroute")]' <<<"$ev" | head -c 800 | sed 's/^/# /'
	return 1
}
ktap_check "silence: declared in the data path, detected (bpf) ... cleared" silence_seq
fo_fault l2-s1 recover
ktap_check "blackhole recovered: traffic on up1 restores l1-s1" up_again l1-s1
# A sender stalled by a busy machine quiets both uplinks at once: the
# data path may say so, but that is no evidence against either path. An
# overloaded host also drops frames in its own veth rings, which reads as
# PSN gaps on up2 while l1-s1 is withdrawn; then l1-s2 is the last path
# and may go DOWN but stays installed (kept). It must never have been
# withdrawn.
ktap_check "l1-s2 never withdrawn (every failure of it kept), UP now" eval \
	"ctl -j paths | jq -e '.paths[] | select(.name == \"l1-s2\") | .state == \"up\" and .installed and .counters.failovers <= .counters.kept' >/dev/null"
ktap_check "groups: in sync with both members" eval \
	"ctl -j groups | jq -e '.groups[0] | .in_sync and .members == [\"l1-s1\", \"l1-s2\"]' >/dev/null"

((KTAP_FAILED)) && { fo_dump fault.log; sed 's/^/# /' "$LOG" | tail -40; }
ktap_finish
