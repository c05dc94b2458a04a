/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Silence of a busy port: a lazy per-port bpf_timer, armed when traffic
 * starts and checked once per silence period, never per packet.
 *
 * With silence_reroute set, an alarm is also a verdict: every member of
 * a mirrored group whose device is the silent port is declared down in
 * the reroute map, like a probe verdict, if another member of the same
 * group is not declared down and its port received RoCE within the last
 * half silence period (the witness: the peers are sending, just not over
 * this port). The event then carries psn = the members declared. All of
 * it runs in the timer callback; the per-packet path is unchanged.
 */
#ifndef FABRIC_SILENCE_H
#define FABRIC_SILENCE_H

#include "fabric_state.h"
#include "lazy_timer.h"
#include "reroute.h"

/* 1: a silence alarm declares the port's members down (fabricd sets it
 * with the data-path reroute and [verdict] kernel). */
__u32 silence_reroute = 0;

static __always_inline void silence_event(__u32 ifindex, __u64 quiet, __u64 lag,
					 __u64 alarms, __u32 declared)
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
	e->psn = declared;
	bpf_ringbuf_submit(e, 0);
	if (st)
		st->events_sent++;
}

struct silence_verdict_ctx {
	__u32 ifindex;
	__u32 declared;
	__u64 now;		/* coarse: the clock of last_rx_ns */
	__u64 window;		/* a witness received within this */
	__u64 t;		/* the verdict's time (precise) */
};

/* Another member of group g, up, whose watched port received lately. */
static __always_inline int silence_witness(struct fabric_rr *rr, __u32 g,
					   struct silence_verdict_ctx *c)
{
	struct fabric_rr_group *grp = &rr->grp[g & (FABRIC_RR_MAX_GROUPS - 1)];
	struct silence_port *sp;
	__u32 q, ifi;
	__s64 ago;

	for (q = 0; q < FABRIC_RR_MAX_MEMBERS; q++) {
		if (q >= grp->n_members)
			break;
		ifi = grp->m[q].ifindex;
		if (ifi == c->ifindex || ifi >= FABRIC_PORT_SLOTS ||
		    !silence_watch[ifi] || (grp->m[q].verdict & FABRIC_RR_V_DOWN))
			continue;
		sp = bpf_map_lookup_elem(&fabric_silence, &ifi);
		if (!sp || !sp->last_rx_ns)
			continue;
		ago = (__s64)(c->now - sp->last_rx_ns);
		if (ago < (__s64)c->window)
			return 1;
	}
	return 0;
}

static int silence_verdict_one(__u32 slot, struct silence_verdict_ctx *c)
{
	__u32 zero = 0, g, m, ifi = c->ifindex;
	struct fabric_rr *rr = bpf_map_lookup_elem(&fabric_reroute, &zero);

	/* 6.1's verifier does not bound a bpf_loop index: mask it */
	slot &= FABRIC_RR_SLOTS - 1;
	g = slot / FABRIC_RR_MAX_MEMBERS;
	m = slot % FABRIC_RR_MAX_MEMBERS;
	if (!rr || ifi >= FABRIC_RR_PORTS)
		return 1;
	if (!(rr->port[ifi][slot / 64] & (1ULL << (slot % 64))))
		return 0;
	if (!(rr->grp[g].flags & FABRIC_RR_G_VALID) || !silence_witness(rr, g, c))
		return 0;
	if (fabric_rr_declare_down(rr, g, m, c->t, FABRIC_RR_SRC_BPF))
		c->declared++;
	return 0;
}

/* The alarm of a silent port as a verdict: the members declared. */
static __noinline __u32 silence_verdict(__u32 ifindex, __u64 now, __u64 limit)
{
	struct silence_verdict_ctx c = {
		.ifindex = ifindex, .now = now, .window = limit / 2,
		.t = fabric_now_precise(),
	};

	bpf_loop(FABRIC_RR_SLOTS, silence_verdict_one, &c, 0);
	return c.declared;
}

static __always_inline void silence_rearm(struct silence_port *s, __u64 delay)
{
	lazy_timer_start(&s->t, delay, FABRIC_SILENCE_MIN_NS, &s->deadline_ns,
			 &s->armed, &s->arm_errors);
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
	silence_event(ifindex, quiet, lag, s->alarms,
		      silence_reroute ? silence_verdict(ifindex, now, limit) : 0);
	return 0;
}

/* Quiet -> busy: start the port's timer. Once per silence period. */
static __always_inline void silence_arm(struct silence_port *s)
{
	if (!lazy_timer_claim(&s->t, &fabric_silence, silence_fire, &s->armed))
		return;
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

#endif
