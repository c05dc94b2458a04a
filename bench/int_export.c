// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/int-export: what INT adds to a Prometheus scrape. The sink role of
 * a loaded (not attached) fabric object is fed INT frames through
 * BPF_PROG_TEST_RUN, so its maps hold what a real sink would: N node ids
 * and P paths of three hops. Then fint_metrics_render(), the exporter's
 * INT families, is timed in this thread's CPU time (user and system, so
 * that waiting for a shared CPU does not count; median and p90 of RUNS
 * renders) for:
 *   lab:  4 nodes, 2 paths (the leaf-spine lab);
 *   wide: 64 nodes, 1024 paths (a full path table);
 *   max:  1024 nodes, 1024 paths (every node id in use).
 * and again without the sink's node index (pins of an older object: every
 * node id read in batches), and checks that each render holds every node's
 * histogram and counts every path. Prints one line:
 *   int-export: lab_us= lab_p90_us= lab_noindex_us= wide_us= ... max_us= ...
 *               lab_bytes= wide_bytes= max_bytes=
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "int_lib.h"
#include "int_ref.h"
#include "int_telemetry.h"
#include "metrics.h"

#define RUNS	41
#define PER	3	/* frames per path, with different latencies */

struct scenario {
	const char	*name;
	unsigned int	nodes, paths;
	double		med_us, p90_us, noidx_us;
	size_t		bytes;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Path i of a scenario: three node ids below @nodes, distinct per i. */
static void path_nodes(unsigned int i, unsigned int nodes, __u32 id[3])
{
	if (nodes <= 4) {
		/* the lab: 11 > 21|22 > 12 */
		id[0] = 11;
		id[1] = 21 + (i & 1);
		id[2] = 12;
	} else if (nodes < 1024) {
		id[0] = i % nodes;
		id[1] = (i / nodes) % nodes;
		id[2] = nodes - 1;
	} else {
		/* every node id in use */
		id[0] = i % nodes;
		id[1] = (i + 1) % nodes;
		id[2] = (i + 2) % nodes;
	}
}

static int feed(struct int_node *n, const struct scenario *s)
{
	__u8 roce[INT_FRAME_MAX], frame[INT_FRAME_MAX], out[INT_FRAME_MAX];
	__u32 hop[12], id[3], retval, olen, i, k, j;
	size_t len = int_build_roce(roce, 4, 0, 0, 0, 256), flen;

	for (i = 0; i < s->paths; i++) {
		path_nodes(i, s->nodes, id);
		for (k = 0; k < PER; k++) {
			/* newest hop first: id[2], id[1], id[0] */
			for (j = 0; j < 3; j++) {
				hop[4 * j] = id[2 - j];
				hop[4 * j + 1] = 0x00010002;
				hop[4 * j + 2] = 1000 + 997 * k + 131 * j;
				hop[4 * j + 3] = 0x00ffffff;
			}
			flen = int_ref_encode(roce, len, frame, sizeof(frame),
					      FABRIC_INT_UDP_PORT_DEFAULT, 0,
					      FABRIC_INT_I_DEFAULT, 5, 3, hop);
			if (!flen || int_xdp(n, frame, flen, out, &olen, &retval))
				return -1;
		}
	}
	return 0;
}

/* The render must hold every node's histogram and count every path. */
static int check(const struct fabric_metrics_buf *b, const struct scenario *s)
{
	const char *p = b->data, *end = b->data + b->len;
	unsigned int hops = 0, paths = ~0U;

	while (p && p < end) {
		if (!strncmp(p, "fabric_int_hop_latency_seconds_count{", 37))
			hops++;
		else if (!strncmp(p, "fabric_int_paths ", 17))
			paths = strtoul(p + 17, NULL, 10);
		p = memchr(p, '\n', end - p);
		if (p)
			p++;
	}
	if (hops == s->nodes && paths == s->paths)
		return 0;
	fprintf(stderr, "int-export: %s: %u hop series and %u paths rendered, want %u and %u\n",
		s->name, hops, paths, s->nodes, s->paths);
	return -1;
}

static int measure(struct scenario *s)
{
	struct fabric_metrics_buf b;
	struct fabric_int_stats st;
	struct int_node n;
	struct fint_maps m;
	double t[RUNS], u[RUNS], t0;
	int i, j, err;

	err = int_open(&n);
	if (err) {
		fprintf(stderr, "int-export: loading fabric: %s\n", strerror(-err));
		return -1;
	}
	int_config(&n, FABRIC_INT_ROLE_SINK, 2, 0);
	if (feed(&n, s) || fint_from_skel(n.skel, &m)) {
		fprintf(stderr, "int-export: feeding the sink failed\n");
		int_close(&n);
		return -1;
	}
	if (int_read_stats(&n, &st) || st.sink_stripped != (__u64)s->paths * PER) {
		fprintf(stderr, "int-export: %s: sink stripped %llu, want %u\n",
			s->name, (unsigned long long)st.sink_stripped, s->paths * PER);
		int_close(&n);
		return -1;
	}
	fabric_metrics_buf_init(&b);
	for (i = 0; i < RUNS; i++) {
		fabric_metrics_buf_reset(&b);
		t0 = now_us();
		err = fint_metrics_render(&b, &m, 10);
		t[i] = now_us() - t0;
		if (err || b.err) {
			fprintf(stderr, "int-export: render failed\n");
			break;
		}
	}
	s->bytes = b.len;
	if (i == RUNS && check(&b, s))
		i = 0;
	/* the same maps read without the node index (older pins): batches */
	m.nodes_fd = -1;
	for (j = 0; i == RUNS && j < RUNS; j++) {
		fabric_metrics_buf_reset(&b);
		t0 = now_us();
		err = fint_metrics_render(&b, &m, 10);
		u[j] = now_us() - t0;
		if (err || b.err || check(&b, s))
			i = 0;
	}
	fabric_metrics_buf_free(&b);
	int_close(&n);
	if (i < RUNS)
		return -1;
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	s->med_us = t[RUNS / 2];
	s->p90_us = t[RUNS * 9 / 10];
	qsort(u, RUNS, sizeof(u[0]), cmp_double);
	s->noidx_us = u[RUNS / 2];
	return 0;
}

int main(void)
{
	struct scenario s[] = {
		{ "lab", 4, 2 }, { "wide", 64, 1024 }, { "max", 1024, 1024 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (measure(&s[i]))
			return 1;
	printf("int-export:");
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		printf(" %s_us=%.0f %s_p90_us=%.0f %s_noindex_us=%.0f", s[i].name,
		       s[i].med_us, s[i].name, s[i].p90_us, s[i].name,
		       s[i].noidx_us);
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		printf(" %s_bytes=%zu", s[i].name, s[i].bytes);
	printf("\n");
	return 0;
}
