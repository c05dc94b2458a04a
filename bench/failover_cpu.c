// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover, the probe CPU phase: the sending thread's own CPU time
 * per probed path, at the default interval (1 ms), the bench's 100 us and
 * the verdict's minimum 20 us, for 1, 2, 4 and 8 paths, per executor:
 *   userspace: the engine's thread (it sends, reads and judges probes);
 *   bpf:       the sender thread (the kernel stamps, matches and judges).
 * More paths are more probe targets in the same lab: each spine's port
 * toward l1 gets extra addresses, and path i probes address 2 + i/2 of
 * spine 1 + i%2 through l1's uplink to it. Every path is real traffic:
 * its own peer, neighbour entry, nexthop (group 900, routed to a prefix
 * nothing sends to) and answers, reflected by the spine's XDP.
 * Documentation/failover-bench.md, "Probe CPU".
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "failover_bench.h"

#define CPU_GROUP	900
#define CPU_MAX_PATHS	8

static const uint32_t cpu_iv_us[] = { 1000, 100, 20 };
static const uint32_t cpu_paths[] = { 1, 2, 4, 8 };

static struct le_runner cr;

/* Extra peers on each spine: x.2 is the lab's own, x.3.. are added. */
static void cpu_targets(bool add)
{
	int s, k;

	for (s = 1; s <= 2; s++)
		for (k = 3; k < 2 + CPU_MAX_PATHS / 2; k++)
			sh("ip -n %s addr %s 10.2.1%d.%d/24 dev dn1", ns(s == 1 ? "s1" : "s2"),
			   add ? "add" : "del", s, k);
}

static void cpu_cfg(struct ffe_cfg *c, uint32_t n, uint64_t iv_ns)
{
	char spec[256];
	uint32_t i;

	memset(c, 0, sizeof(*c));
	le_defaults(c);
	c->probe_interval_ns = iv_ns;
	/* the userspace prober's timeout as the bench's: 3 intervals */
	c->probe_timeout_ns = 3 * iv_ns;
	snprintf(spec, sizeof(spec), "name=cpu,id=%d,buckets=32,idle-ms=1000,"
		 "unbalanced-ms=0,route=10.9.9.0/24", CPU_GROUP);
	le_parse_group(c, spec);
	for (i = 0; i < n; i++) {
		int s = 1 + (i & 1), k = 2 + i / 2;

		snprintf(spec, sizeof(spec), "name=cpu%u,dev=up%d,id=%u,via=10.2.1%d.%d,"
			 "probe=10.2.1%d.%d", i, s, CPU_GROUP + 1 + i, s, k, s, k);
		le_parse_path(c, spec);
	}
}

/* Probes sent and answered over all paths, by whoever judges them. */
static void cpu_counts(int x, uint32_t n, uint64_t *sent, uint64_t *answered)
{
	const struct fprobe_stats *ps;
	uint32_t i;

	*sent = *answered = 0;
	if (x) {
		fb_probe_counts(sent, answered);
		return;
	}
	ps = cr.e ? ffe_probe_stats(cr.e, 0) : NULL;
	for (i = 0; ps && i < n; i++) {
		*sent += ps->path[i].sent;
		*answered += ps->path[i].answered;
	}
}

struct cpu_point {
	double cpu_pct, engine_pct, pps, answered_pct;
	uint64_t sent, answered;
};

static int cpu_point(int x, uint32_t n, uint32_t iv_us, int secs,
		     struct cpu_point *pt)
{
	uint64_t s0, a0, s1, a1, t0, t1;
	int64_t c0, c1, e0, e1;
	pthread_t th;

	memset(&cr, 0, sizeof(cr));
	cpu_cfg(&cr.cfg, n, iv_us * 1000ULL);
	cr.ns = ns("l1");
	cr.rt_prio = fbc.sender_rt;
	if (x)
		fb_runner(&cr);
	if (le_run(&cr))
		return -1;
	/* ARP for the new peers, the first verdict timers, ... */
	usleep(1000000);
	th = x ? fb_sender_th : cr.th;
	/* for perf record -t: /proc/<pid>/task/<tid>/comm */
	pthread_setname_np(cr.th, "fb-engine");
	if (x)
		pthread_setname_np(fb_sender_th, "fb-sender");
	cpu_counts(x, n, &s0, &a0);
	c0 = thread_cpu_ns(th);
	e0 = thread_cpu_ns(cr.th);
	t0 = lt_now();
	sleep(secs);
	c1 = thread_cpu_ns(th);
	e1 = thread_cpu_ns(cr.th);
	t1 = lt_now();
	cpu_counts(x, n, &s1, &a1);
	le_stop(&cr);
	if (cr.e)
		ffe_close(cr.e);
	cr.e = NULL;
	pt->sent = s1 - s0;
	pt->answered = a1 - a0;
	pt->cpu_pct = (c1 - c0) * 100.0 / (t1 - t0) / n;
	pt->engine_pct = (e1 - e0) * 100.0 / (t1 - t0) / n;
	pt->pps = pt->sent * 1e9 / (t1 - t0) / n;
	pt->answered_pct = pt->sent ? pt->answered * 100.0 / pt->sent : NAN;
	return 0;
}

/*
 * The thread's CPU per tick against the paths per tick, least squares:
 * the intercept is what a tick costs whatever it carries (the wakeup,
 * the sleep), the slope what each path's probe adds.
 */
static void cpu_fit(const char *xn, uint32_t iv_us, const double *us_tick,
		    const uint32_t *paths, int n)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, b, a;
	int i, m = 0;

	for (i = 0; i < n; i++) {
		if (isnan(us_tick[i]))
			continue;
		sx += paths[i];
		sy += us_tick[i];
		sxx += (double)paths[i] * paths[i];
		sxy += paths[i] * us_tick[i];
		m++;
	}
	if (m < 2 || m * sxx == sx * sx)
		return;
	b = (m * sxy - sx * sy) / (m * sxx - sx * sx);
	a = (sy - b * sx) / m;
	printf("  (executor=%s interval %u us: %.2f us of CPU per tick + %.2f us per "
	       "path's probe)\n", xn, iv_us, a, b);
}

void cpu_phase(unsigned long execs, int secs)
{
	static const char *const xname[] = { "userspace", "bpf" };
	const uint32_t np = sizeof(cpu_paths) / sizeof(cpu_paths[0]);
	double us_tick[sizeof(cpu_paths) / sizeof(cpu_paths[0])];
	struct cpu_point pt;
	uint32_t i, j;
	int x;

	printf("probe CPU: %d s per point after 1 s of warm-up; threads SCHED_FIFO %d; "
	       "paths alternate between l1's uplinks, up to %d peers per spine\n",
	       secs, fbc.sender_rt, CPU_MAX_PATHS / 2);
	cpu_targets(true);
	for (x = 0; x < 2; x++) {
		if (!(execs & (1UL << x)))
			continue;
		for (i = 0; i < sizeof(cpu_iv_us) / sizeof(cpu_iv_us[0]); i++) {
			for (j = 0; j < np; j++) {
				us_tick[j] = NAN;
				if (cpu_point(x, cpu_paths[j], cpu_iv_us[i], secs, &pt)) {
					printf("failover-probe-cpu: executor=%s interval_us=%u "
					       "paths=%u not measured: the executor did not start\n",
					       xname[x], cpu_iv_us[i], cpu_paths[j]);
					continue;
				}
				printf("failover-probe-cpu: executor=%s interval_us=%u paths=%u "
				       "cpu_pct_per_path=%.2f probes_per_s_per_path=%.0f "
				       "answered_pct=%.2f\n", xname[x], cpu_iv_us[i],
				       cpu_paths[j], pt.cpu_pct, pt.pps, pt.answered_pct);
				if (x)
					printf("  (engine thread beside the sender: %.2f%% of a CPU "
					       "per path; %llu sent, %llu answered)\n",
					       pt.engine_pct, (unsigned long long)pt.sent,
					       (unsigned long long)pt.answered);
				/* every tick sends one probe per path */
				if (pt.pps > 0)
					us_tick[j] = pt.cpu_pct * cpu_paths[j] / 100.0 *
						     1e6 / pt.pps;
			}
			cpu_fit(xname[x], cpu_iv_us[i], us_tick, cpu_paths, np);
		}
	}
	/* the group, its route and members, and the extra peers */
	sh("ip -n %s nexthop del id %d 2>/dev/null; for i in $(seq %d %d); do "
	   "ip -n %s nexthop del id $i 2>/dev/null; done; true", ns("l1"),
	   CPU_GROUP, CPU_GROUP + 1, CPU_GROUP + CPU_MAX_PATHS, ns("l1"));
	cpu_targets(false);
}
