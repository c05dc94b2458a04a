/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Wire formats and map layouts shared by the BPF data path, fabric.ko and
 * userspace. Anything that crosses the kernel/user boundary lives here and
 * only here. Documentation/datapath.md explains every counter.
 */
#ifndef FABRIC_ABI_H
#define FABRIC_ABI_H

#include "fabric_types.h"

#define FABRIC_ABI_VERSION	2

#define FABRIC_AF_INET		2
#define FABRIC_AF_INET6		10

/* RoCEv2: IBTA annex A17, UDP destination port 4791 */
#define ROCE_V2_UDP_PORT	4791
#define ROCE_BTH_LEN		12
#define ROCE_AETH_LEN		4
#define ROCE_RETH_LEN		16
#define ROCE_XRCETH_LEN		4
#define ROCE_ICRC_LEN		4
#define ROCE_PSN_MASK		0x00ffffffU
#define ROCE_QP_MASK		0x00ffffffU

/* Base Transport Header, network byte order */
struct roce_bth {
	__u8	opcode;
	__u8	flags;		/* SE:1 M:1 PadCnt:2 TVer:4 */
	__be16	pkey;
	__be32	dest_qp;	/* reserved:8 DestQP:24 */
	__be32	ack_psn;	/* AckReq:1 reserved:7 PSN:24 */
};

/* ACK Extended Transport Header */
struct roce_aeth {
	__be32	syndrome_msn;	/* syndrome:8 MSN:24 */
};

/* RDMA Extended Transport Header */
struct roce_reth {
	__be64	va;
	__be32	rkey;
	__be32	dma_len;
};

/* Transport service, opcode bits 7..5 */
enum roce_transport {
	ROCE_TRANSPORT_RC	= 0,
	ROCE_TRANSPORT_UC	= 1,
	ROCE_TRANSPORT_RD	= 2,
	ROCE_TRANSPORT_UD	= 3,
	ROCE_TRANSPORT_CNP	= 4,
	ROCE_TRANSPORT_XRC	= 5,
};

/* Operation, opcode bits 4..0 */
enum roce_op {
	ROCE_OP_SEND_FIRST		= 0x00,
	ROCE_OP_SEND_MIDDLE		= 0x01,
	ROCE_OP_SEND_LAST		= 0x02,
	ROCE_OP_SEND_LAST_IMM		= 0x03,
	ROCE_OP_SEND_ONLY		= 0x04,
	ROCE_OP_SEND_ONLY_IMM		= 0x05,
	ROCE_OP_WRITE_FIRST		= 0x06,
	ROCE_OP_WRITE_MIDDLE		= 0x07,
	ROCE_OP_WRITE_LAST		= 0x08,
	ROCE_OP_WRITE_LAST_IMM		= 0x09,
	ROCE_OP_WRITE_ONLY		= 0x0a,
	ROCE_OP_WRITE_ONLY_IMM		= 0x0b,
	ROCE_OP_READ_REQUEST		= 0x0c,
	ROCE_OP_READ_RESPONSE_FIRST	= 0x0d,
	ROCE_OP_READ_RESPONSE_MIDDLE	= 0x0e,
	ROCE_OP_READ_RESPONSE_LAST	= 0x0f,
	ROCE_OP_READ_RESPONSE_ONLY	= 0x10,
	ROCE_OP_ACKNOWLEDGE		= 0x11,
	ROCE_OP_ATOMIC_ACKNOWLEDGE	= 0x12,
	ROCE_OP_COMPARE_SWAP		= 0x13,
	ROCE_OP_FETCH_ADD		= 0x14,
	ROCE_OP_SEND_LAST_INV		= 0x16,
	ROCE_OP_SEND_ONLY_INV		= 0x17,
	ROCE_OP_FLUSH			= 0x1c,
	ROCE_OP_ATOMIC_WRITE		= 0x1d,
};

#define ROCE_OPCODE_CNP		0x81

/* AETH syndrome, bits 7..5 */
#define ROCE_AETH_ACK		0
#define ROCE_AETH_RNR_NAK	1
#define ROCE_AETH_NAK		3
/* NAK codes, syndrome bits 4..0 when the class is ROCE_AETH_NAK */
#define ROCE_NAK_PSN_SEQ_ERR	0

/*
 * Flow key: requests and their ACKs fall into opposite-direction flows.
 * IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so both
 * families share one key; family is still recorded for display.
 */
struct fabric_flow_key {
	__u32	qp_family;	/* dest QP in bits 31..8, AF_INET/AF_INET6 in 7..0 */
	__u8	src[16];
	__u8	dst[16];
};

static inline __u32 fabric_flow_key_qp(const struct fabric_flow_key *k)
{
	return k->qp_family >> 8;
}

static inline __u8 fabric_flow_key_family(const struct fabric_flow_key *k)
{
	return k->qp_family & 0xff;
}

#define FABRIC_PSN_VALID	0x80000000U	/* next_psn holds an expectation */
#define FABRIC_PSN_REWOUND	0x40000000U	/* last request went backwards */

/*
 * The receive flow table (Documentation/datapath.md, "The flow table").
 * A flow lives in one way of one set. Its hot half, one 128-byte slot
 * aligned on a cache-line pair, holds everything a lookup and an ordinary
 * packet touch: the ownership word, the key, the PSN state and the common
 * counters. Its cold half, at the end of the set, holds the counters of
 * rare events. Every counter is 64-bit.
 *
 * own: (tag << FABRIC_OWN_TAG_SHIFT) | references. Tag 0 is an empty way,
 * 1 a way being (re)written; a live flow's tag comes from its hash and is
 * at least 2. A CPU takes a reference (compare-and-swap) before it updates
 * a flow and drops it after; a flow is evicted only by a CPU that swaps a
 * live tag with no references for FABRIC_TAG_BUSY, so no update ever lands
 * in a slot that another flow has taken over.
 */
#define FABRIC_OWN_TAG_SHIFT	10
#define FABRIC_OWN_REFS		((1U << FABRIC_OWN_TAG_SHIFT) - 1)
#define FABRIC_TAG_EMPTY	0U
#define FABRIC_TAG_BUSY		1U

static inline __u32 fabric_own_tag(__u32 own)
{
	return own >> FABRIC_OWN_TAG_SHIFT;
}

struct fabric_flow_slot {
	__u32	own;
	__u32	ifindex;	/* home port: ingress of the flow's first packet */
	struct fabric_flow_key key;
	__u32	last_event;	/* ns >> 20 of the last event (rate limit) */
	__u64	psn_state;	/* next_psn (flags | PSN) | read_slack << 32 */
	__u64	last_seen_ns;	/* CLOCK_MONOTONIC_COARSE */
	/* second cache line */
	__u64	packets;
	__u64	bytes;
	__u64	psn_dups;	/* requests behind the expected PSN */
	__u64	ce;		/* ECN CE marks */
	__u64	ect;		/* ECT(0) or ECT(1), not CE */
	__u64	cnp;		/* congestion notification packets */
	__u64	acks;
	__u64	naks_seq;	/* NAK, PSN sequence error */
};

/*
 * Counters of rare events, one per way, and the first-seen time, which no
 * packet after the first touches.
 */
struct fabric_flow_cold {
	__u64	first_seen_ns;
	__u64	psn_gaps;	/* forward jumps of the request PSN */
	__u64	psn_missing;	/* PSNs skipped by those jumps */
	__u64	psn_rewinds;	/* retransmissions: runs of such requests */
	__u64	naks_rnr;	/* RNR NAK */
	__u64	naks_other;	/* NAK, any other code */
	__u64	truncated;	/* replay only: frames cut short by the capture */
};

#define FABRIC_FLOW_WAYS	8

/*
 * One set: eight hot slots (1 KiB), then the set's insert lock and the
 * eight cold halves; 1536 bytes, a multiple of 128 so that every slot
 * stays on a line pair. A CPU inserts a flow into a set only while it
 * holds insert_lock, so one key never takes two ways.
 */
struct fabric_flow_set {
	struct fabric_flow_slot slot[FABRIC_FLOW_WAYS];
	__u32	insert_lock;
	__u32	pad;
	struct fabric_flow_cold cold[FABRIC_FLOW_WAYS];
	__u64	spare[7];
};

_Static_assert(sizeof(struct fabric_flow_slot) == 128, "one line pair per slot");
_Static_assert(sizeof(struct fabric_flow_set) == 1536, "sets keep slots aligned");

/*
 * Settings of the flow table that readers need, in the one-entry array
 * fabric_flow_meta: pinned with the table so that a reload keeps finding
 * the flows already in it.
 */
struct fabric_flow_meta {
	__u32	hash_seed;
	__u32	nsets;
};

/* A whole flow as userspace sees it: both halves, one struct. */
struct fabric_flow {
	struct fabric_flow_key key;
	__u32	ifindex;	/* home port */
	__u32	next_psn;	/* flags above | expected request PSN */
	__u32	read_slack;	/* PSNs an earlier READ may still consume */
	__u64	packets;
	__u64	bytes;
	__u64	first_seen_ns;	/* CLOCK_MONOTONIC_COARSE */
	__u64	last_seen_ns;
	__u64	psn_gaps;
	__u64	psn_missing;
	__u64	psn_dups;
	__u64	psn_rewinds;
	__u64	acks;
	__u64	naks_seq;
	__u64	naks_rnr;
	__u64	naks_other;
	__u64	ce;
	__u64	ect;
	__u64	cnp;
	__u64	truncated;
};

/* Transmit-side per-flow counters (tc egress), in an LRU hash. */
struct fabric_tx_flow {
	__u64	packets;
	__u64	bytes;
	__u64	last_seen_ns;
};

/*
 * Per-port counters, per CPU, keyed by ifindex: an array for ifindex below
 * FABRIC_PORT_SLOTS (fabric_ports), a hash above (fabric_ports_hi).
 */
#define FABRIC_PORT_SLOTS	256

struct fabric_port_counters {
	__u64	rx_packets;	/* every frame seen at XDP ingress */
	__u64	rx_bytes;
	__u64	rx_roce_packets;
	__u64	rx_roce_bytes;
	__u64	rx_ce;
	__u64	rx_cnp;
	__u64	rx_non_roce;	/* parsed, but not RoCEv2 */
	__u64	rx_malformed;	/* truncated or invalid headers */
	__u64	rx_unparsed;	/* valid, but beyond what we parse */
	__u64	rx_last_ns;
	/*
	 * Conservation (Documentation/datapath.md): for X in packets, bytes,
	 * ce, cnp, exactly
	 *   rx_roce_X = sum of X over live flows homed here + rx_evicted_X
	 *               - rx_away_X + rx_foreign_X
	 */
	__u64	rx_evicted_flows;	/* flows homed here, evicted */
	__u64	rx_evicted_packets;	/* their counters, and packets */
	__u64	rx_evicted_bytes;	/* that found no slot */
	__u64	rx_evicted_ce;
	__u64	rx_evicted_ect;
	__u64	rx_evicted_cnp;
	__u64	rx_evicted_acks;
	__u64	rx_evicted_naks_seq;
	__u64	rx_evicted_naks_rnr;
	__u64	rx_evicted_naks_other;
	__u64	rx_evicted_psn_gaps;
	__u64	rx_evicted_psn_missing;
	__u64	rx_evicted_psn_dups;
	__u64	rx_evicted_psn_rewinds;
	__u64	rx_away_packets;	/* of flows homed here, received */
	__u64	rx_away_bytes;		/* on another port */
	__u64	rx_away_ce;
	__u64	rx_away_cnp;
	__u64	rx_foreign_packets;	/* received here, of flows homed */
	__u64	rx_foreign_bytes;	/* on another port */
	__u64	rx_foreign_ce;
	__u64	rx_foreign_cnp;
	__u64	rx_truncated;		/* replay only: RoCE frames cut short */
	__u64	tx_packets;
	__u64	tx_bytes;
	__u64	tx_roce_packets;
	__u64	tx_roce_bytes;
	__u64	tx_ce;
	__u64	tx_cnp;
	__u64	tx_non_roce;
	__u64	tx_malformed;
	__u64	tx_unparsed;
	__u64	tx_last_ns;
};

/* Global data-path health, per CPU, index 0. */
struct fabric_dp_stats {
	__u64	flow_inserts;
	__u64	flow_evictions;		/* live flow replaced by a new one */
	__u64	flow_insert_races;	/* set or slot busy on another CPU */
	__u64	flow_unplaced;		/* packets that found no slot */
	__u64	flow_psn_races;		/* PSN update lost (see datapath.md) */
	__u64	tx_flow_inserts;
	__u64	tx_flow_insert_errors;	/* tx map update failed */
	__u64	port_insert_errors;	/* ports map full */
	__u64	events_sent;
	__u64	events_lost;		/* ringbuf full */
	__u64	events_suppressed;	/* per-flow rate limit */
};

enum fabric_event_type {
	FABRIC_EV_PSN_GAP	= 1,
	FABRIC_EV_NAK		= 2,
	FABRIC_EV_SILENCE	= 3,	/* a watched port went quiet */
};

/*
 * Ringbuf record. FABRIC_EV_SILENCE has no flow: family, qp, src, dst and
 * syndrome are 0, and three fields carry the port's numbers instead:
 * missing = microseconds since the port's last RoCE frame (saturates),
 * expected_psn = how late the silence timer fired, in microseconds,
 * flow_gaps = the port's silence events so far.
 */
struct fabric_event {
	__u64	ts_ns;
	__u32	node_id;
	__u32	ifindex;
	__u16	type;		/* enum fabric_event_type */
	__u8	family;
	__u8	syndrome;	/* AETH syndrome for NAK events */
	__u32	qp;
	__u8	src[16];
	__u8	dst[16];
	__u32	psn;		/* PSN of the packet that raised the event */
	__u32	expected_psn;
	__u32	missing;	/* PSNs skipped by this gap (gap events) */
	__u32	flow_gaps;	/* the flow's psn_gaps so far */
	__u32	flow_naks;	/* the flow's NAKs so far, all kinds */
	__u32	pad;
	/* appended: the path the evidence is attributed to (flow_path.h) */
	__u32	path_ifindex;	/* 0: not attributed, ifindex is the port */
	__u32	path_how;	/* enum fabric_path_how */
};

/*
 * Silence detection (Documentation/datapath.md): one entry per port slot
 * (ifindex < FABRIC_PORT_SLOTS) of the array fabric_silence, shared by all
 * CPUs. The BPF side declares the same layout with a struct bpf_timer
 * first; userspace only reads it.
 */
struct fabric_silence_port {
	__u64	timer[2];	/* struct bpf_timer, owned by the kernel */
	__u64	last_rx_ns;	/* coarse clock of the latest RoCE frame */
	__u64	deadline_ns;	/* precise clock the timer is due at */
	__u32	armed;		/* 1: the timer is running */
	__u32	pad;
	__u64	arms;		/* timer started by a frame (quiet -> busy) */
	__u64	alarms;		/* FABRIC_EV_SILENCE raised */
	__u64	late;		/* checks that fired too late to trust */
	__u64	arm_errors;	/* bpf_timer_start() failed */
};

/* A silence check re-arms at least this far ahead (the coarse clock
 * moves once a jiffy); a late one re-checks after this long. */
#define FABRIC_SILENCE_MIN_NS	1000000ULL

/*
 * Passive evidence by path (Documentation/datapath.md, "Flow paths").
 * With fpath_on (.bss) set, tc egress records in the LRU hash
 * fabric_fpath the port each flow's requests leave by, keyed by the flow,
 * and per host pair (qp bits FABRIC_FPATH_ANY_QP) the port the pair's
 * requests leave by. XDP then charges a PSN gap or a retransmission of a
 * flow to the flow's egress port, and a NAK (PSN sequence error), which
 * travels on the reverse flow, to its host pair's egress port; evidence
 * whose path is unknown stays with its arrival port, counted as fallback.
 */
#define FABRIC_FPATH_ANY_QP	ROCE_QP_MASK	/* QP 0xffffff: multicast */
/* A pair whose requests left by another port this recently is ambiguous. */
#define FABRIC_FPATH_MIXED_NS	1000000000ULL

struct fabric_fpath {
	__u32	ifindex;	/* egress port of the latest request */
	__u32	changes;	/* times that port changed (saturates) */
	__u64	seen_ns;	/* coarse clock of the latest update */
	__u64	mixed_ns;	/* another port was seen (pair entries) */
};

enum fabric_path_how {
	FABRIC_PATH_NONE	= 0,	/* path unknown: the arrival port */
	FABRIC_PATH_FLOW	= 1,	/* the flow's own egress port */
	FABRIC_PATH_PAIR	= 2,	/* NAK: the reverse host pair's egress */
	FABRIC_PATH_AMBIGUOUS	= 3,	/* the pair left by several ports */
};

/*
 * Per-port passive evidence, per CPU, in the array fabric_pathev indexed
 * by ifindex (< FABRIC_PORT_SLOTS; index 0 collects larger ifindexes).
 * gaps..retransmits count evidence charged to the port as a path: learned
 * (attributed), or as an arrival port whose path was unknown (fallback).
 */
struct fabric_path_evidence {
	__u64	gaps;		/* PSN gaps of flows on this path */
	__u64	lost;		/* PSNs those gaps skipped */
	__u64	naks_seq;	/* NAK, PSN sequence error */
	__u64	retransmits;	/* retransmission episodes (PSN rewinds) */
	__u64	attributed;	/* evidence charged through a learned path */
	__u64	fallback;	/* evidence charged here, the arrival port */
	__u64	ambiguous;	/* of fallback: the pair left by several ports */
	__u64	learned;	/* fabric_fpath updates by tc on this port */
};

/* Names of pinned objects under the pin directory */
#define FABRIC_PIN_DIR		"/sys/fs/bpf/fabric"

#endif
