// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Failover engine verdict source: fabricd's echo probes (probe.h), one
 * prober per group over its paths that have probe = true.
 */
#include <errno.h>
#include <stdio.h>

#include "failover_engine_int.h"

static void ffe_probe_cb(void *arg, uint32_t pi, int verdict, uint64_t now,
			 uint64_t lag)
{
	struct ffe_grp *g = arg;
	struct ffe *e = g->e;

	if (verdict != FPROBE_OK && e->probe_obs)
		e->probe_obs(e->probe_obs_arg, g->idx, g->probe_path[pi],
			     lag > g->fo.cfg.stall_tolerance_ns ?
			     FFE_PROBE_STALLED : FFE_PROBE_LOST, 0, now);

	ffe_verdict(g, 1U << g->probe_path[pi],
		    verdict == FPROBE_OK ? FABRIC_FO_SIG_PROBE_OK :
					   FABRIC_FO_SIG_PROBE_MISS, now, lag);
}

static void ffe_probe_rtt_cb(void *arg, uint32_t pi, uint64_t rtt, bool late,
			     uint64_t now)
{
	struct ffe_grp *g = arg;
	struct ffe *e = g->e;

	if (e->probe_obs)
		e->probe_obs(e->probe_obs_arg, g->idx, g->probe_path[pi],
			     late ? FFE_PROBE_LATE : FFE_PROBE_ANSWERED, rtt, now);
}

void ffe_probe_observer(struct ffe *e, ffe_probe_obs cb, void *arg)
{
	e->probe_obs = cb;
	e->probe_obs_arg = arg;
}

static int probe_open_group(struct ffe *e, struct ffe_grp *g, uint32_t base)
{
	struct fprobe_path_cfg pc[FPROBE_MAX_PATHS];
	struct fprobe_cfg fc = { 0 };
	uint32_t p, n = 0;

	if (!e->cfg.probe_interval_ns)
		return 0;
	for (p = 0; p < g->cfg.n_paths; p++) {
		const struct ffe_path_cfg *pcfg = &g->cfg.path[p];

		if (!pcfg->probe)
			continue;
		pc[n] = pcfg->probe_cfg;
		snprintf(pc[n].ifname, sizeof(pc[n].ifname), "%s", pcfg->ifname);
		if (!pc[n].family)
			pc[n].family = pcfg->nh.family;
		g->probe_path[n] = p;
		g->path_probe[p] = n + 1;
		n++;
	}
	if (!n)
		return 0;
	fc.interval_ns = e->cfg.probe_interval_ns;
	fc.timeout_ns = e->cfg.probe_timeout_ns ? e->cfg.probe_timeout_ns :
			3 * e->cfg.probe_interval_ns;
	fc.port = e->cfg.probe_port;
	fc.path_base = base;
	g->probe_base = base;
	fc.cb = ffe_probe_cb;
	fc.rtt_cb = ffe_probe_rtt_cb;
	fc.arg = g;
	g->probe = fprobe_open(&fc, pc, n);
	return g->probe ? 0 : -errno;
}

/* Probe slots are node-wide: group by group, its probed paths in order. */
static int probe_open(struct ffe *e)
{
	uint32_t i, p, base = 0;
	int err;

	for (i = 0; i < e->cfg.n_groups; i++) {
		err = probe_open_group(e, &e->grp[i], base);
		if (err)
			return err;
		for (p = 0; p < e->grp[i].cfg.n_paths; p++)
			base += e->grp[i].path_probe[p] != 0;
	}
	return 0;
}

int ffe_probe_slot(const struct ffe *e, uint32_t group, uint32_t path)
{
	const struct ffe_grp *g;

	if (group >= e->cfg.n_groups || path >= e->grp[group].cfg.n_paths)
		return -EINVAL;
	g = &e->grp[group];
	if (!g->probe || !g->path_probe[path])
		return -ENOENT;
	return g->probe_base + g->path_probe[path] - 1;
}

static void probe_close(struct ffe *e)
{
	uint32_t i;

	for (i = 0; i < FFE_MAX_GROUPS; i++) {
		fprobe_close(e->grp[i].probe);
		e->grp[i].probe = NULL;
	}
}

static void probe_start(struct ffe *e)
{
	uint32_t i;

	for (i = 0; i < e->cfg.n_groups; i++)
		if (e->grp[i].probe)
			fprobe_start(e->grp[i].probe);
}

static int probe_fds(const struct ffe *e, int *fds, int max)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < e->cfg.n_groups && n < max; i++)
		if (e->grp[i].probe)
			fds[n++] = fprobe_fd(e->grp[i].probe);
	return n;
}

static bool probe_dispatch(struct ffe *e, int fd)
{
	uint32_t i;

	for (i = 0; i < e->cfg.n_groups; i++) {
		if (e->grp[i].probe && fd == fprobe_fd(e->grp[i].probe)) {
			fprobe_run(e->grp[i].probe);
			return true;
		}
	}
	return false;
}

const struct ffe_source ffe_src_probe = {
	.name		= "probe",
	.open		= probe_open,
	.close		= probe_close,
	.start		= probe_start,
	.fds		= probe_fds,
	.dispatch	= probe_dispatch,
};
