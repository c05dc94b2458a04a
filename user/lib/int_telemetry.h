/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * INT telemetry for userspace (Documentation/int.md): the sink's maps read
 * from their pins (or fds) and summed over CPUs, percentiles from the
 * log-scale histograms, and the node's roles and flow classes written to a
 * loaded fabric object.
 */
#ifndef FABRIC_INT_TELEMETRY_H
#define FABRIC_INT_TELEMETRY_H

#include <stdbool.h>

#include "fabric_int.h"

struct fabric_bpf;

struct fint_maps {
	int	stats_fd, hops_fd, paths_fd, other_fd, class_fd;
	int	ncpu;
	/* -1 when the pins are an older object's, without these maps */
	int	nodes_fd, xstats_fd;
};

/* All -1 on error (errno set); fint_close() closes what is open. */
int fint_open_pinned(const char *pin_dir, struct fint_maps *m);
void fint_close(struct fint_maps *m);

int fint_read_stats(const struct fint_maps *m, struct fabric_int_stats *out);
/* The hop histogram of node id, summed; count 0 if none. */
int fint_read_hop(const struct fint_maps *m, __u32 node, struct fabric_int_hist *out);

struct fint_hop {
	__u32			node;
	struct fabric_int_hist	h;	/* summed over CPUs */
};

/*
 * Every node id with samples, ascending (at most max); returns how many,
 * or -1. Reads only the node ids in the sink's index (fab_int_nodes);
 * without the index, every node id, in batches.
 */
int fint_read_hops(const struct fint_maps *m, struct fint_hop *out, int max);
/* Counters of fab_int_xstats, summed; zeroes without the map. */
int fint_read_xstats(const struct fint_maps *m, struct fabric_int_xstats *out);

struct fint_path {
	struct fabric_int_path_key	key;
	struct fabric_int_path		val;	/* summed over CPUs */
};

/* Every path (at most max), busiest first; returns how many, or -1. */
int fint_read_paths(const struct fint_maps *m, struct fint_path *out, int max);
/* The aggregate of paths the full table could not hold. */
int fint_read_other(const struct fint_maps *m, struct fabric_int_path *out);

/*
 * Quantile q (0..1) of a histogram in ns: the upper bound of the bucket
 * holding it (an overestimate by at most 25%); 0 for an empty histogram,
 * ~0 in the last (unbounded) bucket. fint_quantile_lo gives the lower.
 */
__u64 fint_quantile(const struct fabric_int_hist *h, double q);
__u64 fint_quantile_lo(const struct fabric_int_hist *h, double q);

/* "11>12>13" into buf; returns buf. */
const char *fint_path_str(const struct fabric_int_path_key *k, char *buf, size_t len);

/* Roles etc. into the loaded object's .data.int and fab_int_class. */
int fint_configure(struct fabric_bpf *skel, const struct fabric_int_config *cfg,
		   const struct fabric_int_class *cls, int n_cls, const __u8 *dscp);

/* int_metrics.c: the maps of a loaded object; the exporter's families. */
struct fabric_metrics_buf;
int fint_from_skel(struct fabric_bpf *skel, struct fint_maps *m);
int fint_metrics_render(struct fabric_metrics_buf *b, const struct fint_maps *m,
			unsigned int top_k);

#endif
