#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Flapping uplink. Fast flaps (carrier down/up every 60 ms, 10 times): the
# path must stay out the whole time. Slow flaps (every 600 ms, longer
# than the 500 ms base hold-down): each failure grows the hold-down, so
# the path is not restored while it flaps. Afterwards it comes back.
#
# Restores are judged against the injection times in fault.log: a restore
# is wrong if the link was down then, or had been up for less than the
# hold-down. (Should the flapping script itself be held up past a
# hold-down, a restore in that long up phase is correct, not a failure.)
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

HOLD=500
fo_setup 7
fo_engine e 1 --hold-ms $HOLD --hold-max-ms 3000 || exit 1
fo_fault l1-s1 flap 60 10
t_fast=$FO_T
ktap_check "fast flap: path kept out while flapping" \
	fo_check_restores e l1-s1 $HOLD "$t_fast"
ktap_check "fast flap: group never empty" \
	eval "test -n '$(fo_members 1)' && ! grep -q 'members=0x0 ' '$WORK/e.log'"
ktap_check "fast flap: restored once flapping stopped" fo_wait_members 1 "11 12" 8
fo_fault l1-s1 flap 600 4
t_slow=$FO_T
echo "# slow flap: 4 flaps, $(awk -v F="$t_slow" '/path=l1-s1 holddown->up/ && substr($2, 3) >= F' "$WORK/e.log" | wc -l) restores"
ktap_check "slow flap: hold-down grew past 2x base, no restore while flapping" \
	fo_check_restores e l1-s1 $((2 * HOLD)) "$t_slow"
ktap_check "slow flap: failures flagged as flaps" \
	grep -q 'path=l1-s1 .*->down .*flags=[23] ' "$WORK/e.log"
ktap_check "slow flap: restored after the grown hold-down" fo_wait_members 1 "11 12" 8
fo_engine_stop e
ktap_check "flap: flap counter exported" grep -Eq 'path l1-s1 .*flaps=[1-9]' "$WORK/e.log"
((KTAP_FAILED)) && fo_dump e.log fault.log
ktap_finish
