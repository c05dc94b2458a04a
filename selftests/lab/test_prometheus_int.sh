#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# INT metrics through a real Prometheus server. The leaf-spine lab
# (scripts/lab/lab.sh) runs one fabricd per node, configured by [int]:
#
#   h1 (source, node 1) - l1 (transit 11) = s1 (21) / s2 (22) = l2 (12) - h2 (sink, 2)
#
# h2's fabricd serves /metrics on its loopback; Prometheus (Debian's
# package, temporary TSDB, 1 s scrapes) scrapes it there. After embed-mode
# roce-gen traffic (N = 1), the Prometheus HTTP API must give, for every
# node id and path, exactly the counts the sink's maps hold (read with
# bpftool, summed over CPUs, not through fabric's own reader), with
# cumulative buckets whose +Inf equals _count, and the scrape must pass
# promtool check metrics.
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
. selftests/lab/int_lib.sh
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
FABRICD=$BUILD/fabricd ROCEGEN=$BUILD/roce-gen
PROMETHEUS=$(command -v prometheus || echo /usr/bin/prometheus)
export LAB_PREFIX=ix$$
P=$LAB_PREFIX

skip_all() { echo "1..0 # SKIP $1"; exit 4; }
for b in "$FABRICD" "$ROCEGEN" "$BUILD/fabric.bpf.o"; do
	[[ -e $b ]] || skip_all "$b not built (make BUILD=$BUILD)"
done
[[ $(id -u) == 0 ]] || skip_all "needs root"
[[ -x $PROMETHEUS ]] || skip_all "prometheus not installed (scripts/setup-deps)"
for t in promtool bpftool curl python3; do
	command -v $t >/dev/null || skip_all "$t not installed (scripts/setup-deps)"
done

T=$(mktemp -d /tmp/fabric-prom-int.XXXXXX)
NODES=(h1 l1 s1 s2 l2 h2)
declare -A DPID ID ROLES IFACES
ID=([h1]=1 [l1]=11 [s1]=21 [s2]=22 [l2]=12 [h2]=2)
ROLES=([h1]=source [l1]=transit [s1]=transit [s2]=transit [l2]=transit [h2]=sink)
IFACES=([h1]=eth0 [h2]=eth0 [l1]="hst up1 up2" [l2]="hst up1 up2" [s1]="dn1 dn2" [s2]="dn1 dn2")
PROMPID= RXPID=
EPORT=9464 PPORT=9090


cleanup() {
	local n
	for p in $PROMPID $RXPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	il_stop "${NODES[@]}"
	BUILD=$BUILD scripts/lab/lab.sh down >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

ktap_plan 6

if ! BUILD=$BUILD scripts/lab/lab.sh up >"$T/lab.log" 2>&1; then
	echo "Bail out! lab.sh up failed:"; sed 's/^/# /' "$T/lab.log"; exit 1
fi
# fabric replaces no other XDP program: the lab's probe reflectors go
for n in l1 l2; do for d in up1 up2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done
for n in s1 s2; do for d in dn1 dn2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done

start_node() { # node
	local n=$1
	il_conf "$n" "$([[ $n == h2 ]] && echo 127.0.0.1:$EPORT || echo off)" >"$T/$n.conf"
	cat >>"$T/$n.conf" <<-EOC
	[int]
	roles = ${ROLES[$n]}
	node_id = ${ID[$n]}
	mode = embed
	sample = 1
	dscp = all
	EOC
	il_run "$n"
}

ok=1
for n in "${NODES[@]}"; do start_node "$n" || ok=0; done
if ((ok)); then ktap_ok "fabricd with [int] on all six nodes"; else
	ktap_fail "fabricd with [int] on all six nodes"; exit 1; fi

cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: fabric
    static_configs:
      - targets: ['127.0.0.1:$EPORT']
EOF
nsenter --net=/run/netns/"$P-h2" "$PROMETHEUS" --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$T/prom.log" 2>&1 &
PROMPID=$!
api() { nx h2 curl -s --max-time 5 --get --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query"; }
ready=0
for _ in $(seq 150); do
	[[ $(nx h2 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PPORT/-/ready") == 200 ]] &&
		{ ready=1; break; }
	sleep 0.2
done
if ((ready)); then ktap_ok "prometheus ready in h2's netns (pid $PROMPID)"; else
	ktap_fail "prometheus ready" "$(tail -5 "$T/prom.log")"; exit 1; fi

# --- traffic: embed mode, every packet, 32 flows over both spines --------
FLOWS=32 PER=25
N=$((FLOWS * PER))
nsenter --net=/run/netns/"$P-h2" "$ROCEGEN" recv --idle 3 --ready-file "$T/rx.ready" >"$T/rx.json" 2>"$T/rx.err" &
RXPID=$!
for _ in $(seq 50); do [[ -e $T/rx.ready ]] && break; sleep 0.1; done
nx h1 "$ROCEGEN" -d 10.1.2.2 -q $FLOWS -n $PER -r 4000 >"$T/tx.log" 2>&1
wait "$RXPID"; RXPID=

# The sink's maps, read with bpftool and summed over CPUs: hop count per
# node id and packet count per path (node ids in path order, joined by >).
maps() {
	local d
	d=$(pin h2)
	python3 - <(bpftool -j map dump pinned "$d/fab_int_hops") \
		<(bpftool -j map dump pinned "$d/fab_int_paths") <<'EOF'
import json, sys

def raw(v):
    # bpftool -j gives raw bytes as hex strings (and, with BTF, "formatted")
    return bytes(int(x, 16) for x in v)

def u64(b, off):
    return int.from_bytes(b[off:off + 8], "little")

def entries(path):
    out = []
    for e in json.load(open(path)):
        key = raw(e["key"])
        vals = [raw(c["value"]) for c in e["values"]]
        out.append((key, vals))
    return out

hops = {}
for key, vals in entries(sys.argv[1]):
    n = sum(u64(v, 0) for v in vals)
    if n:
        hops[int.from_bytes(key[:4], "little")] = n
paths = {}
for key, vals in entries(sys.argv[2]):
    k = [int.from_bytes(key[i:i + 4], "little") for i in range(0, 36, 4)]
    paths[">".join(str(x) for x in k[1:1 + k[0]])] = sum(u64(v, 0) for v in vals)
print(json.dumps({"hops": hops, "paths": paths}))
EOF
}

# Wait until the sink stripped all N (its maps are then final), then
# until Prometheus holds a scrape taken after that.
got=
for _ in $(seq 100); do
	got=$(maps 2>"$T/maps.err")
	[[ $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sum(d["paths"].values()))' "$got" 2>/dev/null) == "$N" ]] && break
	sleep 0.1
done
echo "$got" >"$T/maps.json"
if python3 - "$T/maps.json" "$N" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
h = {int(k): v for k, v in d["hops"].items()}
ok = h.get(11) == n and h.get(12) == n and h.get(21, 0) + h.get(22, 0) == n \
     and set(d["paths"]) <= {"11>21>12", "11>22>12"} and sum(d["paths"].values()) == n
print("# maps: hops %s paths %s" % (h, d["paths"]))
sys.exit(0 if ok else 1)
EOF
then
	ktap_ok "the sink's maps (bpftool) hold $N packets on the paths 11>21|22>12"
else
	ktap_fail "the sink's maps hold every instrumented packet" "$(cat "$T/maps.json" "$T/maps.err")"
fi

# poll Prometheus until its hop and path counts equal the maps' (15 s)
compare() {
	api 'fabric_int_hop_latency_seconds_count' >"$T/q_hops.json"
	api 'fabric_int_path_latency_seconds_count' >"$T/q_paths.json"
	python3 - "$T/maps.json" "$T/q_hops.json" "$T/q_paths.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
def series(path, label):
    r = json.load(open(path))
    if r.get("status") != "success":
        return None
    return {s["metric"][label]: int(float(s["value"][1])) for s in r["data"]["result"]}
hops, paths = series(sys.argv[2], "node"), series(sys.argv[3], "path")
want_paths = dict(m["paths"]); want_paths["other"] = 0
errs = []
if hops != {k: v for k, v in m["hops"].items()}:
    errs.append("hop counts: prometheus %s, maps %s" % (hops, m["hops"]))
if paths != want_paths:
    errs.append("path counts: prometheus %s, maps %s" % (paths, want_paths))
print("; ".join(errs) if errs else "ok hops %s paths %s" % (hops, paths))
EOF
}
res=
for _ in $(seq 75); do
	res=$(compare)
	[[ $res == ok* ]] && break
	sleep 0.2
done
if [[ $res == ok* ]]; then
	ktap_ok "prometheus: every node id and path, counts equal to the maps' (${res#ok })"
else
	ktap_fail "prometheus: node ids and path counts equal the maps'" "$res"
fi

# every histogram series: buckets cumulative in le order, +Inf == _count,
# the same 90 bounds everywhere
buckets() {
	api 'fabric_int_hop_latency_seconds_bucket or fabric_int_path_latency_seconds_bucket' >"$T/q_b.json"
	api 'fabric_int_hop_latency_seconds_count or fabric_int_path_latency_seconds_count' >"$T/q_c.json"
	python3 - "$T/q_b.json" "$T/q_c.json" <<'EOF'
import json, sys
b, c = (json.load(open(p))["data"]["result"] for p in sys.argv[1:3])
def ident(m):
    fam = m["__name__"].rsplit("_", 1)[0]
    return fam, m.get("node", m.get("path"))
count = {ident(s["metric"]): float(s["value"][1]) for s in c}
series = {}
for s in b:
    le = s["metric"]["le"]
    series.setdefault(ident(s["metric"]), []).append(
        (float("inf") if le == "+Inf" else float(le), float(s["value"][1])))
errs, bounds = [], set()
for k, pts in series.items():
    pts.sort()
    bounds.add(tuple(p[0] for p in pts))
    if any(pts[i][1] > pts[i + 1][1] for i in range(len(pts) - 1)):
        errs.append("%s not cumulative" % (k,))
    if pts[-1][0] != float("inf") or pts[-1][1] != count.get(k):
        errs.append("%s: +Inf %s, _count %s" % (k, pts[-1], count.get(k)))
if len(bounds) != 1 or len(next(iter(bounds))) != 90:
    errs.append("bucket bounds differ or are not 90: %s" % [len(x) for x in bounds])
if set(series) != set(count) or len(series) < 5:
    errs.append("series %s vs counts %s" % (sorted(series), sorted(count)))
print("; ".join(errs) if errs else "ok %d series" % len(series))
EOF
}
res=$(buckets)
if [[ $res == ok* ]]; then
	ktap_ok "histograms: buckets cumulative, +Inf equals _count, 90 bounds (${res#ok })"
else
	ktap_fail "histograms: buckets cumulative, +Inf equals _count" "$res"
fi

# counters and the exporter's own text
nx h2 curl -sf "http://127.0.0.1:$EPORT/metrics" >"$T/metrics.txt"
lint=$(promtool check metrics <"$T/metrics.txt" 2>&1)
stripped=$(api 'fabric_int_sink_packets_total{result="stripped"}' |
	python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if len(r) == 1 else "none")')
if [[ -z $lint && $stripped == "$N" ]]; then
	ktap_ok "promtool check metrics clean; fabric_int_sink_packets_total{result=\"stripped\"} = $N"
else
	ktap_fail "promtool clean and stripped counter" "lint '$lint', stripped '$stripped', want $N"
fi
ktap_finish
