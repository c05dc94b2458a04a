/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Frame parser shared by the XDP and tc programs: Ethernet with up to two
 * VLAN tags, IPv4 or IPv6 with extension headers, UDP to port 4791, BTH.
 * Every length is checked against both the frame and the enclosing header's
 * own length field, so any truncation is reported as malformed.
 */
#ifndef FABRIC_PARSE_H
#define FABRIC_PARSE_H

#include "fabric_abi.h"
#include "roce.h"

#define ETH_HLEN_		14
#define ETH_P_IPV4_		0x0800
#define ETH_P_IPV6_		0x86dd
#define ETH_P_8021Q_		0x8100
#define ETH_P_8021AD_		0x88a8
#define IPPROTO_UDP_		17
#define IPV6_MAX_EXT_HDRS	4
#define PARSE_MAX_OFF		0x3fff

enum fabric_parse_result {
	FABRIC_PARSE_ROCE,
	FABRIC_PARSE_NON_ROCE,
	FABRIC_PARSE_MALFORMED,
	FABRIC_PARSE_UNPARSED,
};

struct fabric_pkt {
	struct fabric_flow_key key;
	__u32	psn;
	__u32	read_len;	/* DMA length of a READ request */
	__u8	opcode;
	__u8	ecn;
	__u8	syndrome;	/* AETH syndrome of an ACK/NAK */
	__u8	truncated;	/* allow_cut: the capture cut the frame short */
	__u32	wire_len;	/* with truncated: the frame's length per IP */
};

struct ipv6_opt_hdr_ {
	__u8	nexthdr;
	__u8	hdrlen;
};

static __always_inline void parse_map_v4(__u8 *dst, __be32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

/* IPv4 header: returns the result so far and sets *l4 and *l4_end. */
/*
 * Header bytes must be in the linear part to be read; a header cut off there
 * is only malformed if the frame itself ends there too.
 */
#define short_result(data_end, ctx)					\
	((ctx)->linear_len < (ctx)->pkt_len ? FABRIC_PARSE_UNPARSED :	\
					      FABRIC_PARSE_MALFORMED)

struct parse_ctx {
	void	*data;
	__u32	pkt_len;	/* whole frame, all fragments */
	__u32	linear_len;
	__u32	allow_cut;	/* replay: IP may claim more than was captured */
};

/*
 * The IP header says the datagram ends at @end, past the captured frame.
 * Live traffic: malformed. Replay of a truncated capture: go on with the
 * headers that were captured, and take the frame's length from IP.
 */
static __always_inline int parse_ip_end(const struct parse_ctx *c, __u32 end,
					struct fabric_pkt *p)
{
	if (end <= c->pkt_len)
		return 0;
	if (!c->allow_cut)
		return -1;
	p->truncated = 1;
	p->wire_len = end;
	return 0;
}

static __always_inline __u32 parse_off(const struct parse_ctx *c, void *ptr)
{
	return (__u32)(ptr - c->data);
}

static __always_inline int parse_ipv4(const struct parse_ctx *c, void *l3,
				      void *data_end, struct fabric_pkt *p,
				      void **l4, __u32 *l4_end)
{
	struct iphdr *ip = l3;
	__u32 hlen, tot;

	if ((void *)(ip + 1) > data_end)
		return short_result(data_end, c);
	if (ip->version != 4 || ip->ihl < 5)
		return FABRIC_PARSE_MALFORMED;
	hlen = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < hlen || parse_ip_end(c, parse_off(c, l3) + tot, p))
		return FABRIC_PARSE_MALFORMED;
	if (l3 + hlen > data_end)
		return short_result(data_end, c);
	/* later fragments have no UDP header; first ones can't be trusted */
	if (ip->frag_off & bpf_htons(0x3fff))
		return FABRIC_PARSE_UNPARSED;
	if (ip->protocol != IPPROTO_UDP_)
		return FABRIC_PARSE_NON_ROCE;

	p->ecn = ip->tos & 3;
	parse_map_v4(p->key.src, ip->saddr);
	parse_map_v4(p->key.dst, ip->daddr);
	p->key.qp_family = FABRIC_AF_INET;
	*l4 = l3 + hlen;
	*l4_end = parse_off(c, l3) + tot;
	return FABRIC_PARSE_ROCE;
}

static __always_inline int parse_ipv6(const struct parse_ctx *c, void *l3,
				      void *data_end, struct fabric_pkt *p,
				      void **l4, __u32 *l4_end)
{
	struct ipv6hdr *ip6 = l3;
	__u32 plen, len, end;
	void *cur;
	__u8 next;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return short_result(data_end, c);
	if (ip6->version != 6)
		return FABRIC_PARSE_MALFORMED;
	plen = bpf_ntohs(ip6->payload_len);
	if (!plen)		/* jumbogram */
		return FABRIC_PARSE_UNPARSED;
	end = parse_off(c, l3) + sizeof(*ip6) + plen;
	if (parse_ip_end(c, end, p))
		return FABRIC_PARSE_MALFORMED;

	cur = ip6 + 1;
	next = ip6->nexthdr;
#pragma unroll
	for (i = 0; i < IPV6_MAX_EXT_HDRS; i++) {
		struct ipv6_opt_hdr_ *opt = cur;

		if (next == IPPROTO_UDP_)
			break;
		switch (next) {
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
			if ((void *)(opt + 1) > data_end)
				return short_result(data_end, c);
			len = ((__u32)opt->hdrlen + 1) * 8;
			break;
		case 44:	/* fragment */
			if (cur + 8 > data_end)
				return short_result(data_end, c);
			/* bits past the payload length are not a header */
			if (parse_off(c, cur) + 8 > end)
				return FABRIC_PARSE_MALFORMED;
			/* offset or more-fragments set: not a whole datagram */
			if (*(__be16 *)(cur + 2) & bpf_htons(0xfff9))
				return FABRIC_PARSE_UNPARSED;
			len = 8;
			break;
		case 51:	/* authentication header */
			if ((void *)(opt + 1) > data_end)
				return short_result(data_end, c);
			len = ((__u32)opt->hdrlen + 2) * 4;
			break;
		case 50:	/* ESP: the rest is encrypted */
			return FABRIC_PARSE_UNPARSED;
		default:
			return FABRIC_PARSE_NON_ROCE;
		}
		next = opt->nexthdr;
		if (parse_off(c, cur) + len > end)
			return FABRIC_PARSE_MALFORMED;
		cur += len & PARSE_MAX_OFF;
	}
	/* a fifth extension header is beyond us; TCP, ICMPv6... are not RoCE */
	if (next != IPPROTO_UDP_)
		return next == 0 || next == 43 || next == 60 || next == 44 ||
		       next == 50 || next == 51 ?
		       FABRIC_PARSE_UNPARSED : FABRIC_PARSE_NON_ROCE;

	p->ecn = (bpf_ntohs(*(__be16 *)ip6) >> 4) & 3;
	__builtin_memcpy(p->key.src, &ip6->saddr, 16);
	__builtin_memcpy(p->key.dst, &ip6->daddr, 16);
	p->key.qp_family = FABRIC_AF_INET6;
	*l4 = cur;
	*l4_end = end;
	return FABRIC_PARSE_ROCE;
}

/*
 * @pkt_len is the whole frame; only data..data_end can be read. Length
 * fields are checked against @pkt_len so that a frame cut anywhere, header
 * or payload, is malformed. With @allow_cut (replay only), a frame whose
 * headers are complete through the BTH (and AETH/RETH) but whose IP length
 * exceeds @pkt_len is RoCE, with p->truncated and p->wire_len set.
 */
static __always_inline int fabric_parse(void *data, void *data_end,
					__u32 pkt_len, struct fabric_pkt *p,
					__u32 allow_cut)
{
	struct parse_ctx c = {
		.data = data,
		.pkt_len = pkt_len,
		.linear_len = (__u32)(data_end - data),
		.allow_cut = allow_cut,
	};
	struct ethhdr *eth = data;
	void *l3, *l4 = NULL, *payload;
	__u32 l4_end = 0, udp_end;
	struct roce_bth *bth;
	struct udphdr *udp;
	__u16 proto;
	__u32 ulen;
	int ret, i;

	if ((void *)(eth + 1) > data_end)
		return short_result(data_end, &c);
	proto = eth->h_proto;
	l3 = eth + 1;
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q_) &&
		    proto != bpf_htons(ETH_P_8021AD_))
			break;
		if (l3 + 4 > data_end)
			return short_result(data_end, &c);
		proto = *(__be16 *)(l3 + 2);
		l3 += 4;
	}

	if (proto == bpf_htons(ETH_P_IPV4_))
		ret = parse_ipv4(&c, l3, data_end, p, &l4, &l4_end);
	else if (proto == bpf_htons(ETH_P_IPV6_))
		ret = parse_ipv6(&c, l3, data_end, p, &l4, &l4_end);
	else if (proto == bpf_htons(ETH_P_8021Q_) ||
		 proto == bpf_htons(ETH_P_8021AD_))
		return FABRIC_PARSE_UNPARSED;	/* more than two tags */
	else
		return FABRIC_PARSE_NON_ROCE;
	if (ret != FABRIC_PARSE_ROCE)
		return ret;

	udp = l4;
	if (parse_off(&c, l4) + sizeof(*udp) > l4_end)
		return FABRIC_PARSE_MALFORMED;
	if ((void *)(udp + 1) > data_end)
		return short_result(data_end, &c);
	ulen = bpf_ntohs(udp->len);
	udp_end = parse_off(&c, l4) + ulen;
	if (ulen < sizeof(*udp) || udp_end > l4_end)
		return FABRIC_PARSE_MALFORMED;
	if (udp->dest != bpf_htons(ROCE_V2_UDP_PORT))
		return FABRIC_PARSE_NON_ROCE;

	/* from here on the ICRC must still fit after every header */
	udp_end -= ROCE_ICRC_LEN;
	bth = (void *)(udp + 1);
	if (parse_off(&c, bth) + sizeof(*bth) > udp_end)
		return FABRIC_PARSE_MALFORMED;
	if ((void *)(bth + 1) > data_end)
		return short_result(data_end, &c);

	p->opcode = bth->opcode;
	p->psn = bpf_ntohl(bth->ack_psn) & ROCE_PSN_MASK;
	p->key.qp_family |= bpf_ntohl(bth->dest_qp) << 8;
	payload = bth + 1;

	if (roce_opcode_is_ack(p->opcode)) {
		struct roce_aeth *aeth = payload;

		if (parse_off(&c, aeth) + sizeof(*aeth) > udp_end)
			return FABRIC_PARSE_MALFORMED;
		if ((void *)(aeth + 1) > data_end)
			return short_result(data_end, &c);
		p->syndrome = *(__u8 *)aeth;
	} else if (roce_opcode_is_read_request(p->opcode)) {
		struct roce_reth *reth = payload;

		if (roce_opcode_transport(p->opcode) == ROCE_TRANSPORT_XRC)
			reth = payload + ROCE_XRCETH_LEN;
		if (parse_off(&c, reth) + sizeof(*reth) > udp_end)
			return FABRIC_PARSE_MALFORMED;
		if ((void *)(reth + 1) > data_end)
			return short_result(data_end, &c);
		p->read_len = bpf_ntohl(reth->dma_len);
	}
	return FABRIC_PARSE_ROCE;
}

#endif
