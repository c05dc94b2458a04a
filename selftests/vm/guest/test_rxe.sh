#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real RDMA traffic through the data path: two Soft-RoCE (rxe) endpoints in
# the default netns (rxe works only there), on veths e0 and e1 whose peers w0
# and w1 sit in a "wire" netns that routes between them. Policy routing sends
# e0 -> e1 traffic out of e0 instead of over loopback. fabric's data path is
# loaded twice: on the endpoints (e0, e1) and on the router (w0, w1). Each
# perftest run (fixed iterations and message size, RC) is checked with exact
# arithmetic:
#   - request flow at the responder's XDP: packets = messages x packets per
#     message + retransmitted duplicates - PSNs first seen late; gaps only
#     with a NAK that explains them;
#   - the same packet and byte counts at the requester's tc egress, the
#     router's XDP ingress and tc egress, and the responder's XDP ingress;
#   - ACKs (or READ responses) in the reverse flow; ECN as configured
#     (Not-ECT, ECT(0) with --tclass=2, CE from a RED qdisc with ecn);
#   - per-port RoCE counters equal the flow sums;
#   - `fabricctl -j replay` of a tcpdump capture on e1 equals the live
#     counters per flow.
# Runs: ib_write_bw --tclass=2, ib_read_bw, ib_send_bw, ib_write_bw through
# RED, ib_write_bw through 2% netem loss (NAKs, go-back-N retransmissions),
# ib_write_bw whose very first request netem drops (the tracker starts
# behind it).
# Captures and counters go to the host between "### RXE-ARTIFACT" markers
# (base64 of gzip) for selftests/vm/test_vm_rxe_oracle.sh and tshark.
. /tests/ktap.sh
. /tests/lib.sh
set -u
CTL=/fabric/bin/fabricctl
LOADER=/fabric/bin/fabric-loader
RDMA=/usr/bin/rdma
TCPDUMP=/usr/bin/tcpdump
JQ=/usr/bin/jq
NS=rxewire
NSE=(/usr/bin/nsenter --net=/run/netns/$NS)
PIN=/sys/fs/bpf/rxe-ep
PINW=/sys/fs/bpf/rxe-wire
T=/tmp/rxe
IP0=10.60.1.1 IPW0=10.60.1.2 IP1=10.60.2.1 IPW1=10.60.2.2
N=100 S=4096 MTU=1024
PPM=$(((S + MTU - 1) / MTU)) # packets per WRITE/SEND message, READ response
PERF_PIDS=()
RUN=0
CAP_PID=

for b in $CTL $LOADER $RDMA $TCPDUMP $JQ /usr/bin/ib_write_bw /usr/bin/ib_read_bw \
	/usr/bin/ib_send_bw /usr/bin/nsenter; do
	[[ -x $b ]] || { echo "1..0 # SKIP $b not in the initramfs"; exit 4; }
done
for m in veth crc32_generic rdma_rxe sch_red sch_tbf; do
	/sbin/modprobe "$m" || { echo "1..0 # SKIP modprobe $m failed"; exit 4; }
done

cleanup() {
	local p
	for p in "${PERF_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	$LOADER unload --pin-dir $PIN e0 e1 >/dev/null 2>&1
	"${NSE[@]}" $LOADER unload --pin-dir $PINW w0 w1 >/dev/null 2>&1
	rm -rf $PIN $PINW
	$RDMA link del rxe0 2>/dev/null
	$RDMA link del rxe1 2>/dev/null
	$IP link del e0 2>/dev/null
	$IP link del e1 2>/dev/null
	$IP netns del $NS 2>/dev/null
	$IP rule del pref 100 2>/dev/null
	$IP rule del pref 101 2>/dev/null
	$IP route flush table 101 2>/dev/null
	$IP route flush table 102 2>/dev/null
	if ! $IP rule show pref 0 | grep -q local; then
		$IP rule add pref 0 lookup local && $IP rule del pref 1000
	fi
}
trap cleanup EXIT
rm -rf $T
mkdir -p $T

# GID index of DEV's RoCE v2 GID for IPv4 address ADDR (sysfs, no forks).
gid_index() {
	local dev=$1 hex g t i
	hex=$(printf '%02x%02x:%02x%02x' ${2//./ })
	for ((i = 0; i < 16; i++)); do
		read -r g </sys/class/infiniband/$dev/ports/1/gids/$i 2>/dev/null || continue
		read -r t </sys/class/infiniband/$dev/ports/1/gid_attrs/types/$i 2>/dev/null || continue
		[[ $g == "0000:0000:0000:0000:0000:ffff:$hex" && $t == "RoCE v2" ]] &&
			{ echo $i; return 0; }
	done
	return 1
}
mac() { read -r m <"/sys/class/net/$1/address" && echo "$m"; }

setup() {
	$IP netns add $NS &&
	$IP link add e0 type veth peer name w0 netns $NS &&
	$IP link add e1 type veth peer name w1 netns $NS &&
	$IP addr add $IP0/24 dev e0 && $IP addr add $IP1/24 dev e1 &&
	$IP -n $NS addr add $IPW0/24 dev w0 && $IP -n $NS addr add $IPW1/24 dev w1 &&
	# no IPv6 chatter (router solicitations, MLD) on the wire
	sysctl -qw net.ipv6.conf.e0.disable_ipv6=1 && sysctl -qw net.ipv6.conf.e1.disable_ipv6=1 &&
	"${NSE[@]}" sysctl -qw net.ipv6.conf.w0.disable_ipv6=1 &&
	"${NSE[@]}" sysctl -qw net.ipv6.conf.w1.disable_ipv6=1 &&
	$IP link set e0 up && $IP link set e1 up &&
	$IP -n $NS link set lo up && $IP -n $NS link set w0 up && $IP -n $NS link set w1 up ||
		return 1
	"${NSE[@]}" sysctl -qw net.ipv4.ip_forward=1 || return 1
	# e1 receives packets from e0's address, a local one
	for k in all default e0 e1; do
		sysctl -qw net.ipv4.conf.$k.rp_filter=0 &&
			sysctl -qw net.ipv4.conf.$k.accept_local=1 || return 1
	done
	# Locally generated e0 <-> e1 traffic goes out through the wire, not
	# over loopback: the local table moves behind two source-routed rules.
	$IP rule add pref 1000 lookup local && $IP rule del pref 0 &&
	$IP rule add pref 100 iif lo from $IP0 to $IP1 lookup 101 &&
	$IP rule add pref 101 iif lo from $IP1 to $IP0 lookup 102 &&
	$IP route add $IP1 via $IPW0 dev e0 table 101 &&
	$IP route add $IP0 via $IPW1 dev e1 table 102 || return 1
	# No ARP during the runs (RED would drop it, and it is noise).
	$IP neigh replace $IPW0 lladdr "$($IP -n $NS -br link show w0 | awk '{print $3}')" \
		dev e0 nud permanent &&
	$IP neigh replace $IPW1 lladdr "$($IP -n $NS -br link show w1 | awk '{print $3}')" \
		dev e1 nud permanent &&
	$IP -n $NS neigh replace $IP0 lladdr "$(mac e0)" dev w0 nud permanent &&
	$IP -n $NS neigh replace $IP1 lladdr "$(mac e1)" dev w1 nud permanent || return 1
	$IP route get $IP1 from $IP0 oif e0 | grep -q "via $IPW0 dev e0" || {
		echo "# route: $($IP route get $IP1 from $IP0 oif e0)"; return 1; }
	ping -c 1 -W 5 -I $IP0 $IP1 >/dev/null || { echo "# no ping through the wire"; return 1; }
	$RDMA link add rxe0 type rxe netdev e0 && $RDMA link add rxe1 type rxe netdev e1 ||
		return 1
	G0=$(gid_index rxe0 $IP0) && G1=$(gid_index rxe1 $IP1) ||
		{ echo "# no RoCE v2 IPv4 GID on rxe0/rxe1"; return 1; }
	echo "# rxe0 on e0 ($IP0, gid $G0), rxe1 on e1 ($IP1, gid $G1), path MTU $MTU"
}

# Fresh data path on the endpoints and the router (zeroed counters).
dp_load() {
	$LOADER unload --pin-dir $PIN e0 e1 >/dev/null 2>&1
	"${NSE[@]}" $LOADER unload --pin-dir $PINW w0 w1 >/dev/null 2>&1
	$LOADER load --pin-dir $PIN --read-pmtu $MTU --flows 1024 e0 e1 >$T/load.out 2>&1 &&
		"${NSE[@]}" $LOADER load --pin-dir $PINW --read-pmtu $MTU --flows 1024 w0 w1 \
			>>$T/load.out 2>&1 || { sed 's/^/# /' $T/load.out; return 1; }
}

listening() { # PORT: a TCP listener on PORT (perftest's out-of-band exchange)
	local p
	p=$(printf ':%04X ' "$1")
	grep -q "${p}[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

drops() { # total tx_dropped of e0, e1, w0, w1 (veth counts its drops there)
	local a b
	read -r a </sys/class/net/e0/statistics/tx_dropped
	read -r b </sys/class/net/e1/statistics/tx_dropped
	echo $((a + b + $($IP -n $NS -s -j link show | $JQ '[.[] |
		select(.ifname == "w0" or .ifname == "w1") | .stats64.tx.dropped] | add')))
}

# perf NAME TOOL ARGS...: TOOL server on rxe1, client on rxe0. Sets SQPN and
# CQPN (server's and client's QP numbers) and CPSN (client's first PSN).
# PERF_HOST: where the client reaches the server's out-of-band TCP port
# (default IP1, through the wire; the RoCE traffic goes to IP1 anyway).
# QP timeout 4 us << 18 (1 s, perftest's default is 67 ms): a TCG guest on
# a loaded host can go that long without running, and 7 timeouts in a row
# with no ACK end the run with a retry-exceeded error.
perf() {
	local name=$1 tool=$2 port srv rc host=${PERF_HOST:-$IP1}
	shift 2
	RUN=$((RUN + 1))
	port=$((18600 + RUN))
	timeout 60 $tool -d rxe1 -x "$G1" -n $N -s $S -m $MTU -F -u 18 -p $port "$@" \
		>$T/$name.srv 2>&1 &
	srv=$!
	PERF_PIDS+=("$srv")
	wait_for 15000 listening $port || { echo "# $tool server did not listen"; return 1; }
	timeout 60 $tool -d rxe0 -x "$G0" -n $N -s $S -m $MTU -F -u 18 -p $port "$@" $host \
		>$T/$name.cli 2>&1
	rc=$?
	wait $srv
	(($? == 0 && rc == 0)) || {
		echo "# $tool failed: client $rc"
		grep -iE -m 5 'error|fail|status|retry|unable|timeout' $T/$name.cli $T/$name.srv |
			sed 's/^/# /'
		tail -3 $T/$name.cli $T/$name.srv | sed 's/^/# /'
		return 1
	}
	SQPN=$(awk '/local address/ { print $6; exit }' $T/$name.srv)
	CQPN=$(awk '/local address/ { print $6; exit }' $T/$name.cli)
	CPSN=$(awk '/local address/ { print $8; exit }' $T/$name.cli)
	[[ $SQPN == 0x* && $CQPN == 0x* && $CPSN == 0x* ]] ||
		{ echo "# no QPN/PSN in perftest output"; return 1; }
	SQPN=$((SQPN)) CQPN=$((CQPN)) CPSN=$((CPSN))
	echo "# $name: $(grep -A1 '#bytes' $T/$name.cli | tail -1 | awk '{print $1 " B x " $2 " iters, " $4 " MB/s"}'), server QPN $SQPN, client QPN $CQPN PSN $CPSN"
}

cap_start() { # FILE: tcpdump on e1, RoCE only, every frame kept whole
	$TCPDUMP -Z root -n -i e1 -U --immediate-mode -B 8192 -s 2048 -w "$1" \
		udp port 4791 2>"$1.err" &
	CAP_PID=$!
	PERF_PIDS+=("$CAP_PID")
	wait_for 10000 grep -qs 'listening on' "$1.err"
}
cap_stop() { # FILE: wait until the capture stops growing, then stop it
	local size=-1 now i
	for ((i = 0; i < 50; i++)); do
		now=$(stat -c %s "$1")
		((now == size)) && break
		size=$now
		sleep 0.2
	done
	kill -INT $CAP_PID
	wait $CAP_PID
	grep -q '^0 packets dropped by kernel' "$1.err" || {
		echo "# tcpdump: $(tr '\n' ' ' <"$1.err")"; return 1; }
}

# first_psn PCAP SRC DST QP: the BTH PSN of that flow's first packet in the
# capture (tcpdump -x prints from the IP header; the BTH follows UDP)
first_psn() {
	local out line hex= ihl off
	out=$($TCPDUMP -Z root -r "$1" -n -c 1 -x "src host $2 and dst host $3 and \
		udp dst port 4791 and (udp[12:4] & 0xffffff) = $4" 2>"$1.first.err")
	while read -r line; do
		[[ $line == 0x* ]] && line=${line#*:} && hex+=${line// /}
	done <<<"$out"
	[[ $hex =~ ^[0-9a-f]+$ ]] || return 1
	ihl=$(((16#${hex:0:2} & 15) * 4))
	off=$(((ihl + 8 + 9) * 2))
	((${#hex} >= off + 6)) || return 1
	echo $((16#${hex:off:6}))
}

# flow_vars VAR FILE SRC DST QP: VAR_<field> for each number of that flow
# (0 when absent), VAR_n = number of matching flows
flow_vars() {
	local k
	for k in packets bytes psn_gaps psn_missing psn_dups psn_rewinds acks naks \
		naks_seq naks_rnr naks_other ce ect cnp tx_packets tx_bytes; do
		eval "${1}_$k=0"
	done
	eval "${1}_n=0"
	eval "$($JQ -r --arg p "$1" --arg s "$3" --arg d "$4" --argjson q "$5" '
		[.[] | select(.src == $s and .dst == $d and .qp == $q)] as $m |
		"\($p)_n=\($m | length)",
		(($m[0] // {}) | to_entries[] | select(.value | type == "number") |
		 "\($p)_\(.key)=\(.value)")' "$2")"
}

# port_vars VAR FILE IFNAME: VAR_<field> for each number of that port
port_vars() {
	eval "$($JQ -r --arg p "$1" --arg i "$3" '.[] | select(.ifname == $i) |
		to_entries[] | select(.value | type == "number") | "\($p)_\(.key)=\(.value)"' "$2")"
}

# ports_vs_flows PORTS FLOWS IF:ADDR...: each port's RoCE rx counters equal
# the sums over flows to ADDR, its tx counters the sums over flows from
# ADDR; nothing malformed or unparsed. Prints mismatches.
ports_vs_flows() {
	local ports=$1 flows=$2
	shift 2
	$JQ -rn --slurpfile p "$ports" --slurpfile f "$flows" '
		def sum(s): reduce s as $x (0; . + $x);
		$ARGS.positional[] | split(":") as [$dev, $a] |
		($p[0][] | select(.ifname == $dev)) as $q |
		[$f[0][] | select(.dst == $a)] as $in | [$f[0][] | select(.src == $a)] as $out |
		[["rx_roce_packets", sum($in[].packets)], ["rx_roce_bytes", sum($in[].bytes)],
		 ["rx_ce", sum($in[].ce)], ["rx_cnp", sum($in[].cnp)],
		 ["tx_roce_packets", sum($out[].tx_packets)], ["tx_roce_bytes", sum($out[].tx_bytes)],
		 ["rx_malformed", 0], ["rx_unparsed", 0], ["tx_malformed", 0], ["tx_unparsed", 0]][] |
		select($q[.[0]] != .[1]) | "\($dev) \(.[0]) = \($q[.[0]]), flows say \(.[1])"' \
		--args "$@" || echo "jq failed on $ports / $flows"
}

# flows_equal A B FIELD...: the two flow arrays agree on FIELD for every flow
# (by src, dst, qp), and have the same flows. Prints mismatches.
flows_equal() {
	local a=$1 b=$2
	shift 2
	$JQ -rn --slurpfile a "$a" --slurpfile b "$b" '
		def k: "\(.src) > \(.dst) qp \(.qp)";
		($a[0] | map({key: k, value: .}) | from_entries) as $x |
		($b[0] | map({key: k, value: .}) | from_entries) as $y |
		((($x | keys) - ($y | keys))[] | "flow \(.) only in the first"),
		((($y | keys) - ($x | keys))[] | "flow \(.) only in the second"),
		(($x | keys) - (($x | keys) - ($y | keys)))[] as $m | $ARGS.positional[] |
		select($x[$m][.] != $y[$m][.]) | "flow \($m): \(.) \($x[$m][.]) vs \($y[$m][.])"' \
		--args "$@" || echo "jq failed on $a / $b"
}

artifact() { # NAME FILE: the file, gzip + base64, between markers for the host
	echo "### RXE-ARTIFACT-BEGIN $1"
	gzip -c "$2" | base64 | sed 's/^/### B64 /'
	echo "### RXE-ARTIFACT-END $1"
}

ok_if() { # NAME WHY-FILE: ok when WHY-FILE is empty, else its lines as diagnostics
	if [[ -s $2 ]]; then
		sed 's/^/# /' "$2" | head -20
		ktap_fail "$1"
	else
		ktap_ok "$1"
	fi
}

# scenario NAME TOOL ECN CAPTURE [PERFTEST ARGS...]
#   ECN: none (Not-ECT expected), ect (--tclass=2), red (--tclass=2 and a
#   RED qdisc with ecn on w1, toward the responder), loss (Not-ECT, and
#   netem drops 2% of the requests on w1: NAKs and retransmissions), head
#   (Not-ECT, netem drops exactly the first request on w1; perftest's TCP
#   goes over loopback so that the first packet through w1 is RoCE)
# Prints 6 results, 7 with CAPTURE=1.
scenario() {
	local name=$1 tool=$2 ecn=$3 capture=$4 d0 d1 why=$T/$1.why uniq marked qdrop d i
	shift 4
	local nres=$((6 + capture)) e=$T/$name
	: >"$why"

	if ! dp_load; then
		for ((i = 0; i < nres; i++)); do ktap_fail "$name: data path loads"; done
		return
	fi
	if [[ $ecn == red ]]; then
		# A veth never queues, so a token bucket slower than rxe under TCG
		# builds the backlog that RED averages; with ecn, RED marks ECT
		# packets CE instead of dropping them. (A netem delay child does
		# not work: RED sees its empty dequeues as idle time.)
		"${NSE[@]}" $TC qdisc replace dev w1 root handle 1: tbf rate 8mbit \
			burst 8kb latency 500ms &&
			"${NSE[@]}" $TC qdisc add dev w1 parent 1:1 handle 10: red limit 2000000 \
				min 4000 max 12000 avpkt 1000 burst 6 probability 1.0 ecn \
				bandwidth 8mbit ||
			echo "# RED setup failed"
	elif [[ $ecn == loss ]]; then
		"${NSE[@]}" $TC qdisc replace dev w1 root handle 1: netem loss 2% ||
			echo "# netem setup failed"
	elif [[ $ecn == head ]]; then
		# 4-state loss model from "good": the first packet moves to
		# "lost in burst" (p13 100%), the next to "sent in burst" (p32
		# 100%), which it never leaves (p23 0%): only packet 1 is lost
		"${NSE[@]}" $TC qdisc replace dev w1 root handle 1: netem \
			loss state 100% 0% 100% 0% 0% || echo "# netem setup failed"
	fi
	((capture)) && { cap_start $e.pcap || echo "# tcpdump did not start"; }
	d0=$(drops)
	local host=$IP1
	[[ $ecn == head ]] && host=127.0.0.1
	if ! PERF_HOST=$host perf "$name" "$tool" "$@"; then
		((capture)) && kill -INT $CAP_PID 2>/dev/null
		for ((i = 0; i < nres; i++)); do ktap_fail "$name: $tool runs"; done
		return
	fi
	ktap_ok "$name: $tool -n $N -s $S completes over rxe through the wire"
	((capture)) && { cap_stop $e.pcap || echo "tcpdump lost frames" >$e.capwhy; }
	d1=$(drops)
	# what the qdisc on w1 (after the router's tc egress) marked and dropped
	marked=0 qdrop=0
	[[ $ecn == red || $ecn == loss || $ecn == head ]] && {
		"${NSE[@]}" $TC -s qdisc show dev w1 >$e.qdisc
		grep -E 'qdisc|marked|Sent' $e.qdisc | sed 's/^/# /'
		marked=$(sed -n 's/.*marked \([0-9]*\).*/\1/p' $e.qdisc)
		qdrop=$(sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' $e.qdisc | head -1)
		marked=${marked:-0} qdrop=${qdrop:-0}
		"${NSE[@]}" $TC qdisc del dev w1 root
	}

	$CTL --pin-dir $PIN -j flows >$e.flows.json && $CTL --pin-dir $PIN -j ports >$e.ports.json &&
		"${NSE[@]}" $CTL --pin-dir $PINW -j flows >$e.wflows.json &&
		"${NSE[@]}" $CTL --pin-dir $PINW -j ports >$e.wports.json ||
		echo "fabricctl failed" >>"$why"
	# R: the request flow (client -> server QP), V: the reverse flow (ACKs
	# or READ responses); W, X: the same two flows on the router
	flow_vars R $e.flows.json $IP0 $IP1 "$SQPN"
	flow_vars V $e.flows.json $IP1 $IP0 "$CQPN"
	flow_vars W $e.wflows.json $IP0 $IP1 "$SQPN"
	flow_vars X $e.wflows.json $IP1 $IP0 "$CQPN"
	# non-RoCE frames the qdisc may have dropped: what w1 sent less what
	# e1 received
	local P_tx_non_roce=0 Q_rx_non_roce=0 nr_lost
	port_vars P $e.wports.json w1
	port_vars Q $e.ports.json e1
	nr_lost=$((P_tx_non_roce - Q_rx_non_roce))
	local drop=$((d1 - d0))

	# requests: distinct PSNs one per packet (WRITE, SEND) or one per READ.
	# The tracker starts at the first request it sees: when the first
	# ones were lost on the wire (head), their PSNs arrive later only as
	# retransmissions behind the expectation, i.e. as dups. The head comes
	# from the capture (the same frames, in the same order, as e1's XDP
	# saw); without a capture nothing drops requests (no qdisc), so 0.
	[[ $tool == ib_read_bw ]] && uniq=$N || uniq=$((N * PPM))
	local fpsn=$CPSN head=0
	{
		if ((capture)); then
			fpsn=$(first_psn $e.pcap $IP0 $IP1 "$SQPN") || {
				echo "no request of the flow in the capture: $(tr '\n' ' ' <$e.pcap.first.err)"
				fpsn=$CPSN
			}
			head=$(((fpsn - CPSN) & 0xffffff))
		fi
		((R_n == 1)) || echo "request flow found $R_n times"
		((R_packets == uniq - head + R_psn_dups - R_psn_missing)) ||
			echo "packets $R_packets != $uniq - head $head + dups $R_psn_dups - missing $R_psn_missing"
		((head <= qdrop + drop && R_psn_dups >= head)) ||
			echo "first request seen PSN $fpsn, $head after perftest's $CPSN: more than the $qdrop + $drop dropped, or not all retransmitted (dups $R_psn_dups)"
		((R_psn_gaps == 0 || V_naks_seq > 0)) ||
			echo "$R_psn_gaps PSN gaps ($R_psn_missing missing) but no sequence NAK"
		(((R_psn_dups == 0) == (R_psn_rewinds == 0))) ||
			echo "dups $R_psn_dups vs rewinds $R_psn_rewinds"
		((R_acks + R_naks + R_cnp + V_cnp == 0)) ||
			echo "acks $R_acks naks $R_naks in the request flow, cnp $R_cnp/$V_cnp"
		(($($JQ length $e.flows.json) == 2)) || echo "$($JQ length $e.flows.json) flows, not 2"
	} >"$why"
	echo "# $name: request flow $R_packets packets ($uniq PSNs, first seen $fpsn = perftest's + $head), gaps $R_psn_gaps missing $R_psn_missing dups $R_psn_dups rewinds $R_psn_rewinds; reverse $V_packets packets, acks $V_acks naks $V_naks (seq $V_naks_seq rnr $V_naks_rnr); ect $R_ect/$V_ect ce $R_ce/$V_ce; veth drops $drop, wire qdisc drops $qdrop"
	ok_if "$name: request flow at the responder: $uniq PSNs + retransmissions, gaps only with a NAK" "$why"

	# the same frames at every hop, less exactly the RoCE frames the qdisc
	# on w1 dropped between the router's tc egress and the responder (its
	# drop count less the non-RoCE frames that went missing); veth drops
	# (none so far) would make the sender's counts larger by at most those
	{
		local f a b c dd
		for f in packets bytes; do
			for a in "R_tx_$f W_$f" "W_$f W_tx_$f" "W_tx_$f R_$f" \
				"V_tx_$f X_$f" "X_$f X_tx_$f" "X_tx_$f V_$f"; do
				set -- $a
				b=${!1} c=${!2}
				if [[ $a == "W_tx_$f R_$f" ]] && ((qdrop)); then
					[[ $f == packets ]] && ((b - c != qdrop - nr_lost)) &&
						echo "$1 $b - $2 $c != $qdrop dropped by the qdisc - $nr_lost non-RoCE"
				elif ((drop == 0)); then
					((b == c)) || echo "$1 $b != $2 $c"
				elif [[ $f == packets ]]; then
					dd=$((b - c))
					((dd >= 0 && dd <= drop)) || echo "$1 $b - $2 $c not within $drop drops"
				fi
			done
		done
		((W_n == 1 && X_n == 1)) || echo "router flows found $W_n/$X_n times"
	} >"$why"
	ok_if "$name: same packets and bytes at requester egress, router in/out, responder ingress" "$why"

	{
		if [[ $tool == ib_read_bw ]]; then
			((V_acks == 0)) || echo "$V_acks ACKs in the READ response flow"
			((R_psn_dups > 0 || V_packets == N * PPM)) ||
				echo "READ responses $V_packets != $N x $PPM"
		else
			((V_acks + V_naks == V_packets)) ||
				echo "reverse flow: acks $V_acks + naks $V_naks != packets $V_packets"
			((R_psn_dups > 0 || V_naks > 0 || V_acks == N)) ||
				echo "clean run but $V_acks ACKs for $N messages"
		fi
	} >"$why"
	[[ $tool == ib_read_bw ]] && d="$N x $PPM READ response packets" ||
		d="one ACK per message on a clean run"
	ok_if "$name: reverse flow: $d" "$why"

	{
		case $ecn in
		none)
			((R_ect + R_ce + V_ect + V_ce == 0)) ||
				echo "ect $R_ect/$V_ect ce $R_ce/$V_ce without --tclass" ;;
		loss)
			((R_ect + R_ce + V_ect + V_ce == 0)) ||
				echo "ect $R_ect/$V_ect ce $R_ce/$V_ce without --tclass"
			((qdrop > 0)) || echo "netem dropped nothing" ;;
		head)
			((R_ect + R_ce + V_ect + V_ce == 0)) ||
				echo "ect $R_ect/$V_ect ce $R_ce/$V_ce without --tclass"
			((qdrop == 1 && head == 1)) ||
				echo "netem dropped $qdrop, the responder first saw PSN $fpsn ($head after perftest's)"
			((V_naks_seq >= 1 && R_psn_dups >= 1)) ||
				echo "no sequence NAK ($V_naks_seq) or retransmission (dups $R_psn_dups) for the lost first request" ;;
		ect)
			((R_ect == R_packets && V_ect == V_packets && R_ce + V_ce == 0)) ||
				echo "ect $R_ect/$R_packets $V_ect/$V_packets ce $R_ce/$V_ce" ;;
		red)
			((R_ce > 0 && R_ce + R_ect == R_packets)) ||
				echo "responder: ce $R_ce + ect $R_ect != packets $R_packets (or no CE)"
			((R_ce == marked)) || echo "responder counted ce $R_ce, RED marked ${marked:-?}"
			((W_ce == 0 && W_ect == W_packets)) ||
				echo "router ingress (before RED): ce $W_ce ect $W_ect of $W_packets" ;;
		esac
	} >"$why"
	case $ecn in
	none) d="Not-ECT without --tclass" ;;
	loss) d="Not-ECT without --tclass, netem dropped requests" ;;
	head) d="Not-ECT without --tclass, netem dropped the first request only, NAKed and resent" ;;
	ect) d="every packet ECT(0) with --tclass=2" ;;
	red) d="CE on exactly the packets RED (ecn) marked on the wire, none before it" ;;
	esac
	ok_if "$name: ECN: $d" "$why"

	{
		ports_vs_flows $e.ports.json $e.flows.json e0:$IP0 e1:$IP1
		ports_vs_flows $e.wports.json $e.wflows.json w1:$IP0 w0:$IP1
	} >"$why"
	ok_if "$name: per-port RoCE counters equal the flow sums (endpoints and router)" "$why"

	if ((capture)); then
		{
			[[ -s $e.capwhy ]] && cat $e.capwhy
			$CTL -j replay $e.pcap >$e.replay.json 2>$e.replay.err ||
				echo "replay failed: $(cat $e.replay.err)"
			# the live table holds rx at e1 for requests and at e0 for the
			# ACKs; the capture on e1 has the ACKs as they left e1
			$JQ '[.[] | if .dst == "'$IP0'" then .packets = .tx_packets |
				.bytes = .tx_bytes else . end]' $e.flows.json >$e.live.json
			flows_equal $e.live.json $e.replay.json packets bytes psn_gaps psn_missing \
				psn_dups psn_rewinds acks naks_seq naks_rnr naks_other ce ect cnp
		} >"$why" 2>&1
		ok_if "$name: fabricctl replay of the e1 capture equals the live counters per flow" "$why"
		printf 'scenario=%s\ntool=%s\necn=%s\niters=%s\nsize=%s\nmtu=%s\nppm=%s\nsrc=%s\ndst=%s\nsqpn=%s\ncqpn=%s\ncpsn=%s\ndrops=%s\nqdisc_drops=%s\nmarked=%s\n' \
			"$name" "$tool" "$ecn" $N $S $MTU $PPM $IP0 $IP1 "$SQPN" "$CQPN" "$CPSN" $drop \
			$qdrop $marked >$e.meta
		artifact $name.meta $e.meta
		artifact $name.pcap $e.pcap
		artifact $name.flows.json $e.flows.json
		artifact $name.replay.json $e.replay.json
	fi
}

NRES=41
ktap_plan $NRES
if setup >$T/setup.out 2>&1; then
	cat $T/setup.out
	ktap_ok "two rxe endpoints in the default netns, routed through the wire netns"
else
	sed 's/^/# /' $T/setup.out
	ktap_fail "two rxe endpoints in the default netns, routed through the wire netns"
	for ((i = 1; i < NRES; i++)); do ktap_fail "rxe setup failed"; done
	ktap_finish
fi

scenario write ib_write_bw ect 1 --tclass=2
scenario read ib_read_bw none 0
scenario send ib_send_bw none 0
scenario ecn ib_write_bw red 1 --tclass=2
scenario loss ib_write_bw loss 1
scenario head ib_write_bw head 1
ktap_finish
