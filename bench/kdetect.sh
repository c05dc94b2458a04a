#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Cost of probing with the kernel-side verdict, per path and per rate:
# a private lab (LAB_PREFIX=kb<pid>), fabric-kdetect-test on leaf 1's two
# uplinks (fabricd's userspace sender, the data path's stamps, answers
# and bpf_timer judge), SECONDS (default 10) per interval. Prints one line
# per interval:
#   kdetect: interval_us= probes_per_s_per_path= sender_cpu_pct_per_path=
#            missed= stalled= verdicts=
# sender_cpu is the sender process's user+system time (its syscalls
# include the transmit path and tc egress); the XDP and timer work of
# answers runs in softirq and is not in it.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD LAB_PREFIX=kb$$
SECS=${SECONDS_PER_RATE:-10}
KD=$BUILD/fabric-kdetect-test
WORK=$(mktemp -d /tmp/kdetect-bench.XXXXXX)
pid=
cleanup() {
	[[ -n $pid ]] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	"$ROOT/scripts/lab/lab.sh" down >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$ROOT/scripts/lab/lab.sh" up >"$WORK/lab.log" 2>&1 || { cat "$WORK/lab.log"; exit 1; }
ticks=$(getconf CLK_TCK)
for iv in ${RATES:-20 100 1000}; do
	to=$((iv * 3 > 300 ? iv * 3 : 300))
	"$KD" --ns "/run/netns/$LAB_PREFIX-l1" \
		--path up1,10.2.11.1,10.2.11.2 --path up2,10.2.12.1,10.2.12.2 \
		--interval-us "$iv" --timeout-us "$to" --stall-us 200 \
		--miss-k 3 >"$WORK/k.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 500; i++)); do
		grep -q '^ready' "$WORK/k.log" && break
		sleep 0.02
	done
	sleep 1
	read -r -a st0 <"/proc/$pid/stat"
	kill -USR1 "$pid"; sleep 0.2
	s0=$(grep '^path=0 ' "$WORK/k.log" | tail -1 | sed 's/.* sent=\([0-9]*\).*/\1/')
	t0=$(date +%s%N)
	sleep "$SECS"
	read -r -a st1 <"/proc/$pid/stat"
	t1=$(date +%s%N)
	kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=
	line=$(grep '^path=0 ' "$WORK/k.log" | tail -1)
	s1=$(sed 's/.* sent=\([0-9]*\).*/\1/' <<<"$line")
	cpu=$(( (st1[13] + st1[14] - st0[13] - st0[14]) ))
	awk -v iv="$iv" -v cpu="$cpu" -v tk="$ticks" -v dt=$((t1 - t0)) \
		-v s=$((s1 - s0)) -v l="$line" 'BEGIN {
		secs = dt / 1e9
		split(l, f, " ")
		for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
		printf "kdetect: interval_us=%d probes_per_s_per_path=%.0f " \
		       "sender_cpu_pct_per_path=%.1f missed=%s stalled=%s verdicts=%s\n",
		       iv, s / secs, 100 * cpu / tk / secs / 2, v["missed"],
		       v["stalled"], v["verdicts"] }'
done
