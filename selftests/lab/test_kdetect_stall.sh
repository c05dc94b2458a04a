#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Stall storm: the probe sender is stopped (SIGSTOP) for seconds and in
# bursts of 20 ms while two CPU hogs run; the data path's verdict must
# not fire on either path. Then a real blackhole is still found, so the
# silence was not a dead detector.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/kdetect_lib.sh

HOGS=()
kd_hogs_stop() {
	local p
	for p in "${HOGS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOGS=()
}

fo_setup 6
trap 'kd_hogs_stop; fo_cleanup' EXIT
kd_start k || exit 1
ktap_check "probes answered on both paths" kd_answered k
pid=$(kd_pid k)
kill -STOP "$pid"; sleep 2; kill -CONT "$pid"
ktap_check "sender stopped 2 s: answered again" kd_answered k
for i in 1 2; do
	(while :; do :; done) &
	HOGS+=($!)
done
for ((i = 0; i < 100; i++)); do
	kill -STOP "$pid"; sleep 0.02; kill -CONT "$pid"; sleep 0.03
done
kd_hogs_stop
ktap_check "storm over: answered again" kd_answered k
ktap_check "stall storm: no verdict" bash -c "! grep -q '^verdict' '$WORK/k.log'"
fo_fault l1-s1 blackhole
ktap_check "blackhole after the storm: verdict on path 0" \
	fo_wait_line "$WORK/k.log" '^verdict path=0 down' 10
fo_fault l1-s1 recover
kd_stop k
ktap_check "path 1 never judged down" \
	bash -c "! grep -q '^verdict path=1' '$WORK/k.log'"
grep '^path=' "$WORK/k.log" | tail -2 | sed 's/^/# /'
((KTAP_FAILED)) && fo_dump k.log fault.log
ktap_finish
