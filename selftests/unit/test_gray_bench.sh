#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The short gray-failure campaign: bench/gray with a dozen faults (seed 1:
# 7 delays of 85-197 us, two 0.1 % losses, 0.5 % loss and corruption, 1 %
# corruption), a stress third with stall outliers and five clean minutes,
# on simulated probe evidence (deterministic: splitmix64). Every figure of
# its `gray:` line is expected exactly; a change to the detectors, the
# localisation or the scoring that moves one must update this test, with
# its reason.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
BUILD=${BUILD:-build}
G=$BUILD/bench/gray
if [[ ! -x $G ]]; then
	echo "1..0 # SKIP $G not built (make)"
	exit 4
fi
ktap_plan 3
out=$("$G" --faults 12 --clean-s 300 --seed 1)
echo "# $out"
want='gray: faults=12 precision=1.0000 recall=1.0000 recall_01pct=1.0000 localization=1.0000 detect_p50_ms_1pct=500 detect_p50_ms_01pct=6800 delay_detect_p50_ms_50us=na false_alarms_per_hour=0.00 drains_correct=na source=sim events=12 probe_hz=1000 clean_s=300'
ktap_check "bench/gray prints one gray: line" test "$(grep -c '^gray: ' <<<"$out")" -eq 1
ktap_check "short campaign: every figure as expected" test "$out" = "$want"
"$G" --faults 0 >/dev/null 2>&1
ktap_check "bench/gray rejects a campaign without faults" test $? -eq 2
ktap_finish
