/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Data-path reroute, userspace side (common/fabric_reroute.h is the map,
 * bpf/reroute.h the data path, Documentation/reroute.md "Reaction in the
 * data path" the design). One context per network namespace:
 *
 * - mirrors each resilient group (members, routes, a precomputed backup
 *   per member) into the map, which it opens from the data path's pin
 *   directory or creates and pins there;
 * - attaches the tc egress filter (fabric_rr_tc, after fabric_tc_tx) and,
 *   where no telemetry XDP program runs, the XDP step (fabric_rr_xdp);
 * - declares members down for the userspace policy, and notices verdicts
 *   that kernel-side detectors wrote (frr_poll);
 * - withdraws an override once the executor reported the replace and the
 *   kernel's group, read back over rtnetlink, no longer has the member;
 * - reports the sequence detected -> rerouted -> replaced -> cleared, one
 *   event per stage with its time, and keeps counters and a histogram of
 *   each stage's latency from the verdict.
 *
 * Group and member indexes are the failover engine's (and fabricd's
 * configuration order): group g, path p is map slot g * 16 + p.
 */
#ifndef FABRIC_REROUTE_LIB_H
#define FABRIC_REROUTE_LIB_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric_reroute.h"
#include "nexthop.h"

#define FRR_TC_HANDLE		0xfab2
#define FRR_TC_PRIORITY		0xfac	/* right after fabric_tc_tx (0xfab) */
#define FRR_PIN_TC		"prog_rr_tc"
#define FRR_HIST_BUCKETS	20	/* 1 us .. 2^19 us, then +Inf */
#define FRR_MAX_ATTACH		32

enum frr_stage {
	FRR_DETECTED,	/* a member was declared down (the verdict) */
	FRR_REROUTED,	/* the first packet left on a survivor */
	FRR_REPLACED,	/* the executor's nexthop-group replace was acked */
	FRR_CLEARED,	/* the kernel's group agrees: override withdrawn */
	FRR_STAGES,
};

struct frr_event {
	uint64_t time_ns;	/* when the stage happened (CLOCK_MONOTONIC) */
	uint64_t verdict_ns;	/* the verdict this sequence belongs to */
	uint32_t group, path;
	uint32_t gen;		/* the verdict's generation */
	uint8_t stage;		/* enum frr_stage */
	uint8_t source;		/* enum fabric_rr_source of the verdict */
	uint16_t pad;
	uint64_t redirected;	/* packets moved so far in this sequence */
};

typedef void (*frr_event_cb)(void *arg, const struct frr_event *ev);

/* Log2 histogram: bucket i counts <= 2^i us, the last +Inf. */
struct frr_hist {
	uint64_t count[FRR_HIST_BUCKETS + 1];
	uint64_t sum_ns;
	uint64_t n;
};

struct frr_stats {
	uint64_t stage[FRR_STAGES];		/* events per stage */
	struct frr_hist lat[FRR_STAGES];	/* stage time - verdict time;
						 * [FRR_DETECTED] stays empty */
	uint64_t sync_errors;			/* group read-backs that failed */
	uint64_t not_mirrored;			/* members the map cannot hold */
};

/* One member's view, for status and the bench. */
struct frr_member_state {
	bool down;
	uint8_t source;
	uint32_t gen;
	uint64_t verdict_ns;	/* latest verdict, 0 never */
	uint64_t first_tx_ns;	/* first redirected packet of that verdict, 0 none */
	uint64_t cleared_ns;
	uint64_t redirected;
	uint64_t redirect_errors;
};

struct frr;

/*
 * Open in the current network namespace. pin_dir: the data path's pin
 * directory (the map is reused or created and pinned there); NULL for a
 * private map. cb may be NULL.
 */
struct frr *frr_open(const char *pin_dir, frr_event_cb cb, void *arg);
void frr_close(struct frr *r);	/* detaches what it attached */

/* Mirror group gi (members, routes, backups); marks it valid. */
int frr_mirror(struct frr *r, uint32_t gi, const struct fnh_group *nh);
/* tc egress filter on ifindex (clsact created if needed). */
int frr_attach_tc(struct frr *r, int ifindex);
/*
 * XDP step alone on ifindex (a port without fabric_xdp_rx), with
 * frr_attach_hash() on the same port.
 */
int frr_attach_xdp(struct frr *r, int ifindex);
/*
 * tc ingress filter that drops the frame's L4 hash, so that the kernel's
 * multipath choice is the 5-tuple hash the XDP step reproduces with
 * bpf_fib_lookup. Needed on every port where an XDP step reroutes
 * (fabricd's fabric_xdp_rx ports included).
 */
int frr_attach_hash(struct frr *r, int ifindex);
/*
 * Let the XDP step act on frames arriving on ifindex (or stop it). Done
 * by frr_attach_xdp(); for a port that runs fabric_xdp_rx, call it after
 * frr_attach_hash() on that port. Without it the XDP step passes.
 */
void frr_xdp_port(struct frr *r, int ifindex, bool on);

/*
 * The policy took path pi of group gi down at verdict_ns: declare it in
 * the map (a verdict a kernel detector wrote first is kept and adopted).
 */
void frr_declare(struct frr *r, uint32_t gi, uint32_t pi, uint64_t verdict_ns);
/*
 * The executor's replace of group gi was acked at done_ns: the replaced
 * stage of every down member, then frr_sync().
 */
void frr_replaced(struct frr *r, uint32_t gi, uint64_t done_ns);
/*
 * Read group gi back from the kernel; withdraw the override of every
 * replaced down member that the group no longer holds. 0 or -errno.
 */
int frr_sync(struct frr *r, uint32_t gi);
/* Path pi is back in the policy's member set: no override may remain. */
void frr_restored(struct frr *r, uint32_t gi, uint32_t pi);
/* Verdicts written by kernel detectors and first packets: report them. */
void frr_poll(struct frr *r);

int frr_member(const struct frr *r, uint32_t gi, uint32_t pi,
	       struct frr_member_state *st);
const struct frr_stats *frr_stats(const struct frr *r);
/* Per-CPU data-path counters, summed. */
int frr_dp_stats(const struct frr *r, struct fabric_rr_stats *st);
uint64_t frr_hist_bound_ns(uint32_t i);
const char *frr_stage_name(uint32_t stage);
const char *frr_source_name(uint32_t source);

#endif
