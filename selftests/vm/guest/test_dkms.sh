#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The fabric.ko that dkms built and installed on the host for this kernel
# (selftests/vm/test_vm.sh, dkms_build; /fabric/dkms/fabric.ko here) loads,
# has module BTF and its kfunc, answers on genetlink and unloads.
. /tests/ktap.sh
. /tests/lib.sh
KO=/fabric/dkms/fabric.ko
[[ -f $KO ]] || { echo "1..0 # SKIP no dkms-built module in the initramfs (VM_DKMS=0, or the host's dkms step failed and was reported)"; exit 4; }
ktap_plan 6
trap '/sbin/rmmod fabric 2>/dev/null' EXIT
/sbin/rmmod fabric 2>/dev/null
# insmod needs the module's dependencies loaded: it has none, but check
for m in $(/sbin/modinfo -F depends $KO 2>/dev/null | tr , ' '); do /sbin/modprobe "$m"; done
ktap_check "insmod the dkms-built fabric.ko" /sbin/insmod $KO
ktap_check "it is the module that runs (/sys/module/fabric)" test -d /sys/module/fabric
ktap_check "module BTF present (/sys/kernel/btf/fabric)" test -f /sys/kernel/btf/fabric
ktap_check "kfunc available" bash -c '[[ $(cat /sys/module/fabric/parameters/kfunc) == available ]]'
ktap_check "genetlink family answers" bash -c "$GENL stats | grep -qx 'version 2'"
ktap_check "rmmod" /sbin/rmmod fabric
ktap_finish
