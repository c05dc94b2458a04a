/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * uAPI of the "fabric" generic netlink family (fabric.ko). Shared by the
 * module, fabricd, fabricctl and the tests. Documentation/netlink-api.md
 * describes every command and attribute.
 *
 * Compatibility: FABRIC_GENL_VERSION is the family version (genlmsghdr
 * .version and CTRL_ATTR_VERSION). Numbers below are never reused or
 * renumbered; new commands and attributes are appended.
 */
#ifndef FABRIC_GENL_H
#define FABRIC_GENL_H

#define FABRIC_GENL_NAME	"fabric"
#define FABRIC_GENL_VERSION	1
#define FABRIC_GENL_MCGRP_EVENTS	"events"

/* Limits enforced by the policy. */
#define FABRIC_MAX_MEMBERS	32
#define FABRIC_WEIGHT_MAX	256	/* kernel nexthop group weight range */
#define FABRIC_HOLD_MS_MAX	600000

enum fabric_cmd {
	FABRIC_CMD_UNSPEC,
	FABRIC_CMD_GROUP_ADD,		/* admin: register a group */
	FABRIC_CMD_GROUP_DEL,		/* admin: unregister a group */
	FABRIC_CMD_GROUP_GET,		/* one group (do) or all (dump) */
	FABRIC_CMD_PATH_EVENT,		/* admin: report a path up/down */
	FABRIC_CMD_SET_PARAMS,		/* admin: thresholds (hold-down) */
	FABRIC_CMD_STATS_GET,		/* statistics, parameters, features */
	FABRIC_CMD_EVENT,		/* notification on "events" */
	__FABRIC_CMD_MAX,
};
#define FABRIC_CMD_MAX (__FABRIC_CMD_MAX - 1)

enum fabric_group_type {
	FABRIC_GROUP_MPATH,		/* hash-threshold ECMP group */
	FABRIC_GROUP_RES,		/* resilient group (recommended) */
};

enum fabric_path_state {
	FABRIC_PATH_UP,
	FABRIC_PATH_DOWN,
	FABRIC_PATH_HOLDDOWN,		/* healthy again, waiting out hold-down */
};

enum fabric_path_event {
	FABRIC_EV_UNSPEC,
	FABRIC_EV_DOWN,			/* path failed */
	FABRIC_EV_UP,			/* path healthy again */
};

enum fabric_reason {
	FABRIC_REASON_UNSPEC,
	FABRIC_REASON_CARRIER,		/* netdev notifier */
	FABRIC_REASON_PROBE,		/* active probes lost */
	FABRIC_REASON_PSN,		/* PSN gaps / NAK bursts */
	FABRIC_REASON_SILENCE,		/* expected traffic absent */
	FABRIC_REASON_MANUAL,		/* operator drain/undrain */
	FABRIC_REASON_KFUNC,		/* reported by a BPF program */
	FABRIC_REASON_HOLDDOWN,		/* hold-down expired */
	__FABRIC_REASON_MAX,
};
#define FABRIC_REASON_MAX (__FABRIC_REASON_MAX - 1)

/* Top-level attributes (all commands share this space). */
enum fabric_attr {
	FABRIC_A_UNSPEC,
	FABRIC_A_GROUP_ID,		/* u32: nexthop group id (NHA_ID) */
	FABRIC_A_GROUP_TYPE,		/* u8: enum fabric_group_type */
	FABRIC_A_GROUP_BUCKETS,		/* u16: resilient buckets (create) */
	FABRIC_A_GROUP_IDLE_TIMER,	/* u32: resilient idle timer, s */
	FABRIC_A_MEMBERS,		/* nest of FABRIC_A_MEMBER */
	FABRIC_A_NH_ID,			/* u32: member nexthop id */
	FABRIC_A_EVENT,			/* u8: enum fabric_path_event */
	FABRIC_A_REASON,		/* u8: enum fabric_reason */
	FABRIC_A_HOLD_MS,		/* u32: initial hold-down, ms */
	FABRIC_A_HOLD_MAX_MS,		/* u32: hold-down cap, ms */
	FABRIC_A_DECAY_MS,		/* u32: quiet time that halves penalty */
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
	FABRIC_MEMBER_A_FLAPS,		/* u32: down transitions (reply) */
	FABRIC_MEMBER_A_HOLD_MS,	/* u32: current hold-down (reply) */
	FABRIC_MEMBER_A_ACTIVE,		/* u8: in the kernel group (reply) */
	__FABRIC_MEMBER_A_MAX,
};
#define FABRIC_MEMBER_A_MAX (__FABRIC_MEMBER_A_MAX - 1)

/* FABRIC_A_STATS: u64 counters. */
enum fabric_stat_attr {
	FABRIC_STAT_UNSPEC,
	FABRIC_STAT_EVENTS,		/* path signals received */
	FABRIC_STAT_EVENTS_KFUNC,	/* ...of which from BPF */
	FABRIC_STAT_EVENTS_CARRIER,	/* ...of which from the notifier */
	FABRIC_STAT_TRANSITIONS,	/* path state changes */
	FABRIC_STAT_REPLACES,		/* group replaces acked by the kernel */
	FABRIC_STAT_REPLACE_ERRORS,	/* replaces the kernel refused */
	FABRIC_STAT_NH_CREATED,		/* member nexthops re-created */
	FABRIC_STAT_LAST_PATH_KEPT,	/* withdrawals refused: last path */
	FABRIC_STAT_DAMPENED,		/* recoveries delayed by hold-down */
	FABRIC_STAT_UNKNOWN_PATH,	/* signals for unregistered paths */
	FABRIC_STAT_GROUPS,		/* groups registered now */
	FABRIC_STAT_REPLACE_NS_LAST,	/* duration of the last replace */
	FABRIC_STAT_REPLACE_NS_MAX,	/* longest replace */
	FABRIC_STAT_PAD,
	__FABRIC_STAT_MAX,
};
#define FABRIC_STAT_MAX (__FABRIC_STAT_MAX - 1)

/* FABRIC_A_PARAMS: u32 values (module parameters and set thresholds). */
enum fabric_param_attr {
	FABRIC_PARAM_UNSPEC,
	FABRIC_PARAM_HOLD_MS,
	FABRIC_PARAM_HOLD_MAX_MS,
	FABRIC_PARAM_DECAY_MS,
	FABRIC_PARAM_MAX_GROUPS,
	__FABRIC_PARAM_MAX,
};
#define FABRIC_PARAM_MAX (__FABRIC_PARAM_MAX - 1)

/* kfunc exported to BPF (XDP, tc, tracing, syscall programs):
 *   int bpf_fabric_report_path(u32 group_id, u32 nh_id, u32 event);
 * event is enum fabric_path_event. Acts on groups registered in the
 * initial network namespace. Returns 0, -ENOENT (unknown path) or -EINVAL.
 */

#endif
