/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel-side probe verdict (Documentation/failover.md): tc egress stamps
 * every probe that leaves with the kernel clock, XDP matches the answers,
 * and a lazy per-path bpf_timer judges what is overdue with the shared
 * judge (common/probe_judge.h). The timer runs only while probes are in
 * flight. A DOWN verdict declares the member down in the reroute map
 * (when the path asks for it) and raises FABRIC_EV_PROBE_VERDICT; fabricd
 * feeds that to the policy like any other signal.
 *
 * Off (and free) unless probe_verdict_port is set: the only cost on the
 * fast path is that one compare, on frames that are not RoCE.
 */
#ifndef FABRIC_PROBE_VERDICT_H
#define FABRIC_PROBE_VERDICT_H

#include "fabric_state.h"
#include "fabric_probe.h"
#include "probe_judge.h"
#include "lazy_timer.h"

/* Network-order UDP port of the probes; 0: the verdict is off. */
__u16 probe_verdict_port = 0;
/* The judge's settings (struct fabric_probe_judge_cfg), as scalars so
 * that every user of the skeleton need not know the struct. */
__u64 probe_timeout_ns = 300000;
__u64 probe_stall_tol_ns = 200000;
__u64 probe_judge_ns = 100000;
__u32 probe_miss_k = 3;
__u32 probe_recover = 3;
/* 0: no judge timer; the judge runs only from fabric_probe_judge (tests). */
__u32 probe_judge_timer = 1;
/* Probe frames no slot claims (wrong port of a slot, unknown path). */
__u64 probe_verdict_foreign = 0;

/* struct fabric_probe_path with the kernel's types in its first 24 bytes */
struct probe_vpath {
	struct bpf_timer t;
	struct bpf_spin_lock lock;
	__u32 armed;
	__u8 body[sizeof(struct fabric_probe_path) - 24];
};

_Static_assert(sizeof(struct probe_vpath) == sizeof(struct fabric_probe_path),
	       "probe_vpath must match struct fabric_probe_path");
_Static_assert(__builtin_offsetof(struct fabric_probe_path, cfg) == 24,
	       "fabric_probe_path: cfg must follow timer, lock and armed");

struct probe_vhost {
	struct bpf_spin_lock lock;
	__u8 body[sizeof(struct fabric_probe_host) - 4];
};

_Static_assert(sizeof(struct probe_vhost) == sizeof(struct fabric_probe_host),
	       "probe_vhost must match struct fabric_probe_host");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FABRIC_PROBE_SLOTS);
	__type(key, __u32);
	__type(value, struct probe_vpath);
} fabric_probe_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_vhost);
} fabric_probe_host SEC(".maps");

/*
 * The first reaction: declare the member down in the data-path reroute
 * map (bpf/reroute.h, included before this file), with the one write
 * every detector uses. cfg.group and cfg.member are the reroute map's
 * group and member indexes.
 */
static __always_inline int probe_reroute(const struct fabric_probe_path *p,
					 __u64 now)
{
	struct fabric_rr *rr;
	__u32 zero = 0;

	rr = bpf_map_lookup_elem(&fabric_reroute, &zero);
	if (!rr)
		return 0;
	return fabric_rr_declare_down(rr, p->cfg.group, p->cfg.member, now,
				      FABRIC_RR_SRC_BPF);
}

static __always_inline void probe_cfg(struct fabric_probe_judge_cfg *c)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->timeout_ns = probe_timeout_ns;
	c->stall_tol_ns = probe_stall_tol_ns;
	c->judge_ns = probe_judge_ns;
	c->miss_k = probe_miss_k;
	c->recover = probe_recover;
}

static __always_inline struct fabric_probe_path *vp_body(struct probe_vpath *v)
{
	return (struct fabric_probe_path *)v;
}

/*
 * The probe in a frame: eth, IPv4 or IPv6 without extensions, UDP with
 * the probe port as source (answer) or destination (departure). Returns
 * the payload or NULL; anything else is not ours and passes untouched.
 */
static __always_inline struct fabric_probe_msg *probe_find(void *data,
							   void *end, int answer)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u16 port = probe_verdict_port;
	struct fabric_probe_msg *m;

	if ((void *)(eth + 1) > end)
		return NULL;
	if (eth->h_proto == bpf_htons(ETH_P_IPV4_)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl != 5 ||
		    ip->protocol != IPPROTO_UDP_ ||
		    (ip->frag_off & bpf_htons(0x3fff)))
			return NULL;
		udp = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP_)
			return NULL;
		udp = (void *)(ip6 + 1);
	} else {
		return NULL;
	}
	m = (void *)(udp + 1);
	if ((void *)(m + 1) > end)
		return NULL;
	if ((answer ? udp->source : udp->dest) != port ||
	    m->magic != bpf_htonl(FABRIC_PROBE_MAGIC))
		return NULL;
	return m;
}

static __always_inline struct probe_vpath *probe_slot(const struct fabric_probe_msg *m,
						      __u32 ifindex)
{
	__u32 path = m->path;
	struct probe_vpath *v;

	if (path >= FABRIC_PROBE_SLOTS)
		goto foreign;
	v = bpf_map_lookup_elem(&fabric_probe_paths, &path);
	if (!v || !ifindex || vp_body(v)->cfg.ifindex != ifindex)
		goto foreign;
	return v;
foreign:
	__sync_fetch_and_add(&probe_verdict_foreign, 1);
	return NULL;
}

static __always_inline void probe_verdict_event(struct fabric_probe_path *p,
						__u32 slot, __u64 now, __u64 lag)
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
	e->ts_ns = now;
	e->node_id = node_id;
	e->ifindex = p->cfg.ifindex;
	e->type = FABRIC_EV_PROBE_VERDICT;
	e->qp = slot;
	e->psn = p->verdict;
	e->missing = p->miss_run;
	lag /= 1000;
	e->expected_psn = lag > 0xffffffffULL ? 0xffffffffU : lag;
	e->flow_gaps = p->verdicts;
	bpf_ringbuf_submit(e, 0);
	if (st)
		st->events_sent++;
}

struct probe_witness_ctx {
	struct fabric_probe_path *p;
	int found;
};

static int probe_witness_one(__u32 i, struct probe_witness_ctx *c)
{
	struct probe_vpath *o = bpf_map_lookup_elem(&fabric_probe_paths, &i);

	if (o && pj_witness(c->p, vp_body(o))) {
		c->found = 1;
		return 1;
	}
	return 0;
}

/* Another in-service path of the same group answered since the run began. */
static __always_inline int probe_witnessed(struct fabric_probe_path *p)
{
	struct probe_witness_ctx c = { .p = p };

	bpf_loop(FABRIC_PROBE_SLOTS, probe_witness_one, &c, 0);
	return c.found;
}

/* The node-wide entry as p's judge sees it (pj_host_view). */
static __always_inline void probe_host_snapshot(struct fabric_probe_host *out,
						const struct fabric_probe_path *p,
						const struct fabric_probe_judge_cfg *c)
{
	__u32 zero = 0;
	struct probe_vhost *h = bpf_map_lookup_elem(&fabric_probe_host, &zero);

	__builtin_memset(out, 0, sizeof(*out));
	if (!h)
		return;
	bpf_spin_lock(&h->lock);
	pj_host_view((struct fabric_probe_host *)h, p, c, out);
	bpf_spin_unlock(&h->lock);
}

/*
 * Judge one path at now, the timer having fired lag late. Returns 1 while
 * probes are still in flight (keep the timer), 0 otherwise.
 */
static __noinline int probe_judge_path(__u32 slot, __u64 now, __u64 lag)
{
	/*
	 * Looked up here, not passed in: 6.1's verifier pairs a spin lock
	 * with the id of the lookup that produced the pointer, and an
	 * argument has none ("bpf_spin_unlock without taking a lock").
	 */
	struct probe_vpath *v = bpf_map_lookup_elem(&fabric_probe_paths, &slot);
	struct fabric_probe_path *p;
	struct fabric_probe_judge_cfg c;
	struct fabric_probe_host h;
	struct pj_out out;
	int declared = 0;

	if (!v)
		return 0;
	p = vp_body(v);
	if (p->cfg.flags & FABRIC_PROBE_F_KJUDGE)
		return 0;	/* fabric.ko's hrtimer judges it */
	probe_cfg(&c);
	probe_host_snapshot(&h, p, &c);
	bpf_spin_lock(&v->lock);
	pj_judge(p, &h, &c, now, lag, &out);
	bpf_spin_unlock(&v->lock);
	if (!out.candidate)
		return out.pending;
	if (!probe_witnessed(p)) {
		__sync_fetch_and_add(&p->unwitnessed, 1);
		return out.pending;
	}
	bpf_spin_lock(&v->lock);
	if (p->verdict == FABRIC_PROBE_V_NONE &&
	    p->miss_run >= c.miss_k) {
		pj_declare(p, now);
		declared = 1;
	}
	bpf_spin_unlock(&v->lock);
	if (declared) {
		if ((p->cfg.flags & FABRIC_PROBE_F_REROUTE) &&
		    probe_reroute(p, now))
			__sync_fetch_and_add(&p->reroutes, 1);
		probe_verdict_event(p, slot, now, 0);
	}
	return out.pending;
}

static __always_inline void probe_timer_start(struct probe_vpath *v, __u64 delay)
{
	struct fabric_probe_path *p = vp_body(v);

	lazy_timer_start(&v->t, delay, FABRIC_PROBE_JUDGE_MIN_NS, &p->deadline_ns,
			 &v->armed, &p->timer_errors);
}

static int probe_timer_fire(void *map, __u32 *key, struct probe_vpath *v)
{
	struct fabric_probe_path *p = vp_body(v);
	__u64 now = bpf_ktime_get_ns();
	__s64 lag = (__s64)(now - p->deadline_ns);

	if (!probe_verdict_port || (p->cfg.flags & FABRIC_PROBE_F_KJUDGE)) {
		v->armed = 0;	/* off, or fabric.ko's hrtimer judges */
		return 0;
	}
	if (lag < 0)
		lag = 0;
	if (probe_judge_path(*key, fabric_now_precise(), lag)) {
		probe_timer_start(v, probe_judge_ns);
		return 0;
	}
	v->armed = 0;
	/* a departure that raced with the disarm would wait for the next */
	if (p->judged < p->tx_next &&
	    __sync_val_compare_and_swap(&v->armed, 0, 1) == 0)
		probe_timer_start(v, probe_judge_ns);
	return 0;
}

static __always_inline void probe_timer_arm(struct probe_vpath *v)
{
	if (probe_judge_timer && !(vp_body(v)->cfg.flags & FABRIC_PROBE_F_KJUDGE) &&
	    lazy_timer_claim(&v->t, &fabric_probe_paths, probe_timer_fire, &v->armed))
		probe_timer_start(v, probe_judge_ns);
}

/* tc egress, a frame that is not RoCE: a departing probe? */
static __noinline int probe_verdict_tx(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct fabric_probe_msg *m = probe_find(data, end, 0);
	struct probe_vpath *v;
	__u64 seq, now;

	if (!m)
		return 0;
	v = probe_slot(m, skb->ifindex);
	if (!v)
		return 0;
	seq = m->seq;
	now = fabric_now_precise();
	bpf_spin_lock(&v->lock);
	pj_tx(vp_body(v), seq, now);
	bpf_spin_unlock(&v->lock);
	probe_timer_arm(v);
	return 0;
}

/* XDP, a frame that is not RoCE: an answer to one of our probes? */
static __noinline int probe_verdict_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct fabric_probe_msg *m = probe_find(data, end, 1);
	struct fabric_probe_path *p;
	struct probe_vpath *v;
	struct fabric_probe_judge_cfg c;
	struct probe_vhost *h;
	__u64 seq, now, tx = 0, rtt = 0;
	__u32 zero = 0, cpu;
	int r;

	if (!m)
		return 0;
	v = probe_slot(m, ctx->ingress_ifindex);
	if (!v)
		return 0;
	p = vp_body(v);
	seq = m->seq;
	now = fabric_now_precise();
	cpu = bpf_get_smp_processor_id();
	probe_cfg(&c);
	bpf_spin_lock(&v->lock);
	r = pj_rx(p, &c, seq, now, &tx, &rtt);
	if (r != PJ_RX_UNMATCHED)
		pj_rx_cpu(p, cpu);
	bpf_spin_unlock(&v->lock);
	if (r == PJ_RX_UNMATCHED)
		return 0;
	h = bpf_map_lookup_elem(&fabric_probe_host, &zero);
	if (h) {
		bpf_spin_lock(&h->lock);
		pj_rx_host_cpu((struct fabric_probe_host *)h, &c,
			       tx, rtt, now, cpu);
		bpf_spin_unlock(&h->lock);
	}
	if (r & PJ_RX_CLEARED)
		probe_verdict_event(p, m->path, now, 0);
	return 0;
}

static int probe_judge_one(__u32 i, __u64 *now)
{
	struct probe_vpath *v = bpf_map_lookup_elem(&fabric_probe_paths, &i);

	if (v && vp_body(v)->cfg.ifindex)
		probe_judge_path(i, *now, 0);
	return 0;
}

/*
 * Runs the judge on every slot at the clock override (or now), as the
 * timers would: for tests and for a caller that wants a verdict at once,
 * through BPF_PROG_TEST_RUN with any frame; never attached. XDP, not a
 * syscall program: 6.1 refuses bpf_spin_lock in sleepable programs.
 */
SEC("xdp")
int fabric_probe_judge(struct xdp_md *ctx)
{
	__u64 now = fabric_now_precise();

	bpf_loop(FABRIC_PROBE_SLOTS, probe_judge_one, &now, 0);
	return XDP_PASS;
}

#endif
