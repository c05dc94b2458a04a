#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Oracle cross-check: capture roce-gen traffic in a netns with tcpdump (pcap)
# and dumpcap (pcapng), then check that `fabricctl -j replay FILE` reports,
# per flow, the same packets, bytes, ACK/NAK syndromes, CNPs and ECN marks
# as tshark's independent infiniband dissector (decoding UDP 4791 by port,
# never by heuristics). VLAN and QinQ variants are made by inserting tags
# into the captured frames. Broken files must fail with a clear message.
set -u
cd "$(dirname "$0")/../.."
source selftests/lib/ktap.sh
source selftests/lab/lib.sh

CTL=$LAB_BUILD/fabricctl
GEN=$LAB_BUILD/roce-gen
for b in "$CTL" "$GEN"; do
	[[ -x $b ]] || lab_skip_all "$b not built (make)"
done
lab_init jq python3 tshark tcpdump dumpcap ping

ktap_plan 11
T=$LAB_TMP

lab_ns A a && lab_ns B b && lab_veth "$A" a0 "$B" b0 &&
	lab_addr "$A" a0 10.72.0.1/24 && lab_addr "$B" b0 10.72.0.2/24 &&
	lab_addr "$A" a0 fd72::1/64 && lab_addr "$B" b0 fd72::2/64 &&
	lab_neigh "$A" a0 10.72.0.2 "$B" b0 && lab_neigh "$A" a0 fd72::2 "$B" b0 &&
	lab_neigh "$B" b0 10.72.0.1 "$A" a0 && lab_neigh "$B" b0 fd72::1 "$A" a0 ||
	lab_bail "lab setup failed"

#1 capture. Nothing listens on 4791 in B: the ICMP errors that come back
# quote RoCE packets, which neither side may count as RoCE flows.
lab_bg "$B" "$T/tcpdump.out" tcpdump -n -i b0 -U -s 0 -w "$T/cap.pcap"
TCPDUMP=$LAB_BG_PID
lab_bg "$B" "$T/dumpcap.out" dumpcap -i b0 -s 0 -w "$T/cap.pcapng"
DUMPCAP=$LAB_BG_PID
# both print these lines once their capture sockets are open; a late start
# shows up as missing packets in test 2, never as a false pass
lab_wait_file "$T/tcpdump.out.err" 'listening on' &&
	lab_wait_file "$T/dumpcap.out.err" 'Capturing on' ||
	lab_log "capture may have started late"
sleep 0.2

ok=1
lab_nsenter "$A" ping -q -c 2 -i 0.2 10.72.0.2 >/dev/null || ok=0
lab_nsenter "$A" "$GEN" -d 10.72.0.2 -q 3 --qp-base 0x100 -p 50000 -n 120 -l 700 \
	-o mix --msg-pkts 2 --gap 2:25 --rewind 2:40 -e ect0 --ce-every 6 \
	--acks 3 --naks 2:0x60,2:0x20,1:0x62 --cnps 4 -r 20000 >"$T/gen4.json" || ok=0
lab_nsenter "$A" "$GEN" -d fd72::2 -q 2 --qp-base 0x200 -p 51000 -n 80 -l 256 \
	-o send --msg-pkts 3 --gap 1:20 -e ect1 --ce-every 4 \
	--naks 1:0x60,1:0x23 --cnps 2 -r 20000 >"$T/gen6.json" || ok=0
lab_nsenter "$A" "$GEN" -d 10.72.0.2 -q 1 --qp-base 0xfffffe -p 52000 -n 30 \
	-o read --read-len 8192 --psn-start 0xfffff0 -r 20000 >"$T/genr.json" || ok=0
# Stop the captures only once both hold every generated frame: on a
# loaded machine a capture process can lag the traffic by seconds.
want=$(jq -s 'map(.packets) | add' "$T"/gen4.json "$T"/gen6.json "$T"/genr.json 2>/dev/null)
captured() { tcpdump -nn -r "$1" 'udp dst port 4791' 2>/dev/null | wc -l; }
for ((i = 0; i < 200; i++)); do
	(($(captured "$T/cap.pcap") >= ${want:-1} &&
	  $(captured "$T/cap.pcapng") >= ${want:-1})) && break
	sleep 0.1
done
lab_stop "$TCPDUMP" "$DUMPCAP"
for f in cap.pcap cap.pcapng; do
	[[ -s $T/$f ]] || { lab_log "$f is empty"; ok=0; }
done
if ((ok)); then ktap_ok "capture roce-gen traffic with tcpdump (pcap) and dumpcap (pcapng)"
else ktap_fail "capture roce-gen traffic with tcpdump (pcap) and dumpcap (pcapng)"; fi

# Insert 802.1Q (and 802.1ad) tags into every frame of a pcap.
python3 - "$T/cap.pcap" "$T" <<'EOF'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
magic = data[:4]
end = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
for name, tags in (('cap-vlan.pcap', [(0x8100, 100)]),
                   ('cap-qinq.pcap', [(0x88a8, 10), (0x8100, 100)])):
    res = bytearray(data[:24])
    off = 24
    while off + 16 <= len(data):
        ts1, ts2, incl, orig = struct.unpack(end + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        tag = b''.join(struct.pack('>HH', tpid, vid) for tpid, vid in tags)
        frame = frame[:12] + tag + frame[12:]
        n = 4 * len(tags)
        res += struct.pack(end + 'IIII', ts1, ts2, incl + n, orig + n) + frame
    open(out + '/' + name, 'wb').write(res)
EOF

# tshark's view, as fabricctl-style flow objects: FILE ERRFILE > JSON
source selftests/lib/tshark_flows.sh

FIELDS=(packets bytes acks naks_seq naks_rnr naks_other cnp ce ect)

#2 both captures hold every packet the generator sent (else the oracle
# comparison below could agree on too little)
lab_gen_expected "$T/gen4.json" "$T/gen6.json" "$T/genr.json" >"$T/gen.json"
ok=1
for f in cap.pcap cap.pcapng; do
	tshark_flows "$T/$f" "$T/tshark.err" >"$T/ts-gen-$f.json" &&
		lab_flows_diff "$T/gen.json" "$T/ts-gen-$f.json" "${FIELDS[@]}" \
			>"$T/diff" || {
		echo "# $f:"
		sed 's/^/# /' "$T/diff" "$T/tshark.err"
		ok=0
	}
done
if ((ok)); then
	ktap_ok "tshark decodes every generated packet in both captures ($(jq length "$T/gen.json") flows)"
else
	ktap_fail "tshark decodes every generated packet in both captures"
fi

#3-#6 replay equals tshark, per flow
for f in cap.pcap cap.pcapng cap-vlan.pcap cap-qinq.pcap; do
	desc="replay $f: per-flow counts equal tshark's"
	if ! tshark_flows "$T/$f" "$T/tshark.err" >"$T/ts-$f.json"; then
		ktap_fail "$desc" "tshark failed: $(head -3 "$T/tshark.err")"
		continue
	fi
	if ! "$CTL" -j replay "$T/$f" >"$T/rp-$f.json" 2>"$T/rp.err"; then
		ktap_fail "$desc" "fabricctl replay failed: $(cat "$T/rp.err")"
		continue
	fi
	n=$(jq length "$T/ts-$f.json")
	if ((n < 6)); then
		ktap_fail "$desc" "tshark found only $n flows"
	elif lab_flows_diff "$T/ts-$f.json" "$T/rp-$f.json" "${FIELDS[@]}" >"$T/diff"; then
		ktap_ok "$desc ($n flows)"
	else
		sed 's/^/# /' "$T/diff"
		ktap_fail "$desc"
	fi
done

#7 PSN gap accounting of the replay against the generator's record; tshark
# has no notion of PSN gaps, so this is the generator's word only.
if lab_flows_diff "$T/gen.json" "$T/rp-cap.pcap.json" psn_gaps psn_missing \
	psn_dups psn_rewinds >"$T/diff"; then
	ktap_ok "replay cap.pcap: PSN gaps, missing, dups and rewinds as injected"
else
	sed 's/^/# /' "$T/diff"
	ktap_fail "replay cap.pcap: PSN gaps, missing, dups and rewinds as injected"
fi

# expect_error DESC FILE REGEX: replay must fail and say REGEX on stderr
expect_error() {
	local desc=$1 file=$2 re=$3 rc

	"$CTL" -j replay "$file" >"$T/err.out" 2>"$T/err.err"
	rc=$?
	if ((rc != 0)) && grep -qiE "$re" "$T/err.err"; then
		ktap_ok "$desc"
	else
		echo "# exit $rc, stderr: $(head -c 300 "$T/err.err")"
		ktap_fail "$desc"
	fi
}

#8 not a capture
printf 'this is not a packet capture\n%.0s' {1..20} >"$T/text.pcap"
expect_error "replay of a text file fails: not a capture" "$T/text.pcap" \
	'not a .*(pcap|capture)|unknown file format'

#9 truncated inside the last frame (pcap) and (#10) inside the file header
size=$(stat -c %s "$T/cap.pcap")
head -c $((size - 7)) "$T/cap.pcap" >"$T/trunc.pcap"
expect_error "replay of a pcap cut inside a frame fails: truncated" \
	"$T/trunc.pcap" 'truncat'
# past the magic, inside the section header block
head -c 20 "$T/cap.pcapng" >"$T/trunc-hdr.pcapng"
expect_error "replay of a pcapng cut inside its header fails: truncated" \
	"$T/trunc-hdr.pcapng" 'truncat'

#11 unknown link type: the header's network field (offset 20) set to 147,
# DLT_USER0
cp "$T/cap.pcap" "$T/user0.pcap"
python3 - "$T/user0.pcap" <<'EOF'
import struct, sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
end = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
d[20:24] = struct.pack(end + 'I', 147)
open(p, 'wb').write(d)
EOF
expect_error "replay of an unknown link type fails: names the link type" \
	"$T/user0.pcap" 'link.?type'

ktap_finish
