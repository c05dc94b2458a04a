#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabricd end to end in two network namespaces joined by veths: start,
# traffic seen by fabricctl status/flows/ports/events, restart keeps the
# counters, SIGHUP attaches and detaches interfaces, a bad reload keeps the
# old configuration, the control socket refuses non-root, --detach leaves
# nothing behind. Each run has its own pin dir, socket and namespaces.
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
BUILD=${BUILD:-build}
FABRICD=$BUILD/fabricd FABRICCTL=$BUILD/fabricctl ROCEGEN=$BUILD/roce-gen

skip_all() { echo "1..0 # SKIP $1"; exit 4; }
[[ $(id -u) == 0 ]] || skip_all "needs root"
for b in $FABRICD $FABRICCTL $ROCEGEN; do
	[[ -x $b ]] || skip_all "$b not built (make)"
done
command -v jq >/dev/null || skip_all "jq missing (scripts/setup-deps)"
command -v setpriv >/dev/null || skip_all "setpriv missing"
command -v python3 >/dev/null || skip_all "python3 missing (scripts/setup-deps)"
mountpoint -q /sys/fs/bpf || skip_all "bpffs not mounted at /sys/fs/bpf"

ID=$$
NA=fabd-a-$ID NB=fabd-b-$ID
PIN=/sys/fs/bpf/fabric-test-$ID
T=$(mktemp -d /tmp/fabricd-test.XXXXXX)
chmod 755 "$T"	# only the socket's own mode may keep others out
SOCK=$T/fabricd.sock CONF=$T/fabric.conf LOG=$T/fabricd.log
export FABRIC_SOCKET=$SOCK
DPID=

A() { nsenter --net=/run/netns/$NA "$@"; }
B() { nsenter --net=/run/netns/$NB "$@"; }
ctl() { A "$FABRICCTL" --pin-dir "$PIN" "$@"; }

cleanup() {
	[[ -n $DPID ]] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	A "$FABRICD" -c "$CONF" --detach >/dev/null 2>&1
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	[[ -d $PIN ]] && rm -rf "$PIN"
	rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$NA" && ip netns add "$NB" || { echo "Bail out! cannot create network namespaces"; exit 1; }
ip link add va netns "$NA" type veth peer name vb netns "$NB"
ip link add vc netns "$NA" type veth peer name vd netns "$NB"
A ip link set lo up
A ip addr add 10.71.0.1/24 dev va; A ip link set va up
A ip addr add 10.72.0.1/24 dev vc; A ip link set vc up
B ip addr add 10.71.0.2/24 dev vb; B ip link set vb up
B ip addr add 10.72.0.2/24 dev vd; B ip link set vd up

write_conf() { # INTERFACES [EXTRA]
	cat > "$CONF" <<-EOC
	[node]
	id = 7
	[datapath]
	interfaces = $1
	pin_dir = $PIN
	flows = 65536
	tx_flows = 1024
	xdp_mode = generic
	event_interval_ms = 0
	[exporter]
	listen = off
	rate_window_s = 2
	[control]
	socket = $SOCK
	${2:-}
	EOC
}

start_fabricd() {
	# nsenter execs fabricd (no --fork): $! is fabricd itself
	nsenter --net=/run/netns/$NA "$FABRICD" -c "$CONF" -v >>"$LOG" 2>&1 &
	DPID=$!
	for _ in $(seq 50); do
		[[ -S $SOCK ]] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# fabricd did not come up:"; sed 's/^/# /' "$LOG"
	return 1
}

stop_fabricd() {
	kill -TERM "$DPID" && wait "$DPID"
	local rc=$?
	DPID=
	return $rc
}

send() { # NS DST QPBASE PACKETS [roce-gen options]
	local ns=$1 dst=$2 qp=$3 n=$4
	shift 4
	nsenter --net=/run/netns/$ns "$ROCEGEN" -d "$dst" --qp-base "$qp" -n "$n" "$@" >/dev/null
}

# packets of the flow with destination QP qp, from fabricctl -j flows
flow_pkts() { ctl -j flows | jq "[.[] | select(.qp == $1) | .packets] | add // 0"; }
status() { ctl -j status; }

ktap_plan 16

write_conf va
if start_fabricd; then ktap_ok "fabricd starts on va"; else ktap_fail "fabricd starts on va"; exit 1; fi

st=$(status)
if jq -e '.daemon.running and (.datapath.interfaces | map(.name) == ["va"])
	  and .datapath.interfaces[0].xdp == "generic" and .datapath.interfaces[0].tc_egress
	  and .executor == "fabricd (fabric.ko not loaded)" and (.module.present | not)' \
	  <<<"$st" >/dev/null; then
	ktap_ok "status: running, va attached (generic XDP, tc egress), executor fabricd"
else
	ktap_fail "status: running, va attached (generic XDP, tc egress), executor fabricd" "$st"
fi

send "$NB" 10.71.0.1 0x300 200 -q 2
send "$NB" 10.71.0.1 0x400 100 --gap 2:10
sleep 0.3
p1=$(flow_pkts 768) p2=$(flow_pkts 769)
roce=$(ctl -j ports | jq '[.[] | select(.ifindex == '"$(A ip -o link show va | cut -d: -f1)"') | .rx_roce_packets] | add // 0')
if [[ $p1 == 200 && $p2 == 200 && $roce -ge 490 ]]; then
	ktap_ok "flows and ports count the traffic (200+200 packets, $roce RoCE on va)"
else
	ktap_fail "flows and ports count the traffic" "qp 0x300: $p1, qp 0x301: $p2, va rx_roce_packets: $roce"
fi

# fabricd counts flows through a window of the table, not a mapping of it
# (the table is 8 MiB or more, the ring buffer half a MiB)
tracked=$(python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"{\"cmd\":\"status\"}\n"); print(s.makefile().readline())' "$SOCK" |
	jq .flows.tracked)
listed=$(ctl -j flows | jq length)
big=
while read -r range _ _ _ _ path; do
	[[ $path == *bpf-map* ]] || continue
	(( 16#${range#*-} - 16#${range%-*} >= 4194304 )) && big+="$range "
done </proc/"$DPID"/maps
if [[ $tracked == "$listed" && $tracked -ge 3 && -z $big ]]; then
	ktap_ok "status counts the $tracked flows without keeping the flow table mapped"
else
	ktap_fail "status counts the flows without keeping the flow table mapped" \
		"fabricd status: $tracked, fabricctl flows: $listed, mappings: $big"
fi

ev=$(ctl -j events)
ngap=$(jq '[.[] | select(.type == "psn_gap" and .qp == 1024 and .node_id == 7)] | length' <<<"$ev")
if [[ $ngap -ge 1 ]]; then
	ktap_ok "events: $ngap PSN-gap events of the gapped flow, node id 7"
else
	ktap_fail "events: PSN-gap events of the gapped flow" "$ev"
fi

# rates: a paced flow must lead the top-by-bytes list
send "$NB" 10.71.0.1 0x500 0 -r 3000 -t 2.5 &
spid=$!
sleep 2.2
rates=$(status | jq -c .rates)
top=$(jq -r ".top.bytes[0].qp // empty" <<<"$rates")
wait $spid
if [[ $top == 1280 ]]; then
	ktap_ok "rates: the live flow tops the bytes/s list"
else
	ktap_fail "rates: the live flow tops the bytes/s list" "top qp: '$top' in $rates"
fi

# events -f streams new events
ctl -j events -f --socket "$SOCK" >"$T/stream" 2>&1 &
fpid=$!
sleep 0.5
send "$NB" 10.71.0.1 0x600 50 --gap 1:10
for _ in $(seq 30); do
	grep -q '"qp":1536' "$T/stream" && break
	sleep 0.1
done
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
if grep -q '"type":"psn_gap".*"qp":1536' "$T/stream"; then
	ktap_ok "events -f streams a new PSN-gap event"
else
	ktap_fail "events -f streams a new PSN-gap event" "$(head -c 600 "$T/stream")"
fi

# the control socket is root only
mode=$(stat -c %a "$SOCK")
out=$(A setpriv --reuid=65534 --regid=65534 --clear-groups "$FABRICCTL" events --socket "$SOCK" 2>&1)
rc=$?
if [[ $mode == 600 && $rc == 1 && $out == *"permission denied"* ]]; then
	ktap_ok "a non-root client is refused (socket mode $mode, exit $rc)"
else
	ktap_fail "a non-root client is refused" "mode $mode rc $rc: $out"
fi

# restart: counters continue, also for packets sent while fabricd was down
if stop_fabricd; then stopped=1; else stopped=0; fi
st=$(status 2>&1)
src=$?
still=$(jq -r '[.daemon.running, (.datapath.interfaces | length), .datapath.loaded] | @tsv' <<<"$st" 2>/dev/null)
send "$NB" 10.71.0.1 0x300 50
if [[ $stopped == 1 && $src == 0 && $still == $'false\t1\ttrue' ]]; then
	ktap_ok "SIGTERM exits 0 and leaves va attached and pinned; status works without fabricd"
else
	ktap_fail "SIGTERM leaves the data path attached" "stopped=$stopped rc=$src state=$still"
fi
start_fabricd
send "$NB" 10.71.0.1 0x300 100
sleep 0.2
p1=$(flow_pkts 768)
reused=$(status | jq -r .daemon.maps_reused)
if [[ $p1 == 350 && $reused == true ]]; then
	ktap_ok "restart reuses the pinned maps: the flow counts 200+50+100 = $p1"
else
	ktap_fail "restart reuses the pinned maps" "flow packets $p1 (want 350), maps_reused $reused"
fi

# SIGHUP: add vc
write_conf "va vc"
kill -HUP "$DPID"
sleep 0.5
ifs=$(status | jq -c '[.datapath.interfaces[].name] | sort')
send "$NB" 10.72.0.1 0x700 20
sleep 0.2
p7=$(flow_pkts 1792)
if [[ $ifs == '["va","vc"]' && $p7 == 20 ]]; then
	ktap_ok "SIGHUP attaches an added interface (vc counts 20 packets)"
else
	ktap_fail "SIGHUP attaches an added interface" "interfaces $ifs, vc flow packets $p7"
fi

# SIGHUP with a broken file: keep running with the old configuration
cp "$CONF" "$T/good.conf"
write_conf "va" "[datapath]
flows = lots"
kill -HUP "$DPID"
sleep 0.5
ifs=$(status | jq -c '[.datapath.interfaces[].name] | sort')
errs=$(status | jq .daemon.failover)	# status still answers
if kill -0 "$DPID" && [[ $ifs == '["va","vc"]' ]] &&
   grep -q 'fabric.conf:1[0-9]: \[datapath\] flows' "$LOG" && grep -q 'still running the previous' "$LOG"; then
	ktap_ok "an invalid reload is refused and logged; the old configuration stays"
else
	ktap_fail "an invalid reload is refused" "interfaces $ifs; $(grep -i reload "$LOG" | tail -3)"
fi

# SIGHUP: remove vc
write_conf va
kill -HUP "$DPID"
sleep 0.5
ifs=$(status | jq -c '[.datapath.interfaces[].name]')
cfgs=$(status | jq -c '.daemon.config')
if [[ $ifs == '["va"]' ]]; then
	ktap_ok "SIGHUP detaches a removed interface"
else
	ktap_fail "SIGHUP detaches a removed interface" "interfaces $ifs"
fi

# --detach refuses while fabricd runs, then removes everything
A "$FABRICD" -c "$CONF" --detach >"$T/detach1" 2>&1
rc1=$?
stop_fabricd
A "$FABRICD" -c "$CONF" --detach >"$T/detach2" 2>&1
rc2=$?
left=$(A "$BUILD/fabric-loader" status 2>/dev/null | wc -l)
if [[ $rc1 == 1 && $rc2 == 0 && $left == 0 && ! -e $PIN ]] &&
   ! A ip link show va | grep -q xdp; then
	ktap_ok "--detach refuses while running; afterwards nothing is attached or pinned"
else
	ktap_fail "--detach removes everything" "rc running=$rc1 rc=$rc2 attached=$left pin=$(ls "$PIN" 2>&1)"
fi
out=$(ctl status 2>&1)
rc=$?
if [[ $rc == 1 && $out == *"not loaded"* ]]; then
	ktap_ok "status after --detach: exit 1, says the data path is not loaded"
else
	ktap_fail "status after --detach" "rc $rc: $out"
fi
out=$(ctl events 2>&1)
rc=$?
if [[ $rc == 1 && $out == *"fabricd is not running"* ]]; then
	ktap_ok "events without fabricd: exit 1, says fabricd is not running"
else
	ktap_fail "events without fabricd" "rc $rc: $out"
fi
ktap_finish
