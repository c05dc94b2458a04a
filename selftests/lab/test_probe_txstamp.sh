#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The echo prober times a probe from the kernel's transmit stamp (at the
# driver) to the kernel's receive stamp (user/lib/probe_txstamp.c), so
# what delays a probe on its own node before it leaves is not path
# latency, while the same delay anywhere after the driver is.
#
#   P (prober, eth0) --- (p) R (router) (x) --- (eth0) X (XDP reflector)
#
# build/probe-txts-test runs the prober on P for a few seconds per case.
# Delays are the lab injector's busy-wait (bpf/lab_fault.bpf.c, 1 ms, its
# cap) against a round trip of tens of us:
# - quiet: every answer is timed from a kernel stamp, none falls back;
# - 1 ms at P's own tc egress (before the driver): the median round trip
#   stays under 0.5 ms with kernel stamps, and with userspace departures
#   (--no-txstamp, the old way) none is under 0.9 ms, which shows the
#   delay was there;
# - 1 ms at R's ingress from P (after P's driver): none under 0.9 ms;
# - sends failing (port down, then netfilter drop), then working again: the kernel's stamp
#   counter is restarted and every later answer still matches its stamp.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
LAB_PREFIX=txt$$
source selftests/lab/lib.sh

TOOL=$LAB_BUILD/probe-txts-test
for b in "$TOOL" "$LAB_BUILD/lab-fault" "$LAB_BUILD/lab_fault.bpf.o" "$LAB_BUILD/probe.bpf.o"; do
	[[ -e $b ]] || lab_skip_all "$b not built (make)"
done
lab_init bpftool tc nft
T=$LAB_TMP
DELAY_US=1000
RUN=(--dev eth0 --local 10.77.1.1 --peer 10.77.2.2 --paths 2 --interval-us 10000 --seconds 2)

ktap_plan 12

lab_ns P p && lab_ns R r && lab_ns X x &&
	lab_veth "$P" eth0 "$R" p && lab_veth "$R" x "$X" eth0 &&
	lab_addr "$P" eth0 10.77.1.1/24 && lab_addr "$R" p 10.77.1.2/24 &&
	lab_addr "$R" x 10.77.2.1/24 && lab_addr "$X" eth0 10.77.2.2/24 &&
	ip -n "$P" route add 10.77.2.0/24 via 10.77.1.2 &&
	ip -n "$X" route add default via 10.77.2.1 &&
	lab_nsenter "$R" sysctl -qw net.ipv4.ip_forward=1 &&
	lab_neigh "$P" eth0 10.77.1.2 "$R" p && lab_neigh "$R" p 10.77.1.1 "$P" eth0 &&
	lab_neigh "$R" x 10.77.2.2 "$X" eth0 && lab_neigh "$X" eth0 10.77.2.1 "$R" x ||
	lab_bail "lab setup"
# X answers with XDP_TX; R's end of that veth must run XDP to take it.
ip -n "$X" link set dev eth0 xdpdrv obj "$LAB_BUILD/probe.bpf.o" sec xdp \
	program fabric_probe_reflect &&
	ip -n "$R" link set dev x xdpdrv obj "$LAB_BUILD/probe.bpf.o" sec xdp \
	program fabric_probe_pass || lab_bail "reflector not attached"

injector() { # VAR NS DEV NAME: the lab fault injector at DEV's ingress and egress
	local pd
	lab_pin_dir pd "$4"
	mkdir -p "$pd" &&
		bpftool prog loadall "$LAB_BUILD/lab_fault.bpf.o" "$pd/prog" pinmaps "$pd" \
			type classifier &&
		lab_nsenter "$2" tc qdisc add dev "$3" clsact &&
		lab_nsenter "$2" tc filter add dev "$3" ingress bpf da object-pinned \
			"$pd/prog/lab_fault_drop" &&
		lab_nsenter "$2" tc filter add dev "$3" egress bpf da object-pinned \
			"$pd/prog/lab_fault_drop" || return 1
	printf -v "$1" %s "$pd"
}
injector OWN "$P" eth0 own && injector FAR "$R" p far || lab_bail "injectors not attached"
fault() { "$LAB_BUILD/lab-fault" --pin "$@" >/dev/null; }

# run NAME ARGS...: one prober run on P; its result line in $T/NAME
run() {
	local name=$1
	shift
	lab_nsenter "$P" "$TOOL" "${RUN[@]}" "$@" >"$T/$name" 2>"$T/$name.err" ||
		echo "# $name: probe-txts-test failed: $(head -3 "$T/$name.err")"
	grep '^probe:' "$T/$name" | sed 's/^/# /'
}
# v NAME KEY: a field of NAME's result
v() { sed -n "s/^probe:.* $2=\([0-9.]*\).*/\1/p" "$T/$1"; }
# ge A B: A >= B (decimals)
ge() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
matched() { # NAME: every answer timed from its kernel stamp, none fell back
	[[ $(v "$1" answered) -gt 0 && $(v "$1" tx_stamped) == "$(v "$1" answered)" &&
		$(v "$1" tx_fallback) == 0 && $(v "$1" tx_unmatched) == 0 ]]
}

run quiet
ktap_check "quiet: both paths use kernel transmit stamps" test "$(v quiet tx_kernel_paths)" = 2
ktap_check "quiet: answers ($(v quiet answered)) = kernel-stamped, 0 fallbacks, 0 unmatched" \
	matched quiet
ktap_check "quiet: at least 90 % of $(v quiet sent) probes answered" \
	ge "$(v quiet answered)" "$(awk -v s="$(v quiet sent)" 'BEGIN { print s * 0.9 }')"

fault "$OWN" --delay-us $DELAY_US --dir out
run own
run own_user --no-txstamp
fault "$OWN" --clear
ktap_check "own egress delay: median round trip $(v own rtt_p50_us) us < 500 us with kernel stamps" \
	ge 500 "$(v own rtt_p50_us)"
ktap_check "own egress delay: still every answer kernel-stamped" matched own
ktap_check "own egress delay, userspace departures: minimum $(v own_user rtt_min_us) us >= 900 us" \
	ge "$(v own_user rtt_min_us)" 900
ktap_check "userspace departures: no kernel stamps, every answer counted a fallback" \
	eval '[[ $(v own_user tx_kernel_paths) == 0 && $(v own_user answered) -gt 0 &&
		$(v own_user tx_fallback) == "$(v own_user answered)" ]]'

fault "$FAR" --delay-us $DELAY_US --dir in
run far
fault "$FAR" --clear
ktap_check "far-side delay: minimum round trip $(v far rtt_min_us) us >= 900 us" \
	ge "$(v far rtt_min_us)" 900
ktap_check "far-side delay: every answer kernel-stamped" matched far

# Sends fail until the link is back, some before the kernel builds the
# datagram (ENETUNREACH: P's port is down; no stamp key taken), some after
# (EPERM: netfilter drops them; a key taken, no stamp). The kernel's key
# counter must be restarted after them; the run goes on after that.
ip -n "$P" link set eth0 down || lab_bail "link down"
lab_bg "$P" "$T/outage" "$TOOL" "${RUN[@]:0:10}" --seconds 6
OPID=$LAB_BG_PID
lab_wait_file "$T/outage" '^# send error' || echo "# no send error seen within 5 s"
lab_nsenter "$P" nft -f - <<'NFT' || lab_bail "nft rule"
table inet txtdrop {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport 3785 drop
	}
}
NFT
ip -n "$P" link set eth0 up && ip -n "$P" route replace 10.77.2.0/24 via 10.77.1.2 &&
	lab_neigh "$P" eth0 10.77.1.2 "$R" p || lab_bail "link up"
sleep 0.3
lab_nsenter "$P" nft delete table inet txtdrop || lab_bail "nft delete"
for ((i = 0; i < 200; i++)); do
	grep -q '^probe:' "$T/outage" && break
	sleep 0.1
done
lab_stop "$OPID"
grep '^probe:' "$T/outage" | sed 's/^/# /'
ktap_check "outage: sends failed ($(v outage send_errors))" ge "$(v outage send_errors)" 1
ktap_check "after the outage: answers = kernel-stamped, 0 fallbacks, 0 unmatched" matched outage

ktap_check "the injectors delayed frames (own and far)" eval \
	'"$LAB_BUILD/lab-fault" --pin "$OWN" --show | grep -qE "delayed[= ]+[1-9]" &&
	 "$LAB_BUILD/lab-fault" --pin "$FAR" --show | grep -qE "delayed[= ]+[1-9]"'
ktap_finish
