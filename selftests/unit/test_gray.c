// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the gray-failure detectors (common/gray.c): the fixed-
 * point logarithm, the SPRT's weights and bounds, its decisions on
 * simulated loss (seeded splitmix64, so every number below is exact for
 * its seed on every machine), the Wilson interval, and the latency-shift
 * detector against shifts, jitter and stall outliers.
 *
 * The simulated runs also give the detection times in samples that
 * Documentation/gray.md quotes; TH_LOG prints them.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "gray.h"
#include "gray_sim.h"

#define Q24		16777216.0
#define PCT(x)		((__u32)((x) * 10000000))	/* percent -> ppb */
#define LOST_5E5	527
#define LAT50_ALARM	10063
#define LAT50_CLEAR	15127
#define LAT50S_ALARM	10071
#define STALLS_FLAGGED	9722

static void loss_default(struct __test_metadata *_metadata, struct gray_loss *d)
{
	struct gray_loss_cfg c;

	gray_loss_cfg_default(&c);
	ASSERT_EQ(0, gray_loss_init(d, &c));
}

/* Samples until the alarm at loss @ppb from a clean start, -1 if none. */
static long detect(__u64 seed, __u32 ppb, long max)
{
	struct gray_loss_cfg c;
	struct gray_loss d;
	struct sim_rng r = { seed };
	long i;

	gray_loss_cfg_default(&c);
	if (gray_loss_init(&d, &c))
		return -2;
	for (i = 1; i <= max; i++)
		if (gray_loss_update(&d, 1, sim_chance(&r, ppb)) == GRAY_EV_ALARM)
			return i;
	return -1;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

struct dist {
	long min, p50, p90, max;
	int missed;
};

/* Detection over seeds 1..n (n <= 200). */
static void detect_dist(__u32 ppb, int n, long max, struct dist *o)
{
	long v[200];
	int s;

	o->missed = 0;
	for (s = 0; s < n; s++) {
		v[s] = detect(s + 1, ppb, max);
		if (v[s] < 0) {
			o->missed++;
			v[s] = max + 1;
		}
	}
	qsort(v, n, sizeof(long), cmp_long);
	o->min = v[0];
	o->p50 = v[n / 2];
	o->p90 = v[n * 9 / 10];
	o->max = v[n - 1];
}

#define NEAR(want, got, tol) do {					\
	double _w = (want), _g = (got);					\
	EXPECT_TRUE(_g >= _w - (tol) && _g <= _w + (tol))		\
		TH_LOG("%s: want %.9f, got %.9f", #got, _w, _g);	\
} while (0)

TEST(log2_fixed_point)
{
	int i;

	EXPECT_EQ(0, gray_log2_q24(0));
	EXPECT_EQ(0, gray_log2_q24(1));
	for (i = 0; i < 64; i++)
		EXPECT_EQ((__u32)i << 24, gray_log2_q24(1ULL << i));
	NEAR(1.584962500721156, gray_log2_q24(3) / Q24, 2e-7);
	NEAR(3.321928094887362, gray_log2_q24(10) / Q24, 2e-7);
	NEAR(29.897352853986263, gray_log2_q24(1000000000) / Q24, 2e-7);
	NEAR(63.999999999999, gray_log2_q24(~0ULL) / Q24, 2e-7);
	/* monotone over a range the weights use */
	for (i = 1; i < 100000; i++)
		ASSERT_LE(gray_log2_q24(999000000 + i - 1), gray_log2_q24(999000000 + i));
}

TEST(sprt_weights_and_bounds)
{
	struct gray_loss d;

	loss_default(_metadata, &d);
	NEAR(4.605170186, d.w_lost / Q24, 1e-5);	/* ln(1e-3 / 1e-5) */
	NEAR(-0.000990500, d.w_ok / Q24, 1e-7);		/* ln(0.999 / 0.99999) */
	NEAR(20.713215, d.upper / Q24, 1e-5);		/* ln(0.99 / 1e-9) */
	NEAR(-4.605170, d.lower / Q24, 1e-5);		/* ln(0.01 / (1 - 1e-9)) */
	EXPECT_EQ(d.lower, d.llr);
	EXPECT_EQ(0, d.alarm);
}

TEST(sprt_rejects_bad_config)
{
	struct gray_loss_cfg c, ok;
	struct gray_loss d;

	gray_loss_cfg_default(&ok);
	c = ok, c.p0_ppb = 0;
	EXPECT_EQ(-GRAY_EINVAL, gray_loss_init(&d, &c));
	c = ok, c.p1_ppb = c.p0_ppb;
	EXPECT_EQ(-GRAY_EINVAL, gray_loss_init(&d, &c));
	c = ok, c.p1_ppb = GRAY_PPB;
	EXPECT_EQ(-GRAY_EINVAL, gray_loss_init(&d, &c));
	c = ok, c.alpha_ppb = 0;
	EXPECT_EQ(-GRAY_EINVAL, gray_loss_init(&d, &c));
	c = ok, c.beta_ppb = GRAY_PPB / 2;
	EXPECT_EQ(-GRAY_EINVAL, gray_loss_init(&d, &c));
	c = ok, c.window = 1;
	EXPECT_EQ(-GRAY_EINVAL, gray_loss_init(&d, &c));
	EXPECT_EQ(0, gray_loss_init(&d, &ok));
}

/* Wald's expected sample numbers from the H0 bound. */
TEST(sprt_asn)
{
	struct gray_loss d;

	loss_default(_metadata, &d);
	EXPECT_EQ(110, gray_loss_asn(&d, PCT(5)));
	EXPECT_EQ(561, gray_loss_asn(&d, PCT(1)));
	EXPECT_EQ(1148, gray_loss_asn(&d, PCT(0.5)));
	EXPECT_EQ(7002, gray_loss_asn(&d, PCT(0.1)));
	/* below the indifference point (about 0.0215 %) it never alarms */
	EXPECT_EQ(0, gray_loss_asn(&d, PCT(0.02)));
	EXPECT_EQ(0, gray_loss_asn(&d, 10000));
}

/* Every step is exact: so many clean packets after one loss. */
TEST(sprt_arithmetic_is_exact)
{
	struct gray_loss d;
	__s64 want;
	int i;

	loss_default(_metadata, &d);
	EXPECT_EQ(GRAY_EV_NONE, gray_loss_update(&d, 1, 1));
	want = d.lower + d.w_lost;
	EXPECT_EQ(want, d.llr);
	for (i = 0; i < 100; i++)
		gray_loss_update(&d, 1, 0);
	want += 100 * d.w_ok;
	EXPECT_EQ(want, d.llr);
	/* a batch is the sum of its packets */
	gray_loss_update(&d, 1000, 1);
	want += d.w_lost + 999 * d.w_ok;
	EXPECT_EQ(want, d.llr);
	/* never below the H0 bound while clean */
	gray_loss_update(&d, 1000000, 0);
	EXPECT_EQ(d.lower, d.llr);
	/* lost > n counts as n */
	gray_loss_update(&d, 2, 5);
	EXPECT_EQ(d.lower + 2 * d.w_lost, d.llr);
	EXPECT_EQ(1 + 100 + 1000 + 1000000 + 2, d.n);
	EXPECT_EQ(4, d.lost);
	EXPECT_EQ(GRAY_EV_NONE, gray_loss_update(&d, 0, 0));
}

/* Five losses in a row from the H0 bound alarm; four do not. */
TEST(sprt_burst_threshold)
{
	struct gray_loss d;
	int i;

	loss_default(_metadata, &d);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(GRAY_EV_NONE, gray_loss_update(&d, 1, 1));
	EXPECT_EQ(0, d.alarm);
	EXPECT_EQ(GRAY_EV_ALARM, gray_loss_update(&d, 1, 1));
	EXPECT_EQ(1, d.alarm);
	EXPECT_EQ(d.upper, d.llr);
	EXPECT_EQ(GRAY_EV_NONE, gray_loss_update(&d, 1, 1));
	EXPECT_EQ(d.upper, d.llr);
}

/* From the H1 bound, clean packets clear after (upper - lower) / -w_ok. */
TEST(sprt_clear_after_clean_run)
{
	struct gray_loss d;
	long i, need;

	loss_default(_metadata, &d);
	for (i = 0; i < 6; i++)
		gray_loss_update(&d, 1, 1);
	ASSERT_EQ(1, d.alarm);
	need = (d.upper - d.lower + (-d.w_ok) - 1) / (-d.w_ok);
	EXPECT_EQ(25563, need);
	for (i = 1; i < need; i++)
		ASSERT_EQ(GRAY_EV_NONE, gray_loss_update(&d, 1, 0));
	EXPECT_EQ(GRAY_EV_CLEAR, gray_loss_update(&d, 1, 0));
	EXPECT_EQ(0, d.alarm);
	EXPECT_EQ(1, d.clears);
	EXPECT_EQ(d.lower, d.llr);
}

/*
 * 10^8 packets at the H0 loss (1e-5, about a thousand losses), then 10^7
 * at five times that: no alarm. Exact losses for these seeds.
 */
TEST(sprt_no_false_alarm_long_clean_run)
{
	struct sim_rng r = { 1001 };
	struct gray_loss d;
	long i, lost = 0;
	int l;

	loss_default(_metadata, &d);
	for (i = 0; i < 100000000; i++) {
		l = sim_chance(&r, 10000);
		lost += l;
		ASSERT_EQ(GRAY_EV_NONE, gray_loss_update(&d, 1, l));
	}
	EXPECT_EQ(976, lost);
	r.s = 2002;
	lost = 0;
	for (i = 0; i < 10000000; i++) {
		l = sim_chance(&r, 50000);
		lost += l;
		ASSERT_EQ(GRAY_EV_NONE, gray_loss_update(&d, 1, l));
	}
	EXPECT_EQ(LOST_5E5, lost);
	EXPECT_EQ(0, d.alarms);
	TH_LOG("clean: 1.1e8 packets, %llu lost, 0 alarms", (unsigned long long)d.lost);
}

/* 0.1 % loss is told from clean on every one of 200 seeds. */
TEST(sprt_detects_01pct)
{
	struct dist o;

	EXPECT_EQ(13052, detect(1, PCT(0.1), 1000000));
	EXPECT_EQ(6878, detect(2, PCT(0.1), 1000000));
	detect_dist(PCT(0.1), 200, 1000000, &o);
	EXPECT_EQ(0, o.missed);
	EXPECT_EQ(1132, o.min);
	EXPECT_EQ(7002, o.p50);
	EXPECT_EQ(12035, o.p90);
	EXPECT_EQ(23259, o.max);
	TH_LOG("0.1%%: samples to detect min %ld p50 %ld p90 %ld max %ld",
	       o.min, o.p50, o.p90, o.max);
}

TEST(sprt_detects_1pct)
{
	struct dist o;

	EXPECT_EQ(361, detect(1, PCT(1), 1000000));
	detect_dist(PCT(1), 200, 1000000, &o);
	EXPECT_EQ(0, o.missed);
	EXPECT_EQ(115, o.min);
	EXPECT_EQ(606, o.p50);
	EXPECT_EQ(961, o.p90);
	EXPECT_EQ(1460, o.max);
	TH_LOG("1%%: samples to detect min %ld p50 %ld p90 %ld max %ld",
	       o.min, o.p50, o.p90, o.max);
}

TEST(sprt_detects_05pct_and_5pct)
{
	struct dist o;

	detect_dist(PCT(0.5), 200, 1000000, &o);
	EXPECT_EQ(0, o.missed);
	EXPECT_EQ(1129, o.p50);
	EXPECT_EQ(2525, o.max);
	TH_LOG("0.5%%: samples to detect p50 %ld p90 %ld max %ld", o.p50, o.p90, o.max);
	detect_dist(PCT(5), 200, 1000000, &o);
	EXPECT_EQ(0, o.missed);
	EXPECT_EQ(113, o.p50);
	EXPECT_EQ(329, o.max);
	TH_LOG("5%%: samples to detect p50 %ld p90 %ld max %ld", o.p50, o.p90, o.max);
}

/* Reference values: the closed-form Wilson interval in double precision. */
TEST(wilson_interval)
{
	struct gray_ratio r;

	gray_wilson(0, 0, 1960, &r);
	EXPECT_EQ(0, r.point);
	EXPECT_EQ(0, r.lo);
	EXPECT_EQ(GRAY_PPB, r.hi);
	gray_wilson(1000, 0, 1960, &r);
	EXPECT_EQ(0, r.point);
	EXPECT_EQ(0, r.lo);
	NEAR(0.003826, r.hi / 1e9, 2e-6);	/* z^2 / (n + z^2) */
	gray_wilson(1000, 10, 1960, &r);
	EXPECT_EQ(10000000, r.point);
	NEAR(0.0054407, r.lo / 1e9, 2e-6);
	NEAR(0.0183097, r.hi / 1e9, 2e-6);
	gray_wilson(1000000, 1000, 2576, &r);
	EXPECT_EQ(1000000, r.point);
	NEAR(0.00092182, r.lo / 1e9, 2e-7);
	NEAR(0.00108480, r.hi / 1e9, 2e-7);
	gray_wilson(50, 50, 1960, &r);
	EXPECT_EQ(GRAY_PPB, r.point);
	NEAR(0.928650, r.lo / 1e9, 2e-6);
	EXPECT_EQ(GRAY_PPB, r.hi);
	/* counts above 2^30 are scaled to it (the interval of n = 2^30) */
	gray_wilson(1ULL << 40, 1ULL << 30, 1960, &r);
	NEAR(1.0 / 1024, r.point / 1e9, 1e-9);
	NEAR(0.00097470, r.lo / 1e9, 2e-8);
	NEAR(0.00097843, r.hi / 1e9, 2e-8);
	EXPECT_LT(r.lo, r.point);
	EXPECT_GT(r.hi, r.point);
}

TEST(loss_estimate_window_decays)
{
	struct gray_loss_cfg c;
	struct gray_loss d;
	struct gray_ratio r;
	int i;

	gray_loss_cfg_default(&c);
	c.window = 1000;
	ASSERT_EQ(0, gray_loss_init(&d, &c));
	for (i = 0; i < 900; i++)
		gray_loss_update(&d, 1, i % 10 == 0);	/* 10 % */
	gray_loss_estimate(&d, 1960, &r);
	EXPECT_EQ(100000000, r.point);
	EXPECT_LT(r.lo, r.point);
	EXPECT_GT(r.hi, r.point);
	for (i = 0; i < 5000; i++)
		gray_loss_update(&d, 1, 0);
	gray_loss_estimate(&d, 1960, &r);
	EXPECT_LT(r.point, 10000000);	/* the old losses have decayed */
	EXPECT_LT(d.win_n, 1000);
	EXPECT_EQ(5900, d.n);
	EXPECT_EQ(90, d.lost);
}

/* ---- latency ---- */

#define BASE_NS		100000	/* 100 us */
#define JITTER_NS	10000	/* uniform 0..10 us */

struct lat_run {
	long alarm_at;		/* sample of the first alarm, -1 */
	long clear_at;
	__u64 alarms;
};

/*
 * @n samples of BASE + jitter, @shift added from sample @from on and
 * removed at @until; every @stall_every-th sample (0: none) is a stall
 * outlier of 2-30 ms in a run of 1-3 samples, flagged when @flag.
 */
static void lat_sim(__u64 seed, long n, __u32 shift, long from, long until,
		    long stall_every, int flag, struct gray_lat *d,
		    struct lat_run *o)
{
	struct sim_rng r = { seed };
	struct gray_lat_cfg c;
	long i, run = 0;
	__u32 rtt, fl;
	enum gray_event ev;

	gray_lat_cfg_default(&c);
	gray_lat_init(d, &c);
	o->alarm_at = o->clear_at = -1;
	for (i = 0; i < n; i++) {
		rtt = BASE_NS + sim_below(&r, JITTER_NS);
		fl = 0;
		if (i >= from && i < until)
			rtt += shift;
		if (stall_every && !run && sim_below(&r, stall_every) == 0)
			run = 1 + sim_below(&r, 3);
		if (run) {
			rtt += 2000000 + sim_below(&r, 28000000);
			fl = flag ? GRAY_F_STALL : 0;
			run--;
		}
		ev = gray_lat_sample(d, rtt, fl);
		if (ev == GRAY_EV_ALARM && o->alarm_at < 0)
			o->alarm_at = i;
		if (ev == GRAY_EV_CLEAR && o->clear_at < 0)
			o->clear_at = i;
	}
	o->alarms = d->alarms;
}

TEST(lat_learns_baseline)
{
	struct gray_lat d;
	struct lat_run o;

	lat_sim(7, 64, 0, 0, 0, 0, 0, &d, &o);
	EXPECT_EQ(8, d.blocks);
	EXPECT_GE(d.baseline, BASE_NS);
	EXPECT_LT(d.baseline, BASE_NS + JITTER_NS);
	EXPECT_EQ(25000, d.k);		/* jitter is small: k = shift / 2 */
	EXPECT_EQ(-1, o.alarm_at);
}

TEST(lat_rejects_bad_config)
{
	struct gray_lat_cfg c, ok;
	struct gray_lat d;

	gray_lat_cfg_default(&ok);
	c = ok, c.shift_ns = 0;
	EXPECT_EQ(-GRAY_EINVAL, gray_lat_init(&d, &c));
	c = ok, c.block = GRAY_LAT_BLOCK_MAX + 1;
	EXPECT_EQ(-GRAY_EINVAL, gray_lat_init(&d, &c));
	c = ok, c.learn = 0;
	EXPECT_EQ(-GRAY_EINVAL, gray_lat_init(&d, &c));
	c = ok, c.h_shifts = 0;
	EXPECT_EQ(-GRAY_EINVAL, gray_lat_init(&d, &c));
	EXPECT_EQ(0, gray_lat_init(&d, &ok));
}

/* A 50 us shift at sample 10000 is detected, then cleared when it ends. */
TEST(lat_detects_50us)
{
	struct gray_lat d;
	struct lat_run o;

	lat_sim(1, 20000, 50000, 10000, 15000, 0, 0, &d, &o);
	EXPECT_EQ(LAT50_ALARM, o.alarm_at);
	EXPECT_EQ(LAT50_CLEAR, o.clear_at);
	EXPECT_EQ(1, o.alarms);
	TH_LOG("50 us shift: alarm %ld samples after it began, clear %ld after it ended",
	       o.alarm_at - 10000, o.clear_at - 15000);
}

/* ... also with unflagged stall outliers around (one run per 200). */
TEST(lat_detects_50us_among_stalls)
{
	struct gray_lat d;
	struct lat_run o;

	lat_sim(2, 20000, 50000, 10000, 20000, 200, 0, &d, &o);
	EXPECT_EQ(LAT50S_ALARM, o.alarm_at);
	EXPECT_EQ(1, o.alarms);
}

/* Unflagged stall outliers alone never alarm over 10^6 samples. */
TEST(lat_ignores_stall_outliers)
{
	struct gray_lat d;
	struct lat_run o;

	lat_sim(3, 1000000, 0, 0, 0, 200, 0, &d, &o);
	EXPECT_EQ(0, o.alarms);
	EXPECT_GT(d.baseline, BASE_NS - 1);
	EXPECT_LT(d.baseline, BASE_NS + JITTER_NS);
	/* flagged ones are not even samples */
	lat_sim(3, 1000000, 0, 0, 0, 200, 1, &d, &o);
	EXPECT_EQ(0, o.alarms);
	EXPECT_EQ(STALLS_FLAGGED, d.stalls);
	EXPECT_EQ(1000000, d.samples + d.stalls);
}

/* Below the reference k (shift / 2) nothing alarms. */
TEST(lat_small_shift_no_alarm)
{
	struct gray_lat d;
	struct lat_run o;

	lat_sim(4, 200000, 15000, 1000, 200000, 0, 0, &d, &o);
	EXPECT_EQ(0, o.alarms);
}

/* Noisy RTT: k grows with the learnt spread, so jitter alone is quiet. */
TEST(lat_noise_adapts_k)
{
	struct sim_rng r = { 5 };
	struct gray_lat_cfg c;
	struct gray_lat d;
	long i;

	gray_lat_cfg_default(&c);
	ASSERT_EQ(0, gray_lat_init(&d, &c));
	for (i = 0; i < 500000; i++)
		gray_lat_sample(&d, BASE_NS + sim_below(&r, 200000), 0);
	EXPECT_EQ(78180, d.k);
	EXPECT_EQ(0, d.alarms);
	TH_LOG("jitter 0..200 us: k = %u ns", d.k);
}

TEST_HARNESS_MAIN
