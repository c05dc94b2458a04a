#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# INT on frames whose UDP checksum a device is still to compute
# (CHECKSUM_PARTIAL; Documentation/int.md, "Checksums"). Real veth traffic:
#
#   snd (source, node 1) -- T (transit 11) -- K (sink, 2) -- rcv
#
# roce-gen sends RoCE-shaped datagrams with a UDP checksum from a socket in
# snd. With tx checksum offload on (veth's default) the kernel leaves the
# checksum to the device: the frames go through the INT roles as partial
# skbs, with the pseudo-header sum in the checksum field. K's port toward
# rcv has tx checksum offload off, so the kernel computes the checksum
# there, over the frame the sink restored and at the offset the skb says;
# rcv's UDP then verifies it. Asserted, for IPv4 and IPv6: every datagram
# reaches rcv (none dropped as a checksum error), every frame captured at
# rcv has a valid UDP checksum and port 4791, and T and K counted the
# frames as csum_partial. (Before the XDP halves knew partial checksums,
# rcv dropped every one of them as a checksum error.) Then the same with offload off at snd (full
# checksums): all delivered and valid, nothing counted as partial.
set -u
cd "$(dirname "$0")/../.."
. selftests/lib/ktap.sh
. selftests/lab/int_lib.sh
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
FABRICD=$BUILD/fabricd ROCEGEN=$BUILD/roce-gen
P=ix$$

skip_all() { echo "1..0 # SKIP $1"; exit 4; }
for b in "$FABRICD" "$ROCEGEN" "$BUILD/fabric.bpf.o"; do
	[[ -e $b ]] || skip_all "$b not built (make BUILD=$BUILD)"
done
[[ $(id -u) == 0 ]] || skip_all "needs root"
for t in ethtool tcpdump bpftool python3; do
	command -v $t >/dev/null || skip_all "$t not installed (scripts/setup-deps)"
done

T=$(mktemp -d /tmp/fabric-int-csum.XXXXXX)
NODES=(snd t k rcv)
declare -A DPID ID ROLES IFACES
ID=([snd]=1 [t]=11 [k]=2)
ROLES=([snd]=source [t]=transit [k]=sink)
IFACES=([snd]=eth0 [t]="ta tb" [k]="ka")
CAP= RXPID=


cleanup() {
	local n p
	for p in $CAP $RXPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	il_stop snd t k
	for n in "${NODES[@]}"; do ip netns del "$P-$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

ktap_plan 3

setup() {
	local n
	for n in "${NODES[@]}"; do
		ip netns add "$P-$n" || return 1
		ip -n "$P-$n" link set lo up
		nx "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	done
	ip link add eth0 netns "$P-snd" type veth peer ta netns "$P-t" &&
	ip link add tb netns "$P-t" type veth peer ka netns "$P-k" &&
	ip link add kb netns "$P-k" type veth peer eth0 netns "$P-rcv" || return 1
	nx snd ip addr add 10.77.1.2/24 dev eth0 && nx snd ip addr add fd77:1::2/64 dev eth0 nodad &&
	nx t ip addr add 10.77.1.1/24 dev ta && nx t ip addr add fd77:1::1/64 dev ta nodad &&
	nx t ip addr add 10.77.2.1/24 dev tb && nx t ip addr add fd77:2::1/64 dev tb nodad &&
	nx k ip addr add 10.77.2.2/24 dev ka && nx k ip addr add fd77:2::2/64 dev ka nodad &&
	nx k ip addr add 10.77.3.1/24 dev kb && nx k ip addr add fd77:3::1/64 dev kb nodad &&
	nx rcv ip addr add 10.77.3.2/24 dev eth0 && nx rcv ip addr add fd77:3::2/64 dev eth0 nodad ||
		return 1
	for n in "snd eth0" "t ta" "t tb" "k ka" "k kb" "rcv eth0"; do
		set -- $n
		nx "$1" ip link set "$2" up || return 1
	done
	nx snd ip route add default via 10.77.1.1 && nx snd ip -6 route add default via fd77:1::1 &&
	nx t ip route add 10.77.3.0/24 via 10.77.2.2 && nx t ip -6 route add fd77:3::/64 via fd77:2::2 &&
	nx k ip route add 10.77.1.0/24 via 10.77.2.1 && nx k ip -6 route add fd77:1::/64 via fd77:2::1 &&
	nx rcv ip route add default via 10.77.3.1 && nx rcv ip -6 route add default via fd77:3::1 ||
		return 1
	# the kernel computes the checksum of what leaves K for rcv
	nx k ethtool -K kb tx off >/dev/null
}

start_node() { # node
	local n=$1
	il_conf "$n" off >"$T/$n.conf"
	cat >>"$T/$n.conf" <<-EOC
	[int]
	roles = ${ROLES[$n]}
	node_id = ${ID[$n]}
	mode = embed
	sample = 1
	dscp = all
	EOC
	il_run "$n"
}

ok=1
setup >"$T/setup.log" 2>&1 || ok=0
if ((ok)); then for n in snd t k; do start_node "$n" || ok=0; done; fi
if ((ok)); then
	ktap_ok "snd, T, K and rcv; fabricd with [int] on snd (source), T (transit), K (sink)"
else
	sed 's/^/# /' "$T/setup.log"
	ktap_fail "topology and fabricd"; exit 1
fi

# A counter of fab_int_stats or fab_int_xstats at a node, summed over CPUs.
ctr() { # node map field
	bpftool -j map dump pinned "$(pin "$1")/$2" | python3 -c '
import json, sys
fields = {"fab_int_xstats": ["transit_csum_partial", "sink_csum_partial"],
          "fab_int_stats": ["src_candidates", "src_instrumented"]}[sys.argv[1]]
off = 8 * fields.index(sys.argv[2])
tot = 0
for e in json.load(sys.stdin):
    for c in e["values"]:
        b = bytes(int(x, 16) for x in c["value"])
        tot += int.from_bytes(b[off:off + 8], "little")
print(tot)' "$2" "$3"
}

# Frames at rcv: every UDP datagram to 4791 must carry a valid checksum.
check_pcap() { # pcap want
	python3 - "$1" "$2" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
want = int(sys.argv[2])
magic = struct.unpack("<I", data[:4])[0]
e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
off, n, bad, port = 24, 0, 0, 0
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
    f = data[off + 16:off + 16 + incl]
    off += 16 + incl
    et = f[12:14]
    if et == b"\x08\x00" and f[23] == 17:
        l4 = 14 + 4 * (f[14] & 15); ph = f[26:34]; v6 = False
    elif et == b"\x86\xdd" and f[20] == 17:
        l4 = 54; ph = f[22:54]; v6 = True
    else:
        continue
    ulen = struct.unpack("!H", f[l4 + 4:l4 + 6])[0]
    dport = struct.unpack("!H", f[l4 + 2:l4 + 4])[0]
    udp = f[l4:l4 + ulen]
    if dport != 4791:
        port += 1
    n += 1
    c = struct.unpack("!H", udp[6:8])[0]
    total = csum(ph + struct.pack("!HH", 17, ulen) + udp)
    if c == 0 or total != 0xffff:
        bad += 1
print("frames %d bad_csum %d not_4791 %d" % (n, bad, port))
sys.exit(0 if n == want and not bad and not port else 1)
EOF
}

# One round: N datagrams from snd to DST with UDP checksums; rcv must get
# them all, valid; T and K must count PARTIAL frames (want_partial: 1/0).
round() { # name want_partial
	local name=$1 want=$2 N=400 tp0 kp0 tp kp rx res i inerr0 inerr dst
	tp0=$(ctr t fab_int_xstats transit_csum_partial)
	kp0=$(ctr k fab_int_xstats sink_csum_partial)
	inerr0=$(nx rcv nstat -az 2>/dev/null | awk '/^(Udp|Udp6)InCsumErrors/ {s += $2} END {print s + 0}')
	nsenter --net=/run/netns/"$P-rcv" tcpdump -i eth0 -U -w "$T/$name.pcap" udp \
		2>"$T/$name.tcpdump" &
	CAP=$!
	for i in $(seq 50); do grep -q listening "$T/$name.tcpdump" 2>/dev/null && break; sleep 0.1; done
	rm -f "$T/rx.ready"
	timeout 20 nsenter --net=/run/netns/"$P-rcv" "$ROCEGEN" recv --idle 2 \
		--ready-file "$T/rx.ready" >"$T/$name.rx" 2>"$T/$name.rxerr" &
	RXPID=$!
	for i in $(seq 50); do [[ -e $T/rx.ready ]] && break; sleep 0.1; done
	for dst in 10.77.3.2 fd77:3::2; do
		timeout 30 nsenter --net=/run/netns/"$P-snd" "$ROCEGEN" -d "$dst" -q 4 \
			-n $((N / 8)) -r 4000 --udp-csum >>"$T/$name.tx" 2>&1
	done
	wait "$RXPID"; RXPID=
	sleep 0.3
	kill "$CAP"; wait "$CAP"; CAP=
	rx=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("packets", d.get("rx_packets", -1)))' "$T/$name.rx" 2>/dev/null)
	tp=$(( $(ctr t fab_int_xstats transit_csum_partial) - tp0 ))
	kp=$(( $(ctr k fab_int_xstats sink_csum_partial) - kp0 ))
	inerr=$(( $(nx rcv nstat -az 2>/dev/null | awk '/^(Udp|Udp6)InCsumErrors/ {s += $2} END {print s + 0}') - inerr0 ))
	res=$(check_pcap "$T/$name.pcap" $N)
	local pok=0
	if ((want)); then ((tp == N && kp == N)) && pok=1; else ((tp == 0 && kp == 0)) && pok=1; fi
	if [[ $rx == "$N" && $inerr == 0 && $res == "frames $N bad_csum 0 not_4791 0" ]] && ((pok)); then
		ktap_ok "$name: $N delivered, $res, csum_partial T $tp K $kp"
	else
		{ cat "$T/$name.rx"; echo; } | head -c 400 | sed "s/^/# /"
		ktap_fail "$name" "rx '$rx' of $N, UDP checksum errors at rcv $inerr, $res, csum_partial T $tp K $kp (want $((want ? N : 0))), source instrumented $(ctr snd fab_int_stats src_instrumented)"
	fi
}

round "IPv4 and IPv6, offload on (partial checksums)" 1
nx snd ethtool -K eth0 tx off >/dev/null
round "IPv4 and IPv6, offload off at snd (full checksums)" 0
ktap_finish
