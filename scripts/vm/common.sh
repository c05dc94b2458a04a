# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the qemu VM harness; source this file.

# The guest kernel: Debian's linux-image-amd64, found at run time (security
# updates change the ABI number): the newest /boot/vmlinuz-* with modules.
vm_kver() {
	local v
	for v in /boot/vmlinuz-*; do
		v=${v#/boot/vmlinuz-}
		[[ -f /lib/modules/$v/modules.dep ]] && echo "$v"
	done | sort -V | tail -1 | grep .
}
