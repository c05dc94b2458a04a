// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric.ko -> fabricd: GROUP_GET replies (state for the view, or a
 * registration compared with the configuration) and the module's events
 * (logs, metrics; carrier transitions gate fabricd's prober).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fabric_genl.h"
#include "fabricd.h"
#include "failover.h"
#include "kmod.h"
#include "log.h"
#include "reroute_fabricd.h"

static int km_group_idx(const struct fo_kmod *km, __u32 id)
{
	unsigned int i;

	for (i = 0; i < km->n_groups; i++)
		if (km->g[i].cfg.nh.id == id)
			return i;
	return -1;
}

static int km_path_idx(const struct km_grp *g, __u32 nh)
{
	__u32 p;

	for (p = 0; p < g->cfg.n_paths; p++)
		if (g->cfg.path[p].nh.id == nh)
			return p;
	return -1;
}

static __u64 nla_u64_or0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

/* One GROUP_GET reply: fill the matching group of km->view. */
static int km_group_msg(struct fo_kmod *km, struct nlattr **tb)
{
	struct nlattr *st[FABRIC_GSTAT_MAX + 1], *m[FABRIC_MEMBER_A_MAX + 1], *a;
	struct fo_group_view *gv;
	int gi, pi, rem;

	if (!tb[FABRIC_A_GROUP_ID] || !km->view)
		return NL_SKIP;
	gi = km_group_idx(km, nla_get_u32(tb[FABRIC_A_GROUP_ID]));
	if (gi < 0)
		return NL_SKIP;
	gv = &km->view->g[gi];
	if (tb[FABRIC_A_GROUP_STATS] &&
	    !nla_parse_nested(st, FABRIC_GSTAT_MAX, tb[FABRIC_A_GROUP_STATS], NULL)) {
		gv->drain_refused = nla_u64_or0(st[FABRIC_GSTAT_DRAIN_REFUSED]);
		gv->exec_errors = nla_u64_or0(st[FABRIC_GSTAT_REPLACE_ERRORS]);
		gv->desired = nla_u64_or0(st[FABRIC_GSTAT_MEMBERS]);
		gv->installed = nla_u64_or0(st[FABRIC_GSTAT_INSTALLED]);
	}
	if (!tb[FABRIC_A_MEMBERS])
		return NL_OK;
	nla_for_each_nested(a, tb[FABRIC_A_MEMBERS], rem) {
		struct fo_path_view *pv;

		if (nla_parse_nested(m, FABRIC_MEMBER_A_MAX, a, NULL) ||
		    !m[FABRIC_MEMBER_A_NH_ID])
			continue;
		pi = km_path_idx(&km->g[gi], nla_get_u32(m[FABRIC_MEMBER_A_NH_ID]));
		if (pi < 0)
			continue;
		pv = &gv->path[pi];
		if (m[FABRIC_MEMBER_A_STATE])
			pv->state = nla_get_u8(m[FABRIC_MEMBER_A_STATE]);
		if (m[FABRIC_MEMBER_A_DRAINED])
			pv->drained = nla_get_u8(m[FABRIC_MEMBER_A_DRAINED]);
		if (m[FABRIC_MEMBER_A_CARRIER])
			pv->carrier = nla_get_u8(m[FABRIC_MEMBER_A_CARRIER]);
		if (m[FABRIC_MEMBER_A_ACTIVE])
			pv->installed = nla_get_u8(m[FABRIC_MEMBER_A_ACTIVE]);
		if (m[FABRIC_MEMBER_A_LAST_REASON])
			pv->last_reason = nla_get_u8(m[FABRIC_MEMBER_A_LAST_REASON]);
		pv->last_change_ns = nla_u64_or0(m[FABRIC_MEMBER_A_LAST_CHANGE_NS]);
		pv->hold_until_ns = nla_u64_or0(m[FABRIC_MEMBER_A_HOLD_UNTIL_NS]);
		pv->failovers = nla_u64_or0(m[FABRIC_MEMBER_A_FAILOVERS]);
		pv->restores = nla_u64_or0(m[FABRIC_MEMBER_A_RESTORES]);
		pv->flaps = nla_u64_or0(m[FABRIC_MEMBER_A_FLAPS]);
		pv->ignored_stalled = nla_u64_or0(m[FABRIC_MEMBER_A_IGNORED_STALLED]);
		pv->ignored_local = nla_u64_or0(m[FABRIC_MEMBER_A_IGNORED_LOCAL]);
		pv->kept = nla_u64_or0(m[FABRIC_MEMBER_A_KEPT]);
		pv->drains = nla_u64_or0(m[FABRIC_MEMBER_A_DRAINS]);
		gv->failovers += pv->failovers;
		gv->restores += pv->restores;
	}
	return NL_OK;
}

static void km_hist_add(struct ffe_hist *h, __u64 ns)
{
	__u32 i;

	for (i = 0; i < FFE_HIST_BUCKETS && ns > ffe_hist_bound_ns(i); i++)
		;
	h->count[i]++;
	h->sum_ns += ns;
	h->n++;
}

/* A module event: log, count, histogram; carrier gates our prober. */
static int km_event_msg(struct fo_kmod *km, struct nlattr **tb)
{
	struct fo_transition t = { 0 };
	struct km_grp *g;
	int gi, pi;

	if (!tb[FABRIC_A_GROUP_ID] || !tb[FABRIC_A_NH_ID])
		return NL_SKIP;
	gi = km_group_idx(km, nla_get_u32(tb[FABRIC_A_GROUP_ID]));
	if (gi < 0)
		return NL_SKIP;	/* not ours */
	g = &km->g[gi];
	pi = km_path_idx(g, nla_get_u32(tb[FABRIC_A_NH_ID]));
	if (pi < 0)
		return NL_SKIP;
	t.time_ns = nla_u64_or0(tb[FABRIC_A_TIMESTAMP_NS]);
	t.repair_ns = nla_u64_or0(tb[FABRIC_A_LATENCY_NS]);
	t.from = tb[FABRIC_A_OLD_STATE] ? nla_get_u8(tb[FABRIC_A_OLD_STATE]) : 0;
	t.to = tb[FABRIC_A_NEW_STATE] ? nla_get_u8(tb[FABRIC_A_NEW_STATE]) : 0;
	t.reason = tb[FABRIC_A_REASON] ? nla_get_u8(tb[FABRIC_A_REASON]) : 0;
	t.flags = tb[FABRIC_A_FLAGS] ? nla_get_u32(tb[FABRIC_A_FLAGS]) : 0;
	t.error = tb[FABRIC_A_ERROR] ? (int)nla_get_u32(tb[FABRIC_A_ERROR]) : 0;
	snprintf(t.group, sizeof(t.group), "%s", g->cfg.name);
	snprintf(t.path, sizeof(t.path), "%s", g->cfg.path[pi].name);
	if (t.repair_ns)
		km_hist_add(&km->d->fo->hist, t.repair_ns);
	if (t.reason == FABRIC_FO_R_CARRIER_DOWN)
		km_probe_set(g, pi, false);
	if (t.reason == FABRIC_FO_R_CARRIER_UP)
		km_probe_set(g, pi, true);
	g->ok_left[pi] = km->pol.recover_probes;
	fabricd_fo_record(km->d->fo, &t);
	fabricd_reroute_kmod_event(km->d, gi, &t);
	return NL_OK;
}

/* Does a registered member match its configured nexthop? "" or what differs. */
static const char *km_member_diff(const struct fnh_member *nh, struct nlattr **m)
{
	struct nlattr *gw4 = m[FABRIC_MEMBER_A_GW4], *gw6 = m[FABRIC_MEMBER_A_GW6];

	if (!m[FABRIC_MEMBER_A_IFINDEX] ||
	    nla_get_u32(m[FABRIC_MEMBER_A_IFINDEX]) != nh->ifindex)
		return "device";
	if (!m[FABRIC_MEMBER_A_WEIGHT] ||
	    nla_get_u16(m[FABRIC_MEMBER_A_WEIGHT]) != (nh->weight ? nh->weight : 1))
		return "weight";
	if (nh->family == AF_INET ?
	    !gw4 || gw6 || memcmp(nla_data(gw4), &nh->gw.v4, 4) :
	    nh->family == AF_INET6 ?
	    !gw6 || gw4 || memcmp(nla_data(gw6), &nh->gw.v6, 16) :
	    gw4 || gw6)
		return "gateway";
	return "";
}

/* Does the module hold exactly the configured routes (any order)? */
static bool km_routes_same(const struct fnh_group *nh, struct nlattr *routes)
{
	struct nlattr *r[FABRIC_ROUTE_A_MAX + 1], *a;
	__u32 i, n = 0, seen = 0;
	int rem;

	if (!routes)
		return !nh->n_routes;
	nla_for_each_nested(a, routes, rem) {
		__u32 table;

		if (nla_parse_nested(r, FABRIC_ROUTE_A_MAX, a, NULL) ||
		    !r[FABRIC_ROUTE_A_PREFIXLEN])
			return false;
		table = r[FABRIC_ROUTE_A_TABLE] ? nla_get_u32(r[FABRIC_ROUTE_A_TABLE]) : 254;
		for (i = 0; i < nh->n_routes; i++) {
			const struct fnh_route *rt = &nh->r[i];
			struct nlattr *dst = rt->family == AF_INET ? r[FABRIC_ROUTE_A_DST4] :
					     r[FABRIC_ROUTE_A_DST6];

			if (!(seen & (1U << i)) && dst &&
			    nla_get_u8(r[FABRIC_ROUTE_A_PREFIXLEN]) == rt->plen &&
			    table == (rt->table ? rt->table : 254) &&
			    !memcmp(nla_data(dst), &rt->dst, rt->family == AF_INET ? 4 : 16)) {
				seen |= 1U << i;
				break;
			}
		}
		if (i == nh->n_routes)
			return false;
		n++;
	}
	return n == nh->n_routes;
}

/*
 * The module's registration of a group against its configuration: type,
 * buckets, idle timer, the member set with each member's device,
 * gateway and weight, and the routes. Thresholds are not compared
 * (SET_PARAMS on adopt).
 */
static int km_check_msg(struct km_check *c, struct nlattr **tb)
{
	const struct km_grp *g = c->g;
	struct nlattr *m[FABRIC_MEMBER_A_MAX + 1], *a;
	__u32 seen = 0, idle_s = (g->cfg.nh.idle_timer_ms + 999) / 1000;
	const char *d;
	int pi, rem;

	if (!tb[FABRIC_A_GROUP_ID] || nla_get_u32(tb[FABRIC_A_GROUP_ID]) != g->cfg.nh.id)
		return NL_SKIP;
	c->seen = true;
	if (idle_s > 3600)
		idle_s = 3600;
	if (!tb[FABRIC_A_GROUP_TYPE] ||
	    nla_get_u8(tb[FABRIC_A_GROUP_TYPE]) != FABRIC_GROUP_RES)
		snprintf(c->diff, sizeof(c->diff), "group type");
	else if (!tb[FABRIC_A_GROUP_BUCKETS] ||
		 nla_get_u16(tb[FABRIC_A_GROUP_BUCKETS]) != g->cfg.nh.buckets)
		snprintf(c->diff, sizeof(c->diff), "buckets");
	else if (!tb[FABRIC_A_GROUP_IDLE_TIMER] ||
		 nla_get_u32(tb[FABRIC_A_GROUP_IDLE_TIMER]) != idle_s)
		snprintf(c->diff, sizeof(c->diff), "idle timer");
	if (c->diff[0] || !tb[FABRIC_A_MEMBERS])
		goto out;
	nla_for_each_nested(a, tb[FABRIC_A_MEMBERS], rem) {
		if (nla_parse_nested(m, FABRIC_MEMBER_A_MAX, a, NULL) ||
		    !m[FABRIC_MEMBER_A_NH_ID])
			continue;
		pi = km_path_idx(g, nla_get_u32(m[FABRIC_MEMBER_A_NH_ID]));
		if (pi < 0 || (seen & (1U << pi))) {
			snprintf(c->diff, sizeof(c->diff), "member nexthop %u is not configured",
				 nla_get_u32(m[FABRIC_MEMBER_A_NH_ID]));
			goto out;
		}
		seen |= 1U << pi;
		d = km_member_diff(&g->cfg.path[pi].nh, m);
		if (*d) {
			snprintf(c->diff, sizeof(c->diff), "%s of path %s", d,
				 g->cfg.path[pi].name);
			goto out;
		}
	}
out:
	if (!c->diff[0] && seen != (1U << g->cfg.n_paths) - 1)
		snprintf(c->diff, sizeof(c->diff), "member set");
	if (!c->diff[0] && !km_routes_same(&g->cfg.nh, tb[FABRIC_A_ROUTES]))
		snprintf(c->diff, sizeof(c->diff), "routes");
	return NL_OK;
}

int km_valid_cb(struct nl_msg *msg, void *arg)
{
	struct fo_kmod *km = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[FABRIC_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, FABRIC_A_MAX, NULL))
		return NL_SKIP;
	if (gh->cmd == FABRIC_CMD_EVENT)
		return km_event_msg(km, tb);
	if (gh->cmd == FABRIC_CMD_PROBER_VERDICT)
		return km_judge_msg(km, tb);
	if (gh->cmd == FABRIC_CMD_PROBER_GET)
		return km_prober_msg(km, tb);
	if (gh->cmd == FABRIC_CMD_GROUP_GET && km->check)
		return km_check_msg(km->check, tb);
	if (gh->cmd == FABRIC_CMD_GROUP_GET)
		return km_group_msg(km, tb);
	return NL_SKIP;
}

/*
 * Is the group registered with the module (0, or -ENOENT), and does the
 * registration match the configuration (diff empty)?
 */
int km_registered(struct fo_kmod *km, const struct km_grp *g,
			 char *diff, size_t len)
{
	struct km_check c = { .g = g };
	struct nl_msg *msg = km_msg(km, FABRIC_CMD_GROUP_GET, 0);
	int err;

	if (msg && nla_put_u32(msg, FABRIC_A_GROUP_ID, g->cfg.nh.id)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	km->check = &c;
	err = km_transact(km, msg, false);
	km->check = NULL;
	if (!err && !c.seen)
		snprintf(c.diff, sizeof(c.diff), "no reply");
	snprintf(diff, len, "%s", c.diff);
	return err;
}

int fo_kmod_view(struct fo_kmod *km, struct fo_view *v)
{
	unsigned int i, p;
	int err;

	v->n_groups = km->n_groups;
	/* Backstop for a missed carrier event: follow the device's carrier. */
	for (i = 0; i < km->n_groups; i++)
		for (p = 0; p < km->g[i].cfg.n_paths; p++)
			km_probe_set(&km->g[i], p, km_if_carrier(km->g[i].cfg.path[p].ifname));
	for (i = 0; i < km->n_groups; i++) {
		const struct km_grp *g = &km->g[i];
		const struct fprobe_stats *ps = g->probe ? fprobe_stats(g->probe) : NULL;
		struct fo_group_view *gv = &v->g[i];

		snprintf(gv->name, sizeof(gv->name), "%s", g->cfg.name);
		gv->id = g->cfg.nh.id;
		gv->n_paths = g->cfg.n_paths;
		if (ps)
			v->probe_ticks_skipped += ps->ticks_skipped;
		for (p = 0; p < g->cfg.n_paths; p++) {
			const struct ffe_path_cfg *pc = &g->cfg.path[p];
			struct fo_path_view *pv = &gv->path[p];

			snprintf(pv->name, sizeof(pv->name), "%s", pc->name);
			snprintf(pv->dev, sizeof(pv->dev), "%s", pc->ifname);
			pv->nh_id = pc->nh.id;
			pv->gw_family = pc->nh.family;
			memcpy(pv->gw, &pc->nh.gw, sizeof(pv->gw));
			pv->probe = g->path_probe[p] != 0;
			if (!pv->probe || !ps)
				continue;
			pv->probe_sent = ps->path[g->path_probe[p] - 1].sent;
			pv->probe_answered = ps->path[g->path_probe[p] - 1].answered;
			pv->probe_missed = ps->path[g->path_probe[p] - 1].missed;
			pv->probe_late = ps->path[g->path_probe[p] - 1].late;
			pv->probe_send_errors = ps->path[g->path_probe[p] - 1].send_errors;
			pv->rtt_min_ns = ps->path[g->path_probe[p] - 1].rtt_min_ns;
			pv->rtt_max_ns = ps->path[g->path_probe[p] - 1].rtt_max_ns;
			pv->rtt_sum_ns = ps->path[g->path_probe[p] - 1].rtt_sum_ns;
		}
	}
	km->view = v;
	err = km_transact(km, km_msg(km, FABRIC_CMD_GROUP_GET, NLM_F_DUMP), true);
	km->view = NULL;
	for (i = 0; i < km->n_groups; i++)
		v->g[i].dirty = v->g[i].desired != v->g[i].installed;
	if (err)
		pr_debug("failover: GROUP_GET dump: %s\n", strerror(-err));
	return err;
}
