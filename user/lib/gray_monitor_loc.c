// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The gray monitor's localisation: the path verdicts its solve
 * (common/localize.c) gets, the settle and sibling rules that keep a
 * lossy uplink's first alarmed paths from blaming their far links, and
 * which named links stay named. See gray_monitor.h and
 * Documentation/gray.md.
 */
#include <string.h>

#include "gray_monitor_int.h"

bool gmon_path_has(const struct gmon_path_cfg *pc, uint32_t l)
{
	uint32_t h;

	for (h = 0; h < pc->n_links; h++)
		if (pc->link[h] == l)
			return true;
	return false;
}

static uint8_t kind_state(const struct gmon_path *pp, bool delay)
{
	return delay ? pp->delay_state : pp->loss_state;
}

/* Is bad path i's loss in excess of what link l explains (rate rule)? */
static bool excess(const struct gmon *m, uint32_t i, uint32_t l, bool delay)
{
	return !delay && gmon_excess(m, i, l);
}

/* Does path i cross a link named for this kind that may explain it? */
static bool explained(const struct gmon *m, uint32_t i, bool delay)
{
	const struct gmon_path_cfg *pc = &m->cfg.path[m->lp_g[i]][m->lp_p[i]];
	uint32_t h;

	for (h = 0; h < pc->n_links; h++) {
		const struct gmon_link *lk = &m->link[pc->link[h]];

		if ((delay ? lk->named_delay : lk->named_loss) &&
		    !excess(m, i, pc->link[h], delay))
			return true;
	}
	return false;
}

/*
 * Does bad path i share a link with path j for which i's loss is still a
 * question? A link whose explanation of i the rate rule has already
 * refused is not: j's verdict cannot change i's explanation there.
 */
static bool share_link(const struct gmon *m, uint32_t i, uint32_t j, bool delay)
{
	const struct gmon_path_cfg *pc = &m->cfg.path[m->lp_g[i]][m->lp_p[i]];
	uint32_t h;

	for (h = 0; h < pc->n_links; h++)
		if (gmon_path_has(&m->cfg.path[m->lp_g[j]][m->lp_p[j]], pc->link[h]) &&
		    !excess(m, i, pc->link[h], delay))
			return true;
	return false;
}

/*
 * The sibling rule. Clean path j is evidence that the links it shares with
 * bad path i are clean only once it has taken, since i's evidence began
 * (the first sample of i's loss run, or the block its CUSUM left 0), the
 * settle count of samples: as many as a path with i's fault needs to
 * alarm. Before that a sibling through a lossy uplink that has merely not
 * lost a probe yet sits at its clean bound too. For loss, its samples in
 * that window must moreover be few enough lost that its own SPRT, run on
 * the window alone, would accept "clean": a loss early in the window that
 * the clamped SPRT has forgotten still counts.
 */
bool gmon_exonerates(const struct gmon *m, uint32_t i, uint32_t j, bool delay)
{
	const struct gmon_path *pi = &m->path[m->lp_g[i]][m->lp_p[i]];
	const struct gmon_path *pj = &m->path[m->lp_g[j]][m->lp_p[j]];
	const struct gmon_snap *s0 = &m->snap[(size_t)pi->idx * m->n_on + pj->idx];
	uint64_t n, x;

	if (delay)
		return pj->lat.samples - s0->lat_n >= m->settle_delay_n;
	n = pj->loss.n - s0->loss_n;
	x = pj->loss.lost - s0->loss_lost;
	if (n < m->settle_loss_n)
		return false;
	/* x * w_lost + (n - x) * w_ok <= lower, without overflow: the
	 * weights are < 2^32 and n, x are capped where the answer is sure */
	if (n > (1ULL << 30))
		n = 1ULL << 30;
	if (x > n)
		x = n;
	return (int64_t)x * pj->loss.w_lost + (int64_t)(n - x) * pj->loss.w_ok <=
	       pj->loss.lower;
}

/* A clean verdict the sibling rule doubts, for any bad path sharing a
 * link with it, counts as UNKNOWN. m->lp[].state holds the raw verdicts. */
static void doubt(struct gmon *m, bool delay)
{
	uint8_t *eff = m->eff[delay];
	uint32_t i, j;

	for (j = 0; j < m->n_lp; j++) {
		eff[j] = m->lp[j].state;
		if (eff[j] != LOC_CLEAN)
			continue;
		for (i = 0; i < m->n_lp; i++) {
			if (m->lp[i].state != LOC_BAD || !share_link(m, i, j, delay))
				continue;
			if (!gmon_exonerates(m, i, j, delay)) {
				eff[j] = LOC_UNKNOWN;
				break;
			}
		}
	}
}

/*
 * Is bad path i's alarm settled: is every path sharing a link with it
 * bad, or clean by the sibling rule, or has the alarm lasted the settle
 * count of its own samples? Until then it names nothing: the first of a
 * faulty uplink's paths to alarm would otherwise name its far link, a few
 * ms before its siblings alarm too.
 */
static bool settled(const struct gmon *m, uint32_t i, bool delay)
{
	const struct gmon_path *pp = &m->path[m->lp_g[i]][m->lp_p[i]];
	uint32_t j;

	if (delay ? pp->lat.samples - pp->delay_bad_n >= m->settle_delay_n :
		    pp->loss.n - pp->loss_bad_n >= m->settle_loss_n)
		return true;
	for (j = 0; j < m->n_lp; j++) {
		if (j == i || m->eff[delay][j] != LOC_UNKNOWN)
			continue;
		if (share_link(m, i, j, delay))
			return false;
	}
	return true;
}

/*
 * The verdicts the solve gets. A bad path that crosses a link already
 * named for the same kind is left out (UNKNOWN): that link explains it
 * until all its paths are clean, so paths clearing one by one never shift
 * the blame to another link. An unsettled bad path is UNKNOWN too, and so
 * is a clean path the sibling rule doubts.
 */
static void solve_kind(struct gmon *m, bool delay, struct loc_link *ll)
{
	struct loc_result res;
	uint32_t i;

	for (i = 0; i < m->n_lp; i++) {
		const struct gmon_path *pp = &m->path[m->lp_g[i]][m->lp_p[i]];

		m->lp[i].state = kind_state(pp, delay);
		m->lp[i].loss_ppb = delay ? 0 : gmon_path_loss_ppb(pp);
		m->lp[i].excl = 0;
	}
	if (!delay)
		gmon_rate_rule(m);
	doubt(m, delay);
	for (i = 0; i < m->n_lp; i++) {
		uint8_t st = m->eff[delay][i];

		if (st == LOC_BAD &&
		    (explained(m, i, delay) || !settled(m, i, delay)))
			st = LOC_UNKNOWN;
		m->lp[i].state = st;
		if (st == LOC_BAD && !delay)
			m->lp[i].excl = m->excl[i];
	}
	loc_solve(m->lp, m->n_lp, m->cfg.n_links, &m->cfg.loc, ll, &res,
		  &m->work);
}

void gmon_solve(struct gmon *m)
{
	uint32_t g, p, h, n = 0;

	for (g = 0; g < m->cfg.n_groups; g++) {
		for (p = 0; p < m->cfg.n_paths[g] && n < LOC_MAX_PATHS; p++) {
			const struct gmon_path_cfg *pc = &m->cfg.path[g][p];
			struct loc_path *lp = &m->lp[n];

			if (!m->path[g][p].on)
				continue;
			for (h = 0; h < pc->n_links; h++)
				lp->link[h] = pc->link[h];
			lp->n_hops = (uint8_t)pc->n_links;
			m->lp_g[n] = (uint8_t)g;
			m->lp_p[n] = (uint8_t)p;
			n++;
		}
	}
	m->n_lp = n;
	memset(m->ll_loss, 0, sizeof(m->ll_loss));
	memset(m->ll_delay, 0, sizeof(m->ll_delay));
	if (!n || !m->cfg.n_links)
		return;
	solve_kind(m, false, m->ll_loss);
	solve_kind(m, true, m->ll_delay);
	m->st.solves++;
}

/* A named link with a bad path of its kind left, one whose loss does not
 * exceed what the link explains, stays named. */
bool gmon_held(const struct gmon *m, uint32_t l, bool delay)
{
	const struct gmon_link *lk = &m->link[l];
	uint32_t i;

	if (!(delay ? lk->named_delay : lk->named_loss))
		return false;
	for (i = 0; i < m->n_lp; i++)
		if (kind_state(&m->path[m->lp_g[i]][m->lp_p[i]], delay) == LOC_BAD &&
		    gmon_path_has(&m->cfg.path[m->lp_g[i]][m->lp_p[i]], l) &&
		    !excess(m, i, l, delay))
			return true;
	return false;
}

/*
 * A held link's confidence from the verdicts now, by loc_solve()'s rule:
 * its bad paths over its decided ones (scaled down below min_paths
 * decided), halved when each bad one also crosses another link named for
 * the kind. Its paths are left out of the solve once it is named, so it
 * would otherwise keep the confidence it was named with, however many of
 * them alarm after.
 */
uint32_t gmon_held_conf(const struct gmon *m, uint32_t l, bool delay)
{
	uint32_t i, h, bad = 0, decided = 0, uniq = 0, c;

	for (i = 0; i < m->n_lp; i++) {
		const struct gmon_path_cfg *pc = &m->cfg.path[m->lp_g[i]][m->lp_p[i]];
		uint8_t st = m->eff[delay][i];
		bool other = false;

		if (st == LOC_UNKNOWN || !gmon_path_has(pc, l) ||
		    (st == LOC_BAD && excess(m, i, l, delay)))
			continue;
		decided++;
		if (st != LOC_BAD)
			continue;
		bad++;
		for (h = 0; h < pc->n_links; h++) {
			const struct gmon_link *o = &m->link[pc->link[h]];

			if (pc->link[h] != l && (delay ? o->named_delay : o->named_loss))
				other = true;
		}
		uniq += !other;
	}
	if (!decided)
		return 0;
	c = 1000U * bad / decided;
	if (decided < m->cfg.loc.min_paths)
		c = c * decided / m->cfg.loc.min_paths;
	return uniq ? c : c / 2;
}
