#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VM layer entry point (run by selftests/run_all.sh and `make vm-check`):
# for every kernel of the matrix (scripts/vm/common.sh: Debian's 6.1 and
# the pinned 6.12), build that kernel's initramfs (with the fabric.ko built
# against it), boot it under qemu TCG, run the guest suite
# (selftests/vm/guest/test_*.sh) and print its results as this script's own
# top-level KTAP lines, prefixed by the kernel: "vm[6.12]/genl: ...". An
# oops, WARN, BUG, KASAN/UBSAN report, lockup or a guest timeout is a
# failure, with the console excerpt printed. A kernel of the matrix that is
# not installed is a failure (scripts/setup-deps installs both).
#   VM_KVERS="6.12"  only these kernels (series or full versions)
#   VM_TESTS=GLOB    run only guest tests whose name matches GLOB
#   VM_TIMEOUT=S     whole-guest timeout per kernel (default 900 s)
#   VM_DKMS=0        skip the host's dkms build (vm/dkms then skips); it is
#                    also skipped when VM_TESTS does not match "dkms"
# Logs: $BUILD/vm/<kver>/run/.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/vm/common.sh
export BUILD=${BUILD:-build}
TIMEOUT=${VM_TIMEOUT:-900}

echo "TAP version 13"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
skip_all() { echo "1..0 # SKIP $1"; exit 4; }

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (scripts/setup-deps)"
mapfile -t kvers < <(vm_kvers)
((${#kvers[@]})) || skip_all "VM_KVERS names no kernel"

mkdir -p "$BUILD/vm"
# One run at a time per build dir: a second one (another make check in the
# same tree) waits instead of clobbering the logs and the initramfs.
exec 9>"$BUILD/vm/.lock"
flock 9

# dkms_build KVER DIR: dkms add/build/install the staged source
# ($BUILD/dkms/fabric-VER, `make dkms-src`) for KVER into a private dkms,
# source and install tree under DIR, so that the host is left alone; prints
# the installed module's path. The guest's test_dkms loads that module.
# btf-prep's two slow products (vmlinux, resolve_btfids) are seeded from
# `make kmod`'s, which were made by the same script for the same kernel.
dkms_build() {
	local kver=$1 dir=$2 src ver ko
	src=$(ls -d "$BUILD"/dkms/fabric-* 2>/dev/null | tail -1)
	[[ -n $src && -f $src/dkms.conf ]] || { echo "no staged dkms source in $BUILD/dkms (make dkms-src)" >&2; return 1; }
	command -v dkms >/dev/null || { echo "dkms not installed (scripts/setup-deps)" >&2; return 1; }
	ver=${src##*/fabric-}
	src=$(cd "$src" && pwd)
	rm -rf "$dir"
	mkdir -p "$dir"/tree "$dir"/src "$dir/inst/$kver"
	dir=$(cd "$dir" && pwd)
	local d=(--dkmstree "$dir/tree" --sourcetree "$dir/src" --installtree "$dir/inst")
	dkms add "${d[@]}" "$src" >&2 || return 1
	if [[ -s $BUILD/kmod-btf/$kver/vmlinux && -x $BUILD/kmod-btf/$kver/resolve_btfids ]]; then
		mkdir -p "$dir/tree/fabric/$ver/btf-$kver"
		cp -l "$BUILD/kmod-btf/$kver/vmlinux" "$BUILD/kmod-btf/$kver/resolve_btfids" \
			"$dir/tree/fabric/$ver/btf-$kver/" 2>/dev/null ||
			cp "$BUILD/kmod-btf/$kver/vmlinux" "$BUILD/kmod-btf/$kver/resolve_btfids" \
				"$dir/tree/fabric/$ver/btf-$kver/"
	fi
	dkms build "${d[@]}" "fabric/$ver" -k "$kver" >&2 || return 1
	dkms install "${d[@]}" "fabric/$ver" -k "$kver" >&2 || return 1
	ko=$(find "$dir/inst/$kver" -name 'fabric.ko*' | head -1)
	[[ -n $ko ]] || { echo "dkms install left no fabric.ko in $dir/inst/$kver" >&2; return 1; }
	echo "$ko"
}

# run_kernel KVER: one guest boot of the whole suite on KVER
run_kernel() {
	local kver=$1 lbl out initrd
	lbl="vm[$(vm_kver_series "$kver" || echo "$kver")]"
	out=$BUILD/vm/$kver/run
	initrd=$BUILD/vm/$kver/initramfs.cpio
	if ! vm_kver_ok "$kver"; then
		notok "$lbl: kernel $kver installed (/boot/vmlinuz and modules; run scripts/setup-deps)"
		return
	fi
	mkdir -p "$out"
	rm -f "$out"/*.log "$out"/*.txt
	local dkms_ko= glob=${VM_TESTS:-all}
	[[ $glob == all ]] && glob='*'
	# shellcheck disable=SC2053
	if [[ ${VM_DKMS:-1} == 1 && dkms == $glob ]]; then
		local t0=$SECONDS
		if dkms_ko=$(dkms_build "$kver" "$BUILD/vm/$kver/dkms" 2>"$out/dkms.log"); then
			echo "# $lbl: dkms add/build/install took $((SECONDS - t0))s"
			ok "$lbl: dkms add, build and install fabric.ko (private dkms tree)"
		else
			sed 's/^/# /' "$out/dkms.log" | tail -30
			notok "$lbl: dkms add, build and install fabric.ko (private dkms tree)"
			dkms_ko=
		fi
	fi
	if ! FABRIC_DKMS_KO=$dkms_ko scripts/vm/mkinitramfs.sh "$initrd" "$kver" >"$out/mkinitramfs.log" 2>&1; then
		sed 's/^/# /' "$out/mkinitramfs.log"
		notok "$lbl: build initramfs"
		return
	fi
	sed 's/^/# /' "$out/mkinitramfs.log"
	[[ -f $BUILD/kmod/$kver/fabric.ko ]] ||
		echo "# $BUILD/kmod/$kver/fabric.ko not built: module tests will fail (make kmod)"

	t0=$SECONDS
	scripts/vm/run.sh -i "$initrd" -o "$out" -t "$TIMEOUT" -f "${VM_TESTS:-all}" -k "$kver"
	rc=$?
	echo "# $lbl: guest run took $((SECONDS - t0))s (kernel $kver, TCG)"
	echo "$kver $((SECONDS - t0))" >>"$BUILD/vm/times.txt"

	# Serial files carry CRLF.
	tr -d '\r' <"$out/ktap.log" >"$out/ktap.txt"
	tr -d '\r' <"$out/console.log" >"$out/console.txt"

	case $rc in
	0) ok "$lbl: guest booted, ran the suite and powered off" ;;
	2) notok "$lbl: guest timed out (hang) after ${TIMEOUT}s" ;;
	*) notok "$lbl: guest did not finish (run.sh exit $rc)" ;;
	esac

	# Fold each guest test's top-level KTAP lines into ours.
	local line cur= had_fail=0 had_any=0 trc rest hit src bad t0g t1g
	while IFS= read -r line; do
		case $line in
		"### BEGIN "*)
			cur=${line#\#\#\# BEGIN }
			had_fail=0 had_any=0
			;;
		"### END "*)
			trc=${line##* }
			if [[ $trc == 124 || $trc == 137 ]]; then
				notok "$lbl/$cur: timed out in the guest"
			elif [[ $trc != 0 && $trc != 4 && $had_fail == 0 ]]; then
				notok "$lbl/$cur: exited $trc without reporting a failure"
			elif [[ $trc == 4 && $had_any == 0 ]]; then
				n=$((n + 1)); echo "ok $n $lbl/$cur # SKIP whole test skipped"
			fi
			cur=
			;;
		"### TIME "*)
			read -r _ _ trc t0g t1g <<<"$line"
			echo "# $lbl/$trc: $(awk -v a="$t0g" -v b="$t1g" 'BEGIN { printf "%.0f", b - a }') s in the guest"
			;;
		"### "*) ;;
		*)
			if [[ -z $cur ]]; then
				continue
			elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ (.*)$ ]]; then
				had_any=1
				rest=${BASH_REMATCH[2]}
				if [[ -n ${BASH_REMATCH[1]} ]]; then
					had_fail=1
					notok "$lbl/$cur: $rest"
				else
					n=$((n + 1)); echo "ok $n $lbl/$cur: $rest"
				fi
			else
				echo "#   $line"
			fi
			;;
		esac
	done <"$out/ktap.txt"
	if [[ -n $cur ]]; then
		notok "$lbl/$cur: no end marker (guest died or hung in this test)"
	fi

	# Kernel health: the console and the guest's full dmesg.
	sed -n '/^### DMESG-BEGIN/,/^### DMESG-END/p' "$out/ktap.txt" >"$out/dmesg.txt"
	bad='(Oops|BUG:|WARNING:|kernel BUG|general protection fault|KASAN|UBSAN|soft lockup|hard LOCKUP|blocked for more than|rcu_sched detected stall|rcu: INFO|Kernel panic|refcount_t:|list_add corruption|list_del corruption|kmemleak: [0-9]+ new suspected|unreferenced object|Call Trace:)'
	hit=$(grep -nE "$bad" "$out/console.txt" | head -1 | cut -d: -f1)
	src=$out/console.txt
	if [[ -z $hit ]]; then
		hit=$(grep -nE "$bad" "$out/dmesg.txt" | head -1 | cut -d: -f1)
		src=$out/dmesg.txt
	fi
	if [[ -n $hit ]]; then
		echo "# kernel report in $src (line $hit):"
		sed -n "$((hit > 10 ? hit - 10 : 1)),$((hit + 60))p" "$src" | sed 's/^/#   /'
		notok "$lbl: guest kernel log free of oops/WARN/BUG/lockup"
	else
		ok "$lbl: guest kernel log free of oops/WARN/BUG/lockup"
	fi
	if ((rc != 0)); then
		echo "# last console lines:"
		tail -40 "$out/console.txt" | sed 's/^/#   /'
	fi
}

: >"$BUILD/vm/times.txt"
for kver in "${kvers[@]}"; do
	run_kernel "$kver"
done
echo "1..$n"
exit $failed
