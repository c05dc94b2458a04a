/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared between the metric renderer's files; not an API. */
#ifndef FABRIC_METRICS_INT_H
#define FABRIC_METRICS_INT_H

#include "flow_rows.h"
#include "metrics.h"

/* One exported flow: its copy, the tx join and the label text. */
struct fabric_metrics_row {
	struct fabric_flow_row	r;
	char			labels[160];	/* src="..",dst="..",qp=".." */
};

/*
 * Top-K selection over a stream of flow copies: four bounded min-heaps
 * (bytes, CE, CNP, PSN gaps) that keep their own copy of each winner, so
 * the table need not stay mapped until the end of the scan.
 */
struct fabric_metrics_heap *fabric_metrics_heap_new(unsigned int k);
void fabric_metrics_heap_free(struct fabric_metrics_heap *hp);
unsigned int fabric_metrics_heap_k(const struct fabric_metrics_heap *hp);
void fabric_metrics_heap_reset(struct fabric_metrics_heap *hp);
void fabric_metrics_heap_offer(struct fabric_metrics_heap *hp,
			       const struct fabric_flow *f);
/*
 * The union of the heaps, de-duplicated by key, sorted by bytes (then
 * key); rows[i].r.rx is the flow. Labels are filled in; the tx side is
 * left to the caller. Returns the number of rows.
 */
unsigned int fabric_metrics_heap_rows(struct fabric_metrics_heap *hp,
				      struct fabric_metrics_row **rows);

/* Resets the heaps and offers every live flow; *tracked counts them. */
int fabric_metrics_scan(const struct fabric_maps *m,
			struct fabric_flow_window *w,
			struct fabric_metrics_heap *hp, __u64 *tracked);
void fabric_metrics_render_flows(struct fabric_metrics_buf *b,
				 const struct fabric_metrics_row *rows,
				 unsigned int n, __s64 wall_off);

/* CLOCK_MONOTONIC ns of the data path to Unix seconds; 0 stays 0. */
double fabric_metrics_unix_s(__u64 mono_ns, __s64 realtime_minus_mono_ns);

#endif
