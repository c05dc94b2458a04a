// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric-reroute-test: the userspace failover engine with the data-path
 * reroute (user/lib/reroute.h), for selftests/lab/test_reroute*.sh and
 * the failover bench.
 *
 *   engine  --ns NS --leaf N --pin DIR [--xdp DEV] [--no-tc] [knobs]
 *           the lab leaf's engine with reroute; one line per policy
 *           transition ("event ...") and per reroute stage ("reroute
 *           ..."); counters at exit (SIGTERM)
 *   declare --pin DIR --group G --path P
 *           declare a member down in the pinned map, exactly as a
 *           kernel-side detector does (fabric_rr_declare_down)
 *   clear   --pin DIR --group G --path P
 *           withdraw an override as userspace does (bench, tests only:
 *           fabricd clears once the group agrees)
 *   show    --pin DIR --group G --path P
 *           one member's verdict, first redirected packet and counters
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>

#include "driver_common.h"
#include "lab_engine.h"
#include "lab_traffic.h"
#include "reroute.h"
#include "reroute_engine.h"

#define POLL_NS		10000000ULL	/* kernel verdicts, first packets */

static struct ffe_cfg cfg;

static void usage(void)
{
	fprintf(stderr,
		"usage: fabric-reroute-test engine --ns NS --leaf N --pin DIR [--xdp DEV] [--no-tc]\n"
		"         [--interval-us N] [--timeout-us N] [--stall-us N] [--hold-ms N] [--no-probe]\n"
		"       fabric-reroute-test declare --pin DIR --group G --path P\n"
		"       fabric-reroute-test clear --pin DIR --group G --path P\n"
		"       fabric-reroute-test show --pin DIR --group G --path P\n");
	exit(2);
}

static void on_event(void *arg, const struct ffe_event *ev)
{
	dc_print_event(&cfg, ev);
}

static void on_reroute(void *arg, const struct frr_event *ev)
{
	const struct ffe_group_cfg *g = &cfg.group[ev->group];

	printf("reroute stage=%s t=%llu group=%s path=%s gen=%u verdict=%llu "
	       "source=%s since_verdict_ns=%llu redirected=%llu\n",
	       frr_stage_name(ev->stage), (unsigned long long)ev->time_ns,
	       g->name, g->path[ev->path].name, ev->gen,
	       (unsigned long long)ev->verdict_ns, frr_source_name(ev->source),
	       (unsigned long long)(ev->time_ns > ev->verdict_ns ?
				    ev->time_ns - ev->verdict_ns : 0),
	       (unsigned long long)ev->redirected);
	fflush(stdout);
}

static void print_stats(struct frr *r)
{
	const struct frr_stats *st = frr_stats(r);
	struct fabric_rr_stats dp;
	uint32_t s;

	printf("reroute-stats");
	for (s = 0; s < FRR_STAGES; s++)
		printf(" %s=%llu", frr_stage_name(s), (unsigned long long)st->stage[s]);
	if (!frr_dp_stats(r, &dp))
		printf(" dp_checked=%llu dp_redirected=%llu dp_passed=%llu "
		       "dp_no_survivor=%llu dp_no_neigh=%llu dp_malformed=%llu",
		       (unsigned long long)dp.checked, (unsigned long long)dp.redirected,
		       (unsigned long long)dp.passed, (unsigned long long)dp.no_survivor,
		       (unsigned long long)dp.no_neigh, (unsigned long long)dp.malformed);
	printf(" sync_errors=%llu\n", (unsigned long long)st->sync_errors);
	fflush(stdout);
}

static int cmd_engine(int argc, char **argv)
{
	static const struct option opts[] = {
		DC_ENGINE_OPTS,
		{ "pin", 1, NULL, 'd' }, { "xdp", 1, NULL, 'x' },
		{ "no-tc", 0, NULL, 'T' },
		{ }
	};
	const char *pin = NULL, *xdp = NULL;
	int fds[FFE_MAX_GROUPS + 2], n, i, c, sfd, tfd, err;
	struct itimerspec its = { { 0, POLL_NS }, { 0, POLL_NS } };
	struct pollfd pfd[FFE_MAX_GROUPS + 4];
	struct dc_engine d = { 0 };
	bool tc = true;
	struct frr *r;
	struct ffe *e;
	uint64_t x;

	le_defaults(&cfg);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (dc_engine_opt(c, optarg, &cfg, &d))
			continue;
		switch (c) {
		case 'd': pin = optarg; break;
		case 'x': xdp = optarg; break;
		case 'T': tc = false; break;
		default: usage();
		}
	}
	if (!d.leaf || !pin)
		usage();
	if (dc_engine_prepare(&cfg, &d))
		return 1;
	cfg.on_event = on_event;
	e = ffe_open(&cfg);
	if (!e) {
		fprintf(stderr, "engine: open: %s\n", strerror(errno));
		return 1;
	}
	r = frr_open(pin, on_reroute, NULL);
	if (!r) {
		fprintf(stderr, "engine: reroute: %s\n", strerror(errno));
		ffe_close(e);
		return 1;
	}
	err = frr_engine_attach(r, e, &cfg, tc);
	if (!err && xdp)
		err = frr_attach_xdp(r, if_nametoindex(xdp));
	if (err) {
		fprintf(stderr, "engine: reroute attach: %s\n", strerror(-err));
		goto out;
	}
	sfd = dc_signalfd(false);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	timerfd_settime(tfd, 0, &its, NULL);
	if (ffe_install(e))
		fprintf(stderr, "engine: install failed\n");
	n = ffe_fds(e, fds, FFE_MAX_GROUPS + 2);
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	pfd[n].fd = sfd;
	pfd[n].events = POLLIN;
	pfd[n + 1].fd = tfd;
	pfd[n + 1].events = POLLIN;
	printf("ready t=%llu\n", (unsigned long long)lt_now());
	fflush(stdout);
	for (;;) {
		if (poll(pfd, n + 2, -1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				ffe_dispatch(e, pfd[i].fd);
		if ((pfd[n + 1].revents & POLLIN) && read(tfd, &x, sizeof(x)) > 0)
			frr_poll(r);
		if (pfd[n].revents & POLLIN)
			break;
	}
	frr_poll(r);
	print_stats(r);
out:
	frr_close(r);
	ffe_close(e);
	return err ? 1 : 0;
}

/* The pinned map's element, mapped. */
static struct fabric_rr *map_open(const char *pin, size_t *len)
{
	char path[512];
	long pg = sysconf(_SC_PAGESIZE);
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin, FABRIC_RR_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	*len = (sizeof(struct fabric_rr) + pg - 1) / pg * pg;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", path, strerror(errno));
		return NULL;
	}
	return p;
}

static int cmd_member(int argc, char **argv, bool declare, bool clear)
{
	static const struct option opts[] = {
		{ "pin", 1, NULL, 'd' }, { "group", 1, NULL, 'g' },
		{ "path", 1, NULL, 'p' }, { }
	};
	const char *pin = NULL;
	int c, g = -1, p = -1, ret = 0;
	struct fabric_rr_member *mb;
	struct fabric_rr *rr;
	uint64_t now, v, f;
	size_t len;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': pin = optarg; break;
		case 'g': g = atoi(optarg); break;
		case 'p': p = atoi(optarg); break;
		default: usage();
		}
	}
	if (!pin || g < 0 || g >= FABRIC_RR_MAX_GROUPS || p < 0 ||
	    p >= FABRIC_RR_MAX_MEMBERS)
		usage();
	rr = map_open(pin, &len);
	if (!rr)
		return 1;
	mb = &rr->grp[g].m[p];
	now = lt_now();
	if (clear) {
		/* the clear protocol of common/fabric_reroute.h */
		uint32_t slot = fabric_rr_slot(g, p);
		uint64_t bit = 1ULL << (slot % 64);

		v = mb->verdict;
		if (!(v & FABRIC_RR_V_DOWN) ||
		    __sync_val_compare_and_swap(&mb->verdict, v, v & ~FABRIC_RR_V_DOWN) != v) {
			fprintf(stderr, "clear: not down\n");
			ret = 1;
		} else {
			mb->cleared_ns = now;
			__sync_fetch_and_and(&rr->down[slot / 64], ~bit);
			if (__atomic_load_n(&mb->verdict, __ATOMIC_SEQ_CST) & FABRIC_RR_V_DOWN)
				__sync_fetch_and_or(&rr->down[slot / 64], bit);
			printf("cleared t=%llu\n", (unsigned long long)now);
		}
	} else if (declare) {
		if (fabric_rr_declare_down(rr, g, p, now, FABRIC_RR_SRC_ADMIN)) {
			printf("declared t=%llu\n", (unsigned long long)now);
		} else {
			fprintf(stderr, "declare: not declared (already down, or group %d not mirrored)\n", g);
			ret = 1;
		}
	} else {
		v = mb->verdict;
		f = mb->first_tx;
		printf("member down=%d gen=%u verdict_ns=%llu first_tx_ns=%llu "
		       "redirected=%llu cleared_ns=%llu guard=%d\n",
		       !!(v & FABRIC_RR_V_DOWN), fabric_rr_gen(v),
		       (unsigned long long)(v ? fabric_rr_time(v, now) : 0),
		       (unsigned long long)((f & FABRIC_RR_F_VALID) &&
					    fabric_rr_gen(f) == fabric_rr_gen(v) ?
					    fabric_rr_time(f, now) : 0),
		       (unsigned long long)mb->redirected,
		       (unsigned long long)mb->cleared_ns,
		       !!(rr->down[fabric_rr_slot(g, p) / 64] &
			  (1ULL << (fabric_rr_slot(g, p) % 64))));
	}
	fflush(stdout);
	munmap(rr, len);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "engine"))
		return cmd_engine(argc - 1, argv + 1);
	if (!strcmp(argv[1], "declare"))
		return cmd_member(argc - 1, argv + 1, true, false);
	if (!strcmp(argv[1], "clear"))
		return cmd_member(argc - 1, argv + 1, false, true);
	if (!strcmp(argv[1], "show"))
		return cmd_member(argc - 1, argv + 1, false, false);
	usage();
	return 2;
}
