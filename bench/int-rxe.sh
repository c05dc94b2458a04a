#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/int-rxe (host side): boot the qemu guest into
# bench/int-rxe-guest.sh and measure, in one boot, ib_write_bw between two
# rxe endpoints through an INT source, two transits and a sink
# (selftests/vm/guest/int_rxe_lib.sh), alternating INT off and embed mode
# 1 in 64 for several rounds. Writes $BUILD/bench/int-rxe.result (read by
# bench/int for the `int:` line) with the per-round figures and
#   ib_write_bw_ratio_n64=<median of the per-round n64/off ratios>
# and prints one final line:
#   int-rxe: ib_write_bw_ratio_n64=.. rounds=.. off_MBps=.. n64_MBps=..
#   INT_RXE_ROUNDS=5  rounds    INT_RXE_SECONDS=4  seconds per run
#   VM_TIMEOUT=600    whole-guest timeout, s
#   VM_KVER=6.12      guest kernel (default: 6.1, scripts/vm/common.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/vm/common.sh
export BUILD=${BUILD:-build}
ROUNDS=${INT_RXE_ROUNDS:-5} SECS=${INT_RXE_SECONDS:-4}
out=$BUILD/bench/int-rxe.run
res=$BUILD/bench/int-rxe.result

fail() { echo "int-rxe: $*" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed"
kver=$(vm_kver) || fail "no guest kernel in /boot"
[[ -f $BUILD/fabric.bpf.o ]] || fail "$BUILD/fabric.bpf.o missing (make)"
initrd=$BUILD/vm/$kver/bench-int-initramfs.cpio
mkdir -p "$out"
scripts/vm/mkinitramfs.sh "$initrd" "$kver" >"$out/mkinitramfs.log" 2>&1 ||
	{ cat "$out/mkinitramfs.log" >&2; fail "initramfs"; }
t0=$SECONDS
scripts/vm/run.sh -i "$initrd" -o "$out" -t "${VM_TIMEOUT:-600}" -k "$kver" \
	-r /bench/int-rxe-guest.sh -a "$ROUNDS,$SECS"
rc=$?
tr -d '\r' <"$out/ktap.log" >"$out/guest.txt"
echo "# guest ran $((SECONDS - t0))s (kernel $kver, TCG, 2 vCPUs); log $out/guest.txt"
((rc == 0)) || { tail -30 "$out/guest.txt" >&2; fail "guest run failed (run.sh exit $rc)"; }
body=$(sed -n '1,/### DMESG-BEGIN/p' "$out/guest.txt")
grep -q '^### VM-RC 0' <<<"$body" || { echo "$body" >&2; fail "guest bench failed"; }
grep -E '^(round=|int counters)' <<<"$body"
ratio=$(sed -n 's/^ib_write_bw_ratio_n64=\([0-9.]*\)$/\1/p' <<<"$body")
[[ -n $ratio ]] || fail "no ratio in the guest output"
{
	grep -E '^round=' <<<"$body"
	echo "ib_write_bw_ratio_n64=$ratio"
} >"$res"
awk -v r="$ratio" -v n="$ROUNDS" '
	/^round=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } }
	END { printf "int-rxe: ib_write_bw_ratio_n64=%s rounds=%d off_MBps=%.1f n64_MBps=%.1f\n",
		r, n, v["off_MBps"] / n, v["n64_MBps"] / n }' <<<"$body"
