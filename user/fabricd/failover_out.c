// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The failover view as JSON (control socket: groups, paths, status) and as
 * Prometheus families (the exporter's extra hook, from the snapshot).
 * Documentation/metrics.md lists the families.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fabricd.h"
#include "failover.h"
#include "kmod.h"
#include "metrics.h"
#include "reroute_fabricd.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* CLOCK_MONOTONIC ns -> wall-clock ISO 8601 (UTC). */
static struct json_object *wall_time(__u64 t)
{
	char buf[40];

	if (!t)
		return NULL;
	fabricd_wall_time(t, false, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static void add_u64(struct json_object *o, const char *k, __u64 v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static struct json_object *mask_names(const struct fo_group_view *g, __u32 mask)
{
	struct json_object *a = json_object_new_array();
	__u32 p;

	for (p = 0; p < g->n_paths; p++)
		if (mask & (1U << p))
			json_object_array_add(a, json_object_new_string(g->path[p].name));
	return a;
}

static const char *executor_json(const struct fabricd *d)
{
	return d->cfg.n_groups ? (d->fo->module ? "fabric.ko" : "fabricd") : "none";
}

static struct json_object *transition_json(const struct fo_transition *t)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "time", wall_time(t->time_ns));
	json_object_object_add(o, "group", json_object_new_string(t->group));
	json_object_object_add(o, "path", json_object_new_string(t->path));
	json_object_object_add(o, "from", json_object_new_string(fabric_fo_state_name(t->from)));
	json_object_object_add(o, "to", json_object_new_string(fabric_fo_state_name(t->to)));
	json_object_object_add(o, "reason", json_object_new_string(fabric_fo_reason_name(t->reason)));
	json_object_object_add(o, "kept", json_object_new_boolean(t->flags & FABRIC_FO_TF_KEPT));
	json_object_object_add(o, "flap", json_object_new_boolean(t->flags & FABRIC_FO_TF_FLAP));
	add_u64(o, "repair_us", t->repair_ns / 1000);
	if (t->error)
		json_object_object_add(o, "error", json_object_new_string(strerror(-t->error)));
	return o;
}

struct json_object *fabricd_fo_groups_json(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	struct json_object *o = json_object_new_object(), *arr, *g, *rec;
	__u64 i, first;
	__u32 gi;

	fabricd_fo_refresh(d);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "executor", json_object_new_string(executor_json(d)));
	arr = json_object_new_array();
	for (gi = 0; gi < fo->live.n_groups; gi++) {
		const struct fo_group_view *gv = &fo->live.g[gi];
		__u32 all = gv->n_paths >= 32 ? ~0U : (1U << gv->n_paths) - 1;

		g = json_object_new_object();
		json_object_object_add(g, "name", json_object_new_string(gv->name));
		add_u64(g, "id", gv->id);
		json_object_object_add(g, "paths", mask_names(gv, all));
		json_object_object_add(g, "members", mask_names(gv, gv->installed));
		json_object_object_add(g, "desired", mask_names(gv, gv->desired));
		json_object_object_add(g, "in_sync", json_object_new_boolean(!gv->dirty &&
								      gv->desired == gv->installed));
		add_u64(g, "failovers", gv->failovers);
		add_u64(g, "restores", gv->restores);
		add_u64(g, "executor_errors", gv->exec_errors);
		add_u64(g, "drains_refused", gv->drain_refused);
		json_object_object_add(g, "last_error", json_object_new_string(gv->last_error));
		rec = json_object_new_array();
		first = fo->n_recent > FO_RECENT ? fo->n_recent - FO_RECENT : 0;
		for (i = first; i < fo->n_recent; i++)
			if (!strcmp(fo->recent[i % FO_RECENT].group, gv->name))
				json_object_array_add(rec, transition_json(&fo->recent[i % FO_RECENT]));
		json_object_object_add(g, "recent", rec);
		json_object_array_add(arr, g);
	}
	json_object_object_add(o, "groups", arr);
	return o;
}

static struct json_object *path_json(const struct fo_group_view *g,
				     const struct fo_path_view *p, __u64 now)
{
	struct json_object *o = json_object_new_object(), *x;
	char gw[INET6_ADDRSTRLEN] = "";

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "group", json_object_new_string(g->name));
	add_u64(o, "group_id", g->id);
	add_u64(o, "nexthop_id", p->nh_id);
	json_object_object_add(o, "dev", json_object_new_string(p->dev));
	if (p->gw_family)
		inet_ntop(p->gw_family, p->gw, gw, sizeof(gw));
	json_object_object_add(o, "gateway", json_object_new_string(gw));
	json_object_object_add(o, "state", json_object_new_string(fabric_fo_state_name(p->state)));
	json_object_object_add(o, "installed", json_object_new_boolean(p->installed));
	json_object_object_add(o, "kept", json_object_new_boolean(p->installed &&
							   p->state != FABRIC_FO_UP));
	json_object_object_add(o, "drained", json_object_new_boolean(p->drained));
	json_object_object_add(o, "carrier", json_object_new_boolean(p->carrier));
	json_object_object_add(o, "reason", json_object_new_string(fabric_fo_reason_name(p->last_reason)));
	json_object_object_add(o, "since", wall_time(p->last_change_ns));
	json_object_object_add(o, "since_s", p->last_change_ns ?
			       json_object_new_double((double)(now - p->last_change_ns) / 1e9) : NULL);
	if (p->hold_until_ns)
		add_u64(o, "holddown_left_ms", p->hold_until_ns > now ?
			(p->hold_until_ns - now) / 1000000 : 0);
	x = json_object_new_object();
	add_u64(x, "failovers", p->failovers);
	add_u64(x, "restores", p->restores);
	add_u64(x, "flaps", p->flaps);
	add_u64(x, "drains", p->drains);
	add_u64(x, "kept", p->kept);
	add_u64(x, "ignored_stalled", p->ignored_stalled);
	add_u64(x, "ignored_local", p->ignored_local);
	json_object_object_add(o, "counters", x);
	x = json_object_new_object();
	json_object_object_add(x, "enabled", json_object_new_boolean(p->probe));
	add_u64(x, "sent", p->probe_sent);
	add_u64(x, "answered", p->probe_answered);
	add_u64(x, "missed", p->probe_missed);
	add_u64(x, "late", p->probe_late);
	add_u64(x, "send_errors", p->probe_send_errors);
	add_u64(x, "rtt_tx_stamped", p->probe_tx_stamped);
	add_u64(x, "rtt_tx_fallback", p->probe_tx_fallback);
	if (p->probe_answered) {
		json_object_object_add(x, "rtt_min_us", json_object_new_double(p->rtt_min_ns / 1e3));
		json_object_object_add(x, "rtt_avg_us", json_object_new_double(
			(double)p->rtt_sum_ns / p->probe_answered / 1e3));
		json_object_object_add(x, "rtt_max_us", json_object_new_double(p->rtt_max_ns / 1e3));
	}
	json_object_object_add(o, "probe", x);
	return o;
}

struct json_object *fabricd_fo_paths_json(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	struct json_object *o = json_object_new_object(), *arr;
	__u64 now = mono_ns();
	__u32 gi, p;

	fabricd_fo_refresh(d);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "executor", json_object_new_string(executor_json(d)));
	arr = json_object_new_array();
	for (gi = 0; gi < fo->live.n_groups; gi++)
		for (p = 0; p < fo->live.g[gi].n_paths; p++)
			json_object_array_add(arr, path_json(&fo->live.g[gi],
							     &fo->live.g[gi].path[p], now));
	json_object_object_add(o, "paths", arr);
	return o;
}

struct json_object *fabricd_fo_known_paths(const struct fabricd *d)
{
	struct json_object *a = json_object_new_array();
	int g, p;

	for (g = 0; g < d->cfg.n_groups; g++)
		for (p = 0; p < d->cfg.group[g].n_paths; p++)
			json_object_array_add(a, json_object_new_string(
				d->cfg.path_[d->cfg.group[g].path[p]].name));
	return a;
}

struct json_object *fabricd_fo_status_json(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	struct json_object *x = json_object_new_object();
	__u32 gi, p, up = 0, n = 0, degraded = 0;

	for (gi = 0; gi < fo->live.n_groups; gi++) {
		const struct fo_group_view *g = &fo->live.g[gi];

		for (p = 0; p < g->n_paths; p++, n++)
			up += g->path[p].state == FABRIC_FO_UP;
		degraded += g->installed != (g->n_paths >= 32 ? ~0U : (1U << g->n_paths) - 1);
	}
	json_object_object_add(x, "groups", json_object_new_int(d->cfg.n_groups));
	json_object_object_add(x, "paths", json_object_new_int(d->cfg.n_paths));
	json_object_object_add(x, "executor", json_object_new_string(executor_json(d)));
	json_object_object_add(x, "executor_reason", json_object_new_string(fo->why));
	json_object_object_add(x, "paths_up", json_object_new_int(up));
	json_object_object_add(x, "paths_in_groups", json_object_new_int(n));
	json_object_object_add(x, "groups_degraded", json_object_new_int(degraded));
	add_u64(x, "transitions", fo->transitions);
	json_object_object_add(x, "kernel_verdict", fabricd_verdict_status_json());
	return x;
}

/* ---- Prometheus ---- */

struct path_counter {
	const char *name, *help;
	size_t off;
	bool probe;	/* only for probed paths */
};

#define PC(f, n, h)	{ "fabric_" n, h, offsetof(struct fo_path_view, f), false }
#define PPC(f, n, h)	{ "fabric_" n, h, offsetof(struct fo_path_view, f), true }

static const struct path_counter path_counters[] = {
	PC(failovers, "path_failovers_total", "Path failures that took it out of service (UP/HOLDDOWN to DOWN, drains excluded)."),
	PC(restores, "path_restores_total", "Paths put back into service after their hold-down (HOLDDOWN to UP)."),
	PC(flaps, "path_flaps_total", "Path failures that grew the hold-down (flap dampening)."),
	PC(drains, "path_drains_total", "Manual drains of the path."),
	PC(kept, "path_kept_total", "Failures of the last usable path, which stayed installed."),
	PC(ignored_stalled, "path_ignored_stalled_total", "Soft failure evidence ignored because the detector itself was stalled."),
	PC(ignored_local, "path_ignored_local_total", "Failures suppressed because every live path saw them (judged local to this node)."),
	PPC(probe_sent, "probe_sent_total", "Echo probes sent on the path."),
	PPC(probe_answered, "probe_answered_total", "Echo probes answered within the timeout."),
	PPC(probe_missed, "probe_missed_total", "Echo probes not answered within the timeout."),
	PPC(probe_late, "probe_late_total", "Echo probe answers that arrived after the timeout."),
	PPC(probe_send_errors, "probe_send_errors_total", "Echo probes the kernel refused to send."),
	PPC(probe_tx_stamped, "probe_rtt_tx_stamped_total", "Probe answers timed from the kernel's transmit stamp."),
	PPC(probe_tx_fallback, "probe_rtt_tx_fallback_total", "Probe answers timed from the userspace send time (no kernel transmit stamp)."),
};

static void path_labels(struct fabric_metrics_label *l, const struct fo_group_view *g,
			const struct fo_path_view *p)
{
	l[0].name = "group";
	l[0].value = g->name;
	l[1].name = "path";
	l[1].value = p->name;
}

/* The userspace executor's own group counters (Documentation/failover.md,
 * "Restore, neighbours and the replace deadline"). */
static const struct {
	const char *name, *help;
	size_t off;
} engine_counters[] = {
	{ "fabric_group_replace_timeouts_total",
	  "Nexthop group replaces still blocked after the replace deadline (the alarm).",
	  offsetof(struct fo_group_view, replace_timeouts) },
	{ "fabric_group_neigh_unstuck_total",
	  "Stale INCOMPLETE or FAILED gateway neighbour entries deleted when a path's carrier returned.",
	  offsetof(struct fo_group_view, neigh_unstuck) },
	{ "fabric_group_neigh_waits_total",
	  "Replaces that held a joining member back while its gateway was still resolving.",
	  offsetof(struct fo_group_view, neigh_waits) },
};

static void engine_group_metrics(struct fabric_metrics_buf *b, const struct fo_view *v)
{
	struct fabric_metrics_label l;
	__u32 k, gi;

	for (k = 0; k < sizeof(engine_counters) / sizeof(engine_counters[0]); k++) {
		fabric_metrics_header(b, engine_counters[k].name, engine_counters[k].help,
				      "counter");
		for (gi = 0; gi < v->n_groups; gi++) {
			l.name = "group";
			l.value = v->g[gi].name;
			fabric_metrics_u64(b, engine_counters[k].name, &l, 1,
					   *(const __u64 *)((const char *)&v->g[gi] +
							    engine_counters[k].off));
		}
	}
}

int fabricd_fo_metrics(struct fabric_metrics_buf *b, void *ctx)
{
	static const char *const states[] = { "up", "down", "holddown" };
	struct fabricd_fo *fo = ctx;
	const struct fo_view *v = &fo->snap;
	struct fabric_metrics_label l[3];
	double bounds[FFE_HIST_BUCKETS];
	__u32 gi, p, s, k;

	pthread_mutex_lock(&fo->lock);
	if (!v->n_groups)
		goto hist;
	fabric_metrics_header(b, "fabric_path_up", "1 if the path is UP (healthy and in service), else 0.", "gauge");
	for (gi = 0; gi < v->n_groups; gi++)
		for (p = 0; p < v->g[gi].n_paths; p++) {
			path_labels(l, &v->g[gi], &v->g[gi].path[p]);
			fabric_metrics_u64(b, "fabric_path_up", l, 2,
					   v->g[gi].path[p].state == FABRIC_FO_UP);
		}
	fabric_metrics_header(b, "fabric_path_state", "Path state as a state set: 1 for the current state (up, down, holddown), 0 for the others.", "gauge");
	for (gi = 0; gi < v->n_groups; gi++)
		for (p = 0; p < v->g[gi].n_paths; p++)
			for (s = 0; s < 3; s++) {
				path_labels(l, &v->g[gi], &v->g[gi].path[p]);
				l[2].name = "state";
				l[2].value = states[s];
				fabric_metrics_u64(b, "fabric_path_state", l, 3,
						   v->g[gi].path[p].state == s);
			}
	fabric_metrics_header(b, "fabric_path_installed", "1 if the path is a member of the kernel nexthop group as last programmed.", "gauge");
	for (gi = 0; gi < v->n_groups; gi++)
		for (p = 0; p < v->g[gi].n_paths; p++) {
			path_labels(l, &v->g[gi], &v->g[gi].path[p]);
			fabric_metrics_u64(b, "fabric_path_installed", l, 2,
					   v->g[gi].path[p].installed);
		}
	fabric_metrics_header(b, "fabric_path_drained", "1 while a manual drain of the path is in force.", "gauge");
	for (gi = 0; gi < v->n_groups; gi++)
		for (p = 0; p < v->g[gi].n_paths; p++) {
			path_labels(l, &v->g[gi], &v->g[gi].path[p]);
			fabric_metrics_u64(b, "fabric_path_drained", l, 2,
					   v->g[gi].path[p].drained);
		}
	for (k = 0; k < sizeof(path_counters) / sizeof(path_counters[0]); k++) {
		fabric_metrics_header(b, path_counters[k].name, path_counters[k].help, "counter");
		for (gi = 0; gi < v->n_groups; gi++)
			for (p = 0; p < v->g[gi].n_paths; p++) {
				const struct fo_path_view *pv = &v->g[gi].path[p];

				if (path_counters[k].probe && !pv->probe)
					continue;
				path_labels(l, &v->g[gi], pv);
				fabric_metrics_u64(b, path_counters[k].name, l, 2,
						   *(const __u64 *)((const char *)pv + path_counters[k].off));
			}
	}
	fabric_metrics_header(b, "fabric_group_members", "Paths in the kernel nexthop group as last programmed.", "gauge");
	for (gi = 0; gi < v->n_groups; gi++) {
		l[0].name = "group";
		l[0].value = v->g[gi].name;
		fabric_metrics_u64(b, "fabric_group_members", l, 1,
				   __builtin_popcount(v->g[gi].installed));
	}
	fabric_metrics_header(b, "fabric_group_paths", "Paths configured in the group.", "gauge");
	for (gi = 0; gi < v->n_groups; gi++) {
		l[0].name = "group";
		l[0].value = v->g[gi].name;
		fabric_metrics_u64(b, "fabric_group_paths", l, 1, v->g[gi].n_paths);
	}
	fabric_metrics_header(b, "fabric_group_executor_errors_total", "Nexthop group replaces the kernel refused.", "counter");
	for (gi = 0; gi < v->n_groups; gi++) {
		l[0].name = "group";
		l[0].value = v->g[gi].name;
		fabric_metrics_u64(b, "fabric_group_executor_errors_total", l, 1,
				   v->g[gi].exec_errors);
	}
	if (!v->module)
		engine_group_metrics(b, v);
hist:
	fabric_metrics_header(b, "fabric_failover_transitions_total", "Path state transitions made by the failover executor.", "counter");
	fabric_metrics_u64(b, "fabric_failover_transitions_total", NULL, 0, v->transitions);
	for (k = 0; k < FFE_HIST_BUCKETS; k++)
		bounds[k] = ffe_hist_bound_ns(k) / 1e9;
	fabric_metrics_histogram(b, "fabric_failover_repair_seconds",
				 "Time from the signal that changed a group's member set to the kernel's ack of the replace.",
				 NULL, 0, bounds, (const __u64 *)v->hist.count, FFE_HIST_BUCKETS,
				 v->hist.sum_ns / 1e9, v->hist.n);
	pthread_mutex_unlock(&fo->lock);
	fabricd_reroute_metrics(b);
	fabricd_probe_sender_metrics(b);
	fabricd_gray_metrics(b);
	return b->err;
}
