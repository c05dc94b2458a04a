/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Builder of RoCEv2-shaped frames for the bpf selftests: Ethernet, up to
 * three VLAN tags, IPv4 (with options) or IPv6 (with extension headers),
 * UDP, BTH and the extended transport headers each opcode carries, payload
 * and a (dummy) ICRC. Also TCP, other UDP ports and ARP for non-RoCE cases.
 */
#ifndef FABRIC_PKTGEN_H
#define FABRIC_PKTGEN_H

#include <stddef.h>
#include "fabric_abi.h"

#define PKT_MAX		10240
#define PKT_MAX_VLANS	3
#define PKT_MAX_EXT	6

#define PKT_ETH_P_ARP	0x0806
#define PKT_IPPROTO_TCP	6
#define PKT_IPPROTO_UDP	17

/* IPv6 extension header numbers */
#define PKT_EXT_HOPOPTS	0
#define PKT_EXT_ROUTING	43
#define PKT_EXT_FRAG	44
#define PKT_EXT_ESP	50
#define PKT_EXT_AH	51
#define PKT_EXT_DSTOPTS	60

struct pkt_spec {
	int	ipver;			/* 4, 6, or 0 for ARP */
	int	nvlan;
	__u16	vlan_tpid[PKT_MAX_VLANS];	/* 0 means 802.1Q */
	__u8	saddr[16];		/* IPv4 uses the first four bytes */
	__u8	daddr[16];
	__u8	tos;			/* DSCP << 2 | ECN (IPv6 traffic class) */
	__u8	ip_opt_words;		/* IPv4 options, in 4-byte words */
	__u16	ip_frag;		/* IPv4 flags/fragment offset field */
	int	next;			/* number of IPv6 extension headers */
	__u8	ext[PKT_MAX_EXT];
	__u16	v6_frag;		/* fragment header: offset << 3 | M */
	__u8	l4proto;		/* PKT_IPPROTO_UDP or _TCP */
	__u16	dport;
	__u8	opcode;
	__u8	ackreq;
	__u32	qp;
	__u32	psn;
	__u8	syndrome;		/* AETH */
	__u32	msn;
	__u32	dma_len;		/* RETH */
	__u32	xrc_srq;		/* XRCETH */
	__u32	payload;		/* data bytes after the transport headers */
};

/* Offsets of the headers in a built frame. */
struct pkt_layout {
	__u32	len;
	__u32	l3;
	__u32	ext[PKT_MAX_EXT];
	__u32	l4;
	__u32	bth;
	__u32	xrceth;		/* 0 when absent, likewise below */
	__u32	reth;
	__u32	aeth;
};

/* IPv4 10.0.0.1 -> 10.0.0.2 or fd00::1 -> fd00::2, RC SEND ONLY to QP 0x123. */
void pkt_spec_init(struct pkt_spec *s, int ipver);

/* Distinct addresses per flow number n (the destination QP stays). */
void pkt_spec_flow(struct pkt_spec *s, __u32 n);

/* Returns the frame length, 0 if it doesn't fit in @cap. */
size_t pkt_build(const struct pkt_spec *s, __u8 *buf, size_t cap,
		 struct pkt_layout *lay);

/* The flow key the data path should derive from this packet. */
void pkt_spec_key(const struct pkt_spec *s, struct fabric_flow_key *key);

/* Recompute the IPv4 header checksum after a test edited the header. */
void pkt_ipv4_csum(__u8 *ip);

#endif
