#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# [verdict] probe_sender (user/fabricd/config_verdict.c): the three values
# pass fabricd --check-config; a misspelt value and the combinations in
# which fabric.ko's prober could not work (nobody would judge its probes,
# no probes, an interval below the module's 20 us) are errors naming the
# file, the line and the fix. Host only: --check-config opens nothing but
# the file.
set -u
cd "$(dirname "$0")/../.."
. selftests/unit/config_lib.sh
config_init sender

# write THRESHOLD-LINES VERDICT-LINES: probe_sender is on line 6.
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

ktap_plan 6

for v in auto fabricd kmod; do
	write 'probe_interval_us = 100' "probe_sender = $v"
	expect_ok "probe_sender = $v passes"
done
write 'probe_interval_us = 100' 'probe_sender = kmd'
expect_error "a misspelt value: the three choices" \
	"^$F:6: \[verdict\] probe_sender: expected auto .*, fabricd or kmod, got \"kmd\""
write 'probe_interval_us = 100' $'probe_sender = kmod\nkernel = off'
expect_error "kmod with kernel = off: nobody judges; says what to set" \
	"^$F:6: \[verdict\] probe_sender = kmod: .*kernel = off; set kernel = on, or probe_sender = fabricd"
write 'probe_interval_us = 10' 'probe_sender = kmod'
expect_error "kmod below the module's 20 us: says what to raise" \
	"^$F:6: \[verdict\] probe_sender = kmod: fabric.ko's prober cannot send more often than every 20 us; raise \[thresholds\] probe_interval_us"
ktap_finish
