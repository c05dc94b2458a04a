#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Restore is hitless: when l1's uplink to spine 1 returns, the flows that
# come back to it must not lose a packet. The trap: the kernel flushed
# the gateway's neighbour entry with the carrier, so a member re-added
# before its gateway resolves sends those flows into the neighbour queue.
# Here that queue holds one packet (unres_qlen_bytes 0 on up1), no probes
# run on the leaf, and the carrier comes back by itself (the spine's port
# up, nothing else: no ping across the link as fault.sh's recover does,
# and the spine has no route that makes it ARP for the leaf), so nothing
# resolves the gateway during the hold-down but the engine (at carrier
# up, and before the member rejoins). Traffic is the bench's base rate
# (40 kpps over 16 flows); a gap is a missing sequence number, whatever
# its duration. Limit, measured: with the engine's resolve stubbed out
# (fnh_neigh_resolve wrapped to do nothing) this still passed 2 of 2: the
# leaf's own ARP on veth answers in tens of us, less than a returning
# flow's packet spacing, so the one-packet queue never overflows. It
# would fail where ARP is slower than that (a switch CPU answering in ms);
# the lab cannot delay ARP alone (its injector delays every frame). With
# 4 flows no flow came back at the restore's first step (the case the
# check refuses: "no flow returned"), so 16 it is.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

L1NS=/run/netns/$LAB_PREFIX-l1

# Moves back to spine 1 after time T: at least one, none with a packet
# skipped across it; and no later arrival gap with packets lost.
check_hitless() {
	awk -v T="$2" '
	/^move /{for(i=2;i<=NF;i++){split($i,kv,"="); m[kv[1]]=kv[2]}
		t=substr($2,3); if(t < T) next
		if(m["to"] == 1) back++
		if(m["lost"] > 0){printf "# flow %s lost %s packets moving %s->%s\n",
			m["flow"], m["lost"], m["from"], m["to"]; bad=1}}
	/^gap /{for(i=2;i<=NF;i++){split($i,kv,"="); g[kv[1]]=kv[2]}
		t=substr($2,3); if(t < T) next
		if(g["lost"] > 0){printf "# flow %s lost %s packets (gap %s us)\n",
			g["flow"], g["lost"], g["gap_us"]; bad=1}}
	END{if(!back){print "# no flow returned to spine 1"; bad=1}; exit bad}' "$WORK/$1.tr"
}

fo_setup 6
nsenter --net="$L1NS" sysctl -qw net.ipv4.neigh.up1.unres_qlen_bytes=0 ||
	{ echo "Bail out! cannot set up1's neighbour queue"; exit 1; }
fo_engine e 1 --no-probe --hold-ms 300 || exit 1
"$T" traffic --src "$LAB_PREFIX-h1" --dst "$LAB_PREFIX-h2" --to 10.1.2.2 \
	--flows 16 --pps 40000 --seconds 60 >"$WORK/t.tr" 2>&1 &
FO_PIDS+=($!)
TRAFFIC_t=$!
fo_wait_line "$WORK/t.tr" '^flowing' 10 || { echo "Bail out! no traffic"; exit 1; }
fo_fault l1-s1 carrier
ktap_check "carrier down: group left with spine 2" fo_wait_members 1 "12" 5
sleep 0.5
# carrier back, and nothing else (see above)
t_up=$("$T" carrier --ns "$LAB_PREFIX-s1" --dev dn1 up) ||
	{ echo "Bail out! spine port up failed"; exit 1; }
echo "fault carrier-up l1-s1 t=$t_up" >>"$WORK/fault.log"
ktap_check "carrier up: member restored" fo_wait_members 1 "11 12" 5
ktap_check "carrier up: restore settled" fo_wait_settled 1 5
sleep 0.3
fo_traffic_stop t
ktap_check "restore: no flow lost a packet coming back" check_hitless t "$t_up"
ktap_check "restore: no flow permanently lost" fo_check_resumed t
fo_engine_stop e
ktap_check "restore: the engine saw the path back up" fo_event e 'path l1-s1 state=up'
((KTAP_FAILED)) && fo_dump e.log t.tr fault.log
ktap_finish
