#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kmod-failover, inside the qemu guest (scripts/vm/init runs it when
# booted with fabric_vm.run=/bench/kmod-failover-guest.sh). Builds two
# two-path groups, 100 (registered with fabric.ko) and 200 (left to the
# userspace executor), mounts cgroup2 for the executor's cgroup, then
# runs kmod-failover-bench once per phase: idle, eq, outranked, starved
# (the final line's "loaded") and dead. bench/kmod-failover.c describes
# the phases and makes their load (bench/kmod-failover-load.c).
#   $1: samples per executor, trigger (carrier, signal) and phase
IP=/usr/sbin/ip
GENL=/fabric/bin/fabric-genl-test
B=/fabric/bin/kmod-failover-bench
N=${1:-80}
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	local d
	for d in ma0 mb0 mc0 md0; do $IP link del $d 2>/dev/null; done
	$IP netns del peer 2>/dev/null
}
trap cleanup EXIT

set -e
$IP netns add peer
# Distinct ifindexes on the two ends: linkwatch then treats a veth carrier
# change as urgent and delivers it at once. Otherwise it delivers at most
# one batch of (non-urgent) link events per second, and every sample after
# the first would wait up to 1 s for it (Documentation/kmod.md).
$IP link add ma0 index 40 type veth peer name ma1 index 41 netns peer
$IP link add mb0 index 42 type veth peer name mb1 index 43 netns peer
$IP link add mc0 index 44 type veth peer name mc1 index 45 netns peer
$IP link add md0 index 46 type veth peer name md1 index 47 netns peer
i=1
for d in a b c d; do
	$IP addr add 10.31.$i.1/24 dev m${d}0
	$IP -n peer addr add 10.31.$i.2/24 dev m${d}1
	$IP link set m${d}0 up
	$IP -n peer link set m${d}1 up
	i=$((i + 1))
done
sleep 0.5
$IP nexthop add id 1 via 10.31.1.2 dev ma0
$IP nexthop add id 2 via 10.31.2.2 dev mb0
$IP nexthop add id 100 group 1/2 type resilient buckets 16
$IP nexthop add id 11 via 10.31.3.2 dev mc0
$IP nexthop add id 12 via 10.31.4.2 dev md0
$IP nexthop add id 200 group 11/12 type resilient buckets 16
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +cpu >/sys/fs/cgroup/cgroup.subtree_control
set +e
echo "# nproc $(nproc), kernel $(uname -r)"

/sbin/modprobe fabric || { echo "bench: modprobe fabric failed"; exit 1; }
# Hold-down 1 ms (no growth), one probe answer clears a soft failure, so
# that every sample's restore is quick; detection is what is measured.
$GENL params hold 1 max 1 recover 1
$GENL add 100 type res buckets 16 member 1 ma0 gw 10.31.1.2 member 2 mb0 gw 10.31.2.2
rc=0
for phase in idle eq outranked starved dead; do
	$B run "$N" $phase || { echo "bench: phase $phase failed"; rc=1; }
done
$GENL stats | sed 's/^/# /'
/sbin/rmmod fabric || { echo "bench: rmmod fabric failed"; rc=1; }
exit $rc
