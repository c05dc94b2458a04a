/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fabricd's data-path reroute (reroute.c); called from the failover code,
 * the control socket and the exporter. */
#ifndef FABRICD_REROUTE_H
#define FABRICD_REROUTE_H

#include <stdbool.h>
#include <json-c/json.h>

struct fabricd;
struct fo_transition;
struct fabric_metrics_buf;

/* After the executor started (either one): mirror, attach, hook. */
void fabricd_reroute_start(struct fabricd *d);
void fabricd_reroute_stop(struct fabricd *d);
/* fabricd's 1 s tick: verdicts of kernel detectors, first packets. */
void fabricd_reroute_tick(struct fabricd *d);
/* A fabric.ko event for group gi (its replace is done). */
void fabricd_reroute_kmod_event(struct fabricd *d, unsigned int gi,
				const struct fo_transition *t);
/* Recent stage events appended to arr, oldest first (max 0: all kept). */
void fabricd_reroute_events_json(struct json_object *arr, unsigned int max);
int fabricd_reroute_metrics(struct fabric_metrics_buf *b);
/* A kernel-side verdict arrived: report its stage now, not at the tick. */
void fabricd_reroute_poll(struct fabricd *d);
/* The policy keeps path pi of group gi: no override may remain. */
void fabricd_reroute_restored(struct fabricd *d, unsigned int gi, unsigned int pi);
/* Group gi no longer holds a down member: withdraw after a read-back. */
void fabricd_reroute_replaced(struct fabricd *d, unsigned int gi);

/* verdict.c: the kernel-side probe verdict (Documentation/reroute.md) */
struct fabric_event;
void fabricd_verdict_start(struct fabricd *d, bool reroute);
void fabricd_verdict_stop(struct fabricd *d);
void fabricd_verdict_sync(struct fabricd *d);
void fabricd_verdict_event(struct fabricd *d, const struct fabric_event *ev);
void fabricd_verdict_json(const struct fabric_event *ev, struct json_object *o);
struct json_object *fabricd_verdict_status_json(void);

#endif
