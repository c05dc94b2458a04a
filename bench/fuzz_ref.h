/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reference decoder for the parser fuzzer: an independent reading of the
 * same specs as bpf/parse.h (IEEE 802.1Q, RFC 791, RFC 8200, RFC 768,
 * IBTA Vol. 1 BTH/AETH/RETH/XRCETH and annex A17 for RoCEv2) and of the
 * classification rules in Documentation/datapath.md. It shares only the
 * constants and layouts of common/fabric_abi.h with the data path.
 */
#ifndef FABRIC_FUZZ_REF_H
#define FABRIC_FUZZ_REF_H

#include <stdbool.h>
#include "fabric_abi.h"

enum ref_class {
	REF_ROCE,
	REF_NON_ROCE,
	REF_MALFORMED,
	REF_UNPARSED,
};

/* AETH syndrome kinds that move a flow counter */
enum ref_ack {
	REF_NO_ACK,		/* not an ACK opcode, or a reserved syndrome */
	REF_ACK,
	REF_NAK_SEQ,
	REF_NAK_RNR,
	REF_NAK_OTHER,
};

struct ref_pkt {
	enum ref_class		cls;
	/* RoCE only, below */
	struct fabric_flow_key	key;
	__u8			ecn;
	__u8			opcode;
	__u32			psn;
	bool			request;	/* sequence-tracked request */
	__u32			psns;		/* PSNs a READ request consumes */
	bool			is_read;
	enum ref_ack		ack;
	const char		*why;		/* reason for the class, for logs */
	__u32			hdr_end;	/* header bytes the class rests on */
};

void ref_decode(const __u8 *frame, __u32 len, struct ref_pkt *out);
const char *ref_class_name(enum ref_class c);

/* The PSN state of a flow, as fabric_flow keeps it (Documentation/datapath.md). */
struct ref_psn {
	bool	valid;
	bool	rewound;
	__u32	expected;
	__u32	slack;
	/* counters this request added */
	__u32	gaps, missing, dups, rewinds;
};

/* Apply one request to @st, for a data path loaded with read_pmtu = 0. */
void ref_psn_step(struct ref_psn *st, const struct ref_pkt *p);

#endif
