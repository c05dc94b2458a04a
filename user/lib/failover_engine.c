// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Failover engine: signals -> fabric_fo state machine -> nexthop executor.
 * This file: lifecycle and the loop. The map of the other files is in
 * failover_engine_int.h; see also Documentation/failover.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/timerfd.h>

#include "failover_engine_int.h"

/* Verdict sources, in the order they are opened and polled. */
static const struct ffe_source *const ffe_sources[] = {
	&ffe_src_carrier,
	&ffe_src_worker,
	&ffe_src_probe,
};

#define FFE_N_SOURCES	(sizeof(ffe_sources) / sizeof(ffe_sources[0]))

void ffe_resync(struct ffe *e)
{
	uint32_t s;

	for (s = 0; s < FFE_N_SOURCES; s++)
		if (ffe_sources[s]->resync)
			ffe_sources[s]->resync(e);
}

static int ffe_group_setup(struct ffe *e, uint32_t gi)
{
	struct ffe_grp *g = &e->grp[gi];
	uint32_t p;

	g->e = e;
	g->idx = gi;
	g->cfg = e->cfg.group[gi];
	if (!g->cfg.n_paths || g->cfg.n_paths > FNH_MAX_MEMBERS ||
	    g->cfg.n_paths > FABRIC_FO_MAX_PATHS)
		return -EINVAL;
	g->cfg.nh.n_members = g->cfg.n_paths;
	for (p = 0; p < g->cfg.n_paths; p++) {
		struct ffe_path_cfg *pcfg = &g->cfg.path[p];

		pcfg->nh.ifindex = if_nametoindex(pcfg->ifname);
		if (!pcfg->nh.ifindex)
			return -ENODEV;
		g->cfg.nh.m[p] = pcfg->nh;
	}
	if (fabric_fo_group_init(&g->fo, &e->cfg.policy, g->cfg.n_paths,
				 ffe_now()))
		return -EINVAL;
	g->installed = fabric_fo_members(&g->fo);
	return 0;
}

struct ffe *ffe_open(const struct ffe_cfg *cfg)
{
	struct ffe *e;
	uint32_t i;
	int err = -ENOMEM;

	if (!cfg->n_groups || cfg->n_groups > FFE_MAX_GROUPS) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->ioc = -1;
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->nh = fnh_open();
	if (e->tfd < 0 || !e->nh)
		goto err;
	for (i = 0; i < cfg->n_groups; i++) {
		err = ffe_group_setup(e, i);
		if (err)
			goto err;
	}
	for (i = 0; i < FFE_N_SOURCES; i++) {
		err = ffe_sources[i]->open(e);
		if (err)
			goto err;
	}
	ffe_resync(e);
	return e;
err:
	ffe_close(e);
	errno = -err;
	return NULL;
}

void ffe_close(struct ffe *e)
{
	uint32_t i;

	if (!e)
		return;
	for (i = FFE_N_SOURCES; i-- > 0;)
		ffe_sources[i]->close(e);
	fnh_close(e->nh);
	if (e->tfd >= 0)
		close(e->tfd);
	free(e);
}

int ffe_install(struct ffe *e)
{
	uint32_t i;
	int ret = 0;

	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		if (!e->cfg.no_install && ffe_execute(g, true) && !ret)
			ret = g->last_error;
	}
	for (i = 0; i < FFE_N_SOURCES; i++)
		if (ffe_sources[i]->start)
			ffe_sources[i]->start(e);
	ffe_arm(e);
	return ret;
}

int ffe_fds(const struct ffe *e, int *fds, int max)
{
	uint32_t i;
	int n = 0;

	if (n < max)
		fds[n++] = e->tfd;
	for (i = 0; i < FFE_N_SOURCES; i++)
		n += ffe_sources[i]->fds(e, fds + n, max - n);
	return n;
}

static void ffe_timer(struct ffe *e)
{
	uint64_t exp, now = ffe_now();
	uint32_t i;

	if (read(e->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		fabric_fo_tick(&g->fo, now, &e->res);
		if (e->res.changed || e->res.n_trans || g->dirty)
			ffe_apply(g, &e->res, now);
		/* Second step of a blind restore: the real idle timer. */
		if (g->settle_at && (int64_t)(now - g->settle_at) >= 0 &&
		    ffe_execute(g, false))
			g->settle_at = now + FFE_RETRY_NS;
	}
	ffe_arm(e);
}

void ffe_dispatch(struct ffe *e, int fd)
{
	uint32_t i;

	if (fd == e->tfd) {
		ffe_timer(e);
		return;
	}
	for (i = 0; i < FFE_N_SOURCES; i++)
		if (ffe_sources[i]->dispatch(e, fd))
			return;
}

int ffe_drain(struct ffe *e, uint32_t group, uint32_t path, bool on)
{
	struct ffe_grp *g;
	uint64_t now = ffe_now();
	int ret;

	if (group >= e->cfg.n_groups)
		return -EINVAL;
	g = &e->grp[group];
	ret = on ? fabric_fo_drain(&g->fo, path, now, &e->res) :
		   fabric_fo_undrain(&g->fo, path, now, &e->res);
	if (ret)
		return ret;
	ffe_apply(g, &e->res, now);
	return 0;
}

int ffe_path_signal(struct ffe *e, uint32_t group, uint32_t path,
		    uint32_t signal, uint64_t now, uint64_t lag)
{
	struct ffe_grp *g;

	if (group >= e->cfg.n_groups)
		return -EINVAL;
	g = &e->grp[group];
	if (path >= g->cfg.n_paths ||
	    (signal != FABRIC_FO_SIG_GAP_BURST &&
	     signal != FABRIC_FO_SIG_GRAY &&
	     signal != FABRIC_FO_SIG_GRAY_CLEAR &&
	     signal != FABRIC_FO_SIG_SILENCE &&
	     signal != FABRIC_FO_SIG_PROBE_MISS &&
	     signal != FABRIC_FO_SIG_PROBE_OK))
		return -EINVAL;
	ffe_verdict(g, 1U << path, signal, now, lag);
	return 0;
}
