#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabricd's gray-failure monitor on leaf 1 of a private 2-spine lab (the
# userspace executor): 5 % random loss on one spine link is named
# (gray_suspect, gray_drain for that link), the metrics say so, its path
# leaves the group, and it comes back once the fault is gone and
# restore_clean_s has passed; 100 us of delay is drained and restored the
# same way; with action = monitor a loss on the other link is reported
# but never drained. Asserts outcomes, not
# durations: every wait is a bounded poll. Documentation/gray.md.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
# Own lab: namespaces gm<pid>-*, pins /sys/fs/bpf/gm<pid>-*.
export LAB_PREFIX=gm$$

FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl
for b in "$FABRICD" "$FABRICCTL"; do
	[[ -x $b ]] || { echo "1..0 # SKIP $b not built (make)"; exit 4; }
done
command -v curl >/dev/null || { echo "1..0 # SKIP curl missing"; exit 4; }

fo_setup 25
PIN=/sys/fs/bpf/$LAB_PREFIX-dp
CONF=$WORK/fabric.conf LOG=$WORK/fabricd.log
export FABRIC_SOCKET=$WORK/fabricd.sock
DPID=
L1=/run/netns/$LAB_PREFIX-l1

cleanup() {
	[[ -n $DPID ]] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	nsenter --net="$L1" "$FABRICD" -c "$CONF" --detach >/dev/null 2>&1
	rm -rf "$PIN"
	fo_cleanup
}
trap cleanup EXIT

# A 1 % threshold: the SPRT then tests 1e-4 against 1e-2, and after an
# alarm needs about 2540 clean probes to clear (Documentation/gray.md),
# 2.5 s at 1000 probes/s, where the default 0.1 % would need 25.6 s. The
# 5 % fault is far above either. K = 20 consecutive misses keeps the
# hard-failure rule out of the way at 10 % probe loss (a round trip
# crosses the lossy link twice), so the drain seen here is the gray
# monitor's.
write_conf() { # ACTION
	cat >"$CONF" <<EOC
[datapath]
interfaces = hst
pin_dir = $PIN
flows = 4096
tx_flows = 1024
[exporter]
listen = 127.0.0.1:19473
[control]
socket = $FABRIC_SOCKET
[thresholds]
probe_interval_us = 1000
probe_timeout_us = 5000
stall_tolerance_us = 2000
probe_miss_threshold = 20
recover_probes = 10
holddown_ms = 300
holddown_max_ms = 2000

[gray]
enable = on
action = $1
loss_threshold_ppm = 10000
delay_threshold_us = 50
restore_clean_s = 2

[group leaf1]
id = 100
paths = l1-s1 l1-s2
buckets = 32
idle_timer_ms = 1000
routes = 10.1.2.0/24

# Probes are reflected at the spine: each path's probes cross one link.
[path l1-s1]
dev = up1
gateway = 10.2.11.2
nexthop_id = 11
links = l1-s1

[path l1-s2]
dev = up2
gateway = 10.2.12.2
nexthop_id = 12
links = l1-s2
EOC
}

# ctl, start_fabricd and path_is come from failover_lib.sh.
metrics() { nsenter --net="$L1" curl -sf http://127.0.0.1:19473/metrics; }

# gm_event TYPE LINK SECONDS [N]: until `fabricctl -j events` has N (1).
gm_event() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		ctl -j events | jq -e --arg t "$1" --arg l "$2" --argjson n "${4:-1}" \
			'[.[] | select(.type == $t and .link == $l)] | length >= $n' \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# no $1 event for $2; gray events: $(ctl -j events | jq -c '[.[] | select(.type | startswith("gray_")) | {type, link}]')"
	return 1
}

# gm_metric REGEX AWK-CONDITION-ON-$2: one matching sample satisfies it.
gm_metric() {
	metrics | awk -v re="$1" '$0 ~ re { if ('"$2"') ok = 1 } END { exit !ok }' && return 0
	echo "# metric $1: $(metrics | grep -E "$1" | tr '\n' ' ')"
	return 1
}

write_conf drain
ktap_check "fabricd starts with [gray] enable = on" start_fabricd
ktap_check "paths: both clean, each with its link" \
	eval 'path_is l1-s1 ".gray.state == \"clean\" and .gray.links == [\"l1-s1\"]" 5 &&
	      path_is l1-s2 ".gray.state == \"clean\" and .gray.links == [\"l1-s2\"]" 5'
ktap_check "metrics: fabric_link_suspect{link=\"l1-s1\"} 0 before the fault" \
	gm_metric '^fabric_link_suspect\\{link="l1-s1"\\} ' '$2 == 0'

# 5 % loss on l1-s1: named and drained.
fo_fault l1-s1 loss 5
ktap_check "loss 5 % on l1-s1: gray_suspect names l1-s1" gm_event gray_suspect l1-s1 20
ktap_check "loss 5 % on l1-s1: gray_drain names l1-s1" gm_event gray_drain l1-s1 20
ktap_check "l1-s1 DOWN for gray, withdrawn; group 100 is 12" \
	eval 'path_is l1-s1 ".state == \"down\" and .reason == \"gray\" and (.installed | not)" 5 &&
	      fo_wait_members 1 "12" 5'
ktap_check "paths: l1-s1 drained, why = link l1-s1, loss, estimate >= 1 %" \
	path_is l1-s1 '.gray.state == "drained" and .gray.why.link == "l1-s1" and
		.gray.why.kind == "loss" and .gray.why.loss_ppm >= 10000 and .gray.why.drained' 5
ktap_check "the drain event carries kind, estimate, confidence and its path" \
	eval 'ctl -j events | jq -e "[.[] | select(.type == \"gray_drain\" and .link == \"l1-s1\")][0] |
		.kind == \"loss\" and .loss_ppm >= 10000 and .confidence > 0 and .confidence <= 1 and
		.paths == [\"l1-s1\"] and (.time | length) > 0 and .ts_ns > 0" >/dev/null'
ktap_check "fabricctl events prints the drain" \
	eval 'ctl events | grep -Eq "gray_drain +link l1-s1: loss, loss [0-9]+ ppm"'
ktap_check "fabricctl paths prints why l1-s1 is drained" \
	eval 'ctl paths | grep -Eq "^l1-s1: gray drained: link l1-s1, loss, loss [0-9]+ ppm"'
ktap_check "metrics: l1-s1 suspect and drained, loss ratio >= 0.01, l1-s2 clean" \
	eval 'gm_metric "^fabric_link_suspect\\{link=\"l1-s1\"\\} " "\$2 == 1" &&
	      gm_metric "^fabric_link_drained\\{link=\"l1-s1\"\\} " "\$2 == 1" &&
	      gm_metric "^fabric_link_loss_ratio\\{link=\"l1-s1\"\\} " "\$2 >= 0.01" &&
	      gm_metric "^fabric_link_suspect\\{link=\"l1-s2\"\\} " "\$2 == 0" &&
	      gm_metric "^fabric_gray_events_total\\{type=\"gray_drain\"\\} " "\$2 >= 1"'
m=$(metrics)
if ! command -v promtool >/dev/null; then
	ktap_skip "promtool check metrics" "promtool not installed"
elif out=$(promtool check metrics <<<"$m" 2>&1); then
	ktap_ok "promtool check metrics accepts the gray families"
else
	ktap_fail "promtool check metrics accepts the gray families" "$out"
fi

# Fault gone: the SPRT clears, the link stays clean 2 s, the path returns.
fo_fault l1-s1 recover
ktap_check "recovered: gray_restore names l1-s1" gm_event gray_restore l1-s1 60
ktap_check "recovered: l1-s1 UP and installed, group 100 is 11 12" \
	eval 'path_is l1-s1 ".state == \"up\" and .installed and .gray.state == \"clean\"" 10 &&
	      fo_wait_members 1 "11 12" 5'
ktap_check "metrics: l1-s1 no longer drained" \
	gm_metric '^fabric_link_drained\\{link="l1-s1"\\} ' '$2 == 0'
ktap_check "no event ever named l1-s2" \
	eval '! ctl -j events | jq -e "[.[] | select(.link == \"l1-s2\")] | length > 0" >/dev/null'

# 100 us of delay each way on l1-s1: a 200 us RTT shift, drained as delay.
fo_fault l1-s1 delay 100
ktap_check "delay 100 us on l1-s1: gray_drain names l1-s1, kind delay, >= 50 us" \
	eval 'gm_event gray_drain l1-s1 20 >/dev/null &&
	      ctl -j events | jq -e "[.[] | select(.type == \"gray_drain\" and .kind == \"delay\")][0] |
		.link == \"l1-s1\" and .delay_us >= 50" >/dev/null'
ktap_check "delay: l1-s1 DOWN for gray, group 100 is 12" \
	eval 'path_is l1-s1 ".state == \"down\" and .reason == \"gray\"" 5 && fo_wait_members 1 "12" 5'
fo_fault l1-s1 recover
ktap_check "delay gone: l1-s1 restored, group 100 is 11 12" \
	eval 'gm_event gray_restore l1-s1 30 2 &&
	      path_is l1-s1 ".state == \"up\" and .installed" 10 && fo_wait_members 1 "11 12" 5'

# action = monitor (SIGHUP): the same fault on l1-s2 is reported only.
write_conf monitor
kill -HUP "$DPID"
ktap_check "reload: monitor restarted in action monitor" \
	fo_wait_line "$LOG" 'gray: monitoring 2 links, action monitor' 10
fo_fault l1-s2 loss 5
ktap_check "monitor: gray_suspect names l1-s2" gm_event gray_suspect l1-s2 20
# Once its estimate is over the threshold a drain would be due at once.
ktap_check "monitor: l1-s2 suspect over the threshold, not drained" \
	path_is l1-s2 '.gray.state == "suspect" and .gray.why.link == "l1-s2" and
		.gray.why.loss_ppm >= 10000 and (.gray.why.drained | not)' 10
ktap_check "monitor: l1-s2 stays UP and installed, group 100 is 11 12" \
	eval 'path_is l1-s2 ".state == \"up\" and .installed" 2 && fo_wait_members 1 "11 12" 2 &&
	      gm_metric "^fabric_link_drained\\{link=\"l1-s2\"\\} " "\$2 == 0" &&
	      ! ctl -j events | jq -e "[.[] | select(.type == \"gray_drain\" and .link == \"l1-s2\")] | length > 0" >/dev/null'
fo_fault l1-s2 recover
ktap_check "monitor: gray_clear names l1-s2 once clean" gm_event gray_clear l1-s2 60
ktap_check "monitor: nothing was drained after the reload" \
	eval '[[ $(ctl -j events | jq "[.[] | select(.type == \"gray_drain\")] | length") == 2 ]]'

((KTAP_FAILED)) && { fo_dump fault.log; sed 's/^/# /' "$LOG" | tail -40; }
ktap_finish
