/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Gray-failure evidence from INT hop latency (Documentation/gray.md,
 * "INT hop latency"). Probe RTT names a path and needs correlation to
 * name a link; an INT hop names itself: the node that wrote it and the
 * port it left by. So per hop (node id, egress port), mapped to a link by
 * the configuration, this runs the latency detector of common/gray.h on
 * block medians of the sink's hop-latency histograms, and drains and
 * restores the link through callbacks, like the gray monitor does.
 *
 * Input: the sink's cumulative histograms (struct fabric_int_hist), read
 * now and then; the detector differences successive readings, gathers at
 * least min_samples samples, and feeds the median of those (interpolated
 * within its 25 %-wide bucket) to gray_lat as one block median.
 *
 * No I/O and no clock: the caller passes CLOCK_MONOTONIC ns. One thread.
 */
#ifndef FABRIC_GRAY_INT_H
#define FABRIC_GRAY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric_int.h"
#include "gray.h"

#define GINT_MAX_HOPS		32
/*
 * The port of a hop whose histogram holds only the frames it sent toward
 * this sink: the sink keeps one histogram per node id, and in a leaf-spine
 * every frame a leaf's sink gets from a spine left the spine by its port
 * toward that leaf.
 */
#define GINT_PORT_TO_SINK	0xffffffffU

/* Same order as the gray monitor's (enum gmon_ev_type). */
enum gint_ev_type {
	GINT_EV_SUSPECT,	/* the hop's shift reached the threshold */
	GINT_EV_DRAIN,		/* ... and its link was drained */
	GINT_EV_RESTORE,	/* a drained hop stayed clean: link back */
	GINT_EV_CLEAR,		/* a suspect hop (not drained) is clean */
	GINT_EV_MAX,
};

struct gint_event {
	uint64_t time_ns;
	uint32_t type;		/* enum gint_ev_type */
	uint32_t hop;		/* index into gint_cfg.hop */
	uint32_t link;		/* gint_cfg.hop[hop].link */
	uint32_t delay_us;	/* latency shift over the baseline */
	uint32_t baseline_ns;
	uint32_t confidence;	/* per mille: 1000 * (1 - k / shift) */
};

struct gint_hop_cfg {
	uint32_t node;		/* INT node id */
	uint32_t port;		/* egress port, or GINT_PORT_TO_SINK */
	uint32_t link;		/* the caller's link id */
	bool monitor;		/* report, never drain */
};

struct gint_cfg {
	uint32_t delay_threshold_us;	/* name and drain at this shift (50) */
	uint32_t restore_clean_s;	/* clean this long: restore (30) */
	uint32_t min_samples;		/* samples behind one block median (16) */
	bool monitor_only;		/* every hop */
	struct gray_lat_cfg lat;	/* set by gint_cfg_derive(); block 1 */
	uint32_t n_hops;
	struct gint_hop_cfg hop[GINT_MAX_HOPS];
	void (*on_event)(void *arg, const struct gint_event *ev);
	/* a link's drain (on) or its end (off); once per link, however many
	 * of its hops are drained */
	void (*act)(void *arg, uint32_t link, bool on, uint64_t now);
	void *arg;
};

struct gint_hop_status {
	bool learnt, alarm, suspect, drained;
	uint32_t baseline_ns;
	int32_t shift_ns;	/* last block median - baseline */
	uint32_t k_ns;		/* the CUSUM's reference */
	uint64_t samples;	/* fed */
	uint64_t blocks;	/* block medians */
	uint64_t resets;	/* histogram went backwards (a new data path) */
	uint64_t since_ns, clean_since_ns;
};

struct gint;

/* Defaults, then the latency knobs from the thresholds. */
void gint_cfg_default(struct gint_cfg *c);
void gint_cfg_derive(struct gint_cfg *c);
/* NULL with errno EINVAL or ENOMEM. */
struct gint *gint_new(const struct gint_cfg *c);
void gint_free(struct gint *g);
const struct gint_cfg *gint_config(const struct gint *g);

/* The hop of (node, port), or -1. */
int gint_hop_find(const struct gint *g, uint32_t node, uint32_t port);
/*
 * A cumulative reading of hop @hop's histogram. The first reading only
 * sets the reference; a count below the previous one (the data path was
 * replaced) resets it. Returns the samples taken.
 */
uint64_t gint_hist(struct gint *g, uint32_t hop, const struct fabric_int_hist *cum,
		   uint64_t now_ns);
/* New samples of hop @hop as bucket counts (FABRIC_INT_HIST_BUCKETS). */
void gint_delta(struct gint *g, uint32_t hop, const __u64 *bucket,
		uint64_t now_ns);
/* Restore timers; call at least once a second. */
void gint_tick(struct gint *g, uint64_t now_ns);

int gint_hop_status(const struct gint *g, uint32_t hop, struct gint_hop_status *st);
/* Any hop of @link suspect / drained. */
bool gint_link_suspect(const struct gint *g, uint32_t link);
bool gint_link_drained(const struct gint *g, uint32_t link);

/*
 * Median of @n samples held as bucket counts, in ns: the lower median's
 * rank, placed linearly within its bucket. 0 for n == 0.
 */
uint32_t gint_hist_median(const __u64 *bucket, uint64_t n);

#endif
