// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the per-path failover policy (common/failover.c): every
 * transition, dampening growth and decay, stall and local-signal rules,
 * last-path protection, drain refusal, deadlines and integer edge cases.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "failover.h"

#define US(x)	((__u64)(x) * 1000ULL)
#define MS(x)	((__u64)(x) * 1000000ULL)
#define T0	MS(1000)
#define U	FABRIC_FO_PENALTY_UNIT

#define UP	FABRIC_FO_UP
#define DOWN	FABRIC_FO_DOWN
#define HOLD	FABRIC_FO_HOLDDOWN

/* Test knobs: short, distinct times so every number below is checkable. */
static void test_cfg(struct fabric_fo_config *c)
{
	fabric_fo_config_default(c);
	c->probe_miss_k = 3;
	c->recover_probes = 2;
	c->gap_bursts = 2;
	c->gap_window_ns = MS(10);
	c->stall_tolerance_ns = US(200);
	c->local_window_ns = MS(20);
	c->hold_base_ns = MS(100);
	c->hold_max_ns = MS(1600);
	c->half_life_ns = MS(1000);
}

static int fire(struct fabric_fo_group *g, struct fabric_fo_result *r,
		__u32 mask, __u32 sig, __u64 now, __u64 lag)
{
	struct fabric_fo_event ev = {
		.now_ns = now, .lag_ns = lag, .paths = mask, .signal = sig,
	};

	return fabric_fo_event(g, &ev, r);
}

#define FIRE_LAG(m, s, t, lag) \
	ASSERT_EQ(0, fire(&self->g, &self->r, (m), (s), (t), (lag)))
#define FIRE(m, s, t)	FIRE_LAG(m, s, t, 0)
#define STATE(p)	(self->g.path[p].state)
#define ST(p)		(self->g.path[p].st)

/* Checks one transition record. */
#define ASSERT_TRANS(i, p, f, t_, why, when) do {			\
	ASSERT_LT((__u32)(i), self->r.n_trans);				\
	ASSERT_EQ((p), self->r.trans[i].path);				\
	ASSERT_EQ((f), self->r.trans[i].from);				\
	ASSERT_EQ((t_), self->r.trans[i].to);				\
	ASSERT_EQ((why), self->r.trans[i].reason);			\
	ASSERT_EQ((__u64)(when), self->r.trans[i].time_ns);		\
} while (0)

FIXTURE(fo) {
	struct fabric_fo_config cfg;
	struct fabric_fo_group g;
	struct fabric_fo_result r;
};

FIXTURE_SETUP(fo)
{
	test_cfg(&self->cfg);
	ASSERT_EQ(0, fabric_fo_group_init(&self->g, &self->cfg, 3, T0));
}

FIXTURE_TEARDOWN(fo)
{
}

/* Takes path p down by carrier and back to HOLDDOWN at t, t + 1 ms. */
#define BOUNCE(p, t) do {						\
	FIRE(1U << (p), FABRIC_FO_SIG_CARRIER_DOWN, (t));		\
	FIRE(1U << (p), FABRIC_FO_SIG_CARRIER_UP, (t) + MS(1));	\
	ASSERT_EQ(HOLD, STATE(p));					\
} while (0)

TEST(config_defaults)
{
	struct fabric_fo_config c;
	struct fabric_fo_group g;

	fabric_fo_config_default(&c);
	ASSERT_EQ(0, fabric_fo_config_check(&c));
	ASSERT_EQ(3U, c.probe_miss_k);
	ASSERT_EQ(3U, c.recover_probes);
	ASSERT_EQ(2U, c.gap_bursts);
	ASSERT_EQ(MS(10), c.gap_window_ns);
	ASSERT_EQ(US(200), c.stall_tolerance_ns);
	ASSERT_EQ(MS(20), c.local_window_ns);
	ASSERT_EQ(MS(500), c.hold_base_ns);
	ASSERT_EQ(MS(30000), c.hold_max_ns);
	ASSERT_EQ(MS(10000), c.half_life_ns);
	ASSERT_EQ(0, fabric_fo_group_init(&g, &c, FABRIC_FO_MAX_PATHS, 0));
	ASSERT_EQ(0xffffU, fabric_fo_members(&g));
	ASSERT_EQ(0xffffU, fabric_fo_state_mask(&g, UP));
}

TEST(config_rejects_bad_knobs)
{
	struct fabric_fo_config c, ok;
	struct fabric_fo_group g;

	test_cfg(&ok);
	c = ok; c.probe_miss_k = 0;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.recover_probes = 0;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.gap_bursts = 0;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.hold_base_ns = 0;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.hold_max_ns = c.hold_base_ns - 1;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.half_life_ns = 0;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.hold_max_ns = FABRIC_FO_TIME_MAX + 1;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.half_life_ns = FABRIC_FO_TIME_MAX + 1;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.local_window_ns = ~0ULL;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_config_check(&c));
	c = ok; c.hold_base_ns = c.hold_max_ns;
	ASSERT_EQ(0, fabric_fo_config_check(&c));
	c = ok; c.hold_max_ns = FABRIC_FO_TIME_MAX;
	ASSERT_EQ(0, fabric_fo_config_check(&c));

	c = ok; c.probe_miss_k = 0;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_group_init(&g, &c, 2, 0));
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_group_init(&g, &ok, 0, 0));
	ASSERT_EQ(-FABRIC_FO_EINVAL,
		  fabric_fo_group_init(&g, &ok, FABRIC_FO_MAX_PATHS + 1, 0));
	ASSERT_EQ(0, fabric_fo_group_init(&g, &ok, 1, 0));
	ASSERT_EQ(1U, fabric_fo_members(&g));
}

TEST_F(fo, init_state)
{
	__u32 p;

	ASSERT_EQ(3U, self->g.n_paths);
	ASSERT_EQ(0x7U, fabric_fo_members(&self->g));
	ASSERT_EQ(FABRIC_FO_NEVER, fabric_fo_next_deadline(&self->g));
	for (p = 0; p < 3; p++) {
		ASSERT_EQ(UP, STATE(p));
		ASSERT_EQ(1, self->g.path[p].carrier);
		ASSERT_EQ((__u32)FABRIC_FO_R_INIT, ST(p).last_reason);
		ASSERT_EQ(T0, ST(p).last_change_ns);
		ASSERT_EQ(0U, fabric_fo_penalty(&self->g, p, T0));
		ASSERT_EQ(MS(100), fabric_fo_hold_ns(&self->g, p, T0));
	}
	/* A tick with nothing due changes nothing. */
	ASSERT_EQ(0, fabric_fo_tick(&self->g, T0 + MS(5), &self->r));
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(0U, self->r.changed);
	ASSERT_EQ(0x7U, self->r.members);
	ASSERT_EQ(0x7U, self->r.old_members);
}

TEST_F(fo, carrier_down_is_immediate)
{
	/* Carrier is a fact, not an inference: detector lag is irrelevant. */
	FIRE_LAG(0x2, FABRIC_FO_SIG_CARRIER_DOWN, T0 + 10, MS(50));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 1, UP, DOWN, FABRIC_FO_R_CARRIER_DOWN, T0 + 10);
	ASSERT_EQ(0U, self->r.trans[0].flags);
	ASSERT_EQ(0x5U, self->r.members);
	ASSERT_EQ(0x7U, self->r.old_members);
	ASSERT_EQ(1U, self->r.changed);
	ASSERT_EQ(0U, self->r.kept);
	ASSERT_EQ(DOWN, STATE(1));
	ASSERT_EQ(1U, ST(1).failovers);
	ASSERT_EQ(0U, ST(1).flaps);
	ASSERT_EQ(T0 + 10, ST(1).last_change_ns);
	ASSERT_EQ((__u32)FABRIC_FO_R_CARRIER_DOWN, ST(1).last_reason);
	ASSERT_EQ(U, fabric_fo_penalty(&self->g, 1, T0 + 10));
	ASSERT_EQ(0U, ST(0).failovers);

	/* A second carrier-down on a DOWN path is not another failover. */
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, T0 + 20);
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(0U, self->r.changed);
	ASSERT_EQ(1U, ST(1).failovers);
}

TEST_F(fo, recover_holddown_then_up)
{
	__u64 t = T0 + MS(3), dl;

	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, T0);
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t);
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, DOWN, HOLD, FABRIC_FO_R_CARRIER_UP, t);
	/* HOLDDOWN is not installed while UP paths exist. */
	ASSERT_EQ(0x6U, self->r.members);
	ASSERT_EQ(0U, self->r.changed);

	dl = fabric_fo_next_deadline(&self->g);
	ASSERT_EQ(t + MS(100), dl);
	ASSERT_EQ(dl, self->g.path[0].hold_until_ns);

	ASSERT_EQ(0, fabric_fo_tick(&self->g, dl - 1, &self->r));
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(HOLD, STATE(0));

	ASSERT_EQ(0, fabric_fo_tick(&self->g, dl, &self->r));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, HOLD, UP, FABRIC_FO_R_HOLD_EXPIRED, dl);
	ASSERT_EQ(0x7U, self->r.members);
	ASSERT_EQ(1U, self->r.changed);
	ASSERT_EQ(1U, ST(0).restores);
	ASSERT_EQ(1U, ST(0).failovers);
	ASSERT_EQ(FABRIC_FO_NEVER, fabric_fo_next_deadline(&self->g));
}

TEST_F(fo, k_consecutive_misses)
{
	__u64 t = T0;

	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	ASSERT_EQ(2U, self->g.path[0].miss_run);
	ASSERT_EQ(UP, STATE(0));
	/* An answer resets the run. */
	FIRE(0x1, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	ASSERT_EQ(0U, self->g.path[0].miss_run);
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	/* Misses on other paths do not add to path 0's run. */
	FIRE(0x6, FABRIC_FO_SIG_PROBE_MISS, t += US(1));
	FIRE(0x6, FABRIC_FO_SIG_PROBE_OK, t += US(1));
	ASSERT_EQ(UP, STATE(0));
	ASSERT_EQ(0U, self->r.n_trans);
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, UP, DOWN, FABRIC_FO_R_PROBE_LOSS, t);
	ASSERT_EQ(0x6U, self->r.members);
	ASSERT_EQ(1U, self->g.path[0].soft_fail);
	ASSERT_EQ(1U, ST(0).failovers);
}

TEST_F(fo, stalled_detector_is_not_evidence)
{
	__u64 t = T0, tol = self->cfg.stall_tolerance_ns;
	int i;

	for (i = 0; i < 10; i++)
		FIRE_LAG(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100), tol + 1);
	ASSERT_EQ(UP, STATE(0));
	ASSERT_EQ(10U, ST(0).ignored_stalled);
	ASSERT_EQ(0U, self->g.path[0].miss_run);
	ASSERT_EQ(0U, ST(0).failovers);

	/* A stalled miss neither counts nor resets the run. */
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	FIRE_LAG(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100), MS(30));
	ASSERT_EQ(2U, self->g.path[0].miss_run);
	ASSERT_EQ(UP, STATE(0));
	ASSERT_EQ(11U, ST(0).ignored_stalled);
	/* Lag exactly at the tolerance still counts. */
	FIRE_LAG(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100), tol);
	ASSERT_EQ(DOWN, STATE(0));
	ASSERT_TRANS(0, 0, UP, DOWN, FABRIC_FO_R_PROBE_LOSS, t);

	/* Same rule for passive signals. */
	FIRE_LAG(0x2, FABRIC_FO_SIG_SILENCE, t += US(1), tol + 1);
	FIRE_LAG(0x2, FABRIC_FO_SIG_GAP_BURST, t += US(1), tol + 1);
	FIRE_LAG(0x2, FABRIC_FO_SIG_GAP_BURST, t += US(1), tol + 1);
	ASSERT_EQ(UP, STATE(1));
	ASSERT_EQ(3U, ST(1).ignored_stalled);
}

TEST_F(fo, soft_failure_needs_probe_answers)
{
	__u64 t = T0;
	int i;

	for (i = 0; i < 3; i++)
		FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	ASSERT_EQ(DOWN, STATE(0));
	/* Carrier was never lost: carrier-up proves nothing here. */
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t += US(100));
	ASSERT_EQ(DOWN, STATE(0));
	/* recover_probes = 2 consecutive answers; a miss restarts them. */
	FIRE(0x1, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	ASSERT_EQ(DOWN, STATE(0));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	ASSERT_EQ(DOWN, STATE(0));
	ASSERT_EQ(0U, self->r.n_trans);
	FIRE(0x1, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, DOWN, HOLD, FABRIC_FO_R_PROBE_OK, t);
	ASSERT_EQ(0U, self->g.path[0].soft_fail);
	ASSERT_EQ(t + MS(100), fabric_fo_next_deadline(&self->g));
}

TEST_F(fo, carrier_recovery_after_probe_loss_during_outage)
{
	__u64 t = T0;
	int i;

	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, t);
	/* Probes keep missing while the link is down... */
	for (i = 0; i < 3; i++)
		FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	/* ...so carrier alone is not enough: probes must answer too. */
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t += US(100));
	ASSERT_EQ(DOWN, STATE(0));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	ASSERT_TRANS(0, 0, DOWN, HOLD, FABRIC_FO_R_PROBE_OK, t);
	/* Probe answers cannot beat a dead carrier. */
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, t += US(100));
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += US(100));
	ASSERT_EQ(DOWN, STATE(1));
}

TEST_F(fo, holddown_fails_again)
{
	__u64 t = T0;
	int i;

	BOUNCE(0, t);
	t += MS(2);
	for (i = 0; i < 3; i++)
		FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, HOLD, DOWN, FABRIC_FO_R_PROBE_LOSS, t);
	ASSERT_EQ(FABRIC_FO_TF_FLAP, self->r.trans[0].flags);
	/* It was not installed: no failover, but a flap. */
	ASSERT_EQ(1U, ST(0).failovers);
	ASSERT_EQ(1U, ST(0).flaps);
	ASSERT_EQ(0U, self->r.changed);
	ASSERT_EQ(FABRIC_FO_NEVER, fabric_fo_next_deadline(&self->g));

	BOUNCE(1, t += MS(1));
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, t += MS(5));
	ASSERT_TRANS(0, 1, HOLD, DOWN, FABRIC_FO_R_CARRIER_DOWN, t);
	ASSERT_EQ(1U, ST(1).flaps);
}

TEST_F(fo, gap_bursts_within_window)
{
	__u64 t = T0, w = self->cfg.gap_window_ns;

	FIRE(0x1, FABRIC_FO_SIG_GAP_BURST, t);
	ASSERT_EQ(UP, STATE(0));
	/* Second burst after the window: starts a new count. */
	FIRE(0x1, FABRIC_FO_SIG_GAP_BURST, t += w + 1);
	ASSERT_EQ(UP, STATE(0));
	ASSERT_EQ(1U, self->g.path[0].gap_count);
	FIRE(0x1, FABRIC_FO_SIG_GAP_BURST, t += w);
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, UP, DOWN, FABRIC_FO_R_GAP_BURST, t);
	ASSERT_EQ(0x6U, self->r.members);
}

TEST_F(fo, silence_takes_path_down)
{
	FIRE(0x4, FABRIC_FO_SIG_SILENCE, T0 + 7);
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 2, UP, DOWN, FABRIC_FO_R_SILENCE, T0 + 7);
	ASSERT_EQ(0x3U, self->r.members);
	ASSERT_EQ(1U, self->g.path[2].soft_fail);
}

TEST_F(fo, dampening_doubles_and_caps)
{
	static const __u64 want[] = { 100, 200, 400, 800, 1600, 1600, 1600 };
	__u64 t = T0;
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		BOUNCE(0, t);
		t += MS(1);
		ASSERT_EQ(MS(want[i]), self->g.path[0].hold_until_ns - t);
		ASSERT_EQ(i, ST(0).flaps);
		ASSERT_LE(self->g.path[0].penalty, self->g.penalty_max);
		t += MS(1);
	}
	ASSERT_EQ(1U, ST(0).failovers);
	/* base 100 ms -> max 1600 ms is 4 doublings: cap 4 + 2 units. */
	ASSERT_EQ(6 * U, self->g.penalty_max);
	ASSERT_EQ(6 * U, self->g.path[0].penalty);
}

TEST_F(fo, dampening_decays)
{
	__u64 h = self->cfg.half_life_ns, t, f;
	__u32 prev, pen;
	int i;

	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, T0);
	f = T0;
	ASSERT_EQ(U, fabric_fo_penalty(&self->g, 0, f));
	ASSERT_EQ(U / 2, fabric_fo_penalty(&self->g, 0, f + h));
	ASSERT_EQ(U / 4, fabric_fo_penalty(&self->g, 0, f + 2 * h));
	/* 1024 * 2^-0.5 = 724.08 */
	ASSERT_EQ(724U, fabric_fo_penalty(&self->g, 0, f + h / 2));
	/* 1024 * 2^-1.5 = 362.04 */
	ASSERT_EQ(362U, fabric_fo_penalty(&self->g, 0, f + h + h / 2));
	/* Never increases, reaches 0, and huge gaps do not overflow. */
	prev = U;
	for (i = 0; i <= 4000; i++) {
		pen = fabric_fo_penalty(&self->g, 0, f + (__u64)i * h / 100);
		ASSERT_LE(pen, prev);
		prev = pen;
	}
	ASSERT_EQ(0U, prev);
	ASSERT_EQ(0U, fabric_fo_penalty(&self->g, 0, f + (1ULL << 62)));
	/* Time slightly behind the stamp (another CPU): no decay, no wrap. */
	ASSERT_EQ(U, fabric_fo_penalty(&self->g, 0, f - 5));

	/* Flap quickly up to the cap... */
	t = T0 + MS(2);
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t);
	for (i = 0; i < 6; i++)
		BOUNCE(0, t += MS(2));
	ASSERT_EQ(MS(1600), fabric_fo_hold_ns(&self->g, 0, t + MS(1)));
	/* ...then one half-life forgives half the penalty (6 -> 3 units). */
	ASSERT_EQ(MS(400), fabric_fo_hold_ns(&self->g, 0, t + MS(1) + h));
	ASSERT_EQ(MS(100), fabric_fo_hold_ns(&self->g, 0, t + MS(1) + 3 * h));

	/* A failure after long quiet is not a flap and gets the base. */
	t += 10 * h;
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, t);
	ASSERT_EQ(0U, self->r.trans[self->r.n_trans - 1].flags);
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t + 1);
	ASSERT_EQ(MS(100), self->g.path[0].hold_until_ns - (t + 1));
}

TEST_F(fo, flap_window_is_one_half_life)
{
	__u64 h = self->cfg.half_life_ns, t = T0;
	__u32 i;

	/* Second failure within a half-life: flap, hold doubles. */
	BOUNCE(0, t);
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, t += h - MS(10));
	/* trans[0] is the hold-down expiry, trans[1] the failure. */
	ASSERT_TRANS(1, 0, UP, DOWN, FABRIC_FO_R_CARRIER_DOWN, t);
	ASSERT_EQ(FABRIC_FO_TF_FLAP, self->r.trans[1].flags);
	ASSERT_EQ(1U, ST(0).flaps);
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t);
	ASSERT_EQ(MS(200), self->g.path[0].hold_until_ns - t);

	/* Failure 1.5 half-lives after the previous one: no flap. */
	BOUNCE(1, t);
	ASSERT_EQ(0, fabric_fo_tick(&self->g, t + h, &self->r));
	ASSERT_EQ(UP, STATE(1));
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, t += h + h / 2);
	for (i = 0; i < self->r.n_trans; i++)
		if (self->r.trans[i].path == 1)
			ASSERT_EQ(0U, self->r.trans[i].flags);
	ASSERT_EQ(0U, ST(1).flaps);
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_UP, t);
	ASSERT_EQ(MS(100), self->g.path[1].hold_until_ns - t);
}

TEST(hold_math_extremes)
{
	struct fabric_fo_config c;
	struct fabric_fo_group g;
	struct fabric_fo_event ev = { .paths = 1 };
	__u64 t = 1, hold, prev = 0;
	int i;

	/* 1 ns base, 2^48 ns cap: 48 doublings, then flat at the cap. */
	test_cfg(&c);
	c.hold_base_ns = 1;
	c.hold_max_ns = FABRIC_FO_TIME_MAX;
	c.half_life_ns = FABRIC_FO_TIME_MAX;
	ASSERT_EQ(0, fabric_fo_group_init(&g, &c, 2, t));
	ASSERT_EQ(50 * U, g.penalty_max);
	for (i = 0; i < 60; i++) {
		ev.signal = FABRIC_FO_SIG_CARRIER_DOWN;
		ev.now_ns = ++t;
		ASSERT_EQ(0, fabric_fo_event(&g, &ev, NULL));
		hold = fabric_fo_hold_ns(&g, 0, t);
		ASSERT_LE(hold, FABRIC_FO_TIME_MAX);
		ASSERT_LE(prev, hold);
		if (i < 48)	/* tiny decay over 1 ns: exact doubling */
			ASSERT_EQ(1ULL << i, hold);
		prev = hold;
		ev.signal = FABRIC_FO_SIG_CARRIER_UP;
		ev.now_ns = ++t;
		ASSERT_EQ(0, fabric_fo_event(&g, &ev, NULL));
		ASSERT_EQ(t + hold, g.path[0].hold_until_ns);
	}
	ASSERT_EQ(FABRIC_FO_TIME_MAX, prev);
	ASSERT_EQ(50 * U, g.path[0].penalty);

	/* base == max: dampening cannot grow anything. */
	test_cfg(&c);
	c.hold_base_ns = c.hold_max_ns = MS(7);
	ASSERT_EQ(0, fabric_fo_group_init(&g, &c, 2, 0));
	ASSERT_EQ(2 * U, g.penalty_max);
	for (i = 0; i < 5; i++) {
		ev.signal = FABRIC_FO_SIG_CARRIER_DOWN;
		ev.now_ns = ++t;
		ASSERT_EQ(0, fabric_fo_event(&g, &ev, NULL));
		ASSERT_EQ(MS(7), fabric_fo_hold_ns(&g, 0, t));
		ev.signal = FABRIC_FO_SIG_CARRIER_UP;
		ASSERT_EQ(0, fabric_fo_event(&g, &ev, NULL));
	}
}

TEST_F(fo, last_path_really_fails)
{
	__u64 t = T0;

	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	ASSERT_EQ(0x4U, self->r.members);
	FIRE(0x4, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	/* Reported DOWN, flagged KEPT, and still installed. */
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 2, UP, DOWN, FABRIC_FO_R_CARRIER_DOWN, t);
	ASSERT_EQ(FABRIC_FO_TF_KEPT, self->r.trans[0].flags);
	ASSERT_EQ(0x4U, self->r.members);
	ASSERT_EQ(0U, self->r.changed);
	ASSERT_EQ(0x4U, self->r.kept);
	ASSERT_EQ(1U, ST(2).failovers);
	ASSERT_EQ(1U, ST(2).kept);
	ASSERT_EQ(1U, self->g.last_path_kept);
	ASSERT_EQ(0U, fabric_fo_state_mask(&self->g, UP));

	/* More bad news changes nothing: the group never goes empty. */
	FIRE(0x7, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	ASSERT_EQ(0x4U, self->r.members);

	/* A recovering path beats the dead one, even during its hold-down. */
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t += 1);
	ASSERT_TRANS(0, 0, DOWN, HOLD, FABRIC_FO_R_CARRIER_UP, t);
	ASSERT_EQ(0x1U, self->r.members);
	ASSERT_EQ(1U, self->r.changed);
	ASSERT_EQ(0x1U, self->r.kept);
	ASSERT_EQ(0, fabric_fo_tick(&self->g, t + MS(100), &self->r));
	ASSERT_EQ(0x1U, self->r.members);
	ASSERT_EQ(0U, self->r.changed);
	ASSERT_EQ(0U, self->r.kept);
	ASSERT_EQ(UP, STATE(0));

	/*
	 * Path 0 fails again while path 1 recovers: the recovering path is
	 * installed and path 0 withdrawn, not kept (a flap, though).
	 */
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_UP, t += MS(200));
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	ASSERT_TRANS(0, 0, UP, DOWN, FABRIC_FO_R_CARRIER_DOWN, t);
	ASSERT_EQ(FABRIC_FO_TF_FLAP, self->r.trans[0].flags);
	ASSERT_EQ(0x2U, self->r.members);
	ASSERT_EQ(0x2U, self->r.kept);
	ASSERT_EQ(1U, self->g.last_path_kept);
}

TEST(single_path_group)
{
	struct fabric_fo_config c;
	struct fabric_fo_group g;
	struct fabric_fo_result r;
	int i;

	test_cfg(&c);
	ASSERT_EQ(0, fabric_fo_group_init(&g, &c, 1, 0));
	for (i = 1; i <= 3; i++)
		ASSERT_EQ(0, fire(&g, &r, 1, FABRIC_FO_SIG_PROBE_MISS, i, 0));
	/* No witness: not local, a real failure, but the path is kept. */
	ASSERT_EQ(DOWN, g.path[0].state);
	ASSERT_EQ(FABRIC_FO_TF_KEPT, r.trans[0].flags);
	ASSERT_EQ(1U, r.members);
	ASSERT_EQ(0U, g.path[0].st.ignored_local);
	ASSERT_EQ(-FABRIC_FO_EBUSY, fabric_fo_drain(&g, 0, 4, &r));
	ASSERT_EQ(1U, g.drain_refused);
	ASSERT_EQ(0, g.path[0].drained);
	ASSERT_EQ(1U, r.members);
}

TEST_F(fo, all_paths_at_once_is_local)
{
	__u64 t = T0;
	__u32 p;
	int i;

	for (i = 0; i < 5; i++) {
		FIRE(0x7, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
		ASSERT_EQ(0U, self->r.n_trans);
		ASSERT_EQ(0x7U, self->r.members);
		ASSERT_EQ(i >= 2 ? 0x7U : 0U, self->r.suppressed);
	}
	for (p = 0; p < 3; p++) {
		ASSERT_EQ(UP, STATE(p));
		ASSERT_EQ(3U, ST(p).ignored_local);
		ASSERT_EQ(0U, ST(p).failovers);
	}
	ASSERT_EQ(3U, self->g.local_events);

	/* Paths 1 and 2 answer again: path 0's next miss is its own. */
	FIRE(0x6, FABRIC_FO_SIG_PROBE_OK, t += US(10));
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, UP, DOWN, FABRIC_FO_R_PROBE_LOSS, t);
	ASSERT_EQ(0x6U, self->r.members);

	/* Silence everywhere at once (our sender stopped): local too. */
	FIRE(0x6, FABRIC_FO_SIG_SILENCE, t += US(100));
	ASSERT_EQ(0x6U, self->r.suppressed);
	ASSERT_EQ(0x6U, self->r.members);
}

TEST_F(fo, lockstep_misses_on_every_path_are_local)
{
	__u64 t = T0;
	int round, p;

	/* Per-path events, as a probe engine delivers them. */
	for (round = 0; round < 6; round++)
		for (p = 0; p < 3; p++) {
			FIRE(1U << p, FABRIC_FO_SIG_PROBE_MISS, t += US(30));
			ASSERT_EQ(0U, self->r.n_trans);
		}
	ASSERT_EQ(0x7U, fabric_fo_state_mask(&self->g, UP));
	ASSERT_EQ(4U, ST(1).ignored_local);
}

TEST_F(fo, local_window_expires)
{
	__u64 t = T0;

	/* Old bad news on 1 and 2 is not corroboration. */
	FIRE(0x6, FABRIC_FO_SIG_PROBE_MISS, t);
	t += self->cfg.local_window_ns + 1;
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t++);
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t++);
	FIRE(0x1, FABRIC_FO_SIG_PROBE_MISS, t);
	ASSERT_TRANS(0, 0, UP, DOWN, FABRIC_FO_R_PROBE_LOSS, t);
	ASSERT_EQ(0U, ST(0).ignored_local);
}

TEST_F(fo, two_of_three_fail)
{
	__u64 t = T0;
	int i;

	FIRE(0x4, FABRIC_FO_SIG_PROBE_OK, t);
	for (i = 0; i < 3; i++)
		FIRE(0x3, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	ASSERT_EQ(2U, self->r.n_trans);
	ASSERT_TRANS(0, 0, UP, DOWN, FABRIC_FO_R_PROBE_LOSS, t);
	ASSERT_TRANS(1, 1, UP, DOWN, FABRIC_FO_R_PROBE_LOSS, t);
	ASSERT_EQ(0x4U, self->r.members);
	ASSERT_EQ(0U, self->r.suppressed);
	ASSERT_EQ(0U, self->r.kept);
}

TEST_F(fo, holddown_path_is_a_witness)
{
	__u64 t = T0;
	int i;

	BOUNCE(0, t);
	FIRE(0x1, FABRIC_FO_SIG_PROBE_OK, t += MS(2));
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	for (i = 0; i < 3; i++)
		FIRE(0x4, FABRIC_FO_SIG_PROBE_MISS, t += US(100));
	/* Path 0's probes work, so path 2's loss is real. */
	ASSERT_TRANS(0, 2, UP, DOWN, FABRIC_FO_R_PROBE_LOSS, t);
	ASSERT_EQ(0U, self->r.trans[0].flags);
	ASSERT_EQ(0x1U, self->r.members);
	ASSERT_EQ(0x1U, self->r.kept);
	ASSERT_EQ(0U, self->g.last_path_kept);
}

TEST_F(fo, drain_and_undrain)
{
	__u64 t = T0;

	ASSERT_EQ(0, fabric_fo_drain(&self->g, 1, t += 1, &self->r));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 1, UP, DOWN, FABRIC_FO_R_ADMIN_DRAIN, t);
	ASSERT_EQ(0x5U, self->r.members);
	ASSERT_EQ(1U, self->r.changed);
	ASSERT_EQ(0U, ST(1).failovers);
	ASSERT_EQ(1U, ST(1).drains);
	ASSERT_EQ(0U, fabric_fo_penalty(&self->g, 1, t));
	/* Draining again is a no-op. */
	ASSERT_EQ(0, fabric_fo_drain(&self->g, 1, t += 1, &self->r));
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(1U, ST(1).drains);

	/* Health evidence does not undo a drain. */
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_UP, t += 1);
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += 1);
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += 1);
	ASSERT_EQ(DOWN, STATE(1));
	ASSERT_EQ(0x5U, self->r.members);

	ASSERT_EQ(0, fabric_fo_undrain(&self->g, 1, t += 1, &self->r));
	ASSERT_TRANS(0, 1, DOWN, HOLD, FABRIC_FO_R_ADMIN_UNDRAIN, t);
	ASSERT_EQ(t + MS(100), fabric_fo_next_deadline(&self->g));
	ASSERT_EQ(0, fabric_fo_undrain(&self->g, 1, t += 1, &self->r));
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(0, fabric_fo_tick(&self->g, t + MS(100), &self->r));
	ASSERT_EQ(0x7U, self->r.members);
	ASSERT_EQ(1U, ST(1).restores);

	/* Draining a HOLDDOWN path: DOWN, no penalty, no flap. */
	BOUNCE(2, t += MS(200));
	ASSERT_EQ(0, fabric_fo_drain(&self->g, 2, t += MS(2), &self->r));
	ASSERT_TRANS(0, 2, HOLD, DOWN, FABRIC_FO_R_ADMIN_DRAIN, t);
	ASSERT_EQ(0U, self->r.trans[0].flags);
	ASSERT_EQ(0U, ST(2).flaps);

	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_drain(&self->g, 3, t, NULL));
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_undrain(&self->g, 99, t, NULL));
}

TEST_F(fo, undrain_of_failed_path_waits_for_recovery)
{
	__u64 t = T0;

	ASSERT_EQ(0, fabric_fo_drain(&self->g, 0, t += 1, &self->r));
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(0U, ST(0).failovers);
	ASSERT_EQ(0, fabric_fo_undrain(&self->g, 0, t += 1, &self->r));
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(DOWN, STATE(0));
	ASSERT_EQ(0, self->g.path[0].drained);
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_UP, t += 1);
	ASSERT_TRANS(0, 0, DOWN, HOLD, FABRIC_FO_R_CARRIER_UP, t);
}

TEST_F(fo, drain_refused_when_group_would_empty)
{
	__u64 t = T0;
	struct fabric_fo_group before;

	/* Path 2 dead, path 0 drained: path 1 is the only live member. */
	FIRE(0x4, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	ASSERT_EQ(0, fabric_fo_drain(&self->g, 0, t += 1, &self->r));
	ASSERT_EQ(0x2U, self->r.members);
	before = self->g;
	ASSERT_EQ(-FABRIC_FO_EBUSY, fabric_fo_drain(&self->g, 1, t += 1,
						    &self->r));
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(0x2U, self->r.members);
	ASSERT_EQ(UP, STATE(1));
	ASSERT_EQ(0, self->g.path[1].drained);
	ASSERT_EQ(1U, self->g.drain_refused);
	self->g.drain_refused = before.drain_refused;
	ASSERT_EQ(0, memcmp(&before, &self->g, sizeof(before)));

	/* Draining the dead non-member is fine. */
	ASSERT_EQ(0, fabric_fo_drain(&self->g, 2, t += 1, &self->r));
	ASSERT_EQ(0U, self->r.n_trans);
	ASSERT_EQ(1, self->g.path[2].drained);

	/* With every path drained but one, that one can never be drained. */
	ASSERT_EQ(-FABRIC_FO_EBUSY, fabric_fo_drain(&self->g, 1, t += 1, NULL));
	/* The kept last path (DOWN) cannot be drained away either. */
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	ASSERT_EQ(0x2U, self->r.members);
	ASSERT_EQ(-FABRIC_FO_EBUSY, fabric_fo_drain(&self->g, 1, t += 1, NULL));
	/* The first refusal was rewound above for the memcmp. */
	ASSERT_EQ(2U, self->g.drain_refused);
}

TEST_F(fo, deadlines)
{
	__u64 t = T0, t0, t1;

	ASSERT_EQ(FABRIC_FO_NEVER, fabric_fo_next_deadline(&self->g));
	/* Path 1 flaps first so its hold is twice as long. */
	BOUNCE(1, t);
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_DOWN, t += MS(2));
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_UP, t += MS(1));
	t1 = t + MS(200);
	BOUNCE(0, t += MS(1));
	t0 = t + MS(1) + MS(100);
	ASSERT_LT(t0, t1);
	ASSERT_EQ(t0, fabric_fo_next_deadline(&self->g));

	ASSERT_EQ(0, fabric_fo_tick(&self->g, t0, &self->r));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 0, HOLD, UP, FABRIC_FO_R_HOLD_EXPIRED, t0);
	ASSERT_EQ(t1, fabric_fo_next_deadline(&self->g));

	/* Any call past a deadline expires it first, even without a tick. */
	FIRE(0x4, FABRIC_FO_SIG_PROBE_OK, t1 + 5);
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_TRANS(0, 1, HOLD, UP, FABRIC_FO_R_HOLD_EXPIRED, t1 + 5);
	ASSERT_EQ(FABRIC_FO_NEVER, fabric_fo_next_deadline(&self->g));
}

TEST_F(fo, expire_and_fail_in_one_call)
{
	__u64 t = T0, dl;

	BOUNCE(0, t);
	dl = fabric_fo_next_deadline(&self->g);
	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, dl + 1);
	ASSERT_EQ(2U, self->r.n_trans);
	ASSERT_TRANS(0, 0, HOLD, UP, FABRIC_FO_R_HOLD_EXPIRED, dl + 1);
	ASSERT_TRANS(1, 0, UP, DOWN, FABRIC_FO_R_CARRIER_DOWN, dl + 1);
	ASSERT_EQ(FABRIC_FO_TF_FLAP, self->r.trans[1].flags);
	ASSERT_EQ(2U, ST(0).failovers);
	ASSERT_EQ(1U, ST(0).restores);
	ASSERT_EQ(0x6U, self->r.members);
	ASSERT_EQ(0U, self->r.changed);
}

TEST_F(fo, set_config_on_a_live_group)
{
	struct fabric_fo_group before;
	struct fabric_fo_config c = self->cfg;
	__u64 t = T0;
	int i;

	/* Flap path 0 up to the cap (6 units for 100 ms .. 1600 ms). */
	for (i = 0; i < 6; i++, t += MS(2))
		BOUNCE(0, t);
	ASSERT_EQ(6 * U, self->g.path[0].penalty);

	before = self->g;
	c.hold_base_ns = 0;
	ASSERT_EQ(-FABRIC_FO_EINVAL, fabric_fo_set_config(&self->g, &c));
	ASSERT_EQ(0, memcmp(&before, &self->g, sizeof(before)));

	/* 100 ms .. 200 ms is one doubling: the cap drops to 3 units and
	 * the penalty is clipped; states and counters stay. */
	c = self->cfg;
	c.hold_max_ns = MS(200);
	ASSERT_EQ(0, fabric_fo_set_config(&self->g, &c));
	ASSERT_EQ(3 * U, self->g.penalty_max);
	ASSERT_EQ(3 * U, self->g.path[0].penalty);
	ASSERT_EQ(HOLD, STATE(0));
	ASSERT_EQ(before.path[0].hold_until_ns, self->g.path[0].hold_until_ns);
	ASSERT_EQ(before.path[0].st.flaps, ST(0).flaps);
	/* The next recovery gets the new, shorter maximum. */
	BOUNCE(0, t);
	ASSERT_EQ(MS(200), self->g.path[0].hold_until_ns - (t + MS(1)));
}

TEST_F(fo, invalid_events_change_nothing)
{
	struct fabric_fo_group before = self->g;

	ASSERT_EQ(-FABRIC_FO_EINVAL, fire(&self->g, &self->r, 0x1,
					  FABRIC_FO_SIG_MAX, T0, 0));
	ASSERT_EQ(-FABRIC_FO_EINVAL, fire(&self->g, &self->r, 0,
					  FABRIC_FO_SIG_CARRIER_DOWN, T0, 0));
	ASSERT_EQ(-FABRIC_FO_EINVAL, fire(&self->g, &self->r, 0x9,
					  FABRIC_FO_SIG_CARRIER_DOWN, T0, 0));
	ASSERT_EQ(0, memcmp(&before, &self->g, sizeof(before)));
}

TEST(names)
{
	const char *(*fn[3])(__u32) = {
		fabric_fo_state_name, fabric_fo_reason_name,
		fabric_fo_signal_name,
	};
	const __u32 n[3] = { FABRIC_FO_STATE_MAX, FABRIC_FO_R_MAX,
			     FABRIC_FO_SIG_MAX };
	__u32 k, i, j;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < n[k]; i++) {
			ASSERT_NE(NULL, fn[k](i));
			ASSERT_NE(0U, strlen(fn[k](i)));
			ASSERT_STRNE("unknown", fn[k](i));
			for (j = 0; j < i; j++)
				ASSERT_STRNE(fn[k](j), fn[k](i));
		}
		ASSERT_STREQ("unknown", fn[k](n[k]));
		ASSERT_STREQ("unknown", fn[k](~0U));
	}
	ASSERT_STREQ("holddown", fabric_fo_state_name(FABRIC_FO_HOLDDOWN));
	ASSERT_STREQ("probe-loss", fabric_fo_reason_name(FABRIC_FO_R_PROBE_LOSS));
}

/* Deterministic pseudo-random walk; checks the group invariants always. */
static __u32 lcg(__u64 *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (__u32)(*s >> 33);
}

/* Mostly one path at a time, sometimes all of them (a local event). */
static __u32 walk_mask(__u64 *s, __u32 all)
{
	__u32 x = lcg(s);

	if (x % 8 == 0)
		return all;
	if (x % 8 == 1)
		return (lcg(s) % all) + 1;
	return 1U << (lcg(s) % 5);
}

/* Healthy-leaning mix, so paths also recover and get restored. */
static __u32 walk_signal(__u64 *s)
{
	static const __u8 mix[20] = {
		FABRIC_FO_SIG_PROBE_OK, FABRIC_FO_SIG_PROBE_OK,
		FABRIC_FO_SIG_PROBE_OK, FABRIC_FO_SIG_PROBE_OK,
		FABRIC_FO_SIG_PROBE_OK, FABRIC_FO_SIG_PROBE_OK,
		FABRIC_FO_SIG_PROBE_OK, FABRIC_FO_SIG_PROBE_OK,
		FABRIC_FO_SIG_PROBE_MISS, FABRIC_FO_SIG_PROBE_MISS,
		FABRIC_FO_SIG_PROBE_MISS, FABRIC_FO_SIG_PROBE_MISS,
		FABRIC_FO_SIG_PROBE_MISS, FABRIC_FO_SIG_CARRIER_UP,
		FABRIC_FO_SIG_CARRIER_UP, FABRIC_FO_SIG_CARRIER_UP,
		FABRIC_FO_SIG_CARRIER_DOWN, FABRIC_FO_SIG_GAP_BURST,
		FABRIC_FO_SIG_GAP_BURST, FABRIC_FO_SIG_SILENCE,
	};

	return mix[lcg(s) % 20];
}

TEST(random_walk_invariants)
{
	struct fabric_fo_config c;
	struct fabric_fo_group g;
	struct fabric_fo_result r;
	__u64 seed = 42, t = MS(1);
	__u32 all = 0x1f, step, p, i, up, drained, prev, entered = 0;
	__u64 restores;
	int rc;

	test_cfg(&c);
	c.half_life_ns = MS(50);
	ASSERT_EQ(0, fabric_fo_group_init(&g, &c, 5, t));
	for (step = 0; step < 200000; step++) {
		__u32 x = lcg(&seed);

		t += x % (x % 16 ? US(3000) : MS(400));
		prev = g.members;
		switch (x % 11) {
		case 0:
			rc = fabric_fo_drain(&g, lcg(&seed) % 5, t, &r);
			ASSERT_TRUE(rc == 0 || rc == -FABRIC_FO_EBUSY);
			break;
		case 1:
			ASSERT_EQ(0, fabric_fo_undrain(&g, lcg(&seed) % 5, t, &r));
			break;
		case 2:
			ASSERT_EQ(0, fabric_fo_tick(&g, t, &r));
			break;
		default:
			ASSERT_EQ(0, fire(&g, &r, walk_mask(&seed, all),
					  walk_signal(&seed), t,
					  lcg(&seed) % 4 ? 0 : US(300)));
		}
		up = drained = 0;
		for (p = 0; p < 5; p++) {
			if (g.path[p].state == UP)
				up |= 1U << p;
			if (g.path[p].drained) {
				drained |= 1U << p;
				ASSERT_EQ(DOWN, g.path[p].state);
			}
			ASSERT_LE(g.path[p].penalty, g.penalty_max);
			if (g.path[p].state == HOLD)
				ASSERT_LE(g.path[p].hold_until_ns - t,
					  c.hold_max_ns);
		}
		ASSERT_NE(0U, r.members);
		ASSERT_EQ(r.members, g.members);
		ASSERT_EQ(prev, r.old_members);
		ASSERT_EQ((__u32)(r.members != prev), r.changed);
		ASSERT_EQ(0U, r.members & ~all);
		ASSERT_EQ(0U, r.members & drained);
		ASSERT_NE(all, drained);
		if (up & ~drained)
			ASSERT_EQ(up & ~drained, r.members);
		ASSERT_EQ(r.members & ~up, r.kept);
		ASSERT_EQ(0U, r.lost);
		for (i = 0; i < r.n_trans; i++) {
			struct fabric_fo_transition *tr = &r.trans[i];

			ASSERT_NE(tr->from, tr->to);
			ASSERT_LT(tr->to, FABRIC_FO_STATE_MAX);
			ASSERT_LT(tr->reason, FABRIC_FO_R_MAX);
			ASSERT_EQ(t, tr->time_ns);
			/* Only DOWN -> HOLDDOWN -> UP leads back up. */
			if (tr->to == UP)
				ASSERT_EQ(HOLD, tr->from);
			if (tr->to == HOLD) {
				ASSERT_EQ(DOWN, tr->from);
				entered++;
			}
		}
	}
	restores = 0;
	for (p = 0; p < 5; p++)
		restores += g.path[p].st.restores;
	ASSERT_LE(restores, entered);
	ASSERT_NE(0U, entered);
	ASSERT_NE(0U, (__u32)restores);
	/* The walk must have reached the group rules, not just one path. */
	ASSERT_NE(0U, (__u32)g.last_path_kept);
	ASSERT_NE(0U, (__u32)g.local_events);
	ASSERT_NE(0U, (__u32)g.drain_refused);
	TH_LOG("%u entries into holddown, %llu restores, %llu kept, %llu local",
	       entered, (unsigned long long)restores,
	       (unsigned long long)g.last_path_kept,
	       (unsigned long long)g.local_events);
}

TEST_HARNESS_MAIN
