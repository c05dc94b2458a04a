#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our XDP/tc data path (build/*.bpf.o) on the guest's 6.1 kernel verifier.
. /tests/ktap.sh
. /tests/lib.sh
shopt -s nullglob
objs=(/fabric/bpf/*.bpf.o)
((${#objs[@]})) || { echo "1..0 # SKIP no BPF objects were built"; exit 4; }
ktap_plan ${#objs[@]}
for o in "${objs[@]}"; do
	d=/sys/fs/bpf/dp_$(basename "$o" .bpf.o)
	if $BPFTOOL prog loadall "$o" "$d" >/tmp/vlog.txt 2>&1; then
		ktap_ok "$(basename "$o") loads on $(uname -r)"
	else
		tail -30 /tmp/vlog.txt | sed 's/^/# /'
		ktap_fail "$(basename "$o") loads on $(uname -r)"
	fi
	rm -rf "$d"
done
ktap_finish
