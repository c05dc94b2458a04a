// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-flow series: pick the top-K flows by bytes, CE, CNP and PSN gaps in
 * one pass over the flow table, then render their families.
 *
 * The pass reads the table window by window (flow_window.c), so a winner's
 * slot is gone from the window by the time the pass ends: each heap keeps a
 * copy of its winners. A copy is made only when a flow enters a heap, which after
 * the first few thousand flows is rare.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_window.h"
#include "metrics_int.h"

enum rank_by {
	RANK_BYTES,
	RANK_CE,
	RANK_CNP,
	RANK_GAPS,
	RANK_NR,
};

struct heap_ent {
	__u64	key;
	__u32	idx;		/* into the rank's pool */
};

struct rank_heap {
	unsigned int		n;
	struct heap_ent		*h;
	struct fabric_flow	*pool;
};

struct fabric_metrics_heap {
	unsigned int			k;
	struct rank_heap		r[RANK_NR];
	const struct fabric_flow	**all;	/* union, 4k */
	struct fabric_metrics_row	*rows;	/* 4k */
};

void fabric_metrics_heap_free(struct fabric_metrics_heap *hp)
{
	int i;

	if (!hp)
		return;
	for (i = 0; i < RANK_NR; i++) {
		free(hp->r[i].h);
		free(hp->r[i].pool);
	}
	free(hp->all);
	free(hp->rows);
	free(hp);
}

struct fabric_metrics_heap *fabric_metrics_heap_new(unsigned int k)
{
	struct fabric_metrics_heap *hp = calloc(1, sizeof(*hp));
	bool ok = hp;
	int i;

	if (!hp || !k)
		goto fail;
	hp->k = k;
	for (i = 0; i < RANK_NR; i++) {
		hp->r[i].h = calloc(k, sizeof(struct heap_ent));
		hp->r[i].pool = calloc(k, sizeof(struct fabric_flow));
		ok = ok && hp->r[i].h && hp->r[i].pool;
	}
	hp->all = calloc((size_t)k * RANK_NR, sizeof(*hp->all));
	hp->rows = calloc((size_t)k * RANK_NR, sizeof(*hp->rows));
	if (ok && hp->all && hp->rows)
		return hp;
fail:
	fabric_metrics_heap_free(hp);
	return NULL;
}

unsigned int fabric_metrics_heap_k(const struct fabric_metrics_heap *hp)
{
	return hp->k;
}

void fabric_metrics_heap_reset(struct fabric_metrics_heap *hp)
{
	int i;

	for (i = 0; i < RANK_NR; i++)
		hp->r[i].n = 0;
}

static void offer(struct rank_heap *rh, unsigned int k, __u64 key,
		  const struct fabric_flow *f)
{
	struct heap_ent *h = rh->h, e = { .key = key };
	unsigned int i, n = rh->n;

	if (n < k) {
		e.idx = n;
		rh->pool[e.idx] = *f;
		i = rh->n++;
		while (i && h[(i - 1) / 2].key > key) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = e;
		return;
	}
	if (key <= h[0].key)
		return;
	/* the minimum leaves: reuse its copy, sift the newcomer down */
	e.idx = h[0].idx;
	rh->pool[e.idx] = *f;
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

void fabric_metrics_heap_offer(struct fabric_metrics_heap *hp,
			       const struct fabric_flow *f)
{
	unsigned int k = hp->k;

	offer(&hp->r[RANK_BYTES], k, f->bytes, f);
	/* the loss and congestion rankings only take flows that have some */
	if (f->ce)
		offer(&hp->r[RANK_CE], k, f->ce, f);
	if (f->cnp)
		offer(&hp->r[RANK_CNP], k, f->cnp, f);
	if (f->psn_gaps)
		offer(&hp->r[RANK_GAPS], k, f->psn_gaps, f);
}

static int cmp_key(const void *a, const void *b)
{
	const struct fabric_flow *x = *(const struct fabric_flow *const *)a;
	const struct fabric_flow *y = *(const struct fabric_flow *const *)b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct fabric_metrics_row *x = a, *y = b;

	if (x->r.rx.bytes != y->r.rx.bytes)
		return x->r.rx.bytes > y->r.rx.bytes ? -1 : 1;
	return memcmp(&x->r.rx.key, &y->r.rx.key, sizeof(x->r.rx.key));
}

static void label_row(struct fabric_metrics_row *row)
{
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
	__u8 fam = fabric_flow_key_family(&row->r.rx.key);

	if (!fabric_addr_str(fam, row->r.rx.key.src, sa, sizeof(sa)))
		strcpy(sa, "?");
	if (!fabric_addr_str(fam, row->r.rx.key.dst, da, sizeof(da)))
		strcpy(da, "?");
	/* inet_ntop output needs no label escaping */
	snprintf(row->labels, sizeof(row->labels),
		 "src=\"%s\",dst=\"%s\",qp=\"%u\"", sa, da,
		 fabric_flow_key_qp(&row->r.rx.key));
}

unsigned int fabric_metrics_heap_rows(struct fabric_metrics_heap *hp,
				      struct fabric_metrics_row **rows)
{
	unsigned int i, j, n = 0, nrows = 0;

	for (i = 0; i < RANK_NR; i++)
		for (j = 0; j < hp->r[i].n; j++)
			hp->all[n++] = &hp->r[i].pool[hp->r[i].h[j].idx];
	qsort(hp->all, n, sizeof(*hp->all), cmp_key);
	for (i = 0; i < n; i++) {
		struct fabric_metrics_row *row = &hp->rows[nrows];

		/* one scan, one copy per flow: equal keys are the same flow */
		if (i && !cmp_key(&hp->all[i], &hp->all[i - 1]))
			continue;
		memset(&row->r, 0, sizeof(row->r));
		row->r.rx = *hp->all[i];
		row->r.has_rx = true;
		label_row(row);
		nrows++;
	}
	qsort(hp->rows, nrows, sizeof(*hp->rows), cmp_bytes);
	*rows = hp->rows;
	return nrows;
}

double fabric_metrics_unix_s(__u64 mono_ns, __s64 realtime_minus_mono_ns)
{
	__s64 t = (__s64)mono_ns + realtime_minus_mono_ns;

	if (!mono_ns)
		return 0;
	/* whole seconds apart: a double holds ns since 1970 only to ~256 ns */
	return (double)(t / 1000000000) + (t % 1000000000) / 1e9;
}

struct scan_ctx {
	struct fabric_metrics_heap	*hp;
	__u64				live;
};

static int scan_one(const struct fabric_flow *f, void *arg)
{
	struct scan_ctx *s = arg;

	s->live++;
	fabric_metrics_heap_offer(s->hp, f);
	return 0;
}

int fabric_metrics_scan(const struct fabric_maps *m,
			struct fabric_flow_window *w,
			struct fabric_metrics_heap *hp, __u64 *tracked)
{
	struct scan_ctx s = { .hp = hp };
	int err;

	fabric_metrics_heap_reset(hp);
	err = fabric_flow_window_read(m, w, scan_one, &s);
	*tracked = s.live;
	return err;
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

void fabric_metrics_render_flows(struct fabric_metrics_buf *b,
				 const struct fabric_metrics_row *rows,
				 unsigned int n, __s64 wall_off)
{
	static const char *const nak_kind[] = { "seq", "rnr", "other" };
	unsigned int i, j;
	__u64 v = 0;

	for (i = 0; i < sizeof(flow_metrics) / sizeof(flow_metrics[0]); i++) {
		fabric_metrics_header(b, flow_metrics[i].name,
				      flow_metrics[i].help, "counter");
		for (j = 0; j < n; j++) {
			if (!flow_val(&rows[j].r, flow_metrics[i].v, &v))
				continue;
			fabric_metrics_printf(b, "%s{%s} %llu\n",
					      flow_metrics[i].name, rows[j].labels,
					      (unsigned long long)v);
		}
	}
	fabric_metrics_header(b, "fabric_flow_naks_total",
			      "NAKs received on the flow, by kind: seq (PSN sequence error), rnr (receiver not ready), other.",
			      "counter");
	for (j = 0; j < n; j++) {
		const struct fabric_flow *f = &rows[j].r.rx;
		__u64 nk[3] = { f->naks_seq, f->naks_rnr, f->naks_other };

		for (i = 0; i < 3; i++)
			fabric_metrics_printf(b, "fabric_flow_naks_total{%s,kind=\"%s\"} %llu\n",
					      rows[j].labels, nak_kind[i],
					      (unsigned long long)nk[i]);
	}
	fabric_metrics_header(b, "fabric_flow_last_rx_timestamp_seconds",
			      "Unix time of the last packet the flow received.",
			      "gauge");
	for (j = 0; j < n; j++)
		fabric_metrics_printf(b, "fabric_flow_last_rx_timestamp_seconds{%s} %.6f\n",
				      rows[j].labels,
				      fabric_metrics_unix_s(rows[j].r.rx.last_seen_ns,
							    wall_off));
}
