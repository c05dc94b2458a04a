// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * build/probe-txts-test: run the echo prober (user/lib/probe.c) alone on
 * one device for a while and print what it measured, for
 * selftests/lab/test_probe_txstamp.sh and for CPU comparisons.
 *
 *   probe-txts-test --dev DEV --local A --peer B [--paths N]
 *                   [--interval-us U] [--timeout-ms T] [--seconds S]
 *                   [--no-txstamp]
 *
 * N sockets probe the same peer (as fabricd's N paths would). Prints
 * "# send error" once, at the first failed send, then at the end one
 * line: probe: ticks= sent= send_errors= answered= late= missed=
 * tx_kernel_paths= tx_stamped= tx_fallback= tx_unmatched= rtt_min_us=
 * rtt_p50_us= rtt_max_us= cpu_ns_per_tick=
 * cpu_ns_per_tick is this thread's CPU time (poll and prober) per tick.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe.h"

#define MAX_SAMPLES	200000

static uint64_t samples[MAX_SAMPLES];
static uint32_t n_samples;

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void on_verdict(void *arg, uint32_t path, int verdict, uint64_t now,
		       uint64_t lag)
{
}

static void on_rtt(void *arg, uint32_t path, uint64_t rtt, bool late,
		   uint64_t now)
{
	if (n_samples < MAX_SAMPLES)
		samples[n_samples++] = rtt;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int usage(void)
{
	fprintf(stderr, "usage: probe-txts-test --dev DEV --local A --peer B [--paths N]\n"
		"       [--interval-us U] [--timeout-ms T] [--seconds S] [--no-txstamp]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct fprobe_path_cfg pc[FPROBE_MAX_PATHS];
	struct fprobe_cfg cfg = {
		.interval_ns = 10000000ULL, .timeout_ns = 1000000000ULL,
		.cb = on_verdict, .rtt_cb = on_rtt,
	};
	const char *dev = NULL, *local = NULL, *peer = NULL;
	struct fprobe_path_stats sum = { 0 };
	const struct fprobe_stats *st;
	uint64_t end, cpu0, cpu1, p50 = 0;
	unsigned int paths = 1, i, seconds = 2;
	bool told = false;
	struct fprobe *p;

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *o = argv[i], *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--no-txstamp")) {
			cfg.no_txstamp = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(o, "--dev"))
			dev = v;
		else if (!strcmp(o, "--local"))
			local = v;
		else if (!strcmp(o, "--peer"))
			peer = v;
		else if (!strcmp(o, "--paths"))
			paths = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--interval-us"))
			cfg.interval_ns = strtoull(v, NULL, 0) * 1000ULL;
		else if (!strcmp(o, "--timeout-ms"))
			cfg.timeout_ns = strtoull(v, NULL, 0) * 1000000ULL;
		else if (!strcmp(o, "--seconds"))
			seconds = strtoul(v, NULL, 0);
		else
			return usage();
	}
	if (!dev || !local || !peer || !paths || paths > FPROBE_MAX_PATHS ||
	    !cfg.interval_ns || !seconds)
		return usage();
	memset(pc, 0, sizeof(pc));
	for (i = 0; i < paths; i++) {
		pc[i].family = AF_INET;
		snprintf(pc[i].ifname, sizeof(pc[i].ifname), "%s", dev);
		if (inet_pton(AF_INET, local, &pc[i].local.v4) != 1 ||
		    inet_pton(AF_INET, peer, &pc[i].peer.v4) != 1)
			return usage();
	}
	p = fprobe_open(&cfg, pc, paths);
	if (!p) {
		fprintf(stderr, "probe-txts-test: fprobe_open: %s\n", strerror(errno));
		return 1;
	}
	if (fprobe_start(p)) {
		fprintf(stderr, "probe-txts-test: fprobe_start failed\n");
		fprobe_close(p);
		return 1;
	}
	st = fprobe_stats(p);
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	end = clock_ns(CLOCK_MONOTONIC) + seconds * 1000000000ULL;
	while (clock_ns(CLOCK_MONOTONIC) < end) {
		struct pollfd pfd = { .fd = fprobe_fd(p), .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0)
			fprobe_run(p);
		if (!told && st->path[0].send_errors) {
			printf("# send error\n");
			fflush(stdout);
			told = true;
		}
	}
	cpu1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; i < paths; i++) {
		const struct fprobe_path_stats *x = &st->path[i];

		sum.sent += x->sent;
		sum.send_errors += x->send_errors;
		sum.answered += x->answered;
		sum.late += x->late;
		sum.missed += x->missed;
		sum.tx_stamped += x->tx_stamped;
		sum.tx_fallback += x->tx_fallback;
		sum.tx_unmatched += x->tx_unmatched;
		if (x->rtt_min_ns && (!sum.rtt_min_ns || x->rtt_min_ns < sum.rtt_min_ns))
			sum.rtt_min_ns = x->rtt_min_ns;
		if (x->rtt_max_ns > sum.rtt_max_ns)
			sum.rtt_max_ns = x->rtt_max_ns;
	}
	if (n_samples) {
		qsort(samples, n_samples, sizeof(samples[0]), cmp_u64);
		p50 = samples[n_samples / 2];
	}
	printf("probe: ticks=%llu sent=%llu send_errors=%llu answered=%llu late=%llu "
	       "missed=%llu tx_kernel_paths=%u tx_stamped=%llu tx_fallback=%llu "
	       "tx_unmatched=%llu rtt_min_us=%.1f rtt_p50_us=%.1f rtt_max_us=%.1f "
	       "cpu_ns_per_tick=%llu\n",
	       (unsigned long long)st->ticks, (unsigned long long)sum.sent,
	       (unsigned long long)sum.send_errors, (unsigned long long)sum.answered,
	       (unsigned long long)sum.late, (unsigned long long)sum.missed,
	       st->tx_kernel_paths, (unsigned long long)sum.tx_stamped,
	       (unsigned long long)sum.tx_fallback, (unsigned long long)sum.tx_unmatched,
	       sum.rtt_min_ns / 1e3, p50 / 1e3, sum.rtt_max_ns / 1e3,
	       st->ticks ? (unsigned long long)((cpu1 - cpu0) / st->ticks) : 0ULL);
	fprobe_close(p);
	return 0;
}
