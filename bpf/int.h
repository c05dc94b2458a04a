/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * INT roles (Documentation/int.md), called by fabric.bpf.c only when
 * int_cfg.roles is non-zero: at XDP for frames fabric_parse() found not to
 * be RoCE (INT frames go to the INT port, and a malformed one may look
 * malformed or unparsed to it too), at tc egress after accounting.
 */
#ifndef FABRIC_INT_ROLES_H
#define FABRIC_INT_ROLES_H

#include "int_state.h"
#include "int_parse.h"
#include "int_csum.h"
#include "int_index.h"
#include "int_sink.h"
#include "int_transit.h"
#include "int_source.h"

enum int_xdp_result {
	INT_XDP_PASS,		/* not INT, untouched, or INT with a hop pushed */
	INT_XDP_RESTORED,	/* stripped: the frame is the original again */
	INT_XDP_DROP,		/* a probe (D bit), recorded */
};

/*
 * Global: verified once on its own, not once per path of the caller. It
 * may move the frame (adjust_head): the caller reloads its pointers.
 */
__noinline int int_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fabric_int_stats *st = int_stats();
	__u32 roles = int_cfg.roles;
	struct int_frame f = {};
	int v;

	if (!st || !(roles & (FABRIC_INT_ROLE_SINK | FABRIC_INT_ROLE_TRANSIT)))
		return INT_XDP_PASS;
	v = int_locate(data, data_end, bpf_xdp_get_buff_len(ctx),
		       int_cfg.udp_port, &f);
	if (v == INT_NOT)
		return INT_XDP_PASS;
	if (v == INT_NONLINEAR) {
		if (roles & FABRIC_INT_ROLE_SINK)
			st->sink_errors++;
		else
			st->transit_skipped++;
		return INT_XDP_PASS;
	}
	if (!(roles & FABRIC_INT_ROLE_SINK)) {
		if (v != INT_OK) {
			st->transit_skipped++;
			return INT_XDP_PASS;
		}
		if (int_transit_push(ctx, &f, st))
			st->transit_errors++;
		return INT_XDP_PASS;
	}

	if (v == INT_OK && (f.flags & FABRIC_INT_FLAG_PENDING))
		v = int_bad(&f, FABRIC_INT_BAD_PENDING);
	if (v != INT_OK) {
		st->sink_malformed[f.bad < FABRIC_INT_BAD_MAX ? f.bad : FABRIC_INT_BAD_L3]++;
		return INT_XDP_PASS;
	}
	if (int_sink_record(ctx, &f, st)) {
		st->sink_errors++;
		return INT_XDP_PASS;
	}
	if (f.flags & FABRIC_INT_FLAG_E)
		st->sink_e_bit++;
	if (f.flags & FABRIC_INT_FLAG_M)
		st->sink_m_bit++;
	if (f.flags & FABRIC_INT_FLAG_D) {
		st->sink_probes++;
		return INT_XDP_DROP;
	}
	if (int_sink_strip(ctx, &f)) {
		st->sink_errors++;
		return INT_XDP_PASS;
	}
	st->sink_stripped++;
	return INT_XDP_RESTORED;
}

/*
 * The restored frame, parsed as fabric_xdp_rx parses any frame. Global, so
 * the verifier walks the parser once here, not once per caller state.
 */
__noinline int int_reparse(struct xdp_md *ctx, struct fabric_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!p)
		return FABRIC_PARSE_UNPARSED;
	__builtin_memset(p, 0, sizeof(*p));
	return fabric_parse(data, data_end, bpf_xdp_get_buff_len(ctx), p, 0);
}

/* tc egress, after fabric's own accounting of the frame as it came. */
__noinline int int_tc_roles(struct __sk_buff *skb, int res, __u32 psn)
{
	__u32 roles = int_cfg.roles;

	if (res == FABRIC_PARSE_ROCE) {
		if (roles & FABRIC_INT_ROLE_SOURCE)
			int_source(skb, psn, 1);
	} else {
		if (roles & FABRIC_INT_ROLE_TRANSIT)
			int_transit_egress(skb);
		if (roles & FABRIC_INT_ROLE_SOURCE)
			int_source(skb, 0, 0);
	}
	return 0;
}

/* A RoCE frame on a node that is not a source costs two compares. */
static __always_inline void int_tc(struct __sk_buff *skb, int res, __u32 psn)
{
	if (res != FABRIC_PARSE_ROCE || (int_cfg.roles & FABRIC_INT_ROLE_SOURCE))
		int_tc_roles(skb, res, psn);
}

#endif
