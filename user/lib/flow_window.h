/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Read the flow table a window at a time. A mapping of a 1M-flow table is
 * 128 MiB of resident memory for as long as it stays mapped, so long-running
 * readers (fabricd, fabric-metrics-dump --serve) drop the mapping made at
 * load with fabric_maps_unmap_flows() and read through a window instead:
 * FABRIC_FLOW_WINDOW_SETS sets at a time, copied into a buffer the caller
 * may keep between reads.
 */
#ifndef FABRIC_FLOW_WINDOW_H
#define FABRIC_FLOW_WINDOW_H

#include "fabric_dp.h"

#define FABRIC_FLOW_WINDOW_SETS		2048	/* 2 MiB of 1 KiB sets */

/* Zero-initialise; keeps its buffers between reads. */
struct fabric_flow_window {
	struct fabric_flow_set	*sets;
	__u32			*keys;
};

/*
 * Every live flow, as fabric_maps_for_each_flow() reports it. With the
 * table mapped this is that function; without, the table is copied window
 * by window into w. 0, the callback's non-zero return, or -errno.
 */
int fabric_flow_window_read(const struct fabric_maps *m,
			    struct fabric_flow_window *w, fabric_flow_cb cb,
			    void *ctx);
void fabric_flow_window_free(struct fabric_flow_window *w);

/* The same with a window allocated for this one read. */
int fabric_flow_window_for_each(const struct fabric_maps *m, fabric_flow_cb cb,
				void *ctx);

/* Drop the full mapping made at load/open; nsets and the fds stay. */
void fabric_maps_unmap_flows(struct fabric_maps *m);

#endif
