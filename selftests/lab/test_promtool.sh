#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The exporter's output on real data: RoCEv2-shaped traffic from roce-gen in
# netns A to netns B, where the data path is attached. The rendered metrics
# (fabric-metrics-dump, the exporter's renderer) must pass
# `promtool check metrics` without a single lint message, must carry the
# generator's exact per-flow counts, and the top-K bound must select exactly
# the flows it documents: the top K by bytes, by CE, by CNP and by PSN gaps.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
source selftests/lab/lib.sh

LOADER=$LAB_BUILD/fabric-loader
DUMP=$LAB_BUILD/fabric-metrics-dump
GEN=$LAB_BUILD/roce-gen

for b in "$LOADER" "$DUMP" "$GEN"; do
	[[ -x $b ]] || lab_skip_all "$b not built (make)"
done
lab_init promtool jq

ktap_plan 10
T=$LAB_TMP

lab_ns A a && lab_ns B b && lab_veth "$A" a0 "$B" b0 &&
	lab_addr "$A" a0 10.72.0.1/24 && lab_addr "$B" b0 10.72.0.2/24 &&
	lab_addr "$A" a0 fd72::1/64 && lab_addr "$B" b0 fd72::2/64 &&
	lab_neigh "$A" a0 10.72.0.2 "$B" b0 && lab_neigh "$A" a0 fd72::2 "$B" b0 &&
	lab_neigh "$B" b0 10.72.0.1 "$A" a0 && lab_neigh "$B" b0 fd72::1 "$A" a0 || {
	ktap_fail "lab setup"
	ktap_finish
}
lab_pin_dir PB b

#1 attach
if lab_nsenter "$B" "$LOADER" load --pin-dir "$PB" --flows 4096 b0 >"$T/load.log" 2>&1; then
	ktap_ok "data path attached on b0"
else
	sed 's/^/# /' "$T/load.log"
	ktap_fail "data path attached on b0"
	ktap_finish
fi

# Four traffic shapes, so each ranking has a different winner:
#   qp 0x100          most bytes, nothing else;
#   qp 0x200          CE marks on every 2nd packet;
#   qp 0x300..0x302   plain, small;
#   qp 0x400 (IPv6)   CNPs and PSN gaps, smallest.
gen() {
	local out=$1

	shift
	lab_nsenter "$A" "$GEN" -r 20000 "$@" >"$out" 2>"$out.err"
}
gen "$T/g1.json" -d 10.72.0.2 --qp-base 0x100 -n 300 -l 1024 &&
	gen "$T/g2.json" -d 10.72.0.2 --qp-base 0x200 -n 100 -l 512 -e ect0 --ce-every 2 &&
	gen "$T/g3.json" -d 10.72.0.2 --qp-base 0x300 -q 3 -n 50 -l 256 &&
	gen "$T/g4.json" -d fd72::2 --qp-base 0x400 -n 20 -l 64 --cnps 5 --gap 1:5
rc=$?

#2 render
if ((rc == 0)) && lab_nsenter "$B" "$DUMP" --pin-dir "$PB" >"$T/metrics.txt" 2>"$T/dump.err" &&
	[[ -s $T/metrics.txt ]]; then
	ktap_ok "metrics rendered ($(grep -vc '^#' "$T/metrics.txt") samples)"
else
	cat "$T"/*.err 2>/dev/null | sed 's/^/# /'
	ktap_fail "metrics rendered"
fi

#3 promtool: valid and lint-clean (it prints nothing then)
promtool_clean() {
	local out

	out=$(promtool check metrics <"$1" 2>&1)
	local rc=$?
	[[ -n $out ]] && echo "$out" | head -20 | sed 's/^/# promtool: /'
	((rc == 0)) && [[ -z $out ]]
}
ktap_check "promtool check metrics: no errors, no lint warnings" promtool_clean "$T/metrics.txt"

# value of a sample: metric name and exact label text, e.g.
#   val fabric_flow_rx_packets_total 'src="10.72.0.1",dst="10.72.0.2",qp="256"'
val() {
	awk -v want="$1{$2}" '$1 == want { print $2; found = 1 } END { exit !found }' "$3"
}

# value of an unlabelled sample
scalar() {
	awk -v n="$1" '$1 == n { print $2 }' "$2"
}

#4 per-flow values equal what roce-gen sent, field by field
lab_gen_expected "$T"/g[1-4].json >"$T/expected.json"
check_flows() {
	local bad=0 f src dst qp lbl exp got m field

	while read -r src dst qp; do
		lbl="src=\"$src\",dst=\"$dst\",qp=\"$qp\""
		for m in rx_packets:packets rx_bytes:bytes ce_packets:ce \
			 ect_packets:ect cnp_packets:cnp psn_gaps:psn_gaps \
			 psn_missing:psn_missing; do
			field=${m#*:}
			exp=$(jq -r --arg s "$src" --argjson q "$qp" --arg f "$field" \
				'.[] | select(.src == $s and .qp == $q) | .[$f]' "$T/expected.json")
			got=$(val "fabric_flow_${m%%:*}_total" "$lbl" "$1") || got=missing
			if [[ $got != "$exp" ]]; then
				echo "# $lbl fabric_flow_${m%%:*}_total = $got, expected $exp"
				bad=1
			fi
		done
	done < <(jq -r '.[] | "\(.src) \(.dst) \(.qp)"' "$T/expected.json")
	return $bad
}
ktap_check "per-flow counters equal the generator's" check_flows "$T/metrics.txt"

#5 port aggregates, labelled with name and ifindex; only b0 carries the
# data path, so only b0 has series
check_ports() {
	local roce ce lbl nports

	lbl="port=\"b0\",ifindex=\"$(ip -n "$B" -o link show b0 | cut -d: -f1)\""
	roce=$(jq '[.[].packets] | add' "$T/expected.json")
	ce=$(jq '[.[].ce] | add' "$T/expected.json")
	nports=$(grep -c '^fabric_port_rx_packets_total{' "$1")
	[[ $(val fabric_port_rx_roce_packets_total "$lbl" "$1") == "$roce" ]] &&
		[[ $(val fabric_port_rx_ce_packets_total "$lbl" "$1") == "$ce" ]] &&
		[[ $nports == 1 ]] && [[ $(scalar fabric_flows_tracked "$1") == 6 ]] ||
		{ echo "# $lbl: roce $(val fabric_port_rx_roce_packets_total "$lbl" "$1") (want $roce), ce $(val fabric_port_rx_ce_packets_total "$lbl" "$1") (want $ce), $nports ports"; return 1; }
}
ktap_check "port counters and fabric_flows_tracked" check_ports "$T/metrics.txt"

#6 *_timestamp_seconds: Unix times of the last packet, a moment ago
check_times() {
	local now bad=0 n=0 name v

	now=$(date +%s)
	while read -r name v; do
		n=$((n + 1))
		awk -v v="$v" -v now="$now" 'BEGIN { exit !(v > now - 120 && v <= now + 1) }' ||
			{ echo "# $name $v is not within 120 s before $now"; bad=1; }
	done < <(grep -E '^fabric_(port_rx_last|flow_last_rx)_timestamp_seconds\{' "$1")
	((n == 7)) || { echo "# $n timestamp samples, expected 1 port + 6 flows"; bad=1; }
	! grep -q '_age_seconds' "$1" || { echo "# an *_age_seconds family is left"; bad=1; }
	return $bad
}
ktap_check "timestamp gauges are Unix times of the last packet" check_times "$T/metrics.txt"

#7 --top-k 1: exactly the winners of the four rankings, and the accounting
lab_nsenter "$B" "$DUMP" --pin-dir "$PB" --top-k 1 >"$T/top1.txt" 2>"$T/top1.err"
check_topk() {
	local qps want="256 512 1024"

	qps=$(grep '^fabric_flow_rx_packets_total{' "$1" | sed 's/.*qp="\([0-9]*\)".*/\1/' | sort -n | xargs)
	if [[ $qps != "$want" ]]; then
		echo "# exported qps: '$qps', expected '$want'"
		return 1
	fi
	# truncation is a gauge of this scrape: no counter that grows per scrape
	[[ $(scalar fabric_flows_exported "$1") == 3 && $(scalar fabric_flows_not_exported "$1") == 3 &&
		$(scalar fabric_flows_top_k "$1") == 1 ]] && ! grep -q '^fabric_flows_truncated' "$1" ||
		{ grep -E '^fabric_flows_' "$1" | sed 's/^/# /'; return 1; }
}
ktap_check "top-K 1 exports the bytes, CE, CNP and gap leaders only" check_topk "$T/top1.txt"

#8 the truncated output is valid too
ktap_check "promtool check metrics on the top-K 1 output" promtool_clean "$T/top1.txt"

#9 every sample belongs to a family with HELP and TYPE
check_meta() {
	awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / { type[$3] = $4; next }
	/^#/ { next }
	{
		n = $1; sub(/\{.*/, "", n); base = n
		if (!(n in type)) { sub(/_(bucket|sum|count)$/, "", base) }
		if (!(base in type) || !(base in help)) { print "# no HELP/TYPE: " n; bad = 1 }
		if (type[base] == "counter" && base !~ /_total$/) { print "# counter without _total: " n; bad = 1 }
	}
	END { exit bad }' "$1"
}
ktap_check "every sample has HELP and TYPE; counters end in _total" check_meta "$T/metrics.txt"

#10 the Grafana dashboard's queries parse, and every fabric_ metric they use
# is one the exporter renders
check_dashboard() {
	local dash=packaging/grafana-dashboard.json m bad=0

	jq -r '[.panels[].targets[]?.expr] | map(gsub("\\$__rate_interval"; "1m") |
		gsub("\\$[a-z_]+"; ".*")) | to_entries |
		"groups:\n- name: dashboard\n  rules:\n" +
		(map("  - record: dashboard:q\(.key)\n    expr: \(.value | @json)") |
		 join("\n"))' "$dash" >"$T/dash-rules.yml" || return 1
	promtool check rules "$T/dash-rules.yml" >"$T/dash-check.log" 2>&1 ||
		{ sed 's/^/# /' "$T/dash-check.log" | head; bad=1; }
	for m in $(jq -r '.panels[].targets[]?.expr, .templating.list[].definition' "$dash" |
		grep -o 'fabric_[a-z_]*' | grep -v '^fabric_int_' | sort -u); do
		# fabric_int_*: fabricd's INT families, checked by test_int_lab.sh
		grep -q "^# TYPE $m " "$1" || { echo "# dashboard uses $m, not rendered"; bad=1; }
	done
	return $bad
}
ktap_check "grafana dashboard: queries parse, metrics exist" check_dashboard "$T/metrics.txt"

ktap_finish
