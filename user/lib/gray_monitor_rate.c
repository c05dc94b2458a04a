// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The gray monitor's rate rule. A link that loses at rate p makes every
 * path through it lose at p or more. So when one bad path through a link
 * has lost significantly more than another path through the same link,
 * over the same samples, the excess is not that link's: the bad path is
 * no evidence against it (its other links must explain it), and the link
 * may only be blamed for the rate its paths share. Without this, two far
 * links of one spine, lossy at once (a fault, and the clearing tail of
 * the one before), were explained by the leaf's own uplink, the one link
 * they share. Documentation/gray.md, "Localisation" in "In fabricd".
 */
#include <stddef.h>

#include "gray_monitor_int.h"

/* ln 2 in Q32 */
#define LN2_Q32		2977044472ULL
/* Counts are scaled below this so that products fit in 64 bits. */
#define RATE_CAP	(1ULL << 30)

/* a * ln(num / den) in nats, GRAY_LLR_SHIFT fractional bits; a < 2^30. */
static int64_t xln(uint64_t a, uint64_t num, uint64_t den)
{
	int64_t d;

	if (!a)
		return 0;
	d = (int64_t)gray_log2_q24(num) - (int64_t)gray_log2_q24(den);
	if (d >= 0)
		return (int64_t)a * (int64_t)(((uint64_t)d * LN2_Q32) >> 32);
	return -(int64_t)a * (int64_t)(((uint64_t)-d * LN2_Q32) >> 32);
}

/*
 * The two-sample test: the log-likelihood ratio (nats, GRAY_LLR_SHIFT
 * fractional bits) of "the two paths lose at their own rates" against "at
 * one common rate", for x1 lost of n1 and x2 lost of n2; 0 unless the
 * first rate is the higher. The binomial generalised likelihood ratio:
 * sum over both samples of x ln(x / (n p)) + (n - x) ln((n - x) / (n (1 - p)))
 * with p = (x1 + x2) / (n1 + n2).
 */
int64_t gmon_rate_llr(uint64_t n1, uint64_t x1, uint64_t n2, uint64_t x2)
{
	uint64_t n, x;

	if (x1 > n1)
		x1 = n1;
	if (x2 > n2)
		x2 = n2;
	while (n1 >= RATE_CAP || n2 >= RATE_CAP) {
		n1 >>= 1;
		x1 >>= 1;
		n2 >>= 1;
		x2 >>= 1;
	}
	if (!n1 || !n2 || x1 * n2 <= x2 * n1)
		return 0;
	n = n1 + n2;
	x = x1 + x2;
	return xln(x1, x1 * n, n1 * x) +
	       xln(n1 - x1, (n1 - x1) * n, n1 * (n - x)) +
	       xln(x2, x2 * n, n2 * x) +
	       xln(n2 - x2, (n2 - x2) * n, n2 * (n - x));
}

/* Path j's loss samples since bad path i's evidence began (i's own run
 * for j == i). */
static void window(const struct gmon *m, uint32_t i, uint32_t j,
		   uint64_t *n, uint64_t *x)
{
	const struct gmon_path *pi = &m->path[m->lp_g[i]][m->lp_p[i]];
	const struct gmon_path *pj = &m->path[m->lp_g[j]][m->lp_p[j]];
	const struct gmon_snap *s0 = &m->snap[(size_t)pi->idx * m->n_on + pj->idx];

	if (i == j) {
		*n = pi->run_n;
		*x = pi->run_lost;
		return;
	}
	*n = pj->loss.n - s0->loss_n;
	*x = pj->loss.lost - s0->loss_lost;
}

static bool crosses(const struct gmon *m, uint32_t j, uint32_t l)
{
	return gmon_path_has(&m->cfg.path[m->lp_g[j]][m->lp_p[j]], l);
}

/*
 * Has bad path i, since its evidence began, lost more than link l can
 * explain: has some other path through l lost significantly less?
 * Significantly: the two-sample ratio reaches the alarm bound of i's own
 * SPRT, ln((1 - beta) / alpha), so this is as sure as an alarm.
 */
static bool exceeds(const struct gmon *m, uint32_t i, uint32_t l)
{
	const struct gmon_path *pi = &m->path[m->lp_g[i]][m->lp_p[i]];
	uint64_t ni, xi, nj, xj;
	uint32_t j;

	window(m, i, i, &ni, &xi);
	if (!xi)
		return false;
	for (j = 0; j < m->n_lp; j++) {
		if (j == i || !crosses(m, j, l))
			continue;
		window(m, i, j, &nj, &xj);
		if (gmon_rate_llr(ni, xi, nj, xj) >= pi->loss.upper)
			return true;
	}
	return false;
}

/* m->excl[] for the loss solve, from the raw verdicts in m->lp[].state. */
void gmon_rate_rule(struct gmon *m)
{
	uint32_t i, h;

	for (i = 0; i < m->n_lp; i++) {
		const struct gmon_path_cfg *pc = &m->cfg.path[m->lp_g[i]][m->lp_p[i]];

		m->excl[i] = 0;
		if (m->lp[i].state != LOC_BAD)
			continue;
		for (h = 0; h < pc->n_links; h++)
			if (exceeds(m, i, pc->link[h]))
				m->excl[i] |= 1U << h;
	}
}

bool gmon_excess(const struct gmon *m, uint32_t i, uint32_t l)
{
	const struct gmon_path_cfg *pc = &m->cfg.path[m->lp_g[i]][m->lp_p[i]];
	uint32_t h;

	for (h = 0; h < pc->n_links; h++)
		if (pc->link[h] == l)
			return m->excl[i] & (1U << h);
	return false;
}

/*
 * The shared-rate test of a link suspect for loss: it loses at most what
 * the least lossy of its paths loses, so it may be drained only when no
 * path through it can exclude a loss at the threshold: the upper bound of
 * each one's 95 % Wilson interval, over the samples since the longest
 * running bad path that blames the link began, reaches the threshold.
 */
bool gmon_shared_over(const struct gmon *m, uint32_t l)
{
	uint64_t thr = (uint64_t)m->cfg.loss_threshold_ppm * 1000U, n, x;
	uint32_t i, j, k = m->n_lp;
	struct gray_ratio r;

	for (i = 0; i < m->n_lp; i++) {
		const struct gmon_path *pi = &m->path[m->lp_g[i]][m->lp_p[i]];

		if (pi->loss_state != LOC_BAD || !crosses(m, i, l) ||
		    gmon_excess(m, i, l))
			continue;
		if (k == m->n_lp ||
		    pi->run_n > m->path[m->lp_g[k]][m->lp_p[k]].run_n)
			k = i;
	}
	if (k == m->n_lp)
		return false;
	for (j = 0; j < m->n_lp; j++) {
		if (!crosses(m, j, l))
			continue;
		window(m, k, j, &n, &x);
		if (!n)
			continue;
		gray_wilson(n, x, Z95, &r);
		if (r.hi < thr)
			return false;
	}
	return true;
}
