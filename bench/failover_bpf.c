// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover, executor=bpf: detection is the data path's probe
 * verdict (bpf/probe_verdict.h: tc egress stamps departures, XDP matches
 * answers, a bpf_timer judges with the stall rule) and the first reaction
 * is the data-path reroute (bpf/reroute*: the verdict declares the member
 * down in the reroute map, the next packet of its flows leaves on the
 * survivor). The userspace engine (the same library as executor=userspace,
 * its own prober off) hears the verdict from the ringbuf, feeds it to the
 * policy as K probe misses at the verdict's time and replaces the group;
 * the override is withdrawn once the kernel's group agrees. Probes are
 * sent by fabricd's sender (user/lib/probe.c) in a thread of its own, its
 * own judgement discarded. Documentation/failover-bench.md.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "failover_bench.h"
#include "fabric_abi.h"
#include "fabric_probe.h"
#include "reroute.h"
#include "reroute_engine.h"
#include "fabric.skel.h"

#define FB_TC_HANDLE	0x4b45
#define FB_TC_PRIO	1	/* ahead of the lab's fault injector */

struct fb_bpf_cfg fbc = {
	.timeout_ns = 100000, .judge_ns = 20000, .stall_ns = 200000,
	.miss_k = 2, .recover = 3,
};

static struct {
	struct frr *rr;
	struct fabric_bpf *skel;
	struct ring_buffer *rb;
	int ifindex[FNH_MAX_MEMBERS];
	uint32_t n;
	int tfd;
	char pin[256];
	/* sender */
	pthread_t th;
	volatile int stop;
	volatile int started;
	uint64_t verdicts, clears, signal_errors;
	uint64_t sent, send_errors, ticks_skipped;
	bool verbose;
} fb;

pthread_t fb_sender_th;
bool fb_sender_on;

static int fb_rb_event(void *ctx, void *data, size_t len)
{
	const struct fabric_event *e = data;
	struct le_runner *r = ctx;
	uint32_t i;

	if (len < sizeof(*e) || e->type != FABRIC_EV_PROBE_VERDICT ||
	    e->qp >= fb.n || !r->e)
		return 0;
	if (fb.verbose)
		printf("  (kernel verdict: path %u %s at %.6f s, miss run %u)\n",
		       e->qp, e->psn ? "down" : "clear", e->ts_ns / 1e9, e->missing);
	if (e->psn) {
		fb.verdicts++;
		/* the policy's own K: as many misses, at the verdict's time */
		for (i = 0; i < r->cfg.policy.probe_miss_k; i++)
			if (ffe_path_signal(r->e, 0, e->qp, FABRIC_FO_SIG_PROBE_MISS,
					    e->ts_ns, 0))
				fb.signal_errors++;
	} else {
		fb.clears++;
		for (i = 0; i < r->cfg.policy.recover_probes; i++)
			ffe_path_signal(r->e, 0, e->qp, FABRIC_FO_SIG_PROBE_OK,
					e->ts_ns, 0);
	}
	return 0;
}

static int fb_attach(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FB_TC_HANDLE,
		    .priority = FB_TC_PRIO, .flags = BPF_TC_F_REPLACE,
		    .prog_fd = bpf_program__fd(fb.skel->progs.fabric_tc_tx));
	int err;

	/* replaces the lab's XDP_PASS program (a veth end needs one) */
	err = bpf_xdp_attach(ifindex, bpf_program__fd(fb.skel->progs.fabric_xdp_rx),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		return err;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

/* An earlier path on the same device. */
static bool fb_dev_seen(uint32_t i)
{
	uint32_t j;

	for (j = 0; j < i; j++)
		if (fb.ifindex[j] == fb.ifindex[i])
			return true;
	return false;
}

static int fb_pin_reuse(struct bpf_map *m)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fb.pin, bpf_map__name(m));
	return bpf_map__set_pin_path(m, path);
}

/*
 * The sender. The kernel stamps departures and matches answers, so it
 * needs to do nothing but send: one unconnected socket (the peers are on
 * the paths' own subnets, so routing picks each path's device), one
 * sendmmsg() per tick for every path, an absolute clock_nanosleep() as
 * the timer, answers never read (a minimal receive buffer drops them
 * after XDP has seen them). Two syscalls per tick for all paths, where
 * fabricd's prober (user/lib/probe.c) needs a poll, a timerfd read, a
 * sendto and a recvmsg per path: see Documentation/failover-bench.md.
 */
static void *fb_sender(void *arg)
{
	struct le_runner *r = arg;
	const struct ffe_group_cfg *g = &r->cfg.group[0];
	struct fabric_probe_msg m[FNH_MAX_MEMBERS];
	struct sockaddr_in peer[FNH_MAX_MEMBERS];
	struct mmsghdr mm[FNH_MAX_MEMBERS];
	struct iovec iov[FNH_MAX_MEMBERS];
	uint64_t iv = r->cfg.probe_interval_ns, next, now, seq = 0;
	int fd = -1, one = 1;
	uint32_t i;

	if (lt_enter_ns(r->ns))
		goto out;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < fb.n; i++) {
		peer[i] = (struct sockaddr_in){ .sin_family = AF_INET,
			.sin_port = htons(FABRIC_PROBE_PORT),
			.sin_addr = g->path[i].probe_cfg.peer.v4 };
		m[i].magic = htonl(FABRIC_PROBE_MAGIC);
		m[i].path = i;
		iov[i] = (struct iovec){ &m[i], sizeof(m[i]) };
		mm[i].msg_hdr.msg_name = &peer[i];
		mm[i].msg_hdr.msg_namelen = sizeof(peer[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	if (fbc.sender_rt) {
		struct sched_param sp = { .sched_priority = fbc.sender_rt };

		pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	fb.started = 1;
	next = lt_now();
	while (!fb.stop) {
		struct timespec ts = { next / 1000000000ULL, next % 1000000000ULL };

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		now = lt_now();
		if ((int64_t)(now - next) < 0)
			continue;	/* a signal woke us early */
		for (i = 0; i < fb.n; i++) {
			m[i].seq = seq;
			m[i].tx_ns = now;
		}
		seq++;
		if (sendmmsg(fd, mm, fb.n, MSG_DONTWAIT) < (int)fb.n)
			fb.send_errors++;
		fb.sent++;
		next += iv;
		/* behind (a stall): resume the pace, no burst */
		if ((int64_t)(now - next) > 0) {
			fb.ticks_skipped += (now - next) / iv + 1;
			next = now + iv;
		}
	}
	close(fd);
	return NULL;
out:
	if (fd >= 0)
		close(fd);
	fb.started = -1;
	return NULL;
}

static int fb_setup(struct le_runner *r)
{
	const struct ffe_group_cfg *g = &r->cfg.group[0];
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
	int fd, err;
	uint32_t i;

	snprintf(fb.pin, sizeof(fb.pin), "/sys/fs/bpf/%s-fbpf", P);
	sh("mkdir -p %s", fb.pin);
	fb.rr = frr_open(fb.pin, NULL, NULL);
	if (!fb.rr)
		return -errno;
	err = frr_engine_attach(fb.rr, r->e, &r->cfg, true);
	if (err)
		return err;
	fb.skel = fabric_bpf__open();
	if (!fb.skel)
		return -errno;
	/* the verdict writes the map the reroute filter reads */
	err = fb_pin_reuse(fb.skel->maps.fabric_reroute);
	if (!err)
		err = fb_pin_reuse(fb.skel->maps.fabric_rr_stats);
	if (err)
		return err;
	err = fabric_bpf__load(fb.skel);
	if (err)
		return err;
	fb.skel->data->probe_timeout_ns = fbc.timeout_ns;
	fb.skel->data->probe_stall_tol_ns = fbc.stall_ns;
	fb.skel->data->probe_judge_ns = fbc.judge_ns;
	fb.skel->data->probe_miss_k = fbc.miss_k;
	fb.skel->data->probe_recover = fbc.recover;
	fd = bpf_map__fd(fb.skel->maps.fabric_probe_paths);
	fb.n = g->n_paths;
	for (i = 0; i < fb.n; i++) {
		struct fabric_probe_path p = { 0 };

		fb.ifindex[i] = if_nametoindex(g->path[i].ifname);
		if (!fb.ifindex[i])
			return -ENODEV;
		p.cfg.ifindex = fb.ifindex[i];
		p.cfg.group = 0;
		p.cfg.member = i;
		p.cfg.flags = FABRIC_PROBE_F_REROUTE;
		if (bpf_map_update_elem(fd, &i, &p, 0))
			return -errno;
		/* several paths may share a device (bench: CPU phase) */
		if (fb_dev_seen(i))
			continue;
		err = fb_attach(fb.ifindex[i]);
		if (err)
			return err;
	}
	fb.skel->bss->probe_verdict_port = htons(FABRIC_PROBE_PORT);
	fb.rb = ring_buffer__new(bpf_map__fd(fb.skel->maps.fabric_events),
				 fb_rb_event, r, NULL);
	if (!fb.rb)
		return -errno;
	fb.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	timerfd_settime(fb.tfd, 0, &its, NULL);
	r->xfd[0] = ring_buffer__epoll_fd(fb.rb);
	r->xfd[1] = fb.tfd;
	r->n_xfd = 2;
	fb.stop = 0;
	fb.started = 0;
	fb.verbose = getenv("FB_VERBOSE") != NULL;
	if (pthread_create(&fb.th, NULL, fb_sender, r))
		return -errno;
	while (!fb.started)
		usleep(1000);
	if (fb.started < 0) {
		pthread_join(fb.th, NULL);
		return -EIO;
	}
	fb_sender_th = fb.th;
	fb_sender_on = true;
	return 0;
}

static void fb_ready(struct le_runner *r, int fd)
{
	uint64_t x;

	if (fd == fb.tfd) {
		if (read(fd, &x, sizeof(x)) > 0)
			frr_poll(fb.rr);
		return;
	}
	ring_buffer__consume(fb.rb);
}

static void fb_teardown(struct le_runner *r)
{
	uint32_t i;

	if (fb_sender_on) {
		fb.stop = 1;
		pthread_join(fb.th, NULL);
		fb_sender_on = false;
	}
	ffe_close(r->e);
	r->e = NULL;
	if (fb.skel) {
		const char *b = getenv("BUILD");

		fb.skel->bss->probe_verdict_port = 0;
		for (i = 0; i < fb.n; i++) {
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = fb.ifindex[i],
				    .attach_point = BPF_TC_EGRESS);
			LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FB_TC_HANDLE,
				    .priority = FB_TC_PRIO);
			char ifn[IF_NAMESIZE] = "";

			if (fb_dev_seen(i))
				continue;
			bpf_tc_detach(&hook, &opts);
			/* the lab's own XDP_PASS again (a veth end needs one):
			 * nothing of this executor stays for the later phases */
			if (if_indextoname(fb.ifindex[i], ifn))
				sh("ip -n %s link set dev %s xdpdrv off && "
				   "ip -n %s link set dev %s xdpdrv obj %s/probe.bpf.o "
				   "sec xdp program fabric_probe_pass", ns("l1"), ifn,
				   ns("l1"), ifn, b ? b : "build");
		}
	}
	ring_buffer__free(fb.rb);
	if (fb.tfd > 0)
		close(fb.tfd);
	frr_close(fb.rr);
	fabric_bpf__destroy(fb.skel);
	sh("rm -rf %s", fb.pin);
	memset(&fb, 0, sizeof(fb));
}

void fb_runner(struct le_runner *r)
{
	uint32_t i;

	r->setup = fb_setup;
	r->xfd_ready = fb_ready;
	r->teardown = fb_teardown;
	/* the engine's own prober off: the data path judges */
	for (i = 0; i < r->cfg.group[0].n_paths; i++)
		r->cfg.group[0].path[i].probe = false;
}

/* Verdict -> first packet on a survivor for path pi, both kernel stamps. */
bool fb_reroute_sample(uint32_t pi, uint64_t t_inject, struct series *s)
{
	struct frr_member_state st;
	int k;

	if (!fb.rr)
		return false;
	for (k = 0; k < 100; k++) {
		if (!frr_member(fb.rr, 0, pi, &st) && st.verdict_ns >= t_inject &&
		    st.first_tx_ns)
			break;
		usleep(1000);
	}
	if (k == 100 || st.source != FABRIC_RR_SRC_BPF) {
		s->censored++;
		return false;
	}
	add(s, (st.first_tx_ns - st.verdict_ns) / 1e3);
	return true;
}

/*
 * DOWN verdicts so far: the larger of those the engine heard and those
 * the data path counted (a verdict whose ringbuf event was lost still
 * moved flows).
 */
uint64_t fb_verdicts(void)
{
	struct fabric_probe_path p;
	uint64_t sum = 0;
	uint32_t i;
	int fd;

	if (!fb.skel)
		return fb.verdicts;
	fd = bpf_map__fd(fb.skel->maps.fabric_probe_paths);
	for (i = 0; i < fb.n; i++)
		if (!bpf_map_lookup_elem(fd, &i, &p))
			sum += p.verdicts;
	return sum > fb.verdicts ? sum : fb.verdicts;
}

void fb_probe_counts(uint64_t *sent, uint64_t *answered)
{
	struct fabric_probe_path p;
	uint32_t i;
	int fd;

	*sent = *answered = 0;
	if (!fb.skel)
		return;
	fd = bpf_map__fd(fb.skel->maps.fabric_probe_paths);
	for (i = 0; i < fb.n; i++)
		if (!bpf_map_lookup_elem(fd, &i, &p)) {
			*sent += p.sent;
			*answered += p.answered;
		}
}

void fb_rr_report(void)
{
	struct frr_member_state st;
	struct fabric_rr_stats ds;
	uint64_t now = lt_now();
	uint32_t i;

	if (!fb.rr)
		return;
	printf("    reroute map:");
	for (i = 0; i < fb.n; i++)
		if (!frr_member(fb.rr, 0, i, &st))
			printf(" member %u %s (source %s, verdict %.1f ms ago, cleared %.1f ms "
			       "ago, redirected %llu, errors %llu);", i,
			       st.down ? "DOWN" : "up", frr_source_name(st.source),
			       st.verdict_ns ? (now - st.verdict_ns) / 1e6 : -1.0,
			       st.cleared_ns ? (now - st.cleared_ns) / 1e6 : -1.0,
			       (unsigned long long)st.redirected,
			       (unsigned long long)st.redirect_errors);
	if (!frr_dp_stats(fb.rr, &ds))
		printf(" data path: redirected %llu, no survivor %llu, no neighbour %llu, "
		       "fib errors %llu", (unsigned long long)ds.redirected,
		       (unsigned long long)ds.no_survivor,
		       (unsigned long long)ds.no_neigh,
		       (unsigned long long)ds.fib_errors);
	printf("\n");
}

void fb_counters(void)
{
	struct fabric_probe_path p;
	uint32_t i;
	int fd;

	if (!fb.skel)
		return;
	fd = bpf_map__fd(fb.skel->maps.fabric_probe_paths);
	for (i = 0; i < fb.n; i++) {
		if (bpf_map_lookup_elem(fd, &i, &p))
			continue;
		if (!i)
			printf("  sender: ticks %llu, skipped %llu, send errors %llu; kernel "
			       "verdicts heard %llu, clears %llu, signals refused %llu "
			       "(since the executor started)\n",
			       (unsigned long long)fb.sent,
			       (unsigned long long)fb.ticks_skipped,
			       (unsigned long long)fb.send_errors,
			       (unsigned long long)fb.verdicts,
			       (unsigned long long)fb.clears,
			       (unsigned long long)fb.signal_errors);
		printf("  kernel verdict path %u: sent %llu answered %llu late %llu "
		       "missed %llu stalled %llu late_timer %llu verdicts %llu "
		       "unwitnessed %llu reroutes %llu timer_errors %llu\n", i,
		       (unsigned long long)p.sent, (unsigned long long)p.answered,
		       (unsigned long long)p.late, (unsigned long long)p.missed,
		       (unsigned long long)p.stalled,
		       (unsigned long long)p.late_timer,
		       (unsigned long long)p.verdicts,
		       (unsigned long long)p.unwitnessed,
		       (unsigned long long)p.reroutes,
		       (unsigned long long)p.timer_errors);
	}
}
