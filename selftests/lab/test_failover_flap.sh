#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Flapping uplink. Fast flaps (carrier down/up every 60 ms, 10 times): the
# path must stay out the whole time. Slow flaps (every 600 ms, longer
# than the base hold-down): each failure grows the hold-down, so the path
# is restored fewer times than it flapped. Afterwards it comes back.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

count() { grep -c "$1" "$WORK/e.log" || true; }

fo_setup 7
fo_engine e 1 --hold-ms 200 --hold-max-ms 3000 || exit 1
"$FAULT" l1-s1 flap 60 10 >"$WORK/fault.log"
ups=$(count 'path=l1-s1 holddown->up')
ktap_check "fast flap: path kept out while flapping" test "$ups" -eq 0
ktap_check "fast flap: group never empty" test -n "$(fo_members 1)"
ktap_check "fast flap: restored once flapping stopped" fo_wait_members 1 "11 12" 5
sleep 0.5
before=$(count 'path=l1-s1 holddown->up')
"$FAULT" l1-s1 flap 600 4 >>"$WORK/fault.log"
ups=$(($(count 'path=l1-s1 holddown->up') - before))
echo "# slow flap: 4 flaps, $ups restores"
ktap_check "slow flap: fewer restores than flaps" test "$ups" -lt 4
ktap_check "slow flap: hold-down grew (failure flagged as flap)" \
	grep -q 'path=l1-s1 .*->down .*flags=[23] ' "$WORK/e.log"
ktap_check "slow flap: restored after the grown hold-down" fo_wait_members 1 "11 12" 5
fo_engine_stop e
ktap_check "flap: flap counter exported" grep -Eq 'path l1-s1 .*flaps=[1-9]' "$WORK/e.log"
((KTAP_FAILED)) && fo_dump e.log fault.log
ktap_finish
