// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration -> the failover policy, the engine's groups and paths
 * (shared by both executors).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "fabricd.h"
#include "failover.h"

void fo_policy_from_cfg(const struct fabricd_config *c,
			struct fabric_fo_config *pol)
{
	fabric_fo_config_default(pol);
	pol->probe_miss_k = c->thr.probe_miss_threshold;
	pol->recover_probes = c->thr.recover_probes;
	pol->stall_tolerance_ns = (__u64)c->thr.stall_tolerance_us * 1000;
	pol->hold_base_ns = (__u64)c->thr.holddown_ms * 1000000;
	pol->hold_max_ns = (__u64)c->thr.holddown_max_ms * 1000000;
	pol->half_life_ns = (__u64)c->thr.half_life_ms * 1000000;
	/*
	 * Passive signals: the data path sends at most one gap/NAK event per
	 * flow per event interval, so psn_gap_burst events on one path
	 * within one interval are that many flows losing packets there.
	 */
	pol->gap_bursts = c->thr.psn_gap_burst;
	if (c->event_interval_ms)
		pol->gap_window_ns = (__u64)c->event_interval_ms * 1000000;
}

void fo_group_from_cfg(const struct fabricd_config *c, int gi,
		       struct ffe_group_cfg *g)
{
	const struct fcfg_group *cg = &c->group[gi];
	int i;

	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", cg->name);
	g->nh.id = cg->id;
	g->nh.buckets = cg->buckets;
	g->nh.idle_timer_ms = cg->idle_timer_ms;
	g->nh.unbalanced_timer_ms = cg->unbalanced_timer_ms;
	g->nh.n_routes = cg->n_routes;
	for (i = 0; i < cg->n_routes; i++) {
		g->nh.r[i].family = cg->route[i].family;
		memcpy(&g->nh.r[i].dst, cg->route[i].dst, 16);
		g->nh.r[i].plen = cg->route[i].plen;
	}
	g->n_paths = cg->n_paths;
	for (i = 0; i < cg->n_paths; i++) {
		const struct fcfg_path *cp = &c->path_[cg->path[i]];
		struct ffe_path_cfg *p = &g->path[i];

		snprintf(p->name, sizeof(p->name), "%s", cp->name);
		snprintf(p->ifname, sizeof(p->ifname), "%s", cp->dev);
		p->nh.id = cp->nexthop_id;
		p->nh.ifindex = cp->ifindex;
		p->nh.family = cp->gw_family;
		memcpy(&p->nh.gw, cp->gateway, 16);
		p->nh.weight = cp->weight;
		p->probe = cp->probe;
		p->probe_cfg.family = cp->peer_family ? cp->peer_family : cp->gw_family;
		memcpy(&p->probe_cfg.peer, cp->peer_family ? cp->probe_peer : cp->gateway, 16);
	}
}

/* Everything that decides how groups are run, comparable with memcmp. */
struct ffe_cfg *fo_engine_cfg(const struct fabricd_config *c)
{
	struct ffe_cfg *ec = calloc(1, sizeof(*ec));
	int i;

	if (!ec)
		return NULL;
	fo_policy_from_cfg(c, &ec->policy);
	ec->probe_interval_ns = (__u64)c->thr.probe_interval_us * 1000;
	ec->probe_timeout_ns = (__u64)c->thr.probe_timeout_us * 1000;
	ec->probe_port = c->thr.probe_port;
	ec->n_groups = c->n_groups;
	for (i = 0; i < c->n_groups; i++)
		fo_group_from_cfg(c, i, &ec->group[i]);
	return ec;
}

