#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's kernel in qemu (TCG, no network) with a fabric initramfs.
#   scripts/vm/run.sh -i INITRD -o OUTDIR [-t TIMEOUT_S] [-f TEST_GLOB] [-k KVER]
#                     [-r GUEST_SCRIPT [-a ARG,ARG]]
# -r runs GUEST_SCRIPT (a path inside the initramfs) instead of the suite.
# Writes OUTDIR/console.log (ttyS0, kernel console) and OUTDIR/ktap.log
# (ttyS1, the guest suite). Exit: 0 guest finished, 2 timeout (qemu killed),
# 3 qemu failed to start or died before the guest finished.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/vm/common.sh

initrd= outdir= timeout_s=${VM_TIMEOUT:-420} filter= kver= guest_run= guest_args=
while getopts i:o:t:f:k:r:a: opt; do
	case $opt in
	i) initrd=$OPTARG ;;
	o) outdir=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	f) filter=$OPTARG ;;
	k) kver=$OPTARG ;;
	r) guest_run=$OPTARG ;;
	a) guest_args=$OPTARG ;;
	*) exit 3 ;;
	esac
done
[[ -n $initrd && -n $outdir ]] || { echo "usage: $0 -i INITRD -o OUTDIR [-t S] [-f GLOB]" >&2; exit 3; }
kver=${kver:-$(vm_kver)} || { echo "run: no guest kernel in /boot" >&2; exit 3; }
kernel=/boot/vmlinuz-$kver
mkdir -p "$outdir"
console=$outdir/console.log
ktap=$outdir/ktap.log
: >"$console"
: >"$ktap"

accel=tcg
# KVM when it really works (it does not on our CI machines).
if [[ -w /dev/kvm && ${VM_KVM:-0} == 1 ]]; then
	accel=kvm
fi
append="console=ttyS0,115200 loglevel=6 panic=-1 mitigations=off no_timer_check"
append+=" rdinit=/init fabric_vm.tests=${filter:-all}"
[[ -n $guest_run ]] && append+=" fabric_vm.run=$guest_run"
[[ -n $guest_args ]] && append+=" fabric_vm.args=$guest_args"
[[ -n ${VM_SHELL:-} ]] && append+=" fabric_vm.shell=1"

qemu_pid=
cleanup() {
	if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
	qemu_pid=
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

qemu-system-x86_64 -accel "$accel" -m "${VM_MEM:-1024}" -smp "${VM_SMP:-2}" \
	-nodefaults -nic none -display none -no-reboot -monitor none \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-serial "file:$console" -serial "file:$ktap" \
	</dev/null >"$outdir/qemu.log" 2>&1 &
qemu_pid=$!

start=$SECONDS
while kill -0 "$qemu_pid" 2>/dev/null; do
	if ((SECONDS - start >= timeout_s)); then
		echo "run: guest timed out after ${timeout_s}s, killing qemu (pid $qemu_pid)" >&2
		cleanup
		exit 2
	fi
	sleep 0.5
done
wait "$qemu_pid"
rc=$?
qemu_pid=
echo "run: guest ran $((SECONDS - start))s, qemu exit $rc" >"$outdir/run.log"
if ! grep -q '^### VM-DONE' "$ktap"; then
	echo "run: guest stopped before finishing (qemu exit $rc)" >&2
	cat "$outdir/qemu.log" >&2
	exit 3
fi
exit 0
