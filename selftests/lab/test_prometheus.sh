#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End to end with a real Prometheus server: the exporter serves /metrics in
# netns B, where the data path is attached; Prometheus (Debian's package,
# loopback only, temporary TSDB, 1 s scrape interval) scrapes it there. A
# known RoCEv2 traffic pattern is sent from netns A and the counters must
# show up in Prometheus's HTTP API with exactly the expected values. Then
# the port identity rules (Documentation/metrics.md, "Port series"): a
# renamed port is a new label set, and an interface that gets a deleted
# one's ifindex starts from zero, a counter reset rather than a splice.
#
# The exporter is fabricd when it is built and accepts our config (set
# FABRIC_EXPORTER=dump to force the fallback), otherwise fabric-loader plus
# fabric-metrics-dump --serve, which runs the same exporter code.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
source selftests/lab/lib.sh

LOADER=$LAB_BUILD/fabric-loader
DUMP=$LAB_BUILD/fabric-metrics-dump
FABRICD=$LAB_BUILD/fabricd
GEN=$LAB_BUILD/roce-gen
PROMETHEUS=$(command -v prometheus || echo /usr/bin/prometheus)

for b in "$LOADER" "$DUMP" "$GEN"; do
	[[ -x $b ]] || lab_skip_all "$b not built (make)"
done
[[ -x $PROMETHEUS ]] || lab_skip_all "prometheus not installed (scripts/setup-deps)"
lab_init curl jq python3

ktap_plan 14
T=$LAB_TMP

lab_ns A a && lab_ns B b && lab_veth "$A" a0 "$B" b0 &&
	lab_addr "$A" a0 10.73.0.1/24 && lab_addr "$B" b0 10.73.0.2/24 &&
	lab_neigh "$A" a0 10.73.0.2 "$B" b0 && lab_neigh "$B" b0 10.73.0.1 "$A" a0 || {
	ktap_fail "lab setup"
	ktap_finish
}
lab_pin_dir PB b

# A free TCP port on B's loopback, chosen by the kernel.
free_port() {
	lab_nsenter "$B" python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
bcurl() {
	lab_nsenter "$B" curl -s --max-time 5 "$@"
}

EPORT=$(free_port)
PPORT=$(free_port)
while [[ $PPORT == "$EPORT" ]]; do PPORT=$(free_port); done

start_fabricd() {
	cat >"$T/fabric.conf" <<-EOF
	[node]
	id = 7
	[datapath]
	interfaces = b0
	flows = 4096
	pin_dir = $PB
	[exporter]
	listen = 127.0.0.1:$EPORT
	top_k = 10
	[control]
	socket = $T/fabricd.sock
	EOF
	lab_nsenter "$B" "$FABRICD" --check-config -c "$T/fabric.conf" >"$T/check.log" 2>&1 || return 1
	lab_bg "$B" "$T/exporter.out" "$FABRICD" -c "$T/fabric.conf"
	EXPORTER_PID=$LAB_BG_PID
	EXPORTER=fabricd
}

start_dump() {
	lab_nsenter "$B" "$LOADER" load --pin-dir "$PB" --flows 4096 b0 >"$T/load.log" 2>&1 || return 1
	lab_bg "$B" "$T/exporter.out" "$DUMP" --pin-dir "$PB" --top-k 10 --serve "127.0.0.1:$EPORT"
	EXPORTER_PID=$LAB_BG_PID
	EXPORTER="fabric-metrics-dump --serve"
}

wait_http() { # URL: poll up to ~10 s for a 200
	local n=100

	while ((n-- > 0)); do
		[[ $(bcurl -o /dev/null -w '%{http_code}' "$1") == 200 ]] && return 0
		sleep 0.1
	done
	return 1
}

#1 exporter up: GET /metrics is 200 with the 0.0.4 content type
EXPORTER=
if [[ ${FABRIC_EXPORTER:-auto} != dump && -x $FABRICD ]]; then
	start_fabricd || lab_log "fabricd not usable here ($(head -1 "$T/check.log")), using fabric-metrics-dump"
fi
[[ -n $EXPORTER ]] || start_dump
ctype=
if [[ -n $EXPORTER ]] && wait_http "http://127.0.0.1:$EPORT/metrics"; then
	ctype=$(bcurl -o /dev/null -w '%{content_type}' "http://127.0.0.1:$EPORT/metrics")
fi
if [[ $ctype == "text/plain; version=0.0.4; charset=utf-8" ]]; then
	ktap_ok "exporter ($EXPORTER) serves /metrics as text format 0.0.4"
else
	cat "$T"/load.log "$T"/exporter.out* 2>/dev/null | sed 's/^/# /'
	ktap_fail "exporter ($EXPORTER) serves /metrics as text format 0.0.4" "content type '$ctype'"
	ktap_finish
fi

#2 read-only: other methods 405 (with Allow), other paths 404, index at /
http_codes() {
	local u=http://127.0.0.1:$EPORT got

	got="$(bcurl -o /dev/null -w '%{http_code}' -X POST -d x=1 "$u/metrics") \
$(bcurl -o /dev/null -w '%{http_code}' -X DELETE "$u/metrics") \
$(bcurl -o /dev/null -w '%{http_code}' "$u/nope") \
$(bcurl -o /dev/null -w '%{http_code}' "$u/") \
$(bcurl -o /dev/null -w '%{http_code}' -I "$u/metrics")"
	[[ $got == "405 405 404 200 200" ]] && bcurl -D - -o /dev/null -X PUT "$u/metrics" |
		grep -qi '^Allow: GET, HEAD' && return 0
	echo "# POST DELETE /nope / HEAD: $got, expected 405 405 404 200 200 and an Allow header"
	return 1
}
ktap_check "405 for other methods, 404 for other paths" http_codes

#3 a taken port is a clear error, not a hang or a silent retry
taken() {
	local out

	out=$(lab_nsenter "$B" timeout 5 "$DUMP" --pin-dir "$PB" --serve "127.0.0.1:$EPORT" 2>&1)
	local rc=$?
	[[ $rc -ne 0 && $rc -ne 124 && $out == *"127.0.0.1:$EPORT"*"already in use"* ]] ||
		{ echo "# rc $rc: $out"; return 1; }
}
ktap_check "second exporter on the same port fails with 'already in use'" taken

#4 Prometheus, loopback only, temporary TSDB
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
lab_bg "$B" "$T/prometheus.out" "$PROMETHEUS" --config.file="$T/prometheus.yml" \
	--storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
	--log.level=warn
PROM_PID=$LAB_BG_PID
if wait_http "http://127.0.0.1:$PPORT/-/ready" || wait_http "http://127.0.0.1:$PPORT/-/ready"; then
	ktap_ok "prometheus ready (pid $PROM_PID, port $PPORT)"
else
	tail -5 "$T/prometheus.out.err" | sed 's/^/# /'
	ktap_fail "prometheus ready"
	ktap_finish
fi

# query EXPR: the single value of an instant query, or "none"
query() {
	bcurl --get --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" |
		jq -r 'if .status == "success" and (.data.result | length) == 1
		       then .data.result[0].value[1] else "none" end'
}

# expect NAME EXPR VALUE [EXPR VALUE]...: poll (scrapes are 1 s apart) for
# up to 15 s until every EXPR has its VALUE at once
expect() {
	local name=$1 n=75 i args bad got

	shift
	args=("$@")
	while ((n-- > 0)); do
		bad=
		for ((i = 0; i < ${#args[@]}; i += 2)); do
			got=$(query "${args[i]}")
			if [[ $got != "${args[i + 1]}" ]]; then
				bad="${args[i]} = $got, expected ${args[i + 1]}"
				break
			fi
		done
		[[ -z $bad ]] && break
		sleep 0.2
	done
	if [[ -z $bad ]]; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "$bad"
	fi
}

expect "target scraped: up == 1" 'up{job="fabric"}' 1

# Known pattern, batch 1: 2 flows (qp 0x500, 0x501) x 200 requests, ECT(0),
# every 4th CE-marked: 400 RoCE packets, 100 CE.
lab_nsenter "$A" "$GEN" -d 10.73.0.2 -q 2 --qp-base 0x500 -n 200 -e ect0 --ce-every 4 \
	-r 20000 >"$T/g1.json" 2>"$T/g1.err" || lab_log "roce-gen: $(cat "$T/g1.err")"
sent=$(jq '.packets' "$T/g1.json" 2>/dev/null)
[[ $sent == 400 ]] || lab_log "roce-gen reports $sent packets sent, expected 400"

F0='src="10.73.0.1",dst="10.73.0.2",qp="1280"'
F1='src="10.73.0.1",dst="10.73.0.2",qp="1281"'
expect "port counters: 400 RoCE packets, 100 CE" \
	'fabric_port_rx_roce_packets_total{port="b0"}' 400 \
	'fabric_port_rx_ce_packets_total{port="b0"}' 100
expect "per-flow counters: 200 packets and 50 CE on each flow" \
	"fabric_flow_rx_packets_total{$F0}" 200 "fabric_flow_ce_packets_total{$F0}" 50 \
	"fabric_flow_rx_packets_total{$F1}" 200 "fabric_flow_ce_packets_total{$F1}" 50

# Batch 2, same flows continuing their PSNs: 2 x 50 requests, every 2nd
# CE-marked: totals become 500 RoCE packets and 150 CE.
lab_nsenter "$A" "$GEN" -d 10.73.0.2 -q 2 --qp-base 0x500 -n 50 --psn-start 200 \
	-e ect0 --ce-every 2 -r 20000 >"$T/g2.json" 2>"$T/g2.err" ||
	lab_log "roce-gen: $(cat "$T/g2.err")"
expect "counters grow: 500 RoCE packets, 150 CE after batch 2" \
	'fabric_port_rx_roce_packets_total{port="b0"}' 500 \
	'fabric_port_rx_ce_packets_total{port="b0"}' 150 \
	"fabric_flow_ce_packets_total{$F1}" 75
expect "two flows tracked and exported, no PSN gaps" \
	'fabric_flows_tracked' 2 'count(fabric_flow_rx_packets_total)' 2 \
	'sum(fabric_flow_psn_gaps_total)' 0
expect "fabric_build_info == 1" 'sum(fabric_build_info)' 1

IFX=$(ip -n "$B" -o link show b0 | cut -d: -f1)
expect "timestamps are Unix times; truncation is a gauge" \
	"abs(time() - fabric_port_rx_last_timestamp_seconds{port=\"b0\",ifindex=\"$IFX\"}) < bool 120" 1 \
	'abs(time() - max(fabric_flow_last_rx_timestamp_seconds)) < bool 120' 1 \
	'fabric_flows_not_exported' 0 'absent(fabric_flows_truncated_total)' 1

# Rename b0 to b9: the same interface, so its counters go on, under a new
# label set; the old one ends.
ip -n "$B" link set b0 down && ip -n "$B" link set b0 name b9 &&
	ip -n "$B" link set b9 up || lab_log "renaming b0 failed"
expect "a renamed port is a new label set, with its interface's counters" \
	"fabric_port_rx_roce_packets_total{port=\"b9\",ifindex=\"$IFX\"}" 500 \
	'absent(fabric_port_rx_roce_packets_total{port="b0"})' 1

# Delete it and make a new b0 with the same ifindex: until fabricd attaches
# to it, the old interface's counters must not show under the new one; then
# they start from zero.
reuse() {
	local n

	[[ $EXPORTER == fabricd ]] || { echo "# needs fabricd (exporter: $EXPORTER)"; return 1; }
	lab_stop "$EXPORTER_PID"
	ip -n "$B" link del b9 &&
		ip -n "$B" link add b0 index "$IFX" type veth peer name a0 netns "$A" &&
		ip -n "$B" link set b0 up && ip -n "$A" link set a0 up &&
		lab_addr "$A" a0 10.73.0.1/24 && lab_addr "$B" b0 10.73.0.2/24 &&
		lab_neigh "$A" a0 10.73.0.2 "$B" b0 && lab_neigh "$B" b0 10.73.0.1 "$A" a0 ||
		{ echo "# could not recreate b0 with ifindex $IFX"; return 1; }
	lab_nsenter "$B" "$DUMP" --pin-dir "$PB" >"$T/reuse.txt" 2>"$T/reuse.err" ||
		{ sed 's/^/# /' "$T/reuse.err"; return 1; }
	n=$(grep -c "^fabric_port_.*ifindex=\"$IFX\"" "$T/reuse.txt")
	[[ $n == 0 ]] || { echo "# $n series of the deleted interface before the attach"; return 1; }
	lab_bg "$B" "$T/exporter2.out" "$FABRICD" -c "$T/fabric.conf"
	EXPORTER_PID=$LAB_BG_PID
	wait_http "http://127.0.0.1:$EPORT/metrics" || { echo "# fabricd did not come back"; return 1; }
	lab_nsenter "$A" "$GEN" -d 10.73.0.2 --qp-base 0x600 -n 100 -r 20000 \
		>"$T/g3.json" 2>"$T/g3.err" || { sed 's/^/# /' "$T/g3.err"; return 1; }
}
ktap_check "ifindex reuse: the old interface's counters are not shown for the new one" reuse
expect "ifindex reuse: the new interface counts from zero; Prometheus sees one reset" \
	"fabric_port_rx_roce_packets_total{port=\"b0\",ifindex=\"$IFX\"}" 100 \
	"resets(fabric_port_rx_roce_packets_total{port=\"b0\",ifindex=\"$IFX\"}[5m])" 1

ktap_finish
