// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data-path reroute seen from a failover executor: mirror its groups
 * and turn its two moments into reroute steps: the policy's verdict
 * (before the replace) and the replace's return. The userspace engine
 * reaches them through its hooks (frr_engine_attach); fabricd calls
 * frr_replaced() on fabric.ko's events. See reroute.h.
 */
#include <errno.h>
#include <net/if.h>

#include "failover_engine.h"
#include "reroute_int.h"
#include "reroute_engine.h"

int frr_mirror_cfg(struct frr *r, uint32_t gi, const struct ffe_group_cfg *cfg)
{
	struct fnh_group nh = cfg->nh;
	uint32_t p;

	if (!cfg->n_paths || cfg->n_paths > FNH_MAX_MEMBERS)
		return -EINVAL;
	nh.n_members = cfg->n_paths;
	for (p = 0; p < cfg->n_paths; p++) {
		nh.m[p] = cfg->path[p].nh;
		if (!nh.m[p].ifindex)
			nh.m[p].ifindex = if_nametoindex(cfg->path[p].ifname);
		if (!nh.m[p].ifindex)
			return -ENODEV;
	}
	return frr_mirror(r, gi, &nh);
}

int frr_attach_cfg(struct frr *r, const struct ffe_group_cfg *cfg)
{
	uint32_t p, q;
	int ifindex, err;

	for (p = 0; p < cfg->n_paths; p++) {
		ifindex = if_nametoindex(cfg->path[p].ifname);
		if (!ifindex)
			return -ENODEV;
		for (q = 0; q < (uint32_t)r->n_tc; q++)
			if (r->tc_if[q] == ifindex)
				break;
		if (q < (uint32_t)r->n_tc)
			continue;
		err = frr_attach_tc(r, ifindex);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Before the replace: every path the policy takes out of the group is
 * declared down in the map, so the data path moves its flows while the
 * replace is in flight. (A path the policy keeps installed under the
 * last-path rule stays in desired: it has no survivor to go to.)
 */
void frr_engine_verdict(struct frr *r, uint32_t gi, uint32_t desired,
			uint32_t installed, uint64_t now)
{
	uint32_t out = installed & ~desired, p;

	for (p = 0; p < FABRIC_RR_MAX_MEMBERS; p++)
		if (out & (1U << p))
			frr_declare(r, gi, p, now);
}

/*
 * After a replace: a successful one is the replaced stage, then the
 * read-back; a path back in the group must not keep an override.
 */
void frr_engine_replaced(struct frr *r, uint32_t gi, uint32_t before,
			 uint32_t after, uint64_t done_ns, int err)
{
	uint32_t back = after & ~before, p;

	if (err)
		return;
	for (p = 0; p < FABRIC_RR_MAX_MEMBERS; p++)
		if (back & (1U << p))
			frr_restored(r, gi, p);
	frr_replaced(r, gi, done_ns);
}

static void hook_verdict(void *arg, uint32_t group, uint32_t desired,
			 uint32_t installed, uint64_t now)
{
	frr_engine_verdict(arg, group, desired, installed, now);
}

static void hook_replaced(void *arg, const struct ffe_replace *rp)
{
	frr_engine_replaced(arg, rp->group, rp->before, rp->after,
			    rp->t_done_ns, rp->error);
}

int frr_engine_attach(struct frr *r, struct ffe *e,
		      const struct ffe_cfg *cfg, bool tc)
{
	struct ffe_hook h = {
		.verdict = hook_verdict, .replaced = hook_replaced, .arg = r,
	};
	uint32_t gi;
	int err;

	for (gi = 0; gi < cfg->n_groups && gi < FABRIC_RR_MAX_GROUPS; gi++) {
		err = frr_mirror_cfg(r, gi, &cfg->group[gi]);
		if (!err && tc)
			err = frr_attach_cfg(r, &cfg->group[gi]);
		if (err)
			return err;
	}
	return ffe_hook_add(e, &h);
}
