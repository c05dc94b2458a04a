# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The preamble of the unit test_*_config.sh tests: they write a fabric.conf
# and check what `fabricd --check-config` says of it. Source from the top
# of the tree (the tests cd there), then call config_init NAME.
# Not a test itself: run_all.sh runs selftests/unit/test_*.sh only.
. selftests/lib/ktap.sh
BUILD=${BUILD:-build}
FABRICD=$BUILD/fabricd

# config_init NAME: skip the test without fabricd; else a scratch dir $T,
# removed on exit, for $T/fabric.conf, and $F, a regex of that file's
# name as fabricd's messages spell it.
config_init() {
	[[ -x $FABRICD ]] || { echo "1..0 # SKIP $FABRICD not built (make)"; exit 4; }
	T=$(mktemp -d "/tmp/fabric-$1-config.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	F="/tmp/fabric-$1-config\\.[A-Za-z0-9]+/fabric\\.conf"
}

# NAME REGEX: --check-config exits 1 and prints a matching line.
expect_error() {
	local out rc
	out=$("$FABRICD" --check-config -c "$T/fabric.conf" 2>&1)
	rc=$?
	if [[ $rc == 1 ]] && grep -Eq -- "$2" <<<"$out"; then
		ktap_ok "$1"
	else
		ktap_fail "$1" "exit $rc, want 1 and /$2/ in: $out"
	fi
}

# NAME: --check-config accepts the file.
expect_ok() {
	local out
	if out=$("$FABRICD" --check-config -c "$T/fabric.conf" 2>&1); then
		ktap_ok "$1"
	else
		ktap_fail "$1" "$out"
	fi
}
