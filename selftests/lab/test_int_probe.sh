#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# INT probe mode sent by fabricd itself, in the leaf-spine lab
# (scripts/lab/lab.sh), one fabricd per node, no fabricctl sending:
#
#   h1 (source, node 1) - l1 (transit 11) = s1 (21) / s2 (22) = l2 (12) - h2 (sink, 2)
#
# h1's [int] default class is probe mode with probe_targets = 10.1.2.2 and
# 16 source ports; [int_class gold] (DSCP 26) is embed mode, N = 1.
# Asserted: probes flow with no fabricctl; a bad [int] on SIGHUP is
# rejected with file:line and the probes go on; a SIGHUP to probe_rate 0
# stops them, and then fabricd's sent counter, h1's src_probes, h2's
# sink_probes and the hop counts (l1, l2, s1 + s2) are all equal; RoCE of
# the probe class (DSCP 0) is never instrumented and arrives on 4791,
# RoCE of gold (DSCP 26, set by an nftables rule on h1) is instrumented
# every packet and stripped; a SIGHUP turning gold to probe mode stops
# that; a SIGHUP of the sink keeps its histograms.
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
. selftests/lab/int_lib.sh
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl ROCEGEN=$BUILD/roce-gen
export LAB_PREFIX=ip$$
P=$LAB_PREFIX

skip_all() { echo "1..0 # SKIP $1"; exit 4; }
for b in "$FABRICD" "$FABRICCTL" "$ROCEGEN" "$BUILD/fabric.bpf.o"; do
	[[ -e $b ]] || skip_all "$b not built (make BUILD=$BUILD)"
done
[[ $(id -u) == 0 ]] || skip_all "needs root"

T=$(mktemp -d /tmp/fabric-int-probe.XXXXXX)
NODES=(h1 l1 s1 s2 l2 h2)
declare -A DPID ID ROLES IFACES
ID=([h1]=1 [l1]=11 [s1]=21 [s2]=22 [l2]=12 [h2]=2)
ROLES=([h1]=source [l1]=transit [s1]=transit [s2]=transit [l2]=transit [h2]=sink)
IFACES=([h1]=eth0 [h2]=eth0 [l1]="hst up1 up2" [l2]="hst up1 up2" [s1]="dn1 dn2" [s2]="dn1 dn2")
RXPID=


cleanup() {
	local n
	[[ -n $RXPID ]] && kill "$RXPID" 2>/dev/null && wait "$RXPID" 2>/dev/null
	il_stop "${NODES[@]}"
	BUILD=$BUILD scripts/lab/lab.sh down >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

ktap_plan 10

if ! BUILD=$BUILD scripts/lab/lab.sh up >"$T/lab.log" 2>&1; then
	echo "Bail out! lab.sh up failed:"; sed 's/^/# /' "$T/lab.log"; exit 1
fi
for n in l1 l2; do for d in up1 up2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done
for n in s1 s2; do for d in dn1 dn2; do ip -n "$P-$n" link set dev $d xdpdrv off; done; done

# h1's [int]: $1 the default class's extra lines, $2 gold's
h1_int() {
	cat <<-EOC
	[int]
	roles = source
	node_id = 1
	mode = probe
	$1
	[int_class gold]
	dscp = 26
	$2
	EOC
}

write_conf() { # node [int lines...]
	local n=$1
	il_conf "$n" "$([[ $n == h1 || $n == h2 ]] && echo 127.0.0.1:9464 || echo off)" >"$T/$n.conf"
	if [[ $n == h1 ]]; then
		h1_int "$2" "$3" >>"$T/$n.conf"
	else
		printf '[int]\nroles = %s\nnode_id = %s\n' "${ROLES[$n]}" "${ID[$n]}" >>"$T/$n.conf"
	fi
}

PROBE_ON=$'probe_rate = 50\nprobe_targets = 10.1.2.2\nprobe_sports = 49152-49167'
PROBE_OFF=$'probe_rate = 0\nprobe_targets = 10.1.2.2\nprobe_sports = 49152-49167'
GOLD_EMBED=$'mode = embed\nsample = 1'
GOLD_PROBE=$'mode = probe'

start_node() { il_run "$1" -v; }

# SIGHUP and wait for the reload's verdict in the log: prints it
reload() { # node
	local n=$1 before i
	before=$(grep -c 'reload: \|still running the previous' "$T/$n.log")
	kill -HUP "${DPID[$n]}"
	for i in $(seq 100); do
		(( $(grep -c 'reload: \|still running the previous' "$T/$n.log") > before )) && break
		sleep 0.1
	done
	grep 'reload: \|still running the previous' "$T/$n.log" | tail -1
}

ok=1
# h1 last: every probe it sends finds the transits and the sink running
for n in l1 s1 s2 l2 h2 h1; do
	if [[ $n == h1 ]]; then write_conf h1 "$PROBE_ON" "$GOLD_EMBED"; else write_conf "$n"; fi
	start_node "$n" || ok=0
done
if ((ok)); then ktap_ok "fabricd with [int] and [int_class] on all six nodes"; else
	ktap_fail "fabricd with [int] and [int_class] on all six nodes"; exit 1; fi

ints() { nx "$1" "$FABRICCTL" --pin-dir "$(pin "$1")" -j int; }
stat() { # node field
	ints "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"][sys.argv[1]])' "$2"
}
wait_stat() { # node field want: until equal, 10 s at most
	local i v
	for i in $(seq 100); do
		v=$(stat "$1" "$2")
		[[ $v == "$3" ]] && return 0
		sleep 0.1
	done
	echo "# $1 $2 = $v, want $3"
	return 1
}
metric() { # node name{labels}
	nx "$1" curl -sf http://127.0.0.1:9464/metrics | awk -v m="$2" '$1 == m { print $2 }'
}
SENT='fabric_int_probes_sent_total{class="default"}'

# --- fabricd sends probes; nobody runs fabricctl int probe -------------
for _ in $(seq 100); do (( $(stat h1 src_probes) >= 50 )) && break; sleep 0.1; done
p1=$(stat h1 src_probes)
if (( p1 >= 50 )) && grep -q 'class default sends probes to 1 target' "$T/h1.log"; then
	ktap_ok "fabricd on h1 sends INT probes by itself ($p1 instrumented so far)"
else
	ktap_fail "fabricd on h1 sends INT probes by itself" "src_probes $p1; $(grep INT "$T/h1.log")"
fi

# --- a bad [int] on SIGHUP: rejected, named, the probes go on ---------
write_conf h1 "$PROBE_ON" 'mode = embedd'
line=$(grep -n 'mode = embedd' "$T/h1.conf" | cut -d: -f1)
v=$(reload h1)
p2=$(stat h1 src_probes)
for _ in $(seq 50); do (( $(stat h1 src_probes) > p2 + 10 )) && break; sleep 0.1; done
p3=$(stat h1 src_probes)
if [[ $v == *"still running the previous"* ]] &&
   grep -q "h1.conf:$line: \[int_class gold\] mode: expected off, probe or embed" "$T/h1.log" && (( p3 > p2 + 10 )); then
	ktap_ok "a bad [int] on SIGHUP is rejected with h1.conf:$line, the probes go on ($p2 -> $p3)"
else
	ktap_fail "a bad [int] on SIGHUP is rejected" "verdict '$v', probes $p2 -> $p3; $(grep -i 'int' "$T/h1.log" | tail -5)"
fi

# --- SIGHUP to probe_rate 0: they stop, and every count agrees ----------
write_conf h1 "$PROBE_OFF" "$GOLD_EMBED"
v=$(reload h1)
sleep 0.5
s1=$(metric h1 "$SENT")
sleep 1
s2=$(metric h1 "$SENT")
errs=$(metric h1 'fabric_int_probe_errors_total{class="default"}')
if [[ $v == *"reload: reloaded"* && -n $s1 && $s1 == "$s2" && $errs == 0 ]] &&
   wait_stat h1 src_probes "$s2" && wait_stat h2 sink_probes "$s2"; then
	ktap_ok "SIGHUP to probe_rate 0 stops the probes; sent $s2 = h1 src_probes = h2 sink_probes, 0 errors"
else
	ktap_fail "SIGHUP to probe_rate 0 stops the probes, counts agree" "verdict '$v', sent $s1 then $s2, errors '$errs', h1 src_probes $(stat h1 src_probes), h2 sink_probes $(stat h2 sink_probes)"
fi
S=$s2

ints h2 >"$T/int1.json"
check=$(python3 - "$T/int1.json" "$S" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
nodes = {x["node"]: x["count"] for x in d["nodes"]}
paths = {p["path"]: p["latency"]["count"] for p in d["paths"]}
errs = []
if nodes.get(11) != n or nodes.get(12) != n:
    errs.append("leaves %s, want %d each" % (nodes, n))
if not nodes.get(21) or not nodes.get(22) or nodes.get(21, 0) + nodes.get(22, 0) != n:
    errs.append("spines %s, want both (16 source ports), summing to %d" % (nodes, n))
if set(paths) - {"11>21>12", "11>22>12"} or sum(paths.values()) != n:
    errs.append("paths %s" % paths)
if any(d["stats"]["sink_malformed"].values()) or d["stats"]["sink_errors"]:
    errs.append("malformed or errors: %s" % d["stats"])
print("; ".join(errs) if errs else "ok %s %s" % (nodes, paths))
EOF
)
if [[ $check == ok* ]]; then
	ktap_ok "the sink's hop counts equal the $S probes sent (${check#ok })"
else
	ktap_fail "the sink's hop counts equal the probes sent" "$check"
fi

nx h1 curl -sf http://127.0.0.1:9464/metrics >"$T/metrics.txt"
lint=$(promtool check metrics <"$T/metrics.txt" 2>&1)
if [[ -z $lint ]] && grep -q "^# TYPE fabric_int_probes_sent_total counter" "$T/metrics.txt" &&
   grep -q '^fabric_int_probe_rounds_late_total{class="default"} ' "$T/metrics.txt"; then
	ktap_ok "h1's metrics with the probe counters are promtool-clean"
else
	ktap_fail "h1's metrics with the probe counters are promtool-clean" "$lint $(grep probe "$T/metrics.txt")"
fi

# --- RoCE: the probe class untouched, gold (DSCP 26) embedded ---------
roce() { # count sport-base: 4 flows, returns what the receiver got
	local n=$1 base=$2 rx
	nx h2 "$ROCEGEN" recv --idle 2 --ready-file "$T/rx.ready" >"$T/rx.json" 2>"$T/rx.err" &
	RXPID=$!
	for _ in $(seq 50); do [[ -e $T/rx.ready ]] && break; sleep 0.1; done
	nx h1 "$ROCEGEN" -d 10.1.2.2 -q 4 -n $((n / 4)) -r 2000 -p "$base" >"$T/tx.log" 2>&1
	wait "$RXPID"; RXPID=; rm -f "$T/rx.ready"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("packets", d.get("rx_packets", -1)))' "$T/rx.json" 2>/dev/null
}
i0=$(stat h1 src_instrumented) c0=$(stat h1 src_candidates) st0=$(stat h2 sink_stripped)
rx=$(roce 200 40000)
i1=$(stat h1 src_instrumented) c1=$(stat h1 src_candidates) st1=$(stat h2 sink_stripped)
if [[ $rx == 200 ]] && ((i1 == i0 && c1 == c0 && st1 == st0)); then
	ktap_ok "RoCE of the probe class (DSCP 0): 200 arrive on 4791, none instrumented"
else
	ktap_fail "RoCE of the probe class untouched" "rx '$rx', instrumented $i0 -> $i1, candidates $c0 -> $c1, stripped $st0 -> $st1"
fi

# DSCP 26 for the flows from ports 41000-41099, before h1's tc egress
nx h1 nft -f - <<-'EOF'
	table ip ipmangle {
		chain out {
			type filter hook output priority mangle;
			udp dport 4791 udp sport 41000-41099 ip dscp set 26
		}
	}
EOF
rx=$(roce 200 41000)
i2=$(stat h1 src_instrumented)
if [[ $rx == 200 ]] && ((i2 == i1 + 200)) && wait_stat h2 sink_stripped $((st1 + 200)); then
	ktap_ok "RoCE of gold (DSCP 26, embed N=1): 200 instrumented, stripped, arrive on 4791"
else
	ktap_fail "RoCE of gold embedded" "rx '$rx', instrumented $i1 -> $i2, stripped $(stat h2 sink_stripped) (was $st1)"
fi

# --- SIGHUP: gold to probe mode; the sink's SIGHUP keeps its histograms --
write_conf h1 "$PROBE_OFF" "$GOLD_PROBE"
v=$(reload h1)
rx=$(roce 200 41000)
i3=$(stat h1 src_instrumented)
if [[ $v == *"reload: reloaded"* && $rx == 200 ]] && ((i3 == i2)); then
	ktap_ok "SIGHUP turning gold to probe mode: its RoCE is no longer instrumented"
else
	ktap_fail "SIGHUP turning gold to probe mode" "verdict '$v', rx '$rx', instrumented $i2 -> $i3"
fi

ints h2 >"$T/int2.json"
v=$(reload h2)
ints h2 >"$T/int3.json"
if [[ $v == *"reload: reloaded"* ]] && python3 - "$T/int2.json" "$T/int3.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
key = lambda d: ({x["node"]: x["count"] for x in d["nodes"]}, d["stats"]["sink_probes"], d["stats"]["sink_stripped"])
sys.exit(0 if key(a) == key(b) and key(a)[0] else 1)
EOF
then
	ktap_ok "SIGHUP of the sink keeps its histograms and counters"
else
	ktap_fail "SIGHUP of the sink keeps its histograms" "verdict '$v'"
fi
ktap_finish
