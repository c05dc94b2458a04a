// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover: failover time on the netns lab (bench/failover.sh sets
 * it up). Traffic h1 -> h2 through leaf 1; the engine (the same code
 * fabricd runs) on leaf 1. Per fault kind, N injections on leaf 1's
 * uplinks, each timed to a few us (a map update or an ioctl):
 *   detection = engine's DOWN - injection
 *   repair    = group replace acked - injection
 *   outage    = per affected flow, first packet on the other spine -
 *               injection (receiver's kernel timestamps)
 *   lost      = packets lost in the window
 * then 60 s with no fault (false failovers), then the kernel alone
 * (carrier: the kernel's own nexthop flush; blackhole: nothing repairs).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "lab_engine.h"
#include "lab_traffic.h"

#define MAXS	4096

static const char *P = "fb";
static int n_inj = 20, steady_s = 60;
static struct lt *tr;
static struct le_runner run;
static int ioc[3];		/* ioctl sockets in s1, s2 */
static char nsname[64];

struct series {
	const char *name;
	double v[MAXS];
	int n;
	int censored;
};

static void add(struct series *s, double v)
{
	if (s->n < MAXS)
		s->v[s->n++] = v;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(struct series *s, double p)
{
	int i;

	if (!s->n)
		return NAN;
	qsort(s->v, s->n, sizeof(double), cmpd);
	i = (int)ceil(p / 100.0 * s->n) - 1;
	return s->v[i < 0 ? 0 : i];
}

static void report(struct series *s)
{
	printf("  %-28s n=%-4d min=%-9.0f p50=%-9.0f p90=%-9.0f p99=%-9.0f max=%-9.0f",
	       s->name, s->n, pct(s, 0), pct(s, 50), pct(s, 90), pct(s, 99),
	       pct(s, 100));
	if (s->censored)
		printf(" (+%d never)", s->censored);
	printf("\n");
}

static const char *ns(const char *node)
{
	snprintf(nsname, sizeof(nsname), "%s-%s", P, node);
	return nsname;
}

static int carrier(int spine, bool up, uint64_t *t)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "dn1");
	if (ioctl(ioc[spine], SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags = up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP;
	*t = lt_now();
	return ioctl(ioc[spine], SIOCSIFFLAGS, &ifr) ? -errno : 0;
}

struct fault_cfg { uint32_t pct, pad; uint64_t dropped; };

static int drop(int spine, uint32_t pct, uint64_t *t)
{
	char path[256];
	struct fault_cfg v = { .pct = pct };
	uint32_t zero = 0;
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/fs/bpf/%s-lab/l1-up%d/lab_fault", P, spine);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	*t = lt_now();
	ret = bpf_map_update_elem(fd, &zero, &v, BPF_ANY) ? -errno : 0;
	close(fd);
	return ret;
}

static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd))
		fprintf(stderr, "bench: '%s' failed\n", cmd);
}

static void spine_route(int spine)
{
	/* The spine's own port went down: its static route went with it. */
	sh("ip -n %s route replace 10.1.1.0/24 via 10.2.1%d.1", ns(spine == 1 ? "s1" : "s2"),
	   spine);
}

static uint64_t lost_total(void)
{
	static struct lt_flow fl[LT_MAX_FLOWS];
	uint64_t s = 0;
	uint32_t i;

	lt_snapshot(tr, fl);
	for (i = 0; i < tr->cfg.flows; i++)
		s += fl[i].lost;
	return s;
}

/* Flows on spine (DSCP spine*10) right now. */
static uint32_t flows_on(int spine, uint8_t *which)
{
	static struct lt_flow fl[LT_MAX_FLOWS];
	uint32_t i, n = 0;

	lt_snapshot(tr, fl);
	for (i = 0; i < tr->cfg.flows; i++) {
		which[i] = fl[i].path == spine * 10;
		n += which[i];
	}
	return n;
}

/* No flow where one was wanted: say where flow 0 is (once a second). */
static void no_flows(void)
{
	static struct lt_flow fl[LT_MAX_FLOWS];
	static uint64_t last;
	uint64_t now = lt_now();

	if (now - last < 1000000000ULL)
		return;
	last = now;
	lt_snapshot(tr, fl);
	printf("  (no flow to fail: flow 0 on DSCP %u, received %llu, lost %llu)\n",
	       fl[0].path, (unsigned long long)fl[0].recv,
	       (unsigned long long)fl[0].lost);
}

/* First move of each marked flow off spine after t: outage samples. */
static void outages(struct series *s, const uint8_t *which, int spine,
		    uint64_t t, uint64_t until)
{
	uint32_t i, f, nm;
	bool seen[LT_MAX_FLOWS] = { 0 };

	pthread_mutex_lock(&tr->lock);
	nm = tr->n_moves;
	for (i = 0; i < nm; i++) {
		struct lt_move *m = &tr->move[i];

		f = m->flow;
		if (m->t_ns < t || m->t_ns > until || !which[f] || seen[f] ||
		    m->from != spine * 10)
			continue;
		seen[f] = true;
		add(s, (m->t_ns - t) / 1e3);
	}
	pthread_mutex_unlock(&tr->lock);
	for (f = 0; f < tr->cfg.flows; f++)
		if (which[f] && !seen[f])
			s->censored++;
}

/* Wait for an engine transition of path (0/1) to `to` after t. */
static bool wait_ev(uint32_t *cursor, int path, int to, uint64_t t,
		    uint64_t timeout_ns, struct ffe_event *out)
{
	static struct ffe_event ev[1024];
	uint64_t end = lt_now() + timeout_ns;
	uint32_t n, i;

	while (lt_now() < end) {
		uint32_t from = *cursor;

		le_events(&run, from, ev, 1024, &n);
		*cursor = from + n;
		for (i = 0; i < n; i++) {
			if (ev[i].path == (uint32_t)path && ev[i].to == to &&
			    ev[i].time_ns >= t) {
				*out = ev[i];
				return true;
			}
		}
		usleep(2000);
	}
	return false;
}

/*
 * DOWN transitions since `from` (the steady phase): each one printed with
 * its reason and flags, and how long until the path came back
 * (DOWN -> HOLDDOWN: recover_probes answers in a row). A path that answers
 * again within a few ms was never broken: a false failover.
 */
static uint32_t count_downs(uint32_t from, uint32_t *to)
{
	static struct ffe_event ev[4096];
	uint32_t n, i, j, c = 0, total;

	total = le_events(&run, from, ev, 4096, &n);
	for (i = 0; i < n; i++) {
		double back = -1;

		if (ev[i].to != FABRIC_FO_DOWN)
			continue;
		c++;
		for (j = i + 1; j < n; j++)
			if (ev[j].path == ev[i].path && ev[j].from == FABRIC_FO_DOWN) {
				back = (ev[j].time_ns - ev[i].time_ns) / 1e3;
				break;
			}
		printf("  false failover: path %u reason %s flags %#x at +%.3f s, "
		       "answering again after %.0f us\n", ev[i].path,
		       fabric_fo_reason_name(ev[i].reason), ev[i].flags,
		       ev[i].time_ns / 1e9, back);
	}
	*to = total;
	return c;
}

/* Prober and policy counters, for the steady phase's account. */
struct pstat {
	struct fprobe_stats ps;
	uint64_t ignored_stalled[2], ignored_local[2];
};

static void pstat_take(struct pstat *s)
{
	const struct fprobe_stats *ps = ffe_probe_stats(run.e, 0);
	struct ffe_group_status gs;
	int p;

	memset(s, 0, sizeof(*s));
	if (ps)
		s->ps = *ps;
	if (ffe_group_status(run.e, 0, &gs))
		return;
	for (p = 0; p < 2; p++) {
		s->ignored_stalled[p] = gs.fo->path[p].st.ignored_stalled;
		s->ignored_local[p] = gs.fo->path[p].st.ignored_local;
	}
}

static void pstat_report(const struct pstat *a, const struct pstat *b)
{
	int p;

	printf("  prober: ticks %llu, skipped %llu, timer lateness max %llu us (whole run)\n",
	       (unsigned long long)(b->ps.ticks - a->ps.ticks),
	       (unsigned long long)(b->ps.ticks_skipped - a->ps.ticks_skipped),
	       (unsigned long long)b->ps.lateness_max_ns / 1000);
	for (p = 0; p < 2; p++) {
		const struct fprobe_path_stats *x = &a->ps.path[p], *y = &b->ps.path[p];

		printf("  path %d: sent %llu answered %llu late %llu missed %llu "
		       "(with lag %llu) send_errors %llu; policy ignored %llu as stalled, "
		       "%llu as local\n", p,
		       (unsigned long long)(y->sent - x->sent),
		       (unsigned long long)(y->answered - x->answered),
		       (unsigned long long)(y->late - x->late),
		       (unsigned long long)(y->missed - x->missed),
		       (unsigned long long)(y->stalled_misses - x->stalled_misses),
		       (unsigned long long)(y->send_errors - x->send_errors),
		       (unsigned long long)(b->ignored_stalled[p] - a->ignored_stalled[p]),
		       (unsigned long long)(b->ignored_local[p] - a->ignored_local[p]));
	}
}

enum kind { K_CARRIER, K_BLACKHOLE, K_GRAY };
static const char *kname[] = { "carrier", "blackhole", "gray5" };

static void inject(enum kind k, int spine, bool on, uint64_t *t)
{
	int ret;

	if (k == K_CARRIER)
		ret = carrier(spine, !on, t);
	else
		ret = drop(spine, on ? (k == K_GRAY ? 5 : 100) : 0, t);
	if (ret)
		fprintf(stderr, "bench: inject %s: %s\n", kname[k], strerror(-ret));
	if (k == K_CARRIER && !on)
		spine_route(spine);
}

static void run_engine_series(enum kind k, struct series *det,
			      struct series *rep, struct series *out,
			      struct series *lost)
{
	uint8_t which[LT_MAX_FLOWS];
	struct ffe_event ev;
	uint32_t cur, n;
	uint64_t t, t0, l0;
	int i, spine, tries = 0;

	for (i = 0; i < n_inj && tries < 4 * n_inj; i++, tries++) {
		spine = 1 + (i & 1);
		usleep(300000);
		cur = le_events(&run, 0, NULL, 0, &n);
		/*
		 * A restore moves back only flows whose buckets the kernel
		 * saw idle; if every flow ended up on one spine, fail that
		 * one instead (and say so) rather than skip.
		 */
		if (!flows_on(spine, which)) {
			if (!flows_on(3 - spine, which)) {
				no_flows();
				i--;
				continue;
			}
			printf("  (%s %d: no flow on spine %d, failing spine %d)\n",
			       kname[k], i, spine, 3 - spine);
			spine = 3 - spine;
		}
		l0 = lost_total();
		inject(k, spine, true, &t);
		if (!wait_ev(&cur, spine - 1, FABRIC_FO_DOWN, t,
			     k == K_GRAY ? 8000000000ULL : 2000000000ULL, &ev)) {
			det->censored++;
			inject(k, spine, false, &t0);
			sleep(2);
			continue;
		}
		add(det, (ev.time_ns - t) / 1e3);
		if (ev.repair_ns)
			add(rep, (ev.time_ns + ev.repair_ns - t) / 1e3);
		usleep(300000);
		outages(out, which, spine, t, lt_now());
		add(lost, (double)(lost_total() - l0));
		inject(k, spine, false, &t0);
		if (!wait_ev(&cur, spine - 1, FABRIC_FO_UP, t0, 10000000000ULL, &ev))
			fprintf(stderr, "bench: path %d not restored\n", spine);
		/* The restore's second step (real idle timer) must pass. */
		usleep(1400000);
	}
}

static void kernel_series(enum kind k, int n, struct series *out,
			  struct series *lost)
{
	uint8_t which[LT_MAX_FLOWS];
	uint64_t t, t0, l0;
	int i, spine, tries;

	for (i = 0, tries = 0; i < n && tries < 4 * n; i++, tries++) {
		spine = 1 + (i & 1);
		sh("ip -n %s nexthop replace id 11 via 10.2.11.2 dev up1", ns("l1"));
		sh("ip -n %s nexthop replace id 12 via 10.2.12.2 dev up2", ns("l1"));
		sh("ip -n %s nexthop replace id 100 group 11/12 type resilient", ns("l1"));
		sh("ip -n %s route replace 10.1.2.0/24 nhid 100", ns("l1"));
		sleep(1);
		if (!flows_on(spine, which)) {
			no_flows();
			i--;
			continue;
		}
		l0 = lost_total();
		inject(k, spine, true, &t);
		usleep(k == K_CARRIER ? 500000 : 1000000);
		outages(out, which, spine, t, lt_now());
		inject(k, spine, false, &t0);
		usleep(200000);
		add(lost, (double)(lost_total() - l0));
	}
}

/*
 * FRR baseline (scripts/lab/frr.sh): zebra + bgpd + bfdd in every leaf and
 * spine, eBGP with multipath, BFD 10 ms x 3. The same blackhole injector
 * and receiver; bgpd's log (microsecond timestamps, CLOCK_REALTIME) says
 * when BFD took the session down.
 */
static const char *frr_sh;
static char frr_dir[256], frr_why[256];

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
	uint64_t t, t0, l0, d;
	uint32_t resets = 0, expected = 0;
	int i, spine, tries;

	uint64_t end = lt_now() + 150000000000ULL;

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
		l0 = lost_total();
		inject(K_BLACKHOLE, spine, true, &t);
		usleep(1500000);
		outages(out, which, spine, t, lt_now());
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

static int open_ioc(int spine)
{
	char p[64];
	int self = open("/proc/self/ns/net", O_RDONLY), fd;

	snprintf(p, sizeof(p), "s%d", spine);
	if (lt_enter_ns(ns(p)))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setns(self, CLONE_NEWNET);
	close(self);
	return fd;
}

int main(int argc, char **argv)
{
	static struct series det[3], rep[3], out[3], lost[3], kout[2], klost[2];
	static struct series fdet, fout, flost;
	struct pstat ps0, ps1;
	uint32_t spurious = 0;
	char bfd_p50[32] = "na";
	struct lt_cfg tc = { .flows = 16, .pps = 16000 };
	const struct fprobe_stats *ps;
	uint32_t cur, downs;
	int c, k;
	double cpu_pct, per_min;
	uint64_t t_start, t_end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	le_defaults(&run.cfg);
	run.cfg.policy.hold_base_ns = 200000000ULL;
	while ((c = getopt(argc, argv, "p:n:s:f:r:t:i:k:F:")) != -1) {
		switch (c) {
		case 'F': frr_sh = optarg; break;
		case 't': run.cfg.probe_timeout_ns = atoll(optarg) * 1000; break;
		case 'i': run.cfg.probe_interval_ns = atoll(optarg) * 1000; break;
		case 'k': run.cfg.policy.probe_miss_k = atoi(optarg); break;
		case 'p': P = optarg; break;
		case 'n': n_inj = atoi(optarg); break;
		case 's': steady_s = atoi(optarg); break;
		case 'f': tc.flows = atoi(optarg); break;
		case 'r': tc.pps = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: failover-bench [-p prefix] [-n injections] "
				"[-s steady_s] [-f flows] [-r pps] [-t timeout_us] [-i interval_us] [-k misses] "
				"[-F scripts/lab/frr.sh]\n");
			return 2;
		}
	}
	for (k = 0; k < 3; k++) {
		det[k].name = "detection_us";
		rep[k].name = "repair_us";
		out[k].name = "outage_per_flow_us";
		lost[k].name = "packets_lost";
	}
	kout[0].name = kout[1].name = "outage_per_flow_us";
	klost[0].name = klost[1].name = "packets_lost";
	ioc[1] = open_ioc(1);
	ioc[2] = open_ioc(2);
	if (ioc[1] < 0 || ioc[2] < 0) {
		fprintf(stderr, "bench: lab %s not up\n", P);
		return 1;
	}
	tc.src_ns = strdup(ns("h1"));
	tc.dst_ns = strdup(ns("h2"));
	inet_pton(AF_INET, "10.1.2.2", &tc.dst);
	tr = lt_start(&tc);
	if (!tr) {
		perror("traffic");
		return 1;
	}
	le_lab_leaf(&run.cfg, 1, true);
	run.ns = ns("l1");
	if (le_run(&run)) {
		fprintf(stderr, "bench: engine failed to start\n");
		return 1;
	}
	printf("failover bench: %u flows, %u pps, probes every %llu us, timeout %llu us, K=%u, "
	       "stall tolerance %llu us, %d injections per fault\n", tc.flows, tc.pps,
	       (unsigned long long)run.cfg.probe_interval_ns / 1000,
	       (unsigned long long)run.cfg.probe_timeout_ns / 1000,
	       run.cfg.policy.probe_miss_k,
	       (unsigned long long)run.cfg.policy.stall_tolerance_ns / 1000, n_inj);
	fflush(stdout);
	sleep(1);
	for (k = 0; k < 3; k++) {
		run_engine_series(k, &det[k], &rep[k], &out[k], &lost[k]);
		printf("executor=engine fault=%s\n", kname[k]);
		report(&det[k]);
		report(&rep[k]);
		report(&out[k]);
		report(&lost[k]);
		fflush(stdout);
	}
	/* Steady state: no faults, count DOWN transitions. Let the last
	 * fault's restore and its second step finish first. */
	sleep(3);
	cur = le_events(&run, 0, NULL, 0, &downs);
	pstat_take(&ps0);
	t_start = lt_now();
	sleep(steady_s);
	t_end = lt_now();
	pstat_take(&ps1);
	downs = count_downs(cur, &cur);
	per_min = downs * 60e9 / (t_end - t_start);
	le_stop(&run);
	ps = ffe_probe_stats(run.e, 0);
	cpu_pct = run.cpu_ns / 1e9;
	printf("steady: %d s, %u false failovers (%.2f/min)\n", steady_s, downs, per_min);
	pstat_report(&ps0, &ps1);
	if (ps)
		printf("probes: 2 paths x %llu/s; engine thread CPU %.1f s over the run; timer "
		       "lateness avg %llu us max %llu us; ticks skipped %llu\n",
		       1000000000ULL / run.cfg.probe_interval_ns, cpu_pct,
		       (unsigned long long)(ps->ticks ? ps->lateness_sum_ns / ps->ticks / 1000 : 0),
		       (unsigned long long)ps->lateness_max_ns / 1000,
		       (unsigned long long)ps->ticks_skipped);
	ffe_close(run.e);

	/* Kernel alone. */
	kernel_series(K_CARRIER, n_inj, &kout[0], &klost[0]);
	kernel_series(K_BLACKHOLE, 3, &kout[1], &klost[1]);
	printf("executor=kernel fault=carrier (kernel flushes the nexthop; nothing restores it)\n");
	report(&kout[0]);
	report(&klost[0]);
	printf("executor=kernel fault=blackhole (nothing repairs: outage = fault duration, 1 s here)\n");
	report(&kout[1]);
	report(&klost[1]);

	/* FRR: BGP + BFD own the routes from here on. */
	if (!frr_sh) {
		snprintf(frr_why, sizeof(frr_why), "no -F scripts/lab/frr.sh given");
	} else {
		snprintf(frr_dir, sizeof(frr_dir), "/tmp/%s-frr", P);
		if (frr_cmd("up")) {
			snprintf(frr_why, sizeof(frr_why), "%s up failed (FRR missing, or "
				 "BGP/BFD did not converge in 30 s)", frr_sh);
		} else {
			t_start = lt_now();
			frr_series(n_inj, &fdet, &fout, &flost, &spurious);
			t_end = lt_now();
			fdet.name = "bfd_down_seen_by_bgpd_us";
			fout.name = "outage_per_flow_us";
			flost.name = "packets_lost";
			printf("executor=frr fault=blackhole (bgpd+bfdd %s ms x %s, eBGP multipath; "
			       "zebra replaces the route)\n",
			       getenv("FRR_BFD_MS") ? getenv("FRR_BFD_MS") : "10",
			       getenv("FRR_BFD_MULT") ? getenv("FRR_BFD_MULT") : "3");
			report(&fdet);
			report(&fout);
			report(&flost);
			printf("  BFD downs on l1 without a fault (false failovers): %u in %.0f s\n",
			       spurious, (t_end - t_start) / 1e9);
			if (fout.n)
				snprintf(bfd_p50, sizeof(bfd_p50), "%.0f", pct(&fout, 50));
			else
				snprintf(frr_why, sizeof(frr_why), "no blackhole outage measured "
					 "under FRR");
		}
		frr_cmd("down");
	}
	if (frr_why[0])
		printf("executor=frr: not measured: %s\n", frr_why);
	lt_free(tr);
	printf("failover: executor=fabricd blackhole_outage_p50_us=%.0f blackhole_outage_p99_us=%.0f "
	       "carrier_outage_p50_us=%.0f false_failovers_per_min=%.2f bfd_blackhole_outage_p50_us=%s\n",
	       pct(&out[K_BLACKHOLE], 50), pct(&out[K_BLACKHOLE], 99),
	       pct(&out[K_CARRIER], 50), per_min, bfd_p50);
	return 0;
}
