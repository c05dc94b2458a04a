#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabric is a good neighbour at tc egress: its cls_bpf filter (pref 4011)
# returns TC_ACT_UNSPEC, so filters after it in the clsact chain still run.
#
# 1. Chain: a second cls_bpf filter at pref 49152 on the same egress (a
#    second fabric instance, with maps of its own) counts exactly the
#    frames the first one counted. With TC_ACT_OK it would count none.
# 2. The lab's blackhole (scripts/lab/lab.sh + fault.sh, as `make demo`
#    uses them) on an uplink that fabric is attached to drops data both
#    ways: one-way UDP l1 -> s1 (egress, after fabric's filter) and
#    s1 -> l1 (ingress) reaches no receiver, while fabric still counts
#    it; after `fault.sh recover` the same traffic arrives in full.
# The host has no cls_matchall/act_gact (no modules), so every filter here
# is cls_bpf in direct-action mode.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
LAB_PREFIX=${LAB_PREFIX:-b2tc$$}
source selftests/lab/lib.sh

LOADER=$LAB_BUILD/fabric-loader
CTL=$LAB_BUILD/fabricctl
N=300		# datagrams per burst: below a veth backlog

for b in "$LOADER" "$CTL" "$LAB_BUILD/fabric-failover-test" \
	 "$LAB_BUILD/lab_fault.bpf.o" "$LAB_BUILD/probe.bpf.o"; do
	[[ -e $b ]] || lab_skip_all "$b not built (make)"
done
lab_init jq bpftool tc nft python3

ktap_plan 7
T=$LAB_TMP

port_field() { # NS PIN IFNAME FIELD
	lab_nsenter "$1" "$CTL" -j --pin-dir "$2" ports |
		jq -r --arg n "$3" "[.[] | select(.ifname == \$n) | .$4][0] // 0"
}

send_udp() { # NS DST COUNT
	lab_nsenter "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"b2" * 32, (sys.argv[1], 9999))
    if i % 50 == 49:
        time.sleep(0.002)
' "$2" "$3"
}

# An nftables counter of UDP/9999 arriving at NS's input hook.
rx_counter_add() { # NS
	lab_nsenter "$1" nft -f - <<'NFT'
table inet b2tc {
	counter rx { }
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport 9999 counter name rx
	}
}
NFT
}

rx_counter() { # NS
	lab_nsenter "$1" nft -j list counter inet b2tc rx |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

#
# 1. A second filter after ours sees every frame.
#
chain_setup() {
	lab_ns A a && lab_ns B b || return 1
	# distinct ifindexes: the second instance is loaded on c0 (never used
	# for traffic) and must not count B's or c0's frames as a0's
	ip -n "$A" link add a0 index 120 type veth peer name b0 index 121 netns "$B" &&
		ip -n "$A" link add c0 index 122 type veth peer name c1 index 123 &&
		ip -n "$A" link set a0 up && ip -n "$B" link set b0 up &&
		ip -n "$A" link set c0 up && ip -n "$A" link set c1 up || return 1
	# no IPv6 on a0: an MLD report between two counter reads would skew them
	lab_nsenter "$A" sysctl -qw net.ipv6.conf.a0.disable_ipv6=1 >/dev/null &&
		lab_addr "$A" a0 10.72.0.1/24 && lab_addr "$B" b0 10.72.0.2/24 &&
		lab_neigh "$A" a0 10.72.0.2 "$B" b0 || return 1
	lab_pin_dir P1 first && lab_pin_dir P2 second || return 1
	lab_nsenter "$A" "$LOADER" load --pin-dir "$P1" --flows 4096 a0 >"$T/l1.log" 2>&1 &&
		lab_nsenter "$A" "$LOADER" load --pin-dir "$P2" --flows 4096 c0 >"$T/l2.log" 2>&1 ||
		{ sed 's/^/# /' "$T"/l?.log; return 1; }
	lab_nsenter "$A" tc filter add dev a0 egress pref 49152 \
		bpf da object-pinned "$P2/prog_tc_tx"
}

if ! chain_setup; then
	lab_bail "setup of the two-filter chain failed"
fi

prefs=$(lab_nsenter "$A" tc filter show dev a0 egress | awk '/^filter/ {
	for (i = 1; i < NF; i++) if ($i == "pref") print $(i + 1) }' | sort -un | tr '\n' ' ')
if [[ $prefs == "4011 49152 " ]]; then
	ktap_ok "a0 egress: fabric at pref 4011, a second cls_bpf filter at 49152"
else
	ktap_fail "a0 egress: fabric at pref 4011, a second cls_bpf filter at 49152" \
		"prefs: $prefs"
fi

send_udp "$A" 10.72.0.2 "$N" || lab_bail "sending from $A failed"
sleep 0.3
first=$(port_field "$A" "$P1" a0 tx_packets)
second=$(port_field "$A" "$P2" a0 tx_packets)
lab_log "a0 tx_packets: fabric $first, the filter after it $second (sent $N)"
if ((first >= N && second == first)); then
	ktap_ok "the filter after fabric's sees every egress frame"
else
	ktap_fail "the filter after fabric's sees every egress frame"
fi

#
# 2. The lab's blackhole drops both ways with fabric attached.
#
LAB_UP=0
lab_down() {
	((LAB_UP)) && LAB_PREFIX=$LAB_PREFIX BUILD=$LAB_BUILD \
		scripts/lab/lab.sh down quiet >/dev/null 2>&1
	LAB_UP=0
	lab_cleanup
}
trap lab_down EXIT

L1=$LAB_PREFIX-l1 S1=$LAB_PREFIX-s1
export LAB_PREFIX BUILD=$LAB_BUILD
LAB_UP=1
scripts/lab/lab.sh up >"$T/lab.log" 2>&1 || { sed 's/^/# /' "$T/lab.log"; lab_bail "lab.sh up failed"; }
lab_pin_dir PF l1fab
if ! lab_nsenter "$L1" "$LOADER" load --pin-dir "$PF" --flows 4096 up1 up2 >"$T/lf.log" 2>&1; then
	sed 's/^/# /' "$T/lf.log"
	lab_bail "fabric-loader on l1's uplinks failed"
fi
# Permanent neighbours: during the blackhole ARP fails, and the datagrams
# must still leave as frames for fabric and the injector to see.
lab_neigh "$L1" up1 10.2.11.2 "$S1" dn1 && lab_neigh "$S1" dn1 10.2.11.1 "$L1" up1 &&
	rx_counter_add "$L1" && rx_counter_add "$S1" || lab_bail "neighbours or nft counters"

prefs=$(lab_nsenter "$L1" tc filter show dev up1 egress | awk '/^filter/ {
	for (i = 1; i < NF; i++) if ($i == "pref") print $(i + 1) }' | sort -un | tr '\n' ' ')
if [[ $prefs == "4011 49152 " ]]; then
	ktap_ok "l1 up1 egress: fabric before the lab's fault injector"
else
	ktap_fail "l1 up1 egress: fabric before the lab's fault injector" "prefs: $prefs"
fi

# burst DIR: N datagrams one way; prints "received fabric_count"
burst() {
	local before after fb fa
	if [[ $1 == out ]]; then
		before=$(rx_counter "$S1") fb=$(port_field "$L1" "$PF" up1 tx_packets)
		send_udp "$L1" 10.2.11.2 "$N"
		sleep 0.3
		after=$(rx_counter "$S1") fa=$(port_field "$L1" "$PF" up1 tx_packets)
	else
		before=$(rx_counter "$L1") fb=$(port_field "$L1" "$PF" up1 rx_packets)
		send_udp "$S1" 10.2.11.1 "$N"
		sleep 0.3
		after=$(rx_counter "$L1") fa=$(port_field "$L1" "$PF" up1 rx_packets)
	fi
	echo "$((after - before)) $((fa - fb))"
}

scripts/lab/fault.sh l1-s1 blackhole >"$T/fault.log" 2>&1 ||
	{ sed 's/^/# /' "$T/fault.log"; lab_bail "fault.sh blackhole failed"; }
read -r got_out fab_out < <(burst out)
read -r got_in fab_in < <(burst in)
lab_log "blackhole: l1->s1 received $got_out (fabric tx +$fab_out), s1->l1 received $got_in (fabric rx +$fab_in), sent $N each"
if ((got_out == 0 && fab_out >= N)); then
	ktap_ok "blackhole drops l1->s1 after fabric counted it (egress)"
else
	ktap_fail "blackhole drops l1->s1 after fabric counted it (egress)"
fi
if ((got_in == 0 && fab_in >= N)); then
	ktap_ok "blackhole drops s1->l1 after fabric counted it (ingress)"
else
	ktap_fail "blackhole drops s1->l1 after fabric counted it (ingress)"
fi

scripts/lab/fault.sh l1-s1 recover >"$T/fault.log" 2>&1 ||
	{ sed 's/^/# /' "$T/fault.log"; lab_bail "fault.sh recover failed"; }
lab_neigh "$L1" up1 10.2.11.2 "$S1" dn1 && lab_neigh "$S1" dn1 10.2.11.1 "$L1" up1 ||
	lab_bail "neighbours after recovery"
read -r got_out fab_out < <(burst out)
read -r got_in fab_in < <(burst in)
lab_log "recovered: l1->s1 received $got_out, s1->l1 received $got_in, sent $N each"
ktap_check "after recovery l1->s1 arrives in full" test "$got_out" -eq "$N"
ktap_check "after recovery s1->l1 arrives in full" test "$got_in" -eq "$N"

ktap_finish
