#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A silent blackhole on leaf 1's uplink to spine 1, found by the data
# path's own verdict: tc egress stamps the probes, XDP matches the
# answers, the per-path bpf_timer judges. The sender's userspace judge is
# not consulted. The other path, which witnesses, gets no verdict; the
# verdict clears once answers return.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/kdetect_lib.sh

fo_setup 8
kd_start k || exit 1
ktap_check "probes answered on both paths" kd_answered k
sleep 0.5
ktap_check "healthy: no verdict" bash -c "! grep -q '^verdict' '$WORK/k.log'"
fo_fault l1-s1 blackhole
ktap_check "blackhole: BPF verdict on path 0" \
	fo_wait_line "$WORK/k.log" '^verdict path=0 down' 10
fo_fault l1-s1 recover
ktap_check "recovered: verdict cleared by answers" \
	fo_wait_line "$WORK/k.log" '^verdict path=0 up' 10
kd_stop k
ktap_check "path 1 never judged down" \
	bash -c "! grep -q '^verdict path=1' '$WORK/k.log'"
# One verdict for the blackhole: its down is followed by the up. The
# recovery flushes both ends' neighbour entries, which can drop probes in
# flight and give a later, genuine verdict; that one is not this check's.
ktap_check "path 0: one verdict for the blackhole, misses counted" \
	bash -c "[[ \$(grep '^verdict path=0 ' '$WORK/k.log' | head -2 | cut -d' ' -f3 | tr '\n' ' ') == 'down up ' &&
		   \$(grep '^path=0 ' '$WORK/k.log' | tail -1) =~ \ missed=[1-9][0-9]*\ .*\ verdicts=[1-9] ]]"
ktap_check "path 1: no miss" \
	bash -c "[[ \$(grep '^path=1 ' '$WORK/k.log' | tail -1) =~ \ missed=0\  ]]"
ktap_check "no timer errors" \
	bash -c "! grep -q 'timer_errors=[1-9]' '$WORK/k.log'"
((KTAP_FAILED)) && fo_dump k.log fault.log
ktap_finish
