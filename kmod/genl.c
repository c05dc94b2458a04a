// SPDX-License-Identifier: GPL-2.0
/* The "fabric" generic netlink family: see Documentation/netlink-api.md. */
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include "fabric.h"

static struct genl_family fabric_family;

static const char ro_msg[] = "attribute is read-only (reply/event only)";
#define RO { .type = NLA_REJECT, .reject_message = ro_msg }

static const char v1_signal_msg[] = "version 1 attribute: report FABRIC_A_SIGNAL";
static const char v1_config_msg[] = "version 1 attribute: set thresholds in FABRIC_A_CONFIG";

static const struct nla_policy member_policy[FABRIC_MEMBER_A_MAX + 1] = {
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

/* Types and simple bounds here; fabric_fo_config_check() judges the rest. */
static const struct nla_policy cfg_policy[FABRIC_CFG_MAX + 1] = {
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

static const struct nla_policy fabric_policy[FABRIC_A_MAX + 1] = {
	[FABRIC_A_GROUP_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_A_GROUP_TYPE]		= NLA_POLICY_MAX(NLA_U8, FABRIC_GROUP_RES),
	[FABRIC_A_GROUP_BUCKETS]	= NLA_POLICY_MIN(NLA_U16, 1),
	[FABRIC_A_GROUP_IDLE_TIMER]	= NLA_POLICY_MAX(NLA_U32, 3600),
	[FABRIC_A_MEMBERS]		= NLA_POLICY_NESTED_ARRAY(member_policy),
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
	[FABRIC_A_CONFIG]		= NLA_POLICY_NESTED(cfg_policy),
	[FABRIC_A_SOURCE]		= RO,
	[FABRIC_A_FLAGS]		= RO,
	[FABRIC_A_GROUP_STATS]		= RO,
	[FABRIC_A_DONE_NS]		= RO,
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
static int parse_config(struct fabric_fo_config *cfg, const struct nlattr *nest,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FABRIC_CFG_MAX + 1];
	int err;

	err = nla_parse_nested(tb, FABRIC_CFG_MAX, nest, cfg_policy, extack);
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

static int put_config(struct sk_buff *skb, const struct fabric_fo_config *c)
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

static int parse_member(struct net *net, struct fabric_member *m,
			const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FABRIC_MEMBER_A_MAX + 1];
	int err;

	if (nla_type(nest) != FABRIC_A_MEMBER) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "FABRIC_A_MEMBERS holds only FABRIC_A_MEMBER");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, FABRIC_MEMBER_A_MAX, nest, member_policy, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, FABRIC_MEMBER_A_NH_ID) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, FABRIC_MEMBER_A_IFINDEX)) {
		NL_SET_ERR_MSG(extack, "member needs a nexthop id and an ifindex");
		return -EINVAL;
	}
	if (tb[FABRIC_MEMBER_A_GW4] && tb[FABRIC_MEMBER_A_GW6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_MEMBER_A_GW6],
				    "a member has one gateway: GW4 or GW6");
		return -EINVAL;
	}
	m->nh_id = nla_get_u32(tb[FABRIC_MEMBER_A_NH_ID]);
	m->ifindex = nla_get_u32(tb[FABRIC_MEMBER_A_IFINDEX]);
	m->weight = tb[FABRIC_MEMBER_A_WEIGHT] ?
		    nla_get_u16(tb[FABRIC_MEMBER_A_WEIGHT]) : 1;
	if (tb[FABRIC_MEMBER_A_GW4]) {
		m->gw_family = AF_INET;
		m->gw4 = nla_get_be32(tb[FABRIC_MEMBER_A_GW4]);
	} else if (tb[FABRIC_MEMBER_A_GW6]) {
		m->gw_family = AF_INET6;
		nla_memcpy(&m->gw6, tb[FABRIC_MEMBER_A_GW6], sizeof(m->gw6));
	}
	rcu_read_lock();
	err = dev_get_by_index_rcu(net, m->ifindex) ? 0 : -ENODEV;
	rcu_read_unlock();
	if (err)
		NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_MEMBER_A_IFINDEX],
				    "no such device in this network namespace");
	return err;
}

static int cmd_group_add(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **tb = info->attrs;
	struct fabric_fo_config cfg;
	struct fabric_group *g;
	struct fabric_net *fn;
	const struct nlattr *nest;
	int rem, err = 0;
	u32 i, j;

	if (GENL_REQ_ATTR_CHECK(info, FABRIC_A_GROUP_ID) ||
	    GENL_REQ_ATTR_CHECK(info, FABRIC_A_MEMBERS))
		return -EINVAL;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->id = nla_get_u32(tb[FABRIC_A_GROUP_ID]);
	g->type = tb[FABRIC_A_GROUP_TYPE] ? nla_get_u8(tb[FABRIC_A_GROUP_TYPE]) :
		  FABRIC_GROUP_RES;
	if (g->type != FABRIC_GROUP_RES &&
	    (tb[FABRIC_A_GROUP_BUCKETS] || tb[FABRIC_A_GROUP_IDLE_TIMER])) {
		NL_SET_ERR_MSG(extack, "buckets and idle timer apply to resilient groups only");
		err = -EINVAL;
		goto out;
	}
	if (tb[FABRIC_A_GROUP_BUCKETS])
		g->buckets = nla_get_u16(tb[FABRIC_A_GROUP_BUCKETS]);
	if (tb[FABRIC_A_GROUP_IDLE_TIMER]) {
		g->has_idle_timer = true;
		g->idle_timer_s = nla_get_u32(tb[FABRIC_A_GROUP_IDLE_TIMER]);
	}
	nla_for_each_nested(nest, tb[FABRIC_A_MEMBERS], rem) {
		if (g->n_members == FABRIC_MAX_MEMBERS) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "too many members (max 16)");
			err = -E2BIG;
			goto out;
		}
		err = parse_member(genl_info_net(info), &g->members[g->n_members],
				   nest, extack);
		if (err)
			goto out;
		g->n_members++;
	}
	if (!g->n_members) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_A_MEMBERS], "a group needs members");
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < g->n_members; i++) {
		if (g->members[i].nh_id == g->id) {
			NL_SET_ERR_MSG(extack, "member nexthop id equals the group id");
			err = -EINVAL;
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (g->members[i].nh_id == g->members[j].nh_id) {
				NL_SET_ERR_MSG(extack, "duplicate member nexthop id");
				err = -EINVAL;
				goto out;
			}
		}
	}
	fn = fabric_net(genl_info_net(info));
	mutex_lock(&fn->groups_lock);
	cfg = fn->cfg;
	mutex_unlock(&fn->groups_lock);
	if (tb[FABRIC_A_CONFIG]) {
		err = parse_config(&cfg, tb[FABRIC_A_CONFIG], extack);
		if (err)
			goto out;
	}
	err = fabric_group_add(fn, g, &cfg, extack);
out:
	kfree(g);
	return err;
}

static int cmd_group_del(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, FABRIC_A_GROUP_ID))
		return -EINVAL;
	err = fabric_group_del(fabric_net(genl_info_net(info)),
			       nla_get_u32(info->attrs[FABRIC_A_GROUP_ID]));
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FABRIC_A_GROUP_ID],
				    "group not registered");
	return err;
}

static int put_member(struct sk_buff *skb, const struct fabric_group *g, u32 i,
		      u64 now)
{
	const struct fabric_member *m = &g->members[i];
	const struct fabric_fo_path *p = &g->fo.path[i];
	struct nlattr *entry;
	u64 hold = fabric_fo_hold_ns(&g->fo, i, now);

	entry = nla_nest_start(skb, FABRIC_A_MEMBER);
	if (!entry ||
	    nla_put_u32(skb, FABRIC_MEMBER_A_NH_ID, m->nh_id) ||
	    nla_put_u32(skb, FABRIC_MEMBER_A_IFINDEX, m->ifindex) ||
	    nla_put_u16(skb, FABRIC_MEMBER_A_WEIGHT, m->weight) ||
	    (m->gw_family == AF_INET &&
	     nla_put_be32(skb, FABRIC_MEMBER_A_GW4, m->gw4)) ||
	    (m->gw_family == AF_INET6 &&
	     nla_put(skb, FABRIC_MEMBER_A_GW6, sizeof(m->gw6), &m->gw6)) ||
	    nla_put_u8(skb, FABRIC_MEMBER_A_STATE, p->state) ||
	    nla_put_u32(skb, FABRIC_MEMBER_A_HOLD_MS,
			min_t(u64, div_u64(hold, NSEC_PER_MSEC), U32_MAX)) ||
	    nla_put_u8(skb, FABRIC_MEMBER_A_ACTIVE,
		       g->synced && (g->installed & (1U << i))) ||
	    nla_put_u8(skb, FABRIC_MEMBER_A_DRAINED, p->drained) ||
	    nla_put_u8(skb, FABRIC_MEMBER_A_CARRIER, p->carrier) ||
	    nla_put_u8(skb, FABRIC_MEMBER_A_LAST_REASON, p->st.last_reason) ||
	    nla_put_u32(skb, FABRIC_MEMBER_A_PENALTY, fabric_fo_penalty(&g->fo, i, now)) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_FLAPS, p->st.flaps, FABRIC_MEMBER_A_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_FAILOVERS, p->st.failovers,
			      FABRIC_MEMBER_A_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_RESTORES, p->st.restores,
			      FABRIC_MEMBER_A_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_IGNORED_STALLED, p->st.ignored_stalled,
			      FABRIC_MEMBER_A_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_IGNORED_LOCAL, p->st.ignored_local,
			      FABRIC_MEMBER_A_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_KEPT, p->st.kept, FABRIC_MEMBER_A_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_DRAINS, p->st.drains, FABRIC_MEMBER_A_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_MEMBER_A_LAST_CHANGE_NS, p->st.last_change_ns,
			      FABRIC_MEMBER_A_PAD) ||
	    (p->state == FABRIC_FO_HOLDDOWN &&
	     nla_put_u64_64bit(skb, FABRIC_MEMBER_A_HOLD_UNTIL_NS, p->hold_until_ns,
			       FABRIC_MEMBER_A_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, entry);
	return 0;
}

static int put_group_stats(struct sk_buff *skb, const struct fabric_group *g)
{
	struct nlattr *nest = nla_nest_start(skb, FABRIC_A_GROUP_STATS);

	if (!nest ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_LAST_PATH_KEPT, g->fo.last_path_kept,
			      FABRIC_GSTAT_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_LOCAL_EVENTS, g->fo.local_events,
			      FABRIC_GSTAT_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_DRAIN_REFUSED, g->fo.drain_refused,
			      FABRIC_GSTAT_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_REPLACES, g->replaces, FABRIC_GSTAT_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_REPLACE_ERRORS, g->replace_errors,
			      FABRIC_GSTAT_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_MEMBERS, fabric_fo_members(&g->fo),
			      FABRIC_GSTAT_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_INSTALLED, g->synced ? g->installed : 0,
			      FABRIC_GSTAT_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int fill_group(struct sk_buff *skb, struct fabric_group *g, u32 portid,
		      u32 seq, int flags)
{
	struct nlattr *members;
	unsigned long irqf;
	u64 now = ktime_get_ns();
	void *hdr;
	u32 i;

	hdr = genlmsg_put(skb, portid, seq, &fabric_family, flags, FABRIC_CMD_GROUP_GET);
	if (!hdr)
		return -EMSGSIZE;
	spin_lock_irqsave(&g->lock, irqf);
	if (nla_put_u32(skb, FABRIC_A_GROUP_ID, g->id) ||
	    nla_put_u8(skb, FABRIC_A_GROUP_TYPE, g->type) ||
	    (g->buckets && nla_put_u16(skb, FABRIC_A_GROUP_BUCKETS, g->buckets)) ||
	    (g->has_idle_timer &&
	     nla_put_u32(skb, FABRIC_A_GROUP_IDLE_TIMER, g->idle_timer_s)) ||
	    put_config(skb, &g->fo.cfg) || put_group_stats(skb, g))
		goto nospc;
	members = nla_nest_start(skb, FABRIC_A_MEMBERS);
	if (!members)
		goto nospc;
	for (i = 0; i < g->n_members; i++)
		if (put_member(skb, g, i, now))
			goto nospc;
	nla_nest_end(skb, members);
	spin_unlock_irqrestore(&g->lock, irqf);
	genlmsg_end(skb, hdr);
	return 0;
nospc:
	spin_unlock_irqrestore(&g->lock, irqf);
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int cmd_group_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fabric_net *fn = fabric_net(genl_info_net(info));
	struct fabric_group *g;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, FABRIC_A_GROUP_ID))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	g = xa_load(&fn->groups, nla_get_u32(info->attrs[FABRIC_A_GROUP_ID]));
	err = g ? fill_group(msg, g, info->snd_portid, info->snd_seq, 0) : -ENOENT;
	rcu_read_unlock();
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FABRIC_A_GROUP_ID],
					    "group not registered");
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int dump_groups(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fabric_net *fn = fabric_net(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct fabric_group *g;
	int err = 0;

	rcu_read_lock();
	xa_for_each_start(&fn->groups, id, g, cb->args[0]) {
		err = fill_group(skb, g, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = id + 1;
	}
	rcu_read_unlock();
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

static int cmd_path_event(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, FABRIC_A_GROUP_ID) ||
	    GENL_REQ_ATTR_CHECK(info, FABRIC_A_NH_ID) ||
	    GENL_REQ_ATTR_CHECK(info, FABRIC_A_SIGNAL))
		return -EINVAL;
	atomic64_inc(&fabric_stats[FABRIC_STAT_EVENTS_GENL]);
	err = fabric_path_signal(fabric_net(genl_info_net(info)),
				 nla_get_u32(tb[FABRIC_A_GROUP_ID]),
				 nla_get_u32(tb[FABRIC_A_NH_ID]),
				 nla_get_u8(tb[FABRIC_A_SIGNAL]),
				 tb[FABRIC_A_LAG_NS] ? nla_get_u64(tb[FABRIC_A_LAG_NS]) : 0,
				 FABRIC_SRC_GENL);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such registered group member");
	return err;
}

static int path_drain(struct genl_info *info, bool drain)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, FABRIC_A_GROUP_ID) ||
	    GENL_REQ_ATTR_CHECK(info, FABRIC_A_NH_ID))
		return -EINVAL;
	err = fabric_path_drain(fabric_net(genl_info_net(info)),
				nla_get_u32(info->attrs[FABRIC_A_GROUP_ID]),
				nla_get_u32(info->attrs[FABRIC_A_NH_ID]), drain);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such registered group member");
	else if (err == -FABRIC_FO_EBUSY)
		NL_SET_ERR_MSG(info->extack,
			       "drain refused: the group would have no healthy path left to install");
	return err;
}

static int cmd_path_drain(struct sk_buff *skb, struct genl_info *info)
{
	return path_drain(info, true);
}

static int cmd_path_undrain(struct sk_buff *skb, struct genl_info *info)
{
	return path_drain(info, false);
}

/*
 * Thresholds. With GROUP_ID: that group only. Without: the namespace's
 * default for groups registered later, and every registered group.
 */
static int cmd_set_params(struct sk_buff *skb, struct genl_info *info)
{
	struct fabric_net *fn = fabric_net(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	struct fabric_fo_config cfg;
	struct fabric_group *g;
	unsigned long id, flags;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, FABRIC_A_CONFIG))
		return -EINVAL;
	mutex_lock(&fn->groups_lock);
	if (tb[FABRIC_A_GROUP_ID]) {
		g = xa_load(&fn->groups, nla_get_u32(tb[FABRIC_A_GROUP_ID]));
		if (!g) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[FABRIC_A_GROUP_ID],
					    "group not registered");
			err = -ENOENT;
			goto unlock;
		}
		spin_lock_irqsave(&g->lock, flags);
		cfg = g->fo.cfg;
		spin_unlock_irqrestore(&g->lock, flags);
		err = parse_config(&cfg, tb[FABRIC_A_CONFIG], info->extack);
		if (!err)
			err = fabric_group_set_config(g, &cfg);
		goto unlock;
	}
	cfg = fn->cfg;
	err = parse_config(&cfg, tb[FABRIC_A_CONFIG], info->extack);
	if (err)
		goto unlock;
	fn->cfg = cfg;
	xa_for_each(&fn->groups, id, g)
		fabric_group_set_config(g, &cfg);
unlock:
	mutex_unlock(&fn->groups_lock);
	return err;
}

static int cmd_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fabric_net *fn = fabric_net(genl_info_net(info));
	struct fabric_fo_config cfg;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int i;

	mutex_lock(&fn->groups_lock);
	cfg = fn->cfg;
	mutex_unlock(&fn->groups_lock);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fabric_family, 0, FABRIC_CMD_STATS_GET);
	if (!hdr)
		goto nospc;
	if (nla_put_u32(msg, FABRIC_A_VERSION, FABRIC_GENL_VERSION) ||
	    nla_put_u8(msg, FABRIC_A_KFUNC, fabric_kfunc_available()))
		goto nospc;
	nest = nla_nest_start(msg, FABRIC_A_STATS);
	if (!nest)
		goto nospc;
	for (i = FABRIC_STAT_UNSPEC + 1; i <= FABRIC_STAT_MAX; i++)
		if (i != FABRIC_STAT_PAD &&
		    nla_put_u64_64bit(msg, i, atomic64_read(&fabric_stats[i]),
				      FABRIC_STAT_PAD))
			goto nospc;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, FABRIC_A_PARAMS);
	if (!nest ||
	    nla_put_u32(msg, FABRIC_PARAM_MAX_GROUPS, fabric_max_groups) ||
	    nla_put_u32(msg, FABRIC_PARAM_MAX_MEMBERS, FABRIC_MAX_MEMBERS))
		goto nospc;
	nla_nest_end(msg, nest);
	if (put_config(msg, &cfg))
		goto nospc;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospc:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

void fabric_genl_notify(struct fabric_group *g, const struct fabric_note *note,
			u64 done_ns, const u32 *active, u32 n_active, int err,
			const char *errmsg)
{
	struct fabric_net *fn = g->fn;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	u32 i;

	if (!genl_has_listeners(&fabric_family, fn->net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &fabric_family, 0, FABRIC_CMD_EVENT);
	if (!hdr)
		goto drop;
	if (nla_put_u32(msg, FABRIC_A_GROUP_ID, g->id) ||
	    nla_put_u32(msg, FABRIC_A_NH_ID, g->members[note->path].nh_id) ||
	    nla_put_u8(msg, FABRIC_A_OLD_STATE, note->from) ||
	    nla_put_u8(msg, FABRIC_A_NEW_STATE, note->to) ||
	    nla_put_u8(msg, FABRIC_A_REASON, note->reason) ||
	    nla_put_u8(msg, FABRIC_A_SOURCE, note->source) ||
	    nla_put_u32(msg, FABRIC_A_FLAGS, note->flags) ||
	    nla_put_u64_64bit(msg, FABRIC_A_TIMESTAMP_NS, note->signal_ns, FABRIC_A_PAD) ||
	    nla_put_u64_64bit(msg, FABRIC_A_LATENCY_NS,
			      done_ns ? done_ns - note->signal_ns : 0, FABRIC_A_PAD) ||
	    (done_ns && nla_put_u64_64bit(msg, FABRIC_A_DONE_NS, done_ns, FABRIC_A_PAD)) ||
	    nla_put_s32(msg, FABRIC_A_ERROR, err) ||
	    (err && errmsg[0] && nla_put_string(msg, FABRIC_A_ERROR_MSG, errmsg)))
		goto drop;
	nest = nla_nest_start(msg, FABRIC_A_ACTIVE);
	if (!nest)
		goto drop;
	for (i = 0; i < n_active; i++)
		if (nla_put_u32(msg, FABRIC_A_NH_ID, active[i]))
			goto drop;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&fabric_family, fn->net, msg, 0, 0, GFP_KERNEL);
	return;
drop:
	nlmsg_free(msg);
}

static const struct genl_small_ops fabric_ops[] = {
	{ .cmd = FABRIC_CMD_GROUP_ADD, .doit = cmd_group_add, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_GROUP_DEL, .doit = cmd_group_del, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_GROUP_GET, .doit = cmd_group_get, .dumpit = dump_groups },
	{ .cmd = FABRIC_CMD_PATH_EVENT, .doit = cmd_path_event, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_SET_PARAMS, .doit = cmd_set_params, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_STATS_GET, .doit = cmd_stats_get },
	{ .cmd = FABRIC_CMD_PATH_DRAIN, .doit = cmd_path_drain, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_PATH_UNDRAIN, .doit = cmd_path_undrain, .flags = GENL_ADMIN_PERM },
};

static const struct genl_multicast_group fabric_mcgrps[] = {
	{ .name = FABRIC_GENL_MCGRP_EVENTS },
};

static struct genl_family fabric_family __ro_after_init = {
	.name		= FABRIC_GENL_NAME,
	.version	= FABRIC_GENL_VERSION,
	.maxattr	= FABRIC_A_MAX,
	.policy		= fabric_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= fabric_ops,
	.n_small_ops	= ARRAY_SIZE(fabric_ops),
	.mcgrps		= fabric_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(fabric_mcgrps),
};

int fabric_genl_init(void)
{
	return genl_register_family(&fabric_family);
}

void fabric_genl_exit(void)
{
	genl_unregister_family(&fabric_family);
}
