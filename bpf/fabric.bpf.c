// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RoCEv2 telemetry: per-flow and per-port counters at XDP ingress and tc
 * egress. The monitor never drops: every path returns XDP_PASS, or at tc
 * TC_ACT_UNSPEC, which lets the next filter of the clsact chain run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fabric_abi.h"
#include "flow_hash.h"
#include "roce.h"
#include "parse.h"

#define TC_ACT_UNSPEC_	(-1)	/* not TC_ACT_OK: that ends the filter chain */
#define CLOCK_MONOTONIC_	1	/* <linux/time.h>, not in vmlinux.h */

/* Set by the loader before load; see Documentation/datapath.md. */
const volatile __u32 node_id = 0;
const volatile __u32 flow_set_mask = 16383;	/* flow sets - 1, power of 2 */
const volatile __u32 flow_hash_seed = FABRIC_HASH_SEED;	/* random per load */
const volatile __u64 event_interval_ns = 10000000;
const volatile __u32 read_pmtu = 0;		/* 0: unknown, be lenient */
/* fabricctl replay: a RoCE frame cut short by the capture still counts. */
const volatile __u32 replay_truncated = 0;

/* Non-zero: use this instead of the clock (fabricctl replay, tests). */
__u64 clock_override_ns = 0;

/*
 * Silence detection, set at run time through the skeleton's .bss/.data
 * (fabricd: [thresholds] silence_ms and the ports of its paths). 0: off,
 * and the data path does no timer work at all.
 */
__u64 silence_ns = 0;
/* A check that fires later than this re-checks instead (0: never). */
__u64 silence_lag_max_ns = 1000000;
/* 1: alarm when this port goes quiet (index: ifindex). */
__u8 silence_watch[FABRIC_PORT_SLOTS] = {};

/* max_entries is the number of sets. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct fabric_flow_set);
} fabric_flows SEC(".maps");

/* Written by the loader, read by userspace; the program uses .rodata. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_flow_meta);
} fabric_flow_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fabric_flow_key);
	__type(value, struct fabric_tx_flow);
} fabric_tx_flows SEC(".maps");

/*
 * Ports with a small ifindex (ifindex is per netns, so nearly all) live in
 * an array, whose lookup the verifier inlines; the rest in a hash.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FABRIC_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct fabric_port_counters);
} fabric_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct fabric_port_counters);
} fabric_ports_hi SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_dp_stats);
} fabric_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} fabric_events SEC(".maps");

/* struct fabric_silence_port with the kernel's timer type in front. */
struct silence_port {
	struct bpf_timer t;
	__u64	last_rx_ns;
	__u64	deadline_ns;
	__u32	armed;
	__u32	pad;
	__u64	arms;
	__u64	alarms;
	__u64	late;
	__u64	arm_errors;
};

_Static_assert(sizeof(struct silence_port) == sizeof(struct fabric_silence_port),
	       "silence_port must match struct fabric_silence_port");

/* Not per-CPU: a bpf_timer in a per-CPU map is refused (-EOPNOTSUPP). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FABRIC_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct silence_port);
} fabric_silence SEC(".maps");

/*
 * Counters are stamped with the coarse clock: CLOCK_MONOTONIC at jiffy
 * resolution. The precise clock costs ~30 ns per packet on these VMs (the
 * TSC read is fenced), a third of the whole fast path. Events, which are
 * rare and feed detection, use the precise clock.
 */
static __always_inline __u64 fabric_now(void)
{
	__u64 t = clock_override_ns;

	return t ? t : bpf_ktime_get_coarse_ns();
}

static __always_inline __u64 fabric_now_precise(void)
{
	__u64 t = clock_override_ns;

	return t ? t : bpf_ktime_get_ns();
}

static __always_inline struct fabric_dp_stats *stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fabric_stats, &zero);
}

/* A new port's first value; a global, not 400 bytes of stack per caller. */
const volatile __u8 port_zero[sizeof(struct fabric_port_counters)] = {};

static __always_inline struct fabric_port_counters *port_get(__u32 ifindex)
{
	struct fabric_port_counters *pc;
	struct fabric_dp_stats *st;

	if (ifindex < FABRIC_PORT_SLOTS)
		return bpf_map_lookup_elem(&fabric_ports, &ifindex);
	pc = bpf_map_lookup_elem(&fabric_ports_hi, &ifindex);
	if (pc)
		return pc;
	if (bpf_map_update_elem(&fabric_ports_hi, &ifindex, (void *)&port_zero,
				BPF_NOEXIST) &&
	    (st = stats_get()))
		st->port_insert_errors++;
	return bpf_map_lookup_elem(&fabric_ports_hi, &ifindex);
}

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
				       __u64 now)
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
		if (r.gap)
			flow_event(f, c, p, ifindex, FABRIC_EV_PSN_GAP,
				   expected, r.missing, now);
		return;
	}
	if (roce_opcode_is_ack(p->opcode)) {
		switch (roce_aeth_kind(p->syndrome)) {
		case FABRIC_ACK:
			__sync_fetch_and_add(&f->acks, 1);
			return;
		case FABRIC_NAK_SEQ:
			__sync_fetch_and_add(&f->naks_seq, 1);
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
		flow_event(f, c, p, ifindex, FABRIC_EV_NAK, p->psn, 0, now);
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

static __always_inline void silence_event(__u32 ifindex, __u64 quiet, __u64 lag,
					 __u64 alarms)
{
	struct fabric_dp_stats *st = stats_get();
	struct fabric_event *e;

	e = bpf_ringbuf_reserve(&fabric_events, sizeof(*e), 0);
	if (!e) {
		if (st)
			st->events_lost++;
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = fabric_now_precise();
	e->node_id = node_id;
	e->ifindex = ifindex;
	e->type = FABRIC_EV_SILENCE;
	quiet /= 1000;
	e->missing = quiet > 0xffffffffULL ? 0xffffffffU : quiet;
	lag /= 1000;
	e->expected_psn = lag > 0xffffffffULL ? 0xffffffffU : lag;
	e->flow_gaps = alarms;
	bpf_ringbuf_submit(e, 0);
	if (st)
		st->events_sent++;
}

static __always_inline void silence_rearm(struct silence_port *s, __u64 delay)
{
	if (delay < FABRIC_SILENCE_MIN_NS)
		delay = FABRIC_SILENCE_MIN_NS;
	s->deadline_ns = bpf_ktime_get_ns() + delay;
	if (bpf_timer_start(&s->t, delay, 0)) {
		s->arm_errors++;
		s->armed = 0;
	}
}

/*
 * The port's timer: quiet for less than silence_ns, wait for the rest;
 * quiet for longer, raise one event and stay disarmed until the next RoCE
 * frame arms it again. Elapsed time is signed: another CPU may have
 * stamped last_rx_ns after this CPU read its clock.
 */
static int silence_fire(void *map, __u32 *key, struct silence_port *s)
{
	__u64 limit = silence_ns, now = fabric_now(), lag_max = silence_lag_max_ns;
	__u32 ifindex = *key;
	__s64 quiet, lag;

	if (!limit || ifindex >= FABRIC_PORT_SLOTS || !silence_watch[ifindex]) {
		s->armed = 0;
		return 0;
	}
	quiet = (__s64)(now - s->last_rx_ns);
	if (quiet < 0)
		quiet = 0;
	if ((__u64)quiet < limit) {
		silence_rearm(s, limit - quiet);
		return 0;
	}
	/*
	 * Fired late: this CPU (or the whole VM) was stalled, and frames that
	 * arrived meanwhile may still wait in a queue. Look again shortly.
	 */
	lag = (__s64)(bpf_ktime_get_ns() - s->deadline_ns);
	if (lag < 0)
		lag = 0;
	if (lag_max && (__u64)lag > lag_max) {
		s->late++;
		silence_rearm(s, FABRIC_SILENCE_MIN_NS);
		return 0;
	}
	s->alarms++;
	s->armed = 0;
	silence_event(ifindex, quiet, lag, s->alarms);
	return 0;
}

/* Quiet -> busy: start the port's timer. Once per silence period. */
static __always_inline void silence_arm(struct silence_port *s)
{
	if (__sync_val_compare_and_swap(&s->armed, 0, 1) != 0)
		return;
	/* -EBUSY once initialised: the callback stays set */
	bpf_timer_init(&s->t, &fabric_silence, CLOCK_MONOTONIC_);
	bpf_timer_set_callback(&s->t, silence_fire);
	s->arms++;
	silence_rearm(s, silence_ns);
}

/*
 * Per RoCE frame on a watched port: stamp the shared last-seen time only
 * when the coarse clock moved (once a jiffy, so CPUs rarely bounce the
 * line), and arm the timer only when it is not running.
 */
static __always_inline void silence_touch(__u32 ifindex, __u64 now)
{
	struct silence_port *s;

	if (ifindex >= FABRIC_PORT_SLOTS || !silence_watch[ifindex])
		return;
	s = bpf_map_lookup_elem(&fabric_silence, &ifindex);
	if (!s)
		return;
	if (s->last_rx_ns != now)
		s->last_rx_ns = now;
	if (!s->armed)
		silence_arm(s);
}

SEC("xdp.frags")
int fabric_xdp_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fabric_port_counters *pc;
	struct fabric_flow_set *set = NULL;
	__u32 way = 0, ifindex = ctx->ingress_ifindex;
	struct fabric_pkt p = {};
	struct fabric_flow_slot *f;
	__u64 len = bpf_xdp_get_buff_len(ctx), now = fabric_now();
	int res;

	res = fabric_parse(data, data_end, len, &p, replay_truncated);
	if (res == FABRIC_PARSE_ROCE && p.truncated)
		len = p.wire_len;
	pc = port_get(ifindex);
	if (pc) {
		pc->rx_packets++;
		pc->rx_bytes += len;
		pc->rx_last_ns = now;
		switch (res) {
		case FABRIC_PARSE_ROCE:
			pc->rx_roce_packets++;
			pc->rx_roce_bytes += len;
			if (p.ecn == 3)
				pc->rx_ce++;
			if (p.opcode == ROCE_OPCODE_CNP)
				pc->rx_cnp++;
			if (p.truncated)
				pc->rx_truncated++;
			break;
		case FABRIC_PARSE_NON_ROCE:
			pc->rx_non_roce++;
			break;
		case FABRIC_PARSE_MALFORMED:
			pc->rx_malformed++;
			break;
		default:
			pc->rx_unparsed++;
			break;
		}
	}
	if (res != FABRIC_PARSE_ROCE)
		return XDP_PASS;

	f = flow_get(&p, ifindex, now, &set, &way);
	if (f && set) {
		way &= FABRIC_FLOW_WAYS - 1;
		flow_account(f, &set->cold[way], &p, ifindex, len, now);
		if (f->ifindex != ifindex)
			flow_cross_port(f->ifindex, ifindex, pc, &p, len);
		flow_put(f);
	} else {
		flow_unplaced(pc, &p, len);
	}
	if (silence_ns)
		silence_touch(ifindex, now);
	return XDP_PASS;
}

static __always_inline void tx_flow_account(const struct fabric_pkt *p,
					    __u64 len, __u64 now)
{
	struct fabric_tx_flow *tf, fresh = { .packets = 1, .bytes = len,
					     .last_seen_ns = now };
	struct fabric_dp_stats *st;

	/* atomic: CPUs of several tx queues may send one flow at once */
	tf = bpf_map_lookup_elem(&fabric_tx_flows, &p->key);
	if (tf) {
		__sync_fetch_and_add(&tf->packets, 1);
		__sync_fetch_and_add(&tf->bytes, len);
		if (tf->last_seen_ns != now)
			tf->last_seen_ns = now;
		return;
	}
	st = stats_get();
	if (bpf_map_update_elem(&fabric_tx_flows, &p->key, &fresh, BPF_NOEXIST)) {
		/* another CPU inserted it first: count there */
		tf = bpf_map_lookup_elem(&fabric_tx_flows, &p->key);
		if (tf) {
			__sync_fetch_and_add(&tf->packets, 1);
			__sync_fetch_and_add(&tf->bytes, len);
		} else if (st) {
			st->tx_flow_insert_errors++;
		}
		return;
	}
	if (st)
		st->tx_flow_inserts++;
}

/* Headers of a non-linear skb may sit in a fragment: pull up to 128 bytes. */
static __noinline int tc_pull_headers(struct __sk_buff *skb)
{
	__u32 linear = skb->data_end - skb->data;
	__u32 want = skb->len < 128 ? skb->len : 128;

	if (linear >= want)
		return 0;
	return bpf_skb_pull_data(skb, want);
}

SEC("tc")
int fabric_tc_tx(struct __sk_buff *skb)
{
	struct fabric_port_counters *pc;
	struct fabric_pkt p = {};
	void *data, *data_end;
	__u64 len = skb->len, now = fabric_now();
	int res;

	tc_pull_headers(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	res = fabric_parse(data, data_end, skb->len, &p, 0);
	pc = port_get(skb->ifindex);
	if (pc) {
		pc->tx_packets++;
		pc->tx_bytes += len;
		pc->tx_last_ns = now;
		switch (res) {
		case FABRIC_PARSE_ROCE:
			pc->tx_roce_packets++;
			pc->tx_roce_bytes += len;
			if (p.ecn == 3)
				pc->tx_ce++;
			if (p.opcode == ROCE_OPCODE_CNP)
				pc->tx_cnp++;
			break;
		case FABRIC_PARSE_NON_ROCE:
			pc->tx_non_roce++;
			break;
		case FABRIC_PARSE_MALFORMED:
			pc->tx_malformed++;
			break;
		default:
			pc->tx_unparsed++;
			break;
		}
	}
	if (res == FABRIC_PARSE_ROCE)
		tx_flow_account(&p, len, now);
	return TC_ACT_UNSPEC_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
