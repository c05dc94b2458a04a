// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * INT's Prometheus families (Documentation/metrics.md, "INT"): hop
 * latency per node id, path latency for the top-K paths by packets plus one
 * aggregate series path="other" (so at most K + 1 path series whatever the
 * path table holds), and the source, transit and sink counters.
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.skel.h"
#include "int_telemetry.h"
#include "metrics.h"

int fint_from_skel(struct fabric_bpf *skel, struct fint_maps *m)
{
	m->stats_fd = bpf_map__fd(skel->maps.fab_int_stats);
	m->hops_fd = bpf_map__fd(skel->maps.fab_int_hops);
	m->paths_fd = bpf_map__fd(skel->maps.fab_int_paths);
	m->other_fd = bpf_map__fd(skel->maps.fab_int_other);
	m->class_fd = bpf_map__fd(skel->maps.fab_int_class);
	m->nodes_fd = bpf_map__fd(skel->maps.fab_int_nodes);
	m->xstats_fd = bpf_map__fd(skel->maps.fab_int_xstats);
	m->ncpu = libbpf_num_possible_cpus();
	return m->stats_fd < 0 || m->ncpu <= 0 ? -1 : 0;
}

static double bounds[FABRIC_INT_HIST_BUCKETS - 1];

static void hist(struct fabric_metrics_buf *b, const char *name,
		 const char *label, const char *value,
		 const struct fabric_int_hist *h)
{
	struct fabric_metrics_label l = { label, value };

	fabric_metrics_histogram_series(b, name, &l, 1, bounds, h->bucket,
					FABRIC_INT_HIST_BUCKETS - 1,
					h->sum_ns / 1e9, h->count);
}

static void add_hist(struct fabric_int_hist *to, const struct fabric_int_hist *h)
{
	int i;

	to->count += h->count;
	to->sum_ns += h->sum_ns;
	for (i = 0; i < FABRIC_INT_HIST_BUCKETS; i++)
		to->bucket[i] += h->bucket[i];
}

static void counters(struct fabric_metrics_buf *b, const char *name,
		     const char *help, const char *const *what,
		     const __u64 *v, int n)
{
	struct fabric_metrics_label l;
	int i;

	fabric_metrics_header(b, name, help, "counter");
	for (i = 0; i < n; i++) {
		l.name = "result";
		l.value = what[i];
		fabric_metrics_u64(b, name, &l, 1, v[i]);
	}
}

int fint_metrics_render(struct fabric_metrics_buf *b, const struct fint_maps *m,
			unsigned int top_k)
{
	static const char *const src_what[] = { "instrumented", "probe",
		"sampled_out", "skipped_mtu", "skipped_l3", "error" };
	static const char *const tr_what[] = { "pushed", "completed", "e_set",
		"m_set", "skipped", "error", "csum_partial" };
	static const char *const sink_what[] = { "stripped", "probe", "e_bit",
		"m_bit", "path_overflow", "node_range", "error", "csum_partial" };
	static const char *const bad_what[FABRIC_INT_BAD_MAX] = {
		"short", "shim", "version", "length", "hop_ml", "instr",
		"too_long", "pending", "l3" };
	struct fabric_int_stats s;
	struct fabric_int_xstats xs;
	struct fabric_int_hist other;
	struct fint_hop *hops;
	struct fabric_int_path op;
	struct fint_path *paths;
	char v[FABRIC_INT_MAX_HOPS * 12];
	int n, i;

	_Static_assert(FABRIC_INT_BAD_MAX == 9, "malformed reasons changed");
	for (i = 0; i < FABRIC_INT_HIST_BUCKETS - 1; i++)
		bounds[i] = fabric_int_bucket_le_ns(i) / 1e9;
	if (fint_read_stats(m, &s) || fint_read_xstats(m, &xs))
		return -1;
	{
		__u64 sv[] = { s.src_instrumented, s.src_probes, s.src_sampled_out,
			       s.src_skipped_mtu, s.src_skipped_l3, s.src_errors };
		__u64 tv[] = { s.transit_pushed, s.transit_completed, s.transit_e_set,
			       s.transit_m_set, s.transit_skipped, s.transit_errors,
			       xs.transit_csum_partial };
		__u64 kv[] = { s.sink_stripped, s.sink_probes, s.sink_e_bit,
			       s.sink_m_bit, s.sink_path_overflow,
			       s.sink_node_range, s.sink_errors,
			       xs.sink_csum_partial };

		counters(b, "fabric_int_source_packets_total",
			 "Packets at the INT source role, by result (probe: probes instrumented; skipped_mtu: INT would exceed the egress MTU).",
			 src_what, sv, 6);
		counters(b, "fabric_int_transit_packets_total",
			 "INT packets at the transit role, by result (csum_partial: also counted as pushed, e_set or m_set; the UDP checksum was a device's still to compute).",
			 tr_what, tv, 7);
		counters(b, "fabric_int_sink_packets_total",
			 "INT packets at the sink role, by result (csum_partial: also counted as stripped; the UDP checksum was a device's still to compute).",
			 sink_what, kv, 8);
	}
	fabric_metrics_header(b, "fabric_int_sink_malformed_total",
			      "INT packets the sink passed untouched as malformed, by the first failed check.",
			      "counter");
	for (i = 0; i < FABRIC_INT_BAD_MAX; i++) {
		struct fabric_metrics_label l = { "reason", bad_what[i] };

		fabric_metrics_u64(b, "fabric_int_sink_malformed_total", &l, 1,
				   s.sink_malformed[i]);
	}

	fabric_metrics_header(b, "fabric_int_hop_latency_seconds",
			      "INT hop latency (ingress to egress of one node, one clock) recorded by this sink, by node id.",
			      "histogram");
	hops = malloc(FABRIC_INT_MAX_NODES * sizeof(*hops));
	if (!hops)
		return -1;
	n = fint_read_hops(m, hops, FABRIC_INT_MAX_NODES);
	for (i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%u", hops[i].node);
		hist(b, "fabric_int_hop_latency_seconds", "node", v, &hops[i].h);
	}
	free(hops);
	if (n < 0)
		return -1;

	paths = malloc(FABRIC_INT_MAX_PATHS * sizeof(*paths));
	if (!paths)
		return -1;
	n = fint_read_paths(m, paths, FABRIC_INT_MAX_PATHS);
	if (n < 0 || fint_read_other(m, &op)) {
		free(paths);
		return -1;
	}
	fabric_metrics_header(b, "fabric_int_path_latency_seconds",
			      "INT path latency (sum of the hop latencies) recorded by this sink: the top-K paths by packets, path=\"other\" for the rest.",
			      "histogram");
	other = op.latency;
	for (i = 0; i < n; i++) {
		if ((unsigned int)i < top_k) {
			fint_path_str(&paths[i].key, v, sizeof(v));
			hist(b, "fabric_int_path_latency_seconds", "path", v,
			     &paths[i].val.latency);
		} else {
			add_hist(&other, &paths[i].val.latency);
		}
	}
	hist(b, "fabric_int_path_latency_seconds", "path", "other", &other);
	free(paths);

	fabric_metrics_header(b, "fabric_int_paths",
			      "INT paths in the sink's path table (bounded at 1024).",
			      "gauge");
	fabric_metrics_u64(b, "fabric_int_paths", NULL, 0, n);
	return 0;
}
