// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fabric metric set: per-port counters, top-K flows, data-path health,
 * daemon counters and build info. Documentation/metrics.md is the reference
 * for every name rendered here.
 *
 * Flow selection makes one pass over the mmap()ed flow table and offers
 * every live slot to four bounded min-heaps (bytes, CE, CNP, PSN gaps).
 * Only the winners are then copied (with the tag re-check that guards
 * against a concurrent rewrite) and looked up in the tx map.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow_rows.h"
#include "metrics.h"

enum rank_by {
	RANK_BYTES,
	RANK_CE,
	RANK_CNP,
	RANK_GAPS,
	RANK_NR,
};

struct heap_ent {
	__u64	key;
	__u32	set;
	__u32	tag;
	__u32	way;
};

struct sel_row {
	struct fabric_flow_row	r;
	char			labels[160];	/* src="..",dst="..",qp=".." */
};

struct fabric_metrics_heap {
	unsigned int	k;
	unsigned int	n[RANK_NR];
	struct heap_ent	*h[RANK_NR];
	struct heap_ent	*all;		/* union of the heaps, 4k entries */
	struct sel_row	*rows;		/* 4k */
	unsigned int	nrows;
};

struct port_snap {
	__u32				ifindex;
	char				name[IF_NAMESIZE + 2];
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

static void heap_free(struct fabric_metrics_heap *hp)
{
	int i;

	if (!hp)
		return;
	for (i = 0; i < RANK_NR; i++)
		free(hp->h[i]);
	free(hp->all);
	free(hp->rows);
	free(hp);
}

static struct fabric_metrics_heap *heap_get(struct fabric_metrics_buf *b,
					    unsigned int k)
{
	struct fabric_metrics_heap *hp = b->heap;
	bool ok;
	int i;

	if (hp && hp->k == k)
		return hp;
	heap_free(hp);
	b->heap = NULL;
	hp = calloc(1, sizeof(*hp));
	if (!hp)
		return NULL;
	hp->k = k;
	ok = true;
	for (i = 0; i < RANK_NR; i++) {
		hp->h[i] = calloc(k, sizeof(struct heap_ent));
		ok = ok && hp->h[i];
	}
	hp->all = calloc((size_t)k * RANK_NR, sizeof(struct heap_ent));
	hp->rows = calloc((size_t)k * RANK_NR, sizeof(struct sel_row));
	if (!ok || !hp->all || !hp->rows) {
		heap_free(hp);
		return NULL;
	}
	b->heap = hp;
	return hp;
}

void fabric_metrics_buf_free(struct fabric_metrics_buf *b)
{
	heap_free(b->heap);
	free(b->ports);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void heap_offer(struct heap_ent *h, unsigned int *np, unsigned int k,
		       __u64 key, __u32 set, __u32 way, __u32 tag)
{
	unsigned int i, n = *np;
	struct heap_ent e = { .key = key, .set = set, .way = way, .tag = tag };

	if (n < k) {
		/* sift up */
		i = n++;
		while (i && h[(i - 1) / 2].key > key) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = e;
		*np = n;
		return;
	}
	if (key <= h[0].key)
		return;
	/* replace the minimum, sift down */
	i = 0;
	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].key < h[c].key)
			c++;
		if (h[c].key >= key)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

static void scan_flows(const struct fabric_maps *m,
		       struct fabric_metrics_heap *hp, __u64 *tracked)
{
	unsigned int k = hp->k;
	__u64 live = 0;
	__u32 s, w;

	memset(hp->n, 0, sizeof(hp->n));
	for (s = 0; s < m->nsets; s++) {
		const struct fabric_flow_set *set = &m->sets[s];

		for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
			__u32 tag = __atomic_load_n(&set->tag[w], __ATOMIC_RELAXED);
			const struct fabric_flow *f = &set->slot[w];
			__u32 v;

			if (tag == FABRIC_TAG_EMPTY || tag == FABRIC_TAG_BUSY)
				continue;
			live++;
			/* racy reads only rank; the winners are re-read below */
			heap_offer(hp->h[RANK_BYTES], &hp->n[RANK_BYTES], k,
				   f->bytes, s, w, tag);
			v = f->ce;
			if (v)
				heap_offer(hp->h[RANK_CE], &hp->n[RANK_CE], k,
					   v, s, w, tag);
			v = f->cnp;
			if (v)
				heap_offer(hp->h[RANK_CNP], &hp->n[RANK_CNP], k,
					   v, s, w, tag);
			v = f->psn_gaps;
			if (v)
				heap_offer(hp->h[RANK_GAPS], &hp->n[RANK_GAPS], k,
					   v, s, w, tag);
		}
	}
	*tracked = live;
}

static int ent_cmp_slot(const void *a, const void *b)
{
	const struct heap_ent *x = a, *y = b;

	if (x->set != y->set)
		return x->set < y->set ? -1 : 1;
	return (int)x->way - (int)y->way;
}

static int row_cmp_bytes(const void *a, const void *b)
{
	const struct sel_row *x = a, *y = b;

	if (x->r.rx.bytes != y->r.rx.bytes)
		return x->r.rx.bytes > y->r.rx.bytes ? -1 : 1;
	return memcmp(&x->r.rx.key, &y->r.rx.key, sizeof(x->r.rx.key));
}

/* Union of the heaps, de-duplicated, copied out and joined with tx. */
static void select_rows(const struct fabric_maps *m,
			struct fabric_metrics_heap *hp)
{
	unsigned int i, n = 0;

	for (i = 0; i < RANK_NR; i++) {
		memcpy(&hp->all[n], hp->h[i], hp->n[i] * sizeof(struct heap_ent));
		n += hp->n[i];
	}
	qsort(hp->all, n, sizeof(struct heap_ent), ent_cmp_slot);
	hp->nrows = 0;
	for (i = 0; i < n; i++) {
		const struct heap_ent *e = &hp->all[i];
		const struct fabric_flow_set *set = &m->sets[e->set];
		struct sel_row *row = &hp->rows[hp->nrows];
		char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
		__u8 fam;

		if (i && !ent_cmp_slot(e, &hp->all[i - 1]))
			continue;
		if (__atomic_load_n(&set->tag[e->way], __ATOMIC_ACQUIRE) != e->tag)
			continue;
		memset(&row->r, 0, sizeof(row->r));
		memcpy(&row->r.rx, &set->slot[e->way], sizeof(row->r.rx));
		if (__atomic_load_n(&set->tag[e->way], __ATOMIC_ACQUIRE) != e->tag)
			continue;	/* rewritten while we copied */
		row->r.has_rx = true;
		if (m->tx_flows_fd >= 0)
			row->r.has_tx = !fabric_maps_tx_flow(m, &row->r.rx.key,
							     &row->r.tx);
		fam = fabric_flow_key_family(&row->r.rx.key);
		if (!fabric_addr_str(fam, row->r.rx.key.src, sa, sizeof(sa)))
			strcpy(sa, "?");
		if (!fabric_addr_str(fam, row->r.rx.key.dst, da, sizeof(da)))
			strcpy(da, "?");
		/* inet_ntop output needs no label escaping */
		snprintf(row->labels, sizeof(row->labels),
			 "src=\"%s\",dst=\"%s\",qp=\"%u\"", sa, da,
			 fabric_flow_key_qp(&row->r.rx.key));
		hp->nrows++;
	}
	qsort(hp->rows, hp->nrows, sizeof(struct sel_row), row_cmp_bytes);
}

static int port_collect(__u32 ifindex, const struct fabric_port_counters *pc,
			void *ctx)
{
	struct port_list *pl = ctx;
	struct fabric_metrics_buf *b = pl->b;
	struct port_snap *p;

	if (pl->n == b->ports_cap) {
		size_t cap = b->ports_cap ? b->ports_cap * 2 : 16;

		p = realloc(b->ports, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		b->ports = p;
		b->ports_cap = cap;
	}
	p = &((struct port_snap *)b->ports)[pl->n++];
	p->ifindex = ifindex;
	p->c = *pc;
	if (!if_indextoname(ifindex, p->name))
		snprintf(p->name, sizeof(p->name), "#%u", ifindex);
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

static double age_s(__u64 now, __u64 then)
{
	__s64 d = (__s64)(now - then);

	return d > 0 ? d / 1e9 : 0.0;
}

static void render_ports(struct fabric_metrics_buf *b, struct port_snap *p,
			 unsigned int n, __u64 now)
{
	struct fabric_metrics_label l = { .name = "port" };
	unsigned int i, j;

	for (i = 0; i < sizeof(port_metrics) / sizeof(port_metrics[0]); i++) {
		const struct u64_metric *d = &port_metrics[i];

		fabric_metrics_header(b, d->name, d->help, "counter");
		for (j = 0; j < n; j++) {
			l.value = p[j].name;
			fabric_metrics_u64(b, d->name, &l, 1,
					   *(const __u64 *)((const char *)&p[j].c + d->off));
		}
	}
	fabric_metrics_header(b, "fabric_port_rx_last_age_seconds",
			      "Seconds since the last frame was received; absent before the first.",
			      "gauge");
	for (j = 0; j < n; j++) {
		if (!p[j].c.rx_last_ns)
			continue;
		l.value = p[j].name;
		fabric_metrics_double(b, "fabric_port_rx_last_age_seconds", &l, 1,
				      age_s(now, p[j].c.rx_last_ns));
	}
	fabric_metrics_header(b, "fabric_port_tx_last_age_seconds",
			      "Seconds since the last frame was transmitted; absent before the first.",
			      "gauge");
	for (j = 0; j < n; j++) {
		if (!p[j].c.tx_last_ns)
			continue;
		l.value = p[j].name;
		fabric_metrics_double(b, "fabric_port_tx_last_age_seconds", &l, 1,
				      age_s(now, p[j].c.tx_last_ns));
	}
}

enum flow_val {
	FV_RX_PACKETS, FV_RX_BYTES, FV_TX_PACKETS, FV_TX_BYTES, FV_CE, FV_ECT,
	FV_CNP, FV_GAPS, FV_MISSING, FV_DUPS, FV_REWINDS, FV_ACKS,
};

static const struct {
	const char	*name;
	const char	*help;
	enum flow_val	v;
} flow_metrics[] = {
	{ "fabric_flow_rx_packets_total", "Packets received on the flow.", FV_RX_PACKETS },
	{ "fabric_flow_rx_bytes_total", "Bytes received on the flow.", FV_RX_BYTES },
	{ "fabric_flow_tx_packets_total", "Packets transmitted on the flow (present when the tx map has it).", FV_TX_PACKETS },
	{ "fabric_flow_tx_bytes_total", "Bytes transmitted on the flow (present when the tx map has it).", FV_TX_BYTES },
	{ "fabric_flow_ce_packets_total", "Received packets of the flow marked ECN CE.", FV_CE },
	{ "fabric_flow_ect_packets_total", "Received packets of the flow marked ECT(0) or ECT(1).", FV_ECT },
	{ "fabric_flow_cnp_packets_total", "Congestion notification packets received on the flow.", FV_CNP },
	{ "fabric_flow_psn_gaps_total", "Forward jumps of the request PSN (inferred loss events).", FV_GAPS },
	{ "fabric_flow_psn_missing_total", "PSNs skipped by those jumps (inferred lost packets).", FV_MISSING },
	{ "fabric_flow_psn_duplicates_total", "Requests behind the expected PSN.", FV_DUPS },
	{ "fabric_flow_retransmissions_total", "Runs of requests behind the expected PSN (go-back-N retransmissions).", FV_REWINDS },
	{ "fabric_flow_acks_total", "ACKs received on the flow.", FV_ACKS },
};

static bool flow_val(const struct fabric_flow_row *r, enum flow_val v,
		     __u64 *out)
{
	const struct fabric_flow *f = &r->rx;

	switch (v) {
	case FV_RX_PACKETS:	*out = f->packets; break;
	case FV_RX_BYTES:	*out = f->bytes; break;
	case FV_TX_PACKETS:	*out = r->tx.packets; return r->has_tx;
	case FV_TX_BYTES:	*out = r->tx.bytes; return r->has_tx;
	case FV_CE:		*out = f->ce; break;
	case FV_ECT:		*out = f->ect; break;
	case FV_CNP:		*out = f->cnp; break;
	case FV_GAPS:		*out = f->psn_gaps; break;
	case FV_MISSING:	*out = f->psn_missing; break;
	case FV_DUPS:		*out = f->psn_dups; break;
	case FV_REWINDS:	*out = f->psn_rewinds; break;
	case FV_ACKS:		*out = f->acks; break;
	}
	return true;
}

static void render_flows(struct fabric_metrics_buf *b,
			 const struct fabric_metrics_heap *hp, __u64 now)
{
	static const char *const nak_kind[] = { "seq", "rnr", "other" };
	unsigned int i, j;
	__u64 v = 0;

	for (i = 0; i < sizeof(flow_metrics) / sizeof(flow_metrics[0]); i++) {
		fabric_metrics_header(b, flow_metrics[i].name,
				      flow_metrics[i].help, "counter");
		for (j = 0; j < hp->nrows; j++) {
			if (!flow_val(&hp->rows[j].r, flow_metrics[i].v, &v))
				continue;
			fabric_metrics_printf(b, "%s{%s} %llu\n",
					      flow_metrics[i].name,
					      hp->rows[j].labels,
					      (unsigned long long)v);
		}
	}
	fabric_metrics_header(b, "fabric_flow_naks_total",
			      "NAKs received on the flow, by kind: seq (PSN sequence error), rnr (receiver not ready), other.",
			      "counter");
	for (j = 0; j < hp->nrows; j++) {
		const struct fabric_flow *f = &hp->rows[j].r.rx;
		__u32 nk[3] = { f->naks_seq, f->naks_rnr, f->naks_other };

		for (i = 0; i < 3; i++)
			fabric_metrics_printf(b, "fabric_flow_naks_total{%s,kind=\"%s\"} %u\n",
					      hp->rows[j].labels, nak_kind[i], nk[i]);
	}
	fabric_metrics_header(b, "fabric_flow_last_rx_age_seconds",
			      "Seconds since the flow last received a packet.",
			      "gauge");
	for (j = 0; j < hp->nrows; j++) {
		char s[32];
		double a = age_s(now, hp->rows[j].r.rx.last_seen_ns);

		snprintf(s, sizeof(s), "%.6f", a);
		fabric_metrics_printf(b, "fabric_flow_last_rx_age_seconds{%s} %s\n",
				      hp->rows[j].labels, s);
	}
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
	struct fabric_metrics_heap *hp;
	struct fabric_dp_stats st;
	__u64 t0 = now_ns(), tracked = 0, not_exported;
	struct fabric_metrics_label bi[2];
	unsigned int i;
	int err;

	fabric_metrics_buf_reset(b);
	if (!m || !m->sets)
		return -EINVAL;
	hp = heap_get(b, top_k_of(src));
	if (!hp)
		return -ENOMEM;

	err = fabric_maps_for_each_port(m, port_collect, &pl);
	if (err)
		return err;
	err = fabric_maps_stats(m, &st);
	if (err)
		return err;
	scan_flows(m, hp, &tracked);
	select_rows(m, hp);
	not_exported = tracked > hp->nrows ? tracked - hp->nrows : 0;
	b->flows_truncated_total += not_exported;

	qsort(b->ports, pl.n, sizeof(struct port_snap), port_cmp);
	render_ports(b, b->ports, pl.n, t0);

	render_flows(b, hp, t0);
	gauge1(b, "fabric_flows_tracked",
	       "Flows in the receive flow table at this scrape.", tracked);
	gauge1(b, "fabric_flow_table_capacity",
	       "Slots of the receive flow table (sets x ways).",
	       (__u64)m->nsets * FABRIC_FLOW_WAYS);
	gauge1(b, "fabric_flows_exported",
	       "Flows with per-flow series in this scrape.", hp->nrows);
	gauge1(b, "fabric_flows_not_exported",
	       "Tracked flows left out of this scrape by the top-K limit.",
	       not_exported);
	counter1(b, "fabric_flows_truncated_total",
		 "Sum over the scrapes served by this exporter of the flows left out by the top-K limit.",
		 b->flows_truncated_total);
	gauge1(b, "fabric_flows_top_k",
	       "Per-ranking flow limit K; at most 4*K flows are exported.",
	       hp->k);

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
