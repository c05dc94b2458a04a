#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kmod-failover-prober, inside the qemu guest (booted with
# fabric_vm.run=/bench/kmod-failover-prober-guest.sh). Two probe paths
# (veths to netns kpeer, reflector there, fabric.bpf.o's verdict here).
#   1. For 20 us, 100 us and 1 ms: two module probers for D seconds; the
#      guest's non-idle CPU time (/proc/stat) against a run without
#      probers, and the probes sent and answered per second per path.
#   2. Carrier: S losses of kpa0's carrier (the peer end goes down); the
#      kprobe's driver time against linkwatch's notifier time
#      (parameters/carrier_hook delta_ns), and that the kprobe declared
#      the member down in the reroute map each time.
#   $1: seconds per rate (D, default 5)   $2: carrier samples (S, default 12)
IP=/usr/sbin/ip
BPFTOOL=/usr/sbin/bpftool
KP=/fabric/bin/fabric-kprober
DP=/fabric/bin/kprober-dp
PIN=/sys/fs/bpf/kprober
REF=/sys/fs/bpf/kpref
PEER=(/usr/bin/nsenter --net=/run/netns/kpeer)
hook=/sys/module/fabric/parameters/carrier_hook
D=${1:-5}
S=${2:-12}
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	$IP link del kpa0 2>/dev/null
	$IP link del kpb0 2>/dev/null
	$IP netns del kpeer 2>/dev/null
	rm -rf $PIN $REF
}
trap cleanup EXIT
set -e
/sbin/modprobe fabric
$IP netns add kpeer
# distinct ifindexes on the two ends: linkwatch treats the carrier change
# as urgent (Documentation/kmod.md, Benchmark)
$IP link add kpa0 index 40 type veth peer name kpa1 index 41 netns kpeer
$IP link add kpb0 index 42 type veth peer name kpb1 index 43 netns kpeer
$IP addr add 10.31.1.1/24 dev kpa0
$IP addr add 10.31.2.1/24 dev kpb0
$IP -n kpeer addr add 10.31.1.2/24 dev kpa1
$IP -n kpeer addr add 10.31.2.2/24 dev kpb1
for d in kpa kpb; do
	$IP link set ${d}0 up
	$IP -n kpeer link set ${d}1 up
done
$BPFTOOL prog loadall /fabric/bpf/probe.bpf.o $REF
for d in kpa1 kpb1; do
	"${PEER[@]}" $BPFTOOL net attach xdp pinned $REF/fabric_probe_reflect dev $d
done
$DP setup $PIN kpa0 kpb0 >/dev/null
$KP rr-map $PIN/fabric_reroute >/dev/null
set +e

busy_total() { # non-idle and total jiffies of all CPUs
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
field() { # LINE-PREFIX KEY: sum of KEY= over matching lines of stdin
	awk -v p="$1" -v k="$2=" 'index($0, p) == 1 {
		for (i = 1; i <= NF; i++) if (index($i, k) == 1) s += substr($i, length(k) + 1) }
		END { print s + 0 }'
}
ncpu=$(grep -c '^processor' /proc/cpuinfo)
# window SECONDS: prints "busy total sent answered" deltas (no process
# substitution: the initramfs has no /dev/fd)
window() {
	local c0 c1 s0 s1 a0 a1
	c0=($(busy_total))
	s0=$($KP list | field prober sent)
	a0=$($DP show $PIN | field path answered)
	sleep "$1"
	c1=($(busy_total))
	s1=$($KP list | field prober sent)
	a1=$($DP show $PIN | field path answered)
	echo "$((c1[0] - c0[0])) $((c1[1] - c0[1])) $((s1 - s0)) $((a1 - a0))"
}
w=($(window "$D"))
bb=${w[0]} bt=${w[1]}
echo "baseline busy=$bb total=$bt ncpu=$ncpu"
for iv in 20000 100000 1000000; do
	$KP add 0 dev kpa0 src 10.31.1.1 dst 10.31.1.2 interval-ns $iv group 0 member 0 >/dev/null
	$KP add 1 dev kpb0 src 10.31.2.1 dst 10.31.2.2 interval-ns $iv group 0 member 1 >/dev/null
	sleep 1
	w=($(window "$D"))
	b=${w[0]} t=${w[1]} s=${w[2]} a=${w[3]}
	# % of one vCPU per path, above the baseline's share
	awk -v iv=$iv -v b=$b -v t=$t -v bb=$bb -v bt=$bt -v n=$ncpu -v s=$s -v a=$a -v d=$D '
		BEGIN { c = (b / t - bb / bt) * n * 100 / 2; if (c < 0) c = 0
			printf "rate interval_ns=%d cpu_pct_per_path=%.1f probes_per_s_per_path=%d answered_per_s_per_path=%d\n",
				iv, c, s / d / 2, a / d / 2 }'
	$KP list | sed 's/^/# /'
	$KP del 0 >/dev/null
	$KP del 1 >/dev/null
done

for ((i = 0; i < S; i++)); do
	d0=$(tr ' ' '\n' <$hook | sed -n 's/^rr_declared=//p')
	$IP -n kpeer link set kpa1 down
	for ((w = 0; w < 500; w++)); do
		l=$(tr ' ' '\n' <$hook | sed -n 's/^linkwatch_ns=//p')
		((l > 0)) && break
		sleep 0.01
	done
	delta=$(tr ' ' '\n' <$hook | sed -n 's/^delta_ns=//p')
	d1=$(tr ' ' '\n' <$hook | sed -n 's/^rr_declared=//p')
	echo "carrier sample=$i delta_ns=$delta rr_declared=$((d1 - d0))"
	$IP -n kpeer link set kpa1 up
	sleep 0.3
	# the next loss needs the member up again in the map
	$DP clear $PIN
done
