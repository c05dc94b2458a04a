#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabricd (userspace executor) owns the kernel-side probe verdict on
# leaf 1: the data path on up1 and up2 stamps fabricd's probes, matches
# the answers and judges them on its bpf_timer. fabricd's own probe
# judge is kept out of the race on purpose: its timeout (1 s) outlasts
# its 64-probe window at 1k probes/s, so it never reports a miss; only
# the data path's verdict ([verdict] timeout_us = 5000) can take a path
# down here.
# 1. Blackhole on l1-s1: the verdict (source bpf) declares the member
#    down, the policy agrees, the group is replaced with the survivor and
#    the override is cleared; `fabricctl events` shows probe_verdict down,
#    then detected, [rerouted,] replaced, cleared in time order. rerouted
#    is there only when a packet of the member left between the verdict
#    and the replace (Documentation/reroute.md, "The sequence"), which no
#    construction here guarantees, so it may be absent but never out of
#    order. Healthy flows never move.
# 2. Recovery: the verdict clears, the path comes back after the hold-down.
# 3. Stall storm: fabricd stopped (SIGSTOP) for 2 s and then in 100
#    bursts of 20 ms with two CPU hogs: no verdict, no failover.
# 4. Metrics: the engine's replace/neighbour counters, promtool-clean.
# Orders and outcomes are asserted, never durations.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/reroute_lib.sh
export LAB_PREFIX=vd$$
RR_PIN=/sys/fs/bpf/$LAB_PREFIX-dp	# the reroute map lives with the data path's pins

FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl
for b in "$FABRICD" "$FABRICCTL"; do
	[[ -x $b ]] || { echo "1..0 # SKIP $b not built (make)"; exit 4; }
done
command -v curl >/dev/null || { echo "1..0 # SKIP curl missing"; exit 4; }

HOGS=()
hogs_stop() {
	local p
	for p in "${HOGS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOGS=()
}
fo_fabricd_cleanup_extra() {
	hogs_stop
	[[ -n $DPID ]] && kill -CONT "$DPID" 2>/dev/null
}

fo_setup 18
metrics() { nsenter --net="$L1" curl -sf http://127.0.0.1:19474/metrics; }

# kernel-side verdict events of PATH: "down up ..." in ring order
verdicts() {
	ctl -j events --max 0 | jq -r --arg p "$1" \
		'[.[] | select(.type == "probe_verdict" and .path == $p) | .verdict] | join(" ")'
}
# generation of PATH's latest reroute sequence detected from source SRC
gen_of() {
	ctl -j events --max 0 | jq -r --arg p "$1" --arg s "$2" \
		'[.[] | select(.type == "reroute" and .path == $p and .stage == "detected" and .source == $s) | .generation] | last // empty'
}
# stages of PATH's generation G, oldest first, and whether times are sorted
ev_stages() {
	ctl -j events --max 0 | jq -r --arg p "$1" --argjson g "$2" \
		'[.[] | select(.type == "reroute" and .path == $p and .generation == $g)] |
		 (map(.stage) | join(" ")) + "|" + ([.[].ts_ns] | (. == sort) | tostring)'
}
# seq_done PATH: a bpf verdict's sequence reached "cleared", in order
seq_done() {
	local i g s
	for ((i = 0; i < 100; i++)); do
		g=$(gen_of "$1" bpf)
		if [[ -n $g ]]; then
			s=$(ev_stages "$1" "$g")
			case $s in
			"detected rerouted replaced cleared|true" | "detected replaced cleared|true")
				echo "# generation $g: ${s%|*}"
				return 0 ;;
			esac
		fi
		sleep 0.1
	done
	echo "# $1: generation '$g' stages '$s', want detected [rerouted] replaced cleared in time order"
	return 1
}
status_verdict() {
	ctl -j status | jq -e '.daemon.failover.kernel_verdict // .failover.kernel_verdict |
		.kernel and .paths == 2 and .reroute' >/dev/null && return 0
	echo "# $(ctl -j status | jq -c '.. | objects | select(has("kernel_verdict")) | .kernel_verdict')"
	return 1
}
failovers() {
	metrics | awk '/^fabric_path_failovers_total\{/ {n += $2} END {print n + 0}'
}

ktap_check "fabricd starts with the kernel verdict on up1 and up2" \
	fo_fabricd_start "hst up1 up2" 127.0.0.1:19474 on on "[thresholds]
probe_interval_us = 1000
probe_timeout_us = 1000000
stall_tolerance_us = 2000
probe_miss_threshold = 3
recover_probes = 10
holddown_ms = 300
holddown_max_ms = 2000
[verdict]
kernel = on
timeout_us = 5000"
ktap_check "status: the data path judges both paths and reroutes" status_verdict
ktap_check "both paths UP and installed" \
	eval 'path_is l1-s1 ".state == \"up\" and .installed" 5 && path_is l1-s2 ".state == \"up\" and .installed" 5'
fo_traffic t || exit 1
sleep 0.5
fo_fault l1-s1 blackhole
t_fault=$FO_T
ktap_check "blackhole: the group loses l1-s1" fo_wait_members 1 "12" 10
ktap_check "blackhole: a kernel verdict, and only on l1-s1" \
	eval '[[ $(verdicts l1-s1) == "down" && -z $(verdicts l1-s2) ]]'
ktap_check "events: detected (bpf), [rerouted,] replaced, cleared in order" seq_done l1-s1
ktap_check "l1-s1 DOWN for probe loss" path_is l1-s1 '.state == "down" and (.installed | not) and .reason == "probe-loss"' 5
ktap_check "override: verdict cleared, guard bit down" rr_override_gone 0
fo_fault l1-s1 recover
ktap_check "recovery: the kernel verdict clears" \
	eval 'for i in $(seq 100); do [[ $(verdicts l1-s1) == "down up" ]] && break; sleep 0.1; done; [[ $(verdicts l1-s1) == "down up" ]]'
ktap_check "recovery: l1-s1 restored after the hold-down" \
	path_is l1-s1 '.state == "up" and .installed and .reason == "holddown-expired"' 10
ktap_check "recovery: group 11 12 and settled" \
	eval 'fo_wait_members 1 "11 12" 5 && fo_wait_settled 1 5'
sleep 0.3
fo_traffic_stop t
ktap_check "traffic: healthy flows never moved" fo_check_moves t 1 "$t_fault"
ktap_check "traffic: every flow still arrives" fo_check_resumed t

# Stall storm: fabricd (the sender) stopped, CPU hogs.
n_fo=$(failovers) n_v=$(ctl -j events --max 0 | jq '[.[] | select(.type == "probe_verdict")] | length')
kill -STOP "$DPID"; sleep 2; kill -CONT "$DPID"
for i in 1 2; do
	(while :; do :; done) &
	HOGS+=($!)
done
for ((i = 0; i < 100; i++)); do
	kill -STOP "$DPID"; sleep 0.02; kill -CONT "$DPID"; sleep 0.03
done
hogs_stop
sleep 1
ktap_check "stall storm: no kernel verdict" \
	test "$(ctl -j events --max 0 | jq '[.[] | select(.type == "probe_verdict")] | length')" = "$n_v"
ktap_check "stall storm: no failover, group 11 12" \
	eval '[[ $(failovers) == "$n_fo" && $(fo_members 1) == "11 12" ]]'
ktap_check "stall storm: probes still answered on both paths" \
	eval 'path_is l1-s1 ".state == \"up\" and .probe.answered > 0" 5 && path_is l1-s2 ".state == \"up\"" 5'

m=$(metrics)
if awk '/^fabric_group_(replace_timeouts|neigh_unstuck|neigh_waits)_total\{group="leaf1"\} [0-9]+$/ {n++}
	END {exit n != 3}' <<<"$m"; then
	ktap_ok "metrics: replace_timeouts, neigh_unstuck, neigh_waits per group"
else
	ktap_fail "metrics: replace_timeouts, neigh_unstuck, neigh_waits per group" \
		"$(grep '^fabric_group_' <<<"$m" | tr '\n' ' ')"
fi
if ! command -v promtool >/dev/null; then
	ktap_skip "promtool check metrics" "promtool not installed"
elif out=$(promtool check metrics <<<"$m" 2>&1); then
	ktap_ok "promtool check metrics accepts fabricd's families"
else
	ktap_fail "promtool check metrics accepts fabricd's families" "$out"
fi
((KTAP_FAILED)) && { fo_dump fabricd.log fault.log; ctl events | grep -E 'reroute|probe_verdict' | sed 's/^/# /'; }
ktap_finish
