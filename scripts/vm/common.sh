# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the qemu VM harness; source this file.
#
# The kernel matrix (Documentation/vm-harness.md, "Kernels"):
#   6.1   Debian 12's linux-image-amd64, found at run time (security updates
#         change the ABI number): the newest /boot/vmlinuz-6.1.* with modules;
#   6.12  the version pinned in scripts/setup-deps (K612), Debian 12's
#         updates / Debian 13 series.
# VM_KVERS="6.12" (series or full versions, space separated) narrows the
# matrix for development; `make check` runs all of it.

_vm_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# _vm_has KVER: a kernel the guest can boot, with its modules
_vm_has() { [[ -r /boot/vmlinuz-$1 && -f /lib/modules/$1/modules.dep ]]; }

# vm_kver_61: the 6.1 kernel of linux-image-amd64
vm_kver_61() {
	local v
	for v in /boot/vmlinuz-6.1.*; do
		v=${v#/boot/vmlinuz-}
		_vm_has "$v" && echo "$v"
	done | sort -V | tail -1 | grep .
}

# vm_kver_612_pinned: the pinned 6.12 version string, installed or not
vm_kver_612_pinned() {
	local k
	k=$(sed -n 's/^K612=\(.*\)$/\1/p' "$_vm_root/scripts/setup-deps" | head -1)
	[[ -n $k ]] && echo "$k-amd64"
}

# vm_kver_series KVER: "6.1" for 6.1.0-57-amd64, "6.12" for 6.12.118+deb12-amd64
vm_kver_series() { [[ $1 =~ ^([0-9]+\.[0-9]+) ]] && echo "${BASH_REMATCH[1]}"; }

# vm_resolve SPEC: a full version for a series ("6.1", "6.12") or a version
vm_resolve() {
	case $1 in
	6.1) vm_kver_61 ;;
	6.12) vm_kver_612_pinned ;;
	*) echo "$1" ;;
	esac
}

# vm_kvers: the kernels to test, one per line (VM_KVERS, else the matrix).
# Missing kernels are printed too: callers report them, never skip them.
vm_kvers() {
	local s v
	for s in ${VM_KVERS:-6.1 6.12}; do
		v=$(vm_resolve "$s") || v=$s
		echo "$v"
	done
}

# vm_kver_ok KVER: installed and bootable
vm_kver_ok() { _vm_has "$1"; }

# vm_kvers_built: the matrix kernels that are installed with headers (what
# `make kmod` builds for)
vm_kvers_built() {
	local v
	for v in $(vm_kvers); do
		_vm_has "$v" && [[ -d /lib/modules/$v/build ]] && echo "$v"
	done
	return 0
}

# vm_kver: one kernel for single-kernel tools (benchmarks, vm-shell, the
# default KMOD_KVER): VM_KVER if set, else the first of the matrix (6.1).
vm_kver() {
	local v
	if [[ -n ${VM_KVER:-} ]]; then
		v=$(vm_resolve "$VM_KVER")
	else
		v=$(vm_kvers | head -1)
	fi
	_vm_has "$v" && echo "$v"
}
