/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Failover lab traffic: N UDP flows (distinct source ports, so ECMP
 * entropy) from a sender thread in one netns to a receiver thread in
 * another, with per-flow sequence numbers. The receiver takes each
 * packet's kernel receive time (CLOCK_MONOTONIC) and its DSCP, which the
 * lab's spines set (s1: 10, s2: 20), so it knows which spine every packet
 * crossed: per-flow loss, arrival gaps and path moves come from there.
 */
#ifndef LAB_TRAFFIC_H
#define LAB_TRAFFIC_H

#include <stdint.h>
#include <pthread.h>
#include <netinet/in.h>

#define LT_MAX_FLOWS	256
#define LT_MAX_MOVES	8192
#define LT_MAX_GAPS	4096
#define LT_GAP_NS	20000000ULL	/* arrival gaps logged from 20 ms */

struct lt_cfg {
	const char *src_ns, *dst_ns;	/* names under /run/netns */
	struct in_addr dst;
	uint16_t dport;			/* default 4791 */
	uint16_t sport_base;		/* default 20000 */
	uint32_t flows;
	uint32_t pps;			/* total */
	uint32_t payload;		/* bytes, >= 32 */
	uint32_t hot_pps;		/* per hot flow (lt_hot()), default 50k */
	/*
	 * > 0: while any flow is hot the sender runs SCHED_FIFO at this
	 * priority and spins between sends instead of sleeping (a woken
	 * timer is late by tens of us on a loaded VM, a preempted one by
	 * ms), for at most hot_spin_ms per hot window (default 20), then
	 * sleeps again. 0: sleep between sends, normal priority.
	 */
	int hot_rt;
	uint32_t hot_spin_ms;
};

/* Send spacing of hot flows: bucket i counts intervals <= 5 us << i. */
#define LT_SPACING_BUCKETS	12

struct lt_flow {
	uint64_t sent;
	uint64_t recv;
	uint64_t lost;		/* sequence numbers skipped (net of reorder) */
	uint64_t reordered;
	uint64_t next_seq;
	uint64_t last_rx_ns;
	uint64_t last_tx_ns;	/* send time of the newest packet received */
	uint64_t prev_tx_ns;	/* send time of the last packet received */
	uint64_t max_gap_ns;
	uint8_t path;		/* DSCP of the last packet, 0 = none yet */
	uint8_t first_path;
	uint32_t moves;
};

struct lt_move {
	uint64_t t_ns;		/* receive time of the first packet on `to` */
	uint64_t tx_ns;		/* its send time */
	uint64_t gap_ns;	/* since the previous packet of the flow */
	uint64_t tx_gap_ns;	/* the same, by send times: the flow's idle time */
	uint64_t lost;		/* packets skipped across the move */
	/* Send time of this packet minus that of the flow's previous send
	 * (delivered or not): the move happened in between, so this is the
	 * resolution of an outage that ends with this packet. */
	uint64_t res_ns;
	uint32_t flow;
	uint8_t from, to;
};

/* An arrival gap of LT_GAP_NS or more: where a flow went quiet. */
struct lt_gap {
	uint64_t t_ns;		/* receive time of the packet ending it */
	uint64_t gap_ns;
	uint64_t lost;
	uint32_t flow;
	uint8_t path;		/* DSCP of that packet */
};

struct lt {
	struct lt_cfg cfg;
	pthread_t tx, rx;
	volatile int stop;		/* receiver */
	volatile int stop_tx;
	uint64_t tx_end_ns;		/* start of the sender's last round */
	volatile int ready;		/* both threads set up */
	int err;
	pthread_mutex_t lock;	/* flows[].path/recv/lost, moves */
	struct lt_flow flow[LT_MAX_FLOWS];
	struct lt_move move[LT_MAX_MOVES];
	uint32_t n_moves;
	uint64_t moves_lost;	/* beyond LT_MAX_MOVES */
	struct lt_gap gap[LT_MAX_GAPS];
	uint32_t n_gaps;
	/* Hot flows send at cfg.hot_pps each (paced by an absolute timer,
	 * no timer slack); the others share cfg.pps. Set with lt_hot(). */
	volatile uint8_t hot[LT_MAX_FLOWS];
	uint64_t spacing[LT_SPACING_BUCKETS + 1];	/* last: longer */
	uint64_t prev_send_ns[LT_MAX_FLOWS];	/* sender's own */
	uint64_t spin_ns;		/* time spent spinning in hot windows */
	uint32_t spin_capped;		/* hot windows that hit hot_spin_ms */
	int rt_err;			/* SCHED_FIFO refused: -errno */
};

uint64_t lt_now(void);
int lt_enter_ns(const char *name);
struct lt *lt_start(const struct lt_cfg *cfg);
/* Stop both threads; the counters stay readable until lt_free(). */
void lt_stop(struct lt *t);
/*
 * Stop the sender, let the receiver take what is still in flight (until
 * every flow's last packet is accounted for, the receiver has been quiet
 * for quiet_ns, or max_ns passed), then stop it.
 */
void lt_finish(struct lt *t, uint64_t quiet_ns, uint64_t max_ns);
/* Every flow has received at least one packet. */
int lt_all_flowing(struct lt *t);
void lt_free(struct lt *t);
/* Mark flows hot (which[i] != 0) or, with which NULL, none. */
void lt_hot(struct lt *t, const uint8_t *which);
/* Upper bound of spacing bucket i in ns (~0 for the last). */
static inline uint64_t lt_spacing_bound_ns(uint32_t i)
{
	return i < LT_SPACING_BUCKETS ? 5000ULL << i : ~0ULL;
}
/* Snapshot under the lock. */
void lt_snapshot(struct lt *t, struct lt_flow *flows);
/* Path (DSCP) -> spine number (1, 2) or 0. */
static inline int lt_spine(uint8_t dscp)
{
	return dscp ? dscp / 10 : 0;
}

#endif
