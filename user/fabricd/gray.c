// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd's gray-failure monitor: wires user/lib/gray_monitor.h in when
 * [gray] enable = on. fabricd's prober feeds every probe outcome
 * (ffe_probe_observer()), or the data path's per-slot counts when
 * fabric.ko sends the probes; the passive reader feeds PSN gaps
 * (gmon_passive() on fabricd_gray_mon()). A drained link's paths get the
 * policy's GRAY signal, through ffe_path_signal() or, when fabric.ko
 * executes, through genetlink; a path is drained while the monitor or
 * [gray_int] (gray_hops.c) wants it. The verdicts are published as
 * `fabricctl events` (gray_suspect, gray_drain, gray_restore, gray_clear);
 * gray_out.c renders `fabricctl paths` and the metrics.
 * Documentation/gray.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabric_genl.h"
#include "failover.h"
#include "gray_wire.h"
#include "log.h"

struct gray_wire gr = { .lock = PTHREAD_MUTEX_INITIALIZER };

__u64 gray_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

const char *gray_path_name(const struct fabricd *d, __u32 g, __u32 p)
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
			gr.link[l].int_suspect = gr.gi && gint_link_suspect(gr.gi, l);
			gr.link[l].int_drained = gr.gi && gint_link_drained(gr.gi, l);
		}
		memcpy(gr.events, gmon_stats(gr.m)->events, sizeof(gr.events));
	}
	gr.n_hops = gr.gi ? gint_config(gr.gi)->n_hops : 0;
	for (l = 0; l < gr.n_hops; l++) {
		gr.hop[l].node = gint_config(gr.gi)->hop[l].node;
		gr.hop[l].link = gint_config(gr.gi)->hop[l].link;
		gint_hop_status(gr.gi, l, &gr.hop[l].st);
	}
	pthread_mutex_unlock(&gr.lock);
}

struct json_object *gray_event_new(const struct fabricd *d, __u64 time_ns,
				   int type, __u32 link)
{
	struct json_object *o = json_object_new_object();
	char t[40];

	if (!o)
		return NULL;
	fabricd_wall_time(time_ns, true, t, sizeof(t));
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(time_ns));
	json_object_object_add(o, "type", json_object_new_string(gmon_ev_name(type)));
	json_object_object_add(o, "link", json_object_new_string(
		(int)link < d->cfg.gray.n_links ? d->cfg.gray.link[link] : "?"));
	return o;
}

static struct json_object *event_json(const struct fabricd *d,
				      const struct gmon_event *ev)
{
	struct json_object *o, *paths;
	__u32 g, p;

	o = gray_event_new(d, ev->time_ns, ev->type, ev->link);
	if (!o)
		return NULL;
	json_object_object_add(o, "kind", json_object_new_string(gmon_kind_name(ev->kind)));
	json_object_object_add(o, "loss_ppm", json_object_new_uint64(ev->loss_ppm));
	json_object_object_add(o, "delay_us", json_object_new_uint64(ev->delay_us));
	json_object_object_add(o, "confidence", json_object_new_double(ev->confidence / 1000.0));
	paths = json_object_new_array();
	for (g = 0; g < GMON_MAX_GROUPS; g++)
		for (p = 0; p < GMON_MAX_PATHS; p++)
			if (ev->paths[g] & (1U << p))
				json_object_array_add(paths, json_object_new_string(
					gray_path_name(d, g, p)));
	json_object_object_add(o, "paths", paths);
	json_object_object_add(o, "action", json_object_new_string(
		d->cfg.gray.action == FCFG_GRAY_MONITOR ? "monitor" : "drain"));
	json_object_object_add(o, "evidence", json_object_new_string("paths"));
	return o;
}

void gray_publish(struct fabricd *d, struct json_object *o, int type)
{
	struct json_object **slot;
	struct json_object *ev;

	slot = &gr.ring[gr.n++ % GR_RING];
	json_object_put(*slot);
	*slot = json_object_get(o);
	ev = json_object_object_get(o, "evidence");
	fabric_log(type == GMON_EV_DRAIN ? FABRIC_LOG_WARN : FABRIC_LOG_INFO,
		   "gray: %s link %s (%s, %s, loss %s ppm, delay %s us, confidence %s)\n",
		   gmon_ev_name(type),
		   json_object_get_string(json_object_object_get(o, "link")),
		   json_object_get_string(ev),
		   json_object_get_string(json_object_object_get(o, "kind")),
		   json_object_get_string(json_object_object_get(o, "loss_ppm")),
		   json_object_get_string(json_object_object_get(o, "delay_us")),
		   json_object_get_string(json_object_object_get(o, "confidence")));
	/* streamed bare, like every other event: the broadcast wraps it */
	fabricd_control_broadcast(d, o);
	json_object_put(o);
	snapshot();
}

static void on_event(void *arg, const struct gmon_event *ev)
{
	struct fabricd *d = arg;
	struct json_object *o;

	o = event_json(d, ev);
	if (o)
		gray_publish(d, o, ev->type);
}

bool gray_wanted(__u32 g, __u32 p)
{
	return (gr.want_mon[g] | gr.want_int[g]) & (1U << p);
}

/* Tell the policy when a path's "either source wants GRAY" changes. */
void gray_apply(struct fabricd *d, __u32 g, __u32 p, bool was, uint64_t now)
{
	bool is = gray_wanted(g, p);
	int err;

	if (is == was)
		return;
	if (!gr.eng) {
		/* fabric.ko executes: its policy takes the same signal */
		if (d->fo && d->fo->km)
			fo_kmod_signal(d->fo->km, g, p, is ? FABRIC_SIG_GRAY :
				       FABRIC_SIG_GRAY_CLEAR, 0);
		return;
	}
	err = ffe_path_signal(gr.eng, g, p, is ? FABRIC_FO_SIG_GRAY :
				      FABRIC_FO_SIG_GRAY_CLEAR, now, 0);
	if (err)
		pr_warn("gray: path %s: %s\n", gray_path_name(d, g, p), strerror(-err));
	d->fo->changed = true;
}

static void act(void *arg, uint32_t g, uint32_t p, bool on, uint64_t now)
{
	bool was;

	if (g >= GMON_MAX_GROUPS || p >= 32)
		return;
	was = gray_wanted(g, p);
	if (on)
		gr.want_mon[g] |= 1U << p;
	else
		gr.want_mon[g] &= ~(1U << p);
	gray_apply(arg, g, p, was, now);
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
	gr.icfg = d->cfg.gray_int;
	memset(gr.want_mon, 0, sizeof(gr.want_mon));
	memset(gr.want_int, 0, sizeof(gr.want_int));
	if (!d->cfg.gray.enable || (!eng && !(d->fo && d->fo->km)))
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
	if (eng)
		ffe_probe_observer(eng, on_probe, NULL);
	gray_hops_start(d);
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
	gint_free(gr.gi);
	gr.gi = NULL;
	snapshot();
}

/* SIGHUP: a changed [gray] restarts the monitor (drains end with it). */
void fabricd_gray_reload(struct fabricd *d)
{
	struct ffe *eng = d->fo ? d->fo->eng : NULL;
	__u32 g, p;

	if (eng == gr.eng && !memcmp(&gr.cfg, &d->cfg.gray, sizeof(gr.cfg)) &&
	    !memcmp(&gr.icfg, &d->cfg.gray_int, sizeof(gr.icfg)))
		return;
	if (gr.m && eng == gr.eng) {
		for (g = 0; g < gmon_config(gr.m)->n_groups; g++)
			for (p = 0; p < gmon_config(gr.m)->n_paths[g] && p < 32; p++) {
				bool was = gray_wanted(g, p);

				gr.want_mon[g] &= ~(1U << p);
				gr.want_int[g] &= ~(1U << p);
				gray_apply(d, g, p, was, gray_now_ns());
			}
	}
	fabricd_gray_detach(d);
	fabricd_gray_attach(d, eng);
}

void fabricd_gray_tick(struct fabricd *d)
{
	if (!gr.m)
		return;
	gmon_tick(gr.m, gray_now_ns());
	gray_hops_read(d, gray_now_ns());
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
