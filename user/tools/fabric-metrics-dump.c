// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric-metrics-dump: render the Prometheus metrics of a pinned data path
 * to stdout, or (--serve) run the exporter on its own, without fabricd.
 * Tests and benchmarks use it; operators use fabricd.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"
#include "fabric_dp.h"
#include "flow_window.h"
#include "log.h"
#include "metrics.h"

#ifndef FABRIC_VERSION
#define FABRIC_VERSION "dev"
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: fabric-metrics-dump [--pin-dir DIR] [--top-k N] [--serve ADDR]\n"
		"  --pin-dir DIR   pinned data path (default %s, or $FABRIC_PIN_DIR)\n"
		"  --top-k N       flows per ranking (default %u)\n"
		"  --serve ADDR    serve /metrics on ADDR (host:port, [v6]:port, :port)\n"
		"                  until SIGINT/SIGTERM; prints the bound port\n"
		"Without --serve, prints one rendering on stdout.\n",
		FABRIC_PIN_DIR, FABRIC_METRICS_DEFAULT_TOP_K);
}

static int serve(const char *addr, struct fabric_metrics_src *src)
{
	struct fabric_exporter *e;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[256];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	e = fabric_exporter_start(addr, src, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "fabric-metrics-dump: %s\n", err);
		return 1;
	}
	printf("listening port=%u\n", fabric_exporter_port(e));
	fflush(stdout);
	while (!stop)
		pause();
	fabric_exporter_stop(e);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "top-k", required_argument, NULL, 'k' },
		{ "serve", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct fabric_metrics_src src = {
		.version = FABRIC_VERSION,
		.executor = "fabricd",
	};
	const char *pin_dir = fabric_pin_dir_default(), *addr = NULL;
	struct fabric_metrics_buf b;
	struct fabric_maps maps;
	int c, err, ret = 1;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			pin_dir = optarg;
			break;
		case 'k':
			src.top_k = strtoul(optarg, &end, 10);
			if (*end || !*optarg || !src.top_k ||
			    src.top_k > FABRIC_METRICS_MAX_TOP_K) {
				fprintf(stderr, "fabric-metrics-dump: --top-k wants 1..%u, got '%s'\n",
					FABRIC_METRICS_MAX_TOP_K, optarg);
				return 2;
			}
			break;
		case 's':
			addr = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	err = fabric_maps_open_pinned(pin_dir, &maps);
	if (err) {
		fprintf(stderr, "fabric-metrics-dump: fabric data path not loaded at %s (%s): "
			"run `fabricd` or `fabric-loader load`\n", pin_dir,
			strerror(-err));
		return 1;
	}
	src.maps = &maps;
	/* a long-running exporter reads the table a window at a time */
	fabric_maps_unmap_flows(&maps);
	if (addr) {
		ret = serve(addr, &src);
		goto out;
	}
	fabric_metrics_buf_init(&b);
	err = fabric_metrics_render(&src, &b);
	if (err) {
		fprintf(stderr, "fabric-metrics-dump: render failed: %s\n",
			strerror(-err));
	} else if (fwrite(b.data, 1, b.len, stdout) == b.len && !fflush(stdout)) {
		ret = 0;
	}
	fabric_metrics_buf_free(&b);
out:
	fabric_maps_close(&maps);
	return ret;
}
