// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Frame builder for the bpf selftests; see pktgen.h. */
#include <string.h>
#include <arpa/inet.h>

#include "pktgen.h"

#define ETH_ALEN_	6
#define ETH_HLEN_	14
#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100

#define DETH_LEN	8
#define ATOMIC_ETH_LEN	28
#define ATOMIC_ACK_LEN	8
#define IMM_LEN		4
#define IETH_LEN	4
#define CNP_RSVD_LEN	16
#define TCP_HLEN	20
#define UDP_HLEN	8

static const __u8 mac_dst[ETH_ALEN_] = { 0x02, 0, 0, 0, 0, 0x02 };
static const __u8 mac_src[ETH_ALEN_] = { 0x02, 0, 0, 0, 0, 0x01 };

void pkt_spec_init(struct pkt_spec *s, int ipver)
{
	static const __u8 v4s[4] = { 10, 0, 0, 1 }, v4d[4] = { 10, 0, 0, 2 };

	memset(s, 0, sizeof(*s));
	s->ipver = ipver;
	if (ipver == 4) {
		memcpy(s->saddr, v4s, 4);
		memcpy(s->daddr, v4d, 4);
	} else {
		s->saddr[0] = s->daddr[0] = 0xfd;
		s->saddr[15] = 1;
		s->daddr[15] = 2;
	}
	s->l4proto = PKT_IPPROTO_UDP;
	s->dport = ROCE_V2_UDP_PORT;
	s->opcode = ROCE_OP_SEND_ONLY;
	s->qp = 0x123;
	s->payload = 32;
}

void pkt_spec_flow(struct pkt_spec *s, __u32 n)
{
	if (s->ipver == 4) {
		s->saddr[1] = (n >> 16) & 0xff;
		s->saddr[2] = (n >> 8) & 0xff;
		s->saddr[3] = (n & 0xff) + 1;
	} else {
		s->saddr[12] = n >> 24;
		s->saddr[13] = (n >> 16) & 0xff;
		s->saddr[14] = (n >> 8) & 0xff;
		s->saddr[15] = (n & 0xff) + 1;
	}
}

void pkt_spec_key(const struct pkt_spec *s, struct fabric_flow_key *key)
{
	memset(key, 0, sizeof(*key));
	key->qp_family = (s->qp & ROCE_QP_MASK) << 8 |
			 (s->ipver == 4 ? FABRIC_AF_INET : FABRIC_AF_INET6);
	if (s->ipver == 4) {
		key->src[10] = key->src[11] = 0xff;
		key->dst[10] = key->dst[11] = 0xff;
		memcpy(key->src + 12, s->saddr, 4);
		memcpy(key->dst + 12, s->daddr, 4);
	} else {
		memcpy(key->src, s->saddr, 16);
		memcpy(key->dst, s->daddr, 16);
	}
}

void pkt_ipv4_csum(__u8 *ip)
{
	__u32 sum = 0, hlen = (ip[0] & 0xf) * 4, i;

	ip[10] = ip[11] = 0;
	for (i = 0; i + 1 < hlen; i += 2)
		sum += (ip[i] << 8) | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Transport headers that follow the BTH, IBTA order, as lengths. */
struct bth_exts {
	__u32	deth, xrceth, reth, atomic, aeth, atomic_ack, imm, ieth, rsvd;
	int	data;
};

static void opcode_exts(__u8 opcode, struct bth_exts *x)
{
	__u32 t = opcode >> 5, op = opcode & 0x1f;

	memset(x, 0, sizeof(*x));
	if (opcode == ROCE_OPCODE_CNP) {
		x->rsvd = CNP_RSVD_LEN;
		return;
	}
	if (t == ROCE_TRANSPORT_UD)
		x->deth = DETH_LEN;
	if (t == ROCE_TRANSPORT_XRC)
		x->xrceth = ROCE_XRCETH_LEN;
	switch (op) {
	case ROCE_OP_SEND_FIRST:
	case ROCE_OP_SEND_MIDDLE:
	case ROCE_OP_SEND_LAST:
	case ROCE_OP_SEND_ONLY:
	case ROCE_OP_WRITE_MIDDLE:
	case ROCE_OP_WRITE_LAST:
	case ROCE_OP_READ_RESPONSE_MIDDLE:
		x->data = 1;
		break;
	case ROCE_OP_SEND_LAST_IMM:
	case ROCE_OP_SEND_ONLY_IMM:
	case ROCE_OP_WRITE_LAST_IMM:
		x->imm = IMM_LEN;
		x->data = 1;
		break;
	case ROCE_OP_WRITE_FIRST:
	case ROCE_OP_WRITE_ONLY:
		x->reth = ROCE_RETH_LEN;
		x->data = 1;
		break;
	case ROCE_OP_WRITE_ONLY_IMM:
		x->reth = ROCE_RETH_LEN;
		x->imm = IMM_LEN;
		x->data = 1;
		break;
	case ROCE_OP_READ_REQUEST:
		x->reth = ROCE_RETH_LEN;
		break;
	case ROCE_OP_READ_RESPONSE_FIRST:
	case ROCE_OP_READ_RESPONSE_LAST:
	case ROCE_OP_READ_RESPONSE_ONLY:
		x->aeth = ROCE_AETH_LEN;
		x->data = 1;
		break;
	case ROCE_OP_ACKNOWLEDGE:
		x->aeth = ROCE_AETH_LEN;
		break;
	case ROCE_OP_ATOMIC_ACKNOWLEDGE:
		x->aeth = ROCE_AETH_LEN;
		x->atomic_ack = ATOMIC_ACK_LEN;
		break;
	case ROCE_OP_COMPARE_SWAP:
	case ROCE_OP_FETCH_ADD:
		x->atomic = ATOMIC_ETH_LEN;
		break;
	case ROCE_OP_SEND_LAST_INV:
	case ROCE_OP_SEND_ONLY_INV:
		x->ieth = IETH_LEN;
		x->data = 1;
		break;
	default:
		x->data = 1;
		break;
	}
}

/* BTH and everything after it up to and including the ICRC. */
static __u32 build_roce(const struct pkt_spec *s, __u8 *p, __u8 *end,
			__u32 base, struct pkt_layout *lay)
{
	struct bth_exts x;
	__u32 n = 0, data, i;

	opcode_exts(s->opcode, &x);
	data = x.data ? s->payload : 0;
	if (p + ROCE_BTH_LEN + x.deth + x.xrceth + x.reth + x.atomic + x.aeth +
	    x.atomic_ack + x.imm + x.ieth + x.rsvd + data + ROCE_ICRC_LEN > end)
		return 0;

	lay->bth = base;
	p[0] = s->opcode;
	p[1] = (-data & 3) << 4;		/* pad count, TVer 0 */
	put16(p + 2, 0xffff);			/* default P_Key */
	put32(p + 4, s->qp & ROCE_QP_MASK);
	put32(p + 8, (s->ackreq ? 0x80000000U : 0) | (s->psn & ROCE_PSN_MASK));
	n = ROCE_BTH_LEN;
	if (x.deth) {
		put32(p + n, 0x11111111);		/* Q_Key */
		put32(p + n + 4, 0x000abc);		/* source QP */
		n += x.deth;
	}
	if (x.xrceth) {
		lay->xrceth = base + n;
		put32(p + n, s->xrc_srq & 0xffffff);
		n += x.xrceth;
	}
	if (x.reth) {
		lay->reth = base + n;
		put32(p + n, 0x00007f00);		/* VA */
		put32(p + n + 4, 0x12345000);
		put32(p + n + 8, 0xabcd);		/* R_Key */
		put32(p + n + 12, s->dma_len);
		n += x.reth;
	}
	if (x.atomic) {
		memset(p + n, 0x5a, x.atomic);
		n += x.atomic;
	}
	if (x.aeth) {
		lay->aeth = base + n;
		put32(p + n, (__u32)s->syndrome << 24 | (s->msn & 0xffffff));
		n += x.aeth;
	}
	if (x.atomic_ack) {
		memset(p + n, 0xa5, x.atomic_ack);
		n += x.atomic_ack;
	}
	if (x.imm) {
		put32(p + n, 0xc0ffee00);
		n += x.imm;
	}
	if (x.ieth) {
		put32(p + n, 0x0000beef);
		n += x.ieth;
	}
	if (x.rsvd) {
		memset(p + n, 0, x.rsvd);
		n += x.rsvd;
	}
	for (i = 0; i < data; i++)
		p[n + i] = (__u8)(i * 7 + 1);
	n += data + (-data & 3);
	memset(p + n - (-data & 3), 0, -data & 3);
	put32(p + n, 0xdeadbeef);		/* ICRC: not checked */
	return n + ROCE_ICRC_LEN;
}

/* L4 header and payload. */
static __u32 build_l4(const struct pkt_spec *s, __u8 *p, __u8 *end,
		      __u32 base, struct pkt_layout *lay)
{
	__u32 n, i;

	lay->l4 = base;
	if (s->l4proto == PKT_IPPROTO_TCP) {
		if (p + TCP_HLEN + s->payload > end)
			return 0;
		memset(p, 0, TCP_HLEN);
		put16(p, 40000);
		put16(p + 2, s->dport);
		put32(p + 4, s->psn);
		p[12] = 5 << 4;
		p[13] = 0x18;			/* PSH ACK */
		put16(p + 14, 65535);
		for (i = 0; i < s->payload; i++)
			p[TCP_HLEN + i] = (__u8)i;
		return TCP_HLEN + s->payload;
	}
	if (p + UDP_HLEN > end)
		return 0;
	put16(p, 49152 + (s->qp & 0x3fff));
	put16(p + 2, s->dport);
	put16(p + 6, 0);			/* RoCE NICs send no checksum */
	if (s->dport == ROCE_V2_UDP_PORT) {
		n = build_roce(s, p + UDP_HLEN, end, base + UDP_HLEN, lay);
		if (!n)
			return 0;
	} else {
		if (p + UDP_HLEN + s->payload > end)
			return 0;
		for (i = 0; i < s->payload; i++)
			p[UDP_HLEN + i] = (__u8)i;
		n = s->payload;
	}
	put16(p + 4, UDP_HLEN + n);
	return UDP_HLEN + n;
}

static __u32 build_ipv4(const struct pkt_spec *s, __u8 *p, __u8 *end,
			__u32 base, struct pkt_layout *lay)
{
	__u32 hlen = 20 + 4 * s->ip_opt_words, n;

	if (s->ip_opt_words > 10 || p + hlen > end)
		return 0;
	memset(p, 0, hlen);
	p[0] = 0x40 | (hlen / 4);
	p[1] = s->tos;
	put16(p + 4, 0x1234);
	put16(p + 6, s->ip_frag ? s->ip_frag : 0x4000);	/* DF */
	p[8] = 64;
	p[9] = s->l4proto;
	memcpy(p + 12, s->saddr, 4);
	memcpy(p + 16, s->daddr, 4);
	memset(p + 20, 1, hlen - 20);			/* NOP options */
	n = build_l4(s, p + hlen, end, base + hlen, lay);
	if (!n)
		return 0;
	put16(p + 2, hlen + n);
	pkt_ipv4_csum(p);
	return hlen + n;
}

static __u32 ext_len(__u8 type)
{
	return type == PKT_EXT_AH ? 16 : 8;
}

static void build_ext(const struct pkt_spec *s, __u8 *p, __u8 type, __u8 next)
{
	memset(p, 0, ext_len(type));
	p[0] = next;
	switch (type) {
	case PKT_EXT_HOPOPTS:
	case PKT_EXT_DSTOPTS:
		p[2] = 1;			/* PadN over the remaining 6 bytes */
		p[3] = 4;
		break;
	case PKT_EXT_ROUTING:
		p[2] = 253;			/* experimental type, no segments */
		break;
	case PKT_EXT_FRAG:
		put16(p + 2, s->v6_frag);
		put32(p + 4, 0x0badf00d);
		break;
	case PKT_EXT_AH:
		p[1] = ext_len(type) / 4 - 2;
		put32(p + 4, 0x100);		/* SPI */
		put32(p + 8, 1);		/* sequence */
		break;
	case PKT_EXT_ESP:
		put32(p, 0x100);		/* SPI: ESP has no next header here */
		put32(p + 4, 1);
		break;
	}
}

static __u32 build_ipv6(const struct pkt_spec *s, __u8 *p, __u8 *end,
			__u32 base, struct pkt_layout *lay)
{
	__u32 off = 40, n = 0;
	int i;

	if (s->next > PKT_MAX_EXT || p + 40 > end)
		return 0;
	memset(p, 0, 40);
	put32(p, 6U << 28 | (__u32)s->tos << 20 | 0x12345);
	p[6] = s->next ? s->ext[0] : s->l4proto;
	p[7] = 64;
	memcpy(p + 8, s->saddr, 16);
	memcpy(p + 24, s->daddr, 16);
	for (i = 0; i < s->next; i++) {
		__u8 next = i + 1 < s->next ? s->ext[i + 1] : s->l4proto;

		if (p + off + ext_len(s->ext[i]) > end)
			return 0;
		lay->ext[i] = base + off;
		build_ext(s, p + off, s->ext[i], next);
		off += ext_len(s->ext[i]);
		if (s->ext[i] == PKT_EXT_ESP)
			break;
	}
	if (i == s->next) {
		n = build_l4(s, p + off, end, base + off, lay);
		if (!n)
			return 0;
	}
	put16(p + 4, off - 40 + n);
	return off + n;
}

size_t pkt_build(const struct pkt_spec *s, __u8 *buf, size_t cap,
		 struct pkt_layout *lay)
{
	__u8 *end = buf + cap, *p = buf;
	__u32 n;
	int i;

	memset(lay, 0, sizeof(*lay));
	if (s->nvlan > PKT_MAX_VLANS || cap < ETH_HLEN_ + 4 * PKT_MAX_VLANS)
		return 0;
	memcpy(p, mac_dst, ETH_ALEN_);
	memcpy(p + ETH_ALEN_, mac_src, ETH_ALEN_);
	p += 2 * ETH_ALEN_;
	for (i = 0; i < s->nvlan; i++) {
		put16(p, s->vlan_tpid[i] ? s->vlan_tpid[i] : ETH_P_8021Q);
		put16(p + 2, 100 + i);		/* PCP 0, VID */
		p += 4;
	}
	if (s->ipver == 4)
		put16(p, ETH_P_IPV4);
	else if (s->ipver == 6)
		put16(p, ETH_P_IPV6);
	else
		put16(p, PKT_ETH_P_ARP);
	p += 2;
	lay->l3 = p - buf;

	if (s->ipver == 4) {
		n = build_ipv4(s, p, end, lay->l3, lay);
	} else if (s->ipver == 6) {
		n = build_ipv6(s, p, end, lay->l3, lay);
	} else {
		if (p + 28 > end)
			return 0;
		memset(p, 0, 28);
		put16(p, 1);			/* Ethernet */
		put16(p + 2, ETH_P_IPV4);
		p[4] = ETH_ALEN_;
		p[5] = 4;
		put16(p + 6, 1);		/* request */
		memcpy(p + 8, mac_src, ETH_ALEN_);
		memcpy(p + 14, s->saddr, 4);
		memcpy(p + 24, s->daddr, 4);
		n = 28;
	}
	if (!n)
		return 0;
	lay->len = lay->l3 + n;
	return lay->len;
}
