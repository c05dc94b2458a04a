// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Gray-failure localisation: see localize.h. */
#include "localize.h"

#define WORDS	LOC_PATH_WORDS

static void set_bit_(struct loc_pathset *s, __u32 i)
{
	s->w[i / 64] |= 1ULL << (i % 64);
}

static __u32 popcount64(__u64 x)
{
	__u32 n = 0;

	while (x) {
		x &= x - 1;
		n++;
	}
	return n;
}

/* |a & b| */
static __u32 overlap(const struct loc_pathset *a, const struct loc_pathset *b)
{
	__u32 i, n = 0;

	for (i = 0; i < WORDS; i++)
		n += popcount64(a->w[i] & b->w[i]);
	return n;
}

void loc_cfg_default(struct loc_cfg *c)
{
	c->min_paths = 2;
	c->clean_veto = 1;
}

/* 1: @link is on @p; 2: on it, but @p's badness is no evidence against it */
static int on_path(const struct loc_path *p, __u32 link)
{
	__u32 h;

	for (h = 0; h < p->n_hops; h++)
		if (p->link[h] == link)
			return p->excl & (1U << h) ? 2 : 1;
	return 0;
}

/* Is @a a better next pick than @b, covering @ca and @cb new bad paths? */
static int better(const struct loc_link *a, __u32 ca, const struct loc_link *b,
		  __u32 cb)
{
	__u32 fa, fb;

	if (ca != cb)
		return ca > cb;
	/*
	 * Then the link more of whose other paths are still undecided: a
	 * lone bad path whose siblings through the uplink have not been
	 * judged yet is better explained by the uplink they share (they are
	 * not clean) than by its far link, which no other path tests.
	 */
	fa = (__u32)a->n_paths - a->n_clean;
	fb = (__u32)b->n_paths - b->n_clean;
	if (fa != fb)
		return fa > fb;
	/* then the larger share of bad paths: n_bad / n_paths, cross-multiplied */
	fa = (__u32)a->n_bad * b->n_paths;
	fb = (__u32)b->n_bad * a->n_paths;
	return fa > fb;
}

static __u16 confidence(const struct loc_link *l, __u32 min_paths)
{
	__u32 decided = l->n_bad + l->n_clean, c;

	if (!decided)
		return 0;
	c = 1000U * l->n_bad / decided;
	if (decided < min_paths)
		c = c * decided / min_paths;
	/* every bad path it explains is explained by another candidate too */
	if (!l->n_unique)
		c /= 2;
	return (__u16)c;
}

int loc_solve(const struct loc_path *paths, __u32 n_paths, __u32 n_links,
	      const struct loc_cfg *cfg, struct loc_link *links,
	      struct loc_result *res, struct loc_work *work)
{
	struct loc_pathset bad = { { 0 } }, through, *cover = work->cover;
	__u32 i, j, h, best, c_best, c;
	__u8 *b;

	if (n_paths > LOC_MAX_PATHS || !n_links || n_links > LOC_MAX_LINKS)
		return -LOC_EINVAL;
	for (i = 0; i < n_paths; i++) {
		if (!paths[i].n_hops || paths[i].n_hops > LOC_MAX_HOPS ||
		    paths[i].state > LOC_BAD)
			return -LOC_EINVAL;
		for (h = 0; h < paths[i].n_hops; h++)
			if (paths[i].link[h] >= n_links)
				return -LOC_EINVAL;
	}
	b = (__u8 *)links;
	for (i = 0; i < n_links * sizeof(*links); i++)
		b[i] = 0;
	b = (__u8 *)res;
	for (i = 0; i < sizeof(*res); i++)
		b[i] = 0;
	b = (__u8 *)work;
	for (i = 0; i < sizeof(*work); i++)
		b[i] = 0;

	for (i = 0; i < n_paths; i++) {
		const struct loc_path *p = &paths[i];

		if (p->state == LOC_BAD) {
			set_bit_(&bad, i);
			res->n_bad++;
		}
		for (j = 0; j < n_links; j++) {
			struct loc_link *l = &links[j];
			int on = on_path(p, j);

			if (!on)
				continue;
			l->n_paths++;
			if (p->state == LOC_CLEAN) {
				l->n_clean++;
			} else if (p->state == LOC_BAD && on == 1) {
				l->n_bad++;
				set_bit_(&cover[j], i);
				if (p->loss_ppb && (!l->loss_ppb || p->loss_ppb < l->loss_ppb))
					l->loss_ppb = p->loss_ppb;
			}
		}
	}
	for (j = 0; j < n_links; j++)
		links[j].candidate = links[j].n_bad && links[j].n_clean < cfg->clean_veto;

	/* unique: bad paths of j that no other candidate carries */
	for (j = 0; j < n_links; j++) {
		if (!links[j].candidate)
			continue;
		through = cover[j];
		for (i = 0; i < n_links; i++) {
			if (i == j || !links[i].candidate)
				continue;
			for (h = 0; h < WORDS; h++)
				through.w[h] &= ~cover[i].w[h];
		}
		links[j].n_unique = (__u16)overlap(&through, &through);
	}

	/* greedy cover of the bad paths */
	for (;;) {
		best = n_links;
		c_best = 0;
		for (j = 0; j < n_links; j++) {
			if (!links[j].candidate || links[j].suspect)
				continue;
			c = overlap(&cover[j], &bad);
			if (!c)
				continue;
			if (best == n_links || better(&links[j], c, &links[best], c_best)) {
				best = j;
				c_best = c;
			}
		}
		if (best == n_links)
			break;
		links[best].suspect = 1;
		res->n_suspects++;
		for (h = 0; h < WORDS; h++)
			bad.w[h] &= ~cover[best].w[h];
	}
	res->unexplained = overlap(&bad, &bad);
	for (j = 0; j < n_links; j++)
		if (links[j].suspect)
			links[j].conf = confidence(&links[j], cfg->min_paths);
	return 0;
}
