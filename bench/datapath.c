// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/datapath: ns per packet of fabric_xdp_rx under BPF_PROG_TEST_RUN.
 *
 * Direct runs repeat one frame. For many flows, bench_drive rewrites the
 * frame's dest QP (and PSN) per iteration and tail-calls the program under
 * test; the same driver tail-calling a bare XDP_PASS measures the driver,
 * and its cost is taken out so every figure is comparable to the floor:
 *	fig = T(driver -> prog) - T(driver -> pass) + T(pass)
 * Every figure is the median of ROUNDS rounds, rounds of one group
 * interleaved so that drift hits all of them alike.
 */
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric_abi.h"
#include "flow_hash.h"
#include "fabric.skel.h"
#include "bench_driver.skel.h"
#include "bench_floor.skel.h"
#include "bench.h"

/* The case: 10^6 flows in 2^17 sets; -n and -s only to explore. */
static __u32 nsets_log = 17;
static __u32 nflows = 1000000;
#define NSETS		(1U << nsets_log)
#define NSLOTS		(NSETS * FABRIC_FLOW_WAYS)
#define NFLOWS		nflows
#define PKT_LEN		1024
#define ROUNDS		5
#define CALIBRATE_REPEAT	100000
#define ROUND_NS	300000000.0	/* aim for this much per round */
#define XDP_PASS_	2
#define QP_BASE		0x100
#define QP_HOT		0x800000
#define RNG_SEED	0x9e3779b97f4a7c15ULL

struct bench {
	struct fabric_bpf *fab;
	struct bench_driver_bpf *drv;
	struct bench_floor_bpf *flr;
	int fab_fd, pass_fd, mem_fd, drv_fd, progs_fd;
	__u8 roce[PKT_LEN], udp[PKT_LEN];
};

struct series {
	const char *name;
	double ns[ROUNDS];
	double median;
	__u32 repeat;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return s[n / 2];
}

/* IPv4 10.0.0.1 -> 10.0.0.2, ECT(0), UDP to @dport, RC WRITE ONLY. */
static void build_frame(__u8 *p, __u16 dport)
{
	__u16 ip_len = PKT_LEN - 14, udp_len = ip_len - 20;
	__u32 sum = 0;
	int i;

	memset(p, 0, PKT_LEN);
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	p[14] = 0x45;
	p[15] = 0x02;
	*(__u16 *)(p + 16) = htons(ip_len);
	p[22] = 64;
	p[23] = 17;
	memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	for (i = 14; i < 34; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*(__u16 *)(p + 24) = htons(~sum & 0xffff);
	*(__u16 *)(p + 34) = htons(49152);
	*(__u16 *)(p + 36) = htons(dport);
	*(__u16 *)(p + 38) = htons(udp_len);
	/* BTH: WRITE ONLY, pkey 0xffff, dest QP, PSN 0; then a RETH */
	p[BENCH_BTH_OFF] = ROCE_OP_WRITE_ONLY;
	*(__u16 *)(p + BENCH_BTH_OFF + 2) = htons(0xffff);
	*(__u32 *)(p + BENCH_QP_OFF) = htonl(QP_HOT);
	*(__u32 *)(p + BENCH_BTH_OFF + ROCE_BTH_LEN + 12) =
		htonl(PKT_LEN - BENCH_BTH_OFF - ROCE_BTH_LEN - ROCE_RETH_LEN -
		      ROCE_ICRC_LEN);
}

/*
 * ns per packet of @repeat runs, as the kernel measures it: its timer
 * leaves out the time the task is scheduled away, and a fixed cost of
 * every call (about 16 ms here for any repeat > 1) that wall-clock
 * timing would spread over the packets. The kernel rounds down to ns.
 */
static int run(int fd, const __u8 *pkt, __u32 repeat, double *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = PKT_LEN,
		.repeat = repeat,
	);

	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "datapath: test run: %s\n", strerror(errno));
		return -1;
	}
	if (o.retval != XDP_PASS_) {
		fprintf(stderr, "datapath: program returned %u, not XDP_PASS\n",
			o.retval);
		return -1;
	}
	*ns = o.duration;
	return 0;
}

static int set_target(struct bench *b, int fd)
{
	__u32 zero = 0;

	/* PSNs fabric never saw would look like gaps to it */
	b->drv->bss->psn_bank = fd == b->fab_fd ? 0 : b->drv->bss->nflows;
	b->drv->bss->burst_left = 0;

	if (bpf_map_update_elem(b->progs_fd, &zero, &fd, BPF_ANY)) {
		fprintf(stderr, "datapath: prog array: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* One case of a group: a program, or the driver in front of a target. */
struct bcase {
	struct series s;
	int fd;		/* program to run */
	int target;	/* driver target, or -1 */
	const __u8 *pkt;
};

static int calibrate(struct bench *b, struct bcase *c)
{
	double ns;

	if (c->target >= 0 && set_target(b, c->target))
		return -1;
	if (run(c->fd, c->pkt, CALIBRATE_REPEAT, &ns))
		return -1;
	c->s.repeat = ROUND_NS / (ns > 1 ? ns : 1);
	if (c->s.repeat < 100000)
		c->s.repeat = 100000;
	return 0;
}

/* Rounds of every case in turn, ROUNDS times; medians to each series. */
static int measure(struct bench *b, struct bcase *cs, int n)
{
	int r, i;

	for (i = 0; i < n; i++)
		if (calibrate(b, &cs[i]))
			return -1;
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < n; i++) {
			struct bcase *c = &cs[i];

			if (c->target >= 0 && set_target(b, c->target))
				return -1;
			/* (5) and (6) see the very same sequence of flows */
			if (b->drv->bss->mode == BENCH_MODE_RANDOM)
				b->drv->bss->rng = RNG_SEED;
			if (run(c->fd, c->pkt, c->s.repeat, &c->s.ns[r]))
				return -1;
		}
	}
	for (i = 0; i < n; i++) {
		struct series *s = &cs[i].s;

		s->median = median(s->ns, ROUNDS);
		printf("  %-44s %5.0f ns  (rounds", s->name, s->median);
		for (r = 0; r < ROUNDS; r++)
			printf(" %.0f", s->ns[r]);
		printf("; repeat %u)\n", s->repeat);
	}
	return 0;
}

static int dp_stats(struct bench *b, struct fabric_dp_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, fd;
	struct fabric_dp_stats *v;
	__u32 zero = 0;

	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -1;
	fd = bpf_map__fd(b->fab->maps.fabric_stats);
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &zero, v)) {
		free(v);
		return -1;
	}
	for (i = 0; i < ncpu; i++) {
		sum->flow_inserts += v[i].flow_inserts;
		sum->flow_evictions += v[i].flow_evictions;
		sum->flow_insert_races += v[i].flow_insert_races;
		sum->events_sent += v[i].events_sent;
		sum->events_lost += v[i].events_lost;
		sum->events_suppressed += v[i].events_suppressed;
	}
	free(v);
	return 0;
}

/* Occupied slots, read through the map's mmap. */
static long occupied_slots(struct bench *b)
{
	int fd = bpf_map__fd(b->fab->maps.fabric_flows);
	size_t len = (size_t)NSETS * sizeof(struct fabric_flow_set);
	struct fabric_flow_set *sets;
	long n = 0;
	__u32 i, w;

	sets = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (sets == MAP_FAILED)
		return -1;
	for (i = 0; i < NSETS; i++)
		for (w = 0; w < FABRIC_FLOW_WAYS; w++)
			n += fabric_own_tag(sets[i].slot[w].own) > FABRIC_TAG_BUSY;
	munmap(sets, len);
	return n;
}

static long long memlock_of(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int bench_open(struct bench *b)
{
	int err;

	b->fab = fabric_bpf__open();
	b->drv = bench_driver_bpf__open();
	b->flr = bench_floor_bpf__open();
	if (!b->fab || !b->drv || !b->flr) {
		fprintf(stderr, "datapath: open skeletons: %s\n", strerror(errno));
		return -1;
	}
	b->fab->rodata->flow_set_mask = NSETS - 1;
	b->fab->rodata->read_pmtu = 0;
	/* a fixed seed: every run places the same flows in the same sets */
	b->fab->rodata->flow_hash_seed = FABRIC_HASH_SEED;
	bpf_map__set_max_entries(b->fab->maps.fabric_flows, NSETS);
	b->flr->rodata->floor_mask = NSETS - 1;
	bpf_map__set_max_entries(b->flr->maps.bench_floor_map, NSETS);
	bpf_map__set_max_entries(b->drv->maps.bench_psn, 2 * NFLOWS);

	err = fabric_bpf__load(b->fab);
	if (!err)
		err = bench_floor_bpf__load(b->flr);
	if (!err)
		err = bench_driver_bpf__load(b->drv);
	if (err) {
		fprintf(stderr, "datapath: load: %s\n", strerror(-err));
		return -1;
	}
	b->fab_fd = bpf_program__fd(b->fab->progs.fabric_xdp_rx);
	b->pass_fd = bpf_program__fd(b->flr->progs.bench_pass);
	b->mem_fd = bpf_program__fd(b->flr->progs.bench_mem_floor);
	b->drv_fd = bpf_program__fd(b->drv->progs.bench_drive);
	b->progs_fd = bpf_map__fd(b->drv->maps.bench_progs);
	build_frame(b->roce, ROCE_V2_UDP_PORT);
	build_frame(b->udp, 9999);
	return 0;
}

static void bench_close(struct bench *b)
{
	bench_driver_bpf__destroy(b->drv);
	bench_floor_bpf__destroy(b->flr);
	fabric_bpf__destroy(b->fab);
}

static void drive(struct bench *b, __u32 mode, __u32 nflows, __u32 qp_base)
{
	b->drv->bss->mode = mode;
	b->drv->bss->nflows = nflows;
	b->drv->bss->qp_base = qp_base;
	b->drv->bss->seq = 0;
	b->drv->bss->burst_left = 0;
	b->drv->bss->rng = RNG_SEED;
}

static int pin_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(n > 1 ? n - 1 : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return n > 1 ? n - 1 : 0;
}

static void print_delta(const char *what, const struct fabric_dp_stats *a,
			const struct fabric_dp_stats *z, unsigned long long pkts)
{
	unsigned long long ins = z->flow_inserts - a->flow_inserts;
	unsigned long long ev = z->flow_evictions - a->flow_evictions;

	printf("  %s: %llu packets, %llu inserts (%.2f%% of packets), %llu evictions, "
	       "%llu events\n", what, pkts, ins, pkts ? 100.0 * ins / pkts : 0.0,
	       ev, (z->events_sent + z->events_lost + z->events_suppressed) -
	       (a->events_sent + a->events_lost + a->events_suppressed));
}

/* Packets a case ran, calibration included. */
static unsigned long long group_packets(const struct bcase *c)
{
	return (unsigned long long)c->s.repeat * ROUNDS + CALIBRATE_REPEAT;
}


int main(int argc, char **argv)
{
	struct fabric_dp_stats st0, st1;
	struct bench b = {};
	double floor, f2, drv_b, drv_r, hot_seq, f4, f5, f6, f6l, bpf;
	long long memlock;
	double tstart = now_ns(), ns;
	long occ;
	int cpu, ret = 1, opt;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n':
			nflows = strtoul(optarg, NULL, 0);
			break;
		case 's':
			nsets_log = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n flows] [-s log2(sets)]\n",
				argv[0]);
			return 2;
		}
	}
	if (!nflows || nsets_log < 1 || nsets_log > 22) {
		fprintf(stderr, "datapath: bad -n or -s\n");
		return 2;
	}

	libbpf_set_print(NULL);
	cpu = pin_cpu();
	if (cpu < 0) {
		perror("datapath: sched_setaffinity");
		return 1;
	}
	if (bench_open(&b))
		goto out;

	memlock = memlock_of(bpf_map__fd(b.fab->maps.fabric_flows));
	bpf = memlock > 0 ? (double)memlock / NSLOTS : -1;
	printf("datapath: fabric_xdp_rx under BPF_PROG_TEST_RUN on CPU %d, "
	       "%d-byte frames, median of %d rounds\n", cpu, PKT_LEN, ROUNDS);
	printf("  flow table: %u sets x %u ways = %u slots, memlock %lld bytes "
	       "(%.1f bytes per slot)\n", NSETS, FABRIC_FLOW_WAYS, NSLOTS,
	       memlock, bpf);

	printf("one hot flow, direct runs:\n");
	{
		struct bcase c[] = {
			{ { "(1) bare XDP_PASS (floor)" }, b.pass_fd, -1, b.roce },
			{ { "(2) fabric, RoCE WRITE, one hot flow" }, b.fab_fd, -1, b.roce },
			{ { "(3) fabric, non-RoCE UDP" }, b.fab_fd, -1, b.udp },
		};

		if (measure(&b, c, 3))
			goto out;
		floor = c[0].s.median;
		f2 = c[1].s.median;
		printf("  note: the repeated frame has a fixed PSN, so (2) takes "
		       "the duplicate-PSN path after the first packet\n");
		drive(&b, BENCH_MODE_HOT, 1, QP_HOT + 1);
		{
			struct bcase h[] = {
				{ { "driver(hot) -> XDP_PASS" }, b.drv_fd, b.pass_fd, b.roce },
				{ { "driver(hot) -> fabric, PSNs in order" }, b.drv_fd, b.fab_fd, b.roce },
			};

			if (measure(&b, h, 2))
				goto out;
			hot_seq = h[1].s.median - h[0].s.median + floor;
			printf("  (2') hot flow, PSNs in order, driver taken out: "
			       "%.0f ns\n", hot_seq);
		}
	}

	printf("prefill: %u flows, one packet each:\n", NFLOWS);
	drive(&b, BENCH_MODE_SEQ, NFLOWS, QP_BASE);
	if (set_target(&b, b.fab_fd) || dp_stats(&b, &st0))
		goto out;
	if (run(b.drv_fd, b.roce, NFLOWS, &ns) || dp_stats(&b, &st1))
		goto out;
	occ = occupied_slots(&b);
	printf("  %.0f ns per packet; %llu inserts, %llu evictions; "
	       "%ld of %u slots occupied (%.1f%%), %.1f%% of the flows resident\n",
	       ns, st1.flow_inserts - st0.flow_inserts,
	       st1.flow_evictions - st0.flow_evictions, occ, NSLOTS,
	       100.0 * occ / NSLOTS, 100.0 * occ / NFLOWS);

	printf("%u flows, bursts of %d packets per QP (random QP per burst):\n",
	       NFLOWS, BENCH_BURST);
	drive(&b, BENCH_MODE_BURST, NFLOWS, QP_BASE);
	{
		struct bcase c[] = {
			{ { "driver(burst) -> XDP_PASS" }, b.drv_fd, b.pass_fd, b.roce },
			{ { "driver(burst) -> fabric" }, b.drv_fd, b.fab_fd, b.roce },
		};

		if (dp_stats(&b, &st0) || measure(&b, c, 2) || dp_stats(&b, &st1))
			goto out;
		drv_b = c[0].s.median;
		f4 = c[1].s.median - drv_b + floor;
		print_delta("fabric", &st0, &st1, group_packets(&c[1]));
		printf("  (4) driver taken out: %.0f ns\n", f4);
	}

	printf("%u flows, a uniformly random flow per packet:\n", NFLOWS);
	drive(&b, BENCH_MODE_RANDOM, NFLOWS, QP_BASE);
	{
		struct bcase c[] = {
			{ { "driver(random) -> XDP_PASS" }, b.drv_fd, b.pass_fd, b.roce },
			{ { "driver(random) -> fabric" }, b.drv_fd, b.fab_fd, b.roce },
			{ { "driver(random) -> memory floor" }, b.drv_fd, b.mem_fd, b.roce },
			{ { "driver(random) -> memory floor, latency-bound" }, b.drv_fd,
			  bpf_program__fd(b.flr->progs.bench_mem_floor_lat), b.roce },
		};

		if (dp_stats(&b, &st0) || measure(&b, c, 4) || dp_stats(&b, &st1))
			goto out;
		drv_r = c[0].s.median;
		f5 = c[1].s.median - drv_r + floor;
		f6 = c[2].s.median - drv_r + floor;
		print_delta("fabric", &st0, &st1, group_packets(&c[1]));
		printf("  (5) driver taken out: %.0f ns\n", f5);
		printf("  (6) driver taken out: %.0f ns\n", f6);
		f6l = c[3].s.median - drv_r + floor;
		printf("  (6) latency-bound (no overlap between packets), driver "
		       "taken out: %.0f ns\n", f6l);
	}
	if (b.drv->bss->tail_call_failed) {
		fprintf(stderr, "datapath: %llu tail calls failed\n",
			(unsigned long long)b.drv->bss->tail_call_failed);
		goto out;
	}

	printf("driver cost (driver + tail call, above the floor): burst %.0f ns, "
	       "random %.0f ns\n", drv_b - floor, drv_r - floor);
	printf("targets (informational):\n");
	printf("  (4) - (1) = %.0f ns, target <= 60: %s\n", f4 - floor,
	       f4 - floor <= 60 ? "met" : "MISSED");
	printf("  (5) / (6) = %.2f (throughput floor, informational)\n", f5 / f6);
	printf("  (5) / (6 latency-bound) = %.2f, target <= 1.5: %s\n", f5 / f6l,
	       f5 <= 1.5 * f6l ? "met" : "MISSED");
	/* the map's one header page adds 0.004 bytes a slot: compare as printed */
	bpf = round(bpf * 10) / 10;
	printf("  bytes_per_flow = %.1f, target <= 128: %s\n", bpf,
	       bpf >= 0 && bpf <= 128 ? "met" : "MISSED (64-bit counters; see datapath.md)");
	printf("  run time %.0f s\n", (now_ns() - tstart) / 1e9);
	printf("datapath: ns_per_pkt=%.0f floor_ns_per_pkt=%.0f "
	       "ns_per_pkt_1m_flows=%.0f ns_per_pkt_1m_random=%.0f "
	       "map_floor_1m_random=%.0f map_floor_1m_latency=%.0f "
	       "bytes_per_flow=%.1f\n",
	       f2, floor, f4, f5, f6, f6l, bpf);
	ret = 0;
out:
	bench_close(&b);
	return ret;
}
