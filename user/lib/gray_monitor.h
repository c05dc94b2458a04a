/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Gray-failure monitor: per path (group, path) the loss SPRT and the
 * latency detector of common/gray.h, fed by probe outcomes and passive
 * RoCE evidence; localisation of the alarms to links with
 * common/localize.h; and the action: a link whose loss or latency shift
 * passes its threshold is drained (every path through it gets the policy's
 * GRAY signal, so hold-down, flap dampening and the last-path rule of
 * common/failover.c apply), and restored once it has stayed clean.
 * Documentation/gray.md.
 *
 * No I/O and no clock: the caller passes CLOCK_MONOTONIC ns, calls
 * gmon_tick() now and then (restore timers), and gets events and actions
 * through callbacks, synchronously. One thread.
 */
#ifndef FABRIC_GRAY_MONITOR_H
#define FABRIC_GRAY_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "gray.h"
#include "localize.h"

#define GMON_MAX_LINKS		LOC_MAX_LINKS
#define GMON_MAX_GROUPS		8
#define GMON_MAX_PATHS		16	/* per group */
#define GMON_MAX_HOPS		LOC_MAX_HOPS
#define GMON_NAME_LEN		32
#define GMON_PENDING		64	/* misses awaiting a late answer */

/* One probe's fate, as the failover engine judged it. */
enum gmon_outcome {
	GMON_ANSWERED,	/* in time: delivered, with an RTT */
	GMON_LOST,	/* missed, prober not stalled: evidence of loss */
	GMON_STALLED,	/* missed while the prober was stalled: no evidence */
	GMON_LATE,	/* answered after it was reported missed */
};

enum gmon_kind {
	GMON_KIND_LOSS,
	GMON_KIND_DELAY,
};

enum gmon_ev_type {
	GMON_EV_SUSPECT,	/* a link newly named by the localisation */
	GMON_EV_DRAIN,		/* over its threshold: its paths drained */
	GMON_EV_RESTORE,	/* a drained link stayed clean: paths back */
	GMON_EV_CLEAR,		/* a suspect (not drained) link is clean */
	GMON_EV_MAX,
};

struct gmon_event {
	uint64_t time_ns;
	uint32_t type;			/* enum gmon_ev_type */
	uint32_t kind;			/* enum gmon_kind */
	uint32_t link;
	uint32_t loss_ppm;		/* estimated loss of the link */
	uint32_t delay_us;		/* estimated latency shift */
	uint32_t confidence;		/* per mille */
	uint32_t paths[GMON_MAX_GROUPS];	/* evidence (bit = path): the bad
					 * paths; for RESTORE and CLEAR every
					 * path through the link, now clean */
};

struct gmon_path_cfg {
	uint32_t n_links;		/* 0: not monitored */
	uint16_t link[GMON_MAX_HOPS];	/* ordered link ids */
};

struct gmon_cfg {
	uint32_t loss_threshold_ppm;	/* drain at this loss (1000) */
	uint32_t delay_threshold_us;	/* or this latency shift (50) */
	uint32_t restore_clean_s;	/* clean this long: restore (30) */
	bool monitor_only;		/* report, never drain */
	uint64_t late_grace_ns;		/* a miss waits this long for a late
					 * answer before it counts (100 ms) */
	uint32_t n_links;
	char link_name[GMON_MAX_LINKS][GMON_NAME_LEN];
	bool link_monitor[GMON_MAX_LINKS];	/* monitor-only per link */
	uint32_t n_groups;
	uint32_t n_paths[GMON_MAX_GROUPS];
	struct gmon_path_cfg path[GMON_MAX_GROUPS][GMON_MAX_PATHS];
	/* Detector knobs, derived from the thresholds by gmon_cfg_default()
	 * and gmon_cfg_derive(); override after deriving. */
	struct gray_loss_cfg loss;
	struct gray_lat_cfg lat;
	struct loc_cfg loc;
	/* Callbacks, either may be NULL. act: the path's gray drain (on) or
	 * its end (off), to apply through the failover policy. */
	void (*on_event)(void *arg, const struct gmon_event *ev);
	void (*act)(void *arg, uint32_t group, uint32_t path, bool on,
		    uint64_t now);
	void *arg;
};

/* What the monitor says about one link, for export. */
struct gmon_link_status {
	bool suspect, drained, monitor;
	uint32_t kind;			/* of the suspicion */
	uint32_t loss_ppb;		/* estimate (ppb) */
	uint32_t loss_lo_ppb, loss_hi_ppb;	/* its 95 % Wilson interval */
	int32_t shift_ns;		/* latency shift estimate */
	uint32_t confidence;		/* per mille */
	uint32_t paths[GMON_MAX_GROUPS];	/* evidence (bit = path) */
	uint64_t since_ns;		/* suspect / drained since */
	uint64_t clean_since_ns;	/* drained, clean since (0: not) */
};

/* And about one path. */
struct gmon_path_status {
	bool monitored;
	bool loss_alarm, delay_alarm;
	bool gray;			/* drained for a link (policy told) */
	int32_t drained_by;		/* that link, -1 none */
	uint32_t loss_ppb;		/* loss estimate: the current run while
					 * alarmed, else the decayed window */
	uint32_t baseline_ns;		/* latency baseline (0: learning) */
	int32_t shift_ns;		/* last block median - baseline */
	uint64_t probes, lost, stalled, late, passive_packets, passive_lost;
};

struct gmon_stats {
	uint64_t events[GMON_EV_MAX];
	uint64_t solves;
};

struct gmon;

/* Defaults: thresholds above, no links, no paths. */
void gmon_cfg_default(struct gmon_cfg *c);
/* Set the detector knobs from the thresholds (the SPRT's H1 at the loss
 * threshold, H0 a hundredth of it; the CUSUM's shift at the delay one). */
void gmon_cfg_derive(struct gmon_cfg *c);
/* NULL with errno EINVAL on a bad configuration, ENOMEM. */
struct gmon *gmon_new(const struct gmon_cfg *c);
void gmon_free(struct gmon *m);

/* One probe of a path: rtt_ns for GMON_ANSWERED (and GMON_LATE). */
void gmon_probe(struct gmon *m, uint32_t group, uint32_t path,
		enum gmon_outcome outcome, uint64_t rtt_ns, uint64_t now_ns);
/* Passive evidence: packets seen and packets lost (PSN gaps) on that path
 * since the last call. m may be NULL (monitor off): then a no-op, as for
 * a path without links. */
void gmon_passive(struct gmon *m, uint32_t group, uint32_t path,
		  uint64_t packets, uint64_t lost, uint64_t now_ns);
/* Restore timers and pending misses; call at least once a second. */
void gmon_tick(struct gmon *m, uint64_t now_ns);

const struct gmon_cfg *gmon_config(const struct gmon *m);
int gmon_link_status(const struct gmon *m, uint32_t link,
		     struct gmon_link_status *st);
int gmon_path_status(const struct gmon *m, uint32_t group, uint32_t path,
		     struct gmon_path_status *st);
const struct gmon_stats *gmon_stats(const struct gmon *m);
/* A link id by name, or -1. */
int gmon_link_id(const struct gmon *m, const char *name);

const char *gmon_ev_name(uint32_t type);	/* "gray_suspect", ... */
const char *gmon_kind_name(uint32_t kind);	/* "loss", "delay" */

#endif
