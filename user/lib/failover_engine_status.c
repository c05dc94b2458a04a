// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Failover engine: read-only accessors (group status, histogram, event
 * log, probe statistics, path lookup).
 */
#include <errno.h>
#include <string.h>

#include "failover_engine_int.h"

uint32_t ffe_n_groups(const struct ffe *e)
{
	return e->cfg.n_groups;
}

int ffe_group_status(const struct ffe *e, uint32_t group,
		     struct ffe_group_status *st)
{
	const struct ffe_grp *g;

	if (group >= e->cfg.n_groups)
		return -EINVAL;
	g = &e->grp[group];
	memset(st, 0, sizeof(*st));
	st->name = g->cfg.name;
	st->nhg_id = g->cfg.nh.id;
	st->n_paths = g->cfg.n_paths;
	st->desired = fabric_fo_members(&g->fo);
	st->installed = g->installed;
	st->dirty = g->dirty;
	st->last_error = g->last_error;
	memcpy(st->last_error_msg, g->last_error_msg, sizeof(st->last_error_msg));
	st->failovers = g->failovers;
	st->restores = g->restores;
	st->exec_errors = g->exec_errors;
	st->neigh_unstuck = g->neigh_unstuck;
	st->neigh_waits = g->neigh_waits;
	st->replace_timeouts = g->replace_timeouts;
	st->replace_pending = ffe_worker_busy(e);
	st->fo = &g->fo;
	st->paths = g->cfg.path;
	return 0;
}

const struct ffe_hist *ffe_hist(const struct ffe *e)
{
	return &e->hist;
}

uint32_t ffe_log(const struct ffe *e, struct ffe_event *out, uint32_t max)
{
	uint64_t first = e->log_n > FFE_LOG_LEN ? e->log_n - FFE_LOG_LEN : 0;
	uint32_t n = 0;

	if (e->log_n - first > max)
		first = e->log_n - max;
	for (; first < e->log_n; first++)
		out[n++] = e->log[first % FFE_LOG_LEN];
	return n;
}

const struct fprobe_stats *ffe_probe_stats(const struct ffe *e, uint32_t group)
{
	if (group >= e->cfg.n_groups || !e->grp[group].probe)
		return NULL;
	return fprobe_stats(e->grp[group].probe);
}

int ffe_find_path(const struct ffe *e, const char *name, uint32_t *group,
		  uint32_t *path)
{
	uint32_t i, p;

	for (i = 0; i < e->cfg.n_groups; i++)
		for (p = 0; p < e->grp[i].cfg.n_paths; p++)
			if (!strcmp(e->grp[i].cfg.path[p].name, name)) {
				*group = i;
				*path = p;
				return 0;
			}
	return -ENOENT;
}
