// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/gray: the gray-failure campaign (issue 11) and its scoring.
 *
 * A fault schedule with ground truth (random type, link and severity, each
 * for a bounded window, separated by fault-free gaps, a stress phase with
 * stall outliers, a clean hour) is played against the detectors
 * (common/gray.c) and the localisation (common/localize.c), and their
 * events are scored: precision, recall, localisation, time to detect,
 * false alarms per hour.
 *
 * Today the evidence is SIMULATED (source=sim on the output line): 1 kHz
 * leaf-to-leaf probes on every path of the 4-leaf, 2-spine fabric,
 * seeded, with loss, corruption (a lost probe, as the receiver drops it)
 * and delay applied per link. It scores the statistics and the
 * localisation, not the lab: the lab campaign (scripts/lab/lab4.sh,
 * fault.sh, roce-gen traffic, fabricd's events) replaces the evidence
 * source once the detectors are wired into fabricd. Fields that need the
 * lab (flapping, drains) print na.
 *
 *   gray [--faults N] [--seed S] [--fault-s S] [--gap-s S] [--clean-s S]
 *   gray --lab|--score|--schedule|--clock ...   the lab campaign (gray_lab.c)
 *
 * GRAY_DEBUG=1 lists every event and fault with its outcome on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gray.h"
#include "localize.h"
#include "gray_lab.h"
#include "../selftests/unit/gray_sim.h"

#define LEAVES		4
#define SPINES		2
#define N_LINKS		(2 * LEAVES * SPINES)
#define UP(l, s)	((l) * SPINES + (s))
#define DOWN(s, l)	(LEAVES * SPINES + (l) * SPINES + (s))
#define TICK_MS		1		/* one probe per path per tick */
#define ROUND_MS	100		/* localisation every ROUND_MS */
#define GRACE_MS	2000		/* an event this long after a fault still counts */
#define BASE_NS		100000
#define JITTER_NS	10000

enum ftype { F_LOSS, F_CORRUPT, F_DELAY, F_NTYPES };

struct fault {
	int type, link;
	__u32 loss_ppb, delay_ns;
	long start_ms, end_ms;
	long detect_ms;		/* first event naming any link, -1 */
	int localized;		/* that first event named this link */
};

struct event {
	long t_ms;
	int link;
};

static struct loc_path paths[LOC_MAX_PATHS];
static int n_paths;
static struct gray_loss loss[LOC_MAX_PATHS];
static struct gray_lat lat[LOC_MAX_PATHS];
static struct loc_work work;

static void topo(void)
{
	int a, b, s;

	for (a = 0; a < LEAVES; a++)
		for (b = 0; b < LEAVES; b++)
			for (s = 0; s < SPINES && a != b; s++) {
				paths[n_paths].link[0] = UP(a, s);
				paths[n_paths].link[1] = DOWN(s, b);
				paths[n_paths].n_hops = 2;
				n_paths++;
			}
}

static void detectors_init(void)
{
	struct gray_loss_cfg lc;
	struct gray_lat_cfg tc;
	int i;

	gray_loss_cfg_default(&lc);
	gray_lat_cfg_default(&tc);
	for (i = 0; i < n_paths; i++) {
		gray_loss_init(&loss[i], &lc);
		gray_lat_init(&lat[i], &tc);
	}
}

/*
 * Every bad path through @link already crosses another link that is
 * suspect: the evidence is attributed, naming @link adds no event (it
 * happens while a fault's paths clear one by one).
 */
static int attributed(int link, const int *active)
{
	int i, h, other;

	for (i = 0; i < n_paths; i++) {
		if (paths[i].state != LOC_BAD)
			continue;
		for (h = 0, other = 0; h < paths[i].n_hops; h++) {
			if (paths[i].link[h] == link)
				other |= 2;
			else if (active[paths[i].link[h]])
				other |= 1;
		}
		if (other == 2)
			return 0;
	}
	return 1;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static const char *p50_ms(long *v, int n, char *buf, size_t len)
{
	if (!n)
		return "na";
	qsort(v, n, sizeof(*v), cmp_long);
	snprintf(buf, len, "%ld", v[n / 2]);
	return buf;
}

static const char *ratio(long num, long den, char *buf, size_t len)
{
	if (!den)
		return "na";
	snprintf(buf, len, "%.4f", (double)num / den);
	return buf;
}

int main(int argc, char **argv)
{
	long n_faults = 200, seed = 1, fault_s = 30, gap_s = 40, clean_s = 3600;
	static const __u32 loss_sev[] = { 1000000, 5000000, 10000000, 50000000 };
	struct sim_rng rng, net;
	struct fault *f;
	struct event *ev = NULL;
	long n_ev = 0, cap_ev = 0, t, end_ms, stress_from, stress_to, clean_from;
	int i, h, cur = -1, was_suspect[N_LINKS] = { 0 };
	struct loc_link links[LOC_MAX_LINKS];
	struct loc_result res;
	struct loc_cfg lcfg;

	if (argc > 1 && (!strcmp(argv[1], "--lab") || !strcmp(argv[1], "--score") ||
			 !strcmp(argv[1], "--schedule") || !strcmp(argv[1], "--clock") ||
			 !strcmp(argv[1], "--events")))
		return gray_lab_main(argc, argv);
	for (i = 1; i + 1 < argc; i += 2) {
		long v = atol(argv[i + 1]);

		if (!strcmp(argv[i], "--faults"))
			n_faults = v;
		else if (!strcmp(argv[i], "--seed"))
			seed = v;
		else if (!strcmp(argv[i], "--fault-s"))
			fault_s = v;
		else if (!strcmp(argv[i], "--gap-s"))
			gap_s = v;
		else if (!strcmp(argv[i], "--clean-s"))
			clean_s = v;
		else
			goto usage;
	}
	if (i != argc || n_faults < 1 || n_faults > 100000 || fault_s < 1 || gap_s < 1 ||
	    clean_s < 0)
		goto usage;

	/* the schedule: fault, gap, fault, ...; the middle third is stressed */
	rng.s = seed;
	net.s = seed ^ 0x5eed;
	f = calloc(n_faults, sizeof(*f));
	if (!f)
		return 1;
	for (i = 0; i < n_faults; i++) {
		f[i].type = sim_below(&rng, F_NTYPES);
		f[i].link = sim_below(&rng, N_LINKS);
		f[i].start_ms = gap_s * 1000 + i * (fault_s + gap_s) * 1000;
		f[i].end_ms = f[i].start_ms + fault_s * 1000;
		f[i].detect_ms = -1;
		if (f[i].type == F_DELAY)
			f[i].delay_ns = 20000 + sim_below(&rng, 181) * 1000;
		else
			f[i].loss_ppb = loss_sev[sim_below(&rng, 4)];
	}
	end_ms = f[n_faults - 1].end_ms + gap_s * 1000;
	stress_from = end_ms / 3;
	stress_to = 2 * end_ms / 3;
	clean_from = end_ms;
	end_ms += clean_s * 1000;

	topo();
	detectors_init();
	loc_cfg_default(&lcfg);
	for (t = 0; t < end_ms; t += TICK_MS) {
		int stressed = t >= stress_from && t < stress_to;

		while (cur + 1 < n_faults && f[cur + 1].start_ms <= t)
			cur++;
		for (i = 0; i < n_paths; i++) {
			__u32 rtt = BASE_NS + sim_below(&net, JITTER_NS), fl = 0;
			int lost = 0;

			for (h = 0; h < paths[i].n_hops; h++) {
				struct fault *c = cur >= 0 && t < f[cur].end_ms ? &f[cur] : NULL;
				__u32 p = 10000;	/* a clean link: 1e-5 */

				if (c && c->link == paths[i].link[h]) {
					p = c->loss_ppb;
					rtt += c->delay_ns;
				}
				lost |= sim_chance(&net, p);
			}
			/*
			 * stress: stalls of 2-30 ms on 1 % of probes. Half are
			 * seen by the stall detector (flagged: neither loss nor
			 * RTT evidence), half are not: those only arrive late,
			 * RTT outliers. A probe a stall made miss its deadline
			 * is always stall-discounted (the engine's rule today).
			 */
			if (stressed && sim_below(&net, 100) == 0) {
				rtt += 2000000 + sim_below(&net, 28000000);
				if (sim_below(&net, 2))
					fl = GRAY_F_STALL;
			}
			if (fl & GRAY_F_STALL) {
				gray_lat_sample(&lat[i], rtt, fl);
				continue;
			}
			gray_loss_update(&loss[i], 1, lost);
			if (!lost)
				gray_lat_sample(&lat[i], rtt, 0);
		}
		if (t % ROUND_MS)
			continue;
		for (i = 0; i < n_paths; i++) {
			int bad = loss[i].alarm || lat[i].alarm;

			paths[i].state = bad ? LOC_BAD :
					 loss[i].llr == loss[i].lower ? LOC_CLEAN : LOC_UNKNOWN;
		}
		loc_solve(paths, n_paths, N_LINKS, &lcfg, links, &res, &work);
		/*
		 * A link named suspect stays so until none of its paths is
		 * bad: while the paths clear one by one, the first clean one
		 * exonerates it for a while, which must not read as a new
		 * event when the next stray loss makes that path unknown.
		 */
		for (i = 0; i < N_LINKS; i++) {
			if (was_suspect[i] && !links[i].n_bad)
				was_suspect[i] = 0;
			if (links[i].suspect && !was_suspect[i] && !attributed(i, was_suspect)) {
				if (n_ev == cap_ev) {
					cap_ev = cap_ev ? 2 * cap_ev : 1024;
					ev = realloc(ev, cap_ev * sizeof(*ev));
					if (!ev)
						return 1;
				}
				ev[n_ev].t_ms = t;
				ev[n_ev].link = i;
				n_ev++;
				was_suspect[i] = 1;
			}
		}
	}

	/* scoring */
	{
		long tp_ev = 0, fa_clean = 0, rec_n = 0, rec_hit = 0, r01_n = 0, r01_hit = 0;
		long loc_n = 0, loc_ok = 0, n1 = 0, n01 = 0, nd = 0, e, k = 0;
		long *d1 = calloc(n_faults, sizeof(long)), *d01 = calloc(n_faults, sizeof(long));
		long *dd = calloc(n_faults, sizeof(long));
		char b[8][32];

		if (!d1 || !d01 || !dd)
			return 1;
		for (e = 0; e < n_ev; e++) {
			int hit = 0;

			while (k < n_faults && f[k].end_ms + GRACE_MS < ev[e].t_ms)
				k++;
			if (k < n_faults && ev[e].t_ms >= f[k].start_ms) {
				hit = 1;
				if (f[k].detect_ms < 0) {
					f[k].detect_ms = ev[e].t_ms - f[k].start_ms;
					f[k].localized = ev[e].link == f[k].link;
				}
			}
			tp_ev += hit;
			if (getenv("GRAY_DEBUG"))
				fprintf(stderr, "event t=%ld link %d hit %d\n", ev[e].t_ms, ev[e].link, hit);
			if (ev[e].t_ms >= clean_from)
				fa_clean++;
		}
		for (i = 0; i < n_faults; i++) {
			int big = f[i].type == F_DELAY ? f[i].delay_ns >= 50000 :
						       f[i].loss_ppb >= 5000000;
			int small = f[i].type != F_DELAY && f[i].loss_ppb == 1000000;
			int det = f[i].detect_ms >= 0;

			if (big) {
				rec_n++;
				rec_hit += det;
			}
			if (small) {
				r01_n++;
				r01_hit += det;
			}
			if (det) {
				loc_n++;
				loc_ok += f[i].localized;
			}
			if (getenv("GRAY_DEBUG"))
				fprintf(stderr, "fault %d type %d link %d loss %u delay %u detect %ld loc %d\n",
					i, f[i].type, f[i].link, f[i].loss_ppb, f[i].delay_ns,
					f[i].detect_ms, f[i].localized);
			if (det && f[i].type != F_DELAY && f[i].loss_ppb == 10000000)
				d1[n1++] = f[i].detect_ms;
			if (det && small)
				d01[n01++] = f[i].detect_ms;
			if (det && f[i].type == F_DELAY && f[i].delay_ns >= 50000 &&
			    f[i].delay_ns < 60000)
				dd[nd++] = f[i].detect_ms;
		}
		printf("gray: faults=%ld precision=%s recall=%s recall_01pct=%s localization=%s "
		       "detect_p50_ms_1pct=%s detect_p50_ms_01pct=%s delay_detect_p50_ms_50us=%s "
		       "false_alarms_per_hour=%s drains_correct=na source=sim events=%ld "
		       "probe_hz=%d clean_s=%ld\n",
		       n_faults, ratio(tp_ev, n_ev, b[0], 32), ratio(rec_hit, rec_n, b[1], 32),
		       ratio(r01_hit, r01_n, b[2], 32), ratio(loc_ok, loc_n, b[3], 32),
		       p50_ms(d1, n1, b[4], 32), p50_ms(d01, n01, b[5], 32),
		       p50_ms(dd, nd, b[6], 32),
		       clean_s ? (snprintf(b[7], 32, "%.2f", fa_clean * 3600.0 / clean_s), b[7]) : "na",
		       n_ev, 1000 / TICK_MS, clean_s);
		free(d1);
		free(d01);
		free(dd);
	}
	free(ev);
	free(f);
	return 0;
usage:
	fprintf(stderr, "usage: gray [--faults N] [--seed S] [--fault-s S] [--gap-s S] "
		"[--clean-s S]\n       gray --lab|--score|--schedule|--clock ... (gray --lab -h)\n");
	return 2;
}
