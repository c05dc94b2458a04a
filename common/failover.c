// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-path failover policy. See failover.h for the API and
 * Documentation/failover-policy.md for the rules.
 */
#include "failover.h"

#define FO_UNIT		FABRIC_FO_PENALTY_UNIT
#define FO_BIT(p)	(1U << (p))

/* 2^(-k/16) in 16.16 fixed point, rounded down, k = 0..15. */
static const __u32 fo_exp2_frac[16] = {
	65536, 62757, 60096, 57548, 55108, 52772, 50535, 48392,
	46340, 44376, 42494, 40693, 38967, 37315, 35733, 34218,
};

static const char *const fo_state_names[FABRIC_FO_STATE_MAX] = {
	[FABRIC_FO_UP]		= "up",
	[FABRIC_FO_DOWN]	= "down",
	[FABRIC_FO_HOLDDOWN]	= "holddown",
};

static const char *const fo_reason_names[FABRIC_FO_R_MAX] = {
	[FABRIC_FO_R_NONE]		= "none",
	[FABRIC_FO_R_INIT]		= "init",
	[FABRIC_FO_R_CARRIER_DOWN]	= "carrier-down",
	[FABRIC_FO_R_PROBE_LOSS]	= "probe-loss",
	[FABRIC_FO_R_GAP_BURST]		= "gap-burst",
	[FABRIC_FO_R_SILENCE]		= "silence",
	[FABRIC_FO_R_ADMIN_DRAIN]	= "admin-drain",
	[FABRIC_FO_R_CARRIER_UP]	= "carrier-up",
	[FABRIC_FO_R_PROBE_OK]		= "probes-ok",
	[FABRIC_FO_R_ADMIN_UNDRAIN]	= "admin-undrain",
	[FABRIC_FO_R_HOLD_EXPIRED]	= "holddown-expired",
	[FABRIC_FO_R_GRAY]		= "gray",
	[FABRIC_FO_R_GRAY_CLEAR]	= "gray-clear",
};

static const char *const fo_signal_names[FABRIC_FO_SIG_MAX] = {
	[FABRIC_FO_SIG_CARRIER_DOWN]	= "carrier-down",
	[FABRIC_FO_SIG_CARRIER_UP]	= "carrier-up",
	[FABRIC_FO_SIG_PROBE_OK]	= "probe-ok",
	[FABRIC_FO_SIG_PROBE_MISS]	= "probe-miss",
	[FABRIC_FO_SIG_GAP_BURST]	= "gap-burst",
	[FABRIC_FO_SIG_SILENCE]		= "silence",
	[FABRIC_FO_SIG_GRAY]		= "gray",
	[FABRIC_FO_SIG_GRAY_CLEAR]	= "gray-clear",
};

/* State of one mutating call. */
struct fo_ctx {
	struct fabric_fo_group *g;
	struct fabric_fo_result *res;
	__u64 now;
	__u32 went_down;	/* paths that entered DOWN in this call */
	__u32 suppressed;	/* failures judged local in this call */
};

/*
 * Elapsed time as a signed difference clamped at 0: callers on several
 * CPUs may pass a now slightly older than a stored stamp.
 */
static __u64 fo_elapsed(__u64 now, __u64 then)
{
	__s64 d = (__s64)(now - then);

	return d > 0 ? (__u64)d : 0;
}

static int fo_time_reached(__u64 now, __u64 deadline)
{
	return (__s64)(now - deadline) >= 0;
}

/*
 * p * 2^(-dt/half): whole half-lives by shifting (at most 32 before p is
 * 0), the remainder from a 16-step table. Multiplies and shifts only, so
 * no 64-bit division helper is needed on 32-bit kernels.
 */
static __u32 fo_decay(__u32 p, __u64 dt, __u64 half)
{
	__u32 k;

	while (p && dt >= half) {
		p >>= 1;
		dt -= half;
	}
	if (!p)
		return 0;
	/* half <= 2^48, so (k + 1) * half cannot overflow. */
	for (k = 0; k < 15 && (((__u64)(k + 1) * half) >> 4) <= dt; k++)
		;
	return (__u32)(((__u64)p * fo_exp2_frac[k]) >> 16);
}

static __u32 fo_penalty_now(const struct fabric_fo_group *g,
			    const struct fabric_fo_path *pp, __u64 now)
{
	return fo_decay(pp->penalty, fo_elapsed(now, pp->penalty_ns),
			g->cfg.half_life_ns);
}

/*
 * base << (round(penalty / unit) - 1), capped at max. Doubling stops at
 * max (<= 2^48), so it cannot overflow; penalty_max bounds the loop.
 */
static __u64 fo_hold_for(const struct fabric_fo_config *cfg, __u32 pen)
{
	__u32 units = (pen + FO_UNIT / 2) / FO_UNIT;
	__u64 h = cfg->hold_base_ns;

	while (units-- > 1 && h < cfg->hold_max_ns)
		h <<= 1;
	return h < cfg->hold_max_ns ? h : cfg->hold_max_ns;
}

static __u32 fo_all_mask(const struct fabric_fo_group *g)
{
	return g->n_paths >= 32 ? ~0U : FO_BIT(g->n_paths) - 1;
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
		pen = fo_penalty_now(g, pp, c->now);
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

	pp->hold_until_ns = c->now +
		fo_hold_for(&g->cfg, fo_penalty_now(g, pp, c->now));
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

void fabric_fo_config_default(struct fabric_fo_config *cfg)
{
	cfg->probe_miss_k = 3;
	cfg->recover_probes = 3;
	cfg->gap_bursts = 2;
	cfg->pad = 0;
	cfg->gap_window_ns = 10000000ULL;		/* 10 ms */
	cfg->stall_tolerance_ns = 200000ULL;		/* 200 us */
	cfg->local_window_ns = 20000000ULL;		/* 20 ms */
	cfg->hold_base_ns = 500000000ULL;		/* 500 ms */
	cfg->hold_max_ns = 30000000000ULL;		/* 30 s */
	cfg->half_life_ns = 10000000000ULL;		/* 10 s */
}

int fabric_fo_config_check(const struct fabric_fo_config *cfg)
{
	if (!cfg->probe_miss_k || !cfg->recover_probes || !cfg->gap_bursts)
		return -FABRIC_FO_EINVAL;
	if (cfg->gap_window_ns > FABRIC_FO_TIME_MAX ||
	    cfg->stall_tolerance_ns > FABRIC_FO_TIME_MAX ||
	    cfg->local_window_ns > FABRIC_FO_TIME_MAX ||
	    cfg->hold_max_ns > FABRIC_FO_TIME_MAX ||
	    cfg->half_life_ns > FABRIC_FO_TIME_MAX)
		return -FABRIC_FO_EINVAL;
	if (!cfg->hold_base_ns || cfg->hold_base_ns > cfg->hold_max_ns ||
	    !cfg->half_life_ns)
		return -FABRIC_FO_EINVAL;
	return 0;
}

/*
 * Cap the penalty one unit above what reaches hold_max, so that a path
 * which stopped flapping is forgiven within a few half-lives.
 */
static __u32 fo_penalty_cap(const struct fabric_fo_config *cfg)
{
	__u32 shift;

	for (shift = 0; (cfg->hold_base_ns << shift) < cfg->hold_max_ns; shift++)
		;
	return (shift + 2) * FO_UNIT;
}

int fabric_fo_group_init(struct fabric_fo_group *g,
			 const struct fabric_fo_config *cfg, __u32 n_paths,
			 __u64 now)
{
	__u8 *b = (__u8 *)g;
	__u32 p;
	__u64 i;

	if (n_paths < 1 || n_paths > FABRIC_FO_MAX_PATHS ||
	    fabric_fo_config_check(cfg))
		return -FABRIC_FO_EINVAL;
	for (i = 0; i < sizeof(*g); i++)
		b[i] = 0;
	g->cfg = *cfg;
	g->n_paths = n_paths;
	g->members = fo_all_mask(g);
	g->penalty_max = fo_penalty_cap(cfg);
	for (p = 0; p < n_paths; p++) {
		struct fabric_fo_path *pp = &g->path[p];

		pp->state = FABRIC_FO_UP;
		pp->carrier = 1;
		pp->penalty_ns = now;
		pp->st.last_change_ns = now;
		pp->st.last_reason = FABRIC_FO_R_INIT;
	}
	return 0;
}

int fabric_fo_set_config(struct fabric_fo_group *g,
			 const struct fabric_fo_config *cfg)
{
	__u32 p;

	if (fabric_fo_config_check(cfg))
		return -FABRIC_FO_EINVAL;
	g->cfg = *cfg;
	g->penalty_max = fo_penalty_cap(cfg);
	for (p = 0; p < g->n_paths; p++)
		if (g->path[p].penalty > g->penalty_max)
			g->path[p].penalty = g->penalty_max;
	return 0;
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

__u64 fabric_fo_next_deadline(const struct fabric_fo_group *g)
{
	__u64 best = FABRIC_FO_NEVER;
	__u32 p;

	for (p = 0; p < g->n_paths; p++) {
		const struct fabric_fo_path *pp = &g->path[p];

		if (pp->state != FABRIC_FO_HOLDDOWN)
			continue;
		if (best == FABRIC_FO_NEVER ||
		    (__s64)(pp->hold_until_ns - best) < 0)
			best = pp->hold_until_ns;
	}
	return best;
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

__u32 fabric_fo_members(const struct fabric_fo_group *g)
{
	return g->members;
}

__u32 fabric_fo_state_mask(const struct fabric_fo_group *g, __u32 state)
{
	__u32 p, m = 0;

	for (p = 0; p < g->n_paths; p++)
		if (g->path[p].state == state)
			m |= FO_BIT(p);
	return m;
}

__u32 fabric_fo_penalty(const struct fabric_fo_group *g, __u32 path,
			__u64 now)
{
	if (path >= g->n_paths)
		return 0;
	return fo_penalty_now(g, &g->path[path], now);
}

__u64 fabric_fo_hold_ns(const struct fabric_fo_group *g, __u32 path,
			__u64 now)
{
	if (path >= g->n_paths)
		return 0;
	return fo_hold_for(&g->cfg, fabric_fo_penalty(g, path, now));
}

const char *fabric_fo_state_name(__u32 state)
{
	return state < FABRIC_FO_STATE_MAX ? fo_state_names[state] : "unknown";
}

const char *fabric_fo_reason_name(__u32 reason)
{
	return reason < FABRIC_FO_R_MAX ? fo_reason_names[reason] : "unknown";
}

const char *fabric_fo_signal_name(__u32 signal)
{
	return signal < FABRIC_FO_SIG_MAX ? fo_signal_names[signal] : "unknown";
}
