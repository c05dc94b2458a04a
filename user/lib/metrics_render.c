// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fabric metric set: per-port counters, top-K flows, data-path health,
 * daemon counters and build info. Documentation/metrics.md is the reference
 * for every name rendered here.
 *
 * Per-flow selection and families are in metrics_flows.c.
 *
 * A port's series carry its ifindex and its current name, and exist only
 * while an interface with that ifindex carries the data path: a renamed
 * port starts a new label set, and the counters of a deleted interface are
 * never shown under another interface that later got its ifindex (fabricd
 * zeroes a port's counters when it attaches to an interface that did not
 * carry the data path, see port_reset.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow_window.h"
#include "metrics_int.h"

struct port_snap {
	__u32				ifindex;
	char				name[IF_NAMESIZE];
	char				idx[12];
	struct fabric_port_counters	c;
};

struct port_list {
	struct fabric_metrics_buf	*b;
	unsigned int			n;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void fabric_metrics_buf_free(struct fabric_metrics_buf *b)
{
	fabric_metrics_heap_free(b->heap);
	if (b->window)
		fabric_flow_window_free(b->window);
	free(b->window);
	free(b->ports);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int port_collect(__u32 ifindex, const struct fabric_port_counters *pc,
			void *ctx)
{
	struct port_list *pl = ctx;
	struct fabric_metrics_buf *b = pl->b;
	struct port_snap *p;
	bool xdp, tc;

	if (pl->n == b->ports_cap) {
		size_t cap = b->ports_cap ? b->ports_cap * 2 : 16;

		p = realloc(b->ports, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		b->ports = p;
		b->ports_cap = cap;
	}
	p = &((struct port_snap *)b->ports)[pl->n];
	/* a stale entry: the interface is gone or no longer ours */
	if (!if_indextoname(ifindex, p->name) ||
	    fabric_attached(ifindex, &xdp, &tc, NULL) || !(xdp || tc))
		return 0;
	p->ifindex = ifindex;
	snprintf(p->idx, sizeof(p->idx), "%u", ifindex);
	p->c = *pc;
	pl->n++;
	return 0;
}

static int port_cmp(const void *a, const void *b)
{
	const struct port_snap *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

struct u64_metric {
	const char	*name;
	const char	*help;
	size_t		off;
};

#define PORT(f, n, h) { "fabric_port_" n, h, offsetof(struct fabric_port_counters, f) }
static const struct u64_metric port_metrics[] = {
	PORT(rx_packets, "rx_packets_total", "Frames seen at XDP ingress."),
	PORT(rx_bytes, "rx_bytes_total", "Bytes of frames seen at XDP ingress."),
	PORT(rx_roce_packets, "rx_roce_packets_total", "RoCEv2 packets received."),
	PORT(rx_roce_bytes, "rx_roce_bytes_total", "Bytes of RoCEv2 packets received."),
	PORT(rx_ce, "rx_ce_packets_total", "Received packets marked ECN CE."),
	PORT(rx_cnp, "rx_cnp_packets_total", "RoCEv2 congestion notification packets received."),
	PORT(rx_non_roce, "rx_non_roce_packets_total", "Received packets parsed as something other than RoCEv2."),
	PORT(rx_malformed, "rx_malformed_packets_total", "Received packets with truncated or invalid headers (passed, not dropped)."),
	PORT(rx_unparsed, "rx_unparsed_packets_total", "Received packets valid but beyond what the parser handles."),
	/* conservation: live flows + evicted - away + foreign = rx_roce_* */
	PORT(rx_evicted_flows, "rx_evicted_flows_total", "Flows homed on this port evicted from the flow table."),
	PORT(rx_evicted_packets, "rx_evicted_packets_total", "Packets of evicted flows (and packets that found no slot)."),
	PORT(rx_evicted_bytes, "rx_evicted_bytes_total", "Bytes of evicted flows (and of packets that found no slot)."),
	PORT(rx_evicted_ce, "rx_evicted_ce_packets_total", "CE-marked packets of evicted flows."),
	PORT(rx_evicted_cnp, "rx_evicted_cnp_packets_total", "CNPs of evicted flows."),
	PORT(rx_evicted_psn_gaps, "rx_evicted_psn_gaps_total", "PSN gaps of evicted flows."),
	PORT(rx_evicted_psn_missing, "rx_evicted_psn_missing_total", "PSNs missing in evicted flows."),
	PORT(rx_away_packets, "rx_away_packets_total", "Packets of flows homed on this port received on another port."),
	PORT(rx_away_bytes, "rx_away_bytes_total", "Bytes of flows homed on this port received on another port."),
	PORT(rx_foreign_packets, "rx_foreign_packets_total", "Packets received here of flows homed on another port."),
	PORT(rx_foreign_bytes, "rx_foreign_bytes_total", "Bytes received here of flows homed on another port."),
	PORT(tx_packets, "tx_packets_total", "Frames seen at tc egress."),
	PORT(tx_bytes, "tx_bytes_total", "Bytes of frames seen at tc egress."),
	PORT(tx_roce_packets, "tx_roce_packets_total", "RoCEv2 packets transmitted."),
	PORT(tx_roce_bytes, "tx_roce_bytes_total", "Bytes of RoCEv2 packets transmitted."),
	PORT(tx_ce, "tx_ce_packets_total", "Transmitted packets marked ECN CE."),
	PORT(tx_cnp, "tx_cnp_packets_total", "RoCEv2 congestion notification packets transmitted."),
	PORT(tx_non_roce, "tx_non_roce_packets_total", "Transmitted packets parsed as something other than RoCEv2."),
	PORT(tx_malformed, "tx_malformed_packets_total", "Transmitted packets with truncated or invalid headers."),
	PORT(tx_unparsed, "tx_unparsed_packets_total", "Transmitted packets valid but beyond what the parser handles."),
};

#define STAT(f, n, h) { "fabric_" n, h, offsetof(struct fabric_dp_stats, f) }
static const struct u64_metric stat_metrics[] = {
	STAT(flow_inserts, "flow_inserts_total", "Flows added to the receive flow table."),
	STAT(flow_evictions, "flow_evictions_total", "Live flows evicted from a full set of the flow table to make room for a new one."),
	STAT(flow_insert_races, "flow_insert_races_total", "Flow inserts lost to another CPU claiming the same slot."),
	STAT(tx_flow_inserts, "tx_flow_inserts_total", "Flows added to the transmit flow map."),
	STAT(tx_flow_insert_errors, "tx_flow_insert_errors_total", "Failed updates of the transmit flow map."),
	STAT(port_insert_errors, "ports_map_full_total", "Packets not counted per port because the ports map was full."),
	STAT(events_sent, "events_sent_total", "Events written to the ring buffer."),
	STAT(events_lost, "events_lost_total", "Events dropped because the ring buffer was full."),
	STAT(events_suppressed, "events_suppressed_total", "Events suppressed by the per-flow rate limit."),
};

static void port_labels(struct fabric_metrics_label *l,
			const struct port_snap *p)
{
	l[0].name = "port";
	l[0].value = p->name;
	l[1].name = "ifindex";
	l[1].value = p->idx;
}

static void render_last(struct fabric_metrics_buf *b, const char *name,
			const char *help, const struct port_snap *p,
			unsigned int n, size_t off, __s64 wall_off)
{
	struct fabric_metrics_label l[2];
	unsigned int j;

	fabric_metrics_header(b, name, help, "gauge");
	for (j = 0; j < n; j++) {
		__u64 t = *(const __u64 *)((const char *)&p[j].c + off);

		if (!t)
			continue;
		port_labels(l, &p[j]);
		fabric_metrics_double(b, name, l, 2,
				      fabric_metrics_unix_s(t, wall_off));
	}
}

static void render_ports(struct fabric_metrics_buf *b, struct port_snap *p,
			 unsigned int n, __s64 wall_off)
{
	struct fabric_metrics_label l[2];
	unsigned int i, j;

	for (i = 0; i < sizeof(port_metrics) / sizeof(port_metrics[0]); i++) {
		const struct u64_metric *d = &port_metrics[i];

		fabric_metrics_header(b, d->name, d->help, "counter");
		for (j = 0; j < n; j++) {
			port_labels(l, &p[j]);
			fabric_metrics_u64(b, d->name, l, 2,
					   *(const __u64 *)((const char *)&p[j].c + d->off));
		}
	}
	render_last(b, "fabric_port_rx_last_timestamp_seconds",
		    "Unix time of the last frame received; absent before the first.",
		    p, n, offsetof(struct fabric_port_counters, rx_last_ns),
		    wall_off);
	render_last(b, "fabric_port_tx_last_timestamp_seconds",
		    "Unix time of the last frame transmitted; absent before the first.",
		    p, n, offsetof(struct fabric_port_counters, tx_last_ns),
		    wall_off);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, read back to back, in ns. */
static __s64 wall_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((__s64)r.tv_sec - m.tv_sec) * 1000000000LL +
	       (r.tv_nsec - m.tv_nsec);
}

static void gauge1(struct fabric_metrics_buf *b, const char *name,
		   const char *help, __u64 v)
{
	fabric_metrics_header(b, name, help, "gauge");
	fabric_metrics_u64(b, name, NULL, 0, v);
}

static void counter1(struct fabric_metrics_buf *b, const char *name,
		     const char *help, __u64 v)
{
	fabric_metrics_header(b, name, help, "counter");
	fabric_metrics_u64(b, name, NULL, 0, v);
}

static unsigned int top_k_of(const struct fabric_metrics_src *src)
{
	unsigned int k = src->top_k ? src->top_k : FABRIC_METRICS_DEFAULT_TOP_K;

	return k > FABRIC_METRICS_MAX_TOP_K ? FABRIC_METRICS_MAX_TOP_K : k;
}

int fabric_metrics_render(const struct fabric_metrics_src *src,
			  struct fabric_metrics_buf *b)
{
	const struct fabric_maps *m = src->maps;
	struct port_list pl = { .b = b };
	struct fabric_metrics_row *rows;
	struct fabric_dp_stats st;
	__u64 t0 = now_ns(), tracked = 0, not_exported;
	__s64 wall_off = wall_offset();
	struct fabric_metrics_label bi[2];
	unsigned int i, k = top_k_of(src), nrows;
	int err;

	fabric_metrics_buf_reset(b);
	if (!m || !m->nsets)
		return -EINVAL;
	if (b->heap && fabric_metrics_heap_k(b->heap) != k) {
		fabric_metrics_heap_free(b->heap);
		b->heap = NULL;
	}
	if (!b->heap)
		b->heap = fabric_metrics_heap_new(k);
	if (!b->heap)
		return -ENOMEM;
	if (!b->window)
		b->window = calloc(1, sizeof(*b->window));
	if (!b->window)
		return -ENOMEM;

	err = fabric_maps_for_each_port(m, port_collect, &pl);
	if (err)
		return err;
	err = fabric_maps_stats(m, &st);
	if (err)
		return err;
	err = fabric_metrics_scan(m, b->window, b->heap, &tracked);
	if (err)
		return err;
	nrows = fabric_metrics_heap_rows(b->heap, &rows);
	for (i = 0; i < nrows && m->tx_flows_fd >= 0; i++)
		rows[i].r.has_tx = !fabric_maps_tx_flow(m, &rows[i].r.rx.key,
							&rows[i].r.tx);
	not_exported = tracked > nrows ? tracked - nrows : 0;

	qsort(b->ports, pl.n, sizeof(struct port_snap), port_cmp);
	render_ports(b, b->ports, pl.n, wall_off);

	fabric_metrics_render_flows(b, rows, nrows, wall_off);
	gauge1(b, "fabric_flows_tracked",
	       "Flows in the receive flow table at this scrape.", tracked);
	gauge1(b, "fabric_flow_table_capacity",
	       "Slots of the receive flow table (sets x ways).",
	       (__u64)m->nsets * FABRIC_FLOW_WAYS);
	gauge1(b, "fabric_flows_exported",
	       "Flows with per-flow series in this scrape.", nrows);
	gauge1(b, "fabric_flows_not_exported",
	       "Tracked flows left out of this scrape by the top-K limit.",
	       not_exported);
	gauge1(b, "fabric_flows_top_k",
	       "Per-ranking flow limit K; at most 4*K flows are exported.", k);

	for (i = 0; i < sizeof(stat_metrics) / sizeof(stat_metrics[0]); i++)
		counter1(b, stat_metrics[i].name, stat_metrics[i].help,
			 *(const __u64 *)((const char *)&st + stat_metrics[i].off));

	counter1(b, "fabric_daemon_events_received_total",
		 "Ring-buffer events consumed by the daemon.",
		 __atomic_load_n(&src->events_received, __ATOMIC_RELAXED));
	counter1(b, "fabric_config_reloads_total",
		 "Configuration reloads applied.",
		 __atomic_load_n(&src->config_reloads, __ATOMIC_RELAXED));
	counter1(b, "fabric_config_reload_errors_total",
		 "Configuration reloads rejected.",
		 __atomic_load_n(&src->config_reload_errors, __ATOMIC_RELAXED));

	fabric_metrics_header(b, "fabric_exporter_last_render_duration_seconds",
			      "Time the previous /metrics render took.", "gauge");
	fabric_metrics_double(b, "fabric_exporter_last_render_duration_seconds",
			      NULL, 0, b->last_render_ns / 1e9);

	bi[0].name = "version";
	bi[0].value = src->version ? src->version : "unknown";
	bi[1].name = "executor";
	bi[1].value = src->executor ? src->executor : "fabricd";
	fabric_metrics_header(b, "fabric_build_info",
			      "Always 1; the labels say which build and failover executor serve these metrics.",
			      "gauge");
	fabric_metrics_u64(b, "fabric_build_info", bi, 2, 1);

	if (src->extra) {
		err = src->extra(b, src->extra_ctx);
		if (err < 0)
			return err;
	}
	b->last_render_ns = now_ns() - t0;
	return b->err;
}
