/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The gray monitor's insides, shared by its files:
 *   gray_monitor.c         evidence, drain and restore
 *   gray_monitor_loc.c     localisation: what the solve is told, held links
 *   gray_monitor_rate.c    the rate rule: a link explains only the loss
 *                          its paths share
 *   gray_monitor_status.c  read-only accessors and names
 */
#ifndef FABRIC_GRAY_MONITOR_INT_H
#define FABRIC_GRAY_MONITOR_INT_H

#include "gray_monitor.h"

#define Z95		1960

struct gmon_path {
	bool on;
	bool gray;			/* the policy was told GRAY */
	bool lat_run;			/* CUSUM off 0 or alarmed: delay evidence */
	uint16_t idx;			/* among the monitored paths */
	int32_t drained_by;
	uint8_t loss_state, delay_state;	/* enum loc_state, last solve */
	/* Samples counted when the loss / delay verdict turned BAD: the
	 * settle rule measures the alarm's age in its own samples. */
	uint64_t loss_bad_n, delay_bad_n;
	struct gray_loss loss;
	struct gray_lat lat;
	/* Evidence since the SPRT last sat at its floor: the loss estimate
	 * of an alarm, undiluted by the clean history before it. */
	uint64_t run_n, run_lost;
	uint64_t pend[GMON_PENDING];	/* times of misses not yet counted */
	uint32_t pend_head, pend_n;
	uint64_t probes, lost, stalled, late, passive_packets, passive_lost;
};

/* Every path's sample counts when one path's evidence began. */
struct gmon_snap {
	uint64_t loss_n, loss_lost;	/* at its loss run's first sample */
	uint64_t lat_n;			/* when its CUSUM left 0 */
};

struct gmon_link {
	bool suspect, drained;
	bool named_loss, named_delay;	/* chosen by that solve, held */
	uint32_t kind;
	struct gray_ratio loss;
	int32_t shift_ns;
	uint32_t conf;
	uint32_t paths[GMON_MAX_GROUPS];
	uint64_t since_ns, clean_since_ns;
};

struct gmon {
	struct gmon_cfg cfg;
	struct gmon_path path[GMON_MAX_GROUPS][GMON_MAX_PATHS];
	struct gmon_link link[GMON_MAX_LINKS];
	uint64_t settle_loss_n;		/* samples a lone loss alarm waits */
	uint32_t settle_delay_n;	/* the same for a delay alarm */
	/* snap[i * n_on + j]: path j's counts when path i's evidence began
	 * (i, j the paths' idx), for the sibling rule */
	uint32_t n_on;
	struct gmon_snap *snap;
	bool dirty;
	struct gmon_stats st;
	/* loc_solve() scratch */
	uint32_t n_lp;
	struct loc_path lp[LOC_MAX_PATHS];
	uint8_t lp_g[LOC_MAX_PATHS], lp_p[LOC_MAX_PATHS];
	/* per kind (loss, delay): the verdicts after the sibling rule */
	uint8_t eff[2][LOC_MAX_PATHS];
	/* per bad path, loss: hops whose link its loss exceeds (rate rule) */
	uint8_t excl[LOC_MAX_PATHS];
	struct loc_link ll_loss[LOC_MAX_LINKS], ll_delay[LOC_MAX_LINKS];
	struct loc_work work;
};

/* A path's loss estimate (ppb): its current run while alarmed, else the
 * decayed window. */
uint32_t gmon_path_loss_ppb(const struct gmon_path *pp);

bool gmon_path_has(const struct gmon_path_cfg *pc, uint32_t l);
/* Solve both kinds: m->ll_loss, m->ll_delay. */
void gmon_solve(struct gmon *m);
/* A named link with a bad path of its kind left stays named. */
bool gmon_held(const struct gmon *m, uint32_t l, bool delay);
/* The sibling rule's test: does path j, over bad path i's window, say
 * that the links they share are clean? (solve indices) */
bool gmon_exonerates(const struct gmon *m, uint32_t i, uint32_t j, bool delay);
/* A held link's confidence (per mille) from the verdicts now. */
uint32_t gmon_held_conf(const struct gmon *m, uint32_t l, bool delay);
/* The rate rule (gray_monitor_rate.c): m->excl[] from the raw loss
 * verdicts in m->lp[].state, and its two-sample test. */
void gmon_rate_rule(struct gmon *m);
int64_t gmon_rate_llr(uint64_t n1, uint64_t x1, uint64_t n2, uint64_t x2);
/* Is solve path i's loss in excess of what link l could explain? */
bool gmon_excess(const struct gmon *m, uint32_t i, uint32_t l);
/* May link l, suspect for loss, lose at the threshold: can none of its
 * paths exclude it over the evidence window? (the shared-rate test) */
bool gmon_shared_over(const struct gmon *m, uint32_t l);

#endif
