#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The data path remembers FABRIC_PROBE_RING (32) departures per path, so a
# probe timeout of 32 probe intervals or more would never let a dead path
# be judged down (user/fabricd/config_verdict.c). fabricd --check-config
# refuses it, naming the file, the line of the key that sets the
# EFFECTIVE timeout and the fix: a [verdict] timeout_us overrides
# [thresholds] probe_timeout_us (lab/test_verdict_fabricd's 1 s
# [thresholds] timeout under a 5 ms [verdict] one stays valid), and with
# [verdict] kernel = off nothing is judged in the data path. Host only.
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
BUILD=${BUILD:-build}
FABRICD=$BUILD/fabricd
[[ -x $FABRICD ]] || { echo "1..0 # SKIP $FABRICD not built (make)"; exit 4; }

T=$(mktemp -d /tmp/fabric-ring-config.XXXXXX)
trap 'rm -rf "$T"' EXIT
F='/tmp/fabric-ring-config\.[A-Za-z0-9]+/fabric\.conf'

# write THRESHOLD-LINES VERDICT-LINES: [thresholds] keys start on line 4,
# [verdict] keys on line 7 (two threshold lines).
write() {
	cat >"$T/fabric.conf" <<EOC
[datapath]
interfaces = lo
[thresholds]
$1
[verdict]
$2
EOC
}

run() { "$FABRICD" --check-config -c "$T/fabric.conf" 2>&1; }
expect_error() { # NAME REGEX
	local out rc
	out=$(run)
	rc=$?
	if [[ $rc == 1 ]] && grep -Eq -- "$2" <<<"$out"; then
		ktap_ok "$1"
	else
		ktap_fail "$1" "exit $rc, want 1 and /$2/ in: $out"
	fi
}
expect_ok() { # NAME
	local out
	if out=$(run); then
		ktap_ok "$1"
	else
		ktap_fail "$1" "$out"
	fi
}

ktap_plan 7

write $'probe_interval_us = 1000\nprobe_timeout_us = 31000' 'kernel = on'
expect_ok "a timeout of 31 intervals passes"
write $'probe_interval_us = 1000\nprobe_timeout_us = 32000' 'kernel = on'
expect_error "[thresholds] 32 intervals: error on its line, names the limit and the fix" \
	"^$F:5: \[thresholds\] probe_timeout_us: a 32000 us timeout is 32 probe intervals, but the data path remembers 32 departures per path, so a dead path would never be judged down; set \[verdict\] timeout_us or \[thresholds\] probe_timeout_us below 32000 us, or kernel = off$"
write $'probe_interval_us = 1000\nprobe_timeout_us = 1000000' $'kernel = on\ntimeout_us = 5000'
expect_ok "a 1 s [thresholds] timeout overridden by [verdict] timeout_us = 5000 passes (test_verdict_fabricd)"
write $'probe_interval_us = 1000\nprobe_timeout_us = 5000' $'kernel = on\ntimeout_us = 40000'
expect_error "[verdict] timeout_us of 40 intervals: error on the [verdict] line even though [thresholds] is fine" \
	"^$F:8: \[verdict\] timeout_us: a 40000 us timeout is 40 probe intervals, .* below 32000 us, or kernel = off$"
write $'probe_interval_us = 1000\nprobe_timeout_us = 1000000' 'kernel = off'
expect_ok "kernel = off: nothing judged in the data path, a long timeout passes"
write $'probe_interval_us = 5000\nprobe_timeout_us = 100000' $'kernel = on\nprobe_sender = kmod'
expect_ok "vm/fabricd_kprober's settings (20 intervals, module sender and judge) pass"
write $'probe_interval_us = 20000\nprobe_timeout_us = 640000' 'probe_sender = fabricd'
expect_error "the default kernel = on applies: 32 intervals of 20 ms refused" \
	"^$F:5: \[thresholds\] probe_timeout_us: a 640000 us timeout is 32 probe intervals, .* below 640000 us, or kernel = off$"
ktap_finish
