#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VM layer entry point (run by selftests/run_all.sh and `make vm-check`):
# build the initramfs, boot Debian's kernel under qemu TCG, run the guest
# suite (selftests/vm/guest/test_*.sh) and print its results as this
# script's own top-level KTAP lines. An oops, WARN, BUG, KASAN/UBSAN report,
# lockup or a guest timeout is a failure, with the console excerpt printed.
#   VM_TESTS=GLOB   run only guest tests whose name matches GLOB
#   VM_TIMEOUT=S    whole-guest timeout (default 420 s)
#   VM_KEEP=1       keep build/vm/run/ logs (they are always kept; this
#                   only suppresses the final cleanup of the initramfs)
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/vm/common.sh
BUILD=${BUILD:-build}
out=$BUILD/vm/run
initrd=$BUILD/vm/initramfs.cpio

echo "TAP version 13"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
skip_all() { echo "1..0 # SKIP $1"; exit 4; }

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (scripts/setup-deps)"
kver=$(vm_kver) || skip_all "no guest kernel with modules in /boot (linux-image-amd64)"
[[ -r /boot/vmlinuz-$kver ]] || skip_all "/boot/vmlinuz-$kver not readable"

mkdir -p "$out"
# One run at a time per build dir: a second one (another make check in the
# same tree) waits instead of clobbering the logs and the initramfs.
exec 9>"$BUILD/vm/.lock"
flock 9
rm -f "$out"/*.log
if ! scripts/vm/mkinitramfs.sh "$initrd" "$kver" >"$out/mkinitramfs.log" 2>&1; then
	sed 's/^/# /' "$out/mkinitramfs.log"
	notok "vm: build initramfs"
	exit 1
fi
sed 's/^/# /' "$out/mkinitramfs.log"
[[ -f $BUILD/kmod/fabric.ko ]] || echo "# fabric.ko not built: module tests will fail (make kmod)"

t0=$SECONDS
scripts/vm/run.sh -i "$initrd" -o "$out" -t "${VM_TIMEOUT:-420}" -f "${VM_TESTS:-all}" -k "$kver"
rc=$?
echo "# guest run took $((SECONDS - t0))s (kernel $kver, TCG)"

# Serial files carry CRLF.
tr -d '\r' <"$out/ktap.log" >"$out/ktap.txt"
tr -d '\r' <"$out/console.log" >"$out/console.txt"

case $rc in
0) ok "vm: guest booted, ran the suite and powered off" ;;
2) notok "vm: guest timed out (hang) after ${VM_TIMEOUT:-420}s" ;;
*) notok "vm: guest did not finish (run.sh exit $rc)" ;;
esac

# Fold each guest test's top-level KTAP lines into ours.
cur= had_fail=0 had_any=0
while IFS= read -r line; do
	case $line in
	"### BEGIN "*)
		cur=${line#\#\#\# BEGIN }
		had_fail=0 had_any=0
		;;
	"### END "*)
		trc=${line##* }
		if [[ $trc == 124 || $trc == 137 ]]; then
			notok "vm/$cur: timed out in the guest"
		elif [[ $trc != 0 && $trc != 4 && $had_fail == 0 ]]; then
			notok "vm/$cur: exited $trc without reporting a failure"
		elif [[ $trc == 4 && $had_any == 0 ]]; then
			n=$((n + 1)); echo "ok $n vm/$cur # SKIP whole test skipped"
		fi
		cur=
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
				notok "vm/$cur: $rest"
			else
				n=$((n + 1)); echo "ok $n vm/$cur: $rest"
			fi
		else
			echo "#   $line"
		fi
		;;
	esac
done <"$out/ktap.txt"
if [[ -n $cur ]]; then
	notok "vm/$cur: no end marker (guest died or hung in this test)"
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
	notok "vm: guest kernel log free of oops/WARN/BUG/lockup"
else
	ok "vm: guest kernel log free of oops/WARN/BUG/lockup"
fi
if ((rc != 0)); then
	echo "# last console lines:"
	tail -40 "$out/console.txt" | sed 's/^/#   /'
fi
echo "1..$n"
exit $failed
