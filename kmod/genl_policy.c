// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute policies of the "fabric" family (Documentation/netlink-api.md),
 * and the thresholds nest (FABRIC_A_CONFIG) both ways.
 */
#include <linux/kernel.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "genl.h"

static const char ro_msg[] = "attribute is read-only (reply/event only)";
#define RO { .type = NLA_REJECT, .reject_message = ro_msg }

static const char v1_signal_msg[] = "version 1 attribute: report FABRIC_A_SIGNAL";
static const char v1_config_msg[] = "version 1 attribute: set thresholds in FABRIC_A_CONFIG";

const struct nla_policy fabric_member_policy[FABRIC_MEMBER_A_MAX + 1] = {
	[FABRIC_MEMBER_A_NH_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_MEMBER_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_MEMBER_A_GW4]		= { .type = NLA_BE32 },
	[FABRIC_MEMBER_A_GW6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[FABRIC_MEMBER_A_WEIGHT]	= NLA_POLICY_RANGE(NLA_U16, 1, FABRIC_WEIGHT_MAX),
	[FABRIC_MEMBER_A_STATE]		= RO,
	[FABRIC_MEMBER_A_FLAPS]		= RO,
	[FABRIC_MEMBER_A_HOLD_MS]	= RO,
	[FABRIC_MEMBER_A_ACTIVE]	= RO,
	[FABRIC_MEMBER_A_DRAINED]	= RO,
	[FABRIC_MEMBER_A_CARRIER]	= RO,
	[FABRIC_MEMBER_A_FAILOVERS]	= RO,
	[FABRIC_MEMBER_A_RESTORES]	= RO,
	[FABRIC_MEMBER_A_IGNORED_STALLED] = RO,
	[FABRIC_MEMBER_A_IGNORED_LOCAL]	= RO,
	[FABRIC_MEMBER_A_KEPT]		= RO,
	[FABRIC_MEMBER_A_DRAINS]	= RO,
	[FABRIC_MEMBER_A_LAST_REASON]	= RO,
	[FABRIC_MEMBER_A_LAST_CHANGE_NS] = RO,
	[FABRIC_MEMBER_A_HOLD_UNTIL_NS]	= RO,
	[FABRIC_MEMBER_A_PENALTY]	= RO,
	[FABRIC_MEMBER_A_PAD]		= RO,
};

/* One route through a group; the prefix is checked in genl_group.c. */
const struct nla_policy fabric_route_policy[FABRIC_ROUTE_A_MAX + 1] = {
	[FABRIC_ROUTE_A_DST4]		= { .type = NLA_BE32 },
	[FABRIC_ROUTE_A_DST6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[FABRIC_ROUTE_A_PREFIXLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[FABRIC_ROUTE_A_TABLE]		= NLA_POLICY_MIN(NLA_U32, 1),
};

/* Types and simple bounds here; fabric_fo_config_check() judges the rest. */
const struct nla_policy fabric_cfg_policy[FABRIC_CFG_MAX + 1] = {
	[FABRIC_CFG_PROBE_MISS_K]	= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_CFG_RECOVER_PROBES]	= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_CFG_GAP_BURSTS]		= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_CFG_GAP_WINDOW_NS]	= { .type = NLA_U64 },
	[FABRIC_CFG_STALL_TOLERANCE_NS]	= { .type = NLA_U64 },
	[FABRIC_CFG_LOCAL_WINDOW_NS]	= { .type = NLA_U64 },
	[FABRIC_CFG_HOLD_BASE_NS]	= { .type = NLA_U64 },
	[FABRIC_CFG_HOLD_MAX_NS]	= { .type = NLA_U64 },
	[FABRIC_CFG_HALF_LIFE_NS]	= { .type = NLA_U64 },
	[FABRIC_CFG_PAD]		= RO,
};

const struct nla_policy fabric_policy[FABRIC_A_MAX + 1] = {
	[FABRIC_A_GROUP_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_A_GROUP_TYPE]		= NLA_POLICY_MAX(NLA_U8, FABRIC_GROUP_RES),
	[FABRIC_A_GROUP_BUCKETS]	= NLA_POLICY_MIN(NLA_U16, 1),
	[FABRIC_A_GROUP_IDLE_TIMER]	= NLA_POLICY_MAX(NLA_U32, 3600),
	[FABRIC_A_MEMBERS]		= NLA_POLICY_NESTED_ARRAY(fabric_member_policy),
	[FABRIC_A_NH_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_A_EVENT]		= { .type = NLA_REJECT, .reject_message = v1_signal_msg },
	[FABRIC_A_REASON]		= RO,
	[FABRIC_A_HOLD_MS]		= { .type = NLA_REJECT, .reject_message = v1_config_msg },
	[FABRIC_A_HOLD_MAX_MS]		= { .type = NLA_REJECT, .reject_message = v1_config_msg },
	[FABRIC_A_DECAY_MS]		= { .type = NLA_REJECT, .reject_message = v1_config_msg },
	[FABRIC_A_STATS]		= RO,
	[FABRIC_A_PARAMS]		= RO,
	[FABRIC_A_VERSION]		= RO,
	[FABRIC_A_KFUNC]		= RO,
	[FABRIC_A_OLD_STATE]		= RO,
	[FABRIC_A_NEW_STATE]		= RO,
	[FABRIC_A_TIMESTAMP_NS]		= RO,
	[FABRIC_A_LATENCY_NS]		= RO,
	[FABRIC_A_ERROR]		= RO,
	[FABRIC_A_ERROR_MSG]		= RO,
	[FABRIC_A_ACTIVE]		= RO,
	[FABRIC_A_PAD]			= RO,
	[FABRIC_A_SIGNAL]		= NLA_POLICY_MAX(NLA_U8, FABRIC_SIG_MAX),
	[FABRIC_A_LAG_NS]		= { .type = NLA_U64 },
	[FABRIC_A_CONFIG]		= NLA_POLICY_NESTED(fabric_cfg_policy),
	[FABRIC_A_SOURCE]		= RO,
	[FABRIC_A_FLAGS]		= RO,
	[FABRIC_A_GROUP_STATS]		= RO,
	[FABRIC_A_DONE_NS]		= RO,
	[FABRIC_A_ROUTES]		= NLA_POLICY_NESTED_ARRAY(fabric_route_policy),
	[FABRIC_A_PROBER]		= NLA_POLICY_NESTED(fabric_prober_policy),
	[FABRIC_A_RR_FD]		= NLA_POLICY_MIN(NLA_S32, 0),
};

/* The uAPI mirrors the policy's numbering; keep them in step. */
static_assert(FABRIC_MAX_MEMBERS == FABRIC_FO_MAX_PATHS);
static_assert(FABRIC_SIG_MAX + 1 == FABRIC_FO_SIG_MAX);
static_assert((int)FABRIC_SIG_GAP_BURST == (int)FABRIC_FO_SIG_GAP_BURST);
static_assert(FABRIC_REASON_MAX + 1 == FABRIC_FO_R_MAX);
static_assert((int)FABRIC_REASON_HOLD_EXPIRED == (int)FABRIC_FO_R_HOLD_EXPIRED);
static_assert((int)FABRIC_PATH_HOLDDOWN == (int)FABRIC_FO_HOLDDOWN);
static_assert(FABRIC_TF_KEPT == FABRIC_FO_TF_KEPT && FABRIC_TF_FLAP == FABRIC_FO_TF_FLAP);

/* Merge a FABRIC_A_CONFIG nest (already validated by cfg_policy) into
 * cfg and check the result. */
int fabric_parse_config(struct fabric_fo_config *cfg, const struct nlattr *nest,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FABRIC_CFG_MAX + 1];
	int err;

	err = nla_parse_nested(tb, FABRIC_CFG_MAX, nest, fabric_cfg_policy, extack);
	if (err)
		return err;
	if (tb[FABRIC_CFG_PROBE_MISS_K])
		cfg->probe_miss_k = nla_get_u32(tb[FABRIC_CFG_PROBE_MISS_K]);
	if (tb[FABRIC_CFG_RECOVER_PROBES])
		cfg->recover_probes = nla_get_u32(tb[FABRIC_CFG_RECOVER_PROBES]);
	if (tb[FABRIC_CFG_GAP_BURSTS])
		cfg->gap_bursts = nla_get_u32(tb[FABRIC_CFG_GAP_BURSTS]);
	if (tb[FABRIC_CFG_GAP_WINDOW_NS])
		cfg->gap_window_ns = nla_get_u64(tb[FABRIC_CFG_GAP_WINDOW_NS]);
	if (tb[FABRIC_CFG_STALL_TOLERANCE_NS])
		cfg->stall_tolerance_ns = nla_get_u64(tb[FABRIC_CFG_STALL_TOLERANCE_NS]);
	if (tb[FABRIC_CFG_LOCAL_WINDOW_NS])
		cfg->local_window_ns = nla_get_u64(tb[FABRIC_CFG_LOCAL_WINDOW_NS]);
	if (tb[FABRIC_CFG_HOLD_BASE_NS])
		cfg->hold_base_ns = nla_get_u64(tb[FABRIC_CFG_HOLD_BASE_NS]);
	if (tb[FABRIC_CFG_HOLD_MAX_NS])
		cfg->hold_max_ns = nla_get_u64(tb[FABRIC_CFG_HOLD_MAX_NS]);
	if (tb[FABRIC_CFG_HALF_LIFE_NS])
		cfg->half_life_ns = nla_get_u64(tb[FABRIC_CFG_HALF_LIFE_NS]);
	if (fabric_fo_config_check(cfg)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "invalid thresholds: counts >= 1, durations <= 2^48 ns, 0 < hold_base <= hold_max, half_life > 0");
		return -EINVAL;
	}
	return 0;
}

int fabric_put_config(struct sk_buff *skb, const struct fabric_fo_config *c)
{
	struct nlattr *nest = nla_nest_start(skb, FABRIC_A_CONFIG);

	if (!nest ||
	    nla_put_u32(skb, FABRIC_CFG_PROBE_MISS_K, c->probe_miss_k) ||
	    nla_put_u32(skb, FABRIC_CFG_RECOVER_PROBES, c->recover_probes) ||
	    nla_put_u32(skb, FABRIC_CFG_GAP_BURSTS, c->gap_bursts) ||
	    nla_put_u64_64bit(skb, FABRIC_CFG_GAP_WINDOW_NS, c->gap_window_ns, FABRIC_CFG_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_CFG_STALL_TOLERANCE_NS, c->stall_tolerance_ns,
			      FABRIC_CFG_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_CFG_LOCAL_WINDOW_NS, c->local_window_ns,
			      FABRIC_CFG_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_CFG_HOLD_BASE_NS, c->hold_base_ns, FABRIC_CFG_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_CFG_HOLD_MAX_NS, c->hold_max_ns, FABRIC_CFG_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_CFG_HALF_LIFE_NS, c->half_life_ns, FABRIC_CFG_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}
