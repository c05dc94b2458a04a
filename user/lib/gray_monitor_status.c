// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Gray monitor: what it says about links and paths, for export.
 */
#include <errno.h>
#include <string.h>

#include "gray_monitor_int.h"

static const char *const ev_names[GMON_EV_MAX] = {
	[GMON_EV_SUSPECT]	= "gray_suspect",
	[GMON_EV_DRAIN]		= "gray_drain",
	[GMON_EV_RESTORE]	= "gray_restore",
	[GMON_EV_CLEAR]		= "gray_clear",
};

const char *gmon_ev_name(uint32_t type)
{
	return type < GMON_EV_MAX ? ev_names[type] : "unknown";
}

const char *gmon_kind_name(uint32_t kind)
{
	return kind == GMON_KIND_DELAY ? "delay" : "loss";
}

const struct gmon_cfg *gmon_config(const struct gmon *m)
{
	return &m->cfg;
}

int gmon_link_status(const struct gmon *m, uint32_t link,
		     struct gmon_link_status *st)
{
	const struct gmon_link *lk;

	if (link >= m->cfg.n_links)
		return -EINVAL;
	lk = &m->link[link];
	memset(st, 0, sizeof(*st));
	st->suspect = lk->suspect;
	st->drained = lk->drained;
	st->monitor = m->cfg.monitor_only || m->cfg.link_monitor[link];
	st->kind = lk->kind;
	st->loss_ppb = lk->loss.point;
	st->loss_lo_ppb = lk->loss.lo;
	st->loss_hi_ppb = lk->loss.hi;
	st->shift_ns = lk->shift_ns;
	st->confidence = lk->suspect || lk->drained ? lk->conf : 0;
	memcpy(st->paths, lk->paths, sizeof(st->paths));
	st->since_ns = lk->since_ns;
	st->clean_since_ns = lk->clean_since_ns;
	return 0;
}

int gmon_path_status(const struct gmon *m, uint32_t group, uint32_t path,
		     struct gmon_path_status *st)
{
	const struct gmon_path *pp;

	if (group >= m->cfg.n_groups || path >= m->cfg.n_paths[group])
		return -EINVAL;
	pp = &m->path[group][path];
	memset(st, 0, sizeof(*st));
	st->drained_by = -1;
	st->monitored = pp->on;
	if (!pp->on)
		return 0;
	st->loss_alarm = pp->loss.alarm;
	st->delay_alarm = pp->lat.alarm;
	st->gray = pp->gray;
	st->drained_by = pp->drained_by;
	st->loss_ppb = gmon_path_loss_ppb(pp);
	st->baseline_ns = pp->lat.n_learnt == pp->lat.cfg.learn ?
			  pp->lat.baseline : 0;
	st->shift_ns = pp->lat.shift;
	st->probes = pp->probes;
	st->lost = pp->lost;
	st->stalled = pp->stalled;
	st->late = pp->late;
	st->passive_packets = pp->passive_packets;
	st->passive_lost = pp->passive_lost;
	return 0;
}

const struct gmon_stats *gmon_stats(const struct gmon *m)
{
	return &m->st;
}

int gmon_link_id(const struct gmon *m, const char *name)
{
	uint32_t l;

	for (l = 0; l < m->cfg.n_links; l++)
		if (!strcmp(m->cfg.link_name[l], name))
			return (int)l;
	return -1;
}
