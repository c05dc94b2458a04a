#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest-side runner: runs every /tests/test_*.sh (or those matching $1, a
# shell glob on the name without test_ and .sh; "all" runs all) with a
# per-test timeout, framing each one's KTAP with markers for the host:
#   ### BEGIN <name>
#   ...KTAP...
#   ### TIME <name> <start> <end>      (guest uptime, s)
#   ### END <name> <exit status>
filter=${1:-all}
[[ $filter == all || -z $filter ]] && filter='*'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd /tests || exit 1
for t in /tests/test_*.sh; do
	name=${t##*/test_}
	name=${name%.sh}
	# shellcheck disable=SC2053
	[[ $name == $filter ]] || continue
	echo "### BEGIN $name"
	t0=$(cut -d' ' -f1 /proc/uptime)
	# a test may ask for more with a "# guest-timeout: SECONDS" line
	tmo=$(sed -n 's/^# guest-timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -1)
	/usr/bin/timeout -k 5 "${tmo:-${GUEST_TEST_TIMEOUT:-240}}" /usr/bin/bash "$t" </dev/null 2>&1
	rc=$?
	echo "### TIME $name $t0 $(cut -d' ' -f1 /proc/uptime)"
	echo "### END $name $rc"
done
