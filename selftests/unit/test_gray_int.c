// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the INT hop-latency detector (user/lib/gray_int.c): a
 * leaf's sink reading its two spines' hop histograms once a second,
 * seeded (splitmix64), with the jitter a loaded host gives a hop (a few
 * µs, tails of tens of µs, ms-long stalls hitting the samples that fall in
 * them, busy seconds that lift every sample). Clean runs must never alarm;
 * a 50 µs shift on one hop must alarm, name that hop's link only, drain
 * it and restore it; monitor-only never drains.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "gray_int.h"
#include "gray_sim.h"

#define S(x)		((uint64_t)(x) * 1000000000ULL)
#define RATE		150	/* samples per hop per second: 3 leaves' probes */
#define LINK_S1		0
#define LINK_S2		1

struct sim {
	struct gint_cfg		cfg;
	struct gint		*g;
	struct sim_rng		rng;
	struct fabric_int_hist	cum[2];
	uint64_t		now;
	struct gint_event	ev[64];
	int			n_ev;
	int			acts, act_on[2], act_off[2];
	bool			drained[2];
	int32_t			shift_ns[2];	/* injected */
	uint32_t		jitter_ns;	/* extra uniform jitter */
};

static void on_event(void *arg, const struct gint_event *ev)
{
	struct sim *s = arg;

	if (s->n_ev < 64)
		s->ev[s->n_ev++] = *ev;
}

static void act(void *arg, uint32_t link, bool on, uint64_t now)
{
	struct sim *s = arg;

	s->acts++;
	if (link > 1)
		return;
	if (on)
		s->act_on[link]++;
	else
		s->act_off[link]++;
	s->drained[link] = on;
}

static int sim_init(struct sim *s, uint64_t seed, uint32_t thr_us, bool mon)
{
	memset(s, 0, sizeof(*s));
	s->rng.s = seed;
	s->now = S(1);
	gint_cfg_default(&s->cfg);
	s->cfg.delay_threshold_us = thr_us;
	s->cfg.restore_clean_s = 5;
	gint_cfg_derive(&s->cfg);
	s->cfg.n_hops = 2;
	s->cfg.hop[0] = (struct gint_hop_cfg){ 21, GINT_PORT_TO_SINK, LINK_S1, false };
	s->cfg.hop[1] = (struct gint_hop_cfg){ 22, GINT_PORT_TO_SINK, LINK_S2, mon };
	s->cfg.on_event = on_event;
	s->cfg.act = act;
	s->cfg.arg = s;
	s->g = gint_new(&s->cfg);
	return s->g ? 0 : -1;
}

/* One hop latency: 2.5 µs + 0-4 µs, 5 % tails of 5-50 µs, 0.5 % of 0.1-5 ms. */
static uint64_t hop_ns(struct sim *s, int h)
{
	uint64_t v = 2500 + sim_below(&s->rng, 2000) + sim_below(&s->rng, 2000);

	if (sim_chance(&s->rng, 50000000))
		v += 5000 + sim_below(&s->rng, 45000);
	if (sim_chance(&s->rng, 5000000))
		v += 100000 + sim_below(&s->rng, 4900000);
	if (s->jitter_ns)
		v += sim_below(&s->rng, s->jitter_ns);
	return v + s->shift_ns[h];
}

static void record(struct fabric_int_hist *h, uint64_t v)
{
	h->count++;
	h->sum_ns += v;
	h->bucket[fabric_int_bucket(v)]++;
}

/* One second: every hop's samples into the cumulative histograms, read. */
static void sim_second(struct sim *s)
{
	uint64_t busy = 0, stall = 0;
	int h, i;

	/* 3 % of seconds the host is busy: every sample up to 20 µs later */
	if (sim_chance(&s->rng, 30000000))
		busy = 1 + sim_below(&s->rng, 20000);
	/* 2 % a 2-8 ms stall: the samples inside it (1-2) wait up to it */
	if (sim_chance(&s->rng, 20000000))
		stall = 2000000 + sim_below(&s->rng, 6000000);
	for (h = 0; h < 2; h++) {
		for (i = 0; i < RATE; i++) {
			uint64_t v = hop_ns(s, h);

			if (busy)
				v += sim_below(&s->rng, busy);
			if (stall && i < 2)
				v += sim_below(&s->rng, stall);
			record(&s->cum[h], v);
		}
		gint_hist(s->g, h, &s->cum[h], s->now);
	}
	s->now += S(1);
	gint_tick(s->g, s->now);
}

static int count_ev(const struct sim *s, uint32_t type, uint32_t link)
{
	int i, n = 0;

	for (i = 0; i < s->n_ev; i++)
		n += s->ev[i].type == type && s->ev[i].link == link;
	return n;
}

TEST(median_of_buckets)
{
	struct fabric_int_hist h = {};
	uint32_t m;
	int i;

	ASSERT_EQ(0, gint_hist_median(h.bucket, 0));
	/* 9 samples at 3000 ns, 1 at 1 ms: the median stays in 3000's bucket */
	for (i = 0; i < 9; i++)
		record(&h, 3000);
	record(&h, 1000000);
	m = gint_hist_median(h.bucket, h.count);
	ASSERT_GE(m, 2560);	/* [2560, 3072) */
	ASSERT_LT(m, 3072);
	/* one bucket, evenly placed: the lower median of 4 is the 2nd */
	memset(&h, 0, sizeof(h));
	for (i = 0; i < 4; i++)
		record(&h, 200000);	/* [196608, 229376) */
	m = gint_hist_median(h.bucket, h.count);
	ASSERT_EQ(196608 + (229376 - 196608) * 3 / 8, m);
}

TEST(bad_config_refused)
{
	struct gint_cfg c;

	gint_cfg_default(&c);
	c.n_hops = 2;
	c.hop[0] = (struct gint_hop_cfg){ 21, 3, 0, false };
	c.hop[1] = (struct gint_hop_cfg){ 21, 3, 1, false };
	ASSERT_EQ(NULL, gint_new(&c));
	c.hop[1].port = 4;
	c.delay_threshold_us = 0;
	ASSERT_EQ(NULL, gint_new(&c));
	c.delay_threshold_us = 50;
	c.n_hops = GINT_MAX_HOPS + 1;
	ASSERT_EQ(NULL, gint_new(&c));
}

/* The first reading is a reference; a histogram going back re-primes. */
TEST(readings_differenced)
{
	struct fabric_int_hist h = {};
	struct gint_hop_status st;
	struct sim s;
	int i;

	ASSERT_EQ(0, sim_init(&s, 1, 50, false));
	for (i = 0; i < 100; i++)
		record(&h, 4000);
	ASSERT_EQ(0, gint_hist(s.g, 0, &h, S(1)));
	for (i = 0; i < 20; i++)
		record(&h, 4000);
	ASSERT_EQ(20, gint_hist(s.g, 0, &h, S(2)));
	ASSERT_EQ(0, gint_hop_status(s.g, 0, &st));
	EXPECT_EQ(20, st.samples);
	EXPECT_EQ(1, st.blocks);
	memset(&h, 0, sizeof(h));
	record(&h, 4000);
	ASSERT_EQ(0, gint_hist(s.g, 0, &h, S(3)));
	ASSERT_EQ(0, gint_hop_status(s.g, 0, &st));
	EXPECT_EQ(1, st.resets);
	EXPECT_EQ(20, st.samples);
	/* fewer than min_samples wait for the next reading */
	for (i = 0; i < 10; i++)
		record(&h, 4000);
	gint_hist(s.g, 0, &h, S(4));
	ASSERT_EQ(0, gint_hop_status(s.g, 0, &st));
	EXPECT_EQ(1, st.blocks);
	gint_free(s.g);
}

/* 4 seeds x 12 hours per hop, with realistic jitter: nothing, ever. */
TEST(clean_never_alarms)
{
	struct gint_hop_status st;
	struct sim s;
	uint64_t seed;
	long t;

	for (seed = 1; seed <= 4; seed++) {
		ASSERT_EQ(0, sim_init(&s, seed * 0x1234567ULL, 50, false));
		for (t = 0; t < 12 * 3600; t++)
			sim_second(&s);
		ASSERT_EQ(0, s.n_ev);
		ASSERT_EQ(0, s.acts);
		ASSERT_EQ(0, gint_hop_status(s.g, 1, &st));
		ASSERT_TRUE(st.learnt);
		EXPECT_EQ(0, st.alarm);
		TH_LOG("seed %llu: baseline %u ns, k %u ns, %llu blocks",
		       (unsigned long long)seed, st.baseline_ns, st.k_ns,
		       (unsigned long long)st.blocks);
		gint_free(s.g);
	}
}

/* A host far noisier than the lab's (0-40 µs on every sample): nothing. */
TEST(heavy_jitter_never_alarms)
{
	struct sim s;
	long t;

	ASSERT_EQ(0, sim_init(&s, 77, 50, false));
	s.jitter_ns = 40000;
	for (t = 0; t < 6 * 3600; t++)
		sim_second(&s);
	EXPECT_EQ(0, s.n_ev);
	EXPECT_EQ(0, s.acts);
	gint_free(s.g);
}

/*
 * A shift on node 22's hop names its link, and only it, drains it once,
 * and restores it restore_clean_s after the CUSUM cleared. @thr_us: the
 * threshold; returns the seconds to the drain.
 */
static long shift_run(struct __test_metadata *_metadata, uint64_t seed,
		      uint32_t thr_us, int32_t shift_ns)
{
	struct gint_hop_status st;
	long t, drain_s = -1, restore_s = -1;
	struct sim s;

	if (sim_init(&s, seed, thr_us, false))
		return -2;
	for (t = 0; t < 60; t++)
		sim_second(&s);
	s.shift_ns[1] = shift_ns;
	for (t = 0; t < 60 && drain_s < 0; t++) {
		sim_second(&s);
		if (s.drained[LINK_S2])
			drain_s = t + 1;
	}
	EXPECT_GT(drain_s, 0);
	EXPECT_EQ(1, count_ev(&s, GINT_EV_SUSPECT, LINK_S2));
	EXPECT_EQ(1, count_ev(&s, GINT_EV_DRAIN, LINK_S2));
	if (s.n_ev)
		EXPECT_GE(s.ev[0].delay_us, thr_us);
	for (t = 0; t < 30; t++)
		sim_second(&s);
	EXPECT_TRUE(s.drained[LINK_S2]);
	s.shift_ns[1] = 0;
	for (t = 0; t < 120 && restore_s < 0; t++) {
		sim_second(&s);
		if (!s.drained[LINK_S2])
			restore_s = t + 1;
	}
	EXPECT_GT(restore_s, 5);	/* the CUSUM's clear, then 5 s clean */
	EXPECT_EQ(1, count_ev(&s, GINT_EV_RESTORE, LINK_S2));
	EXPECT_EQ(1, s.act_on[LINK_S2]);
	EXPECT_EQ(1, s.act_off[LINK_S2]);
	/* the other spine's link: never named, never drained */
	EXPECT_EQ(0, s.act_on[LINK_S1]);
	EXPECT_EQ(0, count_ev(&s, GINT_EV_SUSPECT, LINK_S1));
	gint_hop_status(s.g, 1, &st);
	EXPECT_FALSE(st.suspect);
	TH_LOG("seed %llu, shift %d ns, threshold %u us: drained after %ld s, restored %ld s after the end",
	       (unsigned long long)seed, shift_ns, thr_us, drain_s, restore_s);
	gint_free(s.g);
	return drain_s;
}

TEST(shift_50us_named_drained_restored)
{
	uint64_t seed;

	/* the threshold a little under the shift: the bucket is 25 % wide */
	for (seed = 1; seed <= 8; seed++)
		ASSERT_GT(shift_run(_metadata, seed, 45, 50000), 0);
}

/*
 * At the default threshold a 50 us shift makes the CUSUM alarm on its hop
 * only; naming it also needs the estimate to reach 50 us, which the 25 %
 * buckets give about half the time (hence 45 us above).
 */
TEST(shift_50us_alarms_at_default)
{
	struct gint_hop_status a, b;
	uint64_t seed;
	struct sim s;
	long t;

	for (seed = 1; seed <= 8; seed++) {
		ASSERT_EQ(0, sim_init(&s, seed, 50, false));
		for (t = 0; t < 60; t++)
			sim_second(&s);
		s.shift_ns[1] = 50000;
		for (t = 0; t < 30; t++) {
			sim_second(&s);
			gint_hop_status(s.g, 1, &b);
			if (b.alarm)
				break;
		}
		gint_hop_status(s.g, 0, &a);
		EXPECT_TRUE(b.alarm);
		EXPECT_FALSE(a.alarm);
		EXPECT_EQ(0, count_ev(&s, GINT_EV_SUSPECT, LINK_S1));
		TH_LOG("seed %llu: alarm after %ld s", (unsigned long long)seed, t + 1);
		gint_free(s.g);
	}
}

TEST(shift_200us_named_drained_restored)
{
	uint64_t seed;

	for (seed = 1; seed <= 8; seed++)
		ASSERT_GT(shift_run(_metadata, seed, 50, 200000), 0);
}

/* A 15 µs shift is below k (25 µs at a 50 µs threshold): never named. */
TEST(small_shift_not_named)
{
	struct sim s;
	long t;

	ASSERT_EQ(0, sim_init(&s, 5, 50, false));
	for (t = 0; t < 60; t++)
		sim_second(&s);
	s.shift_ns[1] = 15000;
	for (t = 0; t < 3600; t++)
		sim_second(&s);
	EXPECT_EQ(0, s.n_ev);
	gint_free(s.g);
}

TEST(monitor_only_never_drains)
{
	struct sim s;
	long t;

	ASSERT_EQ(0, sim_init(&s, 9, 50, true));
	for (t = 0; t < 60; t++)
		sim_second(&s);
	s.shift_ns[1] = 200000;
	for (t = 0; t < 60; t++)
		sim_second(&s);
	EXPECT_EQ(1, count_ev(&s, GINT_EV_SUSPECT, LINK_S2));
	EXPECT_EQ(0, count_ev(&s, GINT_EV_DRAIN, LINK_S2));
	EXPECT_EQ(0, s.acts);
	s.shift_ns[1] = 0;
	for (t = 0; t < 120; t++)
		sim_second(&s);
	EXPECT_EQ(1, count_ev(&s, GINT_EV_CLEAR, LINK_S2));
	EXPECT_EQ(0, s.acts);
	gint_free(s.g);
}

/* Two hops of one link: the link is drained once and restored once. */
TEST(two_hops_one_link)
{
	struct sim s;
	long t;

	ASSERT_EQ(0, sim_init(&s, 11, 50, false));
	gint_free(s.g);
	s.cfg.hop[1].link = LINK_S1;
	s.g = gint_new(&s.cfg);
	ASSERT_NE(NULL, s.g);
	for (t = 0; t < 60; t++)
		sim_second(&s);
	s.shift_ns[0] = s.shift_ns[1] = 200000;
	for (t = 0; t < 60; t++)
		sim_second(&s);
	EXPECT_EQ(2, count_ev(&s, GINT_EV_DRAIN, LINK_S1));
	EXPECT_EQ(1, s.act_on[LINK_S1]);
	s.shift_ns[0] = s.shift_ns[1] = 0;
	for (t = 0; t < 120; t++)
		sim_second(&s);
	EXPECT_EQ(2, count_ev(&s, GINT_EV_RESTORE, LINK_S1));
	EXPECT_EQ(1, s.act_off[LINK_S1]);
	EXPECT_FALSE(s.drained[LINK_S1]);
	gint_free(s.g);
}

TEST_HARNESS_MAIN
