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
const volatile __u64 event_interval_ns = 10000000;
const volatile __u32 read_pmtu = 0;		/* 0: unknown, be lenient */

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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct fabric_flow_set);
} fabric_flows SEC(".maps");

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

static __always_inline struct fabric_port_counters *port_get(__u32 ifindex)
{
	struct fabric_port_counters *pc, fresh = {};
	struct fabric_dp_stats *st;

	if (ifindex < FABRIC_PORT_SLOTS)
		return bpf_map_lookup_elem(&fabric_ports, &ifindex);
	pc = bpf_map_lookup_elem(&fabric_ports_hi, &ifindex);
	if (pc)
		return pc;
	if (bpf_map_update_elem(&fabric_ports_hi, &ifindex, &fresh, BPF_NOEXIST) &&
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

/*
 * Claim a slot for a new flow: an empty way, else the least recently seen
 * one. A compare-and-swap on the tag keeps two CPUs from claiming the same
 * slot; the loser leaves the packet to the port counters and counts a race.
 */
static __always_inline struct fabric_flow *
flow_insert(struct fabric_flow_set *set, const struct fabric_pkt *p,
	    __u32 tag, __u64 now, __u32 *way)
{
	struct fabric_dp_stats *st = stats_get();
	__u64 oldest = ~0ULL;
	__u32 victim = 0, old;
	struct fabric_flow *f;
	int w;

#pragma unroll
	for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
		__u32 t = set->tag[w];

		if (t == FABRIC_TAG_EMPTY) {
			victim = w;
			break;
		}
		if (t != FABRIC_TAG_BUSY && set->slot[w].last_seen_ns < oldest) {
			oldest = set->slot[w].last_seen_ns;
			victim = w;
		}
	}
	victim &= FABRIC_FLOW_WAYS - 1;
	old = set->tag[victim];
	if (old == FABRIC_TAG_BUSY ||
	    __sync_val_compare_and_swap(&set->tag[victim], old,
					FABRIC_TAG_BUSY) != old) {
		if (st)
			st->flow_insert_races++;
		return NULL;
	}

	f = &set->slot[victim];
	__builtin_memset(f, 0, sizeof(*f));
	f->key = p->key;
	f->first_seen_ns = now;
	set->last_event[victim] = 0;
	__sync_lock_test_and_set(&set->tag[victim], tag);
	if (st) {
		st->flow_inserts++;
		if (old != FABRIC_TAG_EMPTY)
			st->flow_evictions++;
	}
	*way = victim;
	return f;
}

static __always_inline struct fabric_flow *
flow_get(const struct fabric_pkt *p, __u64 now, struct fabric_flow_set **setp,
	 __u32 *way)
{
	__u32 hash = fabric_flow_hash(&p->key);
	__u32 idx = fabric_flow_set_index(hash, flow_set_mask);
	__u32 tag = fabric_flow_tag(hash);
	struct fabric_flow_set *set;
	int w;

	set = bpf_map_lookup_elem(&fabric_flows, &idx);
	if (!set)
		return NULL;
	*setp = set;
#pragma unroll
	for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
		if (set->tag[w] == tag && key_equal(&set->slot[w].key, &p->key)) {
			*way = w;
			return &set->slot[w];
		}
	}
	return flow_insert(set, p, tag, now, way);
}

static __always_inline void flow_event(struct fabric_flow_set *set, __u32 way,
				       struct fabric_flow *f,
				       const struct fabric_pkt *p, __u32 ifindex,
				       __u16 type, __u32 expected, __u32 missing,
				       __u64 now)
{
	struct fabric_dp_stats *st = stats_get();
	__u32 tick = (now >> 20) | 1, last;
	struct fabric_event *e;

	way &= FABRIC_FLOW_WAYS - 1;
	last = set->last_event[way];
	if (last && tick - last < (__u32)(event_interval_ns >> 20)) {
		if (st)
			st->events_suppressed++;
		return;
	}
	set->last_event[way] = tick;

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
	e->flow_gaps = f->psn_gaps;
	e->flow_naks = f->naks_seq + f->naks_rnr + f->naks_other;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	if (st)
		st->events_sent++;
}

static __always_inline void flow_account(struct fabric_flow_set *set, __u32 way,
					 struct fabric_flow *f,
					 const struct fabric_pkt *p,
					 __u32 ifindex, __u64 len, __u64 now)
{
	__u32 consumed = 1, slack = 0, expected;
	int missing;

	f->packets++;
	f->bytes += len;
	f->last_seen_ns = now;
	if (p->ecn == 3)
		f->ce++;
	else if (p->ecn)
		f->ect++;

	if (p->opcode == ROCE_OPCODE_CNP) {
		f->cnp++;
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
		expected = f->next_psn & ROCE_PSN_MASK;
		missing = fabric_psn_track(f, p->psn, consumed, slack);
		if (missing > 0)
			flow_event(set, way, f, p, ifindex, FABRIC_EV_PSN_GAP,
				   expected, missing, now);
		return;
	}
	if (roce_opcode_is_ack(p->opcode)) {
		switch (roce_aeth_kind(p->syndrome)) {
		case FABRIC_ACK:
			f->acks++;
			return;
		case FABRIC_NAK_SEQ:
			f->naks_seq++;
			break;
		case FABRIC_NAK_RNR:
			f->naks_rnr++;
			break;
		case FABRIC_NAK_OTHER:
			f->naks_other++;
			break;
		default:
			return;
		}
		/* a NAK carries the PSN the responder expects next */
		flow_event(set, way, f, p, ifindex, FABRIC_EV_NAK, p->psn, 0, now);
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
	struct fabric_pkt p = {};
	struct fabric_flow *f;
	__u64 len = bpf_xdp_get_buff_len(ctx), now = fabric_now();
	__u32 way = 0;
	int res;

	res = fabric_parse(data, data_end, len, &p);
	pc = port_get(ctx->ingress_ifindex);
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

	f = flow_get(&p, now, &set, &way);
	if (f && set)
		flow_account(set, way, f, &p, ctx->ingress_ifindex, len, now);
	if (silence_ns)
		silence_touch(ctx->ingress_ifindex, now);
	return XDP_PASS;
}

static __always_inline void tx_flow_account(const struct fabric_pkt *p,
					    __u64 len, __u64 now)
{
	struct fabric_tx_flow *tf, fresh = { .packets = 1, .bytes = len,
					     .last_seen_ns = now };
	struct fabric_dp_stats *st;

	tf = bpf_map_lookup_elem(&fabric_tx_flows, &p->key);
	if (tf) {
		tf->packets++;
		tf->bytes += len;
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

	res = fabric_parse(data, data_end, skb->len, &p);
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
