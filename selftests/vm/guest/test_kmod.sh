#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fabric.ko basics: modprobe, module BTF/kfunc availability, genetlink
# family, clean unload.
. /tests/ktap.sh
. /tests/lib.sh
ktap_plan 6
if ! have_fabric_ko; then
	for t in modprobe btf family kfunc rmmod reload; do ktap_fail "$t" "fabric.ko is not in the initramfs (make kmod failed?)"; done
	ktap_finish
fi
ktap_check "modprobe fabric" /sbin/modprobe fabric
ktap_check "module BTF present (/sys/kernel/btf/fabric)" test -f /sys/kernel/btf/fabric
out=$($GENL stats 2>&1)
echo "$out" | sed 's/^/# /'
ktap_check "genetlink family fabric v2 answers" grep -qx 'version 2' <<<"$out"
ktap_check "kfunc reported available" grep -qx 'kfunc 1' <<<"$out"
ktap_check "rmmod fabric" /sbin/rmmod fabric
ktap_check "modprobe again after unload" bash -c '/sbin/modprobe fabric && [[ -d /sys/module/fabric ]] && /sbin/rmmod fabric'
ktap_finish
