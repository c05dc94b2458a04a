// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-path failover policy: the state machine (evidence, judgement,
 * transitions, drain). See failover.h for the API and
 * Documentation/failover-policy.md for the rules; failover_group.c has
 * the set-up, knobs and penalty arithmetic, failover_names.c the names.
 */
#include "failover.h"
#include "failover_int.h"

/* State of one mutating call. */
struct fo_ctx {
	struct fabric_fo_group *g;
	struct fabric_fo_result *res;
	__u64 now;
	__u32 went_down;	/* paths that entered DOWN in this call */
	__u32 suppressed;	/* failures judged local in this call */
};

static int fo_time_reached(__u64 now, __u64 deadline)
{
	return (__s64)(now - deadline) >= 0;
}

static __u32 fo_drained_mask(const struct fabric_fo_group *g)
{
	__u32 p, m = 0;

	for (p = 0; p < g->n_paths; p++)
		if (g->path[p].drained)
			m |= FO_BIT(p);
	return m;
}

/*
 * Desired members: the UP paths; if none, the recovering (HOLDDOWN) ones,
 * which have fresh evidence of life; if none, whatever was installed
 * before (the last path stays, DOWN but kept). Drained paths never.
 */
static __u32 fo_pick(const struct fabric_fo_group *g, __u32 drained,
		     __u32 prev)
{
	__u32 p, up = 0, hd = 0;

	for (p = 0; p < g->n_paths; p++) {
		if (drained & FO_BIT(p))
			continue;
		if (g->path[p].state == FABRIC_FO_UP)
			up |= FO_BIT(p);
		else if (g->path[p].state == FABRIC_FO_HOLDDOWN)
			hd |= FO_BIT(p);
	}
	if (up)
		return up;
	if (hd)
		return hd;
	return prev & ~drained;
}

static void fo_begin(struct fo_ctx *c, struct fabric_fo_group *g,
		     struct fabric_fo_result *res, __u64 now)
{
	c->g = g;
	c->res = res;
	c->now = now;
	c->went_down = 0;
	c->suppressed = 0;
	if (res) {
		res->old_members = g->members;
		res->n_trans = 0;
		res->lost = 0;
	}
}

static void fo_transition(struct fo_ctx *c, __u32 p, __u32 to, __u32 reason,
			  __u32 flags)
{
	struct fabric_fo_path *pp = &c->g->path[p];
	struct fabric_fo_result *res = c->res;
	struct fabric_fo_transition *t;
	__u32 from = pp->state;

	pp->state = (__u8)to;
	pp->st.last_change_ns = c->now;
	pp->st.last_reason = reason;
	if (!res)
		return;
	if (res->n_trans >= FABRIC_FO_MAX_TRANS) {
		res->lost++;
		return;
	}
	t = &res->trans[res->n_trans++];
	t->time_ns = c->now;
	t->path = (__u8)p;
	t->from = (__u8)from;
	t->to = (__u8)to;
	t->reason = (__u8)reason;
	t->flags = flags;
}

static void fo_fail(struct fo_ctx *c, __u32 p, __u32 reason)
{
	struct fabric_fo_group *g = c->g;
	struct fabric_fo_path *pp = &g->path[p];
	__u32 flags = 0, pen;

	if (reason == FABRIC_FO_R_ADMIN_DRAIN) {
		pp->st.drains++;
	} else {
		pen = fabric_fo_penalty(g, p, c->now);
		if (pen >= FO_UNIT / 2) {
			flags |= FABRIC_FO_TF_FLAP;
			pp->st.flaps++;
		}
		pen += FO_UNIT;
		pp->penalty = pen < g->penalty_max ? pen : g->penalty_max;
		pp->penalty_ns = c->now;
		if (pp->state == FABRIC_FO_UP)
			pp->st.failovers++;
	}
	pp->gap_count = 0;
	c->went_down |= FO_BIT(p);
	fo_transition(c, p, FABRIC_FO_DOWN, reason, flags);
}

static void fo_holddown(struct fo_ctx *c, __u32 p, __u32 reason)
{
	struct fabric_fo_group *g = c->g;
	struct fabric_fo_path *pp = &g->path[p];

	pp->hold_until_ns = c->now + fabric_fo_hold_ns(g, p, c->now);
	pp->miss_run = 0;
	pp->gap_count = 0;
	fo_transition(c, p, FABRIC_FO_HOLDDOWN, reason, 0);
}

static void fo_expire(struct fo_ctx *c)
{
	struct fabric_fo_group *g = c->g;
	__u32 p;

	for (p = 0; p < g->n_paths; p++) {
		struct fabric_fo_path *pp = &g->path[p];

		if (pp->state != FABRIC_FO_HOLDDOWN ||
		    !fo_time_reached(c->now, pp->hold_until_ns))
			continue;
		pp->st.restores++;
		fo_transition(c, p, FABRIC_FO_UP, FABRIC_FO_R_HOLD_EXPIRED, 0);
	}
}

static void fo_finish(struct fo_ctx *c)
{
	struct fabric_fo_group *g = c->g;
	struct fabric_fo_result *res = c->res;
	__u32 drained = fo_drained_mask(g);
	__u32 m, p, kept, i;

	m = fo_pick(g, drained, g->members);
	/* Unreachable while drain refusal holds; never return empty. */
	if (!m)
		m = fo_all_mask(g) & ~drained;
	if (!m)
		m = g->members;
	g->members = m;

	kept = c->went_down & m;
	for (p = 0; p < g->n_paths; p++) {
		if (kept & FO_BIT(p)) {
			g->path[p].st.kept++;
			g->last_path_kept++;
		}
	}
	if (c->suppressed)
		g->local_events++;
	if (!res)
		return;
	for (i = 0; i < res->n_trans; i++)
		if (res->trans[i].to == FABRIC_FO_DOWN &&
		    (kept & FO_BIT(res->trans[i].path)))
			res->trans[i].flags |= FABRIC_FO_TF_KEPT;
	res->members = m;
	res->changed = m != res->old_members;
	res->kept = m & ~fabric_fo_state_mask(g, FABRIC_FO_UP);
	res->suppressed = c->suppressed;
}

/*
 * A soft failure of p is judged local when every other live path (UP or
 * HOLDDOWN, not drained) also has fresh bad evidence: the common factor
 * is then most likely this node, not the fabric. With no other live path
 * at all, p is the last one and its failure is real (it stays installed
 * through fo_pick()).
 */
static int fo_is_local(const struct fabric_fo_group *g, __u32 p, __u64 now)
{
	__u32 q, witnesses = 0;

	for (q = 0; q < g->n_paths; q++) {
		const struct fabric_fo_path *w = &g->path[q];

		if (q == p || w->drained || w->state == FABRIC_FO_DOWN)
			continue;
		witnesses++;
		if (!w->carrier)
			continue;
		if (w->last_bad &&
		    fo_elapsed(now, w->bad_ns) <= g->cfg.local_window_ns)
			continue;
		return 0;
	}
	return witnesses > 0;
}

static void fo_soft_bad(struct fabric_fo_path *pp, __u64 now)
{
	pp->ok_run = 0;
	pp->last_bad = 1;
	pp->bad_ns = now;
}

/*
 * Record one signal's evidence on a path. Returns the failure reason it
 * supports (FABRIC_FO_R_NONE if none).
 */
static __u32 fo_evidence(struct fabric_fo_group *g, __u32 p,
			 const struct fabric_fo_event *ev)
{
	struct fabric_fo_path *pp = &g->path[p];
	const struct fabric_fo_config *cfg = &g->cfg;
	__u64 now = ev->now_ns;

	switch (ev->signal) {
	case FABRIC_FO_SIG_CARRIER_DOWN:
		pp->carrier = 0;
		return FABRIC_FO_R_CARRIER_DOWN;
	case FABRIC_FO_SIG_CARRIER_UP:
		pp->carrier = 1;
		return FABRIC_FO_R_NONE;
	case FABRIC_FO_SIG_GRAY:
		/* A statistical verdict over many probes: no lag to judge. */
		pp->gray = 1;
		return FABRIC_FO_R_GRAY;
	case FABRIC_FO_SIG_GRAY_CLEAR:
		pp->gray = 0;
		return FABRIC_FO_R_NONE;
	case FABRIC_FO_SIG_PROBE_OK:
		pp->miss_run = 0;
		pp->last_bad = 0;
		if (pp->ok_run < 0xffffffffU)
			pp->ok_run++;
		if (pp->soft_fail && pp->ok_run >= cfg->recover_probes)
			pp->soft_fail = 0;
		return FABRIC_FO_R_NONE;
	default:
		break;
	}

	/* Soft evidence from a stalled detector says nothing about the path. */
	if (ev->lag_ns > cfg->stall_tolerance_ns) {
		pp->st.ignored_stalled++;
		return FABRIC_FO_R_NONE;
	}
	fo_soft_bad(pp, now);

	switch (ev->signal) {
	case FABRIC_FO_SIG_PROBE_MISS:
		if (pp->miss_run < 0xffffffffU)
			pp->miss_run++;
		return pp->miss_run >= cfg->probe_miss_k ?
			FABRIC_FO_R_PROBE_LOSS : FABRIC_FO_R_NONE;
	case FABRIC_FO_SIG_GAP_BURST:
		if (!pp->gap_count ||
		    fo_elapsed(now, pp->gap_start_ns) > cfg->gap_window_ns) {
			pp->gap_start_ns = now;
			pp->gap_count = 0;
		}
		pp->gap_count++;
		return pp->gap_count >= cfg->gap_bursts ?
			FABRIC_FO_R_GAP_BURST : FABRIC_FO_R_NONE;
	default:
		return FABRIC_FO_R_SILENCE;
	}
}

/* Act on the evidence: fail, suppress as local, or recover. */
static void fo_judge(struct fo_ctx *c, __u32 p, __u32 cand, __u32 signal)
{
	struct fabric_fo_group *g = c->g;
	struct fabric_fo_path *pp = &g->path[p];
	__u32 reason;

	switch (pp->state) {
	case FABRIC_FO_UP:
		if (!cand)
			return;
		/*
		 * Gray verdicts are already localised to a link by evidence
		 * over many paths: not judged local, and not a soft failure
		 * that probe answers could clear (the link still answers).
		 */
		if (cand == FABRIC_FO_R_GRAY) {
			fo_fail(c, p, cand);
			return;
		}
		if (cand != FABRIC_FO_R_CARRIER_DOWN) {
			if (fo_is_local(g, p, c->now)) {
				pp->st.ignored_local++;
				c->suppressed |= FO_BIT(p);
				return;
			}
			pp->soft_fail = 1;
		}
		fo_fail(c, p, cand);
		return;
	case FABRIC_FO_HOLDDOWN:
		if (!cand)
			return;
		if (cand != FABRIC_FO_R_CARRIER_DOWN && cand != FABRIC_FO_R_GRAY)
			pp->soft_fail = 1;
		fo_fail(c, p, cand);
		return;
	default:
		if (cand && cand != FABRIC_FO_R_CARRIER_DOWN &&
		    cand != FABRIC_FO_R_GRAY)
			pp->soft_fail = 1;
		if (signal == FABRIC_FO_SIG_CARRIER_UP)
			reason = FABRIC_FO_R_CARRIER_UP;
		else if (signal == FABRIC_FO_SIG_PROBE_OK)
			reason = FABRIC_FO_R_PROBE_OK;
		else if (signal == FABRIC_FO_SIG_GRAY_CLEAR)
			reason = FABRIC_FO_R_GRAY_CLEAR;
		else
			return;
		if (!pp->drained && !pp->gray && pp->carrier && !pp->soft_fail)
			fo_holddown(c, p, reason);
		return;
	}
}

int fabric_fo_event(struct fabric_fo_group *g, const struct fabric_fo_event *ev,
		    struct fabric_fo_result *res)
{
	__u32 cand[FABRIC_FO_MAX_PATHS];
	struct fo_ctx c;
	__u32 p;

	if (ev->signal >= FABRIC_FO_SIG_MAX || !ev->paths ||
	    (ev->paths & ~fo_all_mask(g)))
		return -FABRIC_FO_EINVAL;
	fo_begin(&c, g, res, ev->now_ns);
	fo_expire(&c);
	/*
	 * Record the evidence on every path first, so that a signal hitting
	 * several paths at once is seen as such by fo_is_local().
	 */
	for (p = 0; p < g->n_paths; p++)
		cand[p] = (ev->paths & FO_BIT(p)) ? fo_evidence(g, p, ev) :
						      FABRIC_FO_R_NONE;
	for (p = 0; p < g->n_paths; p++)
		if (ev->paths & FO_BIT(p))
			fo_judge(&c, p, cand[p], ev->signal);
	fo_finish(&c);
	return 0;
}

int fabric_fo_tick(struct fabric_fo_group *g, __u64 now,
		   struct fabric_fo_result *res)
{
	struct fo_ctx c;

	fo_begin(&c, g, res, now);
	fo_expire(&c);
	fo_finish(&c);
	return 0;
}

int fabric_fo_drain(struct fabric_fo_group *g, __u32 path, __u64 now,
		    struct fabric_fo_result *res)
{
	struct fo_ctx c;
	int err = 0;

	if (path >= g->n_paths)
		return -FABRIC_FO_EINVAL;
	fo_begin(&c, g, res, now);
	fo_expire(&c);
	if (g->path[path].drained)
		goto out;
	if (!fo_pick(g, fo_drained_mask(g) | FO_BIT(path), g->members)) {
		g->drain_refused++;
		err = -FABRIC_FO_EBUSY;
		goto out;
	}
	g->path[path].drained = 1;
	if (g->path[path].state != FABRIC_FO_DOWN)
		fo_fail(&c, path, FABRIC_FO_R_ADMIN_DRAIN);
out:
	fo_finish(&c);
	return err;
}

int fabric_fo_undrain(struct fabric_fo_group *g, __u32 path, __u64 now,
		      struct fabric_fo_result *res)
{
	struct fabric_fo_path *pp;
	struct fo_ctx c;

	if (path >= g->n_paths)
		return -FABRIC_FO_EINVAL;
	pp = &g->path[path];
	fo_begin(&c, g, res, now);
	fo_expire(&c);
	if (pp->drained) {
		pp->drained = 0;
		if (pp->state == FABRIC_FO_DOWN && pp->carrier &&
		    !pp->soft_fail && !pp->gray)
			fo_holddown(&c, path, FABRIC_FO_R_ADMIN_UNDRAIN);
	}
	fo_finish(&c);
	return 0;
}
