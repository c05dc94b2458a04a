#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Attach test: real UDP traffic from roce-gen in netns A to netns B over a
# veth pair, with the data path attached on both ends (fabric-loader).
# B's XDP counters must equal, exactly, what the generator reports it sent;
# A's tc egress counters must equal what left. Then detach and unpin.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
source selftests/lab/lib.sh

LOADER=$LAB_BUILD/fabric-loader
CTL=$LAB_BUILD/fabricctl
GEN=$LAB_BUILD/roce-gen
RATE=20000	# pps: well below what a veth drops at

for b in "$LOADER" "$CTL" "$GEN"; do
	[[ -x $b ]] || lab_skip_all "$b not built (make)"
done
lab_init jq bpftool ping tc

ktap_plan 11
T=$LAB_TMP

lab_ns A a && lab_ns B b && lab_veth "$A" a0 "$B" b0 || {
	ktap_fail "lab setup"
	ktap_finish
}
lab_addr "$A" a0 10.71.0.1/24 && lab_addr "$B" b0 10.71.0.2/24 &&
	lab_addr "$A" a0 fd71::1/64 && lab_addr "$B" b0 fd71::2/64 &&
	lab_neigh "$A" a0 10.71.0.2 "$B" b0 && lab_neigh "$A" a0 fd71::2 "$B" b0 &&
	lab_neigh "$B" b0 10.71.0.1 "$A" a0 && lab_neigh "$B" b0 fd71::1 "$A" a0

# The host kernel may lack 802.1Q; then the VLAN case is skipped.
HAVE_VLAN=0
if ip -n "$A" link add link a0 name a0.100 type vlan id 100 2>/dev/null; then
	HAVE_VLAN=1
	# tag in the frame (not skb metadata) so XDP on b0 sees it
	lab_nsenter "$A" ethtool -K a0 txvlan off >/dev/null 2>&1
	ip -n "$A" link set a0.100 up
	lab_vlan "$B" b0 100 &&
		lab_addr "$A" a0.100 10.71.100.1/24 && lab_addr "$B" b0.100 10.71.100.2/24 &&
		lab_addr "$A" a0.100 fd71:100::1/64 && lab_addr "$B" b0.100 fd71:100::2/64 &&
		lab_neigh "$A" a0.100 10.71.100.2 "$B" b0.100 &&
		lab_neigh "$A" a0.100 fd71:100::2 "$B" b0.100
fi

lab_pin_dir PA a
lab_pin_dir PB b

#1 attach
ok=1
for side in "$A a0 $PA" "$B b0 $PB"; do
	read -r ns dev pin <<<"$side"
	if ! lab_nsenter "$ns" "$LOADER" load --pin-dir "$pin" --flows 4096 "$dev" \
		>"$T/load.log" 2>&1; then
		sed 's/^/# /' "$T/load.log"
		ok=0
		continue
	fi
	ip -n "$ns" -d link show dev "$dev" | grep -q 'prog/xdp' ||
		{ lab_log "$dev: no XDP program after load"; ok=0; }
	tc -n "$ns" filter show dev "$dev" egress | grep -q 'bpf' ||
		{ lab_log "$dev: no tc egress filter after load"; ok=0; }
	[[ -d $pin ]] || { lab_log "$pin: not created"; ok=0; }
done
if ((ok)); then ktap_ok "attach: XDP and tc egress on both veth ends, pinned"
else
	ktap_fail "attach: XDP and tc egress on both veth ends, pinned"
	# nothing below can pass without the data path
	for n in $(seq 2 11); do ktap_skip "after attach" "attach failed"; done
	ktap_finish
fi

#2 non-RoCE traffic passes the data path
PINGS=0
if lab_nsenter "$A" ping -q -c 3 -i 0.2 -W 2 10.71.0.2 >/dev/null &&
	lab_nsenter "$A" ping -q -6 -c 3 -i 0.2 -W 2 fd71::2 >/dev/null; then
	PINGS=6
	ktap_ok "ping IPv4 and IPv6 through the data path"
else
	ktap_fail "ping IPv4 and IPv6 through the data path"
fi

# A receiver in B consumes the traffic (no ICMP unreachables) and counts it.
lab_bg "$B" "$T/recv.json" "$GEN" recv --ready-file "$T/ready"
RECV=$LAB_BG_PID
lab_wait_file "$T/ready" || lab_log "receiver did not start: $(cat "$T/recv.json.err")"

# send NAME ARGS...: one generator run from A; summary in $T/NAME.json
send() {
	local name=$1

	shift
	if ! lab_nsenter "$A" "$GEN" -r "$RATE" "$@" >"$T/$name" 2>"$T/$name.err"; then
		lab_log "roce-gen $name failed: $(cat "$T/$name.err")"
		return 1
	fi
	if [[ $(jq .send_errors "$T/$name") != 0 ]]; then
		lab_log "roce-gen $name: $(jq .send_errors "$T/$name") send errors"
		return 1
	fi
}

FIELDS=(packets bytes psn_gaps psn_missing psn_dups psn_rewinds acks naks
	naks_seq naks_rnr naks_other ce ect cnp)

fabricctl_json() { # NS PIN OBJECT > JSON; in NS so ifnames resolve
	lab_nsenter "$1" "$CTL" -j --pin-dir "$2" "$3"
}

# check_rx NAME: B's XDP flow counters against roce-gen summaries NAME...
check_rx() {
	local desc=$1

	shift
	lab_gen_expected "${@/#/$T/}" >"$T/exp.json" &&
		fabricctl_json "$B" "$PB" flows >"$T/rx.json" 2>"$T/ctl.err" || {
		ktap_fail "$desc" "fabricctl flows failed: $(cat "$T/ctl.err")"
		return
	}
	# only the flows of these runs
	jq --slurpfile e "$T/exp.json" '[.[] | . as $f |
		select([$e[0][] | select(.src == $f.src and .dst == $f.dst)] | length > 0)]' \
		"$T/rx.json" >"$T/rx-sel.json"
	if lab_flows_diff "$T/exp.json" "$T/rx-sel.json" "${FIELDS[@]}" >"$T/diff"; then
		ktap_ok "$desc"
	else
		sed 's/^/# /' "$T/diff"
		ktap_fail "$desc"
	fi
}

#3 IPv4: message mix, READs, gaps, go-back-N, ECT/CE, ACK, NAKs, CNPs, PSN wrap
RUNS_V4=(v4mix.json v4many.json)
if send v4mix.json -d 10.71.0.2 -q 4 --qp-base 0x100 -p 50000 -n 300 -l 512 \
	-o mix --msg-pkts 3 --read-len 4096 --gap 2:50 --rewind 3:70 \
	-e ect0 --ce-every 7 --acks 2 --naks 3:0x60,2:0x20,1:0x63 --cnps 5 \
	--psn-start 0xffff00 &&
	send v4many.json -d 10.71.0.2 -q 64 --qp-base 0x1000 -p 51000 -n 20 -l 64 \
	-b 4 --gap 1:7; then
	check_rx "IPv4 flows: exact per-flow counters (gaps, dups, NAKs, CE, CNP, PSN wrap)" \
		"${RUNS_V4[@]}"
else
	ktap_fail "IPv4 flows: exact per-flow counters (gaps, dups, NAKs, CE, CNP, PSN wrap)"
fi

#4 IPv6
RUNS_V6=(v6.json)
if send v6.json -d fd71::2 -q 3 --qp-base 0x200 -p 52000 -n 200 -l 1024 \
	-o write --msg-pkts 4 --gap 5:40 --rewind 2:90 -e ect1 --ce-every 5 \
	--naks 2:0x60,1:0x21 --acks 1 --cnps 3; then
	check_rx "IPv6 flows: exact per-flow counters" "${RUNS_V6[@]}"
else
	ktap_fail "IPv6 flows: exact per-flow counters"
fi

#5 VLAN
RUNS_VLAN=()
if ((!HAVE_VLAN)); then
	ktap_skip "VLAN flows" "host kernel has no 802.1Q (CONFIG_VLAN_8021Q); covered by selftests/bpf"
elif send vlan4.json -d 10.71.100.2 -q 2 --qp-base 0x300 -p 53000 -n 100 \
		--gap 3:30 --cnps 2 --naks 1:0x60 &&
	send vlan6.json -d fd71:100::2 -q 2 --qp-base 0x400 -p 54000 -n 100 \
		--gap 3:30 -e ce; then
	RUNS_VLAN=(vlan4.json vlan6.json)
	# the tag is in the frame: 4 more bytes per packet than the generator's
	# untagged on-wire size
	for r in "${RUNS_VLAN[@]}"; do
		jq '.flows |= map(.bytes += 4 * .packets)' "$T/$r" >"$T/$r.tmp" &&
			mv "$T/$r.tmp" "$T/$r"
	done
	check_rx "VLAN flows (IPv4 and IPv6 over 802.1Q)" "${RUNS_VLAN[@]}"
else
	ktap_fail "VLAN flows (IPv4 and IPv6 over 802.1Q)"
fi
ALL_RUNS=("${RUNS_V4[@]}" "${RUNS_V6[@]}" "${RUNS_VLAN[@]}")

# sums over every generator run: FIELD
gen_sum() {
	jq -s "[.[].flows[].$1] | add // 0" "${ALL_RUNS[@]/#/$T/}"
}

# port_field JSON IFNAME FIELD
port_field() {
	jq --arg n "$2" ".[] | select(.ifname == \$n) | .$3" "$1"
}

#6 B's port counters
fabricctl_json "$B" "$PB" ports >"$T/bports.json" 2>"$T/ports.err"
bad=()
pk=$(gen_sum packets)
by=$(gen_sum bytes)
want=("rx_roce_packets=$pk" "rx_roce_bytes=$by" "rx_ce=$(gen_sum ce)"
      "rx_cnp=$(gen_sum cnp)" "rx_malformed=0")
for w in "${want[@]}"; do
	got=$(port_field "$T/bports.json" b0 "${w%%=*}")
	[[ $got == "${w#*=}" ]] || bad+=("${w%%=*} = ${got:-missing}, expected ${w#*=}")
done
nr=$(port_field "$T/bports.json" b0 rx_non_roce)
((${nr:-0} >= PINGS)) || bad+=("rx_non_roce = ${nr:-missing}, expected >= $PINGS")
if ((${#bad[@]} == 0)); then
	ktap_ok "B port counters: RoCE packets/bytes/CE/CNP exact, pings non-RoCE"
else
	printf '# b0: %s\n' "${bad[@]}"
	ktap_fail "B port counters: RoCE packets/bytes/CE/CNP exact, pings non-RoCE"
fi

#7 A's tc egress per-flow counters
lab_gen_expected "${ALL_RUNS[@]/#/$T/}" >"$T/exp-all.json"
if fabricctl_json "$A" "$PA" flows >"$T/tx.json" &&
	lab_flows_diff "$T/exp-all.json" "$T/tx.json" tx_packets=packets \
		tx_bytes=bytes >"$T/diff"; then
	ktap_ok "A tc egress: exact per-flow tx packets and bytes"
else
	sed 's/^/# /' "$T/diff"
	ktap_fail "A tc egress: exact per-flow tx packets and bytes"
fi

#8 A's port tx counters
fabricctl_json "$A" "$PA" ports >"$T/aports.json"
bad=()
want=("tx_roce_packets=$pk" "tx_roce_bytes=$by" "tx_ce=$(gen_sum ce)"
      "tx_cnp=$(gen_sum cnp)" "tx_malformed=0")
for w in "${want[@]}"; do
	got=$(port_field "$T/aports.json" a0 "${w%%=*}")
	[[ $got == "${w#*=}" ]] || bad+=("${w%%=*} = ${got:-missing}, expected ${w#*=}")
done
if ((${#bad[@]} == 0)); then
	ktap_ok "A port counters: tx RoCE packets/bytes/CE/CNP exact"
else
	printf '# a0: %s\n' "${bad[@]}"
	ktap_fail "A port counters: tx RoCE packets/bytes/CE/CNP exact"
fi

#9 the receiver got everything
lab_stop "$RECV"
# the receiver prints an object with a flows array; its flows have no dst
jq '.flows' "$T/recv.json" >"$T/recv-flows.json" 2>/dev/null
if lab_flows_diff "$T/exp-all.json" "$T/recv-flows.json" packets bytes ce ect cnp \
	psn_gaps psn_missing psn_dups >"$T/diff" 2>&1; then
	ktap_ok "roce-gen recv counted exactly what was sent"
else
	sed 's/^/# /' "$T/diff"
	ktap_fail "roce-gen recv counted exactly what was sent"
fi

#10, #11 detach and unpin
for side in "$B b0 $PB" "$A a0 $PA"; do
	read -r ns dev pin <<<"$side"
	bad=()
	lab_nsenter "$ns" "$LOADER" unload --pin-dir "$pin" "$dev" >"$T/unload.log" 2>&1 ||
		bad+=("unload failed: $(tr '\n' ' ' <"$T/unload.log")")
	ip -n "$ns" -d link show dev "$dev" | grep -q 'prog/xdp' && bad+=("XDP still attached")
	[[ -n $(tc -n "$ns" filter show dev "$dev" egress) ]] && bad+=("tc egress filter left")
	[[ -n $(lab_nsenter "$ns" bpftool net show dev "$dev" 2>/dev/null |
		grep -E '(xdp|tc).*id [0-9]+|^[a-z0-9]+\([0-9]+\) ') ]] &&
		bad+=("bpftool net still lists a program")
	[[ -e $pin ]] && bad+=("pin dir $pin left")
	if ((${#bad[@]} == 0)); then
		ktap_ok "detach $dev: no program attached, pins removed"
	else
		printf '# %s\n' "${bad[@]}"
		ktap_fail "detach $dev: no program attached, pins removed"
	fi
done

ktap_finish
