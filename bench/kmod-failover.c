// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/kmod-failover, the guest side: time from a path signal to the
 * nexthop group being replaced, with fabric.ko as the executor or with a
 * userspace executor, both running the same policy (common/failover.c).
 *
 *   kmod-failover-bench run N LOAD_LABEL
 *
 * Topology (made by bench/kmod-failover-guest.sh): group 100 (resilient,
 * registered with fabric.ko) of nexthop 1 via 10.31.1.2 dev ma0 and
 * nexthop 2 via 10.31.2.2 dev mb0; group 200 (the userspace executor's) of
 * nexthops 11 via mc0 and 12 via md0; the veth peers live in netns "peer".
 * Samples alternate between the two executors, so that both see the same
 * machine (the host is shared, and a TCG guest feels it). Each sample
 * withdraws path 1 of its group and then restores it (not measured):
 *
 *   carrier: t0 = just before the RTM_NEWLINK that sets ma1 down (our
 *            ma0 loses carrier inside that call);
 *   signal:  t0 = just before BPF_PROG_TEST_RUN of a program that reports
 *            SILENCE on path 1: through the kfunc (kmod), or through a
 *            ringbuf record that the userspace executor reads (user).
 *   t1 = the moment the executor's replace was acked by the kernel:
 *        FABRIC_A_DONE_NS of the module's event (ktime_get_ns), or the
 *        userspace executor's clock right after the ack. Both are
 *        CLOCK_MONOTONIC.
 *
 * The userspace executor ("user") is a child process at the same nice
 * level as the caller: rtnetlink link events and the ringbuf feed
 * fabric_fo_event(), a timerfd drives fabric_fo_tick(), and it replaces
 * the group with the same RTM_NEWNEXTHOP messages the module sends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000	/* <linux/if.h> clashes with <net/if.h> */
#endif
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/nexthop.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "failover.h"
#include "fabric_genl.h"

#define BIN		"/fabric/bin/"
#define WAIT_MS		5000

/* One two-path group per executor; the module manages only group 100. */
struct topo {
	const char *name;
	uint32_t group;
	uint32_t nh_id[2];
	const char *gw[2];
	const char *dev[2];
	const char *peer_dev;		/* peer end of dev[0], in netns peer */
};

static const struct topo topos[2] = {
	{ "kmod", 100, { 1, 2 }, { "10.31.1.2", "10.31.2.2" }, { "ma0", "mb0" }, "ma1" },
	{ "user", 200, { 11, 12 }, { "10.31.3.2", "10.31.4.2" }, { "mc0", "md0" }, "mc1" },
};
static const struct topo *ut = &topos[1];	/* the userspace executor's */

static void die(const char *what)
{
	fprintf(stderr, "kmod-failover-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- raw rtnetlink ---------------------------------------------------- */

struct req {
	struct nlmsghdr n;
	char buf[1024];
};

static void addattr(struct req *r, int type, const void *data, int len)
{
	struct nlmsghdr *n = &r->n;
	char *base = (char *)r;
	struct rtattr *rta = (struct rtattr *)(base + NLMSG_ALIGN(n->nlmsg_len));

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len) > sizeof(*r))
		die("netlink request too long");
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int rtnl_open(uint32_t groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("rtnetlink socket");
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

/* Send, wait for the ack (or the reply to a get, copied to reply). */
static int rtnl_talk(int fd, struct nlmsghdr *n, void *reply, size_t rlen)
{
	static uint32_t seq;
	char buf[8192];
	ssize_t len;

	n->nlmsg_seq = ++seq;
	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, n, n->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != n->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (reply && h->nlmsg_len <= rlen)
				memcpy(reply, h, h->nlmsg_len);
		}
	}
}

static int link_set_up(int fd, int ifindex, bool up)
{
	struct req r = { .n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			 .n.nlmsg_type = RTM_NEWLINK };
	struct ifinfomsg *ifi = NLMSG_DATA(&r.n);

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return rtnl_talk(fd, &r.n, NULL, 0);
}

static struct req nh_msg(uint16_t flags)
{
	struct req r = { .n.nlmsg_len = NLMSG_LENGTH(sizeof(struct nhmsg)),
			 .n.nlmsg_type = RTM_NEWNEXTHOP, .n.nlmsg_flags = flags };

	return r;
}

static int nh_create(int fd, const struct topo *t, int p, int ifindex)
{
	struct req r = nh_msg(NLM_F_CREATE | NLM_F_EXCL);
	struct nhmsg *nhm = NLMSG_DATA(&r.n);
	struct in_addr gw;
	uint32_t oif = ifindex;
	int err;

	nhm->nh_family = AF_INET;
	inet_pton(AF_INET, t->gw[p], &gw);
	addattr(&r, NHA_ID, &t->nh_id[p], 4);
	addattr(&r, NHA_OIF, &oif, 4);
	addattr(&r, NHA_GATEWAY, &gw, 4);
	err = rtnl_talk(fd, &r.n, NULL, 0);
	return err == -EEXIST ? 0 : err;
}

/* The same message fabric.ko sends (kmod/nhsock.c). */
static int group_replace(int fd, const struct topo *t, uint32_t mask)
{
	struct req r = nh_msg(NLM_F_REPLACE | NLM_F_CREATE);
	struct nexthop_grp grp[2] = {};
	uint16_t type = NEXTHOP_GRP_TYPE_RES;
	uint32_t id = t->group;
	int n = 0, p;

	for (p = 0; p < 2; p++)
		if (mask & (1U << p))
			grp[n++].id = t->nh_id[p];
	addattr(&r, NHA_ID, &id, 4);
	addattr(&r, NHA_GROUP, grp, n * sizeof(grp[0]));
	addattr(&r, NHA_GROUP_TYPE, &type, 2);
	return rtnl_talk(fd, &r.n, NULL, 0);
}

/* Member mask of a group as the kernel has it (bit p = nh_id[p]). */
static int group_members(int fd, const struct topo *t)
{
	struct req r = { .n.nlmsg_len = NLMSG_LENGTH(sizeof(struct nhmsg)),
			 .n.nlmsg_type = RTM_GETNEXTHOP };
	char reply[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	uint32_t id = t->group;
	struct rtattr *rta;
	int len, mask = 0, err;

	addattr(&r, NHA_ID, &id, 4);
	memset(reply, 0, sizeof(reply));
	err = rtnl_talk(fd, &r.n, reply, sizeof(reply));
	if (err)
		return err;
	if (h->nlmsg_type != RTM_NEWNEXTHOP)
		return -ENOENT;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(struct nhmsg));
	for (rta = (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nhmsg)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		struct nexthop_grp *g = RTA_DATA(rta);
		unsigned int i;

		if (rta->rta_type != NHA_GROUP)
			continue;
		for (i = 0; i < RTA_PAYLOAD(rta) / sizeof(*g); i++)
			mask |= g[i].id == t->nh_id[0] ? 1 : g[i].id == t->nh_id[1] ? 2 : 4;
	}
	return mask;
}

/* ---- the userspace executor -------------------------------------------- */

struct signal_rec {
	uint32_t group, nh, signal, pad;
	uint64_t lag_ns;
};

struct uexec {
	int cmd, ev, tfd, out;
	int ifindex[2];
	bool carrier[2];
	uint32_t installed, flushed;
	struct fabric_fo_group fo;
	struct fabric_fo_result res;
};

static void ux_apply(struct uexec *u)
{
	uint64_t next = fabric_fo_next_deadline(&u->fo);
	struct itimerspec its = {};
	uint32_t want = fabric_fo_members(&u->fo), install = 0;
	char line[96];
	int p, err = 0;

	if (next != FABRIC_FO_NEVER) {
		its.it_value.tv_sec = next / 1000000000ULL;
		its.it_value.tv_nsec = next % 1000000000ULL;
	}
	timerfd_settime(u->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	for (p = 0; p < 2; p++)
		if ((want & (1U << p)) && !((u->flushed & (1U << p)) && !u->carrier[p]))
			install |= 1U << p;
	if (!install || (install == u->installed && !(install & u->flushed)))
		return;
	for (p = 0; p < 2; p++)
		if ((install & u->flushed & (1U << p)) &&
		    !nh_create(u->cmd, ut, p, u->ifindex[p]))
			u->flushed &= ~(1U << p);
	err = group_replace(u->cmd, ut, install);
	if (!err)
		u->installed = install;
	snprintf(line, sizeof(line), "R %u %llu %d\n", install,
		 (unsigned long long)now_ns(), err);
	if (write(u->out, line, strlen(line)) < 0)
		exit(1);
}

static void ux_signal(struct uexec *u, int p, uint32_t sig, uint64_t lag)
{
	struct fabric_fo_event ev = {
		.now_ns = now_ns(), .lag_ns = lag, .paths = 1U << p, .signal = sig,
	};

	if (sig == FABRIC_FO_SIG_CARRIER_DOWN)
		u->flushed |= 1U << p;
	if (!fabric_fo_event(&u->fo, &ev, &u->res))
		ux_apply(u);
}

static int ux_ring_cb(void *ctx, void *data, size_t size)
{
	struct signal_rec *s = data;
	int p = s->nh == ut->nh_id[0] ? 0 : s->nh == ut->nh_id[1] ? 1 : -1;

	if (size >= sizeof(*s) && s->group == ut->group && p >= 0)
		ux_signal(ctx, p, s->signal, s->lag_ns);
	return 0;
}

static void ux_links(struct uexec *u)
{
	char buf[16384];
	struct nlmsghdr *h;
	ssize_t len = recv(u->ev, buf, sizeof(buf), MSG_DONTWAIT);

	for (h = (struct nlmsghdr *)buf; len > 0 && NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		struct ifinfomsg *ifi = NLMSG_DATA(h);
		int p;

		if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
			continue;
		for (p = 0; p < 2; p++) {
			bool c = h->nlmsg_type == RTM_NEWLINK &&
				 (ifi->ifi_flags & (IFF_UP | IFF_LOWER_UP)) ==
				 (IFF_UP | IFF_LOWER_UP);

			if (ifi->ifi_index != u->ifindex[p] || c == u->carrier[p])
				continue;
			u->carrier[p] = c;
			ux_signal(u, p, c ? FABRIC_FO_SIG_CARRIER_UP :
				  FABRIC_FO_SIG_CARRIER_DOWN, 0);
		}
	}
}

static void uexec_run(int ring_map_fd, int out)
{
	struct fabric_fo_config cfg;
	struct epoll_event e = { .events = EPOLLIN };
	struct ring_buffer *rb;
	struct uexec u = { .out = out, .carrier = { true, true }, .installed = 3 };
	int ep, p;

	fabric_fo_config_default(&cfg);
	cfg.hold_base_ns = cfg.hold_max_ns = 1000000;	/* as the module */
	cfg.recover_probes = 1;
	if (fabric_fo_group_init(&u.fo, &cfg, 2, now_ns()))
		die("policy init");
	for (p = 0; p < 2; p++)
		u.ifindex[p] = if_nametoindex(ut->dev[p]);
	u.cmd = rtnl_open(0);
	u.ev = rtnl_open(RTMGRP_LINK);
	u.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	rb = ring_buffer__new(ring_map_fd, ux_ring_cb, &u, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!rb || ep < 0 || u.tfd < 0)
		die("executor setup");
	e.data.fd = u.ev;
	epoll_ctl(ep, EPOLL_CTL_ADD, u.ev, &e);
	e.data.fd = u.tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, u.tfd, &e);
	e.data.fd = ring_buffer__epoll_fd(rb);
	epoll_ctl(ep, EPOLL_CTL_ADD, e.data.fd, &e);
	if (write(out, "ready\n", 6) < 0)
		exit(1);
	for (;;) {
		struct epoll_event got[4];
		int n = epoll_wait(ep, got, 4, -1), i;

		for (i = 0; i < n; i++) {
			if (got[i].data.fd == u.ev) {
				ux_links(&u);
			} else if (got[i].data.fd == u.tfd) {
				uint64_t x;

				if (read(u.tfd, &x, sizeof(x)) > 0) {
					fabric_fo_tick(&u.fo, now_ns(), &u.res);
					ux_apply(&u);
				}
			} else {
				ring_buffer__consume(rb);
			}
		}
	}
}

/* ---- the controller ---------------------------------------------------- */

struct kev {
	uint32_t nh;
	uint8_t to;
	uint64_t done_ns, lat_ns;
};

static struct kev kq[256];
static int kq_n;
static struct nl_sock *gsk;
static FILE *ux_in;
static pid_t ux_pid;
static int rt, peer_rt, peer_ifindex[2];

static int kev_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[FABRIC_A_MAX + 1] = {};
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));

	genlmsg_parse(nlmsg_hdr(msg), 0, tb, FABRIC_A_MAX, NULL);
	if (gh->cmd != FABRIC_CMD_EVENT || !tb[FABRIC_A_GROUP_ID] ||
	    nla_get_u32(tb[FABRIC_A_GROUP_ID]) != topos[0].group || kq_n == 256)
		return NL_OK;
	kq[kq_n].nh = nla_get_u32(tb[FABRIC_A_NH_ID]);
	kq[kq_n].to = nla_get_u8(tb[FABRIC_A_NEW_STATE]);
	kq[kq_n].done_ns = tb[FABRIC_A_DONE_NS] ? nla_get_u64(tb[FABRIC_A_DONE_NS]) : 0;
	kq[kq_n].lat_ns = nla_get_u64(tb[FABRIC_A_LATENCY_NS]);
	kq_n++;
	return NL_OK;
}

/*
 * Wait until executor x installed mask (user: its report; kmod: an event
 * for nexthop 1 entering state `to` with a replace). 0 on timeout.
 */
static uint64_t wait_done(int x, uint32_t mask, uint8_t to, uint64_t *inner)
{
	uint64_t deadline = now_ns() + WAIT_MS * 1000000ULL;
	int i;

	while (now_ns() < deadline) {
		struct pollfd pfd = { .events = POLLIN };

		if (x == 1) {
			char line[128];
			unsigned int got;
			unsigned long long t;
			int err;

			pfd.fd = fileno(ux_in);
			if (poll(&pfd, 1, 100) <= 0)
				continue;
			if (!fgets(line, sizeof(line), ux_in))
				return 0;
			if (sscanf(line, "R %u %llu %d", &got, &t, &err) == 3 &&
			    !err && got == mask)
				return t;
			continue;
		}
		for (i = 0; i < kq_n; i++) {
			if (kq[i].nh == topos[0].nh_id[0] && kq[i].to == to && kq[i].done_ns) {
				uint64_t d = kq[i].done_ns;

				if (inner)
					*inner = kq[i].lat_ns;
				kq_n = 0;
				return d;
			}
		}
		pfd.fd = nl_socket_get_fd(gsk);
		if (poll(&pfd, 1, 100) > 0)
			nl_recvmsgs_default(gsk);
	}
	return 0;
}

static bool wait_members(const struct topo *t, uint32_t mask)
{
	int i;

	for (i = 0; i < WAIT_MS / 5; i++) {
		if (group_members(rt, t) == (int)mask)
			return true;
		usleep(5000);
	}
	return false;
}

static int report_prog(const char *obj_path, const char *prog_name, struct bpf_object **objp)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
	struct bpf_program *prog;

	if (!obj || libbpf_get_error(obj) || bpf_object__load(obj))
		die(obj_path);
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog)
		die(prog_name);
	*objp = obj;
	return bpf_program__fd(prog);
}

static int run_report(int prog_fd, const struct topo *t, uint32_t sig)
{
	unsigned char pkt[64] = {};
	uint32_t v[3] = { t->group, t->nh_id[0], sig };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);

	memcpy(pkt + 14, v, sizeof(v));		/* lag_ns stays 0 */
	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	return o.retval == XDP_PASS ? 0 : -EINVAL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct_us(const uint64_t *v, int n, int q)
{
	int r = (q * n + 99) / 100;

	return n ? v[(r < 1 ? 1 : r) - 1] / 1000.0 : 0;
}

static void summary(const char *mode, const char *load, const char *trig,
		    uint64_t *v, int n, int fail)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("summary mode=%s load=%s trigger=%s n=%d fail=%d p50_us=%.0f p90_us=%.0f"
	       " p99_us=%.0f min_us=%.0f max_us=%.0f\n", mode, load, trig, n, fail,
	       pct_us(v, n, 50), pct_us(v, n, 90), pct_us(v, n, 99),
	       n ? v[0] / 1000.0 : 0, n ? v[n - 1] / 1000.0 : 0);
}

static void open_peer(void)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int peer = open("/run/netns/peer", O_RDONLY | O_CLOEXEC);
	int x;

	if (self < 0 || peer < 0 || setns(peer, CLONE_NEWNET))
		die("netns peer");
	peer_rt = rtnl_open(0);
	for (x = 0; x < 2; x++)
		peer_ifindex[x] = if_nametoindex(topos[x].peer_dev);
	if (!peer_ifindex[0] || !peer_ifindex[1] || setns(self, CLONE_NEWNET))
		die("peer devices in netns peer");
	close(self);
	close(peer);
}

static void start_uexec(int map_fd)
{
	char line[64];
	int pfd[2];

	if (pipe(pfd))
		die("pipe");
	ux_pid = fork();
	if (ux_pid < 0)
		die("fork");
	if (!ux_pid) {
		close(pfd[0]);
		uexec_run(map_fd, pfd[1]);
		_exit(0);
	}
	close(pfd[1]);
	ux_in = fdopen(pfd[0], "r");
	if (!ux_in || !fgets(line, sizeof(line), ux_in) || strcmp(line, "ready\n"))
		die("userspace executor did not start");
}

static void start_events(void)
{
	int grp;

	gsk = nl_socket_alloc();
	if (!gsk || genl_connect(gsk))
		die("genetlink");
	grp = genl_ctrl_resolve_grp(gsk, FABRIC_GENL_NAME, FABRIC_GENL_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(gsk, grp))
		die("fabric events group (module loaded?)");
	nl_socket_disable_seq_check(gsk);
	nl_socket_set_nonblocking(gsk);
	nl_socket_modify_cb(gsk, NL_CB_VALID, NL_CB_CUSTOM, kev_cb, NULL);
}

struct series {
	uint64_t v[512];
	int n, fail;
};

/* One sample: withdraw path 1 of executor x's group by trigger t, then
 * restore it. Returns the latency in ns, 0 on failure. */
static uint64_t sample(int x, int t, int prog, uint64_t *in)
{
	const struct topo *tp = &topos[x];
	uint64_t t0, t1;

	if (!wait_members(tp, 3)) {
		fprintf(stderr, "group %u not restored to both paths\n", tp->group);
		return 0;
	}
	usleep(20000);		/* let the restore settle */
	kq_n = 0;
	t0 = now_ns();
	if (t == 0)
		link_set_up(peer_rt, peer_ifindex[x], false);
	else if (run_report(prog, tp, FABRIC_SIG_SILENCE))
		die("report program refused the signal");
	t1 = wait_done(x, 2, FABRIC_PATH_DOWN, in);
	/* restore (not measured): carrier back / a probe answer */
	if (t == 0)
		link_set_up(peer_rt, peer_ifindex[x], true);
	else
		run_report(prog, tp, FABRIC_SIG_PROBE_OK);
	wait_done(x, 3, FABRIC_PATH_UP, NULL);
	return t1 > t0 ? t1 - t0 : 0;
}

static int run(int n, const char *load)
{
	static struct series ser[2][2], all[2], inner;
	const char *trig[2] = { "carrier", "signal" };
	struct bpf_object *kobj, *uobj;
	int prog[2], t, i, x;

	if (n > 512)
		n = 512;
	rt = rtnl_open(0);
	open_peer();
	prog[0] = report_prog(BIN "kfunc_report.bpf.o", "fabric_kfunc_report", &kobj);
	start_events();
	prog[1] = report_prog(BIN "kmod_failover_ringbuf.bpf.o", "bench_ringbuf_report", &uobj);
	start_uexec(bpf_object__find_map_fd_by_name(uobj, "bench_signals"));
	for (t = 0; t < 2; t++) {
		for (i = 0; i < n; i++) {
			for (x = 0; x < 2; x++) {
				struct series *s = &ser[x][t];
				uint64_t in = 0, d = sample(x, t, prog[x], &in);

				if (!d) {
					s->fail++;
					printf("sample mode=%s load=%s trigger=%s i=%d timeout\n",
					       topos[x].name, load, trig[t], i);
					continue;
				}
				s->v[s->n++] = d;
				all[x].v[all[x].n++] = d;
				if (in)
					inner.v[inner.n++] = in;
				printf("sample mode=%s load=%s trigger=%s i=%d us=%.1f\n",
				       topos[x].name, load, trig[t], i, d / 1000.0);
			}
		}
	}
	for (x = 0; x < 2; x++) {
		for (t = 0; t < 2; t++)
			summary(topos[x].name, load, trig[t], ser[x][t].v, ser[x][t].n,
				ser[x][t].fail);
		summary(topos[x].name, load, "all", all[x].v, all[x].n,
			ser[x][0].fail + ser[x][1].fail);
	}
	summary("kmod", load, "module-signal-to-done", inner.v, inner.n, 0);
	kill(ux_pid, SIGTERM);
	waitpid(ux_pid, NULL, 0);
	for (x = 0; x < 2; x++)
		if (ser[x][0].fail + ser[x][1].fail > n)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "run"))
		return run(atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: kmod-failover-bench run N LOAD_LABEL\n");
	return 2;
}
