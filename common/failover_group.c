// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-path failover policy: group set-up, knobs, the dampening penalty
 * and hold-down arithmetic, and read-only queries (failover.h).
 */
#include "failover.h"
#include "failover_int.h"

/* 2^(-k/16) in 16.16 fixed point, rounded down, k = 0..15. */
static const __u32 fo_exp2_frac[16] = {
	65536, 62757, 60096, 57548, 55108, 52772, 50535, 48392,
	46340, 44376, 42494, 40693, 38967, 37315, 35733, 34218,
};

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
