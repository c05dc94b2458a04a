// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kprober-dp: the data-path half of the guest test of fabric.ko's prober
 * (selftests/vm/guest/test_kmod_prober.sh). The module sends; this tool
 * sets up what judges and reacts:
 *
 *   kprober-dp setup PIN DEV0 DEV1 [V6DEV]
 *       load fabric.bpf.o, switch the probe verdict on (port 3785), give
 *       slot 0 to DEV0 and slot 1 to DEV1 (group 0, members 0 and 1; only
 *       slot 1 with FABRIC_PROBE_F_REROUTE, so that member 0 is declared by
 *       the carrier kprobe alone), slot 2 to V6DEV (group 1, no reroute),
 *       mirror group 0 into the reroute map, attach XDP and tc egress to
 *       the devices and pin every map under PIN. The attachments and pins
 *       outlive the tool (the pins hold the judge timers).
 *   kprober-dp show PIN
 *       "path slot=I sent= answered= late= missed= stalled= verdicts= verdict="
 *       per used slot, then "member group=G member=M down=0|1 src=S
 *       verdict_ns=T" for group 0 (T: full CLOCK_MONOTONIC time, 0 if
 *       never declared).
 *   kprober-dp clear PIN
 *       withdraw group 0's verdicts (a bench between samples; not atomic
 *       against a detector, unlike fabricd's clear)
 *   kprober-dp storm SECONDS
 *       a stall storm: on every CPU a SCHED_FIFO hog that spins 5-30 ms,
 *       then sleeps 5-30 ms, for SECONDS (softirq work deferred to
 *       ksoftirqd and soft timers wait behind it; hard timers do not)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "fabric_probe.h"
#include "fabric_reroute.h"
#include "fabric.skel.h"

static int attach(struct fabric_bpf *skel, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x4b50, .priority = 1,
		    .flags = BPF_TC_F_REPLACE,
		    .prog_fd = bpf_program__fd(skel->progs.fabric_tc_tx));
	int err;

	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.fabric_xdp_rx), 0, NULL);
	if (err)
		return err;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static int set_slot(struct fabric_bpf *skel, __u32 slot, int ifindex, __u32 group,
		    __u32 member, __u32 flags)
{
	struct fabric_probe_path p = { 0 };

	p.cfg.ifindex = ifindex;
	p.cfg.group = group;
	p.cfg.member = member;
	p.cfg.flags = flags;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.fabric_probe_paths), &slot, &p, 0);
}

static int setup(const char *pin, char **devs, int ndev)
{
	static struct fabric_rr rr;
	struct fabric_bpf *skel;
	int ifx[3], i, err;
	__u32 zero = 0;

	for (i = 0; i < ndev; i++) {
		ifx[i] = if_nametoindex(devs[i]);
		if (!ifx[i] || ifx[i] >= FABRIC_RR_PORTS) {
			fprintf(stderr, "kprober-dp: %s: no such device (or ifindex too large)\n",
				devs[i]);
			return 1;
		}
	}
	skel = fabric_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "kprober-dp: fabric.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	/*
	 * Loaded TCG guests hold answers for tens of milliseconds: a wide
	 * timeout and stall tolerance, and K = 5, so that only the test's
	 * blackhole makes a verdict; the rule is the same.
	 */
	skel->data->probe_timeout_ns = 50000000;
	skel->data->probe_stall_tol_ns = 100000000;
	skel->data->probe_judge_ns = 5000000;
	skel->data->probe_miss_k = 5;
	skel->data->probe_recover = 3;
	/* only the carrier kprobe may declare member 0: its test asserts who */
	err = set_slot(skel, 0, ifx[0], 0, 0, 0) ||
	      set_slot(skel, 1, ifx[1], 0, 1, FABRIC_PROBE_F_REROUTE);
	if (err)
		goto fail;
	if (ndev == 3 && (err = set_slot(skel, 2, ifx[2], 1, 0, 0)))
		goto fail;
	rr.n_groups = 1;
	rr.grp[0].nhg_id = 100;
	rr.grp[0].n_members = 2;
	for (i = 0; i < 2; i++) {
		__u32 slot = fabric_rr_slot(0, i);

		rr.grp[0].m[i].nh_id = i + 1;
		rr.grp[0].m[i].ifindex = ifx[i];
		rr.grp[0].m[i].backup = 1 - i;
		rr.grp[0].m[i].backup_ifindex = ifx[1 - i];
		rr.port[ifx[i]][slot / 64] |= 1ULL << (slot % 64);
	}
	rr.grp[0].flags = FABRIC_RR_G_VALID;
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.fabric_reroute), &zero, &rr, 0);
	if (err)
		goto fail;
	for (i = 0; i < ndev; i++) {
		if (i == 2 && (ifx[2] == ifx[0] || ifx[2] == ifx[1]))
			break;		/* attached already */
		err = attach(skel, ifx[i]);
		if (err) {
			fprintf(stderr, "kprober-dp: attach %s: %s\n", devs[i], strerror(-err));
			return 1;
		}
	}
	err = bpf_object__pin_maps(skel->obj, pin);
	if (err)
		goto fail;
	skel->bss->probe_verdict_port = htons(FABRIC_PROBE_PORT);
	printf("ready\n");
	return 0;
fail:
	fprintf(stderr, "kprober-dp: setup: %s\n", strerror(errno));
	return 1;
}

static int show(const char *pin)
{
	static struct fabric_rr rr;
	char path[512];
	struct fabric_probe_path p;
	struct timespec ts;
	__u32 i, zero = 0;
	__u64 now;
	int fd;

	snprintf(path, sizeof(path), "%s/fabric_probe_paths", pin);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (i = 0; i < FABRIC_PROBE_SLOTS; i++) {
		if (bpf_map_lookup_elem(fd, &i, &p) || !p.cfg.ifindex)
			continue;
		printf("path slot=%u sent=%llu answered=%llu late=%llu unmatched=%llu missed=%llu"
		       " stalled=%llu verdicts=%llu reroutes=%llu unwitnessed=%llu verdict=%u"
		       " flags=%u kjudge_runs=%llu kverdicts=%llu undone=%llu false_verdicts=%llu"
		       " late_timer=%llu\n",
		       i, (unsigned long long)p.sent, (unsigned long long)p.answered,
		       (unsigned long long)p.late, (unsigned long long)p.unmatched,
		       (unsigned long long)p.missed, (unsigned long long)p.stalled,
		       (unsigned long long)p.verdicts, (unsigned long long)p.reroutes,
		       (unsigned long long)p.unwitnessed, p.verdict, p.cfg.flags,
		       (unsigned long long)p.kjudge_runs, (unsigned long long)p.kverdicts,
		       (unsigned long long)p.undone, (unsigned long long)p.false_verdicts,
		       (unsigned long long)p.late_timer);
	}
	snprintf(path, sizeof(path), "%s/" FABRIC_RR_MAP, pin);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &rr)) {
		perror(path);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	for (i = 0; i < rr.grp[0].n_members; i++) {
		__u64 v = rr.grp[0].m[i].verdict;

		printf("member group=0 member=%u down=%d src=%llu gen=%u verdict_ns=%llu\n", i,
		       !!(v & FABRIC_RR_V_DOWN),
		       (unsigned long long)((v >> FABRIC_RR_V_SRC_SHIFT) & FABRIC_RR_V_SRC_MASK),
		       fabric_rr_gen(v),
		       (unsigned long long)(fabric_rr_gen(v) ? fabric_rr_time(v, now) : 0));
	}
	return 0;
}

static int clear(const char *pin)
{
	static struct fabric_rr rr;
	char path[512];
	__u32 i, zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/" FABRIC_RR_MAP, pin);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &rr)) {
		perror(path);
		return 1;
	}
	for (i = 0; i < rr.grp[0].n_members; i++)
		rr.grp[0].m[i].verdict &= ~FABRIC_RR_V_DOWN;
	memset(rr.down, 0, sizeof(rr.down));
	if (bpf_map_update_elem(fd, &zero, &rr, 0)) {
		perror(path);
		return 1;
	}
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void hog(int cpu, __u64 end)
{
	struct sched_param sp = { .sched_priority = 50 };
	unsigned int x = 2463534242U + cpu;
	cpu_set_t set;
	__u64 until;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("kprober-dp: storm");
		_exit(1);
	}
	while (mono_ns() < end) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		until = mono_ns() + (5 + x % 26) * 1000000ULL;
		while (mono_ns() < until)
			;
		usleep((5 + (x >> 8) % 26) * 1000);
	}
	_exit(0);
}

static int storm(const char *secs)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), i;
	__u64 end = mono_ns() + strtoull(secs, NULL, 10) * 1000000000ULL;
	int st, bad = 0;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid)
			hog(i, end);
	}
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "storm"))
		return storm(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "clear"))
		return clear(argv[2]);
	if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "setup"))
		return setup(argv[2], argv + 3, argc - 3);
	if (argc == 3 && !strcmp(argv[1], "show"))
		return show(argv[2]);
	fprintf(stderr, "usage: kprober-dp setup PIN DEV0 DEV1 [V6DEV] | show PIN | clear PIN | storm SECONDS\n");
	return 2;
}
