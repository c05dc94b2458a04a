#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kmod-outage, inside the qemu guest (booted with
# fabric_vm.run=/bench/kmod-outage-guest.sh): the lab, then kmod-outage.
#
#   kbn-h1 --dn0-- leaf 1 (this namespace) --up1-- kbn-s1 --o/i1-- kbn-h2
#                                          --up2-- kbn-s2 --o/i2--
#
# Leaf 1 routes 10.1.2.0/24 (h2) through resilient group 100 = {1 via
# up1, 2 via up2}, registered with fabric.ko (the executor, with the
# route); kmod-outage sets up the data path, the module probers, the
# spines' DSCP marks and reflectors, and measures.
#   $1: injections per fault and judge (default 5); the rest: kmod-outage
#   options
IP=/usr/sbin/ip
GENL=/fabric/bin/fabric-genl-test
N=${1:-5}
shift
nsx() { /usr/bin/nsenter --net=/run/netns/"$1" "${@:2}"; }
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	$IP link del dn0 2>/dev/null
	$IP link del up1 2>/dev/null
	$IP link del up2 2>/dev/null
	for n in h1 s1 s2 h2; do $IP netns del kbn-$n 2>/dev/null; done
	rm -rf /sys/fs/bpf/kbo
}
trap cleanup EXIT
set -e
/sbin/modprobe fabric
for n in h1 s1 s2 h2; do
	$IP netns add kbn-$n
	$IP -n kbn-$n link set lo up
done
echo 1 >/proc/sys/net/ipv4/ip_forward
echo 1 >/proc/sys/net/ipv4/fib_multipath_hash_policy
$IP link add dn0 type veth peer name eth0 netns kbn-h1
$IP addr add 10.1.1.1/24 dev dn0
$IP link set dn0 up
$IP -n kbn-h1 addr add 10.1.1.2/24 dev eth0
$IP -n kbn-h1 link set eth0 up
$IP -n kbn-h1 route add default via 10.1.1.1
$IP -n kbn-h2 addr add 10.1.2.2/32 dev lo
for s in 1 2; do
	# distinct ifindexes on the two ends: linkwatch treats the carrier
	# change as urgent (Documentation/kmod.md, "Carrier at the driver")
	$IP link add up$s index $((38 + 2 * s)) type veth peer name dn index $((39 + 2 * s)) netns kbn-s$s
	$IP addr add 10.2.1$s.1/24 dev up$s
	$IP link set up$s up
	$IP -n kbn-s$s addr add 10.2.1$s.2/24 dev dn
	$IP -n kbn-s$s link set dn up
	$IP -n kbn-s$s link add o type veth peer name i$s netns kbn-h2
	$IP -n kbn-s$s addr add 10.3.$s.1/24 dev o
	$IP -n kbn-s$s link set o up
	$IP -n kbn-h2 addr add 10.3.$s.2/24 dev i$s
	$IP -n kbn-h2 link set i$s up
	$IP -n kbn-s$s route add 10.1.2.0/24 via 10.3.$s.2
	nsx kbn-s$s sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
done
nsx kbn-h2 sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >$f; done'
# one PATH_EVENT per verdict (K = 1, as fabricd sends K), 300 ms hold-down
$GENL params hold 300 max 300 k 1 recover 1 >/dev/null
$GENL add 100 type res buckets 16 member 1 up1 gw 10.2.11.2 member 2 up2 gw 10.2.12.2 \
	route 10.1.2.0/24 >/dev/null
for ((i = 0; i < 100; i++)); do
	$IP route show 10.1.2.0/24 | grep -q 'nhid 100' && break
	sleep 0.1
done
set +e
echo "# $($IP route show 10.1.2.0/24); $($IP nexthop show id 100)"
/fabric/bin/kmod-outage -n "$N" "$@"
rc=$?
echo "# fabric.ko: $($GENL stats | tr '\n' ' ')"
echo "# carrier_hook: $(cat /sys/module/fabric/parameters/carrier_hook)"
exit $rc
