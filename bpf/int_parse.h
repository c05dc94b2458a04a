/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Find and validate the INT block of a frame (Documentation/int.md,
 * "Malformed"). INT frames are untagged Ethernet, IPv4 without options or
 * fragments, or IPv6 with UDP as the first next header; UDP to the INT
 * port. The checks run in a fixed order and the first that fails names
 * the reason; bench/int_ref.c models the same rules independently.
 */
#ifndef FABRIC_INT_PARSE_H
#define FABRIC_INT_PARSE_H

#include "fabric_int.h"

#define INT_L4_V4	34
#define INT_L4_V6	54

enum int_verdict {
	INT_NOT,		/* not addressed to the INT port: not ours */
	INT_OK,
	INT_BAD,		/* malformed: f->bad says why */
	INT_NONLINEAR,		/* headers past the linear area: left alone */
};

struct int_frame {
	__u32	l4;		/* UDP header offset: INT_L4_V4 or INT_L4_V6 */
	__u32	v6;
	__u32	words;		/* shim Length */
	__u32	hop_words;	/* Hop ML */
	__u32	hops;
	__u32	ulen;
	__u16	instr;
	__u8	flags;		/* metadata header byte 0 */
	__u8	remaining;
	__u32	bad;		/* enum fabric_int_malformed */
};

static __always_inline int int_bad(struct int_frame *f, __u32 why)
{
	f->bad = why;
	return INT_BAD;
}

static __always_inline int int_locate(void *data, void *data_end, __u32 pkt_len,
				      __u16 port, struct int_frame *f)
{
	__u32 linear = (__u32)(data_end - data), iplen, ihl, words, hml;
	struct fabric_int_shim *shim;
	struct fabric_int_md *md;
	struct udphdr *udp;
	__u8 *l3 = data + ETH_HLEN_;
	__u16 proto;

	if (data + INT_L4_V4 > data_end)
		return INT_NOT;
	proto = ((struct ethhdr *)data)->h_proto;
	if (proto == bpf_htons(ETH_P_IPV4_)) {
		struct iphdr *ip = (void *)l3;

		if (ip->version != 4 || ip->protocol != IPPROTO_UDP_)
			return INT_NOT;
		ihl = ip->ihl;
		if (ihl < 5)
			return INT_NOT;
		udp = (void *)l3 + ihl * 4;
		if ((void *)(udp + 1) > data_end)
			return INT_NOT;
		if (udp->dest != bpf_htons(port))
			return INT_NOT;
		iplen = bpf_ntohs(ip->tot_len);
		if (ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)) ||
		    iplen < 20 || ETH_HLEN_ + iplen > pkt_len)
			return int_bad(f, FABRIC_INT_BAD_L3);
		iplen -= 20;
		f->l4 = INT_L4_V4;
		f->v6 = 0;
	} else if (proto == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr *ip6 = (void *)l3;

		if (data + INT_L4_V6 + sizeof(*udp) > data_end)
			return INT_NOT;
		if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP_)
			return INT_NOT;
		udp = (void *)(ip6 + 1);
		if (udp->dest != bpf_htons(port))
			return INT_NOT;
		iplen = bpf_ntohs(ip6->payload_len);
		if (!iplen || ETH_HLEN_ + 40 + iplen > pkt_len)
			return int_bad(f, FABRIC_INT_BAD_L3);
		f->l4 = INT_L4_V6;
		f->v6 = 1;
	} else {
		return INT_NOT;
	}

	f->ulen = bpf_ntohs(udp->len);
	if (f->ulen != iplen)
		return int_bad(f, FABRIC_INT_BAD_L3);
	if (f->ulen < 8 + FABRIC_INT_SHIM_LEN)
		return int_bad(f, FABRIC_INT_BAD_SHORT);
	shim = (void *)(udp + 1);
	if ((void *)(shim + 1) > data_end)
		return INT_NONLINEAR;
	if (shim->type_npt >> 2 != (FABRIC_INT_TYPE_MD << 2 | FABRIC_INT_NPT_UDP))
		return int_bad(f, FABRIC_INT_BAD_SHIM);
	if (f->ulen < 8 + FABRIC_INT_SHIM_LEN + FABRIC_INT_MD_LEN)
		return int_bad(f, FABRIC_INT_BAD_SHORT);
	md = (void *)(shim + 1);
	if ((void *)(md + 1) > data_end)
		return INT_NONLINEAR;
	if (FABRIC_INT_VER(md->ver_flags) != FABRIC_INT_VERSION)
		return int_bad(f, FABRIC_INT_BAD_VERSION);
	f->instr = bpf_ntohs(md->instr);
	if (!f->instr || (f->instr & ~FABRIC_INT_I_SUPPORTED))
		return int_bad(f, FABRIC_INT_BAD_INSTR);
	hml = md->hop_ml & FABRIC_INT_HOP_ML_MASK;
	if (hml != fabric_int_hop_words(f->instr))
		return int_bad(f, FABRIC_INT_BAD_HOP_ML);
	words = shim->len;
	if (words < FABRIC_INT_MD_WORDS ||
	    (words - FABRIC_INT_MD_WORDS) % hml)
		return int_bad(f, FABRIC_INT_BAD_LENGTH);
	f->hops = (words - FABRIC_INT_MD_WORDS) / hml;
	if (f->hops > FABRIC_INT_MAX_HOPS)
		return int_bad(f, FABRIC_INT_BAD_TOO_LONG);
	if (8 + FABRIC_INT_SHIM_LEN + 4 * words > f->ulen)
		return int_bad(f, FABRIC_INT_BAD_SHORT);
	if (f->l4 + 8 + FABRIC_INT_SHIM_LEN + 4 * words > linear)
		return INT_NONLINEAR;
	f->words = words;
	f->hop_words = hml;
	f->flags = md->ver_flags;
	f->remaining = md->remaining;
	return INT_OK;
}

#endif
