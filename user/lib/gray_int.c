// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * INT hop latency as gray-failure evidence: per hop, block medians of the
 * sink's histograms through common/gray.c's latency detector; the hop
 * names its link, which is drained and restored. See gray_int.h and
 * Documentation/gray.md ("INT hop latency").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gray_int.h"

#define NS_PER_S	1000000000ULL
#define NB		FABRIC_INT_HIST_BUCKETS

struct gint_hop {
	struct gray_lat	lat;
	__u64		prev[NB];	/* last cumulative reading */
	uint64_t	prev_count;
	bool		primed;
	__u64		pend[NB];	/* samples not yet in a block */
	uint64_t	pend_n;
	bool		suspect, drained;
	uint64_t	since_ns, clean_since_ns;
	uint64_t	samples, resets;
};

struct gint {
	struct gint_cfg	cfg;
	struct gint_hop	hop[GINT_MAX_HOPS];
};

void gint_cfg_default(struct gint_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->delay_threshold_us = 50;
	c->restore_clean_s = 30;
	c->min_samples = 16;
	gint_cfg_derive(c);
}

/*
 * The latency test of the probe RTT, with its knobs, on block medians the
 * caller already took: one gray_lat sample per block.
 */
void gint_cfg_derive(struct gint_cfg *c)
{
	gray_lat_cfg_default(&c->lat);
	c->lat.shift_ns = c->delay_threshold_us * 1000U;
	c->lat.block = 1;
}

struct gint *gint_new(const struct gint_cfg *c)
{
	struct gint *g;
	uint32_t i, j;

	if (c->n_hops > GINT_MAX_HOPS || !c->delay_threshold_us ||
	    c->delay_threshold_us > 4000000 || !c->min_samples)
		goto inval;
	for (i = 0; i < c->n_hops; i++)
		for (j = 0; j < i; j++)
			if (c->hop[i].node == c->hop[j].node &&
			    c->hop[i].port == c->hop[j].port)
				goto inval;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->cfg = *c;
	for (i = 0; i < c->n_hops; i++)
		if (gray_lat_init(&g->hop[i].lat, &c->lat)) {
			free(g);
			goto inval;
		}
	return g;
inval:
	errno = EINVAL;
	return NULL;
}

void gint_free(struct gint *g)
{
	free(g);
}

const struct gint_cfg *gint_config(const struct gint *g)
{
	return &g->cfg;
}

int gint_hop_find(const struct gint *g, uint32_t node, uint32_t port)
{
	uint32_t i;

	for (i = 0; i < g->cfg.n_hops; i++)
		if (g->cfg.hop[i].node == node && g->cfg.hop[i].port == port)
			return (int)i;
	return -1;
}

static uint64_t bucket_lo(uint32_t b)
{
	return b ? fabric_int_bucket_le_ns(b - 1) : 0;
}

uint32_t gint_hist_median(const __u64 *bucket, uint64_t n)
{
	uint64_t rank, cum = 0, lo, hi, v;
	uint32_t b;

	if (!n)
		return 0;
	rank = (n - 1) / 2;		/* 0-based rank of the lower median */
	for (b = 0; b < NB; b++) {
		if (cum + bucket[b] > rank)
			break;
		cum += bucket[b];
	}
	if (b >= NB)
		b = NB - 1;
	lo = bucket_lo(b);
	if (b == NB - 1)
		return lo > 0xffffffffULL ? 0xffffffffU : (uint32_t)lo;
	hi = fabric_int_bucket_le_ns(b);
	/* the samples of the bucket spread evenly: the (r + 1/2)-th of c */
	v = lo + (hi - lo) * (2 * (rank - cum) + 1) / (2 * bucket[b]);
	return v > 0xffffffffULL ? 0xffffffffU : (uint32_t)v;
}

static bool link_other_drained(const struct gint *g, uint32_t self)
{
	uint32_t i, link = g->cfg.hop[self].link;

	for (i = 0; i < g->cfg.n_hops; i++)
		if (i != self && g->cfg.hop[i].link == link && g->hop[i].drained)
			return true;
	return false;
}

static void emit(struct gint *g, uint32_t i, uint32_t type, uint64_t now)
{
	const struct gray_lat *l = &g->hop[i].lat;
	struct gint_event ev = {
		.time_ns = now, .type = type, .hop = i,
		.link = g->cfg.hop[i].link,
		.delay_us = l->shift > 0 ? (uint32_t)l->shift / 1000 : 0,
		.baseline_ns = l->baseline,
	};

	if (l->shift > 0 && (uint32_t)l->shift > l->k)
		ev.confidence = (uint32_t)(1000 - 1000ULL * l->k / (uint32_t)l->shift);
	if (g->cfg.on_event)
		g->cfg.on_event(g->cfg.arg, &ev);
}

/*
 * A block median was judged. Named when the CUSUM alarmed and the shift
 * reached the threshold (the CUSUM alone alarms from half of it, which
 * RTT noise on a loaded host reaches without a fault); drained at once
 * unless monitor-only; clean again once the CUSUM has cleared.
 */
static void judge(struct gint *g, uint32_t i, uint64_t now)
{
	struct gint_hop *h = &g->hop[i];
	const struct gint_hop_cfg *hc = &g->cfg.hop[i];
	bool bad = h->lat.alarm &&
		   h->lat.shift >= (int32_t)(g->cfg.delay_threshold_us * 1000U);

	if (bad) {
		h->clean_since_ns = 0;
		if (!h->suspect) {
			h->suspect = true;
			h->since_ns = now;
			emit(g, i, GINT_EV_SUSPECT, now);
		}
		if (!h->drained && !hc->monitor && !g->cfg.monitor_only) {
			bool first = !link_other_drained(g, i);

			h->drained = true;
			if (first && g->cfg.act)
				g->cfg.act(g->cfg.arg, hc->link, true, now);
			emit(g, i, GINT_EV_DRAIN, now);
		}
		return;
	}
	if (!h->suspect)
		return;
	if (h->lat.alarm)
		h->clean_since_ns = 0;	/* still above baseline + k */
	else if (!h->clean_since_ns)
		h->clean_since_ns = now;
}

static void block(struct gint *g, uint32_t i, uint64_t now)
{
	struct gint_hop *h = &g->hop[i];
	uint32_t m = gint_hist_median(h->pend, h->pend_n);

	memset(h->pend, 0, sizeof(h->pend));
	h->pend_n = 0;
	gray_lat_sample(&h->lat, m, 0);
	judge(g, i, now);
}

void gint_delta(struct gint *g, uint32_t i, const __u64 *bucket, uint64_t now)
{
	struct gint_hop *h;
	uint64_t n = 0;
	uint32_t b;

	if (i >= g->cfg.n_hops)
		return;
	h = &g->hop[i];
	for (b = 0; b < NB; b++) {
		h->pend[b] += bucket[b];
		n += bucket[b];
	}
	h->pend_n += n;
	h->samples += n;
	if (h->pend_n >= g->cfg.min_samples)
		block(g, i, now);
}

uint64_t gint_hist(struct gint *g, uint32_t i, const struct fabric_int_hist *cum,
		   uint64_t now)
{
	__u64 d[NB];
	uint64_t n = 0;
	struct gint_hop *h;
	uint32_t b;

	if (i >= g->cfg.n_hops)
		return 0;
	h = &g->hop[i];
	if (h->primed && cum->count >= h->prev_count) {
		for (b = 0; b < NB; b++) {
			if (cum->bucket[b] < h->prev[b])
				break;
			d[b] = cum->bucket[b] - h->prev[b];
			n += d[b];
		}
		if (b == NB) {
			if (n)
				gint_delta(g, i, d, now);
			goto keep;
		}
	}
	if (h->primed)
		h->resets++;
	h->primed = true;
	n = 0;
keep:
	memcpy(h->prev, cum->bucket, sizeof(h->prev));
	h->prev_count = cum->count;
	return n;
}

void gint_tick(struct gint *g, uint64_t now)
{
	uint64_t need = (uint64_t)g->cfg.restore_clean_s * NS_PER_S;
	uint32_t i;

	for (i = 0; i < g->cfg.n_hops; i++) {
		struct gint_hop *h = &g->hop[i];

		if (!h->suspect || !h->clean_since_ns ||
		    (int64_t)(now - h->clean_since_ns) < (int64_t)need)
			continue;
		h->suspect = false;
		h->clean_since_ns = 0;
		if (h->drained) {
			h->drained = false;
			if (!link_other_drained(g, i) && g->cfg.act)
				g->cfg.act(g->cfg.arg, g->cfg.hop[i].link, false, now);
			emit(g, i, GINT_EV_RESTORE, now);
		} else {
			emit(g, i, GINT_EV_CLEAR, now);
		}
	}
}

int gint_hop_status(const struct gint *g, uint32_t i, struct gint_hop_status *st)
{
	const struct gint_hop *h;

	if (i >= g->cfg.n_hops)
		return -EINVAL;
	h = &g->hop[i];
	memset(st, 0, sizeof(*st));
	st->learnt = h->lat.n_learnt >= h->lat.cfg.learn;
	st->alarm = h->lat.alarm;
	st->suspect = h->suspect;
	st->drained = h->drained;
	st->baseline_ns = st->learnt ? h->lat.baseline : 0;
	st->shift_ns = h->lat.shift;
	st->k_ns = h->lat.k;
	st->samples = h->samples;
	st->blocks = h->lat.blocks;
	st->resets = h->resets;
	st->since_ns = h->since_ns;
	st->clean_since_ns = h->clean_since_ns;
	return 0;
}

bool gint_link_suspect(const struct gint *g, uint32_t link)
{
	uint32_t i;

	for (i = 0; i < g->cfg.n_hops; i++)
		if (g->cfg.hop[i].link == link && g->hop[i].suspect)
			return true;
	return false;
}

bool gint_link_drained(const struct gint *g, uint32_t link)
{
	uint32_t i;

	for (i = 0; i < g->cfg.n_hops; i++)
		if (g->cfg.hop[i].link == link && g->hop[i].drained)
			return true;
	return false;
}
