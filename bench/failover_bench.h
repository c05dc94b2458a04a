/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bench/failover, shared between its files:
 *   failover.c         options, phases, the closing line
 *   failover_stats.c   sample series and percentiles
 *   failover_fault.c   injections, per-flow outage, restore gaps
 *   failover_steady.c  steady and stress windows (false failovers)
 *   failover_reroute.c the data path's reroute time
 *   failover_frr.c     the FRR bgpd+bfdd baseline
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
	     uint64_t until);
uint64_t lost_total(void);

struct engine_series {
	struct series det, rep, out, lost;
	struct series restore_lost;	/* per restore: packets missing */
	uint32_t restores, restore_gaps;	/* restores with a gap */
};
void run_engine_series(enum kind k, int n, struct engine_series *s);
void kernel_series(enum kind k, int n, struct series *out,
		   struct series *lost);

/* failover_steady.c */
struct steady_result {
	double seconds;
	uint32_t downs;
	uint64_t stalls;		/* injected */
	double stall_ms_max;
	int64_t engine_cpu_ns;		/* the engine thread's, in the window */
};
extern int stress_hogs;
void steady_window(const char *what, int seconds, bool stress,
		   struct steady_result *r);

/* failover_reroute.c: verdict -> first redirected packet, us */
int reroute_run(const char *build, int n, struct series *s, char *why,
		size_t len);

/* failover_frr.c: "" when measured, else why not */
int frr_run(const char *frr_sh, int n, struct series *out,
	    char *why, size_t len);

#endif
