#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabricd configuration errors: each names the file, the line, the section
# and key and what is expected; fabricd exits non-zero and touches nothing
# (no pins, no attachment, no socket). The shipped example validates.
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
BUILD=${BUILD:-build}
FABRICD=$BUILD/fabricd

skip_all() { echo "1..0 # SKIP $1"; exit 4; }
[[ -x $FABRICD ]] || skip_all "$FABRICD not built (make)"

T=$(mktemp -d /tmp/fabric-config-test.XXXXXX)
NS=fabcfg-$$
PIN=/sys/fs/bpf/fabric-cfgtest-$$
cleanup() {
	ip netns del "$NS" 2>/dev/null
	[[ -d $PIN ]] && rm -rf "$PIN"
	rm -rf "$T"
}
trap cleanup EXIT

# NAME EXPECTED-REGEX: the config comes on stdin; fabricd --check-config
# must exit 1 and print a line matching the regex.
expect_error() {
	local name=$1 re=$2 out rc
	cat > "$T/fabric.conf"
	out=$("$FABRICD" --check-config -c "$T/fabric.conf" 2>&1)
	rc=$?
	if [[ $rc == 1 ]] && grep -Eq -- "$re" <<<"$out"; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "exit $rc, want 1 and /$re/ in: $out"
	fi
}

ktap_plan 17
F='/tmp/fabric-config-test\.[A-Za-z0-9]+/fabric\.conf'

expect_error "syntax error names file and line" \
	"^$F:3: syntax error: expected .*got \"flows 100\"" <<'EOC'
[datapath]
# a comment
flows 100
EOC

expect_error "unknown key, with a did-you-mean" \
	"^$F:2: \[datapath\] flow: unknown key; did you mean \"flows\"\?" <<'EOC'
[datapath]
flow = 100
EOC

expect_error "bad value names key, expectation and value" \
	"^$F:3: \[datapath\] flows: expected a positive integer .*got \"lots\"" <<'EOC'
[node]
[datapath]
flows = lots
EOC

expect_error "out-of-range value" \
	"^$F:2: \[exporter\] top_k: expected an integer from 1 to 10000, got \"0\"" <<'EOC'
[exporter]
top_k = 0
EOC

expect_error "unknown section, with a did-you-mean" \
	"^$F:1: \[datapth\]: unknown section \(did you mean \[datapath\]\?\)" <<'EOC'
[datapth]
flows = 8
EOC

expect_error "key set twice" \
	"^$F:3: \[node\] id: set twice \(first on line 2\)" <<'EOC'
[node]
id = 1
id = 2
EOC

expect_error "key in the wrong section" \
	"^$F:2: \[node\] flows: unknown key here; it belongs in \[datapath\]" <<'EOC'
[node]
flows = 8
EOC

expect_error "unknown interface" \
	"^$F:2: \[datapath\] interfaces: no interface \"nosuchdev0\" in this network namespace" <<'EOC'
[datapath]
interfaces = lo nosuchdev0
EOC

expect_error "duplicate group id" \
	"^$F:8: \[group b\] id: 100 is already used by \[group a\] on line 2" <<'EOC'
[group a]
id = 100
paths = p1
[path p1]
dev = lo
nexthop_id = 1
[group b]
id = 100
paths = p1
EOC

expect_error "path on an unknown device" \
	"^$F:2: \[path p1\] dev: expected an interface in this network namespace, got \"nosuchdev0\"" <<'EOC'
[path p1]
dev = nosuchdev0
nexthop_id = 1
EOC

expect_error "group naming an unknown path" \
	"^$F:3: \[group g\] paths: no \[path spine2\] section; did you mean \"spine1\"\?" <<'EOC'
[group g]
id = 10
paths = spine1 spine2
[path spine1]
dev = lo
nexthop_id = 1
EOC

expect_error "missing required key names the section line" \
	"^$F:1: \[path p\] nexthop_id: missing" <<'EOC'
[path p]
dev = lo
EOC

expect_error "cross-key rule" \
	"^$F:3: \[thresholds\] holddown_max_ms: expected at least holddown_ms \(5000\), got 100" <<'EOC'
[thresholds]
holddown_ms = 5000
holddown_max_ms = 100
EOC

out=$("$FABRICD" --check-config -c "$T/does-not-exist.conf" 2>&1)
rc=$?
if [[ $rc == 1 && $out == *"does-not-exist.conf: cannot open the configuration: No such file or directory"* ]]; then
	ktap_ok "missing file"
else
	ktap_fail "missing file" "exit $rc: $out"
fi

out=$("$FABRICD" --check-config -c packaging/fabric.conf.example 2>&1)
rc=$?
if [[ $rc == 0 && $out == *": OK ("* ]]; then
	ktap_ok "--check-config passes on packaging/fabric.conf.example"
else
	ktap_fail "--check-config passes on the example" "exit $rc: $out"
fi

out=$("$FABRICD" --bogus 2>&1)
rc=$?
if [[ $rc == 2 ]]; then ktap_ok "unknown option: exit 2"; else ktap_fail "unknown option: exit 2" "exit $rc: $out"; fi

# A real start with a bad file: exit 1 and nothing on the system.
if [[ $(id -u) != 0 ]] || ! mountpoint -q /sys/fs/bpf || ! ip netns add "$NS" 2>/dev/null; then
	ktap_skip "a bad configuration touches nothing" "needs root, bpffs and netns"
	ktap_finish
fi
ip -n "$NS" link add v0 type veth peer name v1
cat > "$T/bad.conf" <<EOC
[datapath]
interfaces = v0
pin_dir = $PIN
xdp_mode = generic
flows = 1024
[exporter]
listen = off
[control]
socket = $T/fabricd.sock
[thresholds]
silence = 3
EOC
out=$(nsenter --net=/run/netns/$NS "$FABRICD" -c "$T/bad.conf" 2>&1)
rc=$?
xdp=$(ip -n "$NS" link show v0 | grep -c xdp)
if [[ $rc == 1 && $out == *"bad.conf:11: [thresholds] silence: unknown key"* &&
      $out == *"nothing was changed"* && ! -e $PIN && ! -e $T/fabricd.sock && $xdp == 0 ]]; then
	ktap_ok "a bad configuration touches nothing (no pins, no XDP, no socket)"
else
	ktap_fail "a bad configuration touches nothing" "exit $rc, xdp lines $xdp, pin $(ls -d "$PIN" 2>&1): $out"
fi
ktap_finish
