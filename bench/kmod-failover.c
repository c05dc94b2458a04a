// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/kmod-failover, the guest side: time from a path signal to the
 * nexthop group being replaced, with fabric.ko as the executor or with a
 * userspace executor, both running the same policy (common/failover.c).
 *
 *   kmod-failover-bench run N PHASE
 *
 * PHASE: idle, eq, outranked, starved, dead (below).
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
 *
 * and three timestamps (CLOCK_MONOTONIC) from the executor itself:
 *
 *   policy: the policy call that took the decision (kmod: the event's
 *           FABRIC_A_TIMESTAMP_NS, taken in the notifier or the kfunc;
 *           user: when the executor, woken, fed the signal to the policy);
 *   sent:   the executor starts programming (kmod: DONE_NS minus the
 *           module's replace_ns_last statistic, read before the restore;
 *           user: its clock before the first RTM_NEWNEXTHOP);
 *   ack:    the replace was acked (kmod: FABRIC_A_DONE_NS; user: its
 *           clock right after the ack). The latency is ack - t0.
 *
 * The userspace executor ("user") is a child process at nice 0 in the
 * cgroup /sys/fs/cgroup/fabricd: rtnetlink link events and the ringbuf
 * feed fabric_fo_event(), a timerfd drives fabric_fo_tick(), and it
 * replaces the group with the same RTM_NEWNEXTHOP messages the module
 * sends. This process (the controller) stands in for the hardware and
 * the data path, which raise these signals from interrupts and softirqs,
 * so it runs at nice -20 to keep the trigger itself out of the load.
 *
 * Phases (host busy loops are pinned round-robin to the vCPUs):
 *   idle       no load;
 *   eq         one nice-0 busy loop per vCPU (as nice as the executor);
 *   outranked  two nice -5 busy loops per vCPU (they outrank the
 *              executor, as a job's processes do when they get more CPU
 *              weight), and the executor's cgroup limited to cpu.max
 *              20000 100000 (a 200m CPU limit, as on a DaemonSet pod);
 *   starved    outranked, and that cgroup kept busy: one nice-0 busy loop
 *              in it stands for the rest of fabricd (flow-map scans and
 *              metric scrapes share its event loop and its cgroup), which
 *              on a starved host is rarely idle. The cgroup then is never
 *              a fresh sleeper: it gets its CPU weight's share against the
 *              job, and cpu.max on top. The "loaded" of the final line;
 *   dead       starved, and the userspace executor SIGSTOPped: the
 *              module's samples, then one withdrawal per trigger on the
 *              user group, checked after 2 s, then SIGCONT.
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
#include <sys/resource.h>
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
#include "kmod-failover-load.h"

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

/* policy_ns: when the policy call that led here ran. */
static void ux_apply(struct uexec *u, uint64_t policy_ns)
{
	uint64_t next = fabric_fo_next_deadline(&u->fo);
	struct itimerspec its = {};
	uint32_t want = fabric_fo_members(&u->fo), install = 0;
	uint64_t sent;
	char line[128];
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
	sent = now_ns();
	for (p = 0; p < 2; p++)
		if ((install & u->flushed & (1U << p)) &&
		    !nh_create(u->cmd, ut, p, u->ifindex[p]))
			u->flushed &= ~(1U << p);
	err = group_replace(u->cmd, ut, install);
	if (!err)
		u->installed = install;
	snprintf(line, sizeof(line), "R %u %llu %llu %llu %d\n", install,
		 (unsigned long long)policy_ns, (unsigned long long)sent,
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
		ux_apply(u, ev.now_ns);
}

static int ux_ring_cb(void *ctx, void *data, size_t size)
{
	struct signal_rec *s = data;
	int p = s->nh == ut->nh_id[0] ? 0 : s->nh == ut->nh_id[1] ? 1 : -1;

	if (size >= sizeof(*s) && s->group == ut->group && p >= 0)
		ux_signal(ctx, p, s->signal, s->lag_ns);
	return 0;
}

static void ux_link(struct uexec *u, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	bool c = h->nlmsg_type == RTM_NEWLINK &&
		 (ifi->ifi_flags & (IFF_UP | IFF_LOWER_UP)) == (IFF_UP | IFF_LOWER_UP);
	int p;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return;
	for (p = 0; p < 2; p++) {
		if (ifi->ifi_index != u->ifindex[p] || c == u->carrier[p])
			continue;
		u->carrier[p] = c;
		ux_signal(u, p, c ? FABRIC_FO_SIG_CARRIER_UP : FABRIC_FO_SIG_CARRIER_DOWN, 0);
	}
}

/*
 * The link-event socket overflowed (ENOBUFS: events were lost, e.g. while
 * the executor was stopped): ask for the state of our links instead, as a
 * daemon must. Drain the socket first: until its queue has been empty
 * once, the kernel drops further events without a new ENOBUFS.
 */
static void ux_resync(struct uexec *u)
{
	char buf[16384];
	int p;

	while (recv(u->ev, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;

	for (p = 0; p < 2; p++) {
		struct req r = { .n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
				 .n.nlmsg_type = RTM_GETLINK };
		struct ifinfomsg *ifi = NLMSG_DATA(&r.n);
		char reply[8192];

		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = u->ifindex[p];
		memset(reply, 0, sizeof(reply));
		if (!rtnl_talk(u->cmd, &r.n, reply, sizeof(reply)))
			ux_link(u, (struct nlmsghdr *)reply);
	}
}

static void ux_links(struct uexec *u)
{
	char buf[16384];
	struct nlmsghdr *h;
	ssize_t len = recv(u->ev, buf, sizeof(buf), MSG_DONTWAIT);

	if (len < 0 && errno == ENOBUFS)
		ux_resync(u);
	for (h = (struct nlmsghdr *)buf; len > 0 && NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
		ux_link(u, h);
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
					uint64_t t = now_ns();

					fabric_fo_tick(&u.fo, t, &u.res);
					ux_apply(&u, t);
				}
			} else {
				ring_buffer__consume(rb);
			}
		}
	}
}

/* ---- the controller ---------------------------------------------------- */

/* An executor's own timestamps of one withdrawal (0: unknown). */
struct stamps {
	uint64_t policy, sent, ack;
};

struct kev {
	uint32_t nh;
	uint8_t to;
	uint64_t signal_ns, done_ns;
};

static struct kev kq[256];
static int kq_n;
static struct nl_sock *gsk, *greq;
static int family;
static FILE *ux_in;
static pid_t ux_pid;
static int rt, peer_rt, peer_ifindex[2];

static int kev_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[FABRIC_A_MAX + 1] = {};
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));

	genlmsg_parse(nlmsg_hdr(msg), 0, tb, FABRIC_A_MAX, NULL);
	if (gh->cmd != FABRIC_CMD_EVENT || !tb[FABRIC_A_GROUP_ID] || !tb[FABRIC_A_NH_ID] ||
	    !tb[FABRIC_A_NEW_STATE] || !tb[FABRIC_A_TIMESTAMP_NS] ||
	    nla_get_u32(tb[FABRIC_A_GROUP_ID]) != topos[0].group || kq_n == 256)
		return NL_OK;
	kq[kq_n].nh = nla_get_u32(tb[FABRIC_A_NH_ID]);
	kq[kq_n].to = nla_get_u8(tb[FABRIC_A_NEW_STATE]);
	kq[kq_n].signal_ns = nla_get_u64(tb[FABRIC_A_TIMESTAMP_NS]);
	kq[kq_n].done_ns = tb[FABRIC_A_DONE_NS] ? nla_get_u64(tb[FABRIC_A_DONE_NS]) : 0;
	kq_n++;
	return NL_OK;
}

static int stats_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[FABRIC_A_MAX + 1] = {}, *st[FABRIC_STAT_MAX + 1] = {};
	uint64_t *out = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FABRIC_A_MAX, NULL) || !tb[FABRIC_A_STATS] ||
	    nla_parse_nested(st, FABRIC_STAT_MAX, tb[FABRIC_A_STATS], NULL) ||
	    !st[FABRIC_STAT_REPLACE_NS_LAST])
		return NL_SKIP;
	*out = nla_get_u64(st[FABRIC_STAT_REPLACE_NS_LAST]);
	return NL_OK;
}

/*
 * The module's replace_ns_last statistic: how long its last group_program()
 * (member re-creation and replace) took. Only group 100 is registered, so
 * right after its withdrawal event that is the withdrawal's. 0 on error.
 */
static uint64_t kmod_replace_ns(void)
{
	struct nl_msg *msg = nlmsg_alloc();
	uint64_t ns = 0;

	if (!msg)
		return 0;
	nl_socket_modify_cb(greq, NL_CB_VALID, NL_CB_CUSTOM, stats_cb, &ns);
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			 FABRIC_CMD_STATS_GET, FABRIC_GENL_VERSION) ||
	    nl_send_auto(greq, msg) < 0 || nl_recvmsgs_default(greq) < 0)
		ns = 0;
	nlmsg_free(msg);
	return ns;
}

/*
 * Wait until executor x installed mask (user: its report; kmod: an event
 * for nexthop 1 entering state `to` with a replace), and take its stamps.
 */
static bool wait_done(int x, uint32_t mask, uint8_t to, struct stamps *st)
{
	uint64_t deadline = now_ns() + WAIT_MS * 1000000ULL;
	struct stamps dummy;
	int i;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	while (now_ns() < deadline) {
		struct pollfd pfd = { .events = POLLIN };

		if (x == 1) {
			unsigned long long pol, sent, ack;
			unsigned int got;
			char line[160];
			int err;

			pfd.fd = fileno(ux_in);
			if (poll(&pfd, 1, 100) <= 0)
				continue;
			if (!fgets(line, sizeof(line), ux_in))
				return false;
			if (sscanf(line, "R %u %llu %llu %llu %d", &got, &pol, &sent, &ack,
				   &err) == 5 && !err && got == mask) {
				st->policy = pol;
				st->sent = sent;
				st->ack = ack;
				return true;
			}
			continue;
		}
		for (i = 0; i < kq_n; i++) {
			if (kq[i].nh == topos[0].nh_id[0] && kq[i].to == to && kq[i].done_ns) {
				st->policy = kq[i].signal_ns;
				st->ack = kq[i].done_ns;
				kq_n = 0;
				return true;
			}
		}
		pfd.fd = nl_socket_get_fd(gsk);
		if (poll(&pfd, 1, 100) > 0)
			nl_recvmsgs_default(gsk);
	}
	return false;
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

/* Withdraw (down) or restore path 1 of executor x's group by trigger t. */
static void trigger(int x, int t, int prog, bool down)
{
	if (t == 0)
		link_set_up(peer_rt, peer_ifindex[x], !down);
	else if (run_report(prog, &topos[x], down ? FABRIC_SIG_SILENCE : FABRIC_SIG_PROBE_OK))
		die("report program refused the signal");
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

struct series {
	uint64_t v[512];
	int n;
};

/* One executor x trigger: latency, and its parts. */
struct cell {
	struct series tot, pol, sent, ack;
	int fail;
};

static void put(struct series *s, uint64_t v)
{
	if (s->n < (int)(sizeof(s->v) / sizeof(s->v[0])))
		s->v[s->n++] = v;
}

static void cell_add(struct cell *c, uint64_t t0, const struct stamps *st)
{
	put(&c->tot, st->ack - t0);
	if (st->policy >= t0 && st->policy <= st->ack)
		put(&c->pol, st->policy - t0);
	if (st->sent >= t0 && st->sent <= st->ack) {
		put(&c->sent, st->sent - t0);
		put(&c->ack, st->ack - st->sent);
	}
}

static void summary(const char *mode, const char *load, const char *trig, struct cell *c)
{
	struct series *s = &c->tot;

	qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
	printf("summary mode=%s load=%s trigger=%s n=%d fail=%d p50_us=%.0f p90_us=%.0f"
	       " p99_us=%.0f min_us=%.0f max_us=%.0f\n", mode, load, trig, s->n, c->fail,
	       pct_us(s->v, s->n, 50), pct_us(s->v, s->n, 90), pct_us(s->v, s->n, 99),
	       s->n ? s->v[0] / 1000.0 : 0, s->n ? s->v[s->n - 1] / 1000.0 : 0);
}

static void split(const char *mode, const char *load, const char *trig, const char *part,
		  struct series *s)
{
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
	printf("split mode=%s load=%s trigger=%s part=%s n=%d p50_us=%.0f p90_us=%.0f"
	       " p99_us=%.0f max_us=%.0f\n", mode, load, trig, part, s->n,
	       pct_us(s->v, s->n, 50), pct_us(s->v, s->n, 90), pct_us(s->v, s->n, 99),
	       s->n ? s->v[s->n - 1] / 1000.0 : 0);
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
		if (setpriority(PRIO_PROCESS, 0, 0))
			die("executor nice 0");
		uexec_run(map_fd, pfd[1]);
		_exit(0);
	}
	close(pfd[1]);
	if (load_cgroup_enter(ux_pid))
		die("executor into its cgroup");
	ux_in = fdopen(pfd[0], "r");
	if (!ux_in || !fgets(line, sizeof(line), ux_in) || strcmp(line, "ready\n"))
		die("userspace executor did not start");
}

static void ux_stop(bool stop)
{
	int st;

	kill(ux_pid, stop ? SIGSTOP : SIGCONT);
	if (stop && waitpid(ux_pid, &st, WUNTRACED) != ux_pid)
		die("executor SIGSTOP");
}

static void start_events(void)
{
	int grp;

	gsk = nl_socket_alloc();
	greq = nl_socket_alloc();
	if (!gsk || genl_connect(gsk) || !greq || genl_connect(greq))
		die("genetlink");
	family = genl_ctrl_resolve(greq, FABRIC_GENL_NAME);
	grp = genl_ctrl_resolve_grp(gsk, FABRIC_GENL_NAME, FABRIC_GENL_MCGRP_EVENTS);
	if (family < 0 || grp < 0 || nl_socket_add_membership(gsk, grp))
		die("fabric family and events group (module loaded?)");
	nl_socket_disable_auto_ack(greq);
	nl_socket_disable_seq_check(gsk);
	nl_socket_set_nonblocking(gsk);
	nl_socket_modify_cb(gsk, NL_CB_VALID, NL_CB_CUSTOM, kev_cb, NULL);
}

/* One sample: withdraw path 1 of executor x's group by trigger t, then
 * restore it (not measured). false on failure. */
static bool sample(int x, int t, int prog, uint64_t *t0, struct stamps *st)
{
	const struct topo *tp = &topos[x];
	bool ok;

	if (!wait_members(tp, 3)) {
		fprintf(stderr, "group %u not restored to both paths\n", tp->group);
		return false;
	}
	usleep(20000);		/* let the restore settle */
	kq_n = 0;
	*t0 = now_ns();
	trigger(x, t, prog, true);
	ok = wait_done(x, 2, FABRIC_PATH_DOWN, st);
	if (ok && x == 0) {
		uint64_t r = kmod_replace_ns();

		st->sent = r && r <= st->ack ? st->ack - r : 0;
	}
	trigger(x, t, prog, false);
	wait_done(x, 3, FABRIC_PATH_UP, NULL);
	return ok && st->ack > *t0;
}

/*
 * The dead phase, userspace side: with the executor stopped, withdraw
 * path 1 of group 200 by each trigger, look at the group 2 s later, then
 * let the executor run and see how long it takes to catch up.
 */
static void dead_user(const int *prog)
{
	static const char *trig[2] = { "carrier", "signal" };
	int t;

	for (t = 0; t < 2; t++) {
		struct stamps st;
		uint64_t resumed;
		bool ok;
		int m;

		if (!wait_members(ut, 3)) {
			printf("dead mode=user trigger=%s group_after_2s=not_restored_before\n",
			       trig[t]);
			return;
		}
		usleep(20000);
		trigger(1, t, prog[1], true);
		usleep(2000000);
		m = group_members(rt, ut);
		ux_stop(false);
		resumed = now_ns();
		ok = wait_done(1, 2, 0, &st);
		printf("dead mode=user trigger=%s group_after_2s=%s executor_after_sigcont_us=%.0f\n",
		       trig[t], m == 3 ? "unrepaired" :
		       m == 2 ? "nh11_removed_by_kernel_flush" : "unexpected",
		       ok && st.ack > resumed ? (st.ack - resumed) / 1000.0 : -1.0);
		trigger(1, t, prog[1], false);
		wait_done(1, 3, 0, NULL);
		wait_members(ut, 3);	/* restored before it stops again */
		ux_stop(true);
	}
}

/* Also on die(): no busy loop or executor may outlive the phase. */
static void run_cleanup(void)
{
	load_stop();
	if (ux_pid > 0) {
		kill(ux_pid, SIGKILL);
		waitpid(ux_pid, NULL, 0);
		ux_pid = 0;
	}
}

struct phase {
	const char *name;
	int per_cpu, nice;		/* host busy loops per vCPU, their nice */
	const char *cpu_max;		/* of the executor's cgroup */
	int cotenants;			/* busy loops in the executor's cgroup */
	bool dead;			/* executor SIGSTOPped */
};

static const struct phase phases[] = {
	{ "idle", 0, 0, "max 100000", 0, false },
	{ "eq", 1, 0, "max 100000", 0, false },
	{ "outranked", 2, -5, "20000 100000", 0, false },
	{ "starved", 2, -5, "20000 100000", 1, false },
	{ "dead", 2, -5, "20000 100000", 1, true },
};

static int run(int n, const struct phase *ph)
{
	static struct cell c[2][3];	/* [executor][carrier, signal, all] */
	static const char *trig[3] = { "carrier", "signal", "all" };
	struct bpf_object *kobj, *uobj;
	int prog[2], t, i, x, nx = ph->dead ? 1 : 2;

	if (n > 256)
		n = 256;
	if (load_cgroup_setup(ph->cpu_max))
		die("executor cgroup (cgroup2 at /sys/fs/cgroup with +cpu?)");
	rt = rtnl_open(0);
	open_peer();
	prog[0] = report_prog(BIN "kfunc_report.bpf.o", "fabric_kfunc_report", &kobj);
	start_events();
	prog[1] = report_prog(BIN "kmod_failover_ringbuf.bpf.o", "bench_ringbuf_report", &uobj);
	start_uexec(bpf_object__find_map_fd_by_name(uobj, "bench_signals"));
	atexit(run_cleanup);
	if (setpriority(PRIO_PROCESS, 0, -20))
		die("controller nice -20");
	if (load_start(ph->per_cpu * sysconf(_SC_NPROCESSORS_ONLN), ph->nice, false) ||
	    load_start(ph->cotenants, 0, true))
		die("busy loops");
	printf("# load=%s: %d busy loop(s) per vCPU at nice %d; executor nice 0 in a cgroup"
	       " with cpu.max %s and %d busy co-tenant(s)%s\n", ph->name, ph->per_cpu,
	       ph->nice, ph->cpu_max, ph->cotenants, ph->dead ? "; executor SIGSTOPped" : "");
	usleep(200000);
	if (ph->dead)
		ux_stop(true);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < n; i++) {
			for (x = 0; x < nx; x++) {
				struct stamps st;
				uint64_t t0;

				if (!sample(x, t, prog[x], &t0, &st)) {
					c[x][t].fail++;
					c[x][2].fail++;
					printf("sample mode=%s load=%s trigger=%s i=%d timeout\n",
					       topos[x].name, ph->name, trig[t], i);
					continue;
				}
				cell_add(&c[x][t], t0, &st);
				cell_add(&c[x][2], t0, &st);
				printf("sample mode=%s load=%s trigger=%s i=%d us=%.1f policy_us=%.1f"
				       " sent_us=%.1f\n", topos[x].name, ph->name, trig[t], i,
				       (st.ack - t0) / 1000.0,
				       st.policy > t0 ? (st.policy - t0) / 1000.0 : -1.0,
				       st.sent > t0 ? (st.sent - t0) / 1000.0 : -1.0);
			}
		}
	}
	for (x = 0; x < nx; x++) {
		for (t = 0; t < 3; t++) {
			summary(topos[x].name, ph->name, trig[t], &c[x][t]);
			split(topos[x].name, ph->name, trig[t], "to_policy", &c[x][t].pol);
			split(topos[x].name, ph->name, trig[t], "to_sent", &c[x][t].sent);
			split(topos[x].name, ph->name, trig[t], "sent_to_ack", &c[x][t].ack);
		}
	}
	if (ph->dead)
		dead_user(prog);
	load_cgroup_print(ph->name);
	run_cleanup();
	for (x = 0; x < nx; x++)
		if (c[x][2].fail > n)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "run"))
		for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
			if (!strcmp(argv[3], phases[i].name))
				return run(atoi(argv[2]), &phases[i]);
	fprintf(stderr, "usage: kmod-failover-bench run N idle|eq|outranked|starved|dead\n");
	return 2;
}
