// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Executor selection and the userspace executor. At start and on SIGHUP:
 * if fabric.ko's genetlink family resolves, the module executes (kmod.c);
 * otherwise fabricd runs the failover engine (user/lib/failover_engine.h)
 * in its own epoll loop. Either way the main thread keeps a view of every
 * group and path (struct fo_view) and publishes a copy for the exporter
 * thread under fo->lock, so a scrape never waits on the failover loop and
 * the failover loop never waits on a scrape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric.skel.h"
#include "exporter.h"
#include "fabricd.h"
#include "failover.h"
#include "log.h"
#include "loop.h"

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
static void passive_sync(struct fabricd *d)
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
static void passive_tick(struct fabricd *d)
{
	struct ffe *e = d->fo->eng;
	__u64 now = mono_ns();
	int g, p;

	passive_sync(d);
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

/* A data-path event: the signal it is for the path(s) on its port. */
void fabricd_fo_passive(struct fabricd *d, const struct fabric_event *ev)
{
	static __u64 silence_ignored;
	__u32 sig, lag = 0;
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
	if (!d->fo || (!d->fo->eng && !d->fo->km))
		return;
	for (g = 0; g < d->cfg.n_groups; g++) {
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			if (!ev->ifindex || passive[g][p].ifindex != ev->ifindex)
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
static struct ffe_cfg *engine_cfg(const struct fabricd_config *c)
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

void fabricd_fo_record(struct fabricd_fo *fo, const struct fo_transition *t)
{
	fo->recent[fo->n_recent % FO_RECENT] = *t;
	fo->n_recent++;
	fo->transitions++;
	fo->changed = true;
	pr_info("failover: group=%s path=%s %s->%s reason=%s%s%s repair_us=%llu%s%s\n",
		t->group, t->path, fabric_fo_state_name(t->from),
		fabric_fo_state_name(t->to), fabric_fo_reason_name(t->reason),
		t->flags & FABRIC_FO_TF_KEPT ? " kept" : "",
		t->flags & FABRIC_FO_TF_FLAP ? " flap" : "",
		(unsigned long long)(t->repair_ns / 1000),
		t->error ? " error=" : "", t->error ? strerror(-t->error) : "");
}

static void on_engine_event(void *arg, const struct ffe_event *ev)
{
	struct fabricd *d = arg;
	struct fo_transition t = {
		.time_ns = ev->time_ns, .repair_ns = ev->repair_ns,
		.from = ev->from, .to = ev->to, .reason = ev->reason,
		.flags = ev->flags, .error = ev->error,
	};

	if (ev->group >= (__u32)d->cfg.n_groups)
		return;
	snprintf(t.group, sizeof(t.group), "%s", d->cfg.group[ev->group].name);
	if (ev->path < (__u32)d->cfg.group[ev->group].n_paths)
		snprintf(t.path, sizeof(t.path), "%s",
			 d->cfg.path_[d->cfg.group[ev->group].path[ev->path]].name);
	fabricd_fo_record(d->fo, &t);
}

static void engine_view(struct fabricd *d, struct fo_view *v)
{
	struct ffe *e = d->fo->eng;
	__u32 i, p, pi;

	v->n_groups = ffe_n_groups(e);
	for (i = 0; i < v->n_groups; i++) {
		const struct fprobe_stats *ps = ffe_probe_stats(e, i);
		struct fo_group_view *g = &v->g[i];
		struct ffe_group_status st;

		if (ffe_group_status(e, i, &st))
			continue;
		snprintf(g->name, sizeof(g->name), "%s", st.name);
		g->id = st.nhg_id;
		g->n_paths = st.n_paths;
		g->desired = st.desired;
		g->installed = st.installed;
		g->dirty = st.dirty;
		g->failovers = st.failovers;
		g->restores = st.restores;
		g->exec_errors = st.exec_errors;
		g->drain_refused = st.fo->drain_refused;
		snprintf(g->last_error, sizeof(g->last_error), "%s",
			 st.last_error ? st.last_error_msg : "");
		if (ps)
			v->probe_ticks_skipped += ps->ticks_skipped;
		for (p = 0, pi = 0; p < st.n_paths; p++) {
			const struct fabric_fo_path *fp = &st.fo->path[p];
			const struct ffe_path_cfg *pc = &st.paths[p];
			struct fo_path_view *pv = &g->path[p];

			snprintf(pv->name, sizeof(pv->name), "%s", pc->name);
			snprintf(pv->dev, sizeof(pv->dev), "%s", pc->ifname);
			pv->nh_id = pc->nh.id;
			pv->gw_family = pc->nh.family;
			memcpy(pv->gw, &pc->nh.gw, sizeof(pv->gw));
			pv->probe = pc->probe && d->cfg.thr.probe_interval_us;
			pv->state = fp->state;
			pv->drained = fp->drained;
			pv->carrier = fp->carrier;
			pv->installed = !!(st.installed & (1U << p));
			pv->last_reason = fp->st.last_reason;
			pv->last_change_ns = fp->st.last_change_ns;
			pv->hold_until_ns = fp->state == FABRIC_FO_HOLDDOWN ?
					    fp->hold_until_ns : 0;
			pv->failovers = fp->st.failovers;
			pv->restores = fp->st.restores;
			pv->flaps = fp->st.flaps;
			pv->ignored_stalled = fp->st.ignored_stalled;
			pv->ignored_local = fp->st.ignored_local;
			pv->kept = fp->st.kept;
			pv->drains = fp->st.drains;
			if (!pv->probe || !ps)
				continue;
			pv->probe_sent = ps->path[pi].sent;
			pv->probe_answered = ps->path[pi].answered;
			pv->probe_missed = ps->path[pi].missed;
			pv->probe_late = ps->path[pi].late;
			pv->probe_send_errors = ps->path[pi].send_errors;
			pv->rtt_min_ns = ps->path[pi].rtt_min_ns;
			pv->rtt_max_ns = ps->path[pi].rtt_max_ns;
			pv->rtt_sum_ns = ps->path[pi].rtt_sum_ns;
			pi++;
		}
	}
	v->hist = *ffe_hist(e);
}

/* Rebuild the live view and publish it for the exporter. */
void fabricd_fo_refresh(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	struct fo_view *v = &fo->live;

	memset(v, 0, sizeof(*v));
	v->module = fo->module;
	if (fo->eng)
		engine_view(d, v);
	else if (fo->km && fo_kmod_view(fo->km, v) == 0)
		v->hist = fo->hist;
	v->transitions = fo->transitions;
	pthread_mutex_lock(&fo->lock);
	fo->snap = *v;
	pthread_mutex_unlock(&fo->lock);
	fo->changed = false;
}

const char *fabricd_fo_executor(const struct fabricd *d)
{
	return d->fo && d->fo->module ? "fabric.ko" : "fabricd";
}

static void epoll_fds(struct fabricd *d, bool add)
{
	struct fabricd_fo *fo = d->fo;
	struct epoll_event e = { .events = EPOLLIN };
	int i;

	if (add) {
		fo->nfds = fo->eng ? ffe_fds(fo->eng, fo->fd, FO_MAX_FDS) :
			   fo->km ? fo_kmod_fds(fo->km, fo->fd, FO_MAX_FDS) : 0;
	}
	for (i = 0; i < fo->nfds; i++) {
		e.data.u32 = TAG_FO + i;
		if (add)
			epoll_ctl(d->epfd, EPOLL_CTL_ADD, fo->fd[i], &e);
		else
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, fo->fd[i], NULL);
	}
	if (!add)
		fo->nfds = 0;
}

int fabricd_fo_init(struct fabricd *d)
{
	d->fo = calloc(1, sizeof(*d->fo));
	if (!d->fo)
		return -ENOMEM;
	pthread_mutex_init(&d->fo->lock, NULL);
	return 0;
}

static int start_engine(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	struct ffe_cfg *ec = engine_cfg(&d->cfg);
	int err;

	if (!ec)
		return -ENOMEM;
	ec->on_event = on_engine_event;
	ec->arg = d;
	fo->eng = ffe_open(ec);
	free(ec);
	if (!fo->eng) {
		err = -errno;
		pr_err("failover: cannot start the engine: %s\n", strerror(errno));
		return err ? err : -EINVAL;
	}
	/* installs the groups when absent, reconciles them when they differ */
	err = ffe_install(fo->eng);
	if (err)
		pr_warn("failover: installing the groups: %s (retrying)\n",
			strerror(-err));
	return 0;
}

int fabricd_fo_start(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	bool present = fo_kmod_present();
	int err = 0;

	fo->module = false;
	fo->fallback = false;
	fo->why[0] = '\0';
	d->module_present = present;
	if (present && d->cfg.n_groups) {
		fo->km = fo_kmod_open(d, fo->why, sizeof(fo->why));
		if (fo->km) {
			fo->module = true;
		} else {
			fo->fallback = true;
			pr_warn("failover: fabric.ko is loaded but cannot run the groups (%s); fabricd executes\n",
				fo->why);
		}
	} else if (present) {
		snprintf(fo->why, sizeof(fo->why), "no [group] configured");
	} else {
		snprintf(fo->why, sizeof(fo->why), "fabric.ko not loaded");
	}
	if (!fo->module && d->cfg.n_groups)
		err = start_engine(d);
	epoll_fds(d, true);
	if (d->cfg.n_groups)
		pr_info("failover: %d groups, %d paths, executor %s%s%s%s\n",
			d->cfg.n_groups, d->cfg.n_paths, fabricd_fo_executor(d),
			fo->why[0] ? " (" : "", fo->why, fo->why[0] ? ")" : "");
	d->executor = fo->module ? "fabric.ko" :
		      fo->fallback ? "fabricd (fabric.ko not usable)" :
		      "fabricd (fabric.ko not loaded)";
	if (d->exporter)
		fabric_exporter_lock(d->exporter);
	d->metrics.executor = fabricd_fo_executor(d);
	if (d->exporter)
		fabric_exporter_unlock(d->exporter);
	memset(passive, 0, sizeof(passive));
	passive_sync(d);
	fabricd_fo_refresh(d);
	return err;
}

/* The kernel groups stay as they are: a stopped fabricd changes nothing. */
void fabricd_fo_stop(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;

	if (!fo)
		return;
	epoll_fds(d, false);
	ffe_close(fo->eng);
	fo->eng = NULL;
	fo_kmod_close(fo->km);
	fo->km = NULL;
	passive_sync(d);	/* nobody to tell: silence off */
}

void fabricd_fo_free(struct fabricd *d)
{
	if (!d->fo)
		return;
	fabricd_fo_stop(d);
	pthread_mutex_destroy(&d->fo->lock);
	free(d->fo);
	d->fo = NULL;
}

/*
 * SIGHUP: restart failover only when something it depends on changed
 * (groups, paths, thresholds) or the executor would change. A restart
 * re-reads state from the kernel; the engine's counters start over.
 */
int fabricd_fo_reload(struct fabricd *d, const struct fabricd_config *old)
{
	struct ffe_cfg *a = engine_cfg(old), *b = engine_cfg(&d->cfg);
	bool same = a && b && !memcmp(a, b, sizeof(*a));
	bool present = fo_kmod_present();

	free(a);
	free(b);
	if (same && present == d->module_present &&
	    (present || !d->fo->module)) {
		pr_debug("failover: configuration unchanged\n");
		passive_sync(d);	/* silence_ms, or a reloaded data path */
		return 0;
	}
	pr_info("failover: %s; restarting failover\n",
		!same ? "groups, paths or thresholds changed" :
		present ? "fabric.ko appeared" : "fabric.ko went away");
	fabricd_fo_stop(d);
	return fabricd_fo_start(d);
}

void fabricd_fo_dispatch(struct fabricd *d, unsigned int idx)
{
	struct fabricd_fo *fo = d->fo;

	if (idx >= (unsigned int)fo->nfds)
		return;
	if (fo->eng)
		ffe_dispatch(fo->eng, fo->fd[idx]);
	else if (fo->km)
		fo_kmod_dispatch(fo->km, fo->fd[idx]);
	if (fo->changed)
		fabricd_fo_refresh(d);
}

void fabricd_fo_tick(struct fabricd *d)
{
	if (d->fo && (d->fo->eng || d->fo->km)) {
		passive_tick(d);
		fabricd_fo_refresh(d);
	}
}

static int find_path(const struct fabricd *d, const char *name, int *gi, int *pi)
{
	int g, p;

	for (g = 0; g < d->cfg.n_groups; g++)
		for (p = 0; p < d->cfg.group[g].n_paths; p++)
			if (!strcmp(d->cfg.path_[d->cfg.group[g].path[p]].name, name)) {
				*gi = g;
				*pi = p;
				return 0;
			}
	return -ENOENT;
}

/* 0, -ENOENT (no such path in a group), -EBUSY (refused), -errno. */
int fabricd_fo_drain(struct fabricd *d, const char *path, bool on,
		     char *msg, size_t len)
{
	struct fabricd_fo *fo = d->fo;
	const char *gname;
	int gi, pi, err;

	if (find_path(d, path, &gi, &pi)) {
		snprintf(msg, len, "no path \"%s\" in any group", path);
		return -ENOENT;
	}
	gname = d->cfg.group[gi].name;
	if (fo->eng) {
		err = ffe_drain(fo->eng, gi, pi, on);
		msg[0] = '\0';
	} else if (fo->km) {
		err = fo_kmod_drain(fo->km, gi, pi, on, msg, len);
	} else {
		snprintf(msg, len, "failover is not running");
		return -ENOTCONN;
	}
	if (err == -EBUSY)
		snprintf(msg, len, "draining %s would leave group %s with nothing healthy to install (it is the last usable member); nothing changed",
			 path, gname);
	else if (err && !msg[0])
		snprintf(msg, len, "%s %s: %s", on ? "drain" : "undrain", path,
			 strerror(-err));
	else if (!err)
		snprintf(msg, len, "%s %s in group %s", on ? "drained" : "undrained",
			 path, gname);
	fo->changed = true;
	fabricd_fo_refresh(d);
	return err;
}
