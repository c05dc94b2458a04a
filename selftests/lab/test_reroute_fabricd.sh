#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabricd (userspace executor: the host has no fabric.ko) with the
# data-path reroute on leaf 1: it mirrors group 100 into the map pinned
# with its data path and puts the tc egress filter on up1 and up2.
# 1. A kernel-side verdict on l1-s1 (the map's declare operation) moves
#    the member's flows at once; then the blackhole: fabricd's probes take
#    the path down, the group is replaced, the override is cleared.
#    `fabricctl events` shows detected, rerouted, replaced, cleared for
#    l1-s1 in that order with non-decreasing times.
# 2. Recovery through the hold-down; healthy flows never move.
# 3. Metrics: a counter per stage and a latency histogram per stage,
#    accepted by promtool.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/reroute_lib.sh

FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl
for b in "$FABRICD" "$FABRICCTL"; do
	[[ -x $b ]] || { echo "1..0 # SKIP $b not built (make)"; exit 4; }
done
command -v curl >/dev/null || { echo "1..0 # SKIP curl missing"; exit 4; }

rr_setup 13
RR_PIN=/sys/fs/bpf/$LAB_PREFIX-dp	# the reroute map lives with the data path's pins
# rr_setup's own pin directory, replaced by fabricd's
fo_fabricd_cleanup_extra() { rmdir "/sys/fs/bpf/$LAB_PREFIX-rr" 2>/dev/null; }

metrics() { nsenter --net="$L1" curl -sf http://127.0.0.1:19473/metrics; }

# stages of l1-s1's generation G in `fabricctl events`, oldest first
ev_stages() {
	ctl -j events --max 0 | jq -r --argjson g "$1" \
		'[.[] | select(.type == "reroute" and .path == "l1-s1" and .generation == $g)] |
		 (map(.stage) | join(" ")) + "|" + ([.[].ts_ns] | (. == sort) | tostring)'
}
ev_wait() { # GEN WANT SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[[ $(ev_stages "$1") == "$2|true" ]] && return 0
		sleep 0.1
	done
	echo "# events for generation $1: '$(ev_stages "$1")', want '$2|true'"
	return 1
}

ktap_check "fabricd starts on leaf 1 with group 100" \
	fo_fabricd_start hst 127.0.0.1:19473 on on "$FO_FABRICD_THRESHOLDS"
rr_filters() {
	local d
	for d in up1 up2; do
		tc -n "$LAB_PREFIX-l1" filter show dev $d egress | grep -q fabric_rr_tc ||
			{ echo "# no fabric_rr_tc on $d egress"; return 1; }
	done
}
ktap_check "reroute: tc egress filter on up1 and up2" rr_filters
fo_traffic t || exit 1
rr_declare 0 || exit 1
t_decl=$RR_T
ktap_check "verdict: the data path moves l1-s1's packets" rr_wait_redirected 0 20 5
ktap_check "verdict: the group still holds both members" test "$(fo_members 1)" = "11 12"
sleep 1
fo_fault l1-s1 blackhole
t_fault=$FO_T
ktap_check "blackhole: group replaced with the survivor" fo_wait_members 1 "12" 5
ktap_check "fabricctl events: detected, rerouted, replaced, cleared in time order" \
	ev_wait 1 "detected rerouted replaced cleared" 5
ktap_check "override: verdict cleared, guard bit down" rr_override_gone 0
fo_fault l1-s1 recover
ktap_check "recovery: l1-s1 restored after the hold-down" \
	path_is l1-s1 '.state == "up" and .installed and .reason == "holddown-expired"' 5
ktap_check "recovery: group 11 12 and settled" \
	eval 'fo_wait_members 1 "11 12" 5 && fo_wait_settled 1 5'
sleep 0.3
fo_traffic_stop t
ktap_check "traffic: every l1-s1 flow left spine 1 before the blackhole" \
	rr_moved_before t 1 "$t_fault"
ktap_check "traffic: healthy flows never moved" fo_check_moves t 1 "$t_decl"

m=$(metrics)
if awk '/^fabric_reroute_stage_total\{stage="(detected|rerouted|replaced|cleared)"\} / {if ($2 >= 1) n++}
	/^fabric_reroute_stage_seconds_count\{stage="rerouted"\} / {h = $2}
	/^fabric_reroute_packets_total / {p = $2}
	END {exit !(n == 4 && h >= 1 && p >= 20)}' <<<"$m"; then
	ktap_ok "metrics: every stage counted, rerouted latency observed, packets moved"
else
	ktap_fail "metrics: every stage counted, rerouted latency observed, packets moved" \
		"$(grep '^fabric_reroute' <<<"$m" | grep -v _bucket | tr '\n' ' ')"
fi
if ! command -v promtool >/dev/null; then
	ktap_skip "promtool check metrics" "promtool not installed"
elif out=$(promtool check metrics <<<"$m" 2>&1); then
	ktap_ok "promtool check metrics accepts the reroute families"
else
	ktap_fail "promtool check metrics accepts the reroute families" "$out"
fi
((KTAP_FAILED)) && { fo_dump fabricd.log t.tr fault.log; ctl events | grep reroute | sed 's/^/# /'; }
ktap_finish
