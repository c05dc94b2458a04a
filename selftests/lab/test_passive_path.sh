#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Passive evidence charged to the path a flow takes, not to the port the
# evidence arrives on (Documentation/gray.md, "Passive evidence").
#
# Asymmetric routing in the netns lab: leaf 1 sends h1 -> h2 over spine 1
# only (its group leaf1 has the one path l1-s1; l1-s2 sits in a group of
# its own), and leaf 2 routes h2 -> h1 over spine 2. roce-gen sends
# requests h1 -> h2; a small responder on h2 answers every PSN gap with a
# NAK (PSN sequence error), which comes back over spine 2 and enters
# leaf 1 on up2. Loss on spine 1 (scripts/lab/fault.sh s1 loss) makes the
# gaps. fabricd on leaf 1 must charge the NAKs to l1-s1 (up1, where the
# requests left), in its per-path counters, its events and its failover
# signal, and leave l1-s2 alone. Asserts outcomes, polls with bounds.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD
export LAB_PREFIX=pe$$
FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl GEN=$BUILD/roce-gen
LAB=$ROOT/scripts/lab/lab.sh FAULT=$ROOT/scripts/lab/fault.sh
for b in "$FABRICD" "$FABRICCTL" "$GEN" "$BUILD/fabric-failover-test" \
	 "$BUILD/lab-fault" "$BUILD/probe.bpf.o"; do
	[[ -e $b ]] || { echo "1..0 # SKIP $b not built (make)"; exit 4; }
done
[[ $(id -u) == 0 ]] || { echo "1..0 # SKIP needs root"; exit 4; }
for t in jq curl python3 promtool; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t missing (scripts/setup-deps)"; exit 4; }
done

WORK=$(mktemp -d /tmp/fabric-pe.XXXXXX)
PIN=/sys/fs/bpf/$LAB_PREFIX-dp
CONF=$WORK/fabric.conf LOG=$WORK/fabricd.log
export FABRIC_SOCKET=$WORK/fabricd.sock
L1=/run/netns/$LAB_PREFIX-l1 H1=/run/netns/$LAB_PREFIX-h1 H2=/run/netns/$LAB_PREFIX-h2
DPID= GPID= RPID=
METRICS=127.0.0.1:9479

cleanup() {
	local p
	for p in $GPID $RPID $DPID; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[[ -e $L1 ]] && nsenter --net="$L1" "$FABRICD" -c "$CONF" --detach >/dev/null 2>&1
	rm -rf "$PIN"
	"$LAB" down >/dev/null 2>&1
	[[ -n ${KEEP_LOGS:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

ktap_plan 9
if ! "$LAB" up >"$WORK/lab.log" 2>&1; then
	sed 's/^/# /' "$WORK/lab.log"
	echo "Bail out! lab up failed"
	exit 1
fi
# h2 -> h1 over spine 2 only.
ip -n "$LAB_PREFIX-l2" route replace 10.1.1.0/24 via 10.2.22.2 dev up2

# No probes, no silence: only the passive signals. One NAK or gap event
# is a gap burst, so the first one decides which path goes DOWN.
cat >"$CONF" <<EOC
[datapath]
interfaces = up1 up2
pin_dir = $PIN
flows = 4096
tx_flows = 1024
[exporter]
listen = $METRICS
[control]
socket = $FABRIC_SOCKET
[log]
event_burst = 0
[thresholds]
psn_gap_burst = 1
holddown_ms = 300

[group leaf1]
id = 100
paths = l1-s1
buckets = 32
routes = 10.1.2.0/24

[group spare]
id = 101
paths = l1-s2
buckets = 32
routes = 10.9.9.0/24

[path l1-s1]
dev = up1
gateway = 10.2.11.2
nexthop_id = 11
probe = off

[path l1-s2]
dev = up2
gateway = 10.2.12.2
nexthop_id = 12
probe = off
EOC

# The responder: per (source, QP), a request whose PSN jumps ahead gets
# one NAK(PSN sequence error) carrying the expected PSN, sent to the
# requester's UDP 4791 and to a QP of its own (the requester's side of the
# connection), as an RC responder does. Counts go to $WORK/resp.json.
cat >"$WORK/responder.py" <<'EOP'
import json, signal, socket, sys, time
out_path = sys.argv[1]
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("0.0.0.0", 4791))
rx.settimeout(0.2)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
st = {"requests": 0, "gaps": 0, "naks": 0}
expect = {}
def dump():
    with open(out_path + ".tmp", "w") as f:
        json.dump(st, f)
    import os
    os.replace(out_path + ".tmp", out_path)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
last = 0.0
try:
    while True:
        now = time.monotonic()
        if now - last > 0.2:
            dump()
            last = now
        try:
            data, (addr, _) = rx.recvfrom(65535)
        except socket.timeout:
            continue
        if len(data) < 12:
            continue
        op = data[0]
        if op >> 5 != 0 or 0x0d <= (op & 0x1f) <= 0x12:
            continue
        qp = int.from_bytes(data[5:8], "big")
        psn = int.from_bytes(data[9:12], "big")
        st["requests"] += 1
        e = expect.get((addr, qp))
        expect[(addr, qp)] = (psn + 1) & 0xffffff
        if e is None or psn == e or ((psn - e) & 0xffffff) >= 1 << 23:
            continue
        st["gaps"] += 1
        nak = bytes([0x11, 0, 0xff, 0xff, 0]) + \
            ((0x10000 + qp) & 0xffffff).to_bytes(3, "big") + \
            bytes([0]) + e.to_bytes(3, "big") + bytes([0x60, 0, 0, 0]) + bytes(4)
        tx.sendto(nak, (addr, 4791))
        st["naks"] += 1
finally:
    dump()
EOP

ctl() { nsenter --net="$L1" "$FABRICCTL" --pin-dir "$PIN" "$@"; }
scrape() { nsenter --net="$L1" curl -sf "http://$METRICS/metrics"; }
# metric NAME PATH: the value of NAME{path=PATH}, or -1
metric() {
	scrape | awk -v n="$1" -v p="path=\"$2\"" \
		'index($0, n "{") == 1 && index($0, p) { v = $NF } END { print v == "" ? -1 : v }'
}

start_fabricd() {
	nsenter --net="$L1" "$FABRICD" -c "$CONF" >>"$LOG" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		ctl -j paths >/dev/null 2>&1 && scrape >/dev/null && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# fabricd did not come up:"; sed 's/^/# /' "$LOG"
	return 1
}

# poll SECONDS CMD...: until CMD succeeds
poll() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

path_is() { # NAME JQ-CONDITION
	ctl -j paths | jq -e --arg n "$1" ".paths[] | select(.name == \$n) | $2" >/dev/null 2>&1
}

naks_on() { # PATH MIN: fabric_path_passive_naks_total{path=PATH} >= MIN
	local v
	v=$(metric fabric_path_passive_naks_total "$1")
	((v >= $2))
}

responder_naks() { jq -r '.naks // 0' "$WORK/resp.json" 2>/dev/null || echo 0; }

ktap_check "fabricd starts on leaf 1, passive signals only" start_fabricd

nsenter --net="$H2" python3 "$WORK/responder.py" "$WORK/resp.json" \
	>"$WORK/resp.log" 2>&1 &
RPID=$!
poll 10 test -s "$WORK/resp.json"
# 8 QPs, 4000 requests/s in all, h1 -> h2, for up to two minutes.
nsenter --net="$H1" "$GEN" send -d 10.1.2.2 -q 8 -o write -r 4000 -b 1 \
	-n 0 -t 120 >"$WORK/gen.log" 2>&1 &
GPID=$!

requests_flow() { (($(jq -r '.requests // 0' "$WORK/resp.json" 2>/dev/null || echo 0) > 200)); }
ktap_check "requests reach h2 over spine 1" poll 10 requests_flow

out=$("$FAULT" s1 loss 5 2>&1) || echo "# fault: $out"
echo "$out" >>"$WORK/fault.log"
responder_nakked() { (($(responder_naks) >= 20)); }
ktap_check "loss on spine 1: h2 answers gaps with NAKs" poll 20 responder_nakked

ktap_check "NAKs charged to l1-s1 (up1, where the requests left)" \
	poll 20 naks_on l1-s1 20
s2_naks=$(metric fabric_path_passive_naks_total l1-s2)
s2_fallback=$(metric fabric_path_passive_fallback_total l1-s2)
s2_packets=$(metric fabric_path_passive_packets_total l1-s2)
s1_packets=$(metric fabric_path_passive_packets_total l1-s1)
if [[ $s2_naks == 0 && $s2_fallback == 0 && $s2_packets == 0 && $s1_packets -gt 0 ]]; then
	ktap_ok "nothing charged to l1-s2, where the NAKs arrived"
else
	ktap_fail "nothing charged to l1-s2, where the NAKs arrived" \
		"l1-s2 naks=$s2_naks fallback=$s2_fallback packets=$s2_packets; l1-s1 packets=$s1_packets"
fi

ev=$(ctl -j events -n 1000 2>/dev/null)
n_ok=$(jq -s '[flatten[] | objects | select(.type == "nak" and .ifname == "up2" and .path_ifname == "up1" and .path_how == "pair")] | length' <<<"$ev" 2>/dev/null)
n_bad=$(jq -s '[flatten[] | objects | select(.type == "nak" and .path_ifname == "up2")] | length' <<<"$ev" 2>/dev/null)
if [[ ${n_ok:-0} -ge 1 && ${n_bad:-1} == 0 ]]; then
	ktap_ok "events: NAKs arrive on up2 and name path up1"
else
	ktap_fail "events: NAKs arrive on up2 and name path up1" \
		"matching=$n_ok on-up2=$n_bad $(head -c 400 <<<"$ev")"
fi

ktap_check "failover: l1-s1 DOWN, reason gap-burst" \
	poll 10 path_is l1-s1 '.state == "down" and .reason == "gap-burst"'
ktap_check "failover: l1-s2 UP, never failed" \
	path_is l1-s2 '.state == "up" and .counters.failovers == 0 and .counters.kept == 0'

scrape >"$WORK/metrics.txt"
if promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.log" 2>&1; then
	ktap_ok "promtool check metrics"
else
	ktap_fail "promtool check metrics" "$(head -c 400 "$WORK/promtool.log")"
fi

if ((KTAP_FAILED)); then
	sed 's/^/# /' "$WORK/fault.log" "$WORK/gen.log" "$WORK/resp.log" 2>/dev/null | tail -20
	grep fabric_path_passive "$WORK/metrics.txt" | sed 's/^/# /'
	sed 's/^/# /' "$LOG" | tail -30
fi
ktap_finish
