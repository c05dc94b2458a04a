/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RoCEv2 opcode classes and request-PSN tracking. Pure C: the BPF data path
 * runs it per packet and the unit tests run it on the host.
 */
#ifndef FABRIC_ROCE_H
#define FABRIC_ROCE_H

#include "fabric_abi.h"

#define FABRIC_PSN_HALF		0x00800000U	/* half the 24-bit PSN space */
#define FABRIC_MIN_PMTU		256U

static inline __u32 roce_opcode_transport(__u8 opcode)
{
	return opcode >> 5;
}

static inline __u32 roce_opcode_op(__u8 opcode)
{
	return opcode & 0x1f;
}

/* Transports whose requests carry a gap-free PSN sequence. */
static inline int roce_transport_is_connected(__u32 transport)
{
	return transport == ROCE_TRANSPORT_RC || transport == ROCE_TRANSPORT_UC ||
	       transport == ROCE_TRANSPORT_XRC;
}

/* A request consumes PSNs of the requester's send queue. */
static inline int roce_opcode_is_request(__u8 opcode)
{
	__u32 t = roce_opcode_transport(opcode), op = roce_opcode_op(opcode);

	/* IBTA table 38: UC defines SEND and RDMA WRITE only */
	if (t == ROCE_TRANSPORT_UC)
		return op <= ROCE_OP_WRITE_ONLY_IMM;
	if (t != ROCE_TRANSPORT_RC && t != ROCE_TRANSPORT_XRC)
		return 0;
	if (op <= ROCE_OP_READ_REQUEST)
		return 1;
	switch (op) {
	case ROCE_OP_COMPARE_SWAP:
	case ROCE_OP_FETCH_ADD:
	case ROCE_OP_SEND_LAST_INV:
	case ROCE_OP_SEND_ONLY_INV:
	case ROCE_OP_FLUSH:
	case ROCE_OP_ATOMIC_WRITE:
		return 1;
	}
	return 0;
}

/* ACKNOWLEDGE and ATOMIC ACKNOWLEDGE: an AETH follows the BTH. */
static inline int roce_opcode_is_ack(__u8 opcode)
{
	__u32 t = roce_opcode_transport(opcode), op = roce_opcode_op(opcode);

	return (t == ROCE_TRANSPORT_RC || t == ROCE_TRANSPORT_XRC) &&
	       (op == ROCE_OP_ACKNOWLEDGE || op == ROCE_OP_ATOMIC_ACKNOWLEDGE);
}

/* Extended headers between the BTH and the RETH of a READ request. */
static inline __u32 roce_reth_offset(__u8 opcode)
{
	return roce_opcode_transport(opcode) == ROCE_TRANSPORT_XRC ?
	       ROCE_BTH_LEN + ROCE_XRCETH_LEN : ROCE_BTH_LEN;
}

static inline int roce_opcode_is_read_request(__u8 opcode)
{
	__u32 t = roce_opcode_transport(opcode);

	return roce_opcode_op(opcode) == ROCE_OP_READ_REQUEST &&
	       (t == ROCE_TRANSPORT_RC || t == ROCE_TRANSPORT_XRC);
}

enum fabric_ack_kind {
	FABRIC_ACK,
	FABRIC_NAK_SEQ,
	FABRIC_NAK_RNR,
	FABRIC_NAK_OTHER,
	FABRIC_ACK_RESERVED,
};

static inline enum fabric_ack_kind roce_aeth_kind(__u8 syndrome)
{
	switch (syndrome >> 5) {
	case ROCE_AETH_ACK:
		return FABRIC_ACK;
	case ROCE_AETH_RNR_NAK:
		return FABRIC_NAK_RNR;
	case ROCE_AETH_NAK:
		return (syndrome & 0x1f) == ROCE_NAK_PSN_SEQ_ERR ?
		       FABRIC_NAK_SEQ : FABRIC_NAK_OTHER;
	}
	return FABRIC_ACK_RESERVED;
}

/*
 * PSNs a READ request consumes: one per response packet. With the path MTU
 * known that is exact; otherwise the request consumes one and up to
 * @slack more may be skipped by the next request without counting a gap.
 */
static inline __u32 roce_read_psns(__u32 dma_len, __u32 pmtu)
{
	if (!pmtu)
		pmtu = FABRIC_MIN_PMTU;
	if (!dma_len)
		return 1;
	return (dma_len + pmtu - 1) / pmtu;
}

/*
 * One step of request-PSN tracking on a flow's state word (next_psn in the
 * low half, read_slack in the high half). Pure, so that the data path can
 * apply it with a compare-and-swap and retry when another CPU moved the
 * state first.
 */
struct fabric_psn_res {
	__u64	state;		/* the state after this request */
	__u32	missing;	/* PSNs skipped (with gap) */
	__u8	gap;		/* a forward jump */
	__u8	dup;		/* behind the expectation */
	__u8	rewind;		/* first duplicate after in-order traffic */
};

static inline void fabric_psn_step(__u64 state, __u32 psn, __u32 consumed,
				   __u32 slack_after, struct fabric_psn_res *r)
{
	__u32 next = (__u32)state, slack = (__u32)(state >> 32), dist;

	r->missing = 0;
	r->gap = r->dup = r->rewind = 0;
	psn &= ROCE_PSN_MASK;
	if (next & FABRIC_PSN_VALID) {
		dist = (psn - next) & ROCE_PSN_MASK;
		if (dist >= FABRIC_PSN_HALF) {
			r->dup = 1;
			r->rewind = !(next & FABRIC_PSN_REWOUND);
			r->state = state | FABRIC_PSN_REWOUND;
			return;
		}
		if (dist > slack) {
			r->missing = dist - slack;
			r->gap = 1;
		}
	}
	r->state = (FABRIC_PSN_VALID | ((psn + consumed) & ROCE_PSN_MASK)) |
		   (__u64)slack_after << 32;
}

/*
 * Track the request PSN of a flow held in userspace. Returns the number of
 * PSNs missing before @psn (0 when in order), or -1 when @psn is behind the
 * expectation, i.e. a duplicate or a retransmission.
 */
static inline int fabric_psn_track(struct fabric_flow *f, __u32 psn,
				   __u32 consumed, __u32 slack_after)
{
	struct fabric_psn_res r;

	fabric_psn_step(f->next_psn | (__u64)f->read_slack << 32, psn,
			consumed, slack_after, &r);
	f->next_psn = (__u32)r.state;
	f->read_slack = (__u32)(r.state >> 32);
	if (r.dup) {
		f->psn_dups++;
		f->psn_rewinds += r.rewind;
		return -1;
	}
	if (r.gap) {
		f->psn_gaps++;
		f->psn_missing += r.missing;
	}
	return r.missing;
}

#endif
