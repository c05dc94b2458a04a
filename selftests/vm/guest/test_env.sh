#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest environment itself: kernel, modules, tools the other tests use.
. /tests/ktap.sh
. /tests/lib.sh
ktap_plan 6

[[ $(uname -r) == "$KVER" ]] && ktap_ok "kernel is $KVER" ||
	ktap_fail "kernel is $KVER" "running $(uname -r)"

mods_ok() {
	local m
	for m in veth sch_netem sch_red cls_matchall act_gact crc32_generic rdma_rxe; do
		/sbin/modprobe "$m" || { echo "# modprobe $m failed"; return 1; }
	done
}
ktap_check "modprobe veth netem red matchall gact crc32_generic rdma_rxe" mods_ok

veth_ok() {
	$IP netns add envt || return 1
	$IP link add ea type veth peer name eb netns envt &&
		$IP addr add 10.99.0.1/24 dev ea && $IP link set ea up &&
		$IP -n envt addr add 10.99.0.2/24 dev eb && $IP -n envt link set eb up &&
		wait_for 3000 ping -c1 -W1 10.99.0.2 >/dev/null
	local rc=$?
	$IP link del ea 2>/dev/null
	$IP netns del envt
	return $rc
}
ktap_check "netns + veth ping" veth_ok

ktap_check "iproute2 nexthop objects" bash -c "
	$IP link add nh0 type veth peer name nh1 && $IP link set nh0 up && $IP link set nh1 up &&
	$IP addr add 10.98.0.1/24 dev nh0 &&
	$IP nexthop add id 1 via 10.98.0.2 dev nh0 &&
	$IP nexthop add id 10 group 1 type resilient buckets 8 &&
	$IP nexthop show id 10 | grep -q 'group 1'; rc=\$?; $IP link del nh0; exit \$rc"

ktap_check "bpftool runs" bash -c "$BPFTOOL prog show >/dev/null && $BPFTOOL version >/dev/null"

rxe_ok() {
	$IP link add rx0 type veth peer name rx1 && $IP link set rx0 up && $IP link set rx1 up &&
		/usr/bin/rdma link add rxe_t type rxe netdev rx0 &&
		/usr/bin/rdma link show | grep -q rxe_t
	local rc=$?
	/usr/bin/rdma link del rxe_t 2>/dev/null
	$IP link del rx0 2>/dev/null
	return $rc
}
ktap_check "soft-RoCE rxe device on a veth" rxe_ok
ktap_finish
