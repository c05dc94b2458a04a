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

/* The hot flows' send spacing: the resolution every outage sample had. */
static void spacing_report(void)
{
	uint64_t n = 0, c = 0, le20 = 0;
	uint32_t i, p99 = 0;

	for (i = 0; i <= LT_SPACING_BUCKETS; i++)
		n += tr->spacing[i];
	for (i = 0; i <= LT_SPACING_BUCKETS; i++) {
		c += tr->spacing[i];
		if (lt_spacing_bound_ns(i) <= 20000)
			le20 = c;
		if (!p99 && c * 100 >= n * 99)
			p99 = i;
	}
	if (!n)
		return;
	printf("resolution: hot flows' send spacing <= 20 us for %.2f%% of %llu "
	       "intervals; p99 <= %s%llu us\n", 100.0 * le20 / n,
	       (unsigned long long)n, p99 == LT_SPACING_BUCKETS ? ">" : "",
	       (unsigned long long)(lt_spacing_bound_ns(p99 == LT_SPACING_BUCKETS ?
					p99 - 1 : p99) / 1000));
}

static void usage(void)
{
	fprintf(stderr, "usage: failover-bench [-p prefix] [-n injections] [-s steady_s] "
		"[-S stress_s] [-H hogs] [-f flows] [-r pps] [-R hot_pps_per_flow] "
		"[-t timeout_us] [-i interval_us] [-k misses] [-x fault_kinds_mask] "
		"[-F scripts/lab/frr.sh]\n");
}

int main(int argc, char **argv)
{
	static struct engine_series es[3];
	static struct series kout[2], klost[2], fout;
	struct lt_cfg tc = { .flows = 4, .pps = 40000, .hot_pps = 50000 };
	struct steady_result quiet, stress;
	int c, k, n_inj = 20, steady_s = 300, stress_s = 300;
	/* bits: carrier, blackhole, gray, reroute, kernel alone, FRR */
	unsigned long kinds = 63;
	static struct series rr = { .name = "reroute_us" };
	char rr_p50[32] = "na";
	const char *frr_sh = NULL;
	char bfd_p50[32] = "na", why[256];
	double per_min, cpu_pct;
	uint32_t paths;

	setvbuf(stdout, NULL, _IOLBF, 0);
	le_defaults(&run.cfg);
	run.cfg.policy.hold_base_ns = 200000000ULL;
	while ((c = getopt(argc, argv, "p:n:s:S:H:f:r:R:t:i:k:F:x:")) != -1) {
		switch (c) {
		case 'x': kinds = strtoul(optarg, NULL, 0); break;
		case 'F': frr_sh = optarg; break;
		case 't': run.cfg.probe_timeout_ns = atoll(optarg) * 1000; break;
		case 'i': run.cfg.probe_interval_ns = atoll(optarg) * 1000; break;
		case 'k': run.cfg.policy.probe_miss_k = atoi(optarg); break;
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
	for (k = 0; k < 3; k++) {
		es[k].det.name = "detection_us";
		es[k].rep.name = "repair_us";
		es[k].out.name = "outage_per_flow_us";
		es[k].lost.name = "packets_lost";
		es[k].restore_lost.name = "restore_packets_missing";
	}
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
	le_lab_leaf(&run.cfg, 1, true);
	run.ns = ns("l1");
	if (le_run(&run)) {
		fprintf(stderr, "bench: engine failed to start\n");
		return 1;
	}
	printf("failover bench: %u flows, %u pps (affected flows %u pps each around a fault), "
	       "probes every %llu us, timeout %llu us, K=%u, stall tolerance %llu us, "
	       "%d injections per fault\n", tc.flows, tc.pps, tc.hot_pps,
	       (unsigned long long)run.cfg.probe_interval_ns / 1000,
	       (unsigned long long)run.cfg.probe_timeout_ns / 1000,
	       run.cfg.policy.probe_miss_k,
	       (unsigned long long)run.cfg.policy.stall_tolerance_ns / 1000, n_inj);
	sleep(1);
	for (k = 0; k < 3; k++) {
		if (!(kinds & (1UL << k)))
			continue;
		run_engine_series(k, n_inj, &es[k]);
		printf("executor=fabricd fault=%s\n", kname[k]);
		report(&es[k].det);
		report(&es[k].rep);
		report(&es[k].out);
		report(&es[k].lost);
		report(&es[k].restore_lost);
		printf("  restores with a sequence gap: %u of %u\n",
		       es[k].restore_gaps, es[k].restores);
	}
	spacing_report();
	/* Let the last restore's second step finish first. */
	sleep(2);
	steady_window("steady", steady_s, false, &quiet);
	steady_window("stress", stress_s, true, &stress);
	per_min = (quiet.downs + stress.downs) * 60.0 /
		  (quiet.seconds + stress.seconds);
	paths = run.cfg.group[0].n_paths;
	cpu_pct = quiet.seconds > 0 ? quiet.engine_cpu_ns / 1e7 / quiet.seconds / paths : NAN;
	printf("probes: %u paths x %llu/s; engine thread %.1f%% of a CPU per path "
	       "in the steady window\n", paths,
	       1000000000ULL / run.cfg.probe_interval_ns, cpu_pct);
	le_stop(&run);
	ffe_close(run.e);

	/* The data path's reroute, with its own engine on l1. */
	if (kinds & 8) {
		const char *b = getenv("BUILD");

		if (!reroute_run(b ? b : "build", n_inj, &rr, why, sizeof(why))) {
			printf("executor=fabricd reroute (data path: verdict -> first "
			       "packet redirected to the survivor)\n");
			report(&rr);
			snprintf(rr_p50, sizeof(rr_p50), "%.0f", pct(&rr, 50));
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
	printf("failover: executor=fabricd blackhole_outage_p50_us=%.0f "
	       "blackhole_outage_p99_us=%.0f carrier_outage_p50_us=%.0f "
	       "carrier_outage_p99_us=%.0f reroute_us_p50=%s "
	       "false_failovers_per_min=%.2f probe_cpu_pct_per_path=%.1f "
	       "bfd_blackhole_outage_p50_us=%s\n",
	       pct(&es[K_BLACKHOLE].out, 50), pct(&es[K_BLACKHOLE].out, 99),
	       pct(&es[K_CARRIER].out, 50), pct(&es[K_CARRIER].out, 99),
	       rr_p50, per_min, cpu_pct, bfd_p50);
	return 0;
}
