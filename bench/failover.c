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

static uint32_t count_downs(uint32_t from, uint32_t *to)
{
	static struct ffe_event ev[4096];
	uint32_t n, i, c = 0, total;

	total = le_events(&run, from, ev, 4096, &n);
	for (i = 0; i < n; i++) {
		if (ev[i].to != FABRIC_FO_DOWN)
			continue;
		c++;
		printf("  false failover: path %u reason %s at +%.3f s\n", ev[i].path,
		       fabric_fo_reason_name(ev[i].reason), ev[i].time_ns / 1e9);
	}
	*to = total;
	return c;
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
		if (!flows_on(spine, which)) {
			i--;
			continue;
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
		sleep(1);
		if (!flows_on(spine, which)) {
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
	struct lt_cfg tc = { .flows = 16, .pps = 16000 };
	const struct fprobe_stats *ps;
	uint32_t cur, downs;
	int c, k;
	double cpu_pct, per_min;
	uint64_t t_start, t_end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	le_defaults(&run.cfg);
	run.cfg.policy.hold_base_ns = 200000000ULL;
	while ((c = getopt(argc, argv, "p:n:s:f:r:t:i:k:")) != -1) {
		switch (c) {
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
				"[-s steady_s] [-f flows] [-r pps] [-t timeout_us] [-i interval_us] [-k misses]\n");
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
	t_start = lt_now();
	sleep(steady_s);
	t_end = lt_now();
	downs = count_downs(cur, &cur);
	per_min = downs * 60e9 / (t_end - t_start);
	le_stop(&run);
	cpu_pct = 0;
	ps = ffe_probe_stats(run.e, 0);
	cpu_pct = run.cpu_ns / 1e9;
	printf("steady: %d s, %u false failovers (%.2f/min)\n", steady_s, downs, per_min);
	if (ps)
		printf("probes: 2 paths x %llu/s; engine thread CPU %.1f s over the run; timer "
		       "lateness avg %llu us max %llu us; ticks skipped %llu; misses ignored as "
		       "stalled: see Documentation/failover.md\n",
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
	lt_free(tr);
	printf("failover: executor=fabricd blackhole_outage_p50_us=%.0f blackhole_outage_p99_us=%.0f "
	       "carrier_outage_p50_us=%.0f false_failovers_per_min=%.2f bfd_blackhole_outage_p50_us=%s\n",
	       pct(&out[K_BLACKHOLE], 50), pct(&out[K_BLACKHOLE], 99),
	       pct(&out[K_CARRIER], 50), per_min, getenv("BFD_P50") ? getenv("BFD_P50") : "na");
	return 0;
}
