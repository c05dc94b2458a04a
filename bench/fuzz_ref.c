// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reference decoder of the parser fuzzer; see fuzz_ref.h. Written from the
 * specs, deliberately in a different shape from bpf/parse.h: a cursor over
 * a byte range that shrinks to each header's own length, so a length field
 * that lies or a cut frame shows up as "not enough bytes".
 */
#include <string.h>

#include "fuzz_ref.h"

/* A window of the frame: [pos, end) are the bytes the current layer owns. */
struct cur {
	const __u8	*buf;
	__u32		pos;
	__u32		end;
};

static bool have(const struct cur *c, __u32 n)
{
	return c->end >= c->pos && c->end - c->pos >= n;
}

/*
 * Header bytes the decision rests on, including a header that turned out
 * cut: [0, hdr_end) must be readable for the class to be known.
 */
static void mark(struct ref_pkt *o, const struct cur *c, __u32 n)
{
	if (c->pos + n > o->hdr_end)
		o->hdr_end = c->pos + n;
}

static __u32 be16(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

static __u32 be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static enum ref_class set_why(struct ref_pkt *o, enum ref_class c, const char *why)
{
	o->cls = c;
	o->why = why;
	return c;
}

/* IBTA Vol. 1 table 38: which opcodes each transport defines as requests */
static bool rc_request_op(__u8 op)
{
	return op <= 0x0c ||			/* SEND, WRITE, READ request */
	       op == 0x13 || op == 0x14 ||	/* CmpSwap, FetchAdd */
	       op == 0x16 || op == 0x17 ||	/* SEND with invalidate */
	       op == 0x1c || op == 0x1d;	/* FLUSH, ATOMIC WRITE */
}

static void classify_opcode(__u8 opcode, bool *request, bool *ack, bool *read)
{
	__u8 svc = opcode >> 5, op = opcode & 0x1f;

	*request = *ack = *read = false;
	switch (svc) {
	case 0:		/* RC */
	case 5:		/* XRC: the RC operations, with an XRCETH */
		*request = rc_request_op(op);
		*ack = op == 0x11 || op == 0x12;
		*read = op == 0x0c;
		break;
	case 1:		/* UC: SEND and WRITE only */
		*request = op <= 0x0b;
		break;
	default:	/* RD (not in RoCE), UD, CNP, reserved */
		break;
	}
}

static enum ref_ack aeth_kind(__u8 syndrome)
{
	switch (syndrome >> 5) {
	case 0:
		return REF_ACK;
	case 1:
		return REF_NAK_RNR;
	case 3:
		return (syndrome & 0x1f) == 0 ? REF_NAK_SEQ : REF_NAK_OTHER;
	default:
		return REF_NO_ACK;	/* reserved syndromes */
	}
}

/* @c: the UDP payload (bounded by the UDP length). */
static enum ref_class decode_bth(struct cur *c, struct ref_pkt *o)
{
	const __u8 *bth = c->buf + c->pos;
	__u32 need = ROCE_BTH_LEN, reth_at = 0, aeth_at = 0;
	bool request, ack, read;

	mark(o, c, ROCE_BTH_LEN);
	if (!have(c, ROCE_BTH_LEN + ROCE_ICRC_LEN))
		return set_why(o, REF_MALFORMED, "BTH+ICRC do not fit the UDP length");
	o->opcode = bth[0];
	o->key.qp_family |= (be32(bth + 4) & ROCE_QP_MASK) << 8;
	o->psn = be32(bth + 8) & ROCE_PSN_MASK;
	classify_opcode(o->opcode, &request, &ack, &read);
	if (read) {
		if ((o->opcode >> 5) == 5)
			need += ROCE_XRCETH_LEN;
		reth_at = need;
		need += ROCE_RETH_LEN;
	}
	if (ack) {
		aeth_at = need;
		need += ROCE_AETH_LEN;
	}
	mark(o, c, need);
	if (!have(c, need + ROCE_ICRC_LEN))
		return set_why(o, REF_MALFORMED, "extended transport header cut");
	o->request = request;
	o->is_read = read;
	o->psns = 1;
	if (read) {
		__u32 dma_len = be32(bth + reth_at + 12);

		/* one response per 256-byte (smallest IB MTU) chunk, at least 1 */
		o->psns = dma_len ? (dma_len + 255) / 256 : 1;
	}
	o->ack = ack ? aeth_kind(bth[aeth_at]) : REF_NO_ACK;
	return set_why(o, REF_ROCE, "RoCEv2");
}

/* @c: the IP payload (bounded by the IP length). */
static enum ref_class decode_udp(struct cur *c, struct ref_pkt *o)
{
	const __u8 *udp = c->buf + c->pos;
	__u32 ulen;

	mark(o, c, 8);
	if (!have(c, 8))
		return set_why(o, REF_MALFORMED, "UDP header cut");
	ulen = be16(udp + 4);
	if (ulen < 8 || !have(c, ulen))
		return set_why(o, REF_MALFORMED, "UDP length out of range");
	if (be16(udp + 2) != ROCE_V2_UDP_PORT)
		return set_why(o, REF_NON_ROCE, "UDP, not 4791");
	c->end = c->pos + ulen;
	c->pos += 8;
	return decode_bth(c, o);
}

static void v4_mapped(__u8 *dst, const __u8 *v4)
{
	memset(dst, 0, 10);
	dst[10] = dst[11] = 0xff;
	memcpy(dst + 12, v4, 4);
}

static enum ref_class decode_ipv4(struct cur *c, struct ref_pkt *o)
{
	const __u8 *ip = c->buf + c->pos;
	__u32 ihl, total, frag;

	mark(o, c, 20);
	if (!have(c, 20))
		return set_why(o, REF_MALFORMED, "IPv4 header cut");
	if (ip[0] >> 4 != 4)
		return set_why(o, REF_MALFORMED, "IPv4 version");
	ihl = (ip[0] & 0xf) * 4;
	total = be16(ip + 2);
	mark(o, c, ihl);
	if (ihl < 20 || !have(c, ihl))
		return set_why(o, REF_MALFORMED, "IPv4 IHL");
	if (total < ihl || !have(c, total))
		return set_why(o, REF_MALFORMED, "IPv4 total length");
	frag = be16(ip + 6);
	if (frag & 0x3fff)	/* MF set or a non-zero offset */
		return set_why(o, REF_UNPARSED, "IPv4 fragment");
	if (ip[9] != 17)
		return set_why(o, REF_NON_ROCE, "IPv4, not UDP");
	o->key.qp_family = FABRIC_AF_INET;
	v4_mapped(o->key.src, ip + 12);
	v4_mapped(o->key.dst, ip + 16);
	o->ecn = ip[1] & 3;
	c->end = c->pos + total;
	c->pos += ihl;
	return decode_udp(c, o);
}

#define V6_MAX_EXT	4

static enum ref_class decode_ipv6(struct cur *c, struct ref_pkt *o)
{
	const __u8 *ip = c->buf + c->pos;
	__u32 plen, n, hlen;
	__u8 next;

	mark(o, c, 40);
	if (!have(c, 40))
		return set_why(o, REF_MALFORMED, "IPv6 header cut");
	if (ip[0] >> 4 != 6)
		return set_why(o, REF_MALFORMED, "IPv6 version");
	plen = be16(ip + 4);
	next = ip[6];
	/*
	 * RFC 2675 jumbograms and the kernel's BIG TCP GSO packets carry
	 * their length outside the fixed header: not ours to check.
	 */
	if (plen == 0)
		return set_why(o, REF_UNPARSED, "IPv6 payload length 0");
	if (!have(c, 40 + plen))
		return set_why(o, REF_MALFORMED, "IPv6 payload length");
	o->key.qp_family = FABRIC_AF_INET6;
	memcpy(o->key.src, ip + 8, 16);
	memcpy(o->key.dst, ip + 24, 16);
	o->ecn = (be16(ip) >> 4) & 3;	/* traffic class bits 1..0 */
	c->end = c->pos + 40 + plen;
	c->pos += 40;

	for (n = 0;; n++) {
		const __u8 *h = c->buf + c->pos;

		switch (next) {
		case 17:
			return decode_udp(c, o);
		case 50:
			return set_why(o, REF_UNPARSED, "IPv6 ESP");
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 44:	/* fragment */
		case 51:	/* AH */
			break;
		default:
			return set_why(o, REF_NON_ROCE, "IPv6, not UDP");
		}
		if (n == V6_MAX_EXT)
			return set_why(o, REF_UNPARSED, "IPv6: 5th extension header");
		mark(o, c, 8);
		if (!have(c, 8))
			return set_why(o, REF_MALFORMED, "IPv6 extension header cut");
		if (next == 44) {
			if (be16(h + 2) & 0xfff9 /* offset, M; not the reserved bits */)
				return set_why(o, REF_UNPARSED, "IPv6 fragment");
			hlen = 8;
		} else if (next == 51) {
			hlen = (h[1] + 2) * 4;
		} else {
			hlen = (h[1] + 1) * 8;
		}
		if (!have(c, hlen))
			return set_why(o, REF_MALFORMED, "IPv6 extension length");
		next = h[0];
		c->pos += hlen;
	}
}

void ref_decode(const __u8 *frame, __u32 len, struct ref_pkt *o)
{
	struct cur c = { .buf = frame, .pos = 12, .end = len };
	__u32 type, tags = 0;

	memset(o, 0, sizeof(*o));
	if (len < 14)
		return (void)set_why(o, REF_MALFORMED, "Ethernet header cut");
	for (;;) {
		mark(o, &c, 2);
		if (!have(&c, 2))
			return (void)set_why(o, REF_MALFORMED, "VLAN tag cut");
		type = be16(frame + c.pos);
		if (type != 0x8100 && type != 0x88a8)
			break;
		if (tags == 2)
			return (void)set_why(o, REF_UNPARSED, "third VLAN tag");
		mark(o, &c, 6);
		if (!have(&c, 6))
			return (void)set_why(o, REF_MALFORMED, "VLAN tag cut");
		c.pos += 4;
		tags++;
	}
	c.pos += 2;
	switch (type) {
	case 0x0800:
		decode_ipv4(&c, o);
		break;
	case 0x86dd:
		decode_ipv6(&c, o);
		break;
	default:
		set_why(o, REF_NON_ROCE, "not IP");
		break;
	}
}

const char *ref_class_name(enum ref_class c)
{
	static const char *const names[] = {
		[REF_ROCE] = "roce", [REF_NON_ROCE] = "non-roce",
		[REF_MALFORMED] = "malformed", [REF_UNPARSED] = "unparsed",
	};

	return c <= REF_UNPARSED ? names[c] : "?";
}

void ref_psn_step(struct ref_psn *st, const struct ref_pkt *p)
{
	/*
	 * Path MTU unknown (read_pmtu = 0): a READ consumes one PSN and leaves
	 * room for up to psns - 1 responses before a jump counts as a gap.
	 */
	__u32 slack = p->is_read ? p->psns - 1 : 0, d;

	st->gaps = st->missing = st->dups = st->rewinds = 0;
	if (!st->valid) {
		st->valid = true;
		st->rewound = false;
		st->expected = (p->psn + 1) & ROCE_PSN_MASK;
		st->slack = slack;
		return;
	}
	/*
	 * IBTA 9.7.5.1.x: the 2^23 PSNs before the expected one are the
	 * duplicate region, so "forward" is strictly less than 2^23 ahead.
	 */
	d = (p->psn - st->expected) & ROCE_PSN_MASK;
	if (d < (1U << 23)) {
		if (d > st->slack) {
			st->gaps = 1;
			st->missing = d - st->slack;
		}
		st->rewound = false;
		st->expected = (p->psn + 1) & ROCE_PSN_MASK;
		st->slack = slack;
		return;
	}
	st->dups = 1;
	if (!st->rewound) {
		st->rewinds = 1;
		st->rewound = true;
	}
}
