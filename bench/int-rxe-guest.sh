#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest half of bench/int-rxe.sh: the test_int_rxe topology (two rxe
# endpoints, source, two transits, sink; /tests/int_rxe_lib.sh), then
# ROUNDS rounds of two ib_write_bw runs each, alternating: INT off (every
# node's INT roles 0, fabric's data path still attached) and embed mode 1
# in 64. Order within a round alternates too (off first in odd rounds).
# Prints "round=R off_MBps=X n64_MBps=Y ratio=Y/X" per round and
#   ib_write_bw_ratio_n64=<median of the per-round ratios>
# Arguments: ROUNDS (default 5), SECONDS per run (default 4).
. /tests/ktap.sh >/dev/null
. /tests/lib.sh
. /tests/int_rxe_lib.sh
set -u
JQ=/usr/bin/jq
ROUNDS=${1:-5} DUR=${2:-4}
T=/tmp/intbench
for m in veth crc32_generic rdma_rxe bridge; do
	/sbin/modprobe "$m" || { echo "bench: modprobe $m failed"; exit 1; }
done
trap igl_cleanup EXIT
igl_cleanup
rm -rf $T
mkdir -p $T
igl_topo >$T/setup.out 2>&1 || { cat $T/setup.out; echo "bench: topology failed"; exit 1; }
igl_load >$T/load.out 2>&1 || { cat $T/load.out; echo "bench: load failed"; exit 1; }
igl_class A 64 && igl_class B 64 || { echo "bench: class failed"; exit 1; }
# run MODE PORT: one ib_write_bw, MODE off or n64; prints MB/s
run() {
	igl_roles $([[ $1 == off ]] && echo 0 || echo 1) || return 1
	igl_perf $T/$1 4 ib_write_bw $2 -D "$DUR" -s 65536 -m 1024 >$T/$1.perf 2>&1 ||
		{ cat $T/$1.perf $T/$1.cli >&2; return 1; }
	igl_bw $T/$1
}
ratios=()
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then
		off=$(run off $((18800 + 2 * r))) && on=$(run n64 $((18801 + 2 * r))) || { echo "bench: round $r failed"; exit 1; }
	else
		on=$(run n64 $((18800 + 2 * r))) && off=$(run off $((18801 + 2 * r))) || { echo "bench: round $r failed"; exit 1; }
	fi
	ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')
	ratios+=("$ratio")
	echo "round=$r off_MBps=$off n64_MBps=$on ratio=$ratio"
done
igl_snap $T/end.json && $JQ -r '"int counters: A instrumented \(.A.stats.src_instrumented) of \(.A.stats.src_candidates), B stripped \(.B.stats.sink_stripped)"' $T/end.json
printf '%s\n' "${ratios[@]}" | sort -n |
	awk '{ v[NR] = $1 } END { printf "ib_write_bw_ratio_n64=%s\n", NR % 2 ? v[(NR + 1) / 2] : sprintf("%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
