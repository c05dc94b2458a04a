/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The seeded simulation the gray monitor's unit tests share: 4 leaves, 2
 * spines, one group per leaf whose 6 paths go to the other leaves over
 * either spine (two directed links each), 1 kHz probes with stalls and
 * late answers, optional passive evidence, and the real failover policy
 * (common/failover.c) as the monitor's executor.
 */
#ifndef TEST_GRAY_MONITOR_SIM_H
#define TEST_GRAY_MONITOR_SIM_H

#include <stdio.h>
#include <string.h>

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
	/* Loss of one path's probes that no link causes: a loaded host's
	 * stray losses (ppm), as the lab campaign saw at load ~30. */
	uint32_t stray_ppm[LEAVES][GMON_MAX_PATHS];
	uint32_t path_dst[LEAVES][GMON_MAX_PATHS], path_spine[LEAVES][GMON_MAX_PATHS];
	struct gmon_event ev[256];
	uint32_t n_ev;
	uint32_t acts, act_on[LEAVES];	/* paths told GRAY now (bit) */
	uint32_t min_members;		/* smallest member count seen */
	bool passive;			/* also feed passive evidence */
	/* A path spared by the injected faults while this says so: a
	 * lossy or slow link's path that, by chance, has lost no probe
	 * yet (the race the settle rule guards). NULL: none. */
	bool (*spare)(const struct sim *s, uint32_t leaf, uint32_t path);
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
				bool spared = s->spare && s->spare(s, a, p);
				bool lost = false;

				for (h = 0; h < pc->n_links; h++) {
					if (rnd(s) % 1000000 < s->loss_ppm[pc->link[h]])
						lost = true;
					rtt += s->delay_ns[pc->link[h]];
				}
				if (s->stray_ppm[a][p] &&
				    rnd(s) % 1000000 < s->stray_ppm[a][p])
					lost = true;
				if (spared) {
					lost = false;
					rtt = 100000 + rnd(s) % 10000;
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

#endif
