// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric-failover-test: drives the userspace failover engine and the lab
 * from shell tests (selftests/lab/test_failover_*.sh) and scripts/lab.
 *
 *   engine  --ns NS (--leaf N | --group SPEC --path SPEC...) [knobs]
 *           runs the engine until SIGTERM; one line per transition,
 *           a status dump at exit (SIGUSR1: status now)
 *   traffic --src NS --dst NS --to IP [--flows N] [--pps N] --seconds S
 *           flows through the lab for at most S seconds (SIGTERM ends
 *           it sooner); "flowing" once every flow arrives; per-flow
 *           report at the end
 *   fault   --pin DIR --pct N     set a lab port's drop rate; prints time
 *   carrier --ns NS --dev DEV up|down
 *   now     CLOCK_MONOTONIC ns
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "driver_common.h"
#include "lab_engine.h"
#include "lab_traffic.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: fabric-failover-test engine --ns NS (--leaf N | --group SPEC --path SPEC...)\n"
		"         [--interval-us N] [--timeout-us N] [--miss-k N] [--recover N]\n"
		"         [--hold-ms N] [--hold-max-ms N] [--stall-us N] [--no-probe]\n"
		"       fabric-failover-test traffic --src NS --dst NS --to IP [--flows N] [--pps N] --seconds S\n"
		"       fabric-failover-test fault --pin DIR --pct N\n"
		"       fabric-failover-test carrier --ns NS --dev DEV up|down\n"
		"       fabric-failover-test now\n");
	exit(2);
}

static void on_event(void *arg, const struct ffe_event *ev)
{
	dc_print_event(arg, ev);
}

static void print_status(struct ffe *e)
{
	const struct ffe_hist *h = ffe_hist(e);
	struct ffe_group_status st;
	struct rusage ru;
	uint32_t i, p;

	for (i = 0; i < ffe_n_groups(e); i++) {
		const struct fprobe_stats *ps = ffe_probe_stats(e, i);

		ffe_group_status(e, i, &st);
		printf("group %s id=%u desired=0x%x installed=0x%x dirty=%d "
		       "failovers=%llu restores=%llu exec_errors=%llu neigh_unstuck=%llu neigh_waits=%llu "
		       "replace_timeouts=%llu replace_pending=%d\n",
		       st.name, st.nhg_id, st.desired, st.installed, st.dirty,
		       (unsigned long long)st.failovers,
		       (unsigned long long)st.restores,
		       (unsigned long long)st.exec_errors,
		       (unsigned long long)st.neigh_unstuck,
		       (unsigned long long)st.neigh_waits,
		       (unsigned long long)st.replace_timeouts, st.replace_pending);
		for (p = 0; p < st.n_paths; p++) {
			const struct fabric_fo_path *fp = &st.fo->path[p];

			printf("path %s state=%s carrier=%u failovers=%llu "
			       "restores=%llu flaps=%llu ignored_stalled=%llu "
			       "ignored_local=%llu kept=%llu reason=%s\n",
			       st.paths[p].name, fabric_fo_state_name(fp->state),
			       fp->carrier,
			       (unsigned long long)fp->st.failovers,
			       (unsigned long long)fp->st.restores,
			       (unsigned long long)fp->st.flaps,
			       (unsigned long long)fp->st.ignored_stalled,
			       (unsigned long long)fp->st.ignored_local,
			       (unsigned long long)fp->st.kept,
			       fabric_fo_reason_name(fp->st.last_reason));
		}
		if (!ps)
			continue;
		printf("probe-ticks group=%s ticks=%llu skipped=%llu late_max_us=%llu "
		       "late_avg_us=%llu rx_delay_max_us=%llu\n", st.name,
		       (unsigned long long)ps->ticks,
		       (unsigned long long)ps->ticks_skipped,
		       (unsigned long long)ps->lateness_max_ns / 1000,
		       (unsigned long long)(ps->ticks ? ps->lateness_sum_ns / ps->ticks / 1000 : 0),
		       (unsigned long long)ps->rx_delay_max_ns / 1000);
		for (p = 0; p < st.n_paths; p++) {
			const struct fprobe_path_stats *pp = &ps->path[p];

			printf("probe %s sent=%llu answered=%llu missed=%llu "
			       "late=%llu stalled_misses=%llu send_errors=%llu "
			       "rtt_min_us=%.1f rtt_avg_us=%.1f rtt_max_us=%.1f\n",
			       st.paths[p].name,
			       (unsigned long long)pp->sent,
			       (unsigned long long)pp->answered,
			       (unsigned long long)pp->missed,
			       (unsigned long long)pp->late,
			       (unsigned long long)pp->stalled_misses,
			       (unsigned long long)pp->send_errors,
			       pp->rtt_min_ns / 1e3,
			       pp->answered ? pp->rtt_sum_ns / 1e3 / pp->answered : 0.0,
			       pp->rtt_max_ns / 1e3);
		}
	}
	printf("repair-hist n=%llu sum_us=%llu", (unsigned long long)h->n,
	       (unsigned long long)h->sum_ns / 1000);
	for (i = 0; i <= FFE_HIST_BUCKETS; i++)
		if (h->count[i])
			printf(" le%llu=%llu", (unsigned long long)(i < FFE_HIST_BUCKETS ?
			       ffe_hist_bound_ns(i) / 1000 : 0),
			       (unsigned long long)h->count[i]);
	printf("\n");
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu user_ms=%ld sys_ms=%ld\n",
	       ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000,
	       ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
	fflush(stdout);
}

static int cmd_engine(int argc, char **argv)
{
	static struct ffe_cfg cfg;
	static const struct option opts[] = {
		DC_ENGINE_OPTS,
		{ "group", 1, NULL, 'g' }, { "path", 1, NULL, 'p' },
		{ "miss-k", 1, NULL, 'k' }, { "recover", 1, NULL, 'r' },
		{ "hold-max-ms", 1, NULL, 'H' },
		{ "no-install", 0, NULL, 'N' },
		{ "replace-deadline-ms", 1, NULL, 'D' },
		{ "test-replace-stall-ms", 1, NULL, 'T' }, { }
	};
	struct dc_engine d = { 0 };
	struct pollfd pfd[FFE_MAX_GROUPS + 3];
	int fds[FFE_MAX_GROUPS + 2], n, i, c, sfd;
	struct ffe *e;

	le_defaults(&cfg);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (dc_engine_opt(c, optarg, &cfg, &d))
			continue;
		switch (c) {
		case 'g':
			if (le_parse_group(&cfg, optarg))
				usage();
			break;
		case 'p':
			if (le_parse_path(&cfg, optarg))
				usage();
			break;
		case 'k': cfg.policy.probe_miss_k = atoi(optarg); break;
		case 'r': cfg.policy.recover_probes = atoi(optarg); break;
		case 'H': cfg.policy.hold_max_ns = strtoull(optarg, NULL, 0) * 1000000; break;
		case 'N': cfg.no_install = true; break;
		case 'D': cfg.replace_deadline_ns = strtoull(optarg, NULL, 0) * 1000000; break;
		case 'T': cfg.test_replace_stall_ns = strtoull(optarg, NULL, 0) * 1000000; break;
		default: usage();
		}
	}
	if (dc_engine_prepare(&cfg, &d))
		return 1;
	if (!cfg.n_groups)
		usage();
	cfg.on_event = on_event;
	cfg.arg = &cfg;
	e = ffe_open(&cfg);
	if (!e) {
		fprintf(stderr, "engine: open: %s\n", strerror(errno));
		return 1;
	}
	sfd = dc_signalfd(true);
	if (ffe_install(e)) {
		struct ffe_group_status st;

		ffe_group_status(e, 0, &st);
		fprintf(stderr, "engine: install: %s\n", st.last_error_msg);
	}
	n = ffe_fds(e, fds, FFE_MAX_GROUPS + 2);
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	pfd[n].fd = sfd;
	pfd[n].events = POLLIN;
	printf("ready t=%llu\n", (unsigned long long)lt_now());
	fflush(stdout);
	for (;;) {
		if (poll(pfd, n + 1, -1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				ffe_dispatch(e, pfd[i].fd);
		if (pfd[n].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			print_status(e);
			if (si.ssi_signo != SIGUSR1)
				break;
		}
	}
	ffe_close(e);
	return 0;
}

/* Wait up to ns for a signal in ss: >0 signal, 0 timeout. */
static int lt_wait_signal(const sigset_t *ss, uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };
	int sig = sigtimedwait(ss, NULL, &ts);

	return sig < 0 ? 0 : sig;
}

static int cmd_traffic(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src", 1, NULL, 's' }, { "dst", 1, NULL, 'd' },
		{ "to", 1, NULL, 't' }, { "flows", 1, NULL, 'f' },
		{ "pps", 1, NULL, 'p' }, { "seconds", 1, NULL, 'S' }, { }
	};
	static struct lt_flow fl[LT_MAX_FLOWS];
	struct lt_cfg c = { .flows = 32, .pps = 8000 };
	uint64_t sent = 0, recv = 0, lost = 0, moves = 0, t0, end;
	double secs = 5;
	bool stopped = false;
	sigset_t ss;
	const char *to = NULL;
	struct lt *t;
	uint32_t i;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': c.src_ns = optarg; break;
		case 'd': c.dst_ns = optarg; break;
		case 't': to = optarg; break;
		case 'f': c.flows = atoi(optarg); break;
		case 'p': c.pps = atoi(optarg); break;
		case 'S': secs = atof(optarg); break;
		default: usage();
		}
	}
	if (!c.src_ns || !c.dst_ns || !to || inet_pton(AF_INET, to, &c.dst) != 1)
		usage();
	/* SIGTERM/SIGINT end the run early (the tests stop it on events). */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	t = lt_start(&c);
	if (!t) {
		fprintf(stderr, "traffic: %s\n", strerror(errno));
		return 1;
	}
	t0 = lt_now();
	end = t0 + (uint64_t)(secs * 1e9);
	printf("start t=%llu\n", (unsigned long long)t0);
	fflush(stdout);
	/* "flowing": every flow has a path (its first spine is known). */
	while (!stopped && !lt_all_flowing(t) && lt_now() < end)
		stopped = lt_wait_signal(&ss, 2000000) > 0;
	if (lt_all_flowing(t))
		printf("flowing t=%llu\n", (unsigned long long)lt_now());
	fflush(stdout);
	while (!stopped && lt_now() < end)
		stopped = lt_wait_signal(&ss, end - lt_now()) > 0;
	/* Count what is still in flight before the report. */
	lt_finish(t, 100000000ULL, 2000000000ULL);
	lt_snapshot(t, fl);
	printf("tx_end t=%llu\n", (unsigned long long)t->tx_end_ns);
	for (i = 0; i < t->cfg.flows; i++) {
		printf("flow %u sport=%u sent=%llu recv=%llu lost=%llu reordered=%llu "
		       "first=%d last=%d moves=%u max_gap_us=%llu last_rx=%llu "
		       "last_tx=%llu\n", i,
		       t->cfg.sport_base + i, (unsigned long long)fl[i].sent,
		       (unsigned long long)fl[i].recv,
		       (unsigned long long)fl[i].lost,
		       (unsigned long long)fl[i].reordered,
		       lt_spine(fl[i].first_path), lt_spine(fl[i].path),
		       fl[i].moves, (unsigned long long)fl[i].max_gap_ns / 1000,
		       (unsigned long long)fl[i].last_rx_ns,
		       (unsigned long long)fl[i].last_tx_ns);
		sent += fl[i].sent;
		recv += fl[i].recv;
		lost += fl[i].lost;
		moves += fl[i].moves;
	}
	for (i = 0; i < t->n_moves; i++)
		printf("move t=%llu flow=%u from=%d to=%d gap_us=%llu "
		       "tx_gap_us=%llu lost=%llu\n",
		       (unsigned long long)t->move[i].t_ns, t->move[i].flow,
		       lt_spine(t->move[i].from), lt_spine(t->move[i].to),
		       (unsigned long long)t->move[i].gap_ns / 1000,
		       (unsigned long long)t->move[i].tx_gap_ns / 1000,
		       (unsigned long long)t->move[i].lost);
	for (i = 0; i < t->n_gaps; i++)
		printf("gap t=%llu flow=%u on=%d gap_us=%llu lost=%llu\n",
		       (unsigned long long)t->gap[i].t_ns, t->gap[i].flow,
		       lt_spine(t->gap[i].path),
		       (unsigned long long)t->gap[i].gap_ns / 1000,
		       (unsigned long long)t->gap[i].lost);
	printf("end t=%llu\n", (unsigned long long)lt_now());
	printf("summary flows=%u sent=%llu recv=%llu lost=%llu moves=%llu\n",
	       t->cfg.flows, (unsigned long long)sent, (unsigned long long)recv,
	       (unsigned long long)lost, (unsigned long long)moves);
	lt_free(t);
	return 0;
}

struct lab_fault_cfg {
	uint32_t drop_pct;
	uint32_t pad;
	uint64_t dropped;
};

int lab_fault_set(const char *pin_dir, uint32_t pct, uint64_t *t_ns)
{
	char path[512];
	struct lab_fault_cfg v = { .drop_pct = pct };
	uint32_t zero = 0;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/lab_fault", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	*t_ns = lt_now();
	ret = bpf_map_update_elem(fd, &zero, &v, BPF_ANY) ? -errno : 0;
	close(fd);
	return ret;
}

static int cmd_fault(int argc, char **argv)
{
	const char *pin = NULL;
	int pct = -1, i, ret;
	uint64_t t;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--pin"))
			pin = argv[i + 1];
		else if (!strcmp(argv[i], "--pct"))
			pct = atoi(argv[i + 1]);
	}
	if (!pin || pct < 0 || pct > 100)
		usage();
	ret = lab_fault_set(pin, pct, &t);
	if (ret) {
		fprintf(stderr, "fault: %s: %s\n", pin, strerror(-ret));
		return 1;
	}
	printf("%llu\n", (unsigned long long)t);
	return 0;
}

int lab_carrier_set(const char *ns, const char *dev, bool up, uint64_t *t_ns)
{
	struct ifreq ifr = { 0 };
	int fd, ret = 0;

	if (ns && lt_enter_ns(ns))
		return -ENOENT;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ret = -errno;
		goto out;
	}
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	*t_ns = lt_now();
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		ret = -errno;
out:
	close(fd);
	return ret;
}

static int cmd_carrier(int argc, char **argv)
{
	const char *ns = NULL, *dev = NULL, *what = NULL;
	uint64_t t;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ns") && i + 1 < argc)
			ns = argv[++i];
		else if (!strcmp(argv[i], "--dev") && i + 1 < argc)
			dev = argv[++i];
		else
			what = argv[i];
	}
	if (!dev || !what || (strcmp(what, "up") && strcmp(what, "down")))
		usage();
	ret = lab_carrier_set(ns, dev, !strcmp(what, "up"), &t);
	if (ret) {
		fprintf(stderr, "carrier: %s: %s\n", dev, strerror(-ret));
		return 1;
	}
	printf("%llu\n", (unsigned long long)t);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "engine"))
		return cmd_engine(argc - 1, argv + 1);
	if (!strcmp(argv[1], "traffic"))
		return cmd_traffic(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fault"))
		return cmd_fault(argc - 1, argv + 1);
	if (!strcmp(argv[1], "carrier"))
		return cmd_carrier(argc - 1, argv + 1);
	if (!strcmp(argv[1], "now")) {
		printf("%llu\n", (unsigned long long)lt_now());
		return 0;
	}
	usage();
	return 2;
}
