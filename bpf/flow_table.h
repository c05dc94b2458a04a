/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The set-associative flow table: lookup, insert, eviction with the
 * evicted flow's counters conserved, and per-flow accounting.
 * Documentation/datapath.md describes the layout and its rules.
 */
#ifndef FABRIC_FLOW_TABLE_H
#define FABRIC_FLOW_TABLE_H

#include "fabric_state.h"

static __always_inline int key_equal(const struct fabric_flow_key *a,
				     const struct fabric_flow_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		 (x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5]) |
		 (x[6] ^ y[6]) | (x[7] ^ y[7]) | (x[8] ^ y[8]));
}

#define READ_ONCE_U32(x)	(*(volatile __u32 *)&(x))
/* Attempts at a contended compare-and-swap before giving up. */
#define FLOW_CAS_TRIES		4
/* Attempts of the insert path while another CPU holds the set's lock. */
#define FLOW_INSERT_TRIES	64

static __always_inline void flow_put(struct fabric_flow_slot *s)
{
	__sync_fetch_and_add(&s->own, -1);
}

/*
 * Take a reference on @s if it holds @key: 1 taken, 0 not this flow. The
 * reference is an atomic add, so CPUs sharing a flow never fail each
 * other; one that finds another tag in the old value takes it back. The
 * key is compared only once the reference is held, when the slot can no
 * longer change hands.
 */
static __always_inline int flow_get_ref(struct fabric_flow_slot *s, __u32 tag,
					const struct fabric_flow_key *key)
{
	__u32 old = __sync_fetch_and_add(&s->own, 1);

	if (fabric_own_tag(old) == tag && key_equal(&s->key, key))
		return 1;
	flow_put(s);
	return 0;
}

/*
 * The ways' ownership words are read independently of each other, so the
 * eight line misses of a cold set overlap; the key sits in the same line.
 */
static __always_inline int flow_scan(struct fabric_flow_set *set, __u32 tag,
				     const struct fabric_flow_key *key)
{
	int w, r;

#pragma unroll
	for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
		if (fabric_own_tag(READ_ONCE_U32(set->slot[w].own)) != tag)
			continue;
		r = flow_get_ref(&set->slot[w], tag, key);
		if (r > 0)
			return w;
	}
	return -1;
}

/* Add an evicted flow's counters to its home port's evicted aggregate. */
static __always_inline void flow_retire(struct fabric_flow_slot *s,
					struct fabric_flow_cold *c)
{
	struct fabric_port_counters *pc = port_get(s->ifindex);

	if (!pc)
		return;
	pc->rx_evicted_flows++;
	pc->rx_evicted_packets += s->packets;
	pc->rx_evicted_bytes += s->bytes;
	pc->rx_evicted_ce += s->ce;
	pc->rx_evicted_ect += s->ect;
	pc->rx_evicted_cnp += s->cnp;
	pc->rx_evicted_acks += s->acks;
	pc->rx_evicted_naks_seq += s->naks_seq;
	pc->rx_evicted_naks_rnr += c->naks_rnr;
	pc->rx_evicted_naks_other += c->naks_other;
	pc->rx_evicted_psn_gaps += c->psn_gaps;
	pc->rx_evicted_psn_missing += c->psn_missing;
	pc->rx_evicted_psn_dups += s->psn_dups;
	pc->rx_evicted_psn_rewinds += c->psn_rewinds;
}

/*
 * The victim of an insert: an empty way, else the live way seen longest
 * ago; on a tie of the coarse clock, the one with fewer packets, so that
 * a hot flow is not evicted for sitting in a low way. Ways being updated
 * right now (references held) are hot by definition and skipped.
 */
static __always_inline int flow_victim(struct fabric_flow_set *set)
{
	__u64 best_t = ~0ULL, best_p = ~0ULL;
	int w, victim = -1;

#pragma unroll
	for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
		struct fabric_flow_slot *s = &set->slot[w];
		__u32 own = READ_ONCE_U32(s->own);
		__u64 t, p;

		if (fabric_own_tag(own) == FABRIC_TAG_EMPTY)
			return w;
		if (fabric_own_tag(own) == FABRIC_TAG_BUSY ||
		    (own & FABRIC_OWN_REFS))
			continue;
		t = s->last_seen_ns;
		p = s->packets;
		if (t < best_t || (t == best_t && p < best_p)) {
			best_t = t;
			best_p = p;
			victim = w;
		}
	}
	return victim;
}

/*
 * Claim a way for a new flow while holding the set's insert lock, and
 * return it with a reference held. The old flow, if any, is retired to
 * its port's evicted aggregate before the slot is rewritten: its owner
 * word went from "live, no references" to BUSY, so no CPU is updating it
 * and none can start.
 */
static __always_inline int flow_claim(struct fabric_flow_set *set,
				      const struct fabric_pkt *p, __u32 tag,
				      __u32 ifindex, __u64 now)
{
	struct fabric_dp_stats *st = stats_get();
	struct fabric_flow_slot *s;
	struct fabric_flow_cold *c;
	__u64 w;	/* 64-bit: a spilled u32 would lose its bounds */
	__u32 own;
	int v;

	v = flow_victim(set);
	if (v < 0)
		return -1;
	w = (__u64)v & (FABRIC_FLOW_WAYS - 1);
	s = &set->slot[w];
	c = &set->cold[w];
	own = READ_ONCE_U32(s->own);
	if (fabric_own_tag(own) == FABRIC_TAG_BUSY || (own & FABRIC_OWN_REFS) ||
	    __sync_val_compare_and_swap(&s->own, own,
					FABRIC_TAG_BUSY << FABRIC_OWN_TAG_SHIFT) != own)
		return -1;
	if (fabric_own_tag(own) != FABRIC_TAG_EMPTY) {
		flow_retire(s, c);
		if (st)
			st->flow_evictions++;
	}
	__builtin_memset(c, 0, sizeof(*c));
	s->ifindex = ifindex;
	s->key = p->key;
	s->last_event = 0;
	s->psn_state = 0;
	s->last_seen_ns = now;	/* not the preferred victim of the next insert */
	s->packets = 0;
	s->bytes = 0;
	s->psn_dups = 0;
	c->first_seen_ns = now;
	s->ce = 0;
	s->ect = 0;
	s->cnp = 0;
	s->acks = 0;
	s->naks_seq = 0;
	/*
	 * Publish with our own reference. An add, not a store: a CPU that
	 * took a passing reference on the BUSY word gives it back later.
	 */
	__sync_fetch_and_add(&s->own,
			     ((tag - FABRIC_TAG_BUSY) << FABRIC_OWN_TAG_SHIFT) + 1);
	if (st)
		st->flow_inserts++;
	return w;
}

/*
 * The scan and the claim are global functions: the verifier checks each
 * once, on its own, instead of once per path through its callers (inlined,
 * the eight ways' paths multiply past the verifier's limit).
 */
__noinline int fabric_flow_scan(struct fabric_flow_set *set, __u32 tag,
				     const struct fabric_flow_key *key)
{
	if (!set || !key)
		return -1;
	return flow_scan(set, tag, key);
}

__noinline int fabric_flow_claim(struct fabric_flow_set *set,
				 const struct fabric_pkt *p, __u32 tag,
				 __u32 ifindex, __u64 now)
{
	if (!set || !p)
		return -1;
	return flow_claim(set, p, tag, ifindex, now);
}

struct flow_slow {
	struct fabric_flow_set	*set;
	const struct fabric_pkt	*p;
	__u64			now;
	__u32			tag;
	__u32			ifindex;
	int			way;
};

/*
 * One attempt of the slow path. Only the insert lock's holder inserts into
 * a set, and it looks for the key again first, so a key never takes two
 * ways. A CPU that finds the lock taken looks again (the holder may be
 * inserting this very flow).
 */
static int flow_slow_step(__u32 i, struct flow_slow *x)
{
	struct fabric_flow_set *set = x->set;
	int w;

	if (!set)
		return 1;
	if (__sync_val_compare_and_swap(&set->insert_lock, 0, 1) == 0) {
		w = fabric_flow_scan(set, x->tag, &x->p->key);
		if (w == -1)
			w = fabric_flow_claim(set, x->p, x->tag, x->ifindex,
					      x->now);
		__sync_lock_test_and_set(&set->insert_lock, 0);
	} else {
		w = fabric_flow_scan(set, x->tag, &x->p->key);
	}
	x->way = w;
	return w >= 0;
}

/*
 * Find the flow of @p and take a reference on it, inserting it if needed.
 * After FLOW_INSERT_TRIES contended attempts the packet goes to the
 * evicted aggregate instead (flow_insert_races).
 */
static __always_inline struct fabric_flow_slot *
flow_get(const struct fabric_pkt *p, __u32 ifindex, __u64 now,
	 struct fabric_flow_set **setp, __u32 *wayp)
{
	__u32 hash = fabric_flow_hash_seeded(&p->key, flow_hash_seed);
	__u32 idx = fabric_flow_set_index(hash, flow_set_mask);
	struct flow_slow x = { .p = p, .now = now, .ifindex = ifindex,
			       .tag = fabric_flow_tag(hash), .way = -1 };
	struct fabric_dp_stats *st;
	struct fabric_flow_set *set;
	int w;

	set = bpf_map_lookup_elem(&fabric_flows, &idx);
	if (!set)
		return NULL;
	*setp = set;
	w = fabric_flow_scan(set, x.tag, &p->key);
	if (w < 0) {
		x.set = set;
		bpf_loop(FLOW_INSERT_TRIES, flow_slow_step, &x, 0);
		w = x.way;
	}
	if (w < 0) {
		st = stats_get();
		if (st)
			st->flow_insert_races++;
		return NULL;
	}
	w &= FABRIC_FLOW_WAYS - 1;
	*wayp = w;
	return &set->slot[w];
}

static __always_inline void flow_event(struct fabric_flow_slot *f,
				       struct fabric_flow_cold *c,
				       const struct fabric_pkt *p, __u32 ifindex,
				       __u16 type, __u32 expected, __u32 missing,
				       __u64 now, const struct fpath_res *pr)
{
	struct fabric_dp_stats *st = stats_get();
	__u32 tick = (now >> 20) | 1, last;
	struct fabric_event *e;
	__u64 gaps, naks;

	last = f->last_event;
	if (last && tick - last < (__u32)(event_interval_ns >> 20)) {
		if (st)
			st->events_suppressed++;
		return;
	}
	f->last_event = tick;

	e = bpf_ringbuf_reserve(&fabric_events, sizeof(*e), 0);
	if (!e) {
		if (st)
			st->events_lost++;
		return;
	}
	e->ts_ns = fabric_now_precise();
	e->node_id = node_id;
	e->ifindex = ifindex;
	e->type = type;
	e->family = fabric_flow_key_family(&p->key);
	e->syndrome = p->syndrome;
	e->qp = fabric_flow_key_qp(&p->key);
	__builtin_memcpy(e->src, p->key.src, 16);
	__builtin_memcpy(e->dst, p->key.dst, 16);
	e->psn = p->psn;
	e->expected_psn = expected;
	e->missing = missing;
	gaps = c->psn_gaps;
	naks = f->naks_seq + c->naks_rnr + c->naks_other;
	e->flow_gaps = gaps > 0xffffffffULL ? 0xffffffffU : gaps;
	e->flow_naks = naks > 0xffffffffULL ? 0xffffffffU : naks;
	e->pad = 0;
	e->path_ifindex = pr->ifindex;
	e->path_how = pr->how;
	bpf_ringbuf_submit(e, 0);
	if (st)
		st->events_sent++;
}

/*
 * Apply a request's PSN step with a compare-and-swap of the state word:
 * CPUs that handle requests of one flow at once take turns in the order
 * their swaps land, and no step is lost or applied twice.
 */
static __always_inline int flow_psn(struct fabric_flow_slot *f,
				    struct fabric_flow_cold *c,
				    const struct fabric_pkt *p, __u32 consumed,
				    __u32 slack, struct fabric_psn_res *r)
{
	__u64 state = f->psn_state, seen;
	int i;

	for (i = 0; i < FLOW_CAS_TRIES; i++) {
		fabric_psn_step(state, p->psn, consumed, slack, r);
		if (r->state == state)
			break;
		seen = __sync_val_compare_and_swap(&f->psn_state, state, r->state);
		if (seen == state)
			break;
		state = seen;
	}
	if (i == FLOW_CAS_TRIES)
		return -1;
	if (r->dup) {
		__sync_fetch_and_add(&f->psn_dups, 1);
		if (r->rewind)
			__sync_fetch_and_add(&c->psn_rewinds, 1);
	} else if (r->gap) {
		__sync_fetch_and_add(&c->psn_gaps, 1);
		__sync_fetch_and_add(&c->psn_missing, r->missing);
	}
	return 0;
}

/*
 * Per-flow counters are updated with atomic adds: several CPUs may hold a
 * reference on one flow at once (RSS changes, ARFS, several queues).
 */
static __always_inline void flow_account(struct fabric_flow_slot *f,
					 struct fabric_flow_cold *c,
					 const struct fabric_pkt *p,
					 __u32 ifindex, __u64 len, __u64 now)
{
	__u32 consumed = 1, slack = 0, expected;
	struct fabric_psn_res r;
	struct fpath_res pr = {};

	__sync_fetch_and_add(&f->packets, 1);
	__sync_fetch_and_add(&f->bytes, len);
	if (f->last_seen_ns != now)
		f->last_seen_ns = now;
	if (p->ecn == 3)
		__sync_fetch_and_add(&f->ce, 1);
	else if (p->ecn)
		__sync_fetch_and_add(&f->ect, 1);
	if (p->truncated)
		__sync_fetch_and_add(&c->truncated, 1);

	if (p->opcode == ROCE_OPCODE_CNP) {
		__sync_fetch_and_add(&f->cnp, 1);
		return;
	}
	if (roce_opcode_is_request(p->opcode)) {
		if (roce_opcode_is_read_request(p->opcode)) {
			consumed = roce_read_psns(p->read_len, read_pmtu);
			if (!read_pmtu) {
				slack = consumed - 1;
				consumed = 1;
			}
		}
		expected = (__u32)f->psn_state & ROCE_PSN_MASK;
		if (flow_psn(f, c, p, consumed, slack, &r)) {
			struct fabric_dp_stats *st = stats_get();

			if (st)
				st->flow_psn_races++;
			return;
		}
		if (fpath_on && (r.gap || r.rewind))
			fpath_evidence(p, ifindex,
				       FPATH_WHAT(r.gap ? FPATH_GAP : FPATH_RETX, r.missing),
				       now, &pr);
		if (r.gap)
			flow_event(f, c, p, ifindex, FABRIC_EV_PSN_GAP,
				   expected, r.missing, now, &pr);
		return;
	}
	if (roce_opcode_is_ack(p->opcode)) {
		switch (roce_aeth_kind(p->syndrome)) {
		case FABRIC_ACK:
			__sync_fetch_and_add(&f->acks, 1);
			return;
		case FABRIC_NAK_SEQ:
			__sync_fetch_and_add(&f->naks_seq, 1);
			if (fpath_on)
				fpath_evidence(p, ifindex, FPATH_WHAT(FPATH_NAK, 0), now, &pr);
			break;
		case FABRIC_NAK_RNR:
			__sync_fetch_and_add(&c->naks_rnr, 1);
			break;
		case FABRIC_NAK_OTHER:
			__sync_fetch_and_add(&c->naks_other, 1);
			break;
		default:
			return;
		}
		/* a NAK carries the PSN the responder expects next */
		flow_event(f, c, p, ifindex, FABRIC_EV_NAK, p->psn, 0, now, &pr);
	}
}

/*
 * Conservation across ports: a flow's counters belong to its home port.
 * A packet received on another port is counted there as foreign and at
 * home as away, so that per port the flows, the evicted aggregate and the
 * port's own RoCE counters add up exactly.
 */
static __always_inline void flow_cross_port(__u32 home, __u32 here,
					    struct fabric_port_counters *pc,
					    const struct fabric_pkt *p, __u64 len)
{
	struct fabric_port_counters *hc = port_get(home);
	__u8 ce = p->ecn == 3, cnp = p->opcode == ROCE_OPCODE_CNP;

	if (pc) {
		pc->rx_foreign_packets++;
		pc->rx_foreign_bytes += len;
		pc->rx_foreign_ce += ce;
		pc->rx_foreign_cnp += cnp;
	}
	if (hc) {
		hc->rx_away_packets++;
		hc->rx_away_bytes += len;
		hc->rx_away_ce += ce;
		hc->rx_away_cnp += cnp;
	}
}

/* A packet that found no slot: counted as evicted on its port at once. */
static __always_inline void flow_unplaced(struct fabric_port_counters *pc,
					  const struct fabric_pkt *p, __u64 len)
{
	struct fabric_dp_stats *st = stats_get();

	if (st)
		st->flow_unplaced++;
	if (!pc)
		return;
	pc->rx_evicted_packets++;
	pc->rx_evicted_bytes += len;
	if (p->ecn == 3)
		pc->rx_evicted_ce++;
	else if (p->ecn)
		pc->rx_evicted_ect++;
	if (p->opcode == ROCE_OPCODE_CNP)
		pc->rx_evicted_cnp++;
	if (!roce_opcode_is_ack(p->opcode))
		return;
	switch (roce_aeth_kind(p->syndrome)) {
	case FABRIC_ACK:
		pc->rx_evicted_acks++;
		break;
	case FABRIC_NAK_SEQ:
		pc->rx_evicted_naks_seq++;
		break;
	case FABRIC_NAK_RNR:
		pc->rx_evicted_naks_rnr++;
		break;
	case FABRIC_NAK_OTHER:
		pc->rx_evicted_naks_other++;
		break;
	default:
		break;
	}
}

#endif
