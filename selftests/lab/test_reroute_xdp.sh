#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Data-path reroute in the XDP forwarding path of a switch node: leaf 1
# runs the XDP step (fabric_rr_xdp) on its host port and no tc filter.
# A kernel-side verdict on l1-s1 makes XDP look up each forwarded packet
# (bpf_fib_lookup) and send exactly the flows the kernel's group puts on
# l1-s1 to spine 2 (bpf_redirect, rewritten L2, TTL - 1), while the
# group still holds both members; healthy flows stay in the stack. Then
# the blackhole: probes, replace, and only then the override is cleared.
# Recovery goes through the hold-down.
#
# Two lab artefacts are set aside, as a wire would: h1's UDP checksums
# are completed in software (tx offload off: veth would otherwise hand a
# partial checksum along, which an XDP-forwarded frame cannot finish),
# and the XDP step's companion tc ingress filter drops the sending
# socket's hash that veth carries (a NIC's RSS hash on real ports), so
# that the kernel's choice is the 5-tuple one XDP reproduces.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh
source selftests/lab/reroute_lib.sh

rr_setup 14
nsenter --net=/run/netns/"$LAB_PREFIX-h1" ethtool -K eth0 tx off >/dev/null ||
	{ echo "Bail out! ethtool -K eth0 tx off failed"; exit 1; }
rr_engine e --hold-ms 300 --no-tc --xdp hst || exit 1
ktap_check "XDP step attached on l1's host port" \
	eval 'ip -n "$LAB_PREFIX-l1" -d link show dev hst | grep -q "prog/xdp"'

fo_traffic x || exit 1
rr_declare 0 || exit 1
t_decl=$RR_T
ktap_check "verdict: XDP moves l1-s1's packets" rr_wait_redirected 0 20 5
ktap_check "verdict: the kernel group still holds both members" \
	test "$(fo_members 1)" = "11 12"
sleep 1
fo_fault l1-s1 blackhole
t_fault=$FO_T
ktap_check "blackhole: group replaced with the survivor" fo_wait_members 1 "12" 5
ktap_check "blackhole: override withdrawn after the group agreed" \
	fo_wait_event e 'reroute stage=cleared .* path=l1-s1 gen=1 ' 5
ktap_check "sequence: detected, rerouted, replaced, cleared (times in order)" \
	rr_check_sequence e l1-s1 1 "detected rerouted replaced cleared"
ktap_check "override: verdict cleared, guard bit down" rr_override_gone 0
fo_fault l1-s1 recover
ktap_check "recovery: member restored" fo_wait_members 1 "11 12" 5
ktap_check "recovery: restore settled" fo_wait_settled 1 5
ktap_check "recovery: through the hold-down" rr_check_holddown e l1-s1 300
sleep 0.3
fo_traffic_stop x
ktap_check "traffic: some flow used spine 1" fo_check_used x 1
ktap_check "traffic: every l1-s1 flow left spine 1 before the blackhole (XDP)" \
	rr_moved_before x 1 "$t_fault"
ktap_check "traffic: healthy flows never moved" fo_check_moves x 1 "$t_decl"
ktap_check "traffic: no flow permanently lost" fo_check_resumed x
fo_engine_stop e
((KTAP_FAILED)) && fo_dump e.log x.tr fault.log
ktap_finish
