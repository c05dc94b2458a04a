#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabricd as the failover executor on leaf 1 of a private lab (the host has
# no fabric.ko, so this is the userspace executor): fabricctl paths/groups,
# blackhole and carrier loss withdraw the member and recovery restores it,
# manual drain is audited and refused for the last path, a restart during
# a failure keeps the group correct, and the failover metrics count it.
# Asserts correctness only; timing belongs to bench/failover.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl
for b in "$FABRICD" "$FABRICCTL"; do
	[[ -x $b ]] || { echo "1..0 # SKIP $b not built (make)"; exit 4; }
done
command -v jq >/dev/null || { echo "1..0 # SKIP jq missing (scripts/setup-deps)"; exit 4; }
command -v curl >/dev/null || { echo "1..0 # SKIP curl missing"; exit 4; }

fo_setup 21

metrics() { nsenter --net="$L1" curl -sf http://127.0.0.1:19471/metrics; }

ctl_jq() { # OBJECT JQ-EXPR
	ctl -j "$1" | jq -e "$2" >/dev/null || { echo "# $(ctl -j "$1" | head -c 600)"; return 1; }
}
down_and() { # PATH REASON-REGEX GROUP-MEMBERS: DOWN, carrier lost
	path_is "$1" ".state == \"down\" and (.reason | test(\"^$2\$\")) and (.installed | not) and (.carrier | not)" 5 &&
		fo_wait_members 1 "$3" 5
}
up_and() { # PATH GROUP-MEMBERS SECONDS
	path_is "$1" '.state == "up" and .installed' "$3" && fo_wait_members 1 "$2" 2
}
nh11_back() {
	up_and l1-s1 "11 12" 10 &&
		ip -n "$LAB_PREFIX-l1" nexthop show id 11 | grep -q 'via 10.2.11.2 dev up1'
}

ktap_check "fabricd starts on leaf 1 with group 100" \
	fo_fabricd_start hst 127.0.0.1:19471 on on "$FO_FABRICD_THRESHOLDS"
ktap_check "status: the userspace executor is active" ctl_jq status \
	'.executor == "fabricd (fabric.ko not loaded)" and .daemon.failover.executor == "fabricd" and .daemon.failover.groups == 1'
ktap_check "paths: both UP and installed" ctl_jq paths \
	'[.paths[] | select(.state == "up" and .installed)] | length == 2'

# Silent blackhole under traffic.
fo_traffic bh || exit 1
fo_fault l1-s1 blackhole
t_fault=$FO_T
ktap_check "blackhole: l1-s1 DOWN by probe loss" path_is l1-s1 '.state == "down" and .reason == "probe-loss" and (.installed | not)' 3
ktap_check "blackhole: kernel group 100 has one member (12)" fo_wait_members 1 "12" 5
sleep 0.3
fo_fault l1-s1 recover
ktap_check "blackhole recovered: l1-s1 restored after hold-down" path_is l1-s1 '.state == "up" and .installed and .reason == "holddown-expired"' 5
ktap_check "blackhole recovered: group 100 is 11 12 again" \
	eval 'fo_wait_members 1 "11 12" 5 && fo_wait_settled 1 5'
sleep 0.3	# traffic across the settled group
fo_traffic_stop bh
ktap_check "blackhole: no flow permanently lost" fo_check_resumed bh
ktap_check "blackhole: healthy flows never moved" fo_check_moves bh 1 "$t_fault"

# Carrier loss: the kernel deletes nexthop 11; restore re-creates it.
# Probes may see the loss before the carrier event does (a busy machine
# delays linkwatch): either reason, but fabricd must have seen the carrier.
fo_fault l1-s1 carrier
ktap_check "carrier: l1-s1 DOWN without carrier, group 100 is 12" down_and l1-s1 '(carrier-down|probe-loss)' 12
fo_fault l1-s1 recover
ktap_check "carrier recovered: nexthop 11 re-created, group 11 12, path UP" nh11_back

# Manual drain: audited; the last path cannot be drained.
out=$(ctl path drain l1-s2 2>&1); rc=$?
if [[ $rc == 0 ]] && fo_wait_members 1 "11" 2 &&
   path_is l1-s2 '.state == "down" and .drained and .reason == "admin-drain"' 2; then
	ktap_ok "drain l1-s2: withdrawn from group 100"
else
	ktap_fail "drain l1-s2: withdrawn from group 100" "exit $rc: $out"
fi
ktap_check "drain is audited in fabricd's log (uid, pid, path)" \
	grep -Eq 'audit: drain path=l1-s2 by uid=0 pid=[0-9]+: done' "$LOG"
out=$(ctl path drain l1-s1 2>&1); rc=$?
if [[ $rc == 1 && $out == *"would leave group leaf1 with nothing healthy"* ]] &&
   [[ $(fo_members 1) == "11" ]] && grep -q 'audit: drain path=l1-s1 .*refused' "$LOG"; then
	ktap_ok "drain of the last path refused (exit 1, group unchanged, audited)"
else
	ktap_fail "drain of the last path refused" "exit $rc, members '$(fo_members 1)': $out"
fi
out=$(ctl path drain nosuch 2>&1); rc=$?
if [[ $rc == 1 && $out == *'unknown path "nosuch"; known paths: l1-s1, l1-s2'* ]]; then
	ktap_ok "unknown path: exit 1, known paths listed"
else
	ktap_fail "unknown path: exit 1, known paths listed" "exit $rc: $out"
fi
out=$(ctl path undrain l1-s2 2>&1); rc=$?
if [[ $rc == 0 ]] && path_is l1-s2 '.state == "up" and (.drained | not) and .installed' 5 &&
   fo_wait_members 1 "11 12" 2; then
	ktap_ok "undrain l1-s2: restored"
else
	ktap_fail "undrain l1-s2: restored" "exit $rc: $out"
fi

# Metrics: failovers counted, the repair histogram has observations, and
# promtool accepts the output.
m=$(metrics)
if awk '/^fabric_path_failovers_total\{group="leaf1",path="l1-s1"\}/ {f = $2}
	/^fabric_failover_repair_seconds_count / {h = $2}
	/^fabric_path_up\{group="leaf1",path="l1-s2"\} 1/ {u = 1}
	END {exit !(f >= 1 && h >= 1 && u)}' <<<"$m"; then
	ktap_ok "metrics: failovers_total >= 1, repair histogram count >= 1, path_up"
else
	ktap_fail "metrics: failovers_total >= 1, repair histogram count >= 1" \
		"$(grep -E '^fabric_(path_failovers|failover_repair_seconds_count|path_up)' <<<"$m" | tr '\n' ' ')"
fi
if ! command -v promtool >/dev/null; then
	ktap_skip "promtool check metrics" "promtool not installed"
elif out=$(promtool check metrics <<<"$m" 2>&1); then
	ktap_ok "promtool check metrics accepts the failover families"
else
	ktap_fail "promtool check metrics accepts the failover families" "$out"
fi

# fabricd restart during a failure.
fo_fault l1-s1 carrier
fo_wait_members 1 "12" 5 >/dev/null
kill -TERM "$DPID"; wait "$DPID"; DPID=
sleep 0.3
if [[ $(fo_members 1) == "12" ]] && start_fabricd &&
   path_is l1-s1 '.state == "down" and (.installed | not)' 2 && fo_wait_members 1 "12" 1; then
	ktap_ok "restart during a failure: group stays 12, l1-s1 DOWN"
else
	ktap_fail "restart during a failure: group stays 12, l1-s1 DOWN"
fi
fo_fault l1-s1 recover
ktap_check "restart: the new fabricd restores l1-s1 when healthy" up_and l1-s1 "11 12" 10
ktap_check "groups: in sync with both members" ctl_jq groups \
	'.groups[0] | .in_sync and .members == ["l1-s1", "l1-s2"] and .id == 100'

((KTAP_FAILED)) && { fo_dump fabricd.log fault.log; sed 's/^/# /' "$LOG" | tail -40; }
ktap_finish
