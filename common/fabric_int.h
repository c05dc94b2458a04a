/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * In-band network telemetry (INT): the wire formats and the map layouts
 * shared by the BPF roles (bpf/int_*.h), userspace (fabricd, fabricctl,
 * the exporter) and the tests. Documentation/int.md explains every field.
 *
 * Wire format: P4.org INT v2.1, INT-MD over UDP with NPT=1 ("the original
 * UDP payload follows the INT stack"). The source rewrites the UDP
 * destination port to the INT port and inserts, between the UDP header and
 * the UDP payload (the BTH of a RoCEv2 packet):
 *
 *   shim (4 B) | INT-MD metadata header (12 B) | metadata stack (hops)
 *
 * Every transit hop pushes Hop ML * 4 bytes on top of the stack (right
 * after the metadata header); the sink removes all of it and restores the
 * port, lengths and checksums byte for byte.
 *
 * All multi-byte wire fields are big-endian. Map keys and values are in
 * host order.
 */
#ifndef FABRIC_INT_H
#define FABRIC_INT_H

#include "fabric_types.h"

/* --- wire format ------------------------------------------------------ */

/*
 * UDP destination port while INT is present. The spec leaves it to IANA
 * (INT_TBD); ours is configurable (fabric_int_config.udp_port), this is
 * the default. It must differ from 4791 and from every port in use.
 */
#define FABRIC_INT_UDP_PORT_DEFAULT	4792
/* UDP destination port of synthetic probes before the source (probe mode) */
#define FABRIC_INT_PROBE_PORT_DEFAULT	4793

/* Shim header for TCP/UDP (spec 5.7.1): Type:4 NPT:2 R:2 | Length | port */
struct fabric_int_shim {
	__u8	type_npt;
	__u8	len;		/* words of metadata header + stack, not the shim */
	__be16	orig_dport;	/* NPT=1: the original UDP destination port */
};

#define FABRIC_INT_SHIM_LEN		4
#define FABRIC_INT_TYPE_MD		1	/* INT-MD (embed data) */
#define FABRIC_INT_TYPE_DST		2	/* INT-Destination */
#define FABRIC_INT_TYPE_MX		3	/* INT-MX (embed instructions) */
#define FABRIC_INT_NPT_DSCP		0
#define FABRIC_INT_NPT_UDP		1	/* original UDP payload follows */
#define FABRIC_INT_NPT_L4		2	/* an added UDP header; IP proto */
#define FABRIC_INT_SHIM_BYTE0(type, npt) ((__u8)(((type) << 4) | ((npt) << 2)))

static inline __u32 fabric_int_shim_type(__u8 b)
{
	return b >> 4;
}

static inline __u32 fabric_int_shim_npt(__u8 b)
{
	return (b >> 2) & 3;
}

/*
 * INT-MD metadata header (spec 5.8), 12 bytes:
 *   Ver:4 D:1 E:1 M:1 R:12 HopML:5 RemainingHopCnt:8
 *   Instruction Bitmap:16 Domain Specific ID:16
 *   DS Instruction:16 DS Flags:16
 */
struct fabric_int_md {
	__u8	ver_flags;	/* Ver:4 D:1 E:1 M:1 R:1 */
	__u8	rsvd;		/* R:8 */
	__u8	hop_ml;		/* R:3 HopML:5 */
	__u8	remaining;	/* RemainingHopCnt */
	__be16	instr;		/* instruction bitmap, bit0 = MSB */
	__be16	ds_id;
	__be16	ds_instr;
	__be16	ds_flags;
};

#define FABRIC_INT_MD_LEN		12
#define FABRIC_INT_MD_WORDS		3
#define FABRIC_INT_VERSION		2
#define FABRIC_INT_VER(b)		((b) >> 4)
#define FABRIC_INT_FLAG_D		0x08	/* discard after extracting */
#define FABRIC_INT_FLAG_E		0x04	/* max hop count exceeded */
#define FABRIC_INT_FLAG_M		0x02	/* MTU exceeded */
/*
 * The last reserved bit of byte 0 is used inside one node only: a transit
 * node's XDP ingress sets it when it pushed a hop whose egress half (port,
 * latency, egress time) is still to be written by its tc egress, which
 * clears it. It is zero on every link (Documentation/int.md, "Transit").
 */
#define FABRIC_INT_FLAG_PENDING		0x01
#define FABRIC_INT_HOP_ML_MASK		0x1f

/* Instruction bitmap, spec 5.8: bit0 is the most significant bit */
#define FABRIC_INT_I_NODE_ID		0x8000	/* bit0: node id, 4 B */
#define FABRIC_INT_I_L1_PORTS		0x4000	/* bit1: ingress:16 egress:16 */
#define FABRIC_INT_I_HOP_LATENCY	0x2000	/* bit2: ns, 4 B */
#define FABRIC_INT_I_QUEUE		0x1000	/* bit3: queue id:8 occupancy:24 */
#define FABRIC_INT_I_INGRESS_TS		0x0800	/* bit4: ns, 8 B */
#define FABRIC_INT_I_EGRESS_TS		0x0400	/* bit5: ns, 8 B */
#define FABRIC_INT_I_L2_PORTS		0x0200	/* bit6: not supported */
#define FABRIC_INT_I_TX_UTIL		0x0100	/* bit7: not supported */
#define FABRIC_INT_I_BUFFER		0x0080	/* bit8: not supported */
#define FABRIC_INT_I_CSUM_COMPL		0x0001	/* bit15: not supported */
/* The bits this implementation fills; any other bit is malformed at the sink. */
#define FABRIC_INT_I_SUPPORTED		0xfc00
/* Default instructions: node id, ports, hop latency, queue. Hop ML 4. */
#define FABRIC_INT_I_DEFAULT		0xf000

/* A value the node cannot provide (spec: all ones) */
#define FABRIC_INT_INVALID32		0xffffffffU

/* Words a hop pushes for a bitmap of supported instructions: its Hop ML */
static inline __u32 fabric_int_hop_words(__u16 instr)
{
	return !!(instr & FABRIC_INT_I_NODE_ID) +
	       !!(instr & FABRIC_INT_I_L1_PORTS) +
	       !!(instr & FABRIC_INT_I_HOP_LATENCY) +
	       !!(instr & FABRIC_INT_I_QUEUE) +
	       2 * !!(instr & FABRIC_INT_I_INGRESS_TS) +
	       2 * !!(instr & FABRIC_INT_I_EGRESS_TS);
}

/*
 * Within one hop, values follow in bitmap order (node id first). The byte
 * offset of each within a hop, for a given bitmap:
 */
static inline __u32 fabric_int_hop_off(__u16 instr, __u16 bit)
{
	__u16 before = instr & ~((bit << 1) - 1) & 0xffff;

	return 4 * fabric_int_hop_words(before);
}

/*
 * Our stack limit. The spec bounds the stack by the shim's 8-bit Length
 * (255 words); we accept at most this many hops, and a source sets
 * RemainingHopCnt to at most this. A longer stack is malformed.
 */
#define FABRIC_INT_MAX_HOPS		8
#define FABRIC_INT_MAX_HOP_WORDS	8	/* all six supported bits */
/* Largest INT block: shim + header + 8 hops of 8 words = 272 bytes */
#define FABRIC_INT_MAX_BYTES		(FABRIC_INT_SHIM_LEN + FABRIC_INT_MD_LEN + \
					 4 * FABRIC_INT_MAX_HOPS * FABRIC_INT_MAX_HOP_WORDS)

/*
 * Probe mode: userspace sends a UDP datagram to the probe port with this
 * payload, from the address, source port and DSCP of the flow whose path
 * it measures. The source instruments every such datagram and sets the D
 * bit; the sink records it and drops it (the spec's "discard").
 */
#define FABRIC_INT_PROBE_MAGIC		0x46494e54U	/* "FINT" */
struct fabric_int_probe {
	__be32	magic;
	__be32	seq;
	__be64	tx_ns;		/* sender's CLOCK_MONOTONIC, for its own use */
};

/* --- configuration ---------------------------------------------------- */

#define FABRIC_INT_ROLE_SOURCE		0x1	/* tc egress */
#define FABRIC_INT_ROLE_TRANSIT		0x2	/* XDP ingress + tc egress */
#define FABRIC_INT_ROLE_SINK		0x4	/* XDP ingress */

/*
 * The fabric object's INT settings, alone in the data section ".data.int"
 * (skeleton: (struct fabric_int_config *)skel->data_int->int_cfg_raw;
 * bpftool: the one-entry array map named ".data.int", value = this struct,
 * little-endian host order). roles 0: INT is off and the data path does
 * one compare per non-RoCE packet.
 */
struct fabric_int_config {
	__u32	roles;		/* FABRIC_INT_ROLE_* */
	__u32	node_id;	/* this node's id in its hop metadata */
	__u16	udp_port;	/* INT destination port, host order */
	__u16	probe_port;	/* probe destination port, host order */
	__u32	mtu;		/* IP MTU for the MTU rule; 0: the device's */
	__u16	domain_id;	/* Domain Specific ID the source writes */
	__u16	pad;
	__u32	pad2;
};

#define FABRIC_INT_MODE_OFF		0	/* not instrumented */
#define FABRIC_INT_MODE_PROBE		1	/* probes only; RoCE untouched */
#define FABRIC_INT_MODE_EMBED		2	/* 1-in-N RoCE packets */

/*
 * Flow classes: the array map fab_int_class, indexed by the DSCP (0-63)
 * of the RoCE packet at the source. An all-zero entry is mode off.
 * Sampling is per flow and stateless: a packet is instrumented when its
 * BTH PSN is a multiple of sample_n (0 and 1: every packet).
 */
struct fabric_int_class {
	__u8	mode;		/* FABRIC_INT_MODE_* */
	__u8	max_hops;	/* RemainingHopCnt at the source, 1..MAX_HOPS */
	__u16	instr;		/* instruction bitmap; 0: FABRIC_INT_I_DEFAULT */
	__u32	sample_n;
};

#define FABRIC_INT_CLASSES		64

/* --- sink histograms and path table ----------------------------------- */

/*
 * Log-scale latency buckets, four per power of two from 2^8 ns:
 * bucket 0 holds [0, 256) ns; bucket 1 + 4 * (o - 8) + s holds
 * [2^o + s * 2^(o-2), 2^o + (s + 1) * 2^(o-2)) for o = 8..29, s = 0..3;
 * the last bucket holds [2^30 ns, inf). fabric_int_bucket_le_ns() gives a
 * bucket's exclusive upper bound, which is its Prometheus "le" (in ns;
 * the exporter divides by 1e9).
 */
#define FABRIC_INT_HIST_MIN_SHIFT	8
#define FABRIC_INT_HIST_MAX_SHIFT	30
#define FABRIC_INT_HIST_SUB		4
#define FABRIC_INT_HIST_BUCKETS		(2 + FABRIC_INT_HIST_SUB * \
					 (FABRIC_INT_HIST_MAX_SHIFT - FABRIC_INT_HIST_MIN_SHIFT))

static inline __u32 fabric_int_bucket(__u64 ns)
{
	__u32 o = FABRIC_INT_HIST_MIN_SHIFT;

	if (ns < (1ULL << FABRIC_INT_HIST_MIN_SHIFT))
		return 0;
	if (ns >= (1ULL << FABRIC_INT_HIST_MAX_SHIFT))
		return FABRIC_INT_HIST_BUCKETS - 1;
	/* binary search for the most significant bit, o in [8, 29] */
	if (ns >> 19)
		o = 19;
	if (ns >> (o + 8))
		o += 8;
	if (ns >> (o + 4))
		o += 4;
	if (ns >> (o + 2))
		o += 2;
	if (ns >> (o + 1))
		o += 1;
	return 1 + FABRIC_INT_HIST_SUB * (o - FABRIC_INT_HIST_MIN_SHIFT) +
	       ((ns >> (o - 2)) & 3);
}

/* Exclusive upper bound in ns; ~0 for the last bucket (+Inf). */
static inline __u64 fabric_int_bucket_le_ns(__u32 b)
{
	__u32 o, s;

	if (b == 0)
		return 1ULL << FABRIC_INT_HIST_MIN_SHIFT;
	if (b >= FABRIC_INT_HIST_BUCKETS - 1)
		return ~0ULL;
	o = FABRIC_INT_HIST_MIN_SHIFT + (b - 1) / FABRIC_INT_HIST_SUB;
	s = (b - 1) % FABRIC_INT_HIST_SUB;
	return (1ULL << o) + (__u64)(s + 1) * (1ULL << (o - 2));
}

struct fabric_int_hist {
	__u64	count;
	__u64	sum_ns;
	__u64	bucket[FABRIC_INT_HIST_BUCKETS];
};

/*
 * Per-hop latency: per-CPU array fab_int_hops indexed by node id
 * (node ids must be below FABRIC_INT_MAX_NODES; a hop with a larger id is
 * counted in sink_node_range and not recorded). Userspace sums the CPUs.
 */
#define FABRIC_INT_MAX_NODES		1024

/*
 * Path table: per-CPU hash fab_int_paths, keyed by the node ids in path
 * order (first transit hop first; unused entries zero), at most
 * FABRIC_INT_MAX_PATHS entries. A packet whose path is new when the table
 * is full counts in sink_path_overflow and in the one-entry per-CPU array
 * fab_int_other.
 */
#define FABRIC_INT_MAX_PATHS		1024

struct fabric_int_path_key {
	__u32	hops;
	__u32	node[FABRIC_INT_MAX_HOPS];
};

struct fabric_int_path {
	struct fabric_int_hist latency;	/* sum of the hop latencies */
	__u64	e_bit;			/* packets that arrived with E set */
	__u64	m_bit;			/* ... with M set */
	__u64	last_seen_ns;		/* CLOCK_MONOTONIC */
};

/* --- counters: per-CPU array fab_int_stats, one entry ---------------- */

enum fabric_int_malformed {
	FABRIC_INT_BAD_SHORT,		/* headers or stack cut short */
	FABRIC_INT_BAD_SHIM,		/* shim type is not INT-MD or NPT not 1 */
	FABRIC_INT_BAD_VERSION,		/* metadata header version is not 2 */
	FABRIC_INT_BAD_LENGTH,		/* shim Length < 3 or not a whole hop */
	FABRIC_INT_BAD_HOP_ML,		/* Hop ML differs from the bitmap */
	FABRIC_INT_BAD_INSTR,		/* unsupported instruction bits */
	FABRIC_INT_BAD_TOO_LONG,	/* more than FABRIC_INT_MAX_HOPS hops */
	FABRIC_INT_BAD_PENDING,		/* a hop's egress half never written */
	FABRIC_INT_BAD_L3,		/* IP options, extension headers, VLAN,
					 * fragments, bad IP/UDP lengths */
	FABRIC_INT_BAD_MAX,
};

struct fabric_int_stats {
	/* source */
	__u64	src_candidates;		/* RoCE packets in an embed class */
	__u64	src_instrumented;	/* RoCE packets given INT headers */
	__u64	src_sampled_out;	/* embed class, not this packet's turn */
	__u64	src_skipped_mtu;	/* would exceed the egress MTU */
	__u64	src_skipped_l3;		/* IP options, ext headers, VLAN */
	__u64	src_probes;		/* probes given INT headers */
	__u64	src_errors;		/* a helper failed; packet unchanged */
	/* transit */
	__u64	transit_pushed;		/* hops pushed at ingress */
	__u64	transit_completed;	/* egress halves written */
	__u64	transit_e_set;		/* RemainingHopCnt was 0: E bit set */
	__u64	transit_m_set;		/* no room under the MTU: M bit set */
	__u64	transit_skipped;	/* malformed or unsupported: untouched */
	__u64	transit_errors;
	/* sink */
	__u64	sink_stripped;		/* restored to the original packet */
	__u64	sink_probes;		/* D bit: recorded and dropped */
	__u64	sink_e_bit;
	__u64	sink_m_bit;
	__u64	sink_path_overflow;	/* path table full */
	__u64	sink_node_range;	/* hop node id >= FABRIC_INT_MAX_NODES */
	__u64	sink_errors;		/* a helper failed; packet unchanged */
	__u64	sink_malformed[FABRIC_INT_BAD_MAX];	/* passed untouched */
};

/* --- added later: maps of their own, so no existing value changes size -- */

/*
 * Node ids in use: array fab_int_nodes, one entry, a bitmap of the node ids
 * the sink has recorded a hop of (bit n % 64 of word n / 64). The sink sets
 * a node's bit when it records a hop of it; readers then look up only
 * those hop histograms. Bits are never cleared by the data path.
 */
struct fabric_int_node_index {
	__u64	bits[FABRIC_INT_MAX_NODES / 64];
};

/*
 * Counters added after fabric_int_stats: per-CPU array fab_int_xstats, one
 * entry. csum_partial: INT frames whose UDP checksum field held the
 * pseudo-header sum of a checksum still to be computed by a device
 * (CHECKSUM_PARTIAL, e.g. from veth); their field was updated as a
 * pseudo-header sum (Documentation/int.md, "Checksums").
 */
struct fabric_int_xstats {
	__u64	transit_csum_partial;	/* hops pushed (or E/M set) on such frames */
	__u64	sink_csum_partial;	/* such frames stripped or recorded */
	__u64	rsvd[6];
};

#endif
