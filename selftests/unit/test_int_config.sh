#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# [int] and [int_class NAME] (user/fabricd/config_int*.c): a valid
# configuration with classes and probe targets passes fabricd
# --check-config, and every error names the file, the line, the section
# and key and what is expected. Host only: --check-config opens nothing
# but the file.
set -u
cd "$(dirname "$0")/../.."
. selftests/unit/config_lib.sh
config_init int

# write INT-LINES: a group with routes, then the lines
write() {
	cat >"$T/fabric.conf" <<EOC
[path a]
dev = lo
gateway = 127.0.0.2
nexthop_id = 11
[group rack2]
id = 100
paths = a
routes = 10.1.2.0/24 2001:db8:2::/64
$1
EOC
}

ktap_plan 10

write $'[int]\nroles = source\nprobe_groups = rack2\nprobe_sports = 49152-49167\nprobe_rate = 20\nprobe_source = 10.1.1.2 2001:db8:1::2\n[int_class bulk]\ndscp = 26 28-30\nmode = embed\nsample = 8\n[int_class ctl]\ndscp = 46\nprobe_targets = 10.1.2.9\nprobe_rate = 0'
expect_ok "[int] with probe_groups and two [int_class]es pass"

write $'[int]\nprobe_groups = rack3'
expect_error "probe_groups names a missing group, with a guess" \
	"^$F:10: \[int\] probe_groups: no \[group rack3\] section; did you mean \"rack2\"\?"

write $'[int_class a]\nmode = probe'
expect_error "an [int_class] without dscp" "^$F:9: \[int_class a\] dscp: missing; expected the DSCPs"

write $'[int_class a]\ndscp = 26\n[int_class b]\ndscp = 20-27'
expect_error "a DSCP in two classes" \
	"^$F:12: \[int_class b\] dscp: DSCP 26 is also in \[int_class a\] \(line 10\); a DSCP belongs to one class"

write $'[int]\ndscp = 0-30\n[int_class a]\ndscp = 26'
expect_error "a DSCP in a class and in an explicit [int] dscp" \
	"^$F:12: \[int_class a\] dscp: DSCP 26 is also in \[int\] dscp \(line 10\)"

write $'[int_class a]\ndscp = 26\nmode = embed\nprobe_targets = 10.1.2.2'
expect_error "probe targets on an embed class" \
	"^$F:12: \[int_class a\] probe_targets: fabricd sends probes for mode probe only, and this class is embed; set mode = probe"

write $'[int_class a]\ndscp = 26\nprobe_targets = 10.1.2.2 10.1.2.x'
expect_error "a bad probe target" \
	"^$F:11: \[int_class a\] probe_targets: expected IPv4 or IPv6 addresses.*\"10.1.2.x\" is not an address"

write $'[int]\nprobe_sports = 5000-4000'
expect_error "a reversed source port range" \
	"^$F:10: \[int\] probe_sports: expected a UDP source port or a range such as 49152-49167, got \"5000-4000\""

write $'[int]\nprobe_targets = 10.1.2.2 10.1.2.3\nprobe_rate = 6000'
expect_error "more than 10000 probes per second" \
	"^$F:11: \[int\] probe_rate: fabricd would send 12000 probes per second.*lower probe_rate"

write $'[int_class default]\ndscp = 1'
expect_error "[int_class default] is [int]'s" "^$F:9: \[int_class default\]: \"default\" is the class of \[int\]"
ktap_finish
