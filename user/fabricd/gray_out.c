// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What fabricd's gray monitor shows: the "gray" object of every path in
 * `fabricctl paths` and the fabric_link_* / fabric_gray_* metrics.
 */
#include <pthread.h>
#include <string.h>

#include "gray_wire.h"
#include "metrics.h"

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
				if (name && !strcmp(name, gray_path_name(d, g, pi))) {
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
		idr = gray_hops_drains_path(d, cfgi, &il);
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
				gray_hops_link_shift(il) / 1000));
			json_object_object_add(w, "drained", json_object_new_boolean(true));
			json_object_object_add(w, "evidence", json_object_new_string("int"));
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
#define EACH_LINK(stmt)					\
	for (i = 0; i < gr.n_links; i++) {		\
		l.value = gr.link[i].name;		\
		stmt;					\
	}
	fabric_metrics_header(b, "fabric_link_suspect",
			      "1 while the gray-failure monitor names the link as the cause of lossy or slow paths.",
			      "gauge");
	EACH_LINK(fabric_metrics_u64(b, "fabric_link_suspect", &l, 1,
				     gr.link[i].st.suspect || gr.link[i].int_suspect));
	fabric_metrics_header(b, "fabric_link_loss_ratio",
			      "Estimated loss ratio of the link: while suspect, of its evidence since the loss began; else an upper bound from its least lossy path.",
			      "gauge");
	EACH_LINK(fabric_metrics_double(b, "fabric_link_loss_ratio", &l, 1,
					gr.link[i].st.loss_ppb / 1e9));
	fabric_metrics_header(b, "fabric_link_latency_shift_seconds",
			      "Estimated latency shift of the link over its learnt baseline (least shift of its paths).",
			      "gauge");
	EACH_LINK(fabric_metrics_double(b, "fabric_link_latency_shift_seconds", &l, 1,
					gr.link[i].st.shift_ns / 1e9));
	fabric_metrics_header(b, "fabric_link_drained",
			      "1 while the link's paths are drained for gray loss or delay.",
			      "gauge");
	EACH_LINK(fabric_metrics_u64(b, "fabric_link_drained", &l, 1,
				     gr.link[i].st.drained || gr.link[i].int_drained));
#undef EACH_LINK
	fabric_metrics_header(b, "fabric_gray_events_total",
			      "Gray-failure events by type: gray_suspect, gray_drain, gray_restore, gray_clear.",
			      "counter");
	l.name = "type";
	for (i = 0; i < GMON_EV_MAX; i++) {
		l.value = gmon_ev_name(i);
		fabric_metrics_u64(b, "fabric_gray_events_total", &l, 1,
				   gr.events[i] + gr.int_events[i]);
	}
	gray_hops_metrics(b);
out:
	pthread_mutex_unlock(&gr.lock);
	return 0;
}
