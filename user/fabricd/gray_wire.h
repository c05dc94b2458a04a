/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What fabricd's gray wiring shares between its files: gray.c (attach,
 * the GRAY signal, the monitor's callbacks), gray_hops.c ([gray_int]'s
 * INT hop-latency detector) and gray_out.c (`fabricctl paths` and the
 * metrics). One instance, gr, owned by the event loop; the exporter
 * thread reads only the snapshot, under gr.lock.
 */
#ifndef FABRICD_GRAY_WIRE_H
#define FABRICD_GRAY_WIRE_H

#include <pthread.h>
#include <stdbool.h>

#include "fabricd.h"
#include "gray_int.h"
#include "gray_monitor.h"

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

struct gray_wire {
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
};

extern struct gray_wire gr;

__u64 gray_now_ns(void);
const char *gray_path_name(const struct fabricd *d, __u32 g, __u32 p);
/* An event object with its time, type and link filled in. */
struct json_object *gray_event_new(const struct fabricd *d, __u64 time_ns,
				   int type, __u32 link);
void gray_publish(struct fabricd *d, struct json_object *o, int type);
bool gray_wanted(__u32 g, __u32 p);
void gray_apply(struct fabricd *d, __u32 g, __u32 p, bool was, uint64_t now);

void gray_hops_start(struct fabricd *d);
void gray_hops_read(struct fabricd *d, uint64_t now);
bool gray_hops_drains_path(const struct fabricd *d, int cfgi, int *link);
__s64 gray_hops_link_shift(int link);
void gray_hops_metrics(struct fabric_metrics_buf *b);

#endif
