// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd's data-path reroute: wires user/lib/reroute.h in. It mirrors
 * the configured groups into the map pinned with the data path, attaches
 * the tc egress filter to every path's device, follows each verdict
 * (the userspace engine's through its hooks; fabric.ko's replace through
 * its events) and publishes the stages: `fabricctl events` (type
 * "reroute") and the fabric_reroute_* metrics. Documentation/reroute.md,
 * "Reaction in the data path".
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabricd.h"
#include "failover.h"
#include "log.h"
#include "metrics.h"
#include "reroute.h"
#include "reroute_engine.h"
#include "reroute_fabricd.h"

#define RR_RING		64

static struct {
	struct fabricd		*d;
	struct frr		*r;
	struct ffe_cfg		*cfg;		/* names of groups and paths */
	struct frr_event	ring[RR_RING];
	__u64			n;
	/* the exporter thread reads these under lock */
	pthread_mutex_t		lock;
	bool			on;
	struct frr_stats	snap;
	struct fabric_rr_stats	dp;
} rr = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *gname(__u32 gi)
{
	return rr.cfg && gi < rr.cfg->n_groups ? rr.cfg->group[gi].name : "?";
}

static const char *pname(__u32 gi, __u32 pi)
{
	return rr.cfg && gi < rr.cfg->n_groups && pi < rr.cfg->group[gi].n_paths ?
	       rr.cfg->group[gi].path[pi].name : "?";
}

static struct json_object *event_json(const struct frr_event *ev)
{
	struct json_object *o = json_object_new_object();
	char t[40];

	if (!o)
		return NULL;
	fabricd_wall_time(ev->time_ns, true, t, sizeof(t));
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(ev->time_ns));
	json_object_object_add(o, "type", json_object_new_string("reroute"));
	json_object_object_add(o, "stage", json_object_new_string(frr_stage_name(ev->stage)));
	json_object_object_add(o, "group", json_object_new_string(gname(ev->group)));
	json_object_object_add(o, "path", json_object_new_string(pname(ev->group, ev->path)));
	json_object_object_add(o, "verdict_ns", json_object_new_uint64(ev->verdict_ns));
	json_object_object_add(o, "since_verdict_ns", json_object_new_uint64(
		ev->time_ns > ev->verdict_ns ? ev->time_ns - ev->verdict_ns : 0));
	json_object_object_add(o, "generation", json_object_new_uint64(ev->gen));
	json_object_object_add(o, "source", json_object_new_string(frr_source_name(ev->source)));
	json_object_object_add(o, "redirected", json_object_new_uint64(ev->redirected));
	return o;
}

static void publish(void)
{
	pthread_mutex_lock(&rr.lock);
	rr.on = rr.r != NULL;
	if (rr.r) {
		rr.snap = *frr_stats(rr.r);
		frr_dp_stats(rr.r, &rr.dp);
	}
	pthread_mutex_unlock(&rr.lock);
}

static void on_stage(void *arg, const struct frr_event *ev)
{
	struct json_object *o;

	rr.ring[rr.n % RR_RING] = *ev;
	rr.n++;
	pr_info("reroute: %s %s/%s %.1f us after the verdict (generation %u, %s)\n",
		frr_stage_name(ev->stage), gname(ev->group), pname(ev->group, ev->path),
		(ev->time_ns > ev->verdict_ns ? ev->time_ns - ev->verdict_ns : 0) / 1e3,
		ev->gen, frr_source_name(ev->source));
	o = event_json(ev);
	if (o) {
		fabricd_control_broadcast(rr.d, o);
		json_object_put(o);
	}
	publish();
}

void fabricd_reroute_start(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	__u32 gi;
	int err;

	fabricd_reroute_stop(d);
	if (!d->cfg.n_groups || !fo || (!fo->eng && !fo->km))
		return;
	rr.d = d;
	rr.cfg = fo_engine_cfg(&d->cfg);
	if (!rr.cfg)
		return;
	rr.r = frr_open(d->cfg.pin_dir[0] ? d->cfg.pin_dir : NULL, on_stage, NULL);
	if (!rr.r) {
		pr_warn("reroute: off: %s\n", strerror(errno));
		goto fail;
	}
	if (fo->eng) {
		err = frr_engine_attach(rr.r, fo->eng, rr.cfg, true);
	} else {
		for (err = 0, gi = 0; !err && gi < rr.cfg->n_groups; gi++) {
			err = frr_mirror_cfg(rr.r, gi, &rr.cfg->group[gi]);
			if (!err)
				err = frr_attach_cfg(rr.r, &rr.cfg->group[gi]);
		}
	}
	if (err) {
		pr_warn("reroute: off: %s\n", strerror(-err));
		goto fail;
	}
	pr_info("reroute: %u groups mirrored into %s/%s, tc egress on every path\n",
		rr.cfg->n_groups, d->cfg.pin_dir[0] ? d->cfg.pin_dir : "(private)",
		FABRIC_RR_MAP);
	publish();
	fabricd_verdict_start(d, true);
	return;
fail:
	frr_close(rr.r);
	rr.r = NULL;
	free(rr.cfg);
	rr.cfg = NULL;
	publish();
	fabricd_verdict_start(d, false);
}

void fabricd_reroute_stop(struct fabricd *d)
{
	fabricd_verdict_stop(d);
	frr_close(rr.r);
	rr.r = NULL;
	free(rr.cfg);
	rr.cfg = NULL;
	publish();
}

void fabricd_reroute_tick(struct fabricd *d)
{
	fabricd_verdict_sync(d);	/* a reloaded data path starts with it off */
	if (!rr.r)
		return;
	frr_poll(rr.r);
	publish();
}

void fabricd_reroute_poll(struct fabricd *d)
{
	if (!rr.r)
		return;
	frr_poll(rr.r);
	publish();
}

void fabricd_reroute_restored(struct fabricd *d, unsigned int gi, unsigned int pi)
{
	if (!rr.r)
		return;
	frr_restored(rr.r, gi, pi);
	publish();
}

void fabricd_reroute_replaced(struct fabricd *d, unsigned int gi)
{
	struct timespec ts;

	if (!rr.r)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	frr_replaced(rr.r, gi, (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
	publish();
}

/* fabric.ko executed: its event carries the replace's completion. */
void fabricd_reroute_kmod_event(struct fabricd *d, unsigned int gi,
				const struct fo_transition *t)
{
	if (!rr.r || !t->repair_ns || t->error)
		return;
	frr_poll(rr.r);		/* verdicts its detectors wrote */
	frr_replaced(rr.r, gi, t->time_ns + t->repair_ns);
	publish();
}

void fabricd_reroute_events_json(struct json_object *arr, unsigned int max)
{
	__u64 i = rr.n > RR_RING ? rr.n - RR_RING : 0;

	if (max && rr.n - i > max)
		i = rr.n - max;
	for (; i < rr.n; i++)
		json_object_array_add(arr, event_json(&rr.ring[i % RR_RING]));
}

int fabricd_reroute_metrics(struct fabric_metrics_buf *b)
{
	double bounds[FRR_HIST_BUCKETS];
	struct fabric_metrics_label l;
	__u32 s, i;

	pthread_mutex_lock(&rr.lock);
	if (!rr.on)
		goto out;
	fabric_metrics_header(b, "fabric_reroute_stage_total",
			      "Data-path reroute sequences that reached a stage: detected (member declared down), rerouted (first packet on a survivor), replaced (nexthop group replace acked), cleared (override withdrawn).",
			      "counter");
	for (s = 0; s < FRR_STAGES; s++) {
		l.name = "stage";
		l.value = frr_stage_name(s);
		fabric_metrics_u64(b, "fabric_reroute_stage_total", &l, 1, rr.snap.stage[s]);
	}
	for (i = 0; i < FRR_HIST_BUCKETS; i++)
		bounds[i] = frr_hist_bound_ns(i) / 1e9;
	fabric_metrics_header(b, "fabric_reroute_stage_seconds",
			      "Time from the down verdict to each later stage of a data-path reroute.",
			      "histogram");
	for (s = FRR_REROUTED; s < FRR_STAGES; s++) {
		const struct frr_hist *h = &rr.snap.lat[s];

		l.name = "stage";
		l.value = frr_stage_name(s);
		fabric_metrics_histogram_series(b, "fabric_reroute_stage_seconds", &l, 1,
						bounds, (const __u64 *)h->count, FRR_HIST_BUCKETS,
						h->sum_ns / 1e9, h->n);
	}
	fabric_metrics_header(b, "fabric_reroute_packets_total",
			      "Packets the data path moved to a survivor while a member was declared down.",
			      "counter");
	fabric_metrics_u64(b, "fabric_reroute_packets_total", NULL, 0, rr.dp.redirected);
	fabric_metrics_header(b, "fabric_reroute_passed_total",
			      "Packets the data path looked at while a member was down and left alone, by reason.",
			      "counter");
	{
		static const char *const why[] = {
			"not_down_member", "no_survivor", "no_neighbour",
			"fib_error", "malformed", "ttl",
		};
		const __u64 v[] = {
			rr.dp.passed, rr.dp.no_survivor, rr.dp.no_neigh,
			rr.dp.fib_errors, rr.dp.malformed, rr.dp.ttl_exceeded,
		};

		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			l.name = "reason";
			l.value = why[i];
			fabric_metrics_u64(b, "fabric_reroute_passed_total", &l, 1, v[i]);
		}
	}
	fabric_metrics_header(b, "fabric_reroute_sync_errors_total",
			      "Read-backs of a nexthop group that failed while an override waited for it.",
			      "counter");
	fabric_metrics_u64(b, "fabric_reroute_sync_errors_total", NULL, 0, rr.snap.sync_errors);
out:
	pthread_mutex_unlock(&rr.lock);
	return 0;
}
