/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-path failover policy: one state machine per path of an ECMP group,
 * UP -> DOWN -> HOLDDOWN -> UP, with flap dampening, stall awareness and
 * last-path protection. Documentation/failover-policy.md explains the
 * rules and the knobs.
 *
 * The same file is compiled into fabric.ko, fabricd and the unit tests, so
 * it uses no libc, no kernel headers, no floating point, no division, no
 * allocation and never sleeps: every call is O(FABRIC_FO_MAX_PATHS) and
 * may run under a spinlock. It never reads a clock; the caller passes
 * monotonic nanoseconds. The caller serialises all calls on one group.
 *
 * Path numbers are 0..n_paths-1 and map 1:1 to bits of a __u32 mask.
 * Every mutating call fills an optional struct fabric_fo_result (NULL is
 * allowed) with the desired member set (the paths the executor must have
 * in the nexthop group), whether it changed, and the state transitions
 * the call made, in order.
 *
 * Errors are negative errno values (FABRIC_FO_E*, same numbers as Linux).
 */
#ifndef FABRIC_FAILOVER_H
#define FABRIC_FAILOVER_H

#include "fabric_types.h"

#define FABRIC_FO_MAX_PATHS	16
/* At most two transitions per path per call (HOLDDOWN->UP, then ->DOWN). */
#define FABRIC_FO_MAX_TRANS	(2 * FABRIC_FO_MAX_PATHS)
/* "No deadline" from fabric_fo_next_deadline(). */
#define FABRIC_FO_NEVER		((__u64)~0ULL)
/* Every configured duration must be at most this (about 78 hours). */
#define FABRIC_FO_TIME_MAX	(1ULL << 48)
/* Dampening penalty added per failure; hold-down doubles per unit. */
#define FABRIC_FO_PENALTY_UNIT	1024U

#define FABRIC_FO_EBUSY		16
#define FABRIC_FO_EINVAL	22

enum fabric_fo_state {
	FABRIC_FO_UP,		/* installed in the group */
	FABRIC_FO_DOWN,		/* failed or drained: withdrawn (unless kept) */
	FABRIC_FO_HOLDDOWN,	/* recovered, waiting out the hold-down */
	FABRIC_FO_STATE_MAX,
};

/* Inputs. One event may carry the same signal for several paths. */
enum fabric_fo_signal {
	FABRIC_FO_SIG_CARRIER_DOWN,	/* hard: link lost carrier */
	FABRIC_FO_SIG_CARRIER_UP,	/* link has carrier again */
	FABRIC_FO_SIG_PROBE_OK,		/* probe answered (or other proof of life) */
	FABRIC_FO_SIG_PROBE_MISS,	/* soft: probe deadline passed, no answer */
	FABRIC_FO_SIG_GAP_BURST,	/* soft: PSN-gap or NAK burst on the path */
	FABRIC_FO_SIG_SILENCE,		/* soft: no traffic where traffic is expected */
	FABRIC_FO_SIG_GRAY,		/* gray: a link of the path is drained
					 * for loss or delay (gray monitor) */
	FABRIC_FO_SIG_GRAY_CLEAR,	/* no link of the path is drained now */
	FABRIC_FO_SIG_MAX,
};

/* Why a transition happened (also kept per path as the last reason). */
enum fabric_fo_reason {
	FABRIC_FO_R_NONE,
	FABRIC_FO_R_INIT,		/* group initialised */
	FABRIC_FO_R_CARRIER_DOWN,	/* -> DOWN */
	FABRIC_FO_R_PROBE_LOSS,		/* -> DOWN: K consecutive misses */
	FABRIC_FO_R_GAP_BURST,		/* -> DOWN: PSN-gap/NAK bursts */
	FABRIC_FO_R_SILENCE,		/* -> DOWN */
	FABRIC_FO_R_ADMIN_DRAIN,	/* -> DOWN: manual drain */
	FABRIC_FO_R_CARRIER_UP,		/* DOWN -> HOLDDOWN */
	FABRIC_FO_R_PROBE_OK,		/* DOWN -> HOLDDOWN: probes answered */
	FABRIC_FO_R_ADMIN_UNDRAIN,	/* DOWN -> HOLDDOWN */
	FABRIC_FO_R_HOLD_EXPIRED,	/* HOLDDOWN -> UP */
	FABRIC_FO_R_GRAY,		/* -> DOWN: a link drained for gray loss/delay */
	FABRIC_FO_R_GRAY_CLEAR,		/* DOWN -> HOLDDOWN: its links restored */
	FABRIC_FO_R_MAX,
};

/* Transition flags. */
#define FABRIC_FO_TF_KEPT	0x1U	/* went DOWN but stays installed: no
					 * better path exists (last-path rule) */
#define FABRIC_FO_TF_FLAP	0x2U	/* failure counted as a flap: hold-down
					 * grew */

/*
 * Knobs. Fill with fabric_fo_config_default(), then override. All
 * durations are nanoseconds, each <= FABRIC_FO_TIME_MAX.
 */
struct fabric_fo_config {
	__u32 probe_miss_k;	/* consecutive misses -> DOWN (3) */
	__u32 recover_probes;	/* consecutive answers to clear a soft
				 * failure (3) */
	__u32 gap_bursts;	/* gap/NAK bursts within gap_window_ns ->
				 * DOWN (2) */
	__u32 pad;
	__u64 gap_window_ns;	/* 10 ms */
	__u64 stall_tolerance_ns; /* soft evidence with a larger detector
				   * lag is ignored (200 us) */
	__u64 local_window_ns;	/* how recent another path's bad evidence
				 * must be to call a signal local (20 ms) */
	__u64 hold_base_ns;	/* first hold-down (500 ms), > 0 */
	__u64 hold_max_ns;	/* hold-down cap (30 s), >= hold_base_ns */
	__u64 half_life_ns;	/* dampening penalty half-life (10 s), > 0 */
};

struct fabric_fo_event {
	__u64 now_ns;		/* monotonic time of the observation */
	__u64 lag_ns;		/* detector's own lateness: how late its
				 * timer fired, or how long the probe
				 * sender/receiver was descheduled while
				 * this probe was in flight */
	__u32 paths;		/* mask of paths the signal is about */
	__u32 signal;		/* enum fabric_fo_signal */
};

struct fabric_fo_transition {
	__u64 time_ns;
	__u8 path;
	__u8 from;		/* enum fabric_fo_state */
	__u8 to;
	__u8 reason;		/* enum fabric_fo_reason */
	__u32 flags;		/* FABRIC_FO_TF_* */
};

struct fabric_fo_result {
	__u32 members;		/* desired member set after the call, != 0 */
	__u32 old_members;	/* member set before the call */
	__u32 changed;		/* members != old_members */
	__u32 kept;		/* members that are not UP (last-path rule) */
	__u32 suppressed;	/* paths whose failure this call judged local */
	__u32 n_trans;
	__u32 lost;		/* transitions beyond FABRIC_FO_MAX_TRANS */
	__u32 pad;
	struct fabric_fo_transition trans[FABRIC_FO_MAX_TRANS];
};

/* Per-path counters, for export. Monotonic. */
struct fabric_fo_path_stats {
	__u64 failovers;	/* UP -> DOWN on a failure (not drains) */
	__u64 restores;		/* HOLDDOWN -> UP */
	__u64 flaps;		/* failures that grew the hold-down */
	__u64 ignored_stalled;	/* soft evidence dropped: detector stalled */
	__u64 ignored_local;	/* failures suppressed: hit every live path */
	__u64 kept;		/* went DOWN but kept installed */
	__u64 drains;		/* -> DOWN by admin drain */
	__u64 last_change_ns;	/* time of the last transition */
	__u32 last_reason;	/* enum fabric_fo_reason of that transition */
	__u32 pad;
};

/*
 * Per-path state. Read-only for callers (state, drained, carrier, stats
 * and hold_until_ns are meant for display); change it only through the
 * functions below.
 */
struct fabric_fo_path {
	__u8 state;		/* enum fabric_fo_state */
	__u8 drained;		/* admin drain in force */
	__u8 carrier;		/* 1 = carrier up (as last reported) */
	__u8 soft_fail;		/* soft evidence crossed its threshold and
				 * has not been cleared by probes yet */
	__u8 last_bad;		/* the latest soft evidence was bad */
	__u8 gray;		/* GRAY in force: stays DOWN until GRAY_CLEAR */
	__u8 pad[2];
	__u32 miss_run;		/* consecutive counted probe misses */
	__u32 ok_run;		/* consecutive probe answers */
	__u32 gap_count;	/* gap bursts in the current window */
	__u32 penalty;		/* dampening penalty at penalty_ns */
	__u64 penalty_ns;
	__u64 gap_start_ns;
	__u64 bad_ns;		/* time of the latest bad soft evidence */
	__u64 hold_until_ns;	/* HOLDDOWN ends (valid in HOLDDOWN) */
	struct fabric_fo_path_stats st;
};

struct fabric_fo_group {
	struct fabric_fo_config cfg;
	__u32 n_paths;
	__u32 members;		/* current desired member set */
	__u32 penalty_max;	/* derived from cfg */
	__u32 pad;
	__u64 last_path_kept;	/* paths that went DOWN but were kept */
	__u64 local_events;	/* calls in which a failure was judged local */
	__u64 drain_refused;	/* drains refused with -EBUSY */
	struct fabric_fo_path path[FABRIC_FO_MAX_PATHS];
};

void fabric_fo_config_default(struct fabric_fo_config *cfg);
/* 0, or -FABRIC_FO_EINVAL if a knob is out of range. */
int fabric_fo_config_check(const struct fabric_fo_config *cfg);

/*
 * Every path starts UP with carrier up, and all n_paths (1..MAX_PATHS) are
 * members. Feed CARRIER_DOWN for links that are down. 0 or -EINVAL.
 */
int fabric_fo_group_init(struct fabric_fo_group *g,
			 const struct fabric_fo_config *cfg, __u32 n_paths,
			 __u64 now);

/*
 * Change the knobs of a live group: 0, or -EINVAL with nothing changed.
 * Path states, counters and running hold-downs are kept; the new values
 * apply from the next signal (penalties above the new cap are clipped).
 */
int fabric_fo_set_config(struct fabric_fo_group *g,
			 const struct fabric_fo_config *cfg);

/*
 * Apply one signal to every path in ev->paths. Expires hold-downs due by
 * ev->now_ns first. 0, or -EINVAL (unknown signal, empty mask or a bit
 * beyond n_paths; nothing is changed then).
 */
int fabric_fo_event(struct fabric_fo_group *g, const struct fabric_fo_event *ev,
		    struct fabric_fo_result *res);

/* Expire hold-downs due by now (HOLDDOWN -> UP). Always 0. */
int fabric_fo_tick(struct fabric_fo_group *g, __u64 now,
		   struct fabric_fo_result *res);

/*
 * Earliest time a tick would change something (a hold-down expiry), or
 * FABRIC_FO_NEVER. Call fabric_fo_tick() at (or after) that time.
 */
__u64 fabric_fo_next_deadline(const struct fabric_fo_group *g);

/*
 * Manual maintenance. Drain withdraws the path even if healthy (-> DOWN,
 * reason ADMIN_DRAIN, no dampening penalty) and keeps it DOWN until
 * undrain. Draining a drained path, or undraining an undrained one, is a
 * no-op returning 0. Drain returns -FABRIC_FO_EBUSY, changing nothing, if
 * the group would be left with nothing to install but failed or drained
 * paths (in particular, the last member or the only path). Undrain moves
 * a healthy path to HOLDDOWN; an unhealthy one stays DOWN until it
 * recovers. -EINVAL for a bad path (res untouched). On 0 and -EBUSY the
 * result is filled (hold-downs due by now expire in either case).
 */
int fabric_fo_drain(struct fabric_fo_group *g, __u32 path, __u64 now,
		    struct fabric_fo_result *res);
int fabric_fo_undrain(struct fabric_fo_group *g, __u32 path, __u64 now,
		      struct fabric_fo_result *res);

/* Current desired member set (same as the last result's members). */
__u32 fabric_fo_members(const struct fabric_fo_group *g);
/* Mask of paths in a given state. */
__u32 fabric_fo_state_mask(const struct fabric_fo_group *g, __u32 state);
/* Dampening penalty of a path decayed to now (0 for a bad path). */
__u32 fabric_fo_penalty(const struct fabric_fo_group *g, __u32 path,
			__u64 now);
/* Hold-down a recovery at now would get (0 for a bad path). */
__u64 fabric_fo_hold_ns(const struct fabric_fo_group *g, __u32 path,
			__u64 now);

/* Names for logs and the CLI; "unknown" when out of range. */
const char *fabric_fo_state_name(__u32 state);
const char *fabric_fo_reason_name(__u32 reason);
const char *fabric_fo_signal_name(__u32 signal);

#endif
