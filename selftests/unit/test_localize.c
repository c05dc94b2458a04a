// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of gray-failure localisation (common/localize.c) on the
 * 4-leaf, 2-spine fabric of scripts/lab/lab4.sh: every single-link fault
 * is named exactly, from ideal path verdicts and from verdicts that
 * per-path SPRT detectors (common/gray.c) reach on simulated probes
 * (seeded splitmix64, exact for its seeds); two faults at once, unknown
 * paths, ambiguity, unexplained evidence and bad input.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "gray.h"
#include "localize.h"
#include "gray_sim.h"

#define LEAVES		4
#define SPINES		2
/* directed links: up (leaf -> spine) 0..7, down (spine -> leaf) 8..15 */
#define UP(l, s)	((l) * SPINES + (s))
#define DOWN(s, l)	(LEAVES * SPINES + (l) * SPINES + (s))
#define N_DLINKS	(2 * LEAVES * SPINES)
/* undirected links: one per leaf-spine cable */
#define CABLE(l, s)	((l) * SPINES + (s))
#define N_CABLES	(LEAVES * SPINES)

struct topo {
	struct loc_path p[LOC_MAX_PATHS];
	__u32 n_paths, n_links;
};

/* Leaf a -> leaf b over spine s, for every a != b: 24 paths, 3 per link. */
static void topo_directed(struct topo *t)
{
	int a, b, s;

	memset(t, 0, sizeof(*t));
	for (a = 0; a < LEAVES; a++)
		for (b = 0; b < LEAVES; b++)
			for (s = 0; s < SPINES; s++) {
				struct loc_path *p = &t->p[t->n_paths];

				if (a == b)
					continue;
				p->link[0] = UP(a, s);
				p->link[1] = DOWN(s, b);
				p->n_hops = 2;
				t->n_paths++;
			}
	t->n_links = N_DLINKS;
}

/* Round trips between leaf pairs a < b over spine s: 12 paths, 3 per cable. */
static void topo_cables(struct topo *t)
{
	int a, b, s;

	memset(t, 0, sizeof(*t));
	for (a = 0; a < LEAVES; a++)
		for (b = a + 1; b < LEAVES; b++)
			for (s = 0; s < SPINES; s++) {
				struct loc_path *p = &t->p[t->n_paths];

				p->link[0] = CABLE(a, s);
				p->link[1] = CABLE(b, s);
				p->n_hops = 2;
				t->n_paths++;
			}
	t->n_links = N_CABLES;
}

static int through(const struct loc_path *p, __u32 link)
{
	int h;

	for (h = 0; h < p->n_hops; h++)
		if (p->link[h] == link)
			return 1;
	return 0;
}

/* Ideal verdicts: bad iff through a faulty link (bit of @faults). */
static void verdicts(struct topo *t, __u64 faults)
{
	__u32 i, h;

	for (i = 0; i < t->n_paths; i++) {
		t->p[i].state = LOC_CLEAN;
		t->p[i].loss_ppb = 0;
		for (h = 0; h < t->p[i].n_hops; h++)
			if (faults >> t->p[i].link[h] & 1) {
				t->p[i].state = LOC_BAD;
				t->p[i].loss_ppb = 10000000;
			}
	}
}

static struct loc_work work;

static int solve(struct topo *t, struct loc_link *l, struct loc_result *r)
{
	struct loc_cfg c;

	loc_cfg_default(&c);
	return loc_solve(t->p, t->n_paths, t->n_links, &c, l, r, &work);
}

static __u64 suspects(const struct loc_link *l, __u32 n)
{
	__u64 m = 0;
	__u32 i;

	for (i = 0; i < n; i++)
		if (l[i].suspect)
			m |= 1ULL << i;
	return m;
}

TEST(topology_covers_every_link_twice)
{
	struct topo t;
	__u32 i, j, n;

	topo_directed(&t);
	ASSERT_EQ(24, t.n_paths);
	for (j = 0; j < t.n_links; j++) {
		for (n = 0, i = 0; i < t.n_paths; i++)
			n += through(&t.p[i], j);
		EXPECT_EQ(3, n);
	}
	topo_cables(&t);
	ASSERT_EQ(12, t.n_paths);
	for (j = 0; j < t.n_links; j++) {
		for (n = 0, i = 0; i < t.n_paths; i++)
			n += through(&t.p[i], j);
		EXPECT_EQ(3, n);
	}
}

static void every_single_fault(struct __test_metadata *_metadata, struct topo *t)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_result r;
	__u32 f;

	for (f = 0; f < t->n_links; f++) {
		verdicts(t, 1ULL << f);
		ASSERT_EQ(0, solve(t, l, &r));
		EXPECT_EQ(1ULL << f, suspects(l, t->n_links)) TH_LOG("fault on link %u", f);
		EXPECT_EQ(1000, l[f].conf);
		EXPECT_EQ(3, l[f].n_bad);
		EXPECT_EQ(3, l[f].n_unique);
		EXPECT_EQ(10000000, l[f].loss_ppb);
		EXPECT_EQ(1, r.n_suspects);
		EXPECT_EQ(3, r.n_bad);
		EXPECT_EQ(0, r.unexplained);
	}
}

TEST(single_fault_directed_links)
{
	struct topo t;

	topo_directed(&t);
	every_single_fault(_metadata, &t);
}

TEST(single_fault_cables)
{
	struct topo t;

	topo_cables(&t);
	every_single_fault(_metadata, &t);
}

TEST(no_fault_no_suspect)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_result r;
	struct topo t;

	topo_directed(&t);
	verdicts(&t, 0);
	ASSERT_EQ(0, solve(&t, l, &r));
	EXPECT_EQ(0, suspects(l, t.n_links));
	EXPECT_EQ(0, r.n_bad);
}

/* Undecided paths neither accuse nor exonerate. */
TEST(unknown_paths)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_result r;
	struct topo t;
	__u32 i, f = UP(2, 1), seen = 0;

	topo_directed(&t);
	verdicts(&t, 1ULL << f);
	for (i = 0; i < t.n_paths; i++)
		if (t.p[i].state == LOC_BAD && seen++ == 0)
			t.p[i].state = LOC_UNKNOWN;
	ASSERT_EQ(0, solve(&t, l, &r));
	EXPECT_EQ(1ULL << f, suspects(l, t.n_links));
	EXPECT_EQ(1000, l[f].conf);		/* 2 bad of 2 decided */
	/* one decided path only: half the confidence */
	seen = 0;
	for (i = 0; i < t.n_paths; i++)
		if (t.p[i].state == LOC_BAD && seen++ == 0)
			t.p[i].state = LOC_UNKNOWN;
	ASSERT_EQ(0, solve(&t, l, &r));
	EXPECT_EQ(1ULL << f, suspects(l, t.n_links));
	EXPECT_EQ(500, l[f].conf);
}

/* Two faults whose paths are disjoint are both named. */
TEST(two_faults)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_result r;
	struct topo t;
	__u64 f = 1ULL << UP(0, 0) | 1ULL << DOWN(1, 3);

	topo_directed(&t);
	verdicts(&t, f);
	ASSERT_EQ(0, solve(&t, l, &r));
	EXPECT_EQ(f, suspects(l, t.n_links));
	EXPECT_EQ(0, r.unexplained);
	/* the same leaf's two uplinks */
	f = 1ULL << UP(1, 0) | 1ULL << UP(1, 1);
	verdicts(&t, f);
	ASSERT_EQ(0, solve(&t, l, &r));
	EXPECT_EQ(f, suspects(l, t.n_links));
}

/* With no clean path to tell them apart, both links of one bad path are
 * candidates: one is named, at a quarter confidence. */
TEST(ambiguous)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_path p = { .link = { 3, 5 }, .n_hops = 2, .state = LOC_BAD };
	struct loc_result r;
	struct loc_cfg c;

	loc_cfg_default(&c);
	ASSERT_EQ(0, loc_solve(&p, 1, 8, &c, l, &r, &work));
	EXPECT_EQ(1, r.n_suspects);
	EXPECT_EQ(1ULL << 3, suspects(l, 8));
	EXPECT_EQ(1, l[5].candidate);
	EXPECT_EQ(250, l[3].conf);	/* 1 decided of 2 needed, not unique */
}

/* A bad path whose links all carry clean paths is noise, not a fault. */
TEST(unexplained)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_result r;
	struct topo t;

	topo_directed(&t);
	verdicts(&t, 0);
	t.p[5].state = LOC_BAD;
	ASSERT_EQ(0, solve(&t, l, &r));
	EXPECT_EQ(0, suspects(l, t.n_links));
	EXPECT_EQ(1, r.unexplained);
}

TEST(bad_input)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_result r;
	struct topo t;
	struct loc_cfg c;

	loc_cfg_default(&c);
	topo_directed(&t);
	t.p[0].link[1] = N_DLINKS;
	EXPECT_EQ(-LOC_EINVAL, solve(&t, l, &r));
	topo_directed(&t);
	t.p[0].n_hops = 0;
	EXPECT_EQ(-LOC_EINVAL, solve(&t, l, &r));
	topo_directed(&t);
	t.p[0].n_hops = LOC_MAX_HOPS + 1;
	EXPECT_EQ(-LOC_EINVAL, solve(&t, l, &r));
	topo_directed(&t);
	t.p[0].state = 7;
	EXPECT_EQ(-LOC_EINVAL, solve(&t, l, &r));
	EXPECT_EQ(-LOC_EINVAL, loc_solve(t.p, LOC_MAX_PATHS + 1, 16, &c, l, &r, &work));
	EXPECT_EQ(-LOC_EINVAL, loc_solve(t.p, 1, LOC_MAX_LINKS + 1, &c, l, &r, &work));
	EXPECT_EQ(-LOC_EINVAL, loc_solve(t.p, 1, 0, &c, l, &r, &work));
}

/*
 * End to end on simulated probes: one SPRT per path, @n probes each, the
 * faulty link losing @ppb (a path's loss is that of its links combined),
 * every link clean at 1e-5 otherwise. A path is BAD when its detector
 * alarmed, CLEAN when it sits at the H0 bound, else UNKNOWN.
 */
static int sim_localize(struct topo *t, __u32 fault, __u32 ppb, long n,
			__u64 seed, struct loc_link *l, struct loc_result *r)
{
	struct sim_rng rng = { seed };
	struct gray_loss_cfg c;
	struct gray_loss d;
	struct gray_ratio est;
	__u32 i, h;
	long k;
	int lost;

	gray_loss_cfg_default(&c);
	for (i = 0; i < t->n_paths; i++) {
		if (gray_loss_init(&d, &c))
			return -1;
		for (k = 0; k < n; k++) {
			lost = 0;
			for (h = 0; h < t->p[i].n_hops; h++)
				lost |= sim_chance(&rng, t->p[i].link[h] == fault ? ppb : 10000);
			gray_loss_update(&d, 1, lost);
		}
		t->p[i].state = d.alarm ? LOC_BAD :
				d.llr == d.lower ? LOC_CLEAN : LOC_UNKNOWN;
		gray_loss_estimate(&d, 1960, &est);
		t->p[i].loss_ppb = est.point;
	}
	return solve(t, l, r);
}

static void sim_every_link(struct __test_metadata *_metadata, __u32 ppb, long n,
			   int seeds)
{
	struct loc_link l[LOC_MAX_LINKS];
	struct loc_result r;
	struct topo t;
	__u32 f;
	int s, exact = 0, runs = 0;

	topo_directed(&t);
	for (s = 1; s <= seeds; s++)
		for (f = 0; f < t.n_links; f++) {
			ASSERT_EQ(0, sim_localize(&t, f, ppb, n, s * 100 + f, l, &r));
			runs++;
			if (suspects(l, t.n_links) == 1ULL << f && l[f].conf == 1000)
				exact++;
			else
				TH_LOG("seed %d link %u: suspects %#llx conf %u", s, f,
				       (unsigned long long)suspects(l, t.n_links), l[f].conf);
		}
	EXPECT_EQ(runs, exact);
}

TEST(sim_1pct_every_link)
{
	sim_every_link(_metadata, 10000000, 5000, 3);
}

TEST(sim_01pct_every_link)
{
	sim_every_link(_metadata, 1000000, 40000, 2);
}

TEST_HARNESS_MAIN
