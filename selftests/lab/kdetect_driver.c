// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric-kdetect-test: the kernel-side probe verdict on a lab leaf.
 *
 *   fabric-kdetect-test --ns NS --path DEV,LOCAL,PEER [--path ...]
 *                       [--interval-us N] [--timeout-us N] [--stall-us N]
 *                       [--miss-k N]
 *
 * Loads the data path (fabric.bpf.o, not pinned) on every path's device
 * (XDP and tc egress, ahead of other tc filters), gives path i slot i of
 * group 0, and sends probes with fabricd's sender (user/lib/probe.c). The
 * verdict comes from the data path's bpf_timer alone: the sender's own
 * judgement is discarded. Prints "ready", one line per verdict change
 * ("verdict path=I down|up"), and at SIGTERM (or SIGUSR1) one line of
 * counters per path. The attachments stay (replaced by the next run)
 * until the lab goes down: a veth end takes XDP_TX frames only while it
 * has an XDP program.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/signalfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "fabric_probe.h"
#include "probe.h"
#include "fabric.skel.h"

#define TC_PRIO	1	/* ahead of the lab's fault injector */

static void usage(void)
{
	fprintf(stderr, "usage: fabric-kdetect-test --ns NS --path DEV,LOCAL,PEER...\n"
		"         [--interval-us N] [--timeout-us N] [--stall-us N] [--miss-k N]\n");
	exit(2);
}

static void ignore_verdict(void *arg, uint32_t path, int verdict,
			   uint64_t now_ns, uint64_t lag_ns)
{
}

static int parse_path(char *s, struct fprobe_path_cfg *pc)
{
	char *dev = strtok(s, ","), *local = strtok(NULL, ","),
	     *peer = strtok(NULL, ",");

	if (!dev || !local || !peer || strlen(dev) >= IF_NAMESIZE)
		return -1;
	memset(pc, 0, sizeof(*pc));
	pc->family = AF_INET;
	strcpy(pc->ifname, dev);
	if (inet_pton(AF_INET, local, &pc->local.v4) != 1 ||
	    inet_pton(AF_INET, peer, &pc->peer.v4) != 1)
		return -1;
	return 0;
}

static int attach(struct fabric_bpf *skel, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x4b44, .priority = TC_PRIO,
		    .flags = BPF_TC_F_REPLACE,
		    .prog_fd = bpf_program__fd(skel->progs.fabric_tc_tx));
	int err;

	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.fabric_xdp_rx),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		return err;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static void dump(struct fabric_bpf *skel, uint32_t n)
{
	int fd = bpf_map__fd(skel->maps.fabric_probe_paths);
	struct fabric_probe_path p;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, &p))
			continue;
		printf("path=%u sent=%llu answered=%llu late=%llu unmatched=%llu "
		       "missed=%llu stalled=%llu late_timer=%llu verdicts=%llu "
		       "unwitnessed=%llu timer_errors=%llu\n", i,
		       (unsigned long long)p.sent, (unsigned long long)p.answered,
		       (unsigned long long)p.late, (unsigned long long)p.unmatched,
		       (unsigned long long)p.missed, (unsigned long long)p.stalled,
		       (unsigned long long)p.late_timer,
		       (unsigned long long)p.verdicts,
		       (unsigned long long)p.unwitnessed,
		       (unsigned long long)p.timer_errors);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ns", required_argument, NULL, 'n' },
		{ "path", required_argument, NULL, 'p' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "timeout-us", required_argument, NULL, 't' },
		{ "stall-us", required_argument, NULL, 's' },
		{ "miss-k", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct fprobe_path_cfg paths[FPROBE_MAX_PATHS];
	struct fprobe_cfg pcfg = { .interval_ns = 1000000, .timeout_ns = 5000000,
				   .cb = ignore_verdict };
	uint64_t stall_ns = 2000000, k = 3;
	uint32_t verdict[FPROBE_MAX_PATHS] = { 0 }, n = 0, i;
	const char *ns = NULL;
	struct fabric_bpf *skel;
	struct fprobe *pr;
	struct pollfd pfd[2];
	sigset_t ss;
	int c, fd, pfd_fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': ns = optarg; break;
		case 'p':
			if (n == FPROBE_MAX_PATHS || parse_path(optarg, &paths[n++]))
				usage();
			break;
		case 'i': pcfg.interval_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 't': pcfg.timeout_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 's': stall_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 'k': k = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!ns || !n)
		usage();
	fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		perror(ns);
		return 1;
	}
	close(fd);

	skel = fabric_bpf__open_and_load();
	if (!skel) {
		perror("fabric.bpf.o");
		return 1;
	}
	skel->bss->probe_verdict_port = htons(FABRIC_PROBE_PORT);
	skel->data->probe_timeout_ns = pcfg.timeout_ns;
	skel->data->probe_stall_tol_ns = stall_ns;
	skel->data->probe_judge_ns = pcfg.interval_ns;
	skel->data->probe_miss_k = k;
	for (i = 0; i < n; i++) {
		struct fabric_probe_path p = { 0 };
		int ifindex = if_nametoindex(paths[i].ifname), err;

		if (!ifindex) {
			perror(paths[i].ifname);
			return 1;
		}
		p.cfg.ifindex = ifindex;
		p.cfg.group = 0;
		p.cfg.member = i;
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.fabric_probe_paths),
					&i, &p, 0)) {
			perror("fabric_probe_paths");
			return 1;
		}
		err = attach(skel, ifindex);
		if (err) {
			fprintf(stderr, "attach %s: %s\n", paths[i].ifname, strerror(-err));
			return 1;
		}
	}
	pr = fprobe_open(&pcfg, paths, n);
	if (!pr || fprobe_start(pr)) {
		perror("fprobe");
		return 1;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	pfd_fd = signalfd(-1, &ss, SFD_CLOEXEC);
	pfd[0] = (struct pollfd){ .fd = fprobe_fd(pr), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pfd_fd, .events = POLLIN };
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct signalfd_siginfo si;
		struct fabric_probe_path p;

		if (poll(pfd, 2, 10) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			fprobe_run(pr);
		if (pfd[1].revents) {
			if (read(pfd_fd, &si, sizeof(si)) != sizeof(si))
				break;
			dump(skel, n);
			if (si.ssi_signo != SIGUSR1)
				break;
		}
		for (i = 0; i < n; i++) {
			if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.fabric_probe_paths),
						&i, &p) || p.verdict == verdict[i])
				continue;
			verdict[i] = p.verdict;
			printf("verdict path=%u %s missed=%llu\n", i,
			       p.verdict ? "down" : "up",
			       (unsigned long long)p.missed);
			fflush(stdout);
		}
	}
	fprobe_close(pr);
	skel->bss->probe_verdict_port = 0;
	fabric_bpf__destroy(skel);
	return 0;
}
