// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [gray_int]: INT hop latency read from this node's sink names and drains
 * links (user/lib/gray_int.h), through the same events and the same GRAY
 * signal as the probe monitor; a path is drained while either wants it.
 * Documentation/gray.md, "INT hop latency".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gray_wire.h"
#include "int_telemetry.h"
#include "log.h"
#include "metrics.h"

/* Whether config path @cfgi crosses a link INT has drained. */
bool gray_hops_drains_path(const struct fabricd *d, int cfgi, int *link)
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
__s64 gray_hops_link_shift(int link)
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
			bool was = gray_wanted(g, p);

			if (gray_hops_drains_path(d, d->cfg.group[g].path[p], NULL))
				gr.want_int[g] |= 1U << p;
			else
				gr.want_int[g] &= ~(1U << p);
			gray_apply(d, g, p, was, now);
		}
}

static void int_event(void *arg, const struct gint_event *ev)
{
	struct fabricd *d = arg;
	const struct fcfg_gray *gc = &d->cfg.gray;
	struct json_object *o, *paths;
	int g, p, cfgi, h;

	o = gray_event_new(d, ev->time_ns, ev->type, ev->link);
	if (!o)
		return;
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
						gray_path_name(d, g, p)));
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
	gray_publish(d, o, ev->type);
}

void gray_hops_start(struct fabricd *d)
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
void gray_hops_read(struct fabricd *d, uint64_t now)
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

/* [gray_int]'s hops: what the INT hop-latency detector sees (lock held). */
void gray_hops_metrics(struct fabric_metrics_buf *b)
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
