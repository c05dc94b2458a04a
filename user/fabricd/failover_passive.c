// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Passive failover signals: the data path's gap, NAK and silence events
 * on a path's port, and clean RoCE traffic as proof of life for paths
 * without probes, fed to whichever executor runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric.skel.h"
#include "fabricd.h"
#include "failover.h"
#include "log.h"
#include "passive_paths.h"

/*
 * Passive signals (Documentation/failover.md): data-path events on a
 * path's device, and, for paths without probes, clean traffic as proof of
 * life. Per path, since the last 1 s tick.
 */
struct fo_passive {
	__u32	ifindex;	/* the path's device now, 0: unknown */
	__u32	bad;		/* gap, NAK or silence events */
	__u64	rx_roce;	/* the port's RoCE frames at the last tick */
	bool	rx_known;
};

static struct fo_passive passive[FCFG_MAX_GROUPS][FCFG_GROUP_MAX_PATHS];

static const struct fcfg_path *cfg_path(const struct fabricd *d, int g, int p)
{
	return &d->cfg.path_[d->cfg.group[g].path[p]];
}

/* Resolve devices (they may come and go) and tell the data path which
 * ports to watch for silence. */
void fo_passive_sync(struct fabricd *d)
{
	struct fabric_bpf *skel = d->dp ? d->dp->skel : NULL;
	__u64 tol = (__u64)d->cfg.thr.stall_tolerance_us * 1000;
	__u8 watch[FABRIC_PORT_SLOTS] = { 0 };
	int g, p;

	for (g = 0; g < d->cfg.n_groups; g++) {
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			const struct fcfg_path *cp = cfg_path(d, g, p);
			struct fo_passive *pp = &passive[g][p];
			__u32 ifi = cp->dev[0] ? if_nametoindex(cp->dev) :
				    (__u32)cp->ifindex;

			if (ifi != pp->ifindex)
				pp->rx_known = false;
			pp->ifindex = ifi;
			if (ifi && ifi < FABRIC_PORT_SLOTS)
				watch[ifi] = 1;
			else if (ifi && d->cfg.thr.silence_ms)
				pr_debug("failover: path %s: ifindex %u >= %u, no silence detection\n",
					 cp->name, ifi, FABRIC_PORT_SLOTS);
		}
	}
	if (!skel || !skel->bss || !skel->data)
		return;
	/* learn flows' egress ports so that evidence names their path */
	skel->bss->fpath_on = d->cfg.n_groups > 0;
	/* silence events matter to whichever executor runs (fabric.ko gets
	 * them as PATH_EVENTs) */
	if (!d->cfg.thr.silence_ms || !d->fo || (!d->fo->eng && !d->fo->km))
		memset(watch, 0, sizeof(watch));
	memcpy(skel->bss->silence_watch, watch, sizeof(watch));
	/* Late checks re-check in the data path, so that every silence event
	 * it sends passes the policy's stall rule. */
	skel->data->silence_lag_max_ns = tol ? tol : 1;
	skel->bss->silence_ns = d->fo && (d->fo->eng || d->fo->km) ?
				(__u64)d->cfg.thr.silence_ms * 1000000 : 0;
}

/* The data path's RoCE receive count of a port. */
static __u64 port_rx_roce(const struct fabricd *d, __u32 ifindex)
{
	struct fabric_port_counters pc;

	if (!d->dp || fabric_maps_port(&d->dp->maps, ifindex, &pc))
		return 0;
	return pc.rx_roce_packets;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A passive signal to the executor: fabricd's engine, or fabric.ko. */
static void fo_passive_signal(struct fabricd *d, int g, int p, __u32 sig,
			      __u64 ts_ns, __u64 lag_ns)
{
	if (d->fo->eng)
		ffe_path_signal(d->fo->eng, g, p, sig, ts_ns, lag_ns);
	else if (d->fo->km)
		fo_kmod_signal(d->fo->km, g, p, sig, lag_ns);
}

/*
 * A path without probes that is not UP gets one PROBE_OK per tick in
 * which RoCE traffic arrived over it and no bad event did: recover_probes
 * such seconds clear its soft failure. (A path with probes recovers by
 * its probes.)
 */
static __u32 path_ifindex(int g, int p)
{
	return passive[g][p].ifindex;
}

void fo_passive_tick(struct fabricd *d)
{
	struct ffe *e = d->fo->eng;
	__u64 now = mono_ns();
	int g, p;

	fo_passive_sync(d);
	fo_passive_paths_tick(d, path_ifindex, now);
	for (g = 0; g < d->cfg.n_groups; g++) {
		struct ffe_group_status st;

		if (e && ffe_group_status(e, g, &st))
			continue;
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			struct fo_passive *pp = &passive[g][p];
			__u64 rx = pp->ifindex ? port_rx_roce(d, pp->ifindex) : 0;
			bool alive = pp->rx_known && rx != pp->rx_roce && !pp->bad;

			if (alive && !cfg_path(d, g, p)->probe &&
			    (e ? st.fo->path[p].state :
			     d->fo->live.g[g].path[p].state) != FABRIC_FO_UP)
				fo_passive_signal(d, g, p, FABRIC_FO_SIG_PROBE_OK, now, 0);
			pp->rx_roce = rx;
			pp->rx_known = pp->ifindex != 0;
			pp->bad = 0;
		}
	}
}

static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* How long a watched port has been without RoCE (the data path's coarse
 * clock, which CLOCK_MONOTONIC_COARSE reads), or ~0 if unknown. */
static __u64 port_quiet_ns(const struct fabricd *d, __u32 ifindex, __u64 now)
{
	struct fabric_silence_port sp;
	__s64 q;

	if (!d->dp || !ifindex || ifindex >= FABRIC_PORT_SLOTS ||
	    bpf_map_lookup_elem(bpf_map__fd(d->dp->skel->maps.fabric_silence),
				&ifindex, &sp) || !sp.last_rx_ns)
		return ~0ULL;
	q = (__s64)(now - sp.last_rx_ns);
	return q > 0 ? (__u64)q : 0;
}

/*
 * Silence means a dead path only where traffic is expected: the port is
 * still quiet now, and another path of the group carried RoCE within the
 * last half silence period (the peers are sending, just not over this
 * one). All paths quiet at once is a sender that stopped or stalled, or
 * this host stalling: not evidence (DESIGN §4: never withdraw on a
 * signal that hits every path).
 */
static bool silence_credible(const struct fabricd *d, int g, int p)
{
	__u64 now = coarse_ns(), limit = (__u64)d->cfg.thr.silence_ms * 1000000;
	int q;

	if (port_quiet_ns(d, passive[g][p].ifindex, now) < limit)
		return false;
	for (q = 0; q < d->cfg.group[g].n_paths; q++)
		if (q != p && port_quiet_ns(d, passive[g][q].ifindex, now) < limit / 2)
			return true;
	return false;
}

/*
 * A data-path event: the signal it is for the path(s) on its port. A gap
 * or NAK is about the path its flow takes (the data path's path_ifindex,
 * bpf/flow_path.h); only when that is unknown, its arrival port.
 */
void fabricd_fo_passive(struct fabricd *d, const struct fabric_event *ev)
{
	static __u64 silence_ignored;
	__u32 sig, lag = 0, port = ev->ifindex;
	int g, p;

	switch (ev->type) {
	case FABRIC_EV_PSN_GAP:
		sig = FABRIC_FO_SIG_GAP_BURST;
		break;
	case FABRIC_EV_NAK:
		/* RNR and the other NAK codes are the endpoints' business */
		if (ev->syndrome != (ROCE_AETH_NAK << 5 | ROCE_NAK_PSN_SEQ_ERR))
			return;
		sig = FABRIC_FO_SIG_GAP_BURST;
		break;
	case FABRIC_EV_SILENCE:
		sig = FABRIC_FO_SIG_SILENCE;
		lag = ev->expected_psn;		/* timer lateness, us */
		break;
	default:
		return;
	}
	if (sig == FABRIC_FO_SIG_GAP_BURST) {
		if (ev->path_ifindex)
			port = ev->path_ifindex;
		else
			fo_passive_paths_unattributed();
	}
	if (!d->fo || (!d->fo->eng && !d->fo->km))
		return;
	for (g = 0; g < d->cfg.n_groups; g++) {
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			if (!port || passive[g][p].ifindex != port)
				continue;
			passive[g][p].bad++;
			if (sig == FABRIC_FO_SIG_SILENCE && !silence_credible(d, g, p)) {
				silence_ignored++;
				pr_debug("failover: path %s: silence not credible (other paths quiet too, or traffic is back); ignored\n",
					 cfg_path(d, g, p)->name);
				continue;
			}
			fo_passive_signal(d, g, p, sig, ev->ts_ns, (__u64)lag * 1000);
		}
	}
}

/* A new executor: forget what the last one's ticks saw. */
void fo_passive_reset(void)
{
	memset(passive, 0, sizeof(passive));
	fo_passive_paths_reset();
}
