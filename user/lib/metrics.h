/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus text exposition (format 0.0.4) of the data path's counters.
 * Documentation/metrics.md lists every metric this renders.
 *
 * Cardinality is bounded: per-port series, plus per-flow series for at most
 * 4 * top_k flows (the top_k by bytes, by CE, by CNP and by PSN gaps,
 * de-duplicated). The flow table is scanned once, a few MiB window at a
 * time (flow_window.h), with bounded min-heaps: no sort, no syscall and no
 * allocation per flow.
 */
#ifndef FABRIC_METRICS_H
#define FABRIC_METRICS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "fabric_dp.h"

#define FABRIC_METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define FABRIC_METRICS_DEFAULT_TOP_K	100
#define FABRIC_METRICS_MAX_TOP_K	10000

/* Selection scratch and the table window, reused across renders. */
struct fabric_metrics_heap;
struct fabric_flow_window;

/*
 * Output text plus the state one scraper keeps across renders. Keep one per
 * exporter and reuse it: the buffers then stop growing after the first
 * scrape. Zero-initialise, or call fabric_metrics_buf_init().
 */
struct fabric_metrics_buf {
	char		*data;
	size_t		len;
	size_t		cap;
	int		err;		/* sticky: -ENOMEM once an append failed */

	struct fabric_metrics_heap *heap;
	struct fabric_flow_window *window;
	void		*ports;		/* port snapshot array, internal */
	size_t		ports_cap;
	__u64		last_render_ns;		/* duration of the previous render */
};

struct fabric_metrics_label {
	const char	*name;
	const char	*value;		/* escaped when rendered */
};

/*
 * Where the numbers come from. The exporter keeps a pointer to this struct
 * and reads it from its own thread:
 *  - the __u64 daemon counters are read with __atomic loads; update them
 *    with fabric_metrics_count() (or any __atomic op);
 *  - change anything else (maps, top_k, extra) only while holding
 *    fabric_exporter_lock().
 */
struct fabric_metrics_src {
	const struct fabric_maps *maps;		/* required */
	unsigned int	top_k;			/* 0: FABRIC_METRICS_DEFAULT_TOP_K */
	const char	*version;		/* build info; NULL: "unknown" */
	const char	*executor;		/* "fabricd" | "fabric.ko" */

	/* daemon-side counters */
	__u64		events_received;	/* ringbuf records consumed */
	__u64		config_reloads;		/* successful SIGHUP reloads */
	__u64		config_reload_errors;	/* rejected reloads */

	/*
	 * Extension point (failover paths, INT): called at the end of every
	 * render, under the exporter lock. Append complete metric families
	 * with the helpers below; a negative return fails the scrape (500).
	 */
	int		(*extra)(struct fabric_metrics_buf *b, void *ctx);
	void		*extra_ctx;
};

static inline void fabric_metrics_count(__u64 *counter, __u64 n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

void fabric_metrics_buf_init(struct fabric_metrics_buf *b);
void fabric_metrics_buf_reset(struct fabric_metrics_buf *b);	/* len = 0 */
void fabric_metrics_buf_free(struct fabric_metrics_buf *b);

/* Resets b, then renders everything. 0 or -errno. */
int fabric_metrics_render(const struct fabric_metrics_src *src,
			  struct fabric_metrics_buf *out);

/*
 * Building blocks, also for extensions. Names must match
 * [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*; label values
 * are escaped (\\, \", \n). Errors are sticky in b->err.
 */
void fabric_metrics_printf(struct fabric_metrics_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "# HELP name help" and "# TYPE name type"; type: counter, gauge, histogram */
void fabric_metrics_header(struct fabric_metrics_buf *b, const char *name,
			   const char *help, const char *type);
void fabric_metrics_u64(struct fabric_metrics_buf *b, const char *name,
			const struct fabric_metrics_label *labels,
			unsigned int nlabels, __u64 value);
void fabric_metrics_double(struct fabric_metrics_buf *b, const char *name,
			   const struct fabric_metrics_label *labels,
			   unsigned int nlabels, double value);
/* Appends label value v with Prometheus escaping. */
void fabric_metrics_escape(struct fabric_metrics_buf *b, const char *v);

/*
 * One histogram series: n finite upper bounds in increasing order,
 * counts[i] = observations in (bounds[i-1], bounds[i]] (per bucket, not
 * cumulative; the renderer accumulates), count = all observations including
 * those above bounds[n-1], sum = their sum. Renders name_bucket{le=...}
 * with a final le="+Inf", name_sum and name_count.
 */
void fabric_metrics_histogram_series(struct fabric_metrics_buf *b,
				     const char *name,
				     const struct fabric_metrics_label *labels,
				     unsigned int nlabels, const double *bounds,
				     const __u64 *counts, unsigned int n,
				     double sum, __u64 count);
/* Header plus a single series. */
void fabric_metrics_histogram(struct fabric_metrics_buf *b, const char *name,
			      const char *help,
			      const struct fabric_metrics_label *labels,
			      unsigned int nlabels, const double *bounds,
			      const __u64 *counts, unsigned int n, double sum,
			      __u64 count);

#endif
