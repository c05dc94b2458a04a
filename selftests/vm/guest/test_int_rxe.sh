#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest-timeout: 400
# INT on real RDMA: two rxe endpoints joined by four switch namespaces
# (int_rxe_lib.sh): A (source toward ig1, sink from ig1), transits T1 and
# T2, B (source toward ig0, sink from ig0). fabric.bpf.o is loaded with
# bpftool, ip link and tc. For each of ib_write_bw, ib_send_bw and
# ib_read_bw, over the IPv4 and the IPv6 GIDs, in embed mode with N=1
# (every packet) and then N=64 (the default), the test checks:
#   - perftest completes: the ICRC and RDMA semantics survive INT;
#   - per direction, the frames captured before the source (entering A
#     from ig0, entering B from ig1) and after the sink (leaving B toward
#     ig1, leaving A toward ig0) are the same frames byte for byte;
#   - the source instrumented exactly the packets whose PSN is a multiple
#     of N (counted in the capture before it), every transit pushed and
#     completed a hop for each, the sink stripped each, nothing malformed;
#   - the sink's hop histograms of T1 and T2 and its one path (T1>T2 at
#     B, T2>T1 at A) each counted exactly the instrumented packets.
# Then a netem delay D on T1's ingress (through ifb, inside T1's
# XDP-ingress-to-tc-egress window): T1's hop latency percentiles move by
# D within the tolerance of Documentation/int.md ("INT on real RDMA in
# the guest"), T2's do not.
. /tests/ktap.sh
. /tests/lib.sh
. /tests/int_rxe_lib.sh
set -u
JQ=/usr/bin/jq
T=/tmp/intrxe
N=100 S=4096 MTU=1024 TXD=16
NDEF=64
D_MS=20
RUN=0

for b in $IGL_RDMA /usr/bin/tcpdump $JQ $BPFTOOL /usr/bin/ib_write_bw /usr/bin/ib_read_bw \
	/usr/bin/ib_send_bw /usr/bin/nsenter; do
	[[ -x $b ]] || { echo "1..0 # SKIP $b not in the initramfs"; exit 4; }
done
[[ -f $IGL_OBJ ]] || { echo "1..0 # SKIP $IGL_OBJ not in the initramfs"; exit 4; }
for m in veth crc32_generic rdma_rxe bridge ifb sch_netem sch_ingress cls_matchall act_mirred; do
	/sbin/modprobe "$m" || { echo "1..0 # SKIP modprobe $m failed"; exit 4; }
done

trap igl_cleanup EXIT
igl_cleanup
rm -rf $T
mkdir -p $T

ok_if() { # NAME WHY-FILE: ok when WHY-FILE is empty, else its lines as diagnostics
	if [[ -s $2 ]]; then
		sed 's/^/# /' "$2" | head -20
		ktap_fail "$1"
	else
		ktap_ok "$1"
	fi
}

# check_frames E SRC: the SRC direction's frames before the source equal
# those after the sink (tcpdump's hex dumps, compared whole); writes
# "<frames> <frames with PSN % SAMPLE == 0>" to E.SRC.count, mismatches to
# stdout. The BTH PSN sits at a fixed frame offset: IPv4 without options
# (rxe's), IPv6 without extension headers.
check_frames() {
	local e=$1 src=$2 in out off f
	if [[ $src == "$IP0" || $src == "$IP60" ]]; then
		in=$e.a0 out=$e.b0
	else
		in=$e.b0 out=$e.a0
	fi
	[[ $src == *:* ]] && off=70 || off=50
	for f in $in $out; do
		/usr/bin/tcpdump -Z root -r $f.pcap -nn -t -xx "src host $src" \
			>$f.$src.txt 2>/dev/null || echo "tcpdump -r $f.pcap failed"
		/usr/bin/tcpdump -Z root -r $f.pcap -nn "src host $src and udp dst port 4792" \
			2>/dev/null | grep -c . >$f.$src.int
		(($(<$f.$src.int) == 0)) || echo "$(<$f.$src.int) INT frames from $src in $f.pcap"
	done
	grep -q . $in.$src.txt || echo "no frames from $src before the source"
	# veths may reorder frames between the two capture points (TCG): one
	# line per frame, compared as sorted sets; the order is only reported
	# (awk, not sed's N loop: that is quadratic on 100k-line dumps)
	for f in $in $out; do
		awk '/^[^[:space:]]/ { if (l != "") print l; l = $0; next }
			{ l = l " " $0 } END { if (l != "") print l }' $f.$src.txt |
			sort >$f.$src.sorted
	done
	cmp -s $in.$src.txt $out.$src.txt ||
		echo "# $src: frames reordered between the capture points" >&3
	cmp -s $in.$src.sorted $out.$src.sorted ||
		echo "frames from $src differ before the source ($in.pcap, $(grep -vc '^[[:space:]]' $in.$src.txt) frames) and after the sink ($out.pcap, $(grep -vc '^[[:space:]]' $out.$src.txt)): $(cmp $in.$src.txt $out.$src.txt 2>&1)"
	echo "$(grep -vc '^[[:space:]]' $in.$src.txt) $(/usr/bin/tcpdump -Z root -r $in.pcap -nn \
		"src host $src and udp dst port 4791 and (ether[$off:4] & 0xffffff) % $SAMPLE = 0" \
		2>/dev/null | grep -c .)" >$e.$src.count
}

# scenario NAME FAM TOOL: one perftest run with captures; 4 results
scenario() {
	local name=$1 fam=$2 tool=$3 e=$T/$1 why=$T/$1.why src dst i
	local fa fb ia ib t0 t1
	read -r t0 _ </proc/uptime
	RUN=$((RUN + 1))
	: >"$why"
	[[ $fam == 6 ]] && src=$IP60 dst=$IP61 || src=$IP0 dst=$IP1
	igl_snap $e.s0 &&
		igl_cap_start A a0 $e.a0.pcap && igl_cap_start B b0 $e.b0.pcap ||
		echo "snapshot or capture start failed" >>"$why"
	if ! igl_perf $e $fam $tool $((18700 + RUN)) -n $N -s $S -m $MTU -t $TXD >$e.perf 2>&1; then
		cat $e.perf
		kill -INT $IGL_CAP_a0 $IGL_CAP_b0 2>/dev/null
		for ((i = 0; i < 4; i++)); do ktap_fail "$name: $tool completes"; done
		return 1
	fi
	read -r t1 _ </proc/uptime
	echo "# $name: $(grep -A1 '#bytes' $e.cli | tail -1 | awk '{print $1 " B x " $2 " iters, " $4 " MB/s"}') (at $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.0f", b - a }') s)"
	ktap_ok "$name: $tool -n $N -s $S over IPv$fam GIDs through source, 2 transits and sink completes (1 in $SAMPLE instrumented)"

	igl_cap_stop a0 $e.a0.pcap >>"$why" && igl_cap_stop b0 $e.b0.pcap >>"$why"
	igl_snap $e.s1 || echo "snapshot failed" >>"$why"
	igl_delta $e.s0 $e.s1 $e.d || echo "delta failed" >>"$why"
	{
		cat "$why"
		check_frames $e $src
		check_frames $e $dst
	} 3>&1 >$e.fwhy
	read -r fa ia <$e.$src.count
	read -r fb ib <$e.$dst.count
	echo "# $name: $fa frames $src -> $dst ($ia with PSN % $SAMPLE == 0), $fb back ($ib)"
	ok_if "$name: frames before the source and after the sink byte-identical, both directions" $e.fwhy

	$JQ -r --argjson ia "$ia" --argjson ib "$ib" --argjson fa "$fa" --argjson fb "$fb" '
		def bad: [.sink_malformed[]] | add;
		(.A.stats) as $a | (.B.stats) as $b | (.T1.stats) as $t1 | (.T2.stats) as $t2 |
		(if $a.src_candidates != $fa then "A: \($a.src_candidates) candidates, \($fa) RoCE frames entered A" else empty end),
		(if $b.src_candidates != $fb then "B: \($b.src_candidates) candidates, \($fb) RoCE frames entered B" else empty end),
		(if $a.src_instrumented != $ia then "A instrumented \($a.src_instrumented), \($ia) frames with PSN % N == 0" else empty end),
		(if $b.src_instrumented != $ib then "B instrumented \($b.src_instrumented), \($ib) frames with PSN % N == 0" else empty end),
		($t1, $t2 | select(.transit_pushed != $ia + $ib or .transit_completed != $ia + $ib or
			.transit_skipped + .transit_errors + .transit_e_set + .transit_m_set != 0) |
			"transit: pushed \(.transit_pushed) completed \(.transit_completed) skipped \(.transit_skipped) errors \(.transit_errors) E \(.transit_e_set) M \(.transit_m_set), want \($ia + $ib)"),
		(if $b.sink_stripped != $ia then "B stripped \($b.sink_stripped) of \($ia)" else empty end),
		(if $a.sink_stripped != $ib then "A stripped \($a.sink_stripped) of \($ib)" else empty end),
		($a, $b | select(bad + .sink_errors + .src_errors + .src_skipped_mtu + .src_skipped_l3 +
			.sink_e_bit + .sink_m_bit != 0) | "source/sink: malformed \(bad) errors \(.sink_errors)/\(.src_errors) skipped mtu \(.src_skipped_mtu) l3 \(.src_skipped_l3) E \(.sink_e_bit) M \(.sink_m_bit)")
		' $e.d >"$why" 2>&1
	ok_if "$name: source instrumented exactly the PSNs % $SAMPLE == 0, each transit pushed and completed one hop for each, each sink stripped each" "$why"

	$JQ -r --argjson ia "$ia" --argjson ib "$ib" '
		def hopchk($n; $want; $node):
			if (.[$n].hops[$node].count // 0) != $want then
				"\($n) hop \($node): \(.[$n].hops[$node].count // 0) in the histogram, \($want) instrumented"
			elif (.[$n].hops[$node].bucket | add) != $want then
				"\($n) hop \($node): buckets sum to \(.[$n].hops[$node].bucket | add)"
			else empty end;
		def pathchk($n; $want; $p):
			([.[$n].paths | to_entries[] | select(.value.count != 0)] |
			 if $want == 0 and length == 0 then empty
			 elif length != 1 or .[0].key != $p or .[0].value.count != $want then
				"\($n) paths \(map("\(.key): \(.value.count)") | join(", ")), want \($p): \($want)"
			 else empty end);
		hopchk("B"; $ia; "11"), hopchk("B"; $ia; "12"), hopchk("A"; $ib; "11"),
		hopchk("A"; $ib; "12"), pathchk("B"; $ia; "11>12"), pathchk("A"; $ib; "12>11")
		' $e.d >"$why" 2>&1
	ok_if "$name: sink histograms: hops T1 and T2 and the path in hop order, each counting the instrumented packets" "$why"
	read -r t1 _ </proc/uptime
	echo "# $name: $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.0f", b - a }') s"
}

# pct FILE SINK NODE P: "lo hi" ns, the bucket of NODE's hop histogram at
# SINK in the delta FILE that holds percentile P
pct() {
	$JQ -r --arg s "$2" --arg n "$3" --argjson p "$4" '
		def lo($b): if $b == 0 then 0 else (($b - 1) / 4 | floor) as $o | (($b - 1) % 4) as $s |
			pow(2; 8 + $o) + $s * pow(2; 6 + $o) end;
		def hi($b): if $b == 0 then 256 else (($b - 1) / 4 | floor) as $o | (($b - 1) % 4) as $s |
			pow(2; 8 + $o) + ($s + 1) * pow(2; 6 + $o) end;
		.[$s].hops[$n].bucket as $k | ($k | add) as $c | (($c * $p / 100) | ceil) as $want |
		[foreach range(0; $k | length) as $i (0; . + $k[$i]; [$i, .])] |
		map(select(.[1] >= $want)) | .[0][0] as $b | "\(lo($b) | floor) \(hi($b) | floor)"' "$1"
}

NRES=$((2 + 13 * 4 + 2))
ktap_plan $NRES
if igl_topo >$T/setup.out 2>&1; then
	cat $T/setup.out
	ktap_ok "two rxe endpoints in the default netns, bridged through four switch namespaces (IPv4 and IPv6)"
else
	sed 's/^/# /' $T/setup.out
	for ((i = 0; i < NRES; i++)); do ktap_fail "INT rxe setup failed"; done
	ktap_finish
fi
if igl_load >$T/load.out 2>&1; then
	ktap_ok "fabric.bpf.o loaded with bpftool on A, T1, T2, B; XDP with ip link, tc egress with tc"
else
	sed 's/^/# /' $T/load.out
	for ((i = 1; i < NRES; i++)); do ktap_fail "INT data path load failed"; done
	ktap_finish
fi

for SAMPLE in 1 $NDEF; do
	igl_class A $SAMPLE && igl_class B $SAMPLE || echo "# class update failed"
	for fam in 4 6; do
		scenario write$fam-n$SAMPLE $fam ib_write_bw
		scenario send$fam-n$SAMPLE $fam ib_send_bw
		scenario read$fam-n$SAMPLE $fam ib_read_bw
	done
done

# Delay: netem on an ifb that T1's ingress (t1a, from A) redirects to. The
# frame passes T1's XDP (ingress stamp) before tc ingress and the ifb, and
# T1's tc egress (t1b) after it, so D lands inside T1's hop.
SAMPLE=1
igl_class A 1 && igl_class B 1 || echo "# class update failed"
D=$((D_MS * 1000000))
if igl_in T1 $IP link add ifb0 type ifb && igl_in T1 $IP link set ifb0 up &&
	igl_in T1 $TC qdisc add dev ifb0 root netem delay ${D_MS}ms limit 100000 &&
	igl_in T1 $TC filter add dev t1a ingress matchall action mirred egress redirect dev ifb0 \
		>$T/delay.out 2>&1; then
	scenario delay4-n1 4 ib_write_bw
	igl_in T1 $TC -s qdisc show dev ifb0 | sed 's/^/# /'
else
	sed 's/^/# /' $T/delay.out
	for ((i = 0; i < 4; i++)); do ktap_fail "netem delay on T1's ingress set up"; done
fi
# Tolerance (Documentation/int.md): a percentile is known as its bucket
# [lo, hi); the delayed one must satisfy hi' > lo + D (netem never sends
# early) and lo' < hi + D + J, J = D / 2 for netem's timer lateness and TCG
# stalls; an undelayed hop's lo' < hi + J.
{
	J=$((D / 2))
	BASE=$T/write4-n1.d X=$T/delay4-n1.d
	[[ -s $X ]] || echo "no delay run"
	for p in 50 90; do
		set -- $(pct $BASE B 11 $p); l0=${1:-} h0=${2:-}
		set -- $(pct $X B 11 $p); l1=${1:-} h1=${2:-}
		echo "# T1 p$p: [$l0, $h0) ns without delay, [$l1, $h1) ns with ${D_MS} ms" >&3
		[[ -n $l0 && -n $l1 ]] || { echo "T1 p$p: no histogram"; continue; }
		((h1 > l0 + D && l1 < h0 + D + J)) ||
			echo "T1 p$p moved from [$l0, $h0) to [$l1, $h1), not by $D ns within the tolerance"
	done
	# every delayed sample at least D: no count in a bucket ending at or below D
	n=$($JQ --argjson d $D '.B.hops["11"].bucket | to_entries |
		map(select(.key > 0 and (pow(2; 8 + ((.key - 1) / 4 | floor)) +
			((.key - 1) % 4 + 1) * pow(2; 6 + ((.key - 1) / 4 | floor))) <= $d) | .value) |
		add // 0' $X 2>/dev/null)
	((${n:-1} == 0)) || echo "$n T1 samples below $D ns under a $D ns delay"
} 3>&1 >$T/delay.why 2>&3
grep '^# ' $T/delay.why
sed -i '/^# /d' $T/delay.why
ok_if "delay: T1's hop latency p50 and p90 move by ${D_MS} ms within the derived tolerance, no sample below it" $T/delay.why
{
	for p in 50 90; do
		set -- $(pct $BASE B 12 $p); l0=${1:-} h0=${2:-}
		set -- $(pct $X B 12 $p); l1=${1:-} h1=${2:-}
		echo "# T2 p$p: [$l0, $h0) ns without delay, [$l1, $h1) ns with the delay on T1" >&3
		[[ -n $l0 && -n $l1 ]] || { echo "T2 p$p: no histogram"; continue; }
		((l1 < h0 + J)) || echo "T2 p$p moved from [$l0, $h0) to [$l1, $h1)"
	done
} 3>&1 >$T/delay2.why 2>&3
grep '^# ' $T/delay2.why
sed -i '/^# /d' $T/delay2.why
ok_if "delay: T2's hop latency p50 and p90 do not move" $T/delay2.why
ktap_finish
