// SPDX-License-Identifier: GPL-2.0
/*
 * The "fabric" generic netlink family: see Documentation/netlink-api.md.
 * Path signals, drain, thresholds, statistics and events here; groups in
 * genl_group.c, policies in genl_policy.c.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include "genl.h"

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
		err = fabric_parse_config(&cfg, tb[FABRIC_A_CONFIG], info->extack);
		if (!err)
			err = fabric_group_set_config(g, &cfg);
		goto unlock;
	}
	cfg = fn->cfg;
	err = fabric_parse_config(&cfg, tb[FABRIC_A_CONFIG], info->extack);
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
	if (fabric_put_config(msg, &cfg))
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
	{ .cmd = FABRIC_CMD_GROUP_ADD, .doit = fabric_cmd_group_add, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_GROUP_DEL, .doit = fabric_cmd_group_del, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_GROUP_GET, .doit = fabric_cmd_group_get,
	  .dumpit = fabric_dump_groups },
	{ .cmd = FABRIC_CMD_PATH_EVENT, .doit = cmd_path_event, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_SET_PARAMS, .doit = cmd_set_params, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_STATS_GET, .doit = cmd_stats_get },
	{ .cmd = FABRIC_CMD_PATH_DRAIN, .doit = cmd_path_drain, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_PATH_UNDRAIN, .doit = cmd_path_undrain, .flags = GENL_ADMIN_PERM },
	/* the module prober: genl_probe.c */
	{ .cmd = FABRIC_CMD_PROBER_ADD, .doit = fabric_cmd_prober_add, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_PROBER_DEL, .doit = fabric_cmd_prober_del, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_PROBER_GET, .doit = fabric_cmd_prober_get,
	  .dumpit = fabric_dump_probers, .flags = GENL_ADMIN_PERM },
	{ .cmd = FABRIC_CMD_RR_MAP_SET, .doit = fabric_cmd_rr_map_set, .flags = GENL_ADMIN_PERM },
};

/*
 * Events name groups, paths and their states: joining needs CAP_NET_ADMIN
 * in the namespace's user namespace, like the mutating commands. The flag
 * is in 6.1.x stable (Debian's 6.1.0-57) and in 6.12; a kernel without it
 * would let anyone listen, so the module says so at load.
 */
static const struct genl_multicast_group fabric_mcgrps[] = {
#ifdef GENL_MCAST_CAP_NET_ADMIN
	{ .name = FABRIC_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
#else
	{ .name = FABRIC_GENL_MCGRP_EVENTS },
#endif
};

struct genl_family fabric_family __ro_after_init = {
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
#ifndef GENL_MCAST_CAP_NET_ADMIN
	pr_warn("fabric: this kernel cannot restrict multicast groups: any user may read the events group\n");
#endif
	return genl_register_family(&fabric_family);
}

void fabric_genl_exit(void)
{
	genl_unregister_family(&fabric_family);
}
