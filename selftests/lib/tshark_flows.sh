# tshark_flows PCAP ERRFILE: the independent oracle. Decodes PCAP with
# tshark's infiniband dissector (UDP 4791 forced, not port heuristics) and
# prints a JSON array of per-flow counts keyed by (src, dst, dest QP), with
# the same field names as `fabricctl -j flows`, plus "psns": every request
# or response PSN in capture order. tshark's stderr goes to ERRFILE.
tshark_flows() {
	tshark -n -r "$1" -d udp.port==4791,infiniband \
		-Y 'infiniband && !icmp && !icmpv6' -T fields -E occurrence=f \
		-e frame.len -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst \
		-e infiniband.bth.destqp -e infiniband.bth.opcode \
		-e infiniband.bth.psn -e infiniband.aeth.syndrome \
		-e ip.dsfield.ecn -e ipv6.tclass.ecn 2>"$2" | python3 -c '
import json, sys
flows = {}
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    length, s4, s6, d4, d6, qp, op, psn, syn, e4, e6 = f
    key = (s4 or s6, d4 or d6, int(qp, 0))
    r = flows.setdefault(key, dict(src=key[0], dst=key[1], qp=key[2],
        packets=0, bytes=0, acks=0, naks_seq=0, naks_rnr=0, naks_other=0,
        cnp=0, ce=0, ect=0, psns=[]))
    r["packets"] += 1
    r["bytes"] += int(length)
    ecn = int(e4 or e6 or "0", 0)
    if ecn == 3:
        r["ce"] += 1
    elif ecn:
        r["ect"] += 1
    op = int(op, 0)
    r["psns"].append(int(psn, 0))
    if op == 0x81:
        r["cnp"] += 1
    elif op in (0x11, 0x12) and syn:
        syn = int(syn, 0)
        cls = syn >> 5
        if cls == 0:
            r["acks"] += 1
        elif cls == 1:
            r["naks_rnr"] += 1
        elif cls == 3:
            r["naks_" + ("seq" if syn & 0x1f == 0 else "other")] += 1
print(json.dumps(list(flows.values())))
'
}
