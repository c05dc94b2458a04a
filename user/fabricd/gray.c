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
 * With [gray_int] enable = on, INT hop latency read from this node's sink
 * (user/lib/gray_int.h) names and drains links too, through the same
 * events and the same GRAY signal; a path is drained while either source
 * wants it. Documentation/gray.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabric_genl.h"
#include "fabricd.h"
#include "failover.h"
#include "gray_int.h"
#include "gray_monitor.h"
#include "int_telemetry.h"
#include "log.h"
#include "metrics.h"

#define GR_RING		64

_Static_assert((int)GINT_EV_SUSPECT == (int)GMON_EV_SUSPECT &&
	       (int)GINT_EV_DRAIN == (int)GMON_EV_DRAIN &&
	       (int)GINT_EV_RESTORE == (int)GMON_EV_RESTORE &&
	       (int)GINT_EV_CLEAR == (int)GMON_EV_CLEAR &&
	       (int)GINT_EV_MAX == (int)GMON_EV_MAX, "one set of event types");
_Static_assert(FCFG_GRAY_INT_HOPS == GINT_MAX_HOPS, "one hop per [gray_int] entry");

struct gr_link_snap {
	char	name[FCFG_GRAY_NAME];
	struct gmon_link_status st;
	bool	int_suspect, int_drained;
};

struct gr_hop_snap {
	__u32	node, link;
	struct gint_hop_status st;
};

static struct {
	struct fabricd		*d;
	struct gmon		*m;
	struct ffe		*eng;
	struct fcfg_gray	cfg;		/* what m was built from */
	struct gint		*gi;		/* [gray_int]; NULL: off */
	struct fcfg_gray_int	icfg;
	/* GRAY asked by the monitor / by INT, per group (bit = path): the
	 * policy sees GRAY while either is set */
	__u32			want_mon[GMON_MAX_GROUPS];
	__u32			want_int[GMON_MAX_GROUPS];
	/* rendered when they happen: names stay right across reloads */
	struct json_object	*ring[GR_RING];
	__u64			n;
	/* the exporter thread reads these under lock */
	pthread_mutex_t		lock;
	bool			on;
	__u32			n_links;
	struct gr_link_snap	link[FCFG_GRAY_LINKS];
	__u64			events[GMON_EV_MAX];
	__u64			int_events[GMON_EV_MAX];
	__u32			n_hops;
	struct gr_hop_snap	hop[GINT_MAX_HOPS];
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
	json_object_object_add(o, "evidence", json_object_new_string("paths"));
	return o;
}

static void publish(struct fabricd *d, struct json_object *o, int type)
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
		publish(d, o, ev->type);
}

static bool wanted(__u32 g, __u32 p)
{
	return (gr.want_mon[g] | gr.want_int[g]) & (1U << p);
}

/* Tell the policy when a path's "either source wants GRAY" changes. */
static void apply(struct fabricd *d, __u32 g, __u32 p, bool was, uint64_t now)
{
	bool is = wanted(g, p);
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
		pr_warn("gray: path %s: %s\n", path_name(d, g, p), strerror(-err));
	d->fo->changed = true;
}

static void act(void *arg, uint32_t g, uint32_t p, bool on, uint64_t now)
{
	bool was;

	if (g >= GMON_MAX_GROUPS || p >= 32)
		return;
	was = wanted(g, p);
	if (on)
		gr.want_mon[g] |= 1U << p;
	else
		gr.want_mon[g] &= ~(1U << p);
	apply(arg, g, p, was, now);
}

/* Whether config path @cfgi crosses a link INT has drained. */
static bool int_drains_path(const struct fabricd *d, int cfgi, int *link)
{
	const struct fcfg_gray *gc = &d->cfg.gray;
	int h;

	for (h = 0; gr.gi && h < gc->path_n[cfgi]; h++)
		if (gint_link_drained(gr.gi, gc->path_link[cfgi][h])) {
			if (link)
				*link = gc->path_link[cfgi][h];
			return true;
		}
	return false;
}

/* The largest shift of a link's INT hops, ns (0 if none is positive). */
static __s64 int_link_shift(int link)
{
	struct gint_hop_status st;
	__s64 best = 0;
	__u32 i;

	for (i = 0; gr.gi && i < gint_config(gr.gi)->n_hops; i++)
		if ((int)gint_config(gr.gi)->hop[i].link == link &&
		    !gint_hop_status(gr.gi, i, &st) && st.shift_ns > best)
			best = st.shift_ns;
	return best;
}

/* INT drained or restored a link: every path's INT wish again. */
static void int_act(void *arg, uint32_t link, bool on, uint64_t now)
{
	struct fabricd *d = arg;
	int g, p;

	(void)link;
	(void)on;
	for (g = 0; g < d->cfg.n_groups && g < GMON_MAX_GROUPS; g++)
		for (p = 0; p < d->cfg.group[g].n_paths && p < 32; p++) {
			bool was = wanted(g, p);

			if (int_drains_path(d, d->cfg.group[g].path[p], NULL))
				gr.want_int[g] |= 1U << p;
			else
				gr.want_int[g] &= ~(1U << p);
			apply(d, g, p, was, now);
		}
}

static void int_event(void *arg, const struct gint_event *ev)
{
	struct fabricd *d = arg;
	const struct fcfg_gray *gc = &d->cfg.gray;
	struct json_object *o = json_object_new_object(), *paths;
	struct timespec mono, real;
	char t[40];
	__s64 off;
	time_t secs;
	struct tm tm;
	int g, p, cfgi, h;

	if (!o)
		return;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	off = ((__s64)real.tv_sec - mono.tv_sec) * 1000000000LL +
	      (real.tv_nsec - mono.tv_nsec);
	secs = (time_t)(((__s64)ev->time_ns + off) / 1000000000LL);
	gmtime_r(&secs, &tm);
	snprintf(t + strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm), 12,
		 ".%06lluZ", (unsigned long long)((ev->time_ns + off) / 1000 % 1000000));
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(ev->time_ns));
	json_object_object_add(o, "type", json_object_new_string(gmon_ev_name(ev->type)));
	json_object_object_add(o, "link", json_object_new_string(
		(int)ev->link < gc->n_links ? gc->link[ev->link] : "?"));
	json_object_object_add(o, "kind", json_object_new_string("delay"));
	json_object_object_add(o, "loss_ppm", json_object_new_uint64(0));
	json_object_object_add(o, "delay_us", json_object_new_uint64(ev->delay_us));
	json_object_object_add(o, "confidence", json_object_new_double(ev->confidence / 1000.0));
	paths = json_object_new_array();
	for (g = 0; g < d->cfg.n_groups; g++)
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			cfgi = d->cfg.group[g].path[p];
			for (h = 0; h < gc->path_n[cfgi]; h++)
				if (gc->path_link[cfgi][h] == ev->link) {
					json_object_array_add(paths, json_object_new_string(
						path_name(d, g, p)));
					break;
				}
		}
	json_object_object_add(o, "paths", paths);
	json_object_object_add(o, "action", json_object_new_string(
		gc->action == FCFG_GRAY_MONITOR ? "monitor" : "drain"));
	json_object_object_add(o, "evidence", json_object_new_string("int"));
	if (ev->hop < gint_config(gr.gi)->n_hops)
		json_object_object_add(o, "int_node", json_object_new_uint64(
			gint_config(gr.gi)->hop[ev->hop].node));
	json_object_object_add(o, "baseline_us", json_object_new_double(ev->baseline_ns / 1e3));
	if (ev->type < GMON_EV_MAX)
		gr.int_events[ev->type]++;
	publish(d, o, ev->type);
}

static void int_start(struct fabricd *d)
{
	const struct fcfg_gray_int *ic = &d->cfg.gray_int;
	const struct fcfg_gray *gc = &d->cfg.gray;
	struct gint_cfg *c;
	int i, l;

	if (!ic->enable)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	gint_cfg_default(c);
	c->delay_threshold_us = ic->delay_threshold_us ? ic->delay_threshold_us :
							 gc->delay_threshold_us;
	c->restore_clean_s = gc->restore_clean_s;
	c->min_samples = ic->min_samples;
	c->monitor_only = gc->action == FCFG_GRAY_MONITOR;
	gint_cfg_derive(c);
	c->n_hops = ic->n_hops;
	for (i = 0; i < ic->n_hops; i++) {
		c->hop[i].node = ic->hop_node[i];
		c->hop[i].port = GINT_PORT_TO_SINK;
		c->hop[i].link = ic->hop_link[i];
		for (l = 0; l < gc->n_monitor; l++)
			if (!strcmp(gc->monitor[l], gc->link[ic->hop_link[i]]))
				c->hop[i].monitor = true;
	}
	c->on_event = int_event;
	c->act = int_act;
	c->arg = d;
	gr.gi = gint_new(c);
	if (!gr.gi)
		pr_err("gray: cannot start the INT hop-latency detector: %s\n",
		       strerror(errno));
	else
		pr_info("gray: INT hop latency of %d hops, delay >= %u us\n",
			ic->n_hops, c->delay_threshold_us);
	free(c);
}

/* Every hop's histogram from this node's sink, into the detector. */
static void int_read(struct fabricd *d, uint64_t now)
{
	const struct gint_cfg *c;
	struct fabric_int_hist h;
	struct fint_maps m;
	__u32 i;

	if (!gr.gi || !d->dp || fint_from_skel(d->dp->skel, &m))
		return;
	c = gint_config(gr.gi);
	for (i = 0; i < c->n_hops; i++)
		if (!fint_read_hop(&m, c->hop[i].node, &h))
			gint_hist(gr.gi, i, &h, now);
	gint_tick(gr.gi, now);
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
	int_start(d);
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
				bool was = wanted(g, p);

				gr.want_mon[g] &= ~(1U << p);
				gr.want_int[g] &= ~(1U << p);
				apply(d, g, p, was, now_ns());
			}
	}
	fabricd_gray_detach(d);
	fabricd_gray_attach(d, eng);
}

void fabricd_gray_tick(struct fabricd *d)
{
	if (!gr.m)
		return;
	gmon_tick(gr.m, now_ns());
	int_read(d, now_ns());
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
	int g, pi, h, cfgi, suspect, il;
	bool idr;

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
		idr = int_drains_path(d, cfgi, &il);
		json_object_object_add(x, "state", json_object_new_string(
			ps.gray || idr ? "drained" : suspect >= 0 ? "suspect" : "clean"));
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
			json_object_object_add(w, "evidence", json_object_new_string("paths"));
			json_object_object_add(x, "why", w);
		} else if (idr) {
			struct json_object *w = json_object_new_object();

			json_object_object_add(w, "link", json_object_new_string(gc->link[il]));
			json_object_object_add(w, "kind", json_object_new_string("delay"));
			json_object_object_add(w, "loss_ppm", json_object_new_uint64(0));
			json_object_object_add(w, "delay_us", json_object_new_int64(
				int_link_shift(il) / 1000));
			json_object_object_add(w, "drained", json_object_new_boolean(true));
			json_object_object_add(w, "evidence", json_object_new_string("int"));
			json_object_object_add(x, "why", w);
		}
		json_object_object_add(p, "gray", x);
	}
	return o;
}

/* [gray_int]'s hops: what the INT hop-latency detector sees (lock held). */
static void int_metrics(struct fabric_metrics_buf *b)
{
	struct fabric_metrics_label l[2] = { { .name = "link" }, { .name = "node" } };
	char node[12];
	__u32 i;

	if (!gr.n_hops)
		return;
#define EACH_HOP(stmt)							\
	for (i = 0; i < gr.n_hops; i++) {				\
		l[0].value = gr.hop[i].link < gr.n_links ?		\
			     gr.link[gr.hop[i].link].name : "?";	\
		snprintf(node, sizeof(node), "%u", gr.hop[i].node);	\
		l[1].value = node;					\
		stmt;							\
	}
	fabric_metrics_header(b, "fabric_gray_int_hop_baseline_seconds",
			      "Learnt INT hop latency of the node toward this sink (median of block medians); 0 while learning.",
			      "gauge");
	EACH_HOP(fabric_metrics_double(b, "fabric_gray_int_hop_baseline_seconds", l, 2,
				       gr.hop[i].st.baseline_ns / 1e9));
	fabric_metrics_header(b, "fabric_gray_int_hop_shift_seconds",
			      "Last INT hop-latency block median minus the baseline.",
			      "gauge");
	EACH_HOP(fabric_metrics_double(b, "fabric_gray_int_hop_shift_seconds", l, 2,
				       gr.hop[i].st.learnt ? gr.hop[i].st.shift_ns / 1e9 : 0));
	fabric_metrics_header(b, "fabric_gray_int_hop_suspect",
			      "1 while the INT hop's latency shift names its link (kind delay, evidence int).",
			      "gauge");
	EACH_HOP(fabric_metrics_u64(b, "fabric_gray_int_hop_suspect", l, 2,
				    gr.hop[i].st.suspect));
	fabric_metrics_header(b, "fabric_gray_int_hop_samples_total",
			      "INT hop-latency samples the detector took from the sink's histogram.",
			      "counter");
	EACH_HOP(fabric_metrics_u64(b, "fabric_gray_int_hop_samples_total", l, 2,
				    gr.hop[i].st.samples));
#undef EACH_HOP
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
		fabric_metrics_u64(b, "fabric_link_suspect", &l, 1,
				   gr.link[i].st.suspect || gr.link[i].int_suspect);
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
		fabric_metrics_u64(b, "fabric_link_drained", &l, 1,
				   gr.link[i].st.drained || gr.link[i].int_drained);
	}
	fabric_metrics_header(b, "fabric_gray_events_total",
			      "Gray-failure events by type: gray_suspect, gray_drain, gray_restore, gray_clear.",
			      "counter");
	l.name = "type";
	for (i = 0; i < GMON_EV_MAX; i++) {
		l.value = gmon_ev_name(i);
		fabric_metrics_u64(b, "fabric_gray_events_total", &l, 1,
				   gr.events[i] + gr.int_events[i]);
	}
	int_metrics(b);
out:
	pthread_mutex_unlock(&gr.lock);
	return 0;
}
