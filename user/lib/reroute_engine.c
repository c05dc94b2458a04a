// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data-path reroute seen from a failover executor: mirror its groups
 * and turn each policy result into reroute steps. The userspace engine
 * calls frr_engine_before() ahead of its replace and frr_engine_after()
 * once the replace returned; fabricd does the same around fabric.ko's
 * events. See reroute.h.
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
 * Before the executor acts: every path the policy just took down is
 * declared down in the map, so the data path moves its flows while the
 * replace is in flight. A path kept installed (last-path rule) has no
 * survivor to go to: it is left alone.
 */
void frr_engine_before(struct frr *r, uint32_t gi,
		       const struct fabric_fo_result *res)
{
	uint32_t i;

	for (i = 0; i < res->n_trans; i++) {
		const struct fabric_fo_transition *t = &res->trans[i];

		if (t->to == FABRIC_FO_DOWN && t->from != FABRIC_FO_DOWN &&
		    !(t->flags & FABRIC_FO_TF_KEPT))
			frr_declare(r, gi, t->path, t->time_ns);
	}
}

/*
 * After the executor acted (err: its result): a successful replace is
 * the replaced stage, then the read-back; a path back UP (hold-down
 * over) must not keep an override.
 */
void frr_engine_after(struct frr *r, uint32_t gi,
		      const struct fabric_fo_result *res, int err)
{
	uint32_t i;

	for (i = 0; i < res->n_trans; i++)
		if (res->trans[i].to == FABRIC_FO_UP)
			frr_restored(r, gi, res->trans[i].path);
	if (!err)
		frr_replaced(r, gi, frr_now());
}
