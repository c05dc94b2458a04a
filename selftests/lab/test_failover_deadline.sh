#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Every replace has a deadline. A replace that blocks (here: the engine's
# test hook stalls its first replace after the install for 10 s, as RTNL
# held by a namespace teardown once did for 17.7 s) raises the alarm after
# the deadline (2 s): the transition that wanted it carries -ETIMEDOUT
# (or -EBUSY, had the install itself been that slow), the group counts
# it, and the engine keeps serving (a status request answered while the
# replace is still blocked). When the replace completes the engine takes
# its result: the group is installed as the policy wants. Nothing here depends on timing but the
# stall being far longer than the waits for the alarm and the status.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

status_pending() {
	local pid
	eval "pid=\$ENGINE_e"
	kill -USR1 "$pid"
	fo_wait_line "$WORK/e.log" 'replace_timeouts=[1-9][0-9]* replace_pending=1' 4 ||
		{ echo "# no status with the replace pending:"; grep '^group' "$WORK/e.log" | sed 's/^/# /'; return 1; }
}

fo_setup 5
fo_engine e 1 --no-probe --hold-ms 300 --replace-deadline-ms 2000 \
	--test-replace-stall-ms 10000 || exit 1
fo_fault l1-s1 carrier
ktap_check "blocked replace: the transition carries the alarm (-ETIMEDOUT)" \
	fo_wait_event e "path=l1-s1 up->down .* err=-(110|16)" 10
ktap_check "blocked replace: the engine answers while it is blocked" status_pending
installed_done() {
	local pid i
	eval "pid=\$ENGINE_e"
	for ((i = 0; i < 30; i++)); do
		kill -USR1 "$pid"
		fo_wait_line "$WORK/e.log" 'installed=0x2 dirty=0 .* replace_pending=0' 1 && return 0
	done
	echo "# the blocked replace's result never taken:"
	grep '^group' "$WORK/e.log" | tail -2 | sed 's/^/# /'
	return 1
}
ktap_check "blocked replace: its late result taken, group as the policy wants" \
	installed_done
ktap_check "blocked replace: the kernel group holds the survivor only" \
	fo_wait_members 1 "12" 5
fo_engine_stop e
ktap_check "blocked replace: counted" fo_event e 'group .* replace_timeouts=[1-9]'
((KTAP_FAILED)) && fo_dump e.log fault.log
ktap_finish
