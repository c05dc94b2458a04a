#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kmod-failover (host side): boot the qemu guest into
# bench/kmod-failover-guest.sh and summarise. Measures, in one run, the
# time from a carrier loss and from a data-path signal (kfunc call, or a
# ringbuf record for the userspace executor) to the nexthop group being
# replaced, with fabric.ko as the executor and with a userspace executor
# running the same policy, in five phases (Documentation/kmod.md):
#   idle       no load
#   eq         one nice-0 busy loop per vCPU (the executor's nice level)
#   outranked  two nice -5 busy loops per vCPU, the executor's cgroup at
#              cpu.max 20000 100000 (200m)
#   starved    outranked, and the executor's cgroup kept busy (a nice-0
#              busy co-tenant in it): the "loaded" of the final line
#   dead       starved, and the userspace executor SIGSTOPped
#   KMOD_BENCH_N=80   samples per executor, trigger and phase
#   VM_TIMEOUT=480    whole-guest timeout, s
#   VM_KVER=6.12      guest kernel (default: 6.1, scripts/vm/common.sh)
# Prints the distributions, the split of each latency into trigger ->
# replace sent and sent -> acked, one line per extra phase, then exactly
# one final line:
#   kmod-failover: kmod_p50_us=.. kmod_p99_us=.. userspace_p50_us=..
#     userspace_p99_us=.. kmod_loaded_p99_us=.. userspace_loaded_p99_us=..
# p50/p99 are nearest-rank over both triggers (2N samples per phase).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/vm/common.sh
export BUILD=${BUILD:-build}
N=${KMOD_BENCH_N:-80}
out=$BUILD/bench/kmod-failover.run

fail() { echo "kmod-failover: $*" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed"
kver=$(vm_kver) || fail "no guest kernel in /boot"
initrd=$BUILD/vm/$kver/bench-initramfs.cpio
for f in "$BUILD/kmod/$kver/fabric.ko" "$BUILD/vm-tools/kmod-failover-bench" \
	"$BUILD/vm-tools/kmod_failover_ringbuf.bpf.o" "$BUILD/vm-tools/kfunc_report.bpf.o"; do
	[[ -f $f ]] || fail "$f missing (make $BUILD/bench/kmod-failover)"
done
mkdir -p "$out"
scripts/vm/mkinitramfs.sh "$initrd" "$kver" >"$out/mkinitramfs.log" 2>&1 ||
	{ cat "$out/mkinitramfs.log" >&2; fail "initramfs"; }
t0=$SECONDS
scripts/vm/run.sh -i "$initrd" -o "$out" -t "${VM_TIMEOUT:-480}" -k "$kver" \
	-r /bench/kmod-failover-guest.sh -a "$N"
rc=$?
tr -d '\r' <"$out/ktap.log" >"$out/guest.txt"
echo "# guest ran $((SECONDS - t0))s (kernel $kver, TCG, 2 vCPUs); log $out/guest.txt"
((rc == 0)) || { tail -30 "$out/guest.txt" >&2; fail "guest run failed (run.sh exit $rc)"; }
grep -q '^### VM-RC 0' "$out/guest.txt" ||
	{ grep -vE '^(sample|### DMESG)' "$out/guest.txt" | sed -n '1,/### DMESG-BEGIN/p' >&2; fail "guest bench failed"; }

sed -n '1,/### DMESG-BEGIN/p' "$out/guest.txt" | grep -E '^(summary|dead|#)'
# value MODE LOAD TRIGGER KEY
value() {
	awk -v m="mode=$1" -v l="load=$2" -v t="trigger=$3" -v k="$4=" '
		$1 == "summary" && $2 == m && $3 == l && $4 == t {
			for (i = 5; i <= NF; i++)
				if (index($i, k) == 1) print substr($i, length(k) + 1)
		}' "$out/guest.txt" | head -1
}
echo "# where the time goes (both triggers, us p50/p99): t0 -> policy decided ->"
echo "# replace sent -> replace acked (kmod: event timestamps and replace_ns_last)"
awk '
	function v(k,   i) { for (i = 5; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) }
	($1 == "split" || $1 == "summary") && $4 == "trigger=all" {
		key = $3 " " $2; part = $1 == "summary" ? "total" : substr($5, 6)
		cell[key, part] = v("p50_us") "/" v("p99_us")
		if (!(key in seen)) { seen[key] = 1; order[n++] = key }
	}
	END {
		printf "# %-14s %-10s %14s %14s %14s %14s\n", "load", "executor", "to_policy", "to_sent", "sent_to_ack", "total"
		for (i = 0; i < n; i++) {
			split(order[i], k, " ")
			printf "# %-14s %-10s %14s %14s %14s %14s\n", substr(k[1], 6), substr(k[2], 6),
				cell[order[i], "to_policy"], cell[order[i], "to_sent"],
				cell[order[i], "sent_to_ack"], cell[order[i], "total"]
		}
	}' "$out/guest.txt"
for load in eq outranked starved; do
	echo "kmod-failover[$load]: kmod_p50_us=$(value kmod $load all p50_us)" \
		"kmod_p99_us=$(value kmod $load all p99_us)" \
		"userspace_p50_us=$(value user $load all p50_us)" \
		"userspace_p99_us=$(value user $load all p99_us)"
done
dead_user=$(awk '$1 == "dead" { printf "%s%s:%s", sep, substr($3, 9), substr($4, 16); sep = "," }' "$out/guest.txt")
echo "kmod-failover[dead]: kmod_p50_us=$(value kmod dead all p50_us)" \
	"kmod_p99_us=$(value kmod dead all p99_us) userspace=never ($dead_user)"
kp50=$(value kmod idle all p50_us) kp99=$(value kmod idle all p99_us)
up50=$(value user idle all p50_us) up99=$(value user idle all p99_us)
klp99=$(value kmod starved all p99_us) ulp99=$(value user starved all p99_us)
for v in "$kp50" "$kp99" "$up50" "$up99" "$klp99" "$ulp99"; do
	[[ $v =~ ^[0-9]+$ ]] || fail "a summary is missing from the guest output"
done
echo "kmod-failover: kmod_p50_us=$kp50 kmod_p99_us=$kp99 userspace_p50_us=$up50" \
	"userspace_p99_us=$up99 kmod_loaded_p99_us=$klp99 userspace_loaded_p99_us=$ulp99"
