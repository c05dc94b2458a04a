// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/int: what INT costs per packet (Documentation/int.md, "Cost"), in
 * one run, beside the floor (a bare XDP_PASS) and fabric's own fast path,
 * then the INT sink fuzzer (1M frames) and the guest's ib_write_bw ratio.
 *
 * Roles change the frame, and BPF_PROG_TEST_RUN's repeat loop runs every
 * pass on the same buffer: bench/bpf/int_drive.bpf.c puts the frame back
 * before each pass and tail-calls the program under test. Every figure is
 * a median of ROUNDS rounds, cases interleaved. A role's figure is what
 * INT adds to fabric's own work on the same packet, the driver's cost
 * taken out: source and sink against fabric on the plain RoCE frame,
 * transit (XDP push plus tc completion) against fabric on the INT frame.
 * The plain-path delta (INT on, a RoCE frame that is not instrumented)
 * needs no driver.
 *
 *	int [-n FUZZ_FRAMES]
 */
#include <errno.h>
#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "int_lib.h"
#include "int_fuzz.h"
#include "bench_floor.skel.h"
#include "int_drive.skel.h"

#define ROUNDS		7
#define DRIVE_HDR	128
#define REPEAT		200000
#define FUZZ_SEED	0x1f7ab5eedULL

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_rep(int fd, const __u8 *pkt, __u32 len, double *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt, .data_size_in = len, .repeat = REPEAT,
	);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ns = o.duration;
	return 0;
}

struct one {
	const char *name;
	int fd;			/* program run by test_run */
	const __u8 *pkt;
	__u32 len, roles;
	int target;		/* driver cases: program it tail-calls */
	double median;
};

static struct int_drive_bpf *drv;

/* Driver cases: the template is the frame itself, the target in place. */
static int drive_setup(const struct one *c)
{
	struct { __u32 len; __u8 bytes[DRIVE_HDR]; } t = { .len = c->len };
	__u32 zero = 0;
	int map;

	if (c->target < 0)
		return 0;
	memcpy(t.bytes, c->pkt, DRIVE_HDR);
	map = c->fd == bpf_program__fd(drv->progs.int_drive_xdp) ?
	      bpf_map__fd(drv->maps.int_xdp_progs) :
	      bpf_map__fd(drv->maps.int_tc_progs);
	if (bpf_map_update_elem(bpf_map__fd(drv->maps.int_tmpl), &zero, &t, 0) ||
	    bpf_map_update_elem(map, &zero, &c->target, 0))
		return -errno;
	return 0;
}

/* Repeat-loop rounds, cases interleaved; medians of ROUNDS. */
static int measure_rep(struct int_node *n, struct one *c, int nc)
{
	double v[16][ROUNDS];
	int r, k;

	for (r = 0; r < ROUNDS; r++)
		for (k = 0; k < nc; k++) {
			int_config(n, c[k].roles, 11, 0);
			if (drive_setup(&c[k]) ||
			    run_rep(c[k].fd, c[k].pkt, c[k].len, &v[k][r]))
				return -1;
		}
	for (k = 0; k < nc; k++) {
		qsort(v[k], ROUNDS, sizeof(double), cmp_double);
		c[k].median = v[k][ROUNDS / 2];
		printf("  %-54s %5.1f ns  (rounds %.0f..%.0f, repeat %d)\n",
		       c[k].name, c[k].median, v[k][0], v[k][ROUNDS - 1], REPEAT);
	}
	return 0;
}

static void pin_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(n > 1 ? n - 1 : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* The guest's figure, if its script left one next to this binary. */
static void rxe_ratio(const char *argv0, char *buf, size_t cap)
{
	char path[4096], line[256], *dir, *copy = strdup(argv0);
	FILE *f;

	snprintf(buf, cap, "na");
	if (!copy)
		return;
	dir = dirname(copy);
	snprintf(path, sizeof(path), "%s/int-rxe.result", dir);
	free(copy);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "int: ib_write_bw_ratio_n64=na: %s not found "
			"(written by the guest INT test, scripts/vm)\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ib_write_bw_ratio_n64=%63s", buf) == 1)
			break;
	fclose(f);
	if (!strcmp(buf, "na"))
		fprintf(stderr, "int: ib_write_bw_ratio_n64=na: no value in %s\n",
			path);
}

int main(int argc, char **argv)
{
	__u8 roce[INT_FRAME_MAX], src_out[INT_FRAME_MAX], pushed[INT_FRAME_MAX];
	__u8 wire[INT_FRAME_MAX], tmp[INT_FRAME_MAX], probe_class[INT_FRAME_MAX];
	__u32 roce_len, src_len, pushed_len, wire_len, tlen, rv, pl;
	struct int_fuzz_opts fo = { .seed = FUZZ_SEED, .frames = 1000000,
				    .max_reports = 5, .log = stderr };
	double floor, fast_xdp, fast_tc, plain_xdp, plain_tc, src, src_skip;
	double transit, sink, plain;
	struct bench_floor_bpf *flr;
	struct int_fuzz_result fr;
	char ratio[64];
	struct int_node n;
	int opt, xdp, tc, pass, dx, dt, px, pt, err;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		switch (opt) {
		case 'n':
			fo.frames = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n fuzz_frames]\n", argv[0]);
			return 2;
		}
	}
	libbpf_set_print(NULL);
	pin_cpu();
	err = int_open(&n);
	flr = bench_floor_bpf__open_and_load();
	drv = int_drive_bpf__open_and_load();
	if (err || !flr || !drv) {
		fprintf(stderr, "int: load: %s\n", strerror(err ? -err : errno));
		return 1;
	}
	xdp = n.xdp_fd;
	tc = n.tc_fd;
	pass = bpf_program__fd(flr->progs.bench_pass);
	dx = bpf_program__fd(drv->progs.int_drive_xdp);
	dt = bpf_program__fd(drv->progs.int_drive_tc);
	px = bpf_program__fd(drv->progs.int_pass_xdp);
	pt = bpf_program__fd(drv->progs.int_pass_tc);

	/* the frames of one embedded packet along source, transit, sink */
	int_class(&n, 26, FABRIC_INT_MODE_EMBED, 0, 0, 1);
	int_class(&n, 10, FABRIC_INT_MODE_PROBE, 0, 0, 1);
	roce_len = int_build_roce(roce, 4, 0, 26, 0, 1024);
	pl = int_build_roce(probe_class, 4, 0, 10, 0, 1024);
	int_config(&n, FABRIC_INT_ROLE_SOURCE, 1, 0);
	if (int_tc(&n, roce, roce_len, src_out, &src_len, &rv) ||
	    src_len != roce_len + 16)
		goto fail;
	int_config(&n, FABRIC_INT_ROLE_TRANSIT, 11, 0);
	if (int_xdp(&n, src_out, src_len, pushed, &pushed_len, &rv) ||
	    int_tc(&n, pushed, pushed_len, tmp, &tlen, &rv) ||
	    int_xdp(&n, tmp, tlen, wire, &wire_len, &rv) ||
	    int_tc(&n, wire, wire_len, tmp, &tlen, &rv) ||
	    tlen != src_len + 32)
		goto fail;
	memcpy(wire, tmp, tlen);
	wire_len = tlen;	/* two hops: what the sink sees */

	printf("int: INT roles under BPF_PROG_TEST_RUN, %u-byte RoCE frame, "
	       "median of %d rounds of %d\n", roce_len, ROUNDS, REPEAT);
	{
		const __u32 ts = FABRIC_INT_ROLE_TRANSIT | FABRIC_INT_ROLE_SINK;
		struct one c[] = {
			{ "(1) bare XDP_PASS (floor)", pass, roce, roce_len, 0, -1 },
			{ "(2) fabric_xdp_rx, RoCE, INT off", xdp, roce, roce_len, 0, -1 },
			{ "(3) fabric_xdp_rx, RoCE, transit+sink on", xdp, roce,
			  roce_len, ts, -1 },
			{ "(4) fabric_tc_tx, RoCE, INT off", tc, roce, roce_len, 0, -1 },
			{ "(5) fabric_tc_tx, RoCE, transit+sink on", tc, roce,
			  roce_len, ts, -1 },
			{ "(6) fabric_tc_tx, RoCE of a probe-mode class, source",
			  tc, probe_class, pl, FABRIC_INT_ROLE_SOURCE, -1 },
		};
		struct one d[] = {
			{ "(7) driver -> pass, RoCE", dx, roce, roce_len, 0, px },
			{ "(8) driver -> fabric_xdp_rx, RoCE, INT off", dx, roce,
			  roce_len, 0, xdp },
			{ "(9) driver -> pass, INT frame", dx, src_out, src_len, 0, px },
			{ "(10) driver -> fabric_xdp_rx, INT frame, INT off", dx,
			  src_out, src_len, 0, xdp },
			{ "(11) driver -> transit push (XDP)", dx, src_out, src_len,
			  FABRIC_INT_ROLE_TRANSIT, xdp },
			{ "(12) driver -> pass, 2-hop INT frame", dx, wire, wire_len,
			  0, px },
			{ "(13) driver -> sink strip (XDP)", dx, wire, wire_len,
			  FABRIC_INT_ROLE_SINK, xdp },
			{ "(14) tc driver -> pass, RoCE", dt, roce, roce_len, 0, pt },
			{ "(15) tc driver -> fabric_tc_tx, RoCE, INT off", dt, roce,
			  roce_len, 0, tc },
			{ "(16) tc driver -> source instruments RoCE", dt, roce,
			  roce_len, FABRIC_INT_ROLE_SOURCE, tc },
		};
		struct one e[] = {
			{ "(17) tc driver -> pass, pending INT frame", dt, pushed,
			  pushed_len, 0, pt },
			{ "(18) tc driver -> fabric_tc_tx, pending, INT off", dt,
			  pushed, pushed_len, 0, tc },
			{ "(19) tc driver -> transit completes the hop (tc)", dt,
			  pushed, pushed_len, FABRIC_INT_ROLE_TRANSIT, tc },
		};

		if (measure_rep(&n, c, 6) || measure_rep(&n, d, 10) ||
		    measure_rep(&n, e, 3))
			goto fail;
		if (drv->bss->restore_failed) {
			fprintf(stderr, "int: the driver failed to restore %llu frames\n",
				(unsigned long long)drv->bss->restore_failed);
			goto fail;
		}
		floor = c[0].median;
		fast_xdp = c[1].median;
		plain_xdp = c[2].median - c[1].median;
		fast_tc = c[3].median;
		plain_tc = c[4].median - c[3].median;
		src_skip = c[5].median - c[3].median;
		src = d[9].median - d[8].median;
		transit = d[4].median - d[3].median + e[2].median - e[1].median;
		sink = (d[6].median - d[5].median) - (d[1].median - d[0].median);
		printf("  program time, driver out, above the floor (1): source %.0f, "
		       "transit XDP %.0f + tc %.0f, sink %.0f ns\n",
		       d[9].median - d[7].median, d[4].median - d[2].median,
		       e[2].median - e[0].median, d[6].median - d[5].median);
	}
	plain = (plain_xdp > 0 ? plain_xdp : 0) + (plain_tc > 0 ? plain_tc : 0);
	printf("  INT's own cost: source %.0f ns (%.1f not instrumented), "
	       "transit %.0f, sink %.0f; plain path XDP %+.1f tc %+.1f ns\n",
	       src, src_skip, transit, sink, plain_xdp, plain_tc);
	printf("  fast path: XDP %.1f ns, tc %.1f ns; floor %.1f ns\n", fast_xdp,
	       fast_tc, floor);

	err = int_fuzz_run(&fo, &fr);
	if (err)
		goto fail;
	printf("  fuzz: %llu frames in %.1f s: %llu stripped, %llu dropped, "
	       "%llu malformed, %llu not INT, %llu crashes\n",
	       (unsigned long long)fr.frames, fr.seconds,
	       (unsigned long long)fr.stripped, (unsigned long long)fr.dropped,
	       (unsigned long long)fr.malformed, (unsigned long long)fr.not_int,
	       (unsigned long long)fr.crashes);
	rxe_ratio(argv[0], ratio, sizeof(ratio));
	printf("  targets: source/transit/sink <= 100 ns: %s; plain_path_delta "
	       "<= 2 ns: %s; fuzz disagreements 0: %s\n",
	       src <= 100 && transit <= 100 && sink <= 100 ? "met" : "MISSED",
	       plain <= 2 ? "met" : "MISSED",
	       fr.disagreements || fr.crashes ? "MISSED" : "met");
	printf("int: source_ns=%.0f transit_ns=%.0f sink_ns=%.0f "
	       "plain_path_delta_ns=%.1f ib_write_bw_ratio_n64=%s "
	       "fuzz_frames=%llu fuzz_disagreements=%llu\n",
	       src, transit, sink, plain, ratio, (unsigned long long)fr.frames,
	       (unsigned long long)(fr.disagreements + fr.crashes));
	int_drive_bpf__destroy(drv);
	bench_floor_bpf__destroy(flr);
	int_close(&n);
	return fr.disagreements || fr.crashes;
fail:
	fprintf(stderr, "int: a run failed: %s\n", strerror(errno));
	int_drive_bpf__destroy(drv);
	bench_floor_bpf__destroy(flr);
	int_close(&n);
	return 1;
}
