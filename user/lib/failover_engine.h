/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Userspace failover engine: detection signals (rtnetlink carrier events,
 * per-path echo probes) drive one fabric_fo_group state machine per group
 * (common/failover.h), whose desired member set the nexthop executor
 * (nexthop.h) installs. It runs in the network namespace current at
 * ffe_open(). The caller owns the loop: poll ffe_fds() and call
 * ffe_dispatch() when one is readable. Everything it knows is exported
 * as plain data: ffe_group_status(), ffe_hist(), the event log.
 */
#ifndef FABRIC_FAILOVER_ENGINE_H
#define FABRIC_FAILOVER_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "failover.h"
#include "nexthop.h"
#include "probe.h"

#define FFE_MAX_GROUPS		8
#define FFE_NAME_LEN		32
#define FFE_LOG_LEN		256
#define FFE_HIST_BUCKETS	20	/* 1 us .. 2^19 us, then +Inf */
#define FFE_RETRY_NS		10000000ULL	/* executor retry period */

struct ffe_path_cfg {
	char name[FFE_NAME_LEN];
	char ifname[IF_NAMESIZE];
	struct fnh_member nh;		/* id, family, gw (ifindex resolved) */
	bool probe;			/* probe this path */
	struct fprobe_path_cfg probe_cfg;	/* peer (local optional) */
};

struct ffe_group_cfg {
	char name[FFE_NAME_LEN];
	struct fnh_group nh;		/* id, buckets, timers, routes */
	uint32_t n_paths;
	struct ffe_path_cfg path[FNH_MAX_MEMBERS];
};

struct ffe_event {
	uint64_t time_ns;		/* detection (signal) time */
	uint64_t repair_ns;		/* replace acked after time_ns; 0 none */
	uint32_t group, path;
	uint8_t from, to, reason;	/* enum fabric_fo_state / _reason */
	uint8_t pad;
	uint32_t flags;			/* FABRIC_FO_TF_* */
	uint32_t members;		/* installed after the event */
	int error;			/* executor error (-errno), 0 ok */
};

typedef void (*ffe_event_cb)(void *arg, const struct ffe_event *ev);

struct ffe_cfg {
	struct fabric_fo_config policy;
	uint64_t probe_interval_ns;	/* 0: no probes */
	uint64_t probe_timeout_ns;
	uint16_t probe_port;
	bool no_install;		/* don't reconcile groups at start */
	/* A replace still blocked after this (0: 250 ms) raises an alarm
	 * and the engine carries on; the replace completes on its own. */
	uint64_t replace_deadline_ns;
	uint64_t test_replace_stall_ns;	/* tests: stall the first replace */
	ffe_event_cb on_event;
	void *arg;
	uint32_t n_groups;
	struct ffe_group_cfg group[FFE_MAX_GROUPS];
};

/* Log2 histogram of detection-to-repair time: bucket i counts <= 2^i us. */
struct ffe_hist {
	uint64_t count[FFE_HIST_BUCKETS + 1];	/* last: +Inf */
	uint64_t sum_ns;
	uint64_t n;
};

struct ffe_group_status {
	const char *name;
	uint32_t nhg_id;
	uint32_t n_paths;
	uint32_t desired;		/* the policy's member set */
	uint32_t installed;		/* what the executor last installed */
	bool dirty;			/* desired not installed yet */
	int last_error;
	char last_error_msg[256];
	uint64_t failovers;		/* member set shrank */
	uint64_t restores;		/* member set grew */
	uint64_t exec_errors;
	uint64_t neigh_unstuck;		/* stale neighbour entries cleared */
	uint64_t neigh_waits;		/* restores held: gateway resolving */
	uint64_t replace_timeouts;	/* replaces past their deadline */
	bool replace_pending;		/* one is still blocked */
	const struct fabric_fo_group *fo;	/* per-path state, stats */
	const struct ffe_path_cfg *paths;
};

struct ffe;

/* One replace of a group's members, for the after-replace hooks. */
struct ffe_replace {
	uint32_t group;
	uint32_t before, after;		/* installed before / after */
	uint32_t desired;		/* what the policy wanted */
	uint64_t t_detect_ns;		/* the signal behind it; 0: retry */
	uint64_t t_start_ns, t_done_ns;	/* the replace call */
	int error;			/* -errno, 0 ok */
	bool reconcile;
};

/*
 * Hooks run synchronously in the engine's thread. verdict: the policy
 * changed a group's desired member set, before the replace; replaced:
 * after every replace attempt. Either may be NULL.
 */
struct ffe_hook {
	void (*verdict)(void *arg, uint32_t group, uint32_t desired,
			uint32_t installed, uint64_t now);
	void (*replaced)(void *arg, const struct ffe_replace *r);
	void *arg;
};

#define FFE_MAX_HOOKS	4

/*
 * Every probe's outcome, for detectors beside the policy (the gray
 * monitor): answered in time (with its RTT), lost, a miss the policy
 * discounts as a stall (lag > stall_tolerance_ns), or an answer after its
 * miss was reported (late, with its RTT). One observer; NULL removes it.
 */
enum ffe_probe_outcome {
	FFE_PROBE_ANSWERED,
	FFE_PROBE_LOST,
	FFE_PROBE_STALLED,
	FFE_PROBE_LATE,
};
typedef void (*ffe_probe_obs)(void *arg, uint32_t group, uint32_t path,
			      int outcome, uint64_t rtt_ns, uint64_t now);
void ffe_probe_observer(struct ffe *e, ffe_probe_obs cb, void *arg);

struct ffe *ffe_open(const struct ffe_cfg *cfg);
/* Add a hook: 0, or -ENOSPC. */
int ffe_hook_add(struct ffe *e, const struct ffe_hook *h);
void ffe_close(struct ffe *e);
/* Reconcile every group with the kernel (install when absent). */
int ffe_install(struct ffe *e);
int ffe_fds(const struct ffe *e, int *fds, int max);
void ffe_dispatch(struct ffe *e, int fd);

int ffe_drain(struct ffe *e, uint32_t group, uint32_t path, bool on);
/*
 * One signal for one path from a detector outside the engine: the data
 * path's passive signals (FABRIC_FO_SIG_GAP_BURST, FABRIC_FO_SIG_SILENCE),
 * FABRIC_FO_SIG_PROBE_OK as other proof of life for a path without
 * probes, or the kernel-side probe verdict's misses and clears
 * (FABRIC_FO_SIG_PROBE_MISS, FABRIC_FO_SIG_PROBE_OK). now is CLOCK_MONOTONIC
 * ns, lag the detector's own lateness.
 * Carrier stays the engine's own. 0 or -EINVAL.
 */
int ffe_path_signal(struct ffe *e, uint32_t group, uint32_t path,
		    uint32_t signal, uint64_t now, uint64_t lag);
/*
 * The node-wide probe slot of a path (the probe payload's path field, the
 * kernel-side verdict's slot index), or -ENOENT when it is not probed.
 */
int ffe_probe_slot(const struct ffe *e, uint32_t group, uint32_t path);
uint32_t ffe_n_groups(const struct ffe *e);
int ffe_group_status(const struct ffe *e, uint32_t group,
		     struct ffe_group_status *st);
const struct ffe_hist *ffe_hist(const struct ffe *e);
/* Upper bound of histogram bucket i in ns (~0 for +Inf). */
uint64_t ffe_hist_bound_ns(uint32_t i);
/* Events, oldest first: copies up to max, returns how many. */
uint32_t ffe_log(const struct ffe *e, struct ffe_event *out, uint32_t max);
const struct fprobe_stats *ffe_probe_stats(const struct ffe *e, uint32_t group);
/* Find a path by name: group and path index, or -ENOENT. */
int ffe_find_path(const struct ffe *e, const char *name, uint32_t *group,
		  uint32_t *path);

#endif
