// SPDX-License-Identifier: GPL-2.0
/*
 * GROUP_ADD, GROUP_DEL and GROUP_GET of the "fabric" family: a group's
 * registration (members, routes, thresholds) in, its state out.
 */
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "genl.h"

static int parse_member(struct net *net, struct fabric_member *m,
			const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FABRIC_MEMBER_A_MAX + 1];
	int err;

	if (nla_type(nest) != FABRIC_A_MEMBER) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "FABRIC_A_MEMBERS holds only FABRIC_A_MEMBER");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, FABRIC_MEMBER_A_MAX, nest, fabric_member_policy, extack);
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

/* Host bits of a prefix must be clear, as the kernel's IPv4 FIB wants. */
static bool prefix_ok(const u8 *a, u32 len, u8 plen)
{
	u32 i;

	for (i = 0; i < len; i++) {
		u8 keep = plen >= 8 * (i + 1) ? 0xff :
			  plen <= 8 * i ? 0 : (u8)(0xff << (8 - (plen - 8 * i)));

		if (a[i] & ~keep)
			return false;
	}
	return true;
}

static int parse_route(struct fabric_route *r, const struct nlattr *nest,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FABRIC_ROUTE_A_MAX + 1];
	const u8 *a;
	int err;

	if (nla_type(nest) != FABRIC_A_ROUTE) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "FABRIC_A_ROUTES holds only FABRIC_A_ROUTE");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, FABRIC_ROUTE_A_MAX, nest, fabric_route_policy, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, FABRIC_ROUTE_A_PREFIXLEN)) {
		NL_SET_ERR_MSG(extack, "route needs a prefix length");
		return -EINVAL;
	}
	if (!!tb[FABRIC_ROUTE_A_DST4] == !!tb[FABRIC_ROUTE_A_DST6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a route has one prefix: DST4 or DST6");
		return -EINVAL;
	}
	r->plen = nla_get_u8(tb[FABRIC_ROUTE_A_PREFIXLEN]);
	r->table = tb[FABRIC_ROUTE_A_TABLE] ? nla_get_u32(tb[FABRIC_ROUTE_A_TABLE]) :
		   RT_TABLE_MAIN;
	if (tb[FABRIC_ROUTE_A_DST4]) {
		r->family = AF_INET;
		r->dst4 = nla_get_be32(tb[FABRIC_ROUTE_A_DST4]);
		a = (const u8 *)&r->dst4;
	} else {
		r->family = AF_INET6;
		nla_memcpy(&r->dst6, tb[FABRIC_ROUTE_A_DST6], sizeof(r->dst6));
		a = r->dst6.s6_addr;
	}
	if (r->plen > (r->family == AF_INET ? 32 : 128)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_ROUTE_A_PREFIXLEN],
				    "prefix length longer than the address");
		return -ERANGE;
	}
	if (!prefix_ok(a, r->family == AF_INET ? 4 : 16, r->plen)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "prefix has host bits set");
		return -EINVAL;
	}
	return 0;
}

static bool route_same(const struct fabric_route *a, const struct fabric_route *b)
{
	return a->family == b->family && a->plen == b->plen && a->table == b->table &&
	       (a->family == AF_INET ? a->dst4 == b->dst4 :
		ipv6_addr_equal(&a->dst6, &b->dst6));
}

static int parse_routes(struct fabric_group *g, const struct nlattr *routes,
			struct netlink_ext_ack *extack)
{
	const struct nlattr *nest;
	int rem, err;
	u32 j;

	nla_for_each_nested(nest, routes, rem) {
		struct fabric_route *r = &g->routes[g->n_routes];

		if (g->n_routes == FABRIC_MAX_ROUTES) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "too many routes (max 64)");
			return -E2BIG;
		}
		err = parse_route(r, nest, extack);
		if (err)
			return err;
		for (j = 0; j < g->n_routes; j++) {
			if (route_same(&g->routes[j], r)) {
				NL_SET_ERR_MSG_ATTR(extack, nest, "duplicate route");
				return -EINVAL;
			}
		}
		g->n_routes++;
	}
	return 0;
}

static int put_routes(struct sk_buff *skb, const struct fabric_group *g)
{
	struct nlattr *routes, *entry;
	u32 i;

	if (!g->n_routes)
		return 0;
	routes = nla_nest_start(skb, FABRIC_A_ROUTES);
	if (!routes)
		return -EMSGSIZE;
	for (i = 0; i < g->n_routes; i++) {
		const struct fabric_route *r = &g->routes[i];

		entry = nla_nest_start(skb, FABRIC_A_ROUTE);
		if (!entry ||
		    (r->family == AF_INET &&
		     nla_put_be32(skb, FABRIC_ROUTE_A_DST4, r->dst4)) ||
		    (r->family == AF_INET6 &&
		     nla_put(skb, FABRIC_ROUTE_A_DST6, sizeof(r->dst6), &r->dst6)) ||
		    nla_put_u8(skb, FABRIC_ROUTE_A_PREFIXLEN, r->plen) ||
		    nla_put_u32(skb, FABRIC_ROUTE_A_TABLE, r->table))
			return -EMSGSIZE;
		nla_nest_end(skb, entry);
	}
	nla_nest_end(skb, routes);
	return 0;
}

int fabric_cmd_group_add(struct sk_buff *skb, struct genl_info *info)
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
	if (tb[FABRIC_A_ROUTES]) {
		err = parse_routes(g, tb[FABRIC_A_ROUTES], extack);
		if (err)
			goto out;
	}
	fn = fabric_net(genl_info_net(info));
	mutex_lock(&fn->groups_lock);
	cfg = fn->cfg;
	mutex_unlock(&fn->groups_lock);
	if (tb[FABRIC_A_CONFIG]) {
		err = fabric_parse_config(&cfg, tb[FABRIC_A_CONFIG], extack);
		if (err)
			goto out;
	}
	err = fabric_group_add(fn, g, &cfg, extack);
out:
	kfree(g);
	return err;
}

int fabric_cmd_group_del(struct sk_buff *skb, struct genl_info *info)
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
			      FABRIC_GSTAT_PAD) ||
	    nla_put_u64_64bit(skb, FABRIC_GSTAT_ROUTE_RESTORES, g->route_restores,
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
	    fabric_put_config(skb, &g->fo.cfg) || put_group_stats(skb, g) ||
	    put_routes(skb, g))
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

int fabric_cmd_group_get(struct sk_buff *skb, struct genl_info *info)
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

int fabric_dump_groups(struct sk_buff *skb, struct netlink_callback *cb)
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
