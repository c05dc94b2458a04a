// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The failover policy's gray signal (common/failover.c): GRAY takes a path
 * down like a hard failure (flap dampening, the last-path rule), probe
 * answers and carrier cannot bring it back, GRAY_CLEAR does (through the
 * hold-down), and it composes with an operator drain.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "failover.h"

#define MS(x)	((__u64)(x) * 1000000ULL)
#define T0	MS(1000)

#define UP	FABRIC_FO_UP
#define DOWN	FABRIC_FO_DOWN
#define HOLD	FABRIC_FO_HOLDDOWN

static int fire(struct fabric_fo_group *g, struct fabric_fo_result *r,
		__u32 mask, __u32 sig, __u64 now, __u64 lag)
{
	struct fabric_fo_event ev = {
		.now_ns = now, .lag_ns = lag, .paths = mask, .signal = sig,
	};

	return fabric_fo_event(g, &ev, r);
}

FIXTURE(gray) {
	struct fabric_fo_config cfg;
	struct fabric_fo_group g;
	struct fabric_fo_result r;
};

FIXTURE_SETUP(gray)
{
	fabric_fo_config_default(&self->cfg);
	self->cfg.recover_probes = 2;
	self->cfg.hold_base_ns = MS(100);
	self->cfg.hold_max_ns = MS(1600);
	self->cfg.half_life_ns = MS(1000);
	ASSERT_EQ(0, fabric_fo_group_init(&self->g, &self->cfg, 3, T0));
}

FIXTURE_TEARDOWN(gray)
{
}

#define FIRE(m, s, t)	ASSERT_EQ(0, fire(&self->g, &self->r, (m), (s), (t), 0))
#define STATE(p)	(self->g.path[p].state)

TEST_F(gray, drain_holds_until_clear)
{
	__u64 t = T0;

	/* A stalled detector does not matter: the verdict is statistical. */
	ASSERT_EQ(0, fire(&self->g, &self->r, 0x2, FABRIC_FO_SIG_GRAY,
			  t += 1, MS(50)));
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_EQ(DOWN, self->r.trans[0].to);
	ASSERT_EQ(FABRIC_FO_R_GRAY, self->r.trans[0].reason);
	ASSERT_EQ(0x5U, self->r.members);
	ASSERT_EQ(1U, self->g.path[1].st.failovers);
	ASSERT_EQ(0, self->g.path[1].soft_fail);

	/* The link still answers probes and has carrier: stays down. */
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += 1);
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += 1);
	FIRE(0x2, FABRIC_FO_SIG_PROBE_OK, t += 1);
	FIRE(0x2, FABRIC_FO_SIG_CARRIER_UP, t += 1);
	ASSERT_EQ(DOWN, STATE(1));
	ASSERT_EQ(0x5U, self->r.members);
	/* An operator undrain of an undrained path changes nothing. */
	ASSERT_EQ(0, fabric_fo_undrain(&self->g, 1, t += 1, &self->r));
	ASSERT_EQ(DOWN, STATE(1));

	/* GRAY_CLEAR: HOLDDOWN for the penalty's hold-down, then UP. */
	FIRE(0x2, FABRIC_FO_SIG_GRAY_CLEAR, t += 1);
	ASSERT_EQ(1U, self->r.n_trans);
	ASSERT_EQ(HOLD, self->r.trans[0].to);
	ASSERT_EQ(FABRIC_FO_R_GRAY_CLEAR, self->r.trans[0].reason);
	ASSERT_EQ(t + MS(100), fabric_fo_next_deadline(&self->g));
	ASSERT_EQ(0, fabric_fo_tick(&self->g, t + MS(100), &self->r));
	ASSERT_EQ(UP, STATE(1));
	ASSERT_EQ(0x7U, self->r.members);
	/* A clear on a healthy path is a no-op. */
	FIRE(0x2, FABRIC_FO_SIG_GRAY_CLEAR, t += MS(200));
	ASSERT_EQ(0U, self->r.n_trans);
}

TEST_F(gray, flaps_are_dampened)
{
	__u64 t = T0;

	FIRE(0x1, FABRIC_FO_SIG_GRAY, t += 1);
	FIRE(0x1, FABRIC_FO_SIG_GRAY_CLEAR, t += 1);
	ASSERT_EQ(t + MS(100), self->g.path[0].hold_until_ns);
	ASSERT_EQ(0, fabric_fo_tick(&self->g, t += MS(100), &self->r));
	ASSERT_EQ(UP, STATE(0));
	/* Again within a half-life: a flap, and the hold-down doubles. */
	FIRE(0x1, FABRIC_FO_SIG_GRAY, t += 1);
	ASSERT_EQ(FABRIC_FO_TF_FLAP, self->r.trans[0].flags & FABRIC_FO_TF_FLAP);
	ASSERT_EQ(1U, self->g.path[0].st.flaps);
	FIRE(0x1, FABRIC_FO_SIG_GRAY_CLEAR, t += 1);
	ASSERT_EQ(t + MS(200), self->g.path[0].hold_until_ns);
	/* Gray again while in HOLDDOWN: back to DOWN. */
	FIRE(0x1, FABRIC_FO_SIG_GRAY, t += 1);
	ASSERT_EQ(DOWN, STATE(0));
	ASSERT_EQ(0x6U, self->r.members);
}

TEST_F(gray, last_path_is_kept)
{
	__u64 t = T0;

	FIRE(0x1, FABRIC_FO_SIG_CARRIER_DOWN, t += 1);
	FIRE(0x2, FABRIC_FO_SIG_GRAY, t += 1);
	ASSERT_EQ(0x4U, self->r.members);
	/* The last live path goes DOWN but stays installed. */
	FIRE(0x4, FABRIC_FO_SIG_GRAY, t += 1);
	ASSERT_EQ(DOWN, STATE(2));
	ASSERT_EQ(0x4U, self->r.members);
	ASSERT_EQ(FABRIC_FO_TF_KEPT, self->r.trans[0].flags & FABRIC_FO_TF_KEPT);
	ASSERT_EQ(0x4U, self->r.kept);
	/* One gray signal for all paths at once: never an empty group. */
	ASSERT_EQ(0, fabric_fo_group_init(&self->g, &self->cfg, 2, t));
	FIRE(0x3, FABRIC_FO_SIG_GRAY, t += 1);
	ASSERT_NE(0U, self->r.members);
	ASSERT_EQ(0x3U, self->r.kept);
	/* A cleared path replaces the kept ones. */
	FIRE(0x1, FABRIC_FO_SIG_GRAY_CLEAR, t += 1);
	ASSERT_EQ(0x1U, self->r.members);
}

TEST_F(gray, composes_with_operator_drain)
{
	__u64 t = T0;

	ASSERT_EQ(0, fabric_fo_drain(&self->g, 1, t += 1, &self->r));
	FIRE(0x2, FABRIC_FO_SIG_GRAY, t += 1);
	ASSERT_EQ(0U, self->r.n_trans);
	/* Undrained while gray: stays DOWN. */
	ASSERT_EQ(0, fabric_fo_undrain(&self->g, 1, t += 1, &self->r));
	ASSERT_EQ(DOWN, STATE(1));
	ASSERT_EQ(0U, self->r.n_trans);
	FIRE(0x2, FABRIC_FO_SIG_GRAY_CLEAR, t += 1);
	ASSERT_EQ(HOLD, STATE(1));

	/* Gray clear while drained: stays DOWN until undrain. */
	FIRE(0x1, FABRIC_FO_SIG_GRAY, t += 1);
	ASSERT_EQ(0, fabric_fo_drain(&self->g, 0, t += 1, &self->r));
	FIRE(0x1, FABRIC_FO_SIG_GRAY_CLEAR, t += 1);
	ASSERT_EQ(DOWN, STATE(0));
	ASSERT_EQ(0, fabric_fo_undrain(&self->g, 0, t += 1, &self->r));
	ASSERT_EQ(HOLD, STATE(0));
}

TEST(names)
{
	ASSERT_STREQ("gray", fabric_fo_signal_name(FABRIC_FO_SIG_GRAY));
	ASSERT_STREQ("gray-clear", fabric_fo_signal_name(FABRIC_FO_SIG_GRAY_CLEAR));
	ASSERT_STREQ("gray", fabric_fo_reason_name(FABRIC_FO_R_GRAY));
	ASSERT_STREQ("gray-clear", fabric_fo_reason_name(FABRIC_FO_R_GRAY_CLEAR));
}

TEST_HARNESS_MAIN
