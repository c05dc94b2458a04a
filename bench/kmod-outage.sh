#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kmod-outage (host side): boot the qemu guest into
# bench/kmod-outage-guest.sh (Documentation/kmod.md, Benchmark, "Outage
# with the module doing everything"). Per-flow outage through a two-member
# group with fabric.ko sending and judging the probes, the data-path
# reroute moving the flows and the module replacing the group; then the
# same with the data path's bpf_timer judging, in the same boot.
#   KMOD_OUTAGE_N=5        blackhole and carrier injections per judge
#   KMOD_OUTAGE_ARGS=...   more kmod-outage options, comma-separated
#                          (e.g. -i,1000 for a 1 ms probe interval)
#   VM_KVER=6.12           guest kernel (default 6.1)
# Prints the guest's per-injection lines and one line per judge:
#   kmod-outage: kernel=.. judge=kmod|bpf blackhole_outage_p50_us=..
#     blackhole_outage_p99_us=.. carrier_outage_p50_us=.. carrier_outage_p99_us=..
#     reroute_us_p50=.. blackhole_detect_us_p50=.. resolution_us_p50=.. false_verdicts=.. samples=..
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/vm/common.sh
export BUILD=${BUILD:-build}
out=$BUILD/bench/kmod-outage.run

fail() { echo "kmod-outage: $*" >&2; exit 1; }
kver=$(vm_kver) || fail "no guest kernel in /boot"
initrd=$BUILD/vm/$kver/bench-initramfs.cpio
for f in "$BUILD/kmod/$kver/fabric.ko" "$BUILD/vm-tools/fabric-kprober" \
	"$BUILD/vm-tools/kmod-outage" "$BUILD/vm-tools/kmod_outage.bpf.o" \
	"$BUILD/probe.bpf.o"; do
	[[ -f $f ]] || fail "$f missing (make $BUILD/bench/kmod-outage)"
done
mkdir -p "$out"
scripts/vm/mkinitramfs.sh "$initrd" "$kver" >"$out/mkinitramfs.log" 2>&1 ||
	{ cat "$out/mkinitramfs.log" >&2; fail "initramfs"; }
args=${KMOD_OUTAGE_N:-5}${KMOD_OUTAGE_ARGS:+,$KMOD_OUTAGE_ARGS}
t0=$SECONDS
scripts/vm/run.sh -i "$initrd" -o "$out" -t "${VM_TIMEOUT:-600}" -k "$kver" \
	-r /bench/kmod-outage-guest.sh -a "$args"
rc=$?
tr -d '\r' <"$out/ktap.log" >"$out/guest.txt"
echo "# guest ran $((SECONDS - t0))s (kernel $kver, TCG, 2 vCPUs); log $out/guest.txt"
sed -n '1,/### DMESG-BEGIN/p' "$out/guest.txt" | grep -E '^(  |# |kmod-outage:)'
((rc == 0)) || fail "guest run failed (run.sh exit $rc)"
grep -q '^### VM-RC 0' "$out/guest.txt" || fail "guest bench failed"
(($(grep -c '^kmod-outage: kernel=' "$out/guest.txt") >= 1)) || fail "no result line"
