/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The path a flow takes from this node, and passive evidence charged to
 * it (Documentation/datapath.md, "Flow paths"). tc egress learns the port
 * a flow's requests leave by; XDP charges a PSN gap or a retransmission of
 * the flow, and a NAK(PSN sequence error) on its reverse flow, to that
 * port instead of the port the evidence arrived on. Off (one .bss load at
 * tc egress, nothing at XDP) unless fpath_on is set.
 */
#ifndef FABRIC_FLOW_PATH_H
#define FABRIC_FLOW_PATH_H

#include "fabric_state.h"

/* 1: learn flows' egress ports and attribute evidence to them (fabricd). */
__u32 fpath_on = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fabric_flow_key);
	__type(value, struct fabric_fpath);
} fabric_fpath SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FABRIC_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct fabric_path_evidence);
} fabric_pathev SEC(".maps");

/* What a piece of evidence is. */
enum fpath_kind {
	FPATH_GAP,
	FPATH_RETX,
	FPATH_NAK,
};

/* The attributed path of one piece of evidence, for its event. */
struct fpath_res {
	__u32	ifindex;	/* 0: not attributed */
	__u32	how;		/* enum fabric_path_how */
};

static __always_inline struct fabric_path_evidence *fpath_ev(__u32 ifindex)
{
	__u32 i = ifindex < FABRIC_PORT_SLOTS ? ifindex : 0;

	return bpf_map_lookup_elem(&fabric_pathev, &i);
}

/* The host pair's key: the flow's addresses, the wildcard QP. */
static __always_inline void fpath_pair_key(struct fabric_flow_key *k,
					   const __u8 *src, const __u8 *dst,
					   __u32 family)
{
	k->qp_family = FABRIC_FPATH_ANY_QP << 8 | (family & 0xff);
	__builtin_memcpy(k->src, src, 16);
	__builtin_memcpy(k->dst, dst, 16);
}

/* Another request of the pair left by @ifindex: note a second port. */
static __always_inline void fpath_pair_learn(const struct fabric_flow_key *fk,
					     __u32 ifindex, __u64 now)
{
	struct fabric_fpath *e, fresh = { .ifindex = ifindex, .seen_ns = now };
	struct fabric_flow_key k;

	fpath_pair_key(&k, fk->src, fk->dst, fabric_flow_key_family(fk));
	e = bpf_map_lookup_elem(&fabric_fpath, &k);
	if (!e) {
		bpf_map_update_elem(&fabric_fpath, &k, &fresh, BPF_ANY);
		return;
	}
	if (e->ifindex != ifindex) {
		e->mixed_ns = now;
		e->ifindex = ifindex;
		if (e->changes != ~0U)
			e->changes++;
	}
	e->seen_ns = now;
}

/*
 * tc egress, a RoCE request leaving by @ifindex. A known flow on the same
 * port costs one lookup and a compare; the entry and the pair's are
 * written when the port changes, and otherwise once per coarse-clock tick
 * (so that the pair sees every flow's port within a jiffy).
 */
static __always_inline void fpath_learn(const struct fabric_pkt *p,
					__u32 ifindex, __u64 now)
{
	struct fabric_fpath *e, fresh = { .ifindex = ifindex, .seen_ns = now };
	struct fabric_path_evidence *pe;

	if (!roce_opcode_is_request(p->opcode))
		return;
	e = bpf_map_lookup_elem(&fabric_fpath, &p->key);
	if (e && e->ifindex == ifindex && e->seen_ns == now)
		return;
	if (!e) {
		bpf_map_update_elem(&fabric_fpath, &p->key, &fresh, BPF_ANY);
	} else {
		if (e->ifindex != ifindex) {
			e->ifindex = ifindex;
			if (e->changes != ~0U)
				e->changes++;
		}
		e->seen_ns = now;
	}
	fpath_pair_learn(&p->key, ifindex, now);
	pe = fpath_ev(ifindex);
	if (pe)
		pe->learned++;
}

/*
 * The path of evidence about @p: a gap or retransmission of its own flow
 * goes to the flow's egress, a NAK (which travels on the reverse flow) to
 * the egress of the reverse host pair's requests unless they used several
 * ports within FABRIC_FPATH_MIXED_NS.
 */
static __always_inline void fpath_lookup(const struct fabric_pkt *p,
					 enum fpath_kind kind, __u64 now,
					 struct fpath_res *res)
{
	struct fabric_flow_key k;
	struct fabric_fpath *e;

	res->ifindex = 0;
	res->how = FABRIC_PATH_NONE;
	if (kind != FPATH_NAK) {
		e = bpf_map_lookup_elem(&fabric_fpath, &p->key);
		if (e && e->ifindex) {
			res->ifindex = e->ifindex;
			res->how = FABRIC_PATH_FLOW;
		}
		return;
	}
	fpath_pair_key(&k, p->key.dst, p->key.src,
		       fabric_flow_key_family(&p->key));
	e = bpf_map_lookup_elem(&fabric_fpath, &k);
	if (!e || !e->ifindex)
		return;
	if (e->mixed_ns && (__s64)(now - e->mixed_ns) < (__s64)FABRIC_FPATH_MIXED_NS) {
		res->how = FABRIC_PATH_AMBIGUOUS;
		return;
	}
	res->ifindex = e->ifindex;
	res->how = FABRIC_PATH_PAIR;
}

/*
 * Charge one piece of evidence that arrived on @arrival: to its learned
 * path, or to @arrival as a fallback. @what: FPATH_WHAT(kind, PSNs a gap
 * skipped) (a BPF call takes five arguments; PSN distances fit 24 bits).
 */
#define FPATH_WHAT(kind, missing)	((__u32)(kind) << 24 | ((missing) & ROCE_PSN_MASK))

static __noinline void fpath_evidence(const struct fabric_pkt *p, __u32 arrival,
				      __u32 what, __u64 now, struct fpath_res *res)
{
	struct fabric_path_evidence *pe;
	__u32 kind = what >> 24;

	if (!p || !res)
		return;
	fpath_lookup(p, kind, now, res);
	pe = fpath_ev(res->ifindex ? res->ifindex : arrival);
	if (!pe)
		return;
	if (res->ifindex) {
		pe->attributed++;
	} else {
		pe->fallback++;
		if (res->how == FABRIC_PATH_AMBIGUOUS)
			pe->ambiguous++;
	}
	switch (kind) {
	case FPATH_GAP:
		pe->gaps++;
		pe->lost += what & ROCE_PSN_MASK;
		break;
	case FPATH_RETX:
		pe->retransmits++;
		break;
	default:
		pe->naks_seq++;
		break;
	}
}

#endif
