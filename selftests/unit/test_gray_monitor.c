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
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "failover.h"
#include "gray_monitor.h"

#define MS(x)		((uint64_t)(x) * 1000000ULL)
#define S(x)		((uint64_t)(x) * 1000000000ULL)
#define LEAVES		4
#define SPINES		2
#define N_LINKS		(2 * LEAVES * SPINES)

/* Directed links: up (leaf -> spine) ids 0..7, down (spine -> leaf) 8..15. */
static uint32_t up_link(uint32_t leaf, uint32_t spine)
{
	return leaf * SPINES + spine;
}

static uint32_t down_link(uint32_t spine, uint32_t leaf)
{
	return LEAVES * SPINES + leaf * SPINES + spine;
}

struct sim {
	struct gmon *m;
	struct gmon_cfg cfg;
	struct fabric_fo_group fo[LEAVES];
	uint64_t rng;
	uint64_t now;
	uint32_t loss_ppm[N_LINKS];	/* injected */
	uint32_t delay_ns[N_LINKS];
	uint32_t path_dst[LEAVES][GMON_MAX_PATHS], path_spine[LEAVES][GMON_MAX_PATHS];
	struct gmon_event ev[256];
	uint32_t n_ev;
	uint32_t acts, act_on[LEAVES];	/* paths told GRAY now (bit) */
	uint32_t min_members;		/* smallest member count seen */
	bool passive;			/* also feed passive evidence */
};

static uint64_t rnd(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

static void on_event(void *arg, const struct gmon_event *ev)
{
	struct sim *s = arg;

	if (s->n_ev < 256)
		s->ev[s->n_ev++] = *ev;
}

static void act(void *arg, uint32_t g, uint32_t p, bool on, uint64_t now)
{
	struct sim *s = arg;
	struct fabric_fo_event ev = {
		.now_ns = now, .paths = 1U << p,
		.signal = on ? FABRIC_FO_SIG_GRAY : FABRIC_FO_SIG_GRAY_CLEAR,
	};
	struct fabric_fo_result r;
	uint32_t n;

	s->acts++;
	if (on)
		s->act_on[g] |= 1U << p;
	else
		s->act_on[g] &= ~(1U << p);
	fabric_fo_event(&s->fo[g], &ev, &r);
	n = __builtin_popcount(r.members);
	if (n < s->min_members)
		s->min_members = n;
}

static void sim_cfg(struct sim *s, uint32_t restore_s)
{
	uint32_t a, b, sp, l, p;

	memset(s, 0, sizeof(*s));
	s->rng = 0x9e3779b97f4a7c15ULL;
	s->now = S(1);
	s->min_members = 99;
	gmon_cfg_default(&s->cfg);
	s->cfg.restore_clean_s = restore_s;
	s->cfg.n_links = N_LINKS;
	for (a = 0; a < LEAVES; a++)
		for (sp = 0; sp < SPINES; sp++) {
			snprintf(s->cfg.link_name[up_link(a, sp)], GMON_NAME_LEN,
				 "l%u-s%u", a + 1, sp + 1);
			snprintf(s->cfg.link_name[down_link(sp, a)], GMON_NAME_LEN,
				 "s%u-l%u", sp + 1, a + 1);
		}
	s->cfg.n_groups = LEAVES;
	for (a = 0; a < LEAVES; a++) {
		p = 0;
		for (b = 0; b < LEAVES; b++) {
			if (b == a)
				continue;
			for (sp = 0; sp < SPINES; sp++, p++) {
				s->cfg.path[a][p].n_links = 2;
				s->cfg.path[a][p].link[0] = up_link(a, sp);
				s->cfg.path[a][p].link[1] = down_link(sp, b);
				s->path_dst[a][p] = b;
				s->path_spine[a][p] = sp;
			}
		}
		s->cfg.n_paths[a] = p;
	}
	s->cfg.on_event = on_event;
	s->cfg.act = act;
	s->cfg.arg = s;
	(void)l;
}

static int sim_start(struct sim *s)
{
	struct fabric_fo_config fc;
	uint32_t a;

	fabric_fo_config_default(&fc);
	fc.hold_base_ns = MS(100);
	for (a = 0; a < LEAVES; a++)
		if (fabric_fo_group_init(&s->fo[a], &fc, s->cfg.n_paths[a], s->now))
			return -1;
	s->m = gmon_new(&s->cfg);
	return s->m ? 0 : -1;
}

/* Runs ms milliseconds of 1 kHz probes on every path, or until stop(). */
static void sim_run(struct sim *s, uint32_t ms,
		    bool (*stop)(const struct sim *s))
{
	uint32_t t, a, p, h;

	for (t = 0; t < ms; t++) {
		s->now += MS(1);
		for (a = 0; a < LEAVES; a++) {
			for (p = 0; p < s->cfg.n_paths[a]; p++) {
				const struct gmon_path_cfg *pc = &s->cfg.path[a][p];
				uint64_t rtt = 100000 + rnd(s) % 10000;
				bool lost = false;

				for (h = 0; h < pc->n_links; h++) {
					if (rnd(s) % 1000000 < s->loss_ppm[pc->link[h]])
						lost = true;
					rtt += s->delay_ns[pc->link[h]];
				}
				/* Now and then a stall: discounted, or late. */
				if (!lost && rnd(s) % 5000 == 0) {
					gmon_probe(s->m, a, p, GMON_STALLED, 0, s->now);
					continue;
				}
				if (!lost && rnd(s) % 5000 == 0) {
					gmon_probe(s->m, a, p, GMON_LOST, 0, s->now);
					gmon_probe(s->m, a, p, GMON_LATE, MS(8), s->now + MS(5));
					continue;
				}
				gmon_probe(s->m, a, p, lost ? GMON_LOST : GMON_ANSWERED,
					   rtt, s->now);
			}
		}
		if (s->passive && t % 10 == 0)
			for (a = 0; a < LEAVES; a++)
				for (p = 0; p < s->cfg.n_paths[a]; p++) {
					const struct gmon_path_cfg *pc = &s->cfg.path[a][p];
					uint64_t lost = 0, k;

					for (k = 0; k < 200; k++)
						for (h = 0; h < pc->n_links; h++)
							if (rnd(s) % 1000000 < s->loss_ppm[pc->link[h]]) {
								lost++;
								break;
							}
					gmon_passive(s->m, a, p, 200, lost, s->now);
				}
		if (t % 1000 == 999) {
			gmon_tick(s->m, s->now);
			for (a = 0; a < LEAVES; a++)
				fabric_fo_tick(&s->fo[a], s->now, NULL);
		}
		if (stop && stop(s))
			return;
	}
}

static int count_ev(const struct sim *s, uint32_t type, uint32_t link)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < s->n_ev; i++)
		if (s->ev[i].type == type && s->ev[i].link == link)
			n++;
	return n;
}

static int count_type(const struct sim *s, uint32_t type)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < s->n_ev; i++)
		n += s->ev[i].type == type;
	return n;
}

static bool drained(const struct sim *s)
{
	return count_type(s, GMON_EV_DRAIN) > 0;
}

static bool restored(const struct sim *s)
{
	return count_type(s, GMON_EV_RESTORE) > 0;
}

static bool suspected(const struct sim *s)
{
	return count_type(s, GMON_EV_SUSPECT) > 0;
}

/* Paths (bit per group) that cross a link. */
static void paths_of(const struct sim *s, uint32_t link, uint32_t *mask)
{
	uint32_t a, p, h;

	for (a = 0; a < LEAVES; a++) {
		mask[a] = 0;
		for (p = 0; p < s->cfg.n_paths[a]; p++)
			for (h = 0; h < s->cfg.path[a][p].n_links; h++)
				if (s->cfg.path[a][p].link[h] == link)
					mask[a] |= 1U << p;
	}
}

static struct sim S_;

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
			uint32_t ppm, bool monitor, uint64_t seed)
{
	struct sim *s = &S_;
	uint32_t link = up_link(0, spine), want[LEAVES], i, n_fault;
	struct gmon_link_status ls;

	sim_cfg(s, 2);
	s->rng ^= seed;
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
		leaf_uplink(_metadata, seed % 2, 50000, false, seed * 7919);
}

TEST(leaf_view_uplink_1pct_names_uplink_only)
{
	uint64_t seed;

	for (seed = 0; seed < 4; seed++)
		leaf_uplink(_metadata, seed % 2, 10000, false, seed * 104729);
}

TEST(leaf_view_monitor_only_uplink_drains_nothing)
{
	uint64_t seed;

	for (seed = 0; seed < 4; seed++)
		leaf_uplink(_metadata, seed % 2, 50000, true, seed * 15485863);
}

/* Leaf 1's view of a far link's fault: one path bad, its siblings through
 * the uplink clean. The far link is named, at once, and drained. */
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
