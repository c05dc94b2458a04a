// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Gray-failure monitor: path detectors, link localisation, drain and
 * restore. See gray_monitor.h and Documentation/gray.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gray_monitor_int.h"

#define NS_PER_S	1000000000ULL

void gmon_cfg_default(struct gmon_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->loss_threshold_ppm = 1000;
	c->delay_threshold_us = 50;
	c->restore_clean_s = 30;
	c->late_grace_ns = 100000000ULL;
	gmon_cfg_derive(c);
}

void gmon_cfg_derive(struct gmon_cfg *c)
{
	gray_loss_cfg_default(&c->loss);
	c->loss.p1_ppb = c->loss_threshold_ppm * 1000U;
	c->loss.p0_ppb = c->loss.p1_ppb / 100 ? c->loss.p1_ppb / 100 : 1;
	gray_lat_cfg_default(&c->lat);
	c->lat.shift_ns = c->delay_threshold_us * 1000U;
	loc_cfg_default(&c->loc);
}

static bool cfg_ok(const struct gmon_cfg *c)
{
	uint32_t g, p, h;

	if (c->n_links > GMON_MAX_LINKS || c->n_groups > GMON_MAX_GROUPS ||
	    !c->loss_threshold_ppm || c->loss_threshold_ppm >= 1000000 ||
	    !c->delay_threshold_us || c->delay_threshold_us > 4000000)
		return false;
	for (g = 0; g < c->n_groups; g++) {
		if (c->n_paths[g] > GMON_MAX_PATHS)
			return false;
		for (p = 0; p < c->n_paths[g]; p++) {
			const struct gmon_path_cfg *pc = &c->path[g][p];

			if (pc->n_links > GMON_MAX_HOPS)
				return false;
			for (h = 0; h < pc->n_links; h++)
				if (pc->link[h] >= c->n_links)
					return false;
		}
	}
	return true;
}

/*
 * A lone alarm waits for its sibling paths (those sharing a link with it)
 * to be judged, or, when they stay undecided, for as many of its own
 * samples as a clean detector needs on average to alarm at the threshold
 * loss (the SPRT's expected sample number at p1); a delay alarm for
 * `learn` blocks of samples.
 */
static void settle_init(struct gmon *m)
{
	struct gray_loss d;

	if (!gray_loss_init(&d, &m->cfg.loss))
		m->settle_loss_n = gray_loss_asn(&d, m->cfg.loss.p1_ppb);
	if (!m->settle_loss_n)
		m->settle_loss_n = 1000;
	m->settle_delay_n = m->cfg.lat.block * m->cfg.lat.learn;
}

struct gmon *gmon_new(const struct gmon_cfg *c)
{
	struct gmon *m;
	uint32_t g, p, l;

	if (!cfg_ok(c)) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *c;
	for (g = 0; g < c->n_groups; g++) {
		for (p = 0; p < c->n_paths[g]; p++) {
			struct gmon_path *pp = &m->path[g][p];

			pp->drained_by = -1;
			pp->on = c->path[g][p].n_links > 0;
			if (pp->on)
				pp->idx = (uint16_t)m->n_on++;
			if (gray_loss_init(&pp->loss, &c->loss) ||
			    gray_lat_init(&pp->lat, &c->lat)) {
				free(m);
				errno = EINVAL;
				return NULL;
			}
		}
	}
	if (m->n_on) {
		m->snap = calloc((size_t)m->n_on * m->n_on, sizeof(*m->snap));
		if (!m->snap) {
			free(m);
			return NULL;
		}
	}
	for (l = 0; l < c->n_links; l++)
		m->link[l].shift_ns = 0;
	settle_init(m);
	return m;
}

void gmon_free(struct gmon *m)
{
	if (!m)
		return;
	free(m->snap);
	free(m);
}

static struct gmon_path *path_of(struct gmon *m, uint32_t g, uint32_t p)
{
	if (g >= m->cfg.n_groups || p >= m->cfg.n_paths[g] ||
	    !m->path[g][p].on)
		return NULL;
	return &m->path[g][p];
}

/* The verdict the localisation gets from a path's loss detector. A miss
 * still waiting for a late answer may be a loss: not clean yet. */
static uint8_t loss_state(const struct gmon_path *pp)
{
	if (pp->loss.alarm)
		return LOC_BAD;
	return pp->loss.llr == pp->loss.lower && !pp->pend_n ?
		LOC_CLEAN : LOC_UNKNOWN;
}

/*
 * A clean latency verdict needs a learnt baseline and a CUSUM at 0. A bad
 * one needs the CUSUM's alarm and a block median at least the delay
 * threshold above the baseline (then it holds while the alarm lasts): the
 * CUSUM alarms on shifts from half the threshold up, and on a loaded host
 * RTT noise makes such shifts without a fault.
 */
static uint8_t delay_state(const struct gmon *m, const struct gmon_path *pp)
{
	if (pp->lat.alarm) {
		if (pp->delay_state == LOC_BAD ||
		    pp->lat.shift >= (int32_t)(m->cfg.delay_threshold_us * 1000U))
			return LOC_BAD;
		return LOC_UNKNOWN;
	}
	if (pp->lat.n_learnt == pp->lat.cfg.learn && !pp->lat.cusum)
		return LOC_CLEAN;
	return LOC_UNKNOWN;
}

static void note_state(struct gmon *m, struct gmon_path *pp)
{
	uint8_t ls = loss_state(pp), ds = delay_state(m, pp);

	if (ls != pp->loss_state || ds != pp->delay_state)
		m->dirty = true;
	if (ls == LOC_BAD && pp->loss_state != LOC_BAD)
		pp->loss_bad_n = pp->loss.n;
	if (ds == LOC_BAD && pp->delay_state != LOC_BAD)
		pp->delay_bad_n = pp->lat.samples;
	pp->loss_state = ls;
	pp->delay_state = ds;
}

/* Path pp's evidence of a kind begins: note every path's sample counts,
 * which the sibling rule (doubted()) measures from. */
static void snap_take(struct gmon *m, const struct gmon_path *pp, bool delay)
{
	struct gmon_snap *row = &m->snap[(size_t)pp->idx * m->n_on];
	uint32_t g, p;

	for (g = 0; g < m->cfg.n_groups; g++) {
		for (p = 0; p < m->cfg.n_paths[g]; p++) {
			const struct gmon_path *q = &m->path[g][p];

			if (!q->on)
				continue;
			if (delay) {
				row[q->idx].lat_n = q->lat.samples;
			} else {
				row[q->idx].loss_n = q->loss.n;
				row[q->idx].loss_lost = q->loss.lost;
			}
		}
	}
}

static void lat_add(struct gmon *m, struct gmon_path *pp, uint32_t rtt)
{
	bool run;

	gray_lat_sample(&pp->lat, rtt, 0);
	run = pp->lat.alarm || pp->lat.cusum > 0;
	if (run && !pp->lat_run)
		snap_take(m, pp, true);
	pp->lat_run = run;
}

static void loss_add(struct gmon *m, struct gmon_path *pp, uint64_t n,
		     uint64_t lost)
{
	while (n) {
		uint32_t cn = n > 0x40000000ULL ? 0x40000000U : (uint32_t)n;
		uint32_t cl = lost > cn ? cn : (uint32_t)lost;

		gray_loss_update(&pp->loss, cn, cl);
		n -= cn;
		lost -= cl;
		if (!pp->loss.alarm && pp->loss.llr == pp->loss.lower) {
			pp->run_n = 0;
			pp->run_lost = 0;
		} else {
			if (!pp->run_n)
				snap_take(m, pp, false);
			pp->run_n += cn;
			pp->run_lost += cl;
			/* a loss of an alarmed path may complete the rate
			 * rule's evidence: solve again */
			if (cl && pp->loss.alarm)
				m->dirty = true;
		}
	}
}

/* Misses older than the grace period count as lost. */
static void pend_commit(struct gmon *m, struct gmon_path *pp, uint64_t now,
			bool all)
{
	while (pp->pend_n) {
		uint64_t t = pp->pend[pp->pend_head];

		if (!all && (int64_t)(now - t) < (int64_t)m->cfg.late_grace_ns)
			break;
		pp->pend_head = (pp->pend_head + 1) % GMON_PENDING;
		pp->pend_n--;
		pp->lost++;
		loss_add(m, pp, 1, 1);
	}
}

static void evaluate(struct gmon *m, uint64_t now);

void gmon_probe(struct gmon *m, uint32_t group, uint32_t path,
		enum gmon_outcome outcome, uint64_t rtt_ns, uint64_t now_ns)
{
	uint32_t rtt = rtt_ns > 0xffffffffULL ? 0xffffffffU : (uint32_t)rtt_ns;
	struct gmon_path *pp = m ? path_of(m, group, path) : NULL;

	if (!pp)
		return;
	pend_commit(m, pp, now_ns, false);
	switch (outcome) {
	case GMON_ANSWERED:
		pp->probes++;
		loss_add(m, pp, 1, 0);
		lat_add(m, pp, rtt);
		break;
	case GMON_LOST:
		pp->probes++;
		if (pp->pend_n == GMON_PENDING)
			pend_commit(m, pp, now_ns, true);
		pp->pend[(pp->pend_head + pp->pend_n) % GMON_PENDING] = now_ns;
		pp->pend_n++;
		break;
	case GMON_STALLED:
		pp->probes++;
		pp->stalled++;
		break;
	case GMON_LATE:
		/* The oldest pending miss was delivered after all. */
		pp->late++;
		if (!pp->pend_n)
			break;
		pp->pend_head = (pp->pend_head + 1) % GMON_PENDING;
		pp->pend_n--;
		loss_add(m, pp, 1, 0);
		lat_add(m, pp, rtt);
		break;
	}
	note_state(m, pp);
	if (m->dirty)
		evaluate(m, now_ns);
}

void gmon_passive(struct gmon *m, uint32_t group, uint32_t path,
		  uint64_t packets, uint64_t lost, uint64_t now_ns)
{
	struct gmon_path *pp = m ? path_of(m, group, path) : NULL;

	if (!pp || !packets)
		return;
	if (lost > packets)
		lost = packets;
	pp->passive_packets += packets;
	pp->passive_lost += lost;
	loss_add(m, pp, packets, lost);
	note_state(m, pp);
	if (m->dirty)
		evaluate(m, now_ns);
}

void gmon_tick(struct gmon *m, uint64_t now_ns)
{
	uint32_t g, p;

	for (g = 0; g < m->cfg.n_groups; g++)
		for (p = 0; p < m->cfg.n_paths[g]; p++)
			if (m->path[g][p].on) {
				pend_commit(m, &m->path[g][p], now_ns, false);
				note_state(m, &m->path[g][p]);
			}
	evaluate(m, now_ns);
}

/* ---- localisation and action ---- */

uint32_t gmon_path_loss_ppb(const struct gmon_path *pp)
{
	struct gray_ratio r;

	if (pp->loss.alarm && pp->run_n) {
		gray_wilson(pp->run_n, pp->run_lost, Z95, &r);
		return r.point;
	}
	gray_loss_estimate(&pp->loss, Z95, &r);
	return r.point;
}

/*
 * The link's figures from the paths through it. Suspect: the evidence
 * paths of its kind, the loss of the least lossy (a path loses at least
 * what each of its links loses) with its Wilson interval, the least shift.
 * Not suspect: the same over all its paths, an upper bound for export.
 */
static void link_figures(struct gmon *m, uint32_t l, bool sl, bool sd)
{
	struct gmon_link *lk = &m->link[l];
	const struct gmon_path *best = NULL;
	uint32_t i, best_ppb = 0;
	int32_t shift = 0;
	bool have_shift = false;

	memset(lk->paths, 0, sizeof(lk->paths));
	memset(&lk->loss, 0, sizeof(lk->loss));
	for (i = 0; i < m->n_lp; i++) {
		uint32_t g = m->lp_g[i], p = m->lp_p[i];
		const struct gmon_path *pp = &m->path[g][p];
		/* a path whose loss exceeds the link's is not its evidence */
		bool bad_l = pp->loss_state == LOC_BAD && !gmon_excess(m, i, l);
		bool bad_d = pp->delay_state == LOC_BAD;
		uint32_t ppb;

		if (!gmon_path_has(&m->cfg.path[g][p], l))
			continue;
		if ((sl && bad_l) || (sd && bad_d))
			lk->paths[g] |= 1U << p;
		if (!sl || bad_l) {
			ppb = gmon_path_loss_ppb(pp);
			if (!best || ppb < best_ppb) {
				best = pp;
				best_ppb = ppb;
			}
		}
		if ((!sd || bad_d) && pp->lat.n_learnt == pp->lat.cfg.learn &&
		    (!have_shift || pp->lat.shift < shift)) {
			shift = pp->lat.shift;
			have_shift = true;
		}
	}
	if (best && sl && best->run_n)
		gray_wilson(best->run_n, best->run_lost, Z95, &lk->loss);
	else if (best)
		gray_loss_estimate(&best->loss, Z95, &lk->loss);
	lk->shift_ns = shift;
}

static void link_paths(const struct gmon *m, uint32_t l, uint32_t *mask)
{
	uint32_t i;

	memset(mask, 0, GMON_MAX_GROUPS * sizeof(*mask));
	for (i = 0; i < m->n_lp; i++)
		if (gmon_path_has(&m->cfg.path[m->lp_g[i]][m->lp_p[i]], l))
			mask[m->lp_g[i]] |= 1U << m->lp_p[i];
}

static void emit(struct gmon *m, uint32_t type, uint32_t l, uint64_t now)
{
	const struct gmon_link *lk = &m->link[l];
	struct gmon_event ev = {
		.time_ns = now, .type = type, .kind = lk->kind, .link = l,
		.loss_ppm = lk->loss.point / 1000,
		.delay_us = lk->shift_ns > 0 ? (uint32_t)lk->shift_ns / 1000 : 0,
		.confidence = lk->conf,
	};

	memcpy(ev.paths, lk->paths, sizeof(ev.paths));
	m->st.events[type]++;
	if (m->cfg.on_event)
		m->cfg.on_event(m->cfg.arg, &ev);
}

/* Tell the policy which paths cross a drained link now. */
static void apply_paths(struct gmon *m, uint64_t now)
{
	uint32_t g, p, h;

	for (g = 0; g < m->cfg.n_groups; g++) {
		for (p = 0; p < m->cfg.n_paths[g]; p++) {
			const struct gmon_path_cfg *pc = &m->cfg.path[g][p];
			struct gmon_path *pp = &m->path[g][p];
			int32_t by = -1;

			if (!pp->on)
				continue;
			for (h = 0; h < pc->n_links && by < 0; h++)
				if (m->link[pc->link[h]].drained)
					by = pc->link[h];
			pp->drained_by = by;
			if ((by >= 0) == pp->gray)
				continue;
			pp->gray = by >= 0;
			if (m->cfg.act)
				m->cfg.act(m->cfg.arg, g, p, pp->gray, now);
		}
	}
}

static bool over_threshold(const struct gmon *m, uint32_t l, bool sl, bool sd)
{
	const struct gmon_link *lk = &m->link[l];

	/* Loss: the SPRT alarmed, the evidence since it left its floor
	 * cannot exclude a loss at the threshold (Wilson upper bound), and
	 * neither can any other path through the link (the rate rule). */
	if (sl && lk->loss.hi >= m->cfg.loss_threshold_ppm * 1000U &&
	    gmon_shared_over(m, l))
		return true;
	return sd && lk->shift_ns >= (int32_t)(m->cfg.delay_threshold_us * 1000U);
}

static void evaluate(struct gmon *m, uint64_t now)
{
	uint64_t clean_ns = (uint64_t)m->cfg.restore_clean_s * NS_PER_S;
	bool changed = false;
	uint32_t l;

	m->dirty = false;
	gmon_solve(m);
	for (l = 0; l < m->cfg.n_links; l++) {
		struct gmon_link *lk = &m->link[l];
		bool nl = m->ll_loss[l].suspect, nd = m->ll_delay[l].suspect;
		bool sl = nl || gmon_held(m, l, false), sd = nd || gmon_held(m, l, true);
		bool monitor = m->cfg.monitor_only || m->cfg.link_monitor[l];

		lk->named_loss = sl;
		lk->named_delay = sd;
		link_figures(m, l, sl, sd);
		if (sl || sd) {
			lk->kind = sl ? GMON_KIND_LOSS : GMON_KIND_DELAY;
			if (nl || nd) {
				lk->conf = nl ? m->ll_loss[l].conf : 0;
				if (nd && m->ll_delay[l].conf > lk->conf)
					lk->conf = m->ll_delay[l].conf;
			} else {
				uint32_t c = sd ? gmon_held_conf(m, l, true) : 0;

				lk->conf = sl ? gmon_held_conf(m, l, false) : 0;
				if (c > lk->conf)
					lk->conf = c;
			}
			lk->clean_since_ns = 0;
			if (!lk->suspect) {
				lk->suspect = true;
				lk->since_ns = now;
				emit(m, GMON_EV_SUSPECT, l, now);
			}
			if (!lk->drained && !monitor &&
			    over_threshold(m, l, sl, sd)) {
				lk->drained = true;
				lk->since_ns = now;
				changed = true;
				emit(m, GMON_EV_DRAIN, l, now);
			}
			continue;
		}
		if (!lk->suspect && !lk->drained)
			continue;
		/* Suspect or drained, and clean now: wait restore_clean_s. */
		if (!lk->clean_since_ns) {
			lk->clean_since_ns = now ? now : 1;
			continue;
		}
		if ((int64_t)(now - lk->clean_since_ns) < (int64_t)clean_ns)
			continue;
		lk->suspect = false;
		lk->clean_since_ns = 0;
		lk->since_ns = now;
		/* The paths that cross the link, now clean, are the evidence. */
		link_paths(m, l, lk->paths);
		if (lk->drained) {
			lk->drained = false;
			changed = true;
			emit(m, GMON_EV_RESTORE, l, now);
		} else {
			emit(m, GMON_EV_CLEAR, l, now);
		}
	}
	if (changed)
		apply_paths(m, now);
}
