/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Passive evidence per failover path (passive_paths.c). */
#ifndef FABRICD_PASSIVE_PATHS_H
#define FABRICD_PASSIVE_PATHS_H

#include <linux/types.h>

struct fabricd;
struct fabric_metrics_buf;
struct fabric_event;
struct json_object;

void fo_passive_paths_tick(struct fabricd *d, __u32 (*ifindex_of)(int g, int p),
			   __u64 now_ns);
void fo_passive_paths_unattributed(void);
void fo_passive_paths_reset(void);
int fo_passive_paths_metrics(struct fabric_metrics_buf *b, const struct fabricd *d);
/* The exporter's extra hook: fabricd_extra_metrics(), then the above. */
/* The event's attributed path: path_ifindex, path_ifname, path_how. */
void fo_passive_event_json(const struct fabric_event *ev, struct json_object *o);
int fabricd_extra_metrics_passive(struct fabric_metrics_buf *b, void *ctx);

#endif
