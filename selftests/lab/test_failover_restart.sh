#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The executor restarts during a failure: killed (SIGKILL) while leaf 1's
# uplink to spine 1 has no carrier, a new one reconciles the group with
# the kernel (the dead member cannot be re-created yet), and restores it
# when the link recovers. Then a fresh start on a blackholed link: the
# reconcile installs every member (the group was left with one), and
# probes withdraw the bad one.
# (Runs build/fabric-failover-test; fabricd wraps the same engine.)
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

fo_setup 6
fo_engine a 1 --hold-ms 300 || exit 1
fo_fault l1-s1 carrier
ktap_check "restart: failover before the crash" fo_wait_members 1 "12" 5
fo_engine_stop a KILL
fo_engine b 1 --hold-ms 300 || exit 1
# The new engine has read the carrier and reconciled by the time it is
# ready: the group must be (and stay) the surviving member.
ktap_check "restart: reconcile keeps the group valid" test "$(fo_members 1)" = 12
fo_fault l1-s1 recover
ktap_check "restart: new engine restores the member" fo_wait_members 1 "11 12" 5
fo_engine_stop b
fo_fault l1-s2 blackhole
ip -n "$LAB_PREFIX-l1" nexthop replace id 100 group 11 type resilient
fo_engine c 1 --hold-ms 300 || exit 1
ktap_check "restart: blackholed member withdrawn again" fo_wait_members 1 "11" 5
ktap_check "restart: probe loss on the blackholed path" \
	fo_wait_event c 'path=l1-s2 up->down reason=probe-loss' 2
fo_engine_stop c
ktap_check "restart: no executor errors" \
	eval "! grep -E 'exec_errors=[1-9]' '$WORK/a.log' '$WORK/b.log' '$WORK/c.log'"
((KTAP_FAILED)) && fo_dump a.log b.log c.log fault.log
ktap_finish
