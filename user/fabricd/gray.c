// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd's gray-failure monitor: wires user/lib/gray_monitor.h in when
 * [gray] enable = on and fabricd's engine executes. The engine's prober
 * feeds every probe outcome (ffe_probe_observer()), the passive reader
 * feeds PSN gaps (gmon_passive() on fabricd_gray_mon()), a drained link's
 * paths get the policy's GRAY signal through ffe_path_signal(), and the
 * verdicts are published: `fabricctl events` (types gray_suspect,
 * gray_drain, gray_restore, gray_clear), `fabricctl paths` (a "gray"
 * object per path) and the fabric_link_* / fabric_gray_* metrics.
 * Documentation/gray.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabricd.h"
#include "failover.h"
#include "gray_monitor.h"
#include "log.h"
#include "metrics.h"

#define GR_RING		64

struct gr_link_snap {
	char	name[FCFG_GRAY_NAME];
	struct gmon_link_status st;
};

static struct {
	struct fabricd		*d;
	struct gmon		*m;
	struct ffe		*eng;
	struct fcfg_gray	cfg;		/* what m was built from */
	/* rendered when they happen: names stay right across reloads */
	struct json_object	*ring[GR_RING];
	__u64			n;
	/* the exporter thread reads these under lock */
	pthread_mutex_t		lock;
	bool			on;
	__u32			n_links;
	struct gr_link_snap	link[FCFG_GRAY_LINKS];
	__u64			events[GMON_EV_MAX];
} gr = { .lock = PTHREAD_MUTEX_INITIALIZER };

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const char *path_name(const struct fabricd *d, __u32 g, __u32 p)
{
	if ((int)g >= d->cfg.n_groups || (int)p >= d->cfg.group[g].n_paths)
		return "?";
	return d->cfg.path_[d->cfg.group[g].path[p]].name;
}

static void snapshot(void)
{
	__u32 l;

	pthread_mutex_lock(&gr.lock);
	gr.on = gr.m != NULL;
	if (gr.m) {
		gr.n_links = gmon_config(gr.m)->n_links;
		for (l = 0; l < gr.n_links; l++) {
			snprintf(gr.link[l].name, sizeof(gr.link[l].name), "%s",
				 gmon_config(gr.m)->link_name[l]);
			gmon_link_status(gr.m, l, &gr.link[l].st);
		}
		memcpy(gr.events, gmon_stats(gr.m)->events, sizeof(gr.events));
	}
	pthread_mutex_unlock(&gr.lock);
}

static struct json_object *event_json(const struct fabricd *d,
				      const struct gmon_event *ev)
{
	struct json_object *o = json_object_new_object(), *paths;
	struct timespec mono, real;
	const char *link = "?";
	char t[40];
	__s64 off;
	time_t secs;
	struct tm tm;
	__u32 g, p;

	if (!o)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	off = ((__s64)real.tv_sec - mono.tv_sec) * 1000000000LL +
	      (real.tv_nsec - mono.tv_nsec);
	secs = (time_t)(((__s64)ev->time_ns + off) / 1000000000LL);
	gmtime_r(&secs, &tm);
	snprintf(t + strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm), 12,
		 ".%06lluZ", (unsigned long long)((ev->time_ns + off) / 1000 % 1000000));
	if ((int)ev->link < d->cfg.gray.n_links)
		link = d->cfg.gray.link[ev->link];
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(ev->time_ns));
	json_object_object_add(o, "type", json_object_new_string(gmon_ev_name(ev->type)));
	json_object_object_add(o, "link", json_object_new_string(link));
	json_object_object_add(o, "kind", json_object_new_string(gmon_kind_name(ev->kind)));
	json_object_object_add(o, "loss_ppm", json_object_new_uint64(ev->loss_ppm));
	json_object_object_add(o, "delay_us", json_object_new_uint64(ev->delay_us));
	json_object_object_add(o, "confidence", json_object_new_double(ev->confidence / 1000.0));
	paths = json_object_new_array();
	for (g = 0; g < GMON_MAX_GROUPS; g++)
		for (p = 0; p < GMON_MAX_PATHS; p++)
			if (ev->paths[g] & (1U << p))
				json_object_array_add(paths, json_object_new_string(
					path_name(d, g, p)));
	json_object_object_add(o, "paths", paths);
	json_object_object_add(o, "action", json_object_new_string(
		d->cfg.gray.action == FCFG_GRAY_MONITOR ? "monitor" : "drain"));
	return o;
}

static void on_event(void *arg, const struct gmon_event *ev)
{
	struct fabricd *d = arg;
	struct json_object *o, *e, **slot;

	o = event_json(d, ev);
	if (!o)
		return;
	slot = &gr.ring[gr.n++ % GR_RING];
	json_object_put(*slot);
	*slot = json_object_get(o);
	fabric_log(ev->type == GMON_EV_DRAIN ? FABRIC_LOG_WARN : FABRIC_LOG_INFO,
		   "gray: %s link %s (%s, loss %u ppm, delay %u us, confidence %.2f)\n",
		gmon_ev_name(ev->type), json_object_get_string(
			json_object_object_get(o, "link")),
		gmon_kind_name(ev->kind), ev->loss_ppm, ev->delay_us,
		ev->confidence / 1000.0);
	e = json_object_new_object();
	json_object_object_add(e, "event", o);
	fabricd_control_broadcast(d, e);
	json_object_put(e);
	snapshot();
}

static void act(void *arg, uint32_t g, uint32_t p, bool on, uint64_t now)
{
	struct fabricd *d = arg;
	int err;

	if (!gr.eng)
		return;
	err = ffe_path_signal(gr.eng, g, p, on ? FABRIC_FO_SIG_GRAY :
				      FABRIC_FO_SIG_GRAY_CLEAR, now, 0);
	if (err)
		pr_warn("gray: path %s: %s\n", path_name(d, g, p), strerror(-err));
	d->fo->changed = true;
}

static void on_probe(void *arg, uint32_t g, uint32_t p, int outcome,
		     uint64_t rtt_ns, uint64_t now)
{
	static const enum gmon_outcome map[] = {
		[FFE_PROBE_ANSWERED]	= GMON_ANSWERED,
		[FFE_PROBE_LOST]	= GMON_LOST,
		[FFE_PROBE_STALLED]	= GMON_STALLED,
		[FFE_PROBE_LATE]	= GMON_LATE,
	};

	if (gr.m && outcome >= 0 && outcome <= FFE_PROBE_LATE)
		gmon_probe(gr.m, g, p, map[outcome], rtt_ns, now);
}

static int build_cfg(const struct fabricd *d, struct gmon_cfg *c)
{
	const struct fcfg_gray *gc = &d->cfg.gray;
	int g, p, h, l;

	gmon_cfg_default(c);
	c->loss_threshold_ppm = gc->loss_threshold_ppm;
	c->delay_threshold_us = gc->delay_threshold_us;
	c->restore_clean_s = gc->restore_clean_s;
	c->monitor_only = gc->action == FCFG_GRAY_MONITOR;
	gmon_cfg_derive(c);
	c->n_links = gc->n_links;
	for (l = 0; l < gc->n_links; l++)
		snprintf(c->link_name[l], GMON_NAME_LEN, "%s", gc->link[l]);
	for (l = 0; l < gc->n_monitor; l++)
		for (h = 0; h < gc->n_links; h++)
			if (!strcmp(gc->monitor[l], gc->link[h]))
				c->link_monitor[h] = true;
	if (d->cfg.n_groups > GMON_MAX_GROUPS)
		return -E2BIG;
	c->n_groups = d->cfg.n_groups;
	for (g = 0; g < d->cfg.n_groups; g++) {
		if (d->cfg.group[g].n_paths > GMON_MAX_PATHS)
			return -E2BIG;
		c->n_paths[g] = d->cfg.group[g].n_paths;
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			int pi = d->cfg.group[g].path[p];

			c->path[g][p].n_links = gc->path_n[pi];
			for (h = 0; h < gc->path_n[pi]; h++)
				c->path[g][p].link[h] = gc->path_link[pi][h];
		}
	}
	c->on_event = on_event;
	c->act = act;
	c->arg = (void *)d;
	return 0;
}

void fabricd_gray_attach(struct fabricd *d, struct ffe *eng)
{
	struct gmon_cfg *c;
	int err;

	gr.d = d;
	gr.cfg = d->cfg.gray;
	if (!d->cfg.gray.enable || !eng)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	err = build_cfg(d, c);
	if (!err) {
		gr.m = gmon_new(c);
		err = gr.m ? 0 : -errno;
	}
	free(c);
	if (err) {
		pr_err("gray: cannot start the monitor: %s\n", strerror(-err));
		return;
	}
	gr.eng = eng;
	ffe_probe_observer(eng, on_probe, NULL);
	pr_info("gray: monitoring %d links, action %s, loss >= %u ppm, delay >= %u us, restore after %u s clean\n",
		d->cfg.gray.n_links,
		d->cfg.gray.action == FCFG_GRAY_MONITOR ? "monitor" : "drain",
		d->cfg.gray.loss_threshold_ppm, d->cfg.gray.delay_threshold_us,
		d->cfg.gray.restore_clean_s);
	snapshot();
}

void fabricd_gray_detach(struct fabricd *d)
{
	(void)d;
	if (gr.eng)
		ffe_probe_observer(gr.eng, NULL, NULL);
	gr.eng = NULL;
	gmon_free(gr.m);
	gr.m = NULL;
	snapshot();
}

/* SIGHUP: a changed [gray] restarts the monitor (drains end with it). */
void fabricd_gray_reload(struct fabricd *d)
{
	struct ffe *eng = d->fo ? d->fo->eng : NULL;
	__u32 g, p;

	if (eng == gr.eng && !memcmp(&gr.cfg, &d->cfg.gray, sizeof(gr.cfg)))
		return;
	if (gr.m && eng == gr.eng) {
		for (g = 0; g < gmon_config(gr.m)->n_groups; g++)
			for (p = 0; p < gmon_config(gr.m)->n_paths[g]; p++) {
				struct gmon_path_status ps;

				if (!gmon_path_status(gr.m, g, p, &ps) && ps.gray)
					ffe_path_signal(eng, g, p, FABRIC_FO_SIG_GRAY_CLEAR,
							now_ns(), 0);
			}
	}
	fabricd_gray_detach(d);
	fabricd_gray_attach(d, eng);
}

void fabricd_gray_tick(struct fabricd *d)
{
	(void)d;
	if (!gr.m)
		return;
	gmon_tick(gr.m, now_ns());
	snapshot();
}

struct gmon *fabricd_gray_mon(struct fabricd *d)
{
	(void)d;
	return gr.m;
}

void fabricd_gray_events_json(struct fabricd *d, struct json_object *arr,
			      unsigned int max)
{
	__u64 i = gr.n > GR_RING ? gr.n - GR_RING : 0;

	(void)d;
	if (max && gr.n - i > max)
		i = gr.n - max;
	for (; i < gr.n; i++)
		json_object_array_add(arr, json_object_get(gr.ring[i % GR_RING]));
}

/* Adds a "gray" object to every path of a `paths` reply. */
struct json_object *fabricd_gray_paths_json(struct fabricd *d,
					    struct json_object *o)
{
	struct json_object *arr, *p, *x, *links;
	struct gmon_path_status ps;
	struct gmon_link_status ls;
	const struct fcfg_gray *gc = &d->cfg.gray;
	const char *name;
	size_t i;
	int g, pi, h, cfgi, suspect;

	if (!o || !json_object_object_get_ex(o, "paths", &arr))
		return o;
	for (i = 0; i < json_object_array_length(arr); i++) {
		p = json_object_array_get_idx(arr, i);
		name = json_object_get_string(json_object_object_get(p, "name"));
		x = json_object_new_object();
		for (g = 0, cfgi = -1; g < d->cfg.n_groups && cfgi < 0; g++)
			for (pi = 0; pi < d->cfg.group[g].n_paths; pi++)
				if (name && !strcmp(name, path_name(d, g, pi))) {
					cfgi = d->cfg.group[g].path[pi];
					break;
				}
		g--;
		if (cfgi < 0 || !gr.m || gmon_path_status(gr.m, g, pi, &ps) ||
		    !ps.monitored) {
			json_object_object_add(x, "state", json_object_new_string("off"));
			json_object_object_add(p, "gray", x);
			continue;
		}
		links = json_object_new_array();
		suspect = -1;
		for (h = 0; h < gc->path_n[cfgi]; h++) {
			json_object_array_add(links, json_object_new_string(
				gc->link[gc->path_link[cfgi][h]]));
			if (suspect < 0 && !gmon_link_status(gr.m, gc->path_link[cfgi][h], &ls) &&
			    ls.suspect)
				suspect = gc->path_link[cfgi][h];
		}
		json_object_object_add(x, "state", json_object_new_string(
			ps.gray ? "drained" : suspect >= 0 ? "suspect" : "clean"));
		json_object_object_add(x, "links", links);
		json_object_object_add(x, "loss_alarm", json_object_new_boolean(ps.loss_alarm));
		json_object_object_add(x, "delay_alarm", json_object_new_boolean(ps.delay_alarm));
		json_object_object_add(x, "loss_ppm", json_object_new_double(ps.loss_ppb / 1e3));
		json_object_object_add(x, "rtt_baseline_us", json_object_new_double(ps.baseline_ns / 1e3));
		json_object_object_add(x, "delay_shift_us", json_object_new_double(ps.shift_ns / 1e3));
		json_object_object_add(x, "probes_lost", json_object_new_uint64(ps.lost));
		json_object_object_add(x, "passive_packets", json_object_new_uint64(ps.passive_packets));
		json_object_object_add(x, "passive_lost", json_object_new_uint64(ps.passive_lost));
		if (ps.gray)
			suspect = ps.drained_by;
		if (suspect >= 0 && !gmon_link_status(gr.m, suspect, &ls)) {
			struct json_object *w = json_object_new_object();

			json_object_object_add(w, "link", json_object_new_string(gc->link[suspect]));
			json_object_object_add(w, "kind", json_object_new_string(gmon_kind_name(ls.kind)));
			json_object_object_add(w, "loss_ppm", json_object_new_uint64(ls.loss_ppb / 1000));
			json_object_object_add(w, "delay_us", json_object_new_int64(
				ls.shift_ns > 0 ? ls.shift_ns / 1000 : 0));
			json_object_object_add(w, "confidence", json_object_new_double(ls.confidence / 1000.0));
			json_object_object_add(w, "drained", json_object_new_boolean(ls.drained));
			json_object_object_add(x, "why", w);
		}
		json_object_object_add(p, "gray", x);
	}
	return o;
}

int fabricd_gray_metrics(struct fabric_metrics_buf *b)
{
	struct fabric_metrics_label l = { .name = "link" };
	__u32 i;

	pthread_mutex_lock(&gr.lock);
	if (!gr.on)
		goto out;
	fabric_metrics_header(b, "fabric_link_suspect",
			      "1 while the gray-failure monitor names the link as the cause of lossy or slow paths.",
			      "gauge");
	for (i = 0; i < gr.n_links; i++) {
		l.value = gr.link[i].name;
		fabric_metrics_u64(b, "fabric_link_suspect", &l, 1, gr.link[i].st.suspect);
	}
	fabric_metrics_header(b, "fabric_link_loss_ratio",
			      "Estimated loss ratio of the link: while suspect, of its evidence since the loss began; else an upper bound from its least lossy path.",
			      "gauge");
	for (i = 0; i < gr.n_links; i++) {
		l.value = gr.link[i].name;
		fabric_metrics_double(b, "fabric_link_loss_ratio", &l, 1,
				      gr.link[i].st.loss_ppb / 1e9);
	}
	fabric_metrics_header(b, "fabric_link_latency_shift_seconds",
			      "Estimated latency shift of the link over its learnt baseline (least shift of its paths).",
			      "gauge");
	for (i = 0; i < gr.n_links; i++) {
		l.value = gr.link[i].name;
		fabric_metrics_double(b, "fabric_link_latency_shift_seconds", &l, 1,
				      gr.link[i].st.shift_ns / 1e9);
	}
	fabric_metrics_header(b, "fabric_link_drained",
			      "1 while the link's paths are drained for gray loss or delay.",
			      "gauge");
	for (i = 0; i < gr.n_links; i++) {
		l.value = gr.link[i].name;
		fabric_metrics_u64(b, "fabric_link_drained", &l, 1, gr.link[i].st.drained);
	}
	fabric_metrics_header(b, "fabric_gray_events_total",
			      "Gray-failure events by type: gray_suspect, gray_drain, gray_restore, gray_clear.",
			      "counter");
	l.name = "type";
	for (i = 0; i < GMON_EV_MAX; i++) {
		l.value = gmon_ev_name(i);
		fabric_metrics_u64(b, "fabric_gray_events_total", &l, 1, gr.events[i]);
	}
out:
	pthread_mutex_unlock(&gr.lock);
	return 0;
}
