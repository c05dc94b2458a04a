#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# [gray] and the path's links key (user/fabricd/config_gray.c): a valid
# configuration passes fabricd --check-config, and every error names the
# file, the line, the section and key and what is expected. Host only:
# --check-config opens nothing but the file (dev = lo exists everywhere).
set -u
cd "$(dirname "$0")/../.."
. selftests/unit/config_lib.sh
config_init gray

# write GRAY-LINES LINKS-A LINKS-B: a group of two paths on lo.
write() {
	cat >"$T/fabric.conf" <<EOC
[datapath]
interfaces = lo
[gray]
$1
[group g]
id = 100
paths = a b
[path a]
dev = lo
gateway = 127.0.0.2
nexthop_id = 11
$2
[path b]
dev = lo
gateway = 127.0.0.3
nexthop_id = 12
$3
EOC
}

ktap_plan 9

write $'enable = on\naction = monitor\nloss_threshold_ppm = 500\ndelay_threshold_us = 20\nrestore_clean_s = 5\nmonitor_only = s1-l3' \
	'links = l1-s1, s1-l3' 'links = l1-s2 s2-l3'
expect_ok "a valid [gray] and links pass"

write 'action = drian' 'links = l1-s1' ''
expect_error "action: the two choices" \
	"^$F:4: \[gray\] action: expected drain .* or monitor .*, got \"drian\""
write 'loss_threshold_ppm = 0' 'links = l1-s1' ''
expect_error "loss_threshold_ppm: the range" \
	"^$F:4: \[gray\] loss_threshold_ppm: expected a loss ratio in parts per million from 1 to 999999 .*got \"0\""
write 'enable = maybe' 'links = l1-s1' ''
expect_error "enable: on or off" "^$F:4: \[gray\] enable: expected on or off, got \"maybe\""
write 'monitor_only = l9-s9' 'links = l1-s1' ''
expect_error "monitor_only: a link no path crosses, with an example" \
	"^$F:4: \[gray\] monitor_only: \"l9-s9\" is not a link of any \[path\]; expected names from the paths' links keys \(e.g. l1-s1\)"
write 'enable = on' '' ''
expect_error "enable without any links: says what to add" \
	"^$F:4: \[gray\] enable: no \[path\] has a links key; expected links = NAME, NAME"
write '' 'links = l1-s1, s1-l3, l1-s1' ''
expect_error "links: a link named twice" \
	"^$F:12: \[path a\] links: expected the comma-separated, ordered names .*: \"l1-s1\" is named twice"
write '' 'links = a b c d e f g h i' ''
expect_error "links: at most 8" "^$F:12: \[path a\] links: expected .*: more than 8 links"
write '' 'linkz = l1-s1' ''
expect_error "a misspelt links key: did you mean" \
	"^$F:12: \[path a\] linkz: unknown key; did you mean \"links\"\?"
ktap_finish
