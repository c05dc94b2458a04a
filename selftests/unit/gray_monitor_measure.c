// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Measures the gray monitor's localisation in one leaf's view (leaf 1's
 * six paths, as fabricd has them) over many seeds of the unit tests'
 * simulation (test_gray_monitor_sim.h): how often a wrong link is named,
 * how often the faulty one is not, and how long naming takes. Not a test:
 * it prints one line per scenario, for Documentation/gray.md's figures.
 *
 *   gray_monitor_measure [SEEDS] [THRESHOLD_PPM]
 *
 * Scenarios (spine 1 = index 0, links as leaf 1 names them):
 *   up P      P ppm on the uplink l1-s1 for 20 s
 *   race      1 % on l1-s1, the path to l4 spared until its siblings alarm
 *             (at most 400 ms), as in the unit test
 *   far P     P ppm on the far link s1-l2 (one path) for 20 s
 *   overlap   1 % on s1-l2 for 3 s, then, 1 s after it ends, 1 % on s1-l3
 *             for 3 s: a fault while the last one's path still alarms
 *   stray2    1 % on s1-l2, the paths to l3 and l4 over s1 losing stray
 *             probes at 0.05-0.3 % each (no link)
 *   stray1    the same with only the path to l3 losing stray probes
 */
#include <stdlib.h>

#include "test_gray_monitor_sim.h"

#define MAX_T	64

struct tally {
	uint32_t runs, wrong, missed, drained_wrong, uplink;
	uint32_t t_ms[4096];
	uint32_t n_t;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(struct tally *t, uint32_t q)
{
	if (!t->n_t)
		return 0;
	qsort(t->t_ms, t->n_t, sizeof(t->t_ms[0]), cmp_u32);
	return t->t_ms[(t->n_t - 1) * q / 100];
}

static uint32_t race_spine;
static uint64_t race_t;
static bool race_over;

static bool spare_l4(const struct sim *s, uint32_t leaf, uint32_t path)
{
	struct gmon_path_status a, b;

	if (leaf || path != race_spine + 4 || race_over ||
	    !s->loss_ppm[up_link(0, race_spine)])
		return false;
	if (!race_t)
		race_t = s->now;
	gmon_path_status(s->m, 0, race_spine, &a);
	gmon_path_status(s->m, 0, race_spine + 2, &b);
	if ((a.loss_alarm && b.loss_alarm) || s->now - race_t >= MS(400))
		race_over = true;
	return !race_over;
}

/*
 * One run: links[] (n of them) are the faults, each from start_ms for
 * len_ms after the 3 s warm-up; every event naming another link is wrong.
 * The time to name is to the first suspect event of links[0].
 */
static void run(struct tally *t, uint32_t thr, uint64_t seed, const uint32_t *links,
		const uint32_t *ppm, const uint32_t *start_ms, const uint32_t *len_ms,
		uint32_t n, uint32_t stray, bool race, uint32_t total_ms)
{
	struct sim *s = &S_;
	uint64_t t0;
	uint32_t ms, k, i, first = 0;
	bool named0 = false, wrong = false, dwrong = false, upl = false;

	sim_cfg(s, 2);
	s->rng ^= seed * 0x9e3779b97f4a7c15ULL + 1;
	rnd(s);
	s->cfg.n_groups = 1;
	s->cfg.loss_threshold_ppm = thr;
	gmon_cfg_derive(&s->cfg);
	race_over = false;
	race_t = 0;
	race_spine = 0;
	s->spare = race ? spare_l4 : NULL;
	if (sim_start(s))
		exit(1);
	sim_run(s, 3000, NULL);
	t0 = s->now;
	if (stray)
		s->stray_ppm[0][2] = 500 + rnd(s) % 2501;
	if (stray > 1)
		s->stray_ppm[0][4] = 500 + rnd(s) % 2501;
	for (ms = 0; ms < total_ms; ms++) {
		for (k = 0; k < n; k++)
			s->loss_ppm[links[k]] = ms >= start_ms[k] &&
				ms < start_ms[k] + len_ms[k] ? ppm[k] : 0;
		sim_run(s, 1, NULL);
	}
	for (i = 0; i < s->n_ev; i++) {
		bool ours = false;

		for (k = 0; k < n; k++)
			ours |= s->ev[i].link == links[k];
		if (!ours) {
			wrong = true;
			if (s->ev[i].link == up_link(0, 0) || s->ev[i].link == up_link(0, 1))
				upl = true;
			if (s->ev[i].type == GMON_EV_DRAIN)
				dwrong = true;
		}
		if (s->ev[i].link == links[0] && s->ev[i].type == GMON_EV_SUSPECT &&
		    !named0) {
			named0 = true;
			first = (uint32_t)((s->ev[i].time_ns - t0) / 1000000ULL) -
				start_ms[0];
		}
	}
	t->runs++;
	t->wrong += wrong;
	t->drained_wrong += dwrong;
	t->uplink += upl;
	if (!named0)
		t->missed++;
	else if (t->n_t < 4096)
		t->t_ms[t->n_t++] = first;
	gmon_free(s->m);
}

static void report(const char *name, struct tally *t)
{
	printf("%s: runs=%u wrong=%u wrong_uplink=%u wrong_drain=%u missed=%u name_ms_p50=%u p90=%u max=%u\n",
	       name, t->runs, t->wrong, t->uplink, t->drained_wrong, t->missed, pct(t, 50),
	       pct(t, 90), pct(t, 100));
}

int main(int argc, char **argv)
{
	uint32_t seeds = argc > 1 ? (uint32_t)atoi(argv[1]) : 200;
	uint32_t thr = argc > 2 ? (uint32_t)atoi(argv[2]) : 1000;
	uint32_t up = up_link(0, 0), x = down_link(0, 1), y = down_link(0, 2);
	static const uint32_t rates[] = { 50000, 10000, 5000, 1000 };
	uint32_t r, sd;
	char name[64];

	printf("# threshold %u ppm, %u seeds per scenario\n", thr, seeds);
	for (r = 0; r < 4; r++) {
		struct tally t = { 0 };
		uint32_t st = 0, len = 20000;

		if (rates[r] < thr)
			continue;
		for (sd = 0; sd < seeds; sd++)
			run(&t, thr, sd, &up, &rates[r], &st, &len, 1, 0, false, 30000);
		snprintf(name, sizeof(name), "up_%uppm", rates[r]);
		report(name, &t);
	}
	{
		struct tally t = { 0 };
		uint32_t p = 10000, st = 0, len = 20000;

		for (sd = 0; sd < seeds; sd++)
			run(&t, thr, sd, &up, &p, &st, &len, 1, 0, true, 30000);
		report("race_up_10000ppm", &t);
	}
	for (r = 0; r < 4; r++) {
		struct tally t = { 0 };
		uint32_t st = 0, len = 20000;

		if (rates[r] < thr)
			continue;
		for (sd = 0; sd < seeds; sd++)
			run(&t, thr, sd, &x, &rates[r], &st, &len, 1, 0, false, 30000);
		snprintf(name, sizeof(name), "far_%uppm", rates[r]);
		report(name, &t);
	}
	{
		struct tally t = { 0 };
		uint32_t l[2] = { y, x }, p[2] = { 10000, 10000 };
		uint32_t st[2] = { 4000, 0 }, len[2] = { 3000, 3000 };

		for (sd = 0; sd < seeds; sd++)
			run(&t, thr, sd, l, p, st, len, 2, 0, false, 40000);
		report("overlap_10000ppm", &t);
	}
	{
		struct tally t = { 0 };
		uint32_t p = 10000, st = 0, len = 20000;

		for (sd = 0; sd < seeds; sd++)
			run(&t, thr, sd, &x, &p, &st, &len, 1, 2, false, 20000);
		report("stray2_far_10000ppm", &t);
	}
	{
		struct tally t = { 0 };
		uint32_t p = 10000, st = 0, len = 20000;

		for (sd = 0; sd < seeds; sd++)
			run(&t, thr, sd, &x, &p, &st, &len, 1, 1, false, 20000);
		report("stray1_far_10000ppm", &t);
	}
	return 0;
}
