/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Silence of a busy port: a lazy per-port bpf_timer, armed when traffic
 * starts and checked once per silence period, never per packet.
 */
#ifndef FABRIC_SILENCE_H
#define FABRIC_SILENCE_H

#include "fabric_state.h"
#include "lazy_timer.h"

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
	silence_event(ifindex, quiet, lag, s->alarms);
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
