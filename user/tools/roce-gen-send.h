/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * roce-gen sender's own state, shared by its files: the options
 * (roce-gen-send-opts.c), the packet stream of each flow
 * (roce-gen-send-stream.c) and the sockets, pacing and summary
 * (roce-gen-send.c).
 */
#ifndef ROCE_GEN_SEND_H
#define ROCE_GEN_SEND_H

#include "roce-gen.h"

#define RG_MAX_CTL		4096	/* control packets per flow */

struct rg_nak_kind {
	uint32_t	count;
	uint8_t		syndrome;
};

struct rg_opts {
	struct rg_addr	dst;
	struct rg_addr	src;
	bool		have_src;
	const char	*dev;
	uint32_t	qps;
	uint32_t	qp_base;
	uint32_t	sport_base;
	uint64_t	packets;	/* requests per flow; 0: unbounded */
	uint64_t	duration_ns;
	uint32_t	payload;
	uint64_t	rate;		/* packets/s over all flows; 0: max */
	uint32_t	burst;
	int		ecn;
	uint32_t	ce_every;
	enum rg_op	op;
	uint32_t	msg_pkts;
	uint32_t	read_len;
	uint32_t	pmtu;
	uint32_t	psn_start;
	uint32_t	gap_n, gap_every;
	uint32_t	rewind_n, rewind_every;
	uint32_t	acks, cnps;
	struct rg_nak_kind naks[RG_MAX_NAK_KINDS];
	int		nak_kinds;
	uint64_t	spin_ns;
	bool		udp_csum;
};

struct rg_sent {
	uint32_t	psn;
	uint32_t	read_len;
	uint8_t		opcode;
};

struct rg_ctl {
	uint8_t		kind;		/* RG_PKT_ACK or RG_PKT_CNP */
	uint8_t		syndrome;
};

struct rg_stats {
	uint64_t	packets, bytes, requests, read_requests, resent;
	uint64_t	acks, naks, naks_seq, naks_rnr, naks_other, cnp;
	uint64_t	ce, ect, gaps, missing, rewinds, dups, send_errors;
};

struct rg_flow {
	int		fd;
	uint32_t	qp;
	uint16_t	sport;
	uint32_t	psn;		/* next new request PSN */
	uint64_t	requests;	/* new requests generated */
	uint64_t	seq;		/* every packet generated */
	uint32_t	msg_idx;
	uint32_t	msn;
	uint32_t	op_cycle;
	bool		last_was_read;
	bool		gap_pending;
	bool		rewind_start;
	bool		done;
	uint32_t	ring_count;
	uint32_t	resend_left;
	uint32_t	ctl_sent;
	struct rg_sent	ring[RG_MAX_REWIND];
	struct rg_stats	st;
};

struct rg_sender {
	struct rg_opts	o;
	struct rg_flow	*flows;
	struct rg_ctl	*ctl;		/* control schedule, same for every flow */
	uint32_t	nctl;
	uint32_t	wire_extra;	/* UDP + IP + Ethernet */
	uint8_t		*bufs;		/* RG_MAX_BURST packets */
	char		src_str[INET6_ADDRSTRLEN];
	char		dst_str[INET6_ADDRSTRLEN];
};

/* roce-gen-send-opts.c */
int rg_send_parse_opts(int argc, char **argv, struct rg_opts *o);

/* roce-gen-send-stream.c */
int rg_send_build_ctl(struct rg_sender *s);
uint32_t rg_send_burst(struct rg_sender *s, struct rg_flow *f, uint32_t max);

#endif
