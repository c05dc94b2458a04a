// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover: the FRR baseline (scripts/lab/frr.sh): zebra + bgpd +
 * bfdd in every leaf and spine, eBGP with multipath, BFD 10 ms x 3. The
 * same blackhole injector and receiver, the affected flows hot as for
 * fabric; bgpd's log (microsecond timestamps, CLOCK_REALTIME) says when
 * BFD took the session down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "failover_bench.h"

static const char *frr_sh;
static char frr_dir[256];

static int frr_cmd(const char *what)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "LAB_PREFIX=%s FRR_DIR=%s %s %s >/dev/null", P,
		 frr_dir, frr_sh, what);
	return system(cmd);
}

static int64_t rt_minus_mono(void)
{
	struct timespec r;

	clock_gettime(CLOCK_REALTIME, &r);
	return (int64_t)(r.tv_sec * 1000000000LL + r.tv_nsec) - (int64_t)lt_now();
}

/*
 * Monotonic time at which l1's bgpd reset the session to the neighbor on
 * `spine` because l1's BFD said down, first after t (0 if none). *all
 * counts every such reset in the log, on either neighbor.
 */
static uint64_t frr_bfd_down(int spine, uint64_t t, uint32_t *all)
{
	char path[300], line[512], peer[32];
	uint64_t found = 0;
	int64_t off = rt_minus_mono();
	FILE *f;

	snprintf(path, sizeof(path), "%s/l1/bgpd.log", frr_dir);
	snprintf(peer, sizeof(peer), "neighbor 10.2.1%d.2 ", spine);
	f = fopen(path, "r");
	if (!f)
		return 0;
	*all = 0;
	while (fgets(line, sizeof(line), f)) {
		struct tm tm = { 0 };
		long us;
		uint64_t mono;

		if (!strstr(line, "Cease/BFD Down") || !strstr(line, "sent to neighbor"))
			continue;
		(*all)++;
		if (found || !strstr(line, peer) ||
		    sscanf(line, "%d/%d/%d %d:%d:%d.%ld", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &us) != 7)
			continue;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_isdst = -1;
		mono = (uint64_t)((int64_t)mktime(&tm) * 1000000000LL + us * 1000 - off);
		if (mono >= t)
			found = mono;
	}
	fclose(f);
	return found;
}

static void frr_series(int n, struct series *det, struct series *out,
		       struct series *lost, uint32_t *spurious)
{
	uint8_t which[LT_MAX_FLOWS];
	uint64_t t, t0, l0, d, end = lt_now() + 150000000000ULL;
	uint32_t resets = 0, expected = 0;
	int i, spine, tries;

	/* Under load BFD flaps and BGP re-converges slowly: cap the time. */
	for (i = 0, tries = 0; i < n && tries < 2 * n; i++, tries++) {
		spine = 1 + (i & 1);
		if (lt_now() > end) {
			printf("  (stopped after %d injections: 150 s budget)\n", i);
			break;
		}
		if (frr_cmd("wait 15")) {
			printf("  (BGP/BFD not back with both paths 15 s after injection %d)\n", i);
			continue;
		}
		/* A restored multipath group rehashes flows: let them settle. */
		usleep(500000);
		if (!flows_on(spine, which)) {
			i--;
			continue;
		}
		lt_hot(tr, which);
		usleep(3000);
		l0 = lost_total();
		inject(K_BLACKHOLE, spine, true, &t);
		/* ~100 ms outage expected: the first 300 ms hot, then slow */
		usleep(300000);
		lt_hot(tr, NULL);
		usleep(1200000);
		outages(out, which, spine, t, lt_now(), NULL);
		inject(K_BLACKHOLE, spine, false, &t0);
		d = frr_bfd_down(spine, t, &resets);
		if (d) {
			add(det, (d - t) / 1e3);
			expected++;
		} else {
			det->censored++;
		}
		usleep(200000);
		add(lost, (double)(lost_total() - l0));
	}
	*spurious = resets > expected ? resets - expected : 0;
}

int frr_run(const char *sh_path, int n, struct series *out, char *why,
	    size_t len)
{
	static struct series fdet, flost;
	uint32_t spurious = 0;
	uint64_t t_start, t_end;

	why[0] = '\0';
	if (!sh_path) {
		snprintf(why, len, "no -F scripts/lab/frr.sh given");
		return -1;
	}
	frr_sh = sh_path;
	snprintf(frr_dir, sizeof(frr_dir), "/tmp/%s-frr", P);
	if (frr_cmd("up")) {
		snprintf(why, len, "%s up failed (FRR missing, or BGP/BFD did not "
			 "converge in 30 s)", frr_sh);
		frr_cmd("down");
		return -1;
	}
	t_start = lt_now();
	frr_series(n, &fdet, out, &flost, &spurious);
	t_end = lt_now();
	fdet.name = "bfd_down_seen_by_bgpd_us";
	out->name = "outage_per_flow_us";
	flost.name = "packets_lost";
	printf("executor=frr fault=blackhole (bgpd+bfdd %s ms x %s, eBGP multipath; "
	       "zebra replaces the route)\n",
	       getenv("FRR_BFD_MS") ? getenv("FRR_BFD_MS") : "10",
	       getenv("FRR_BFD_MULT") ? getenv("FRR_BFD_MULT") : "3");
	report(&fdet);
	report(out);
	report(&flost);
	printf("  BFD downs on l1 without a fault (false failovers): %u in %.0f s\n",
	       spurious, (t_end - t_start) / 1e9);
	frr_cmd("down");
	if (!out->n) {
		snprintf(why, len, "no blackhole outage measured under FRR");
		return -1;
	}
	return 0;
}
