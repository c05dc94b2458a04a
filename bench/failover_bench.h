/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bench/failover, shared between its files:
 *   failover.c         options, phases, the closing line
 *   failover_stats.c   sample series and percentiles
 *   failover_fault.c   injections, per-flow outage, restore gaps
 *   failover_steady.c  steady and stress windows (false failovers)
 *   failover_reroute.c the data path's reroute time
 *   failover_frr.c     the FRR bgpd+bfdd baseline
 *   failover_bpf.c     executor=bpf: kernel verdict + data-path reroute
 *   failover_cpu.c     the probe senders' CPU per path by rate and paths
 */
#ifndef BENCH_FAILOVER_H
#define BENCH_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "lab_engine.h"
#include "lab_traffic.h"

#define MAXS	4096

struct series {
	const char *name;
	double v[MAXS];
	int n;
	int censored;
};

void add(struct series *s, double v);
double pct(struct series *s, double p);
void report(struct series *s);

/* failover.c: the lab and its actors */
extern const char *P;
extern struct lt *tr;
extern struct le_runner run;
const char *ns(const char *node);
void sh(const char *fmt, ...);

/* failover_fault.c */
enum kind { K_CARRIER, K_BLACKHOLE, K_GRAY };
extern const char *kname[];
int fault_open(void);
void inject(enum kind k, int spine, bool on, uint64_t *t);
uint32_t flows_on(int spine, uint8_t *which);
void no_flows(void);
void outages(struct series *s, const uint8_t *which, int spine, uint64_t t,
	     uint64_t until, const char *what);
/* Per outage sample: the width of the sends bracketing the member's move
 * (the union of its flows' sends), us; each flow's own send spacing
 * around its move; the same outages ended by receive instead of send
 * time. Brackets taken, and those found empty (flows kept their own). */
extern struct series res_us, flow_res_us, out_rx_us;
extern uint32_t brackets, brackets_split;
uint64_t lost_total(void);
/* Wait for an engine transition of path (0/1) to `to` at or after t. */
bool wait_ev(uint32_t *cursor, int path, int to, uint64_t t,
	     uint64_t timeout_ns, struct ffe_event *out);

struct engine_series {
	struct series det, rep, out, lost;
	struct series rr;		/* executor=bpf: verdict -> survivor */
	struct series restore_lost;	/* per restore: packets missing */
	struct series restore_ms;	/* fault cleared -> the policy's UP */
	uint32_t restores, restore_gaps;	/* restores with a gap */
	uint32_t restore_rx_gaps;	/* ... covered by drops off the paths */
	uint32_t restore_late;		/* UP after 10 s (a grown hold-down) */
	uint32_t restore_timeouts;	/* never UP */
	uint64_t restore_rx_drops;	/* sockets and devices, restore windows */
};
/* l1's route and both members there (else bench_fail says what not). */
bool lab_intact(const char *when);
extern char bench_fail[256];
void run_engine_series(enum kind k, int n, struct engine_series *s);
/* failover_restore.c: the path returns; counts its sequence gaps */
void restore(enum kind k, int spine, uint32_t *cur, struct engine_series *s);
void kernel_series(enum kind k, int n, struct series *out,
		   struct series *lost);

/* failover_steady.c */
struct steady_result {
	double seconds;
	uint32_t downs;		/* engine DOWNs, or data-path verdicts if more */
	uint32_t engine_downs, kernel_verdicts;
	uint64_t stalls;		/* injected */
	double stall_ms_max;
	int64_t engine_cpu_ns;		/* the engine thread's, in the window */
};
extern int stress_hogs;
int64_t thread_cpu_ns(pthread_t th);
void steady_window(const char *what, int seconds, bool stress,
		   struct steady_result *r);

/* failover_reroute.c: verdict -> first redirected packet, us */
int reroute_run(const char *build, int n, struct series *s, char *why,
		size_t len);

/* failover_frr.c: "" when measured, else why not */
int frr_run(const char *frr_sh, int n, struct series *out,
	    char *why, size_t len);

/* failover_bpf.c */
struct fb_bpf_cfg {
	uint64_t timeout_ns, judge_ns, stall_ns;
	uint32_t miss_k, recover;
	int sender_rt;			/* SCHED_FIFO priority of the sender */
};
extern struct fb_bpf_cfg fbc;
extern pthread_t fb_sender_th;
extern bool fb_sender_on;
/* Make r run executor=bpf (before le_run). */
void fb_runner(struct le_runner *r);
/* After a blackhole's DOWN: the verdict's reroute time, if it was ours. */
bool fb_reroute_sample(uint32_t pi, uint64_t t_inject, struct series *s);
void fb_counters(void);
/* The reroute map's members and the data path's reroute counters. */
void fb_rr_report(void);
/* DOWN verdicts the data path raised so far (each one rerouted). */
uint64_t fb_verdicts(void);
/* Probes stamped and answers matched by the data path, all slots. */
void fb_probe_counts(uint64_t *sent, uint64_t *answered);

/* failover_cpu.c: executors as a mask (1 userspace, 2 bpf) */
void cpu_phase(unsigned long execs, int secs_per_point);

#endif
