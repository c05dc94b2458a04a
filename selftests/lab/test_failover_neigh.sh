#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A neighbour entry left INCOMPLETE/FAILED by sends into a dead uplink
# would hold packets to the gateway for up to a second after the carrier
# returns (the kernel retries only every retrans_time). The engine clears
# it when the carrier comes back (fnh_neigh_unstick()), before the path
# is probed or restored; the gateway then resolves.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

L1NS=/run/netns/$LAB_PREFIX-l1
# nud state of the spine-1 gateway on up1 ("" when there is no entry)
gw_state() {
	ip -n "$LAB_PREFIX-l1" neigh show 10.2.11.2 dev up1 2>/dev/null |
		grep -oE 'INCOMPLETE|FAILED|REACHABLE|STALE|DELAY|PROBE|PERMANENT|NOARP'
}
stuck_gw() {
	# one packet into the dead link creates the entry, resolution fails
	nsenter --net="$L1NS" ping -n -q -c 1 -W 0.2 -I up1 10.2.11.2 >/dev/null 2>&1
	[[ $(gw_state) =~ INCOMPLETE|FAILED ]] ||
		{ echo "# gateway entry is '$(gw_state)', not INCOMPLETE/FAILED"; return 1; }
}
gw_resolves() {
	local i
	for ((i = 0; i < 250; i++)); do
		[[ $(gw_state) =~ REACHABLE|STALE|DELAY|PROBE ]] && return 0
		sleep 0.02
	done
	echo "# gateway entry is '$(gw_state)' 5 s after the carrier returned"
	return 1
}

fo_setup 5
fo_engine e 1 --hold-ms 300 || exit 1
fo_fault l1-s1 carrier
ktap_check "carrier down: engine took the path down" \
	fo_wait_event e "path=l1-s1 up->down reason=(carrier-down|probe-loss)" 5
ktap_check "carrier down: a send left the gateway's entry unresolved" stuck_gw
fo_fault l1-s1 recover
ktap_check "carrier up: member restored" fo_wait_members 1 "11 12" 5
ktap_check "carrier up: the gateway resolves" gw_resolves
fo_engine_stop e
ktap_check "carrier up: the engine cleared the stale entry" \
	fo_event e 'neigh_unstuck=[1-9]'
((KTAP_FAILED)) && fo_dump e.log fault.log
ktap_finish
