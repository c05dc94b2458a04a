#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kmod-failover-prober (host side): boot the qemu guest into
# bench/kmod-failover-prober-guest.sh (Documentation/kmod.md, Benchmark,
# "Module prober"). Measures fabric.ko's probe sender: CPU cost per path
# and probes/s achieved at 20 us, 100 us and 1 ms, and the carrier kprobe's
# lead over linkwatch as a distribution.
#   KPROBER_BENCH_SECS=5      seconds per rate
#   KPROBER_BENCH_SAMPLES=12  carrier losses
#   VM_KVER=6.12              guest kernel (default 6.1)
# Prints the per-rate lines and one final line:
#   kmod-failover-prober: kernel=.. cpu_pct_per_path_20us=.. probes_per_s_20us=..
#     cpu_pct_per_path_100us=.. probes_per_s_100us=.. cpu_pct_per_path_1ms=..
#     probes_per_s_1ms=.. carrier_lead_us_p50=.. carrier_lead_us_p90=..
#     carrier_lead_us_min=.. carrier_lead_us_max=.. carrier_samples=..
#     carrier_rr_declared=..
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/vm/common.sh
export BUILD=${BUILD:-build}
out=$BUILD/bench/kmod-failover-prober.run

fail() { echo "kmod-failover-prober: $*" >&2; exit 1; }
kver=$(vm_kver) || fail "no guest kernel in /boot"
initrd=$BUILD/vm/$kver/bench-initramfs.cpio
for f in "$BUILD/kmod/$kver/fabric.ko" "$BUILD/vm-tools/fabric-kprober" \
	"$BUILD/vm-tools/kprober-dp" "$BUILD/probe.bpf.o"; do
	[[ -f $f ]] || fail "$f missing (make $BUILD/bench/kmod-failover-prober)"
done
mkdir -p "$out"
scripts/vm/mkinitramfs.sh "$initrd" "$kver" >"$out/mkinitramfs.log" 2>&1 ||
	{ cat "$out/mkinitramfs.log" >&2; fail "initramfs"; }
t0=$SECONDS
scripts/vm/run.sh -i "$initrd" -o "$out" -t "${VM_TIMEOUT:-480}" -k "$kver" \
	-r /bench/kmod-failover-prober-guest.sh \
	-a "${KPROBER_BENCH_SECS:-5},${KPROBER_BENCH_SAMPLES:-12}"
rc=$?
tr -d '\r' <"$out/ktap.log" >"$out/guest.txt"
echo "# guest ran $((SECONDS - t0))s (kernel $kver, TCG, 2 vCPUs); log $out/guest.txt"
((rc == 0)) || { tail -30 "$out/guest.txt" >&2; fail "guest run failed (run.sh exit $rc)"; }
grep -q '^### VM-RC 0' "$out/guest.txt" || { tail -30 "$out/guest.txt" >&2; fail "guest bench failed"; }
sed -n '1,/### DMESG-BEGIN/p' "$out/guest.txt" | grep -E '^(baseline|rate|carrier|#)'
rate() { # INTERVAL_NS KEY
	awk -v iv="interval_ns=$1" -v k="$2=" '$1 == "rate" && $2 == iv {
		for (i = 3; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' \
		"$out/guest.txt"
}
lead=$(awk '$1 == "carrier" { split($3, a, "="); if (a[2] >= 0) print a[2] / 1000 }' \
	"$out/guest.txt" | sort -n)
n=$(grep -c . <<<"$lead")
pct() { awk -v p="$1" -v n="$n" 'NR == (int(n * p / 100 + 0.999) ? int(n * p / 100 + 0.999) : 1) { printf "%d", $1 }' <<<"$lead"; }
declared=$(awk '$1 == "carrier" { split($4, a, "="); s += a[2] } END { print s + 0 }' "$out/guest.txt")
((n >= 1)) || fail "no carrier sample"
echo "kmod-failover-prober: kernel=$kver" \
	"cpu_pct_per_path_20us=$(rate 20000 cpu_pct_per_path) probes_per_s_20us=$(rate 20000 probes_per_s_per_path)" \
	"cpu_pct_per_path_100us=$(rate 100000 cpu_pct_per_path) probes_per_s_100us=$(rate 100000 probes_per_s_per_path)" \
	"cpu_pct_per_path_1ms=$(rate 1000000 cpu_pct_per_path) probes_per_s_1ms=$(rate 1000000 probes_per_s_per_path)" \
	"carrier_lead_us_p50=$(pct 50) carrier_lead_us_p90=$(pct 90)" \
	"carrier_lead_us_min=$(head -1 <<<"$lead" | cut -d. -f1) carrier_lead_us_max=$(tail -1 <<<"$lead" | cut -d. -f1)" \
	"carrier_samples=$n carrier_rr_declared=$declared"
