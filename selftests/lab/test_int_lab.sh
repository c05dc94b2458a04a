#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# INT end to end in the leaf-spine lab (scripts/lab/lab.sh), one fabricd
# per node, configured by [int] only:
#
#   h1 (source, node 1) - l1 (transit 11) = s1 (21) / s2 (22) = l2 (12) - h2 (sink, 2)
#
# roce-gen sends RoCE-shaped traffic from h1 to h2 in embed mode, N = 1.
# Asserted: every instrumented packet is stripped at h2 and reaches
# roce-gen's receiver on port 4791; every hop (11, 21, 22, 12) appears in
# `fabricctl -j int` at the sink, with counts equal to the instrumented
# packets (l1 and l2 see all of them, the spines share them); each path is
# l1 > spine > l2. Probe mode: `fabricctl int probe` datagrams are
# instrumented at h1, recorded and dropped at h2. Then a 200 us busy-wait
# on s1 (scripts/lab/fault.sh s1 delay 200 in): s1's p50 moves by the
# delay, within the bounds derived in Documentation/int.md ("Tools and
# metrics"), and no other hop's p50 does.
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
. selftests/lab/int_lib.sh
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl ROCEGEN=$BUILD/roce-gen
export LAB_PREFIX=iu$$
P=$LAB_PREFIX
D_US=200

skip_all() { echo "1..0 # SKIP $1"; exit 4; }
for b in "$FABRICD" "$FABRICCTL" "$ROCEGEN" "$BUILD/fabric.bpf.o" "$BUILD/lab-fault"; do
	[[ -e $b ]] || skip_all "$b not built (make BUILD=$BUILD)"
done
[[ $(id -u) == 0 ]] || skip_all "needs root"

T=$(mktemp -d /tmp/fabric-int-lab.XXXXXX)
NODES=(h1 l1 s1 s2 l2 h2)
declare -A DPID ID ROLES IFACES
TCPDUMP=
ID=([h1]=1 [l1]=11 [s1]=21 [s2]=22 [l2]=12 [h2]=2)
ROLES=([h1]=source [l1]=transit [s1]=transit [s2]=transit [l2]=transit [h2]=sink)
IFACES=([h1]=eth0 [h2]=eth0 [l1]="hst up1 up2" [l2]="hst up1 up2" [s1]="dn1 dn2" [s2]="dn1 dn2")
RXPID=


cleanup() {
	local n
	[[ -n $RXPID ]] && kill "$RXPID" 2>/dev/null && wait "$RXPID" 2>/dev/null
	[[ -n $TCPDUMP ]] && kill "$TCPDUMP" 2>/dev/null && wait "$TCPDUMP" 2>/dev/null
	il_stop "${NODES[@]}"
	BUILD=$BUILD scripts/lab/lab.sh down >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

ktap_plan 10

if ! BUILD=$BUILD scripts/lab/lab.sh up >"$T/lab.log" 2>&1; then
	echo "Bail out! lab.sh up failed:"; sed 's/^/# /' "$T/lab.log"; exit 1
fi
# fabric replaces no other XDP program: take the lab's probe programs off
# the ports fabricd will run on (this lab has no failover to reflect for).
for n in l1 l2; do for d in up1 up2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done
for n in s1 s2; do for d in dn1 dn2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done

start_node() { # node
	local n=$1
	il_conf "$n" "$([[ $n == h2 ]] && echo 127.0.0.1:9464 || echo off)" >"$T/$n.conf"
	cat >>"$T/$n.conf" <<-EOC
	[int]
	roles = ${ROLES[$n]}
	node_id = ${ID[$n]}
	mode = embed
	sample = 1
	dscp = all
	EOC
	il_run "$n" -v
}

ok=1
for n in "${NODES[@]}"; do start_node "$n" || ok=0; done
if ((ok)); then ktap_ok "fabricd with [int] on all six nodes"; else
	ktap_fail "fabricd with [int] on all six nodes"; exit 1; fi

ints() { nx "$1" "$FABRICCTL" --pin-dir "$(pin "$1")" -j int; }
stat() { # node field
	ints "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"][sys.argv[1]])' "$2"
}
# until [[ $(stat NODE FIELD) == WANT ]], 10 s at most
wait_stat() {
	local i v
	for i in $(seq 100); do
		v=$(stat "$1" "$2")
		[[ $v == "$3" ]] && return 0
		sleep 0.1
	done
	echo "# $1 $2 = $v, want $3"
	return 1
}

# --- embed mode, N = 1, real traffic from the generator ---------------
FLOWS=32 PER=25
N=$((FLOWS * PER))
nx h2 "$ROCEGEN" recv --idle 3 --ready-file "$T/rx.ready" >"$T/rx.json" 2>"$T/rx.err" &
RXPID=$!
for _ in $(seq 50); do [[ -e $T/rx.ready ]] && break; sleep 0.1; done
nx h1 "$ROCEGEN" -d 10.1.2.2 -q $FLOWS -n $PER -r 4000 >"$T/tx.log" 2>&1
src=$(stat h1 src_instrumented)
if [[ $src == "$N" ]] && wait_stat h2 sink_stripped "$N"; then
	ktap_ok "embed N=1: source instrumented $src of $N, sink stripped all"
else
	ktap_fail "embed N=1: source instrumented and sink stripped" "src $src, want $N; $(ints h2 | head -c 600)"
fi
wait "$RXPID"; RXPID=
rx=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("packets", d.get("rx_packets", -1)))' "$T/rx.json" 2>/dev/null)
if [[ $rx == "$N" ]]; then
	ktap_ok "the receiver got all $N restored packets on port 4791"
else
	ktap_fail "the receiver got all restored packets" "got '$rx', want $N: $(head -c 400 "$T/rx.json") $(cat "$T/rx.err")"
fi

ints h2 >"$T/int1.json"
check=$(python3 - "$T/int1.json" "$N" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
nodes = {x["node"]: x["count"] for x in d["nodes"]}
paths = {p["path"]: p["latency"]["count"] for p in d["paths"]}
errs = []
if nodes.get(11) != n or nodes.get(12) != n:
    errs.append("leaves %s, want %d each" % (nodes, n))
if not nodes.get(21) or not nodes.get(22) or nodes.get(21, 0) + nodes.get(22, 0) != n:
    errs.append("spines %s, want both, summing to %d" % (nodes, n))
if set(paths) - {"11>21>12", "11>22>12"} or sum(paths.values()) != n:
    errs.append("paths %s" % paths)
for p in d["paths"]:
    if [h["node"] for h in p["hops"]] != [int(x) for x in p["path"].split(">")]:
        errs.append("hops of %s out of order" % p["path"])
bad = d["stats"]["sink_malformed"]
if any(bad.values()) or d["stats"]["sink_errors"]:
    errs.append("malformed %s errors %d" % (bad, d["stats"]["sink_errors"]))
print("; ".join(errs) if errs else "ok %s %s" % (nodes, paths))
EOF
)
if [[ $check == ok* ]]; then
	ktap_ok "every hop in fabricctl -j int, counts equal the instrumented packets (${check#ok })"
else
	ktap_fail "every hop in fabricctl -j int with counts equal to instrumented packets" "$check"
fi

tr=1
for n in l1 l2; do
	[[ $(stat $n transit_pushed) == "$N" && $(stat $n transit_completed) == "$N" ]] || tr=0
done
s1p=$(stat s1 transit_completed) s2p=$(stat s2 transit_completed)
if ((tr && s1p + s2p == N)); then
	ktap_ok "transits: l1, l2 completed $N hops each, s1 $s1p + s2 $s2p"
else
	ktap_fail "transit counters" "l1 $(stat l1 transit_completed) l2 $(stat l2 transit_completed) s1 $s1p s2 $s2p, want $N"
fi

out=$(nx h2 "$FABRICCTL" --pin-dir "$(pin h2)" int)
if grep -q "^PATH 11>2[12]>12" <<<"$out" && grep -qE "^  [0-9]+ +21 " <<<"$out"; then
	ktap_ok "fabricctl int shows the paths and their hops"
else
	ktap_fail "fabricctl int shows the paths and their hops" "$out"
fi

# --- metrics at the sink: promtool-clean, every hop and path there ------
nx h2 curl -sf http://127.0.0.1:9464/metrics >"$T/metrics.txt"
lint=$(promtool check metrics <"$T/metrics.txt" 2>&1)
hops=$(grep -cE '^fabric_int_hop_latency_seconds_count\{node="(11|12|21|22)"\} ' "$T/metrics.txt")
l1=$(sed -nE 's/^fabric_int_hop_latency_seconds_count\{node="11"\} ([0-9]+)$/\1/p' "$T/metrics.txt")
other=$(grep -c '^fabric_int_path_latency_seconds_count{path="other"}' "$T/metrics.txt")
# the Grafana dashboard's INT queries use only families rendered here
for m in $(grep -o 'fabric_int_[a-z_]*' packaging/grafana-dashboard.json |
	   sed -E 's/_(bucket|sum|count)$//' | sort -u); do
	grep -q "^# TYPE $m " "$T/metrics.txt" || lint="$lint dashboard uses $m, not rendered;"
done
if [[ -z $lint && $hops == 4 && $l1 == "$N" && $other == 1 ]]; then
	ktap_ok "metrics: promtool-clean, dashboard INT queries rendered, 4 hop histograms (l1 count $l1), path=\"other\" present"
else
	ktap_fail "metrics: promtool-clean with every hop" "lint '$lint', hops $hops, l1 '$l1', other $other: $(grep fabric_int_ "$T/metrics.txt" | grep -v _bucket | head -30)"
fi

# --- probe mode --------------------------------------------------------
sp0=$(stat h2 sink_probes)
if nx h1 "$FABRICCTL" int probe 10.1.2.2 -n 50 -r 500 --sport 40001 >/dev/null &&
   wait_stat h1 src_probes 50 && wait_stat h2 sink_probes $((sp0 + 50)); then
	ktap_ok "probe mode: 50 probes instrumented at h1, recorded and dropped at h2"
else
	ktap_fail "probe mode" "h1 src_probes $(stat h1 src_probes), h2 sink_probes $(stat h2 sink_probes)"
fi

# --- 200 us on s1 --------------------------------------------------------
ints h2 >"$T/before.json"
if ! BUILD=$BUILD scripts/lab/fault.sh s1 delay $D_US in >"$T/fault.log" 2>&1; then
	ktap_fail "inject the delay on s1" "$(cat "$T/fault.log")"
	ktap_finish
fi
nx h1 "$ROCEGEN" -d 10.1.2.2 -q $FLOWS -n $PER -r 1000 -p 50000 >/dev/null 2>&1
wait_stat h2 sink_stripped $((2 * N)) >/dev/null
ints h2 >"$T/after.json"
BUILD=$BUILD scripts/lab/fault.sh s1 recover >/dev/null 2>&1
res=$(python3 - "$T/before.json" "$T/after.json" "$D_US" <<'EOF'
import json, sys
b, a = (json.load(open(f)) for f in sys.argv[1:3])
D = int(sys.argv[3]) * 1000
le = a["bucket_le_ns"] + [float("inf")]
def hist(d, node):
    for x in d["nodes"]:
        if x["node"] == node:
            return x["buckets"]
    return [0] * len(le)
def q(h, f):
    # the bucket [lo, hi) holding the f-quantile
    n = sum(h); r = max(1, -(-int(f * n * 1000000) // 1000000)); s = 0
    for i, c in enumerate(h):
        s += c
        if s >= r:
            return (le[i - 1] if i else 0, le[i])
    return None
out, fail = [], []
for node in (11, 21, 22, 12):
    hb, ha = hist(b, node), hist(a, node)
    diff = [x - y for x, y in zip(ha, hb)]
    base, new = q(hb, 0.5), q(diff, 0.5) if sum(diff) else None
    out.append("%d: p50 [%g,%g)us -> %s" % (node, base[0] / 1e3, base[1] / 1e3,
               "[%g,%g)us" % (new[0] / 1e3, new[1] / 1e3) if new else "none"))
    if node == 22 and not new:
        continue      # every delayed-run flow may hash to s1: s2 unmeasured
    if not new:
        fail.append("%d has no new samples" % node); continue
    if base[1] > D / 4:
        fail.append("%d's baseline p50 below %g us, too slow to tell" % (node, base[1] / 1e3))
    if node == 21:
        if not (new[1] > D):
            fail.append("s1 p50 %s not above D" % (new,))
        if not (new[0] < base[1] + 2 * D):
            fail.append("s1 p50 %s above base + 2D" % (new,))
        if any(diff[i] for i in range(len(diff)) if le[i] <= D):
            fail.append("s1 has delayed samples below D")
    elif not (new[0] < base[1] + D / 2):
        fail.append("%d p50 %s moved by D/2 or more" % (node, new))
print(("FAIL " + "; ".join(fail) if fail else "ok") + " | " + "; ".join(out))
EOF
)
if [[ $res == ok* ]]; then
	ktap_ok "200 us on s1: s1's p50 moves by D, no other hop's does (${res#ok | })"
else
	ktap_fail "200 us on s1 moves s1's p50 only" "$res"
fi

# --- fabricctl replay --int: a capture of INT frames, decoded -------------
# l2's tc egress toward h2 completes the last hop before the capture taps
# the frame, so the capture on l2's hst holds full three-hop stacks.
nsenter --net=/run/netns/"$P-l2" tcpdump -i hst -Z root -U --immediate-mode -w "$T/int.pcap" udp dst port 4792 2>"$T/tcpdump.log" &
TCPDUMP=$!
for _ in $(seq 50); do grep -q listening "$T/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
nx h1 "$ROCEGEN" -d 10.1.2.2 -q 4 -n 10 -r 1000 -p 51000 >/dev/null 2>&1
sleep 0.5
kill -INT "$TCPDUMP"; wait "$TCPDUMP"; TCPDUMP=
res=$("$FABRICCTL" -j replay --int "$T/int.pcap" 2>&1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
nodes = {x["node"]: x["count"] for x in d["nodes"]}
paths = sorted(p["path"] for p in d["paths"])
ok = nodes.get(11) == 40 and nodes.get(12) == 40 and nodes.get(21, 0) + nodes.get(22, 0) == 40 \
     and d["stats"]["sink_stripped"] == 40 and set(paths) <= {"11>21>12", "11>22>12"}
print(("ok " if ok else "bad ") + "%s %s" % (nodes, paths))' 2>&1)
if [[ $res == ok* ]]; then
	ktap_ok "fabricctl replay --int decodes the 40 captured INT frames (${res#ok })"
else
	ktap_fail "fabricctl replay --int decodes the captured INT frames" "$res; $(cat "$T/tcpdump.log")"
fi
ktap_finish
