#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/genl-fuzz (host side): for every kernel of the VM matrix
# (scripts/vm/common.sh), boot the qemu guest into bench/genl-fuzz-guest.sh,
# which sends GENL_FUZZ_N random and mutated messages to the "fabric"
# family as root and GENL_FUZZ_UNPRIV_N as an unprivileged user
# (user/tools/fabric-genl-fuzz.c), and print one line per kernel:
#   genl-fuzz: kernel=K messages=N oops=N warns=N slab_growth_kb=N eperm_ok=0|1
# oops and warns count reports in the guest's dmesg and console.
# slab_growth_kb is total slab memory after the run (fuzz namespace
# deleted) minus before; the bound GENL_FUZZ_SLAB_KB (default 512) is
# explained in Documentation/netlink-api.md (Fuzzing). Exit 1 when a kernel
# has an oops or WARN, slab growth above the bound, an unprivileged
# mutating call that was not refused with EPERM, a lost reply, or a module
# that no longer works or unloads afterwards.
#   GENL_FUZZ_N=100000 GENL_FUZZ_UNPRIV_N=20000 GENL_FUZZ_SEED=1
#   VM_KVERS="6.1 6.12" VM_TIMEOUT=1800
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/vm/common.sh
BUILD=${BUILD:-build}
N=${GENL_FUZZ_N:-100000}
NU=${GENL_FUZZ_UNPRIV_N:-20000}
SEED=${GENL_FUZZ_SEED:-1}
BOUND=${GENL_FUZZ_SLAB_KB:-512}

fail() { echo "genl-fuzz: $*" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed"
[[ -x $BUILD/vm-tools/fabric-genl-fuzz ]] ||
	fail "$BUILD/vm-tools/fabric-genl-fuzz missing (make $BUILD/bench/genl-fuzz)"

bad=0
while read -r kver; do
	out=$BUILD/bench/genl-fuzz.run/$kver
	initrd=$BUILD/vm/$kver/bench-genl-fuzz.cpio
	vm_kver_ok "$kver" || { echo "genl-fuzz: kernel=$kver not installed"; bad=1; continue; }
	[[ -f $BUILD/kmod/$kver/fabric.ko ]] ||
		{ echo "genl-fuzz: kernel=$kver: $BUILD/kmod/$kver/fabric.ko not built"; bad=1; continue; }
	mkdir -p "$out" "$(dirname "$initrd")"
	if ! scripts/vm/mkinitramfs.sh "$initrd" "$kver" >"$out/mkinitramfs.log" 2>&1; then
		cat "$out/mkinitramfs.log" >&2
		echo "genl-fuzz: kernel=$kver: initramfs failed"
		bad=1
		continue
	fi
	t0=$SECONDS
	scripts/vm/run.sh -i "$initrd" -o "$out" -t "${VM_TIMEOUT:-1800}" -k "$kver" \
		-r /bench/genl-fuzz-guest.sh -a "$N,$NU,$SEED"
	rc=$?
	tr -d '\r' <"$out/ktap.log" >"$out/guest.txt"
	tr -d '\r' <"$out/console.log" >"$out/console.txt"
	grep '^#' "$out/guest.txt" | grep -v '^###' | sed "s/^# /# [$kver] /"
	echo "# [$kver] guest ran $((SECONDS - t0)) s (TCG, 2 vCPUs); log $out/guest.txt"
	res=$(grep '^genl-fuzz-guest:' "$out/guest.txt" | tail -1)
	if ((rc != 0)) || [[ -z $res ]]; then
		tail -30 "$out/console.txt" | sed 's/^/#   /'
		echo "genl-fuzz: kernel=$kver run failed (run.sh exit $rc, no result line)"
		bad=1
		continue
	fi
	v() { tr ' ' '\n' <<<"$res" | sed -n "s/^$1=//p"; }
	# Reports the guest's own count could miss (a panic, the console).
	con_oops=$(grep -cE 'Oops|BUG:|general protection fault|Kernel panic' "$out/console.txt")
	con_warns=$(grep -cE 'WARNING:' "$out/console.txt")
	oops=$(($(v oops) > con_oops ? $(v oops) : con_oops))
	warns=$(($(v warns) > con_warns ? $(v warns) : con_warns))
	echo "genl-fuzz: kernel=$kver messages=$(v messages) oops=$oops warns=$warns" \
		"slab_growth_kb=$(v slab_growth_kb) eperm_ok=$(v eperm_ok)"
	if ((oops || warns || $(v slab_growth_kb) > BOUND)) || [[ $(v eperm_ok) != 1 ||
		$(v timeouts) != 0 || $(v sane) != 1 || $(v rmmod) != 1 ]]; then
		echo "# [$kver] FAILED: $res (slab bound $BOUND KiB)"
		bad=1
	fi
done < <(vm_kvers)
exit $bad
