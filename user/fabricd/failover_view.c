// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The failover view: transitions as they happen (the recent log), and
 * every group and path's state rebuilt on change and published for the
 * exporter thread under fo->lock.
 */
#include <stdio.h>
#include <string.h>

#include "fabricd.h"
#include "failover.h"
#include "log.h"

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

void fo_on_engine_event(void *arg, const struct ffe_event *ev)
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
		g->replace_timeouts = st.replace_timeouts;
		g->neigh_unstuck = st.neigh_unstuck;
		g->neigh_waits = st.neigh_waits;
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
			pv->probe_tx_stamped = ps->path[pi].tx_stamped;
			pv->probe_tx_fallback = ps->path[pi].tx_fallback;
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

