/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * uAPI of the "fabric" generic netlink family (fabric.ko). Shared by the
 * module, fabricd, fabricctl and the tests. Documentation/netlink-api.md
 * describes every command and attribute.
 *
 * Compatibility: FABRIC_GENL_VERSION is the family version (genlmsghdr
 * .version and CTRL_ATTR_VERSION). Numbers below are never reused or
 * renumbered; new commands and attributes are appended. Version 2 moved
 * the module onto the shared policy (common/failover.h): path signals,
 * reasons and thresholds follow it, and the version-1 attributes that no
 * longer fit are refused with a message.
 */
#ifndef FABRIC_GENL_H
#define FABRIC_GENL_H

#define FABRIC_GENL_NAME	"fabric"
#define FABRIC_GENL_VERSION	2
#define FABRIC_GENL_MCGRP_EVENTS	"events"

/* Limits enforced by the policy. */
#define FABRIC_MAX_MEMBERS	16	/* == FABRIC_FO_MAX_PATHS */
#define FABRIC_MAX_ROUTES	64	/* routes registered per group */
#define FABRIC_WEIGHT_MAX	256	/* kernel nexthop group weight range */

enum fabric_cmd {
	FABRIC_CMD_UNSPEC,
	FABRIC_CMD_GROUP_ADD,		/* admin: register a group */
	FABRIC_CMD_GROUP_DEL,		/* admin: unregister a group */
	FABRIC_CMD_GROUP_GET,		/* one group (do) or all (dump) */
	FABRIC_CMD_PATH_EVENT,		/* admin: report a path signal */
	FABRIC_CMD_SET_PARAMS,		/* admin: thresholds (FABRIC_A_CONFIG) */
	FABRIC_CMD_STATS_GET,		/* statistics, thresholds, features */
	FABRIC_CMD_EVENT,		/* notification on "events" */
	FABRIC_CMD_PATH_DRAIN,		/* admin: withdraw a healthy path */
	FABRIC_CMD_PATH_UNDRAIN,	/* admin: end a drain */
	FABRIC_CMD_PROBER_ADD,		/* admin: start a module probe sender
					 * (FABRIC_A_PROBER) */
	FABRIC_CMD_PROBER_DEL,		/* admin: stop one (FABRIC_PROBER_A_SLOT) */
	FABRIC_CMD_PROBER_GET,		/* admin: one prober (do) or all (dump) */
	FABRIC_CMD_RR_MAP_SET,		/* admin: hand over the reroute map
					 * (FABRIC_A_RR_FD; absent: drop it) */
	FABRIC_CMD_PROBER_VERDICT,	/* notification on "events": a module
					 * judge's verdict (FABRIC_A_PROBER) */
	__FABRIC_CMD_MAX,
};
#define FABRIC_CMD_MAX (__FABRIC_CMD_MAX - 1)

enum fabric_group_type {
	FABRIC_GROUP_MPATH,		/* hash-threshold ECMP group */
	FABRIC_GROUP_RES,		/* resilient group (recommended) */
};

/* Same values as enum fabric_fo_state. */
enum fabric_path_state {
	FABRIC_PATH_UP,
	FABRIC_PATH_DOWN,
	FABRIC_PATH_HOLDDOWN,		/* healthy again, waiting out hold-down */
};

/*
 * Path signals (FABRIC_A_SIGNAL, and the kfunc's signal argument). Same
 * values as enum fabric_fo_signal.
 */
enum fabric_signal {
	FABRIC_SIG_CARRIER_DOWN,	/* hard: link lost carrier */
	FABRIC_SIG_CARRIER_UP,		/* link has carrier again */
	FABRIC_SIG_PROBE_OK,		/* probe answered / proof of life */
	FABRIC_SIG_PROBE_MISS,		/* soft: probe deadline passed */
	FABRIC_SIG_GAP_BURST,		/* soft: PSN-gap or NAK burst */
	FABRIC_SIG_SILENCE,		/* soft: expected traffic absent */
	FABRIC_SIG_GRAY,		/* a link of the path drained (gray) */
	FABRIC_SIG_GRAY_CLEAR,		/* its links are restored */
	__FABRIC_SIG_MAX,
};
#define FABRIC_SIG_MAX (__FABRIC_SIG_MAX - 1)

/* Why a path changed state (events). Same values as enum fabric_fo_reason. */
enum fabric_reason {
	FABRIC_REASON_NONE,
	FABRIC_REASON_INIT,
	FABRIC_REASON_CARRIER_DOWN,
	FABRIC_REASON_PROBE_LOSS,
	FABRIC_REASON_GAP_BURST,
	FABRIC_REASON_SILENCE,
	FABRIC_REASON_ADMIN_DRAIN,
	FABRIC_REASON_CARRIER_UP,
	FABRIC_REASON_PROBE_OK,
	FABRIC_REASON_ADMIN_UNDRAIN,
	FABRIC_REASON_HOLD_EXPIRED,
	FABRIC_REASON_GRAY,
	FABRIC_REASON_GRAY_CLEAR,
	__FABRIC_REASON_MAX,
};
#define FABRIC_REASON_MAX (__FABRIC_REASON_MAX - 1)

/* Where the signal behind an event came from (FABRIC_A_SOURCE). */
enum fabric_source {
	FABRIC_SRC_GENL,		/* PATH_EVENT / DRAIN / UNDRAIN */
	FABRIC_SRC_CARRIER,		/* netdev notifier */
	FABRIC_SRC_KFUNC,		/* BPF program */
	FABRIC_SRC_TIMER,		/* hold-down expiry */
	FABRIC_SRC_CONFIG,		/* registration (initial carrier) */
};

/* Transition flags (FABRIC_A_FLAGS). Same values as FABRIC_FO_TF_*. */
#define FABRIC_TF_KEPT		0x1	/* DOWN but kept installed (last path) */
#define FABRIC_TF_FLAP		0x2	/* failure grew the hold-down */

/* Top-level attributes (all commands share this space). */
enum fabric_attr {
	FABRIC_A_UNSPEC,
	FABRIC_A_GROUP_ID,		/* u32: nexthop group id (NHA_ID) */
	FABRIC_A_GROUP_TYPE,		/* u8: enum fabric_group_type */
	FABRIC_A_GROUP_BUCKETS,		/* u16: resilient buckets (create) */
	FABRIC_A_GROUP_IDLE_TIMER,	/* u32: resilient idle timer, s */
	FABRIC_A_MEMBERS,		/* nest of FABRIC_A_MEMBER */
	FABRIC_A_NH_ID,			/* u32: member nexthop id */
	FABRIC_A_EVENT,			/* v1 only: refused, use SIGNAL */
	FABRIC_A_REASON,		/* u8: enum fabric_reason (event) */
	FABRIC_A_HOLD_MS,		/* v1 only: refused, use CONFIG */
	FABRIC_A_HOLD_MAX_MS,		/* v1 only: refused, use CONFIG */
	FABRIC_A_DECAY_MS,		/* v1 only: refused, use CONFIG */
	FABRIC_A_STATS,			/* nest of FABRIC_STAT_* (reply) */
	FABRIC_A_PARAMS,		/* nest of FABRIC_PARAM_* (reply) */
	FABRIC_A_VERSION,		/* u32: FABRIC_GENL_VERSION (reply) */
	FABRIC_A_KFUNC,			/* u8: 1 kfuncs registered (reply) */
	FABRIC_A_OLD_STATE,		/* u8: enum fabric_path_state (event) */
	FABRIC_A_NEW_STATE,		/* u8: enum fabric_path_state (event) */
	FABRIC_A_TIMESTAMP_NS,		/* u64: CLOCK_MONOTONIC of the signal */
	FABRIC_A_LATENCY_NS,		/* u64: signal -> replace acked (event) */
	FABRIC_A_ERROR,			/* s32: replace result, 0 or -errno */
	FABRIC_A_ERROR_MSG,		/* string: kernel ext ack of a failure */
	FABRIC_A_ACTIVE,		/* nest of u32 nh ids now in the group */
	FABRIC_A_PAD,
	FABRIC_A_SIGNAL,		/* u8: enum fabric_signal */
	FABRIC_A_LAG_NS,		/* u64: detector's own lateness */
	FABRIC_A_CONFIG,		/* nest of FABRIC_CFG_* (thresholds) */
	FABRIC_A_SOURCE,		/* u8: enum fabric_source (event) */
	FABRIC_A_FLAGS,			/* u32: FABRIC_TF_* (event) */
	FABRIC_A_GROUP_STATS,		/* nest of FABRIC_GSTAT_* (reply) */
	FABRIC_A_DONE_NS,		/* u64: CLOCK_MONOTONIC replace acked */
	FABRIC_A_ROUTES,		/* nest of FABRIC_A_ROUTE: routes through
					 * the group, re-installed when the
					 * kernel deleted them with it */
	FABRIC_A_PROBER,		/* nest of FABRIC_PROBER_A_* */
	FABRIC_A_RR_FD,			/* s32: fd of the fabric_reroute map */
	__FABRIC_A_MAX,
};
#define FABRIC_A_MAX (__FABRIC_A_MAX - 1)

/* FABRIC_A_MEMBERS holds FABRIC_A_MEMBER nests with these attributes. */
#define FABRIC_A_MEMBER 1
enum fabric_member_attr {
	FABRIC_MEMBER_A_UNSPEC,
	FABRIC_MEMBER_A_NH_ID,		/* u32, required */
	FABRIC_MEMBER_A_IFINDEX,	/* u32, required */
	FABRIC_MEMBER_A_GW4,		/* be32: IPv4 gateway */
	FABRIC_MEMBER_A_GW6,		/* 16 bytes: IPv6 gateway */
	FABRIC_MEMBER_A_WEIGHT,		/* u16: 1..256, default 1 */
	FABRIC_MEMBER_A_STATE,		/* u8: enum fabric_path_state (reply) */
	FABRIC_MEMBER_A_FLAPS,		/* u64: failures that grew the hold-down */
	FABRIC_MEMBER_A_HOLD_MS,	/* u32: hold-down a recovery now gets */
	FABRIC_MEMBER_A_ACTIVE,		/* u8: in the kernel group (reply) */
	FABRIC_MEMBER_A_DRAINED,	/* u8: admin drain in force (reply) */
	FABRIC_MEMBER_A_CARRIER,	/* u8: carrier as last reported */
	FABRIC_MEMBER_A_FAILOVERS,	/* u64: UP -> DOWN on a failure */
	FABRIC_MEMBER_A_RESTORES,	/* u64: HOLDDOWN -> UP */
	FABRIC_MEMBER_A_IGNORED_STALLED, /* u64: soft evidence, detector late */
	FABRIC_MEMBER_A_IGNORED_LOCAL,	/* u64: failures judged local */
	FABRIC_MEMBER_A_KEPT,		/* u64: DOWN but kept (last path) */
	FABRIC_MEMBER_A_DRAINS,		/* u64: admin drains */
	FABRIC_MEMBER_A_LAST_REASON,	/* u8: enum fabric_reason */
	FABRIC_MEMBER_A_LAST_CHANGE_NS,	/* u64: CLOCK_MONOTONIC */
	FABRIC_MEMBER_A_HOLD_UNTIL_NS,	/* u64: end of hold-down (HOLDDOWN) */
	FABRIC_MEMBER_A_PENALTY,	/* u32: dampening penalty now (1024/unit) */
	FABRIC_MEMBER_A_PAD,
	__FABRIC_MEMBER_A_MAX,
};
#define FABRIC_MEMBER_A_MAX (__FABRIC_MEMBER_A_MAX - 1)

/* FABRIC_A_ROUTES holds FABRIC_A_ROUTE nests with these attributes. */
#define FABRIC_A_ROUTE 1
enum fabric_route_attr {
	FABRIC_ROUTE_A_UNSPEC,
	FABRIC_ROUTE_A_DST4,		/* be32: IPv4 prefix (one of DST4/DST6) */
	FABRIC_ROUTE_A_DST6,		/* 16 bytes: IPv6 prefix */
	FABRIC_ROUTE_A_PREFIXLEN,	/* u8, required: <= 32 / 128 */
	FABRIC_ROUTE_A_TABLE,		/* u32 >= 1, default 254 (main) */
	__FABRIC_ROUTE_A_MAX,
};
#define FABRIC_ROUTE_A_MAX (__FABRIC_ROUTE_A_MAX - 1)

/* FABRIC_A_CONFIG: the knobs of struct fabric_fo_config. A request may
 * give any subset; the others keep their current value. */
enum fabric_cfg_attr {
	FABRIC_CFG_UNSPEC,
	FABRIC_CFG_PROBE_MISS_K,	/* u32 >= 1 */
	FABRIC_CFG_RECOVER_PROBES,	/* u32 >= 1 */
	FABRIC_CFG_GAP_BURSTS,		/* u32 >= 1 */
	FABRIC_CFG_GAP_WINDOW_NS,	/* u64 */
	FABRIC_CFG_STALL_TOLERANCE_NS,	/* u64 */
	FABRIC_CFG_LOCAL_WINDOW_NS,	/* u64 */
	FABRIC_CFG_HOLD_BASE_NS,	/* u64 > 0 */
	FABRIC_CFG_HOLD_MAX_NS,		/* u64 >= hold_base */
	FABRIC_CFG_HALF_LIFE_NS,	/* u64 > 0 */
	FABRIC_CFG_PAD,
	__FABRIC_CFG_MAX,
};
#define FABRIC_CFG_MAX (__FABRIC_CFG_MAX - 1)

/* FABRIC_A_GROUP_STATS: u64 per-group counters (reply). */
enum fabric_gstat_attr {
	FABRIC_GSTAT_UNSPEC,
	FABRIC_GSTAT_LAST_PATH_KEPT,	/* paths that went DOWN but were kept */
	FABRIC_GSTAT_LOCAL_EVENTS,	/* signals judged local */
	FABRIC_GSTAT_DRAIN_REFUSED,	/* drains refused with EBUSY */
	FABRIC_GSTAT_REPLACES,		/* replaces of this group acked */
	FABRIC_GSTAT_REPLACE_ERRORS,	/* replaces of this group refused */
	FABRIC_GSTAT_MEMBERS,		/* desired member mask (bit = index) */
	FABRIC_GSTAT_INSTALLED,		/* mask as last programmed */
	FABRIC_GSTAT_PAD,
	FABRIC_GSTAT_ROUTE_RESTORES,	/* times its routes were re-installed */
	__FABRIC_GSTAT_MAX,
};
#define FABRIC_GSTAT_MAX (__FABRIC_GSTAT_MAX - 1)

/* FABRIC_A_STATS: u64 module-wide counters. */
enum fabric_stat_attr {
	FABRIC_STAT_UNSPEC,
	FABRIC_STAT_EVENTS,		/* path signals received */
	FABRIC_STAT_EVENTS_KFUNC,	/* ...of which from BPF */
	FABRIC_STAT_EVENTS_CARRIER,	/* ...of which from the notifier */
	FABRIC_STAT_TRANSITIONS,	/* path state changes */
	FABRIC_STAT_REPLACES,		/* group replaces acked by the kernel */
	FABRIC_STAT_REPLACE_ERRORS,	/* replaces the kernel refused */
	FABRIC_STAT_NH_CREATED,		/* member nexthops re-created */
	FABRIC_STAT_LAST_PATH_KEPT,	/* paths that went DOWN but were kept */
	FABRIC_STAT_FLAPS,		/* failures that grew a hold-down */
	FABRIC_STAT_UNKNOWN_PATH,	/* signals for unregistered paths */
	FABRIC_STAT_GROUPS,		/* groups registered now */
	FABRIC_STAT_REPLACE_NS_LAST,	/* duration of the last replace */
	FABRIC_STAT_REPLACE_NS_MAX,	/* longest replace */
	FABRIC_STAT_PAD,
	FABRIC_STAT_EVENTS_GENL,	/* ...signals from PATH_EVENT */
	FABRIC_STAT_NOTES_LOST,		/* event notifications dropped */
	FABRIC_STAT_UNINSTALLABLE,	/* executor runs with no member
					 * that could be installed */
	FABRIC_STAT_ROUTES_INSTALLED,	/* routes (re-)installed */
	FABRIC_STAT_ROUTE_ERRORS,	/* route installs the kernel refused */
	FABRIC_STAT_EVENTS_DEAD,	/* signals for a group being torn
					 * down (GROUP_DEL, rmmod): ignored */
	FABRIC_STAT_GROUPS_RECREATED,	/* groups found deleted by the
					 * kernel at a replace, created anew */
	FABRIC_STAT_ROUTES_UNKNOWN,	/* ...of which without registered
					 * routes: their routes are lost */
	__FABRIC_STAT_MAX,
};
#define FABRIC_STAT_MAX (__FABRIC_STAT_MAX - 1)

/* FABRIC_A_PARAMS: module-wide values (reply). The netns default
 * thresholds come in FABRIC_A_CONFIG next to it. */
enum fabric_param_attr {
	FABRIC_PARAM_UNSPEC,
	FABRIC_PARAM_HOLD_MS,		/* v1 only, no longer sent */
	FABRIC_PARAM_HOLD_MAX_MS,	/* v1 only, no longer sent */
	FABRIC_PARAM_DECAY_MS,		/* v1 only, no longer sent */
	FABRIC_PARAM_MAX_GROUPS,	/* u32 */
	FABRIC_PARAM_MAX_MEMBERS,	/* u32 */
	__FABRIC_PARAM_MAX,
};
#define FABRIC_PARAM_MAX (__FABRIC_PARAM_MAX - 1)

/*
 * FABRIC_A_PROBER: a probe path of the module's hrtimer sender
 * (Documentation/netlink-api.md, "Module prober"). The module sends the
 * frames of fabricd's prober (common/fabric_probe.h) from IFINDEX, SRC to
 * DST, resolving DST's link-layer address in the neighbour table. One
 * prober per slot and network namespace.
 */
enum fabric_prober_attr {
	FABRIC_PROBER_A_UNSPEC,
	FABRIC_PROBER_A_SLOT,		/* u32 < 64: the payload's path field
					 * (the probe verdict's slot), required */
	FABRIC_PROBER_A_IFINDEX,	/* u32, required */
	FABRIC_PROBER_A_SRC4,		/* be32: one of SRC4+DST4 ... */
	FABRIC_PROBER_A_DST4,		/* be32 */
	FABRIC_PROBER_A_SRC6,		/* 16 bytes: ... or SRC6+DST6 */
	FABRIC_PROBER_A_DST6,		/* 16 bytes */
	FABRIC_PROBER_A_SPORT,		/* u16 >= 1, != DPORT: UDP source,
					 * default 49152 + slot */
	FABRIC_PROBER_A_DPORT,		/* u16 >= 1: reflector's port, 3785 */
	FABRIC_PROBER_A_INTERVAL_NS,	/* u64: 20 us .. 10 s, default 1 ms */
	FABRIC_PROBER_A_GROUP,		/* u32 < 8: reroute group (reporting) */
	FABRIC_PROBER_A_MEMBER,		/* u32 < 16: reroute member (reporting) */
	FABRIC_PROBER_A_SENT,		/* u64: frames handed to the device */
	FABRIC_PROBER_A_TX_ERRORS,	/* u64: refused by the device/qdisc,
					 * or no memory */
	FABRIC_PROBER_A_LATE,		/* u64: ticks that ran >= 1 interval late */
	FABRIC_PROBER_A_SKIPPED,	/* u64: ticks that sent nothing (lost to
					 * lateness, device down, no neighbour) */
	FABRIC_PROBER_A_NO_NEIGH,	/* u64: of those, no valid neighbour */
	FABRIC_PROBER_A_SEQ,		/* u64: next sequence number */
	FABRIC_PROBER_A_PAD,
	/* The judge (Documentation/reroute.md, "Module judge") */
	FABRIC_PROBER_A_JUDGE,		/* u32 0..1: 1 = fabric.ko's hrtimer judges
					 * this slot (needs PATHS_FD, HOST_FD);
					 * 0/absent: the bpf_timer does */
	FABRIC_PROBER_A_PATHS_FD,	/* s32: fd of fabric_probe_paths */
	FABRIC_PROBER_A_HOST_FD,	/* s32: fd of fabric_probe_host */
	FABRIC_PROBER_A_TIMEOUT_NS,	/* u64: answer deadline, 300 us */
	FABRIC_PROBER_A_STALL_TOL_NS,	/* u64: stall tolerance, 200 us */
	FABRIC_PROBER_A_JUDGE_NS,	/* u64 >= 20 us: judge period, 100 us */
	FABRIC_PROBER_A_MISS_K,		/* u32 1..1024: misses in a row, 3 */
	FABRIC_PROBER_A_RECOVER,	/* u32 1..1024: answers that clear, 3 */
	FABRIC_PROBER_A_JUDGE_RUNS,	/* u64: judge timer runs */
	FABRIC_PROBER_A_JUDGE_LATE,	/* u64: of those, > stall_tol late */
	FABRIC_PROBER_A_JUDGE_LAG_MAX_NS, /* u64: worst lag of a run */
	FABRIC_PROBER_A_JUDGE_VERDICTS,	/* u64: DOWN verdicts it declared */
	FABRIC_PROBER_A_JUDGE_LAG_SUM_NS, /* u64: sum of the runs' lags */
	/* appended: PROBER_VERDICT notifications (reply/notification only) */
	FABRIC_PROBER_A_VERDICT,	/* u32: enum fabric_judge_verdict */
	FABRIC_PROBER_A_VERDICT_NS,	/* u64: CLOCK_MONOTONIC of the verdict
					 * (DOWN) or of the answer that ended it */
	FABRIC_PROBER_A_MISS_RUN,	/* u32: confirmed misses in a row then */
	FABRIC_PROBER_A_JUDGE_NOTES,	/* u64: verdict notifications sent */
	FABRIC_PROBER_A_JUDGE_NOTES_LOST, /* u64: ... that could not be sent */
	__FABRIC_PROBER_A_MAX,
};
#define FABRIC_PROBER_A_MAX (__FABRIC_PROBER_A_MAX - 1)

/* FABRIC_PROBER_A_VERDICT of a PROBER_VERDICT notification. */
enum fabric_judge_verdict {
	FABRIC_JV_NONE,
	FABRIC_JV_DOWN,			/* the module judge declared DOWN */
	FABRIC_JV_CLEAR,		/* recover answers in a row ended it */
	FABRIC_JV_UNDO,			/* an answer to a miss of its run
					 * withdrew it (a false verdict) */
};
#define FABRIC_PROBER_SLOTS		64	/* == FABRIC_PROBE_SLOTS */
#define FABRIC_PROBER_MIN_INTERVAL_NS	20000ULL
#define FABRIC_PROBER_MAX_INTERVAL_NS	10000000000ULL

/* kfunc exported to BPF programs (Documentation/netlink-api.md, kfunc):
 *   int bpf_fabric_report_path(u32 group_id, u32 nh_id, u32 signal,
 *                              u64 lag_ns);
 * signal is enum fabric_signal; lag_ns the detector's own lateness (0 if
 * unknown). Acts on groups registered in the initial network namespace.
 * Returns 0, -ENOENT (unknown group or member) or -EINVAL (bad signal).
 */

#endif
