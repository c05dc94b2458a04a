// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The gray-failure monitor (user/lib/gray_monitor.c) on seeded simulated
 * evidence: 4 leaves, 2 spines, one group per leaf whose 6 paths go to the
 * other leaves over either spine (two directed links each), 1 kHz probes.
 * It must name the faulty link, drain exactly its paths through the real
 * policy (common/failover.c), restore them once the link is clean, never
 * drain in monitor-only mode, never empty a group, and stay silent on a
 * clean fabric with stalls and late answers.
 */
#include "kselftest_harness.h"
#include "test_gray_monitor_sim.h"
#include "gray_monitor_int.h"

/* A loss fault on link: named, drained (exactly its paths), restored. */
static void loss_drain_restore(struct __test_metadata *_metadata,
			       uint32_t link, uint32_t ppm, bool passive)
{
	struct sim *s = &S_;
	uint32_t want[LEAVES], a;
	struct gmon_link_status ls;
	uint64_t t_fault;

	sim_cfg(s, 2);
	s->passive = passive;
	ASSERT_EQ(0, sim_start(s));
	sim_run(s, 5000, NULL);
	ASSERT_EQ(0U, s->n_ev);

	s->loss_ppm[link] = ppm;
	t_fault = s->now;
	sim_run(s, 60000, drained);
	ASSERT_TRUE(drained(s));
	TH_LOG("%u ppm on %s: drained after %llu ms", ppm,
	       s->cfg.link_name[link],
	       (unsigned long long)((s->now - t_fault) / 1000000));
	/* The first event names the faulty link; no other link named. */
	ASSERT_EQ(GMON_EV_SUSPECT, s->ev[0].type);
	ASSERT_EQ(link, s->ev[0].link);
	ASSERT_EQ(GMON_KIND_LOSS, s->ev[0].kind);
	for (a = 0; a < s->n_ev; a++)
		ASSERT_EQ(link, s->ev[a].link);
	ASSERT_EQ(1, count_ev(s, GMON_EV_DRAIN, link));
	ASSERT_EQ(0, gmon_link_status(s->m, link, &ls));
	ASSERT_TRUE(ls.suspect && ls.drained);
	ASSERT_GE(ls.confidence, 500U);
	/* The estimate brackets the injected loss within a factor of 4. */
	ASSERT_GE(ls.loss_hi_ppb, ppm * 1000U);
	ASSERT_LE(ls.loss_ppb, ppm * 4000U);
	ASSERT_GE(ls.loss_ppb, ppm * 250U);

	/* Exactly the link's paths were told, and left their groups. */
	paths_of(s, link, want);
	for (a = 0; a < LEAVES; a++) {
		ASSERT_EQ(want[a], s->act_on[a]);
		ASSERT_EQ(0U, fabric_fo_members(&s->fo[a]) & want[a]);
	}

	/* Fault over: restored once the SPRT clears and 2 s pass. */
	s->loss_ppm[link] = 0;
	sim_run(s, 60000, restored);
	ASSERT_TRUE(restored(s));
	ASSERT_EQ(1, count_ev(s, GMON_EV_RESTORE, link));
	ASSERT_EQ(GMON_EV_RESTORE, s->ev[s->n_ev - 1].type);
	for (a = 0; a < LEAVES; a++) {
		ASSERT_EQ(0U, s->act_on[a]);
		ASSERT_EQ(want[a], s->ev[s->n_ev - 1].paths[a]);
	}
	/* After the hold-down the groups are whole again. */
	sim_run(s, 2000, NULL);
	for (a = 0; a < LEAVES; a++)
		ASSERT_EQ((1U << s->cfg.n_paths[a]) - 1, fabric_fo_members(&s->fo[a]));
	ASSERT_GE(s->min_members, 1U);
	gmon_free(s->m);
}

TEST(loss_5pct_up_link)
{
	loss_drain_restore(_metadata, up_link(1, 1), 50000, false);
}

TEST(loss_1pct_down_link)
{
	loss_drain_restore(_metadata, down_link(0, 2), 10000, false);
}

TEST(loss_01pct_up_link)
{
	loss_drain_restore(_metadata, up_link(3, 0), 1000, false);
}

TEST(loss_1pct_passive_evidence)
{
	loss_drain_restore(_metadata, down_link(1, 0), 10000, true);
}

/*
 * Leaf 1's own view, as fabricd on a leaf has it: its six paths only, so
 * a far link (spine -> other leaf) is on one path and its uplink on three.
 * A lossy uplink: its three paths alarm a few ms apart. The first link
 * named must be the uplink, and no other link is ever named or drained,
 * neither while the fault lasts nor while the paths clear one by one
 * after it. With the uplink monitor-only, nothing is drained at all.
 * Drain threshold 1 %, as in the lab campaign.
 */
static void leaf_uplink(struct __test_metadata *_metadata, uint32_t spine,
			uint32_t ppm, bool monitor, uint64_t seed,
			bool (*spare)(const struct sim *s, uint32_t leaf,
				      uint32_t path))
{
	struct sim *s = &S_;
	uint32_t link = up_link(0, spine), want[LEAVES], i, n_fault;
	struct gmon_link_status ls;

	sim_cfg(s, 2);
	s->rng ^= seed;
	s->spare = spare;
	s->cfg.n_groups = 1;		/* leaf 1's monitor */
	s->cfg.link_monitor[link] = monitor;
	/* The lab campaign's threshold: the SPRT clears in 2.5 s. */
	s->cfg.loss_threshold_ppm = 10000;
	gmon_cfg_derive(&s->cfg);
	ASSERT_EQ(0, sim_start(s));
	sim_run(s, 3000, NULL);
	ASSERT_EQ(0U, s->n_ev);
	s->loss_ppm[link] = ppm;
	sim_run(s, 20000, NULL);
	ASSERT_NE(0U, s->n_ev);
	ASSERT_EQ(GMON_EV_SUSPECT, s->ev[0].type);
	ASSERT_EQ(link, s->ev[0].link);
	ASSERT_EQ(0, gmon_link_status(s->m, link, &ls));
	ASSERT_TRUE(ls.suspect);
	ASSERT_EQ(!monitor, ls.drained);
	ASSERT_GE(ls.confidence, 500U);
	paths_of(s, link, want);
	ASSERT_EQ(monitor ? 0U : want[0], s->act_on[0]);
	/* The fault ends: the paths clear one by one. */
	s->loss_ppm[link] = 0;
	n_fault = s->n_ev;
	sim_run(s, 20000, NULL);
	for (i = n_fault; i < s->n_ev; i++) {
		if (s->ev[i].link != link)
			TH_LOG("after the fault, event %u (%s) names %s", i,
			       gmon_ev_name(s->ev[i].type),
			       s->cfg.link_name[s->ev[i].link]);
		ASSERT_EQ(link, s->ev[i].link);
	}
	for (i = 0; i < s->n_ev; i++)
		ASSERT_EQ(link, s->ev[i].link);
	ASSERT_EQ(1, count_type(s, GMON_EV_SUSPECT));
	ASSERT_EQ(monitor ? 0 : 1, count_type(s, GMON_EV_DRAIN));
	ASSERT_EQ(monitor ? 0 : 1, count_ev(s, GMON_EV_RESTORE, link));
	ASSERT_EQ(monitor ? 1 : 0, count_ev(s, GMON_EV_CLEAR, link));
	ASSERT_EQ(0U, s->act_on[0]);
	gmon_free(s->m);
}

TEST(leaf_view_uplink_5pct_names_uplink_only)
{
	uint64_t seed;

	for (seed = 0; seed < 4; seed++)
		leaf_uplink(_metadata, seed % 2, 50000, false, seed * 7919, NULL);
}

TEST(leaf_view_uplink_1pct_names_uplink_only)
{
	uint64_t seed;

	for (seed = 0; seed < 4; seed++)
		leaf_uplink(_metadata, seed % 2, 10000, false, seed * 104729, NULL);
}

TEST(leaf_view_monitor_only_uplink_drains_nothing)
{
	uint64_t seed;

	for (seed = 0; seed < 4; seed++)
		leaf_uplink(_metadata, seed % 2, 50000, true, seed * 15485863, NULL);
}

/* Leaf 1's view of a far link's fault: one path bad, its siblings through
 * the uplink clean. The far link is named, at once, and drained. */
/*
 * The race that failed the last CI run: 1 % loss on leaf 1's uplink to a
 * spine, drain threshold 1 %. Its paths to l2 and l3 over that spine alarm
 * while its path to l4 over it has, by chance, lost no probe yet, so that
 * path's SPRT sits at its clean bound. That is no evidence that the uplink
 * is clean: a path with the uplink's loss needs the settle count of probes
 * to alarm. Until it has taken as many since the alarmed paths' evidence
 * began it must not exonerate the uplink, whose far links would otherwise
 * be blamed and drained. The lucky path loses nothing until both of its
 * siblings have alarmed, and for at most RACE_SPARE_MS after the fault
 * began (a streak of probability e^-4 at 1 %): longer than that, it has
 * become evidence.
 */
#define RACE_SPARE_MS	400
static struct {
	uint32_t spine;
	uint64_t t_fault;
	bool over;
} race;

static bool race_spare(const struct sim *s, uint32_t leaf, uint32_t path)
{
	struct gmon_path_status a, b;

	if (leaf || path != race.spine + 4 || race.over ||
	    !s->loss_ppm[up_link(0, race.spine)])
		return false;
	if (!race.t_fault)
		race.t_fault = s->now;
	gmon_path_status(s->m, 0, race.spine, &a);
	gmon_path_status(s->m, 0, race.spine + 2, &b);
	if ((a.loss_alarm && b.loss_alarm) ||
	    s->now - race.t_fault >= MS(RACE_SPARE_MS))
		race.over = true;
	return !race.over;
}

TEST(leaf_view_uplink_1pct_sibling_not_yet_lossy)
{
	uint64_t seed;

	for (seed = 0; seed < 8; seed++) {
		memset(&race, 0, sizeof(race));
		race.spine = seed % 2;
		leaf_uplink(_metadata, race.spine, 10000, false, seed * 2654435761ULL,
			    race_spare);
	}
}

/*
 * The same race for the latency test: 200 us on leaf 1's uplink to a
 * spine (threshold 100 us, as in the lab campaign), and the path to l4
 * over it spared until its two siblings alarm, for at most 4 blocks of
 * probes (its own block boundary and RTT noise delay its first shifted
 * median). Only the uplink is ever named.
 */
static bool race_delay_spare(const struct sim *s, uint32_t leaf, uint32_t path)
{
	struct gmon_path_status a, b;

	if (leaf || path != race.spine + 4 || race.over ||
	    !s->delay_ns[up_link(0, race.spine)])
		return false;
	if (!race.t_fault)
		race.t_fault = s->now;
	gmon_path_status(s->m, 0, race.spine, &a);
	gmon_path_status(s->m, 0, race.spine + 2, &b);
	if ((a.delay_alarm && b.delay_alarm) || s->now - race.t_fault >= MS(32))
		race.over = true;
	return !race.over;
}

TEST(leaf_view_uplink_delay_sibling_not_yet_slow)
{
	struct sim *s = &S_;
	uint64_t seed;
	uint32_t link, i;

	for (seed = 0; seed < 8; seed++) {
		memset(&race, 0, sizeof(race));
		race.spine = seed % 2;
		link = up_link(0, race.spine);
		sim_cfg(s, 2);
		s->rng ^= seed * 40503;
		s->spare = race_delay_spare;
		s->cfg.n_groups = 1;
		s->cfg.delay_threshold_us = 100;
		gmon_cfg_derive(&s->cfg);
		ASSERT_EQ(0, sim_start(s));
		sim_run(s, 3000, NULL);
		ASSERT_EQ(0U, s->n_ev);
		s->delay_ns[link] = 200000;
		sim_run(s, 5000, NULL);
		ASSERT_TRUE(race.over);
		ASSERT_EQ(1, count_ev(s, GMON_EV_DRAIN, link));
		s->delay_ns[link] = 0;
		sim_run(s, 10000, NULL);
		for (i = 0; i < s->n_ev; i++)
			ASSERT_EQ(link, s->ev[i].link);
		ASSERT_EQ(1, count_ev(s, GMON_EV_RESTORE, link));
		gmon_free(s->m);
	}
}

TEST(leaf_view_far_link_is_named)
{
	struct sim *s = &S_;
	uint32_t link = down_link(1, 2), i;

	sim_cfg(s, 2);
	s->cfg.n_groups = 1;
	ASSERT_EQ(0, sim_start(s));
	sim_run(s, 3000, NULL);
	s->loss_ppm[link] = 50000;
	sim_run(s, 10000, drained);
	ASSERT_TRUE(drained(s));
	for (i = 0; i < s->n_ev; i++)
		ASSERT_EQ(link, s->ev[i].link);
	gmon_free(s->m);
}

/*
 * The rate rule. Two far links of one spine lossy one after the other, as
 * in the lab campaign: 1 % on s1-l2 for 3 s, then, 1 s after it ends
 * (its path still alarmed: the SPRT clears after 25 600 clean probes),
 * 1 % on s1-l3 for 3 s, default 0.1 % threshold, leaf 1's view. Its path
 * to l4 over s1 stays clean, so the uplink l1-s1 they share loses nothing:
 * it must never be named (without the rule it explained both alarmed
 * paths), and both far links must be.
 */
static void far_faults(struct __test_metadata *_metadata, uint64_t seed,
		       bool stray)
{
	struct sim *s = &S_;
	uint32_t x = down_link(0, 1), y = down_link(0, 2), up = up_link(0, 0);
	uint32_t i;

	sim_cfg(s, 2);
	s->rng ^= seed;
	s->cfg.n_groups = 1;
	ASSERT_EQ(0, sim_start(s));
	sim_run(s, 3000, NULL);
	ASSERT_EQ(0U, s->n_ev);
	if (stray) {
		/* The pattern the campaign's events suggested at load ~30:
		 * another path over s1 loses stray probes (0.05-0.3 %, no
		 * link), while s1-l2 loses 1 %. */
		s->stray_ppm[0][2] = 500 + (uint32_t)(seed % 6) * 500;
		s->loss_ppm[x] = 10000;
		sim_run(s, 12000, NULL);
		ASSERT_EQ(1, count_ev(s, GMON_EV_SUSPECT, x));
	} else {
		s->loss_ppm[x] = 10000;
		sim_run(s, 3000, NULL);
		s->loss_ppm[x] = 0;
		sim_run(s, 1000, NULL);
		s->loss_ppm[y] = 10000;
		sim_run(s, 3000, NULL);
		s->loss_ppm[y] = 0;
		sim_run(s, 20000, NULL);
		ASSERT_EQ(1, count_ev(s, GMON_EV_SUSPECT, x));
		ASSERT_EQ(1, count_ev(s, GMON_EV_SUSPECT, y));
	}
	for (i = 0; i < s->n_ev; i++) {
		if (s->ev[i].link == up)
			TH_LOG("seed %llu: event %u (%s) names the uplink %s",
			       (unsigned long long)seed, i,
			       gmon_ev_name(s->ev[i].type),
			       s->cfg.link_name[up]);
		ASSERT_NE(up, s->ev[i].link);
	}
	gmon_free(s->m);
}

/* The rate rule's two-sample test, in thousandths of a nat. */
static int64_t llr_milli(uint64_t n1, uint64_t x1, uint64_t n2, uint64_t x2)
{
	return gmon_rate_llr(n1, x1, n2, x2) * 1000 / GRAY_LLR_ONE;
}

TEST(rate_rule_two_sample_test)
{
	/* 30 of 3000 against 0 of 3000: 20.870 nats, the alarm bound */
	ASSERT_GE(llr_milli(3000, 30, 3000, 0), 20860);
	ASSERT_LE(llr_milli(3000, 30, 3000, 0), 20880);
	/* 50 of 1000 against 5 of 1000: 21.889 */
	ASSERT_GE(llr_milli(1000, 50, 1000, 5), 21879);
	ASSERT_LE(llr_milli(1000, 50, 1000, 5), 21899);
	/* the CI race: 6 of 600 against 0 of 400 is no evidence (3.077) */
	ASSERT_GE(llr_milli(600, 6, 400, 0), 3067);
	ASSERT_LE(llr_milli(600, 6, 400, 0), 3087);
	/* one-sided: equal or lower rates give 0 */
	ASSERT_EQ(0, gmon_rate_llr(1000, 10, 1000, 10));
	ASSERT_EQ(0, gmon_rate_llr(1000, 0, 1000, 10));
	ASSERT_EQ(0, gmon_rate_llr(0, 0, 1000, 10));
	/* counts beyond 2^30 are scaled, not overflowed */
	ASSERT_GE(llr_milli(1ULL << 40, 1ULL << 33, 1ULL << 40, 0), 1000000);
}

/*
 * One far link at 1 % while another of the uplink's paths loses stray
 * probes at 0.05-0.3 % (the third loses none): the far link is named and
 * the uplink is not, though the stray losses alarm that path. (When both
 * other paths lose at such rates, the uplink is what the evidence says:
 * every path through it loses.)
 */
TEST(leaf_view_far_link_with_stray_siblings_spares_the_uplink)
{
	uint64_t seed;

	for (seed = 0; seed < 16; seed++)
		far_faults(_metadata, seed * 1442695040888963407ULL + 1, true);
}

TEST(delay_80us_is_drained)
{
	struct sim *s = &S_;
	uint32_t link = down_link(1, 3), want[LEAVES], a;

	sim_cfg(s, 2);
	ASSERT_EQ(0, sim_start(s));
	sim_run(s, 3000, NULL);
	s->delay_ns[link] = 80000;
	sim_run(s, 20000, drained);
	ASSERT_TRUE(drained(s));
	ASSERT_EQ(link, s->ev[0].link);
	ASSERT_EQ(GMON_KIND_DELAY, s->ev[0].kind);
	ASSERT_GE(s->ev[s->n_ev - 1].delay_us, 50U);
	paths_of(s, link, want);
	for (a = 0; a < LEAVES; a++)
		ASSERT_EQ(want[a], s->act_on[a]);
	s->delay_ns[link] = 0;
	sim_run(s, 20000, restored);
	ASSERT_TRUE(restored(s));
	for (a = 0; a < LEAVES; a++)
		ASSERT_EQ(0U, s->act_on[a]);
	gmon_free(s->m);
}

TEST(delay_below_threshold_is_not_drained)
{
	struct sim *s = &S_;
	uint32_t link = up_link(0, 0);

	sim_cfg(s, 2);
	ASSERT_EQ(0, sim_start(s));
	sim_run(s, 3000, NULL);
	s->delay_ns[link] = 30000;
	sim_run(s, 30000, NULL);
	ASSERT_EQ(0, count_type(s, GMON_EV_DRAIN));
	ASSERT_EQ(0U, s->acts);
	gmon_free(s->m);
}

TEST(monitor_only_never_drains)
{
	struct sim *s = &S_;
	uint32_t link = up_link(2, 1), other = down_link(0, 1);

	/* Globally. */
	sim_cfg(s, 2);
	s->cfg.monitor_only = true;
	ASSERT_EQ(0, sim_start(s));
	s->loss_ppm[link] = 50000;
	sim_run(s, 20000, NULL);
	ASSERT_EQ(1, count_ev(s, GMON_EV_SUSPECT, link));
	ASSERT_EQ(0, count_type(s, GMON_EV_DRAIN));
	ASSERT_EQ(0U, s->acts);
	s->loss_ppm[link] = 0;
	sim_run(s, 40000, NULL);
	ASSERT_EQ(1, count_ev(s, GMON_EV_CLEAR, link));
	gmon_free(s->m);

	/* Per link: the monitored link is only reported, the other drained. */
	sim_cfg(s, 2);
	s->cfg.link_monitor[link] = true;
	ASSERT_EQ(0, sim_start(s));
	s->loss_ppm[link] = 50000;
	s->loss_ppm[other] = 50000;
	sim_run(s, 20000, NULL);
	ASSERT_EQ(1, count_ev(s, GMON_EV_SUSPECT, link));
	ASSERT_EQ(1, count_ev(s, GMON_EV_SUSPECT, other));
	ASSERT_EQ(0, count_ev(s, GMON_EV_DRAIN, link));
	ASSERT_EQ(1, count_ev(s, GMON_EV_DRAIN, other));
	gmon_free(s->m);
}

/* Both of leaf 1's uplinks lossy: every path of its group is drained by
 * the monitor, and the policy keeps the group installed. */
TEST(last_path_is_never_withdrawn)
{
	struct sim *s = &S_;

	sim_cfg(s, 2);
	ASSERT_EQ(0, sim_start(s));
	s->loss_ppm[up_link(0, 0)] = 50000;
	s->loss_ppm[up_link(0, 1)] = 50000;
	sim_run(s, 20000, NULL);
	ASSERT_EQ(1, count_ev(s, GMON_EV_DRAIN, up_link(0, 0)));
	ASSERT_EQ(1, count_ev(s, GMON_EV_DRAIN, up_link(0, 1)));
	ASSERT_EQ(0x3fU, s->act_on[0]);
	ASSERT_NE(0U, fabric_fo_members(&s->fo[0]));
	ASSERT_GE(s->min_members, 1U);
	ASSERT_NE(0U, s->fo[0].last_path_kept);
	gmon_free(s->m);
}

TEST(clean_fabric_is_silent)
{
	struct sim *s = &S_;
	struct gmon_path_status ps;

	sim_cfg(s, 2);
	s->passive = true;
	ASSERT_EQ(0, sim_start(s));
	sim_run(s, 120000, suspected);
	ASSERT_EQ(0U, s->n_ev);
	ASSERT_EQ(0U, s->acts);
	ASSERT_EQ(0, gmon_path_status(s->m, 0, 0, &ps));
	ASSERT_TRUE(ps.monitored);
	ASSERT_GT(ps.stalled, 0U);
	ASSERT_GT(ps.late, 0U);
	ASSERT_EQ(0U, ps.lost);	/* every miss was answered late */
	ASSERT_GE(ps.baseline_ns, 100000U);
	ASSERT_LE(ps.baseline_ns, 110000U);
	gmon_free(s->m);
}

TEST(bad_config_is_refused)
{
	struct gmon_cfg c;

	gmon_cfg_default(&c);
	c.n_links = 1;
	c.n_groups = 1;
	c.n_paths[0] = 1;
	c.path[0][0].n_links = 1;
	c.path[0][0].link[0] = 1;	/* beyond n_links */
	ASSERT_EQ(NULL, gmon_new(&c));
	c.path[0][0].link[0] = 0;
	c.loss_threshold_ppm = 0;
	ASSERT_EQ(NULL, gmon_new(&c));
}

TEST_HARNESS_MAIN
