// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover: failover time on the netns lab (bench/failover.sh sets
 * it up). Traffic h1 -> h2 through leaf 1; the engine (the same code
 * fabricd runs) on leaf 1. Phases, in one run with one generator and
 * receiver: faults (failover_fault.c), steady and stress windows
 * (failover_steady.c), the kernel alone, FRR bgpd+bfdd
 * (failover_frr.c). Documentation/failover-bench.md.
 */
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "failover_bench.h"

const char *P = "fb";
struct lt *tr;
struct le_runner run;
static char nsname[64];

const char *ns(const char *node)
{
	snprintf(nsname, sizeof(nsname), "%s-%s", P, node);
	return nsname;
}

void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd))
		fprintf(stderr, "bench: '%s' failed\n", cmd);
}

/* The hot flows' send spacing, and each outage sample's resolution. */
static void spacing_report(void)
{
	uint64_t n = 0, c = 0, le20 = 0;
	uint32_t i, p99 = 0;
	int j, r20 = 0;

	for (i = 0; i <= LT_SPACING_BUCKETS; i++)
		n += tr->spacing[i];
	for (i = 0; i <= LT_SPACING_BUCKETS; i++) {
		c += tr->spacing[i];
		if (lt_spacing_bound_ns(i) <= 20000)
			le20 = c;
		if (!p99 && c * 100 >= n * 99)
			p99 = i;
	}
	if (n)
		printf("  spacing: hot flows' send spacing <= 20 us for %.2f%% of %llu "
		       "intervals; p99 <= %s%llu us; sender spun %.0f ms (%u windows capped)%s\n",
		       100.0 * le20 / n, (unsigned long long)n,
		       p99 == LT_SPACING_BUCKETS ? ">" : "",
		       (unsigned long long)(lt_spacing_bound_ns(p99 == LT_SPACING_BUCKETS ?
					p99 - 1 : p99) / 1000),
		       tr->spin_ns / 1e6, tr->spin_capped,
		       tr->rt_err ? " (SCHED_FIFO refused)" : "");
	if (n) {
		printf("  spacing histogram (us: share):");
		for (i = 0; i <= LT_SPACING_BUCKETS; i++)
			if (tr->spacing[i])
				printf(" %s%llu: %.1f%%", i == LT_SPACING_BUCKETS ? ">" : "<=",
				       (unsigned long long)(lt_spacing_bound_ns(i == LT_SPACING_BUCKETS ?
							i - 1 : i) / 1000),
				       100.0 * tr->spacing[i] / n);
		printf("\n");
	}
	for (j = 0; j < res_us.n; j++)
		r20 += res_us.v[j] <= 20.0;
	if (res_us.n)
		printf("  resolution: %d of %d outage samples (%.1f%%) bracketed by "
		       "sends <= 20 us apart (the member's flows together; %u of %u "
		       "brackets empty, flows kept their own)\n", r20, res_us.n,
		       100.0 * r20 / res_us.n, brackets_split, brackets);
	report(&res_us);
	for (j = 0, r20 = 0; j < flow_res_us.n; j++)
		r20 += flow_res_us.v[j] <= 20.0;
	if (flow_res_us.n)
		printf("  each flow's own sends alone: %d of %d (%.1f%%) <= 20 us apart\n",
		       r20, flow_res_us.n, 100.0 * r20 / flow_res_us.n);
	report(&flow_res_us);
	report(&out_rx_us);
	memset(tr->spacing, 0, sizeof(tr->spacing));
	res_us.n = res_us.censored = 0;
	flow_res_us.n = flow_res_us.censored = 0;
	out_rx_us.n = out_rx_us.censored = 0;
	brackets = brackets_split = 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: failover-bench [-p prefix] [-n injections] [-s steady_s] "
		"[-S stress_s] [-H hogs] [-f flows] [-r pps] [-R hot_pps_per_flow] "
		"[-t timeout_us] [-i interval_us] [-k misses] [-x phase_mask] "
		"[-e executor_mask (1 userspace, 2 bpf)] [-T hot_sender_rt_prio] "
		"[-P probe_sender_rt_prio] [-V bpf_timeout_us,judge_us,K,stall_us] "
		"[-C hot_sender_cpu (0: none)] "
		"[-c probe_cpu_secs_per_point (0: skip the phase)] "
		"[-Q receiver_rt_prio (0: normal)] "
		"[-F scripts/lab/frr.sh]\n"
		"  -x phases: carrier 1, blackhole 2, gray 4, reroute by declare 8, "
		"kernel alone 16, FRR 32, probe CPU 64 (default 0x77)\n"
		"  -s 0 -S 0: no steady or stress window\n");
}

/* One executor's results, for its closing line. */
struct xres {
	const char *name;
	struct engine_series es[3];
	struct steady_result quiet, stress;
	double per_min, cpu_pct;
	bool ran;
};

static struct xres xr[2] = { { .name = "userspace" }, { .name = "bpf" } };
static struct ffe_cfg base_cfg;
static int n_inj = 20, steady_s = 300, stress_s = 300;
/* The receiver's SCHED_FIFO priority (0: normal): failover-bench.md "Restore". */
static int rx_rt = 1;
/* The hot sender's CPU, which the detector threads avoid (0: no pinning;
 * -1: the last CPU). Off by default: no better brackets measured. */
static int hot_cpu;
static unsigned long kinds = 0x77;
/* The probe CPU phase: seconds per point (0: skip). */
static int cpu_secs = 5;

static int run_executor(int x)
{
	struct xres *r = &xr[x];
	uint32_t paths;
	int k;

	for (k = 0; k < 3; k++) {
		r->es[k].det.name = "detection_us";
		r->es[k].rep.name = "repair_us";
		r->es[k].out.name = "outage_per_flow_us";
		r->es[k].lost.name = "packets_lost";
		r->es[k].restore_lost.name = "restore_packets_missing";
		r->es[k].restore_ms.name = "restore_up_ms";
		r->es[k].rr.name = "reroute_us";
	}
	memset(&run, 0, sizeof(run));
	run.cfg = base_cfg;
	le_lab_leaf(&run.cfg, 1, true);
	run.ns = ns("l1");
	run.rt_prio = fbc.sender_rt;
	run.avoid_cpu = hot_cpu;
	if (x == 1)
		fb_runner(&run);
	if (le_run(&run)) {
		fprintf(stderr, "bench: executor=%s failed to start\n", r->name);
		return -1;
	}
	r->ran = true;
	if (x == 1)
		printf("executor=bpf: kernel verdict timeout %llu us, judged every %llu us, "
		       "K=%u, stall tolerance %llu us, recover %u; sender every %llu us%s\n",
		       (unsigned long long)fbc.timeout_ns / 1000,
		       (unsigned long long)fbc.judge_ns / 1000, fbc.miss_k,
		       (unsigned long long)fbc.stall_ns / 1000, fbc.recover,
		       (unsigned long long)run.cfg.probe_interval_ns / 1000,
		       fbc.sender_rt ? " (SCHED_FIFO)" : "");
	sleep(1);
	for (k = 0; k < 3; k++) {
		if (!(kinds & (1UL << k)))
			continue;
		run_engine_series(k, n_inj, &r->es[k]);
		if (bench_fail[0])
			goto stop;
		printf("executor=%s fault=%s\n", r->name, kname[k]);
		report(&r->es[k].det);
		report(&r->es[k].rep);
		report(&r->es[k].out);
		report(&r->es[k].lost);
		if (r->es[k].rr.n || r->es[k].rr.censored)
			report(&r->es[k].rr);
		report(&r->es[k].restore_lost);
		report(&r->es[k].restore_ms);
		printf("  restores with a sequence gap: %u of %u (%u of them covered by "
		       "drops outside the paths: %llu in all restore windows); "
		       "UP only after 10 s: %u, never: %u\n",
		       r->es[k].restore_gaps, r->es[k].restores,
		       r->es[k].restore_rx_gaps,
		       (unsigned long long)r->es[k].restore_rx_drops,
		       r->es[k].restore_late, r->es[k].restore_timeouts);
	}
	spacing_report();
	/* Let the last restore's second step finish first. */
	sleep(2);
	if (!lab_intact("before the steady window"))
		goto stop;
	if (steady_s > 0)
		steady_window("steady", steady_s, false, &r->quiet);
	if (stress_s > 0)
		steady_window("stress", stress_s, true, &r->stress);
	if (!lab_intact("after the stress window"))
		goto stop;
	r->per_min = r->quiet.seconds + r->stress.seconds > 0 ?
		     (r->quiet.downs + r->stress.downs) * 60.0 /
		     (r->quiet.seconds + r->stress.seconds) : NAN;
	paths = run.cfg.group[0].n_paths;
	r->cpu_pct = r->quiet.seconds > 0 ?
		     r->quiet.engine_cpu_ns / 1e7 / r->quiet.seconds / paths : NAN;
	printf("executor=%s probes: %u paths x %llu/s asked; %s %.1f%% of a CPU per path "
	       "in the steady window\n", r->name, paths,
	       1000000000ULL / run.cfg.probe_interval_ns,
	       x ? "sender and engine threads" : "engine thread", r->cpu_pct);
stop:
	le_stop(&run);
	if (run.e)
		ffe_close(run.e);
	run.e = NULL;
	return bench_fail[0] ? -1 : 0;
}

static void closing_line(const struct xres *r, const char *rr_p50,
			 const char *bfd_p50)
{
	if (!r->ran)
		return;
	printf("failover: executor=%s blackhole_outage_p50_us=%.0f "
	       "blackhole_outage_p99_us=%.0f carrier_outage_p50_us=%.0f "
	       "carrier_outage_p99_us=%.0f reroute_us_p50=%s "
	       "false_failovers_per_min=%.2f probe_cpu_pct_per_path=%.1f "
	       "bfd_blackhole_outage_p50_us=%s\n", r->name,
	       pct((struct series *)&r->es[K_BLACKHOLE].out, 50),
	       pct((struct series *)&r->es[K_BLACKHOLE].out, 99),
	       pct((struct series *)&r->es[K_CARRIER].out, 50),
	       pct((struct series *)&r->es[K_CARRIER].out, 99),
	       rr_p50, r->per_min, r->cpu_pct, bfd_p50);
}

int main(int argc, char **argv)
{
	static struct series kout[2], klost[2], fout;
	struct lt_cfg tc = { .flows = 8, .pps = 40000, .hot_pps = 50000,
			     .hot_rt = 1 };
	unsigned long execs = 3, execs_series;
	static struct series rr = { .name = "reroute_us" };
	char rr_p50[2][32] = { "na", "na" };
	const char *frr_sh = NULL;
	char bfd_p50[32] = "na", why[256];
	int c, x;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fbc.sender_rt = 3;	/* detectors above the bench and the hot sender */
	le_defaults(&base_cfg);
	base_cfg.policy.hold_base_ns = 200000000ULL;
	while ((c = getopt(argc, argv, "p:n:s:S:H:f:r:R:t:i:k:F:x:e:T:P:V:C:c:Q:")) != -1) {
		switch (c) {
		case 'x': kinds = strtoul(optarg, NULL, 0); break;
		case 'e': execs = strtoul(optarg, NULL, 0); break;
		case 'T': tc.hot_rt = atoi(optarg); break;
		case 'P': fbc.sender_rt = atoi(optarg); break;
		case 'V': {
			unsigned long long a = 0, b = 0, st = 0;
			unsigned int kk = 0;

			if (sscanf(optarg, "%llu,%llu,%u,%llu", &a, &b, &kk, &st) < 3) {
				usage();
				return 2;
			}
			fbc.timeout_ns = a * 1000;
			fbc.judge_ns = b * 1000;
			fbc.miss_k = kk;
			if (st)
				fbc.stall_ns = st * 1000;
			break;
		}
		case 'F': frr_sh = optarg; break;
		case 'C': hot_cpu = atoi(optarg); break;
		case 'c': cpu_secs = atoi(optarg); break;
		case 'Q': rx_rt = atoi(optarg); break;
		case 't': base_cfg.probe_timeout_ns = atoll(optarg) * 1000; break;
		case 'i': base_cfg.probe_interval_ns = atoll(optarg) * 1000; break;
		case 'k': base_cfg.policy.probe_miss_k = atoi(optarg); break;
		case 'p': P = optarg; break;
		case 'n': n_inj = atoi(optarg); break;
		case 's': steady_s = atoi(optarg); break;
		case 'S': stress_s = atoi(optarg); break;
		case 'H': stress_hogs = atoi(optarg); break;
		case 'f': tc.flows = atoi(optarg); break;
		case 'r': tc.pps = atoi(optarg); break;
		case 'R': tc.hot_pps = atoi(optarg); break;
		default:
			usage();
			return 2;
		}
	}
	execs_series = execs;
	kout[0].name = kout[1].name = "outage_per_flow_us";
	klost[0].name = klost[1].name = "packets_lost";
	if (fault_open()) {
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
	/*
	 * The generator on a CPU of its own among the FIFO threads: the
	 * detectors (engine, its replace worker, the bpf sender) avoid it,
	 * so that their wakeups around a move do not preempt the hot
	 * sender, whose sends bracket the move. Everything else floats.
	 */
	if (hot_cpu < 0)
		hot_cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	if (hot_cpu > 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(hot_cpu, &set);
		if (pthread_setaffinity_np(tr->tx, sizeof(set), &set)) {
			fprintf(stderr, "bench: cannot pin the generator to CPU %d\n",
				hot_cpu);
			hot_cpu = 0;
		}
	}
	/*
	 * The receiver at SCHED_FIFO (with the hot sender, below the bench
	 * and the detectors): at normal priority a loaded VM left it unrun
	 * for 40-70 ms, its socket overflowed and every flow on both spines
	 * "lost" packets at once, counted as restore gaps.
	 */
	if (rx_rt > 0) {
		struct sched_param sp = { .sched_priority = rx_rt };
		int err = pthread_setschedparam(tr->rx, SCHED_FIFO, &sp);

		if (err)
			fprintf(stderr, "bench: receiver SCHED_FIFO: %s\n", strerror(err));
	}
	/*
	 * The bench's own thread injects faults and ends hot windows: under
	 * load a CFS thread's 3 ms sleep before an injection can last tens
	 * of ms, past the hot sender's spin. FIFO above that sender (which
	 * never sleeps in a hot window), below the detectors; its children
	 * (ip, FRR) and threads start as SCHED_OTHER again.
	 */
	if (tc.hot_rt) {
		struct sched_param sp = { .sched_priority = tc.hot_rt + 1 };

		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
			perror("bench: SCHED_FIFO");
	}
	if (hot_cpu > 0)
		printf("failover bench: generator pinned to CPU %d, detector threads on the "
		       "others\n", hot_cpu);
	printf("failover bench: %u flows, %u pps (affected flows %u pps each around a fault%s%s), "
	       "detector threads %s, probes every %llu us, timeout %llu us, K=%u, "
	       "stall tolerance %llu us, %d injections per fault\n", tc.flows,
	       tc.pps, tc.hot_pps,
	       tc.hot_rt ? ", sender SCHED_FIFO and spinning" : "",
	       rx_rt > 0 ? ", receiver SCHED_FIFO" : "",
	       fbc.sender_rt ? "SCHED_FIFO" : "SCHED_OTHER",
	       (unsigned long long)base_cfg.probe_interval_ns / 1000,
	       (unsigned long long)base_cfg.probe_timeout_ns / 1000,
	       base_cfg.policy.probe_miss_k,
	       (unsigned long long)base_cfg.policy.stall_tolerance_ns / 1000, n_inj);
	/* -x 64 -s 0 -S 0 (the probe CPU phase alone): no executor run */
	if (!(kinds & 7) && steady_s <= 0 && stress_s <= 0)
		execs_series = 0;
	for (x = 0; x < 2; x++)
		if ((execs_series & (1UL << x)) && run_executor(x) && bench_fail[0]) {
			/* no closing line: its figures would not be outages */
			lt_free(tr);
			fprintf(stderr, "failover: FAILED executor=%s: %s\n",
				xr[x].name, bench_fail);
			printf("failover: FAILED executor=%s: %s\n", xr[x].name,
			       bench_fail);
			return 1;
		}
	/* Probe CPU per path by rate and paths (the closing line keeps the
	 * steady window's figure at the bench's own rate). */
	if ((kinds & 64) && cpu_secs > 0)
		cpu_phase(execs, cpu_secs);

	if (xr[1].es[K_BLACKHOLE].rr.n)
		snprintf(rr_p50[1], sizeof(rr_p50[1]), "%.0f",
			 pct(&xr[1].es[K_BLACKHOLE].rr, 50));

	/* A declare from userspace through the map (no detector): off by default. */
	if (kinds & 8) {
		const char *b = getenv("BUILD");

		if (!reroute_run(b ? b : "build", n_inj, &rr, why, sizeof(why))) {
			printf("reroute (admin declare from userspace -> first "
			       "packet redirected to the survivor)\n");
			report(&rr);
		} else {
			printf("reroute: not measured: %s\n", why);
		}
	}

	/* Kernel alone. */
	if (kinds & 16) {
		kernel_series(K_CARRIER, n_inj, &kout[0], &klost[0]);
		kernel_series(K_BLACKHOLE, 3, &kout[1], &klost[1]);
		printf("executor=kernel fault=carrier (kernel flushes the nexthop; nothing restores it)\n");
		report(&kout[0]);
		report(&klost[0]);
		printf("executor=kernel fault=blackhole (nothing repairs: outage = fault duration, 1 s here)\n");
		report(&kout[1]);
		report(&klost[1]);
	}

	/* FRR: BGP + BFD own the routes from here on. */
	if (!(kinds & 32))
		;
	else if (!frr_run(frr_sh, n_inj, &fout, why, sizeof(why)))
		snprintf(bfd_p50, sizeof(bfd_p50), "%.0f", pct(&fout, 50));
	else
		printf("executor=frr: not measured: %s\n", why);
	lt_free(tr);
	for (x = 0; x < 2; x++)
		closing_line(&xr[x], rr_p50[x], bfd_p50);
	return 0;
}
