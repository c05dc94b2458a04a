# SPDX-License-Identifier: GPL-2.0
# INT on real RDMA in the guest (sourced by test_int_rxe.sh and
# bench/int-rxe-guest.sh; not a test itself). Source after /tests/lib.sh.
#
# Two rxe endpoints in the default netns (rxe works only there, see
# shared DESIGN §7), on veths ig0 and ig1 of one IPv4 and one IPv6 subnet,
# joined by a chain of four switch namespaces, each a Linux bridge:
#
#   ig0 | a0 [igA] a1 | t1a [igT1] t1b | t2a [igT2] t2b | b1 [igB] b0 | ig1
#
# Policy routing sends ig0 <-> ig1 traffic out of ig0 (ig1) instead of over
# loopback. Bridges change no byte of a frame (no TTL, no MAC rewrite), so
# a frame that enters A from ig0 must leave B toward ig1 byte for byte
# unchanged when INT works.
#
# fabric.bpf.o is loaded once per node with bpftool (loadall, maps pinned
# under /sys/fs/bpf/ig<node>) and attached with ip link (XDP) and tc
# (clsact egress), as an operator would:
#   A  (node 1): source at tc egress of a1, sink at XDP of a1
#   T1 (node 11), T2 (node 12): transit, XDP and tc egress on both ports
#   B  (node 2): source at tc egress of b1, sink at XDP of b1
# so each direction is instrumented at its first switch, gains the hops
# T1 and T2 (in that order from ig0 to ig1, the reverse from ig1) and is
# restored at its last switch.
IGL_OBJ=/fabric/bpf/fabric.bpf.o
IGL_LOAD=/fabric/bin/int-rxe-load
IGL_NODES=(A T1 T2 B)
declare -A IGL_ID=([A]=1 [T1]=11 [T2]=12 [B]=2)
declare -A IGL_ROLES=([A]=5 [T1]=2 [T2]=2 [B]=5)	# source|sink 5, transit 2
declare -A IGL_XDP=([A]="a1" [T1]="t1a t1b" [T2]="t2a t2b" [B]="b1")
declare -A IGL_TC=([A]="a1" [T1]="t1a t1b" [T2]="t2a t2b" [B]="b1")
IP0=10.71.0.1 IP1=10.71.0.2
IP60=fd71::1 IP61=fd71::2
# their RoCE v2 GIDs as sysfs prints them
GID60=fd71:0000:0000:0000:0000:0000:0000:0001
GID61=fd71:0000:0000:0000:0000:0000:0000:0002
IGL_RDMA=/usr/bin/rdma
IGL_PERF_PIDS=()

igl_ns() { echo "/run/netns/ig$1"; }
# igl_in NODE CMD...: CMD in NODE's netns (nsenter keeps /sys/fs/bpf)
igl_in() {
	local n=$1
	shift
	/usr/bin/nsenter --net=/run/netns/ig$n "$@"
}
igl_pin() { echo "/sys/fs/bpf/ig$1"; }

igl_cleanup() {
	local p n
	for p in "${IGL_PERF_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	IGL_PERF_PIDS=()
	$IGL_RDMA link del igrxe0 2>/dev/null
	$IGL_RDMA link del igrxe1 2>/dev/null
	$IP link del ig0 2>/dev/null
	$IP link del ig1 2>/dev/null
	for n in "${IGL_NODES[@]}"; do
		$IP netns del ig$n 2>/dev/null
		rm -rf "$(igl_pin $n)"
	done
	$IP rule del pref 110 2>/dev/null
	$IP rule del pref 111 2>/dev/null
	$IP -6 rule del pref 110 2>/dev/null
	$IP -6 rule del pref 111 2>/dev/null
	$IP route flush table 111 2>/dev/null
	$IP route flush table 112 2>/dev/null
	$IP -6 route flush table 111 2>/dev/null
	$IP -6 route flush table 112 2>/dev/null
	if ! $IP rule show pref 0 | grep -q local; then
		$IP rule add pref 0 lookup local && $IP rule del pref 1000
	fi
	if ! $IP -6 rule show pref 0 | grep -q local; then
		$IP -6 rule add pref 0 lookup local && $IP -6 rule del pref 1000
	fi
}

igl_mac() { $IP -br link show dev "$1" | awk '{ print $3 }'; }

# GID index of DEV's RoCE v2 GID whose text is GID
igl_gid_index() {
	local dev=$1 want=$2 g t i
	for ((i = 0; i < 32; i++)); do
		read -r g </sys/class/infiniband/$dev/ports/1/gids/$i 2>/dev/null || continue
		read -r t </sys/class/infiniband/$dev/ports/1/gid_attrs/types/$i 2>/dev/null || continue
		[[ $g == "$want" && $t == "RoCE v2" ]] && { echo $i; return 0; }
	done
	return 1
}
igl_gid4() { printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${1//./ }; }

# igl_bridge NODE PORT PORT: NODE's netns with a bridge of two ports
igl_bridge() {
	local n=$1 p
	igl_in $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		igl_in $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
		$IP -n ig$n link add br0 type bridge stp_state 0 mcast_snooping 0 &&
		$IP -n ig$n link set lo up || return 1
	for p in $2 $3; do
		$IP -n ig$n link set $p master br0 && $IP -n ig$n link set $p up || return 1
	done
	$IP -n ig$n link set br0 up
}

igl_topo() {
	local n k
	for n in "${IGL_NODES[@]}"; do
		$IP netns add ig$n || return 1
	done
	$IP link add ig0 type veth peer name a0 netns igA &&
		$IP -n igA link add a1 type veth peer name t1a netns igT1 &&
		$IP -n igT1 link add t1b type veth peer name t2a netns igT2 &&
		$IP -n igT2 link add t2b type veth peer name b1 netns igB &&
		$IP link add ig1 type veth peer name b0 netns igB || return 1
	igl_bridge A a0 a1 && igl_bridge T1 t1a t1b && igl_bridge T2 t2a t2b &&
		igl_bridge B b1 b0 || return 1
	sysctl -qw net.ipv6.conf.ig0.accept_ra=0 && sysctl -qw net.ipv6.conf.ig1.accept_ra=0 &&
		sysctl -qw net.ipv6.conf.ig0.accept_dad=0 && sysctl -qw net.ipv6.conf.ig1.accept_dad=0 &&
		$IP addr add $IP0/24 dev ig0 && $IP addr add $IP1/24 dev ig1 &&
		$IP addr add $IP60/64 dev ig0 nodad && $IP addr add $IP61/64 dev ig1 nodad &&
		$IP link set ig0 up && $IP link set ig1 up || return 1
	# ig1 receives packets from ig0's address, a local one
	for k in all default ig0 ig1; do
		sysctl -qw net.ipv4.conf.$k.rp_filter=0 &&
			sysctl -qw net.ipv4.conf.$k.accept_local=1 || return 1
	done
	# Locally generated ig0 <-> ig1 traffic goes out through the switches,
	# not over loopback: the local table moves behind source-routed rules.
	$IP rule add pref 1000 lookup local && $IP rule del pref 0 &&
		$IP rule add pref 110 iif lo from $IP0 to $IP1 lookup 111 &&
		$IP rule add pref 111 iif lo from $IP1 to $IP0 lookup 112 &&
		$IP route add $IP1 dev ig0 src $IP0 table 111 &&
		$IP route add $IP0 dev ig1 src $IP1 table 112 || return 1
	$IP -6 rule add pref 1000 lookup local && $IP -6 rule del pref 0 &&
		$IP -6 rule add pref 110 iif lo from $IP60 to $IP61 lookup 111 &&
		$IP -6 rule add pref 111 iif lo from $IP61 to $IP60 lookup 112 &&
		$IP -6 route add $IP61 dev ig0 src $IP60 table 111 &&
		$IP -6 route add $IP60 dev ig1 src $IP61 table 112 || return 1
	# no ARP or ND during the runs
	$IP neigh replace $IP1 lladdr "$(igl_mac ig1)" dev ig0 nud permanent &&
		$IP neigh replace $IP0 lladdr "$(igl_mac ig0)" dev ig1 nud permanent &&
		$IP -6 neigh replace $IP61 lladdr "$(igl_mac ig1)" dev ig0 nud permanent &&
		$IP -6 neigh replace $IP60 lladdr "$(igl_mac ig0)" dev ig1 nud permanent || return 1
	$IP route get $IP1 from $IP0 | grep -q "dev ig0" || {
		echo "# route: $($IP route get $IP1 from $IP0)"; return 1; }
	$IP -6 route get $IP61 from $IP60 | grep -q "dev ig0" || {
		echo "# route: $($IP -6 route get $IP61 from $IP60)"; return 1; }
	igl_ping -I $IP0 $IP1 || { echo "# no IPv4 ping through the switches"; return 1; }
	igl_ping -6 -I $IP60 $IP61 || { echo "# no IPv6 ping through the switches"; return 1; }
	$IGL_RDMA link add igrxe0 type rxe netdev ig0 &&
		$IGL_RDMA link add igrxe1 type rxe netdev ig1 || return 1
	wait_for 10000 igl_gids || { echo "# no RoCE v2 GIDs on igrxe0/igrxe1"; return 1; }
	igl_gids
	echo "# igrxe0 on ig0 ($IP0 gid $G40, $IP60 gid $G60), igrxe1 on ig1 ($IP1 gid $G41, $IP61 gid $G61)"
}
igl_ping() { # ARGS: up to 5 pings of one second until one is answered
	local i
	for ((i = 0; i < 5; i++)); do
		ping -c 1 -W 1 "$@" >/dev/null 2>&1 && return 0
	done
	return 1
}
igl_gids() {
	G40=$(igl_gid_index igrxe0 "$(igl_gid4 $IP0)") &&
		G41=$(igl_gid_index igrxe1 "$(igl_gid4 $IP1)") &&
		G60=$(igl_gid_index igrxe0 $GID60) && G61=$(igl_gid_index igrxe1 $GID61)
}

# little-endian bytes of a 32-bit and a 16-bit value, for bpftool
igl_le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
igl_le16() { printf '%d %d' $(($1 & 255)) $(($1 >> 8 & 255)); }

# igl_int_cfg NODE ROLES: struct fabric_int_config of NODE (INT port 4792,
# probe port 4793, the device MTU, domain 0)
igl_int_cfg() {
	$BPFTOOL map update pinned "$(igl_pin $1)/maps/_data_int" key 0 0 0 0 value \
		$(igl_le32 $2) $(igl_le32 ${IGL_ID[$1]}) $(igl_le16 4792) $(igl_le16 4793) \
		0 0 0 0 0 0 0 0 0 0 0 0
}

# igl_class NODE N: DSCP 0 (rxe's, without --tclass) in embed mode, 8 hops,
# the default bitmap, 1 in N; N=0 sets mode off
igl_class() {
	local mode=2
	(($2 == 0)) && mode=0
	$BPFTOOL map update pinned "$(igl_pin $1)/maps/fab_int_class" key 0 0 0 0 value \
		$mode 8 0 0 $(igl_le32 $2)
}

# igl_load: every node's fabric.bpf.o, INT roles set, embed 1 in 1
igl_load() {
	local n d pin
	for n in "${IGL_NODES[@]}"; do
		pin=$(igl_pin $n)
		rm -rf "$pin"
		mkdir -p "$pin"
		if ! $BPFTOOL prog loadall $IGL_OBJ "$pin" pinmaps "$pin/maps" >/tmp/igl-$n.err 2>&1; then
			# a program INT does not need may be refused by this kernel
			echo "# bpftool loadall refused on $n: $(grep -m1 -E "load failed|cannot|refused" /tmp/igl-$n.err)"
			echo "# loading only fabric_xdp_rx and fabric_tc_tx (int-rxe-load)"
			rm -rf "$pin"
			$IGL_LOAD $IGL_OBJ "$pin" fabric_xdp_rx fabric_tc_tx || return 1
		fi
		rm -f /tmp/igl-$n.err
		igl_int_cfg $n ${IGL_ROLES[$n]} || return 1
		for d in ${IGL_XDP[$n]}; do
			igl_in $n $IP link set dev $d xdpdrv pinned "$pin/fabric_xdp_rx" || return 1
		done
		for d in ${IGL_TC[$n]}; do
			igl_in $n $TC qdisc add dev $d clsact &&
				igl_in $n $TC filter add dev $d egress bpf da pinned "$pin/fabric_tc_tx" ||
				return 1
		done
	done
	igl_class A 1 && igl_class B 1
}

# igl_roles ON: INT roles as configured (1) or 0 everywhere (0: fabric's
# data path still runs, INT does nothing)
igl_roles() {
	local n r
	for n in "${IGL_NODES[@]}"; do
		r=${IGL_ROLES[$n]}
		(($1)) || r=0
		igl_int_cfg $n $r || return 1
	done
}

igl_listening() { # PORT: a TCP listener on PORT (perftest's out-of-band exchange)
	local p
	p=$(printf ':%04X ' "$1")
	grep -q "${p}[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# igl_perf OUT FAM TOOL PORT ARGS...: TOOL server on igrxe1, client on
# igrxe0, over the IPv4 (FAM 4) or IPv6 (6) GIDs; OUT.srv/OUT.cli get their
# output. QP timeout 4 us << 18 (1 s): a TCG guest can stall that long.
igl_perf() {
	local out=$1 fam=$2 tool=$3 port=$4 srv rc g0 g1 host
	shift 4
	# perftest's out-of-band TCP exchange stays on IPv4 (its server listens
	# there); the RDMA traffic follows the GIDs
	host=$IP1
	if [[ $fam == 6 ]]; then
		g0=$G60 g1=$G61
	else
		g0=$G40 g1=$G41
	fi
	timeout 90 $tool -d igrxe1 -x "$g1" -F -u 18 -p $port "$@" >$out.srv 2>&1 &
	srv=$!
	IGL_PERF_PIDS+=("$srv")
	wait_for 15000 igl_listening $port || { echo "# $tool server did not listen"; return 1; }
	timeout 90 $tool -d igrxe0 -x "$g0" -F -u 18 -p $port "$@" $host >$out.cli 2>&1
	rc=$?
	wait $srv
	(($? == 0 && rc == 0)) || {
		echo "# $tool failed: client $rc"
		grep -iE -m 5 'error|fail|status|retry|unable|timeout' $out.cli $out.srv | sed 's/^/# /'
		tail -3 $out.cli $out.srv | sed 's/^/# /'
		return 1
	}
}

# igl_bw OUT: MB/s average of a perftest client output
igl_bw() { grep -A1 '#bytes' "$1.cli" | tail -1 | awk '{ print $4 }'; }

# igl_cap_start NODE DEV FILE: tcpdump on DEV in NODE, UDP only, whole frames
igl_cap_start() {
	# nsenter, not igl_in: $! must be tcpdump itself (nsenter execs it),
	# not a subshell that ignores SIGINT
	/usr/bin/nsenter --net=/run/netns/ig$1 /usr/bin/tcpdump -Z root -n -i $2 -U --immediate-mode -B 8192 -s 2048 \
		-w "$3" udp 2>"$3.err" &
	IGL_PERF_PIDS+=("$!")
	eval "IGL_CAP_$2=$!"
	wait_for 10000 grep -qs 'listening on' "$3.err"
}
# igl_cap_stop DEV FILE: wait until the capture stops growing, then stop it
igl_cap_stop() {
	local size=-1 now i pid
	eval "pid=\$IGL_CAP_$1"
	for ((i = 0; i < 50; i++)); do
		now=$(stat -c %s "$2")
		((now == size)) && break
		size=$now
		sleep 0.2
	done
	kill -INT $pid
	wait $pid
	grep -q '^0 packets dropped by kernel' "$2.err" || {
		echo "# tcpdump: $(tr '\n' ' ' <"$2.err")"; return 1; }
}

# igl_snap FILE: every node's INT counters (summed over CPUs), and the
# sinks' hop histograms of T1 and T2 and their path tables, as one JSON
igl_snap() {
	local n pin
	{
		for n in "${IGL_NODES[@]}"; do
			pin=$(igl_pin $n)/maps
			echo "{\"node\":\"$n\",\"what\":\"stats\",\"v\":"
			$BPFTOOL -j map dump pinned $pin/fab_int_stats
			echo "}"
			[[ $n == A || $n == B ]] || continue
			echo "{\"node\":\"$n\",\"what\":\"hops\",\"v\":"
			# two lookups: a dump formats all 1024 entries (slow under TCG)
			{
				$BPFTOOL -j map lookup pinned $pin/fab_int_hops key 11 0 0 0
				$BPFTOOL -j map lookup pinned $pin/fab_int_hops key 12 0 0 0
			} | $JQ -s -c '[.[] | .formatted]'
			echo "}"
			echo "{\"node\":\"$n\",\"what\":\"paths\",\"v\":"
			$BPFTOOL -j map dump pinned $pin/fab_int_paths | $JQ -c '[.[] | .formatted]'
			echo "}"
		done
	} | $JQ -s '
		def sumcpu: [.values[].value] as $v | reduce ($v[0] | keys[]) as $k ({};
			.[$k] = ([$v[][$k]] | if (.[0] | type) == "array"
				then transpose | map(add) else add end));
		def sumhist: [.values[].value] as $v |
			{count: ([$v[].count] | add),
			 bucket: ([$v[].bucket] | transpose | map(add))};
		reduce .[] as $e ({};
			if $e.what == "stats" then .[$e.node].stats = ($e.v[0].formatted | sumcpu)
			elif $e.what == "hops" then .[$e.node].hops =
				($e.v | map({key: (.key | tostring), value: sumhist}) | from_entries)
			else .[$e.node].paths = ($e.v | map({key: (.key.node[0:.key.hops] |
				map(tostring) | join(">")), value: (.values | map(.value.latency) |
				{count: (map(.count) | add), bucket: (map(.bucket) | transpose |
				map(add))})}) | from_entries)
			end)' >"$1"
}

# igl_delta BEFORE AFTER OUT: AFTER - BEFORE, field by field
igl_delta() {
	$JQ -n --slurpfile a "$1" --slurpfile b "$2" '
		def sub($x; $y): if ($y | type) == "object" then
				reduce ($y | keys[]) as $k ({}; .[$k] = sub($x[$k]; $y[$k]))
			elif ($y | type) == "array" then
				[range(0; $y | length) as $i | $y[$i] - (($x // [])[$i] // 0)]
			elif ($y | type) == "number" then $y - ($x // 0)
			else $y end;
		sub($a[0]; $b[0])' >"$3"
}
