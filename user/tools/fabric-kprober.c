// SPDX-License-Identifier: GPL-2.0
/*
 * fabric-kprober: list and configure fabric.ko's probe senders and hand
 * it the data path's reroute map (Documentation/netlink-api.md, "Module
 * prober"). Acts on the caller's network namespace; needs CAP_NET_ADMIN.
 *
 *   list                              one line per prober, with counters
 *   get SLOT
 *   add SLOT dev IFNAME src ADDR dst ADDR [sport N] [dport N]
 *       [interval-us N | interval-ns N] [group G] [member M]
 *       [judge PIN [timeout-ns N] ...]  (kprober_judge.h)
 *   del SLOT
 *   rr-map PIN | rr-map none          hand over (or drop) the pinned
 *                                     fabric_reroute map
 * Exit status: 0 on success, 1 on a kernel error (printed as
 * "error <errno> <name>: <extack message>"), 2 on usage, 3 without the
 * module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <bpf/bpf.h>

#include "fabric_genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sk;
static int family;
static int last_err;
static char last_msg[256];

static void usage(void)
{
	fprintf(stderr, "usage: fabric-kprober list | get SLOT | del SLOT | rr-map PIN|none\n"
		"       fabric-kprober add SLOT dev IFNAME src ADDR dst ADDR [sport N] [dport N]\n"
		"                      [interval-us N | interval-ns N] [group G] [member M]\n");
	exit(2);
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *a;
	int len, rem;

	last_err = e->error;
	last_msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
	nla_for_each_attr(a, (struct nlattr *)(e + 1), len, rem)
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(last_msg, sizeof(last_msg), "%s", (char *)nla_data(a));
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	last_err = 0;
	return NL_STOP;
}

static unsigned long long u64_of(struct nlattr **tb, int t)
{
	return tb[t] ? (unsigned long long)nla_get_u64(tb[t]) : 0;
}

#include "kprober_judge.h"

static int prober_cb(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *top[FABRIC_A_MAX + 1] = {}, *tb[FABRIC_PROBER_A_MAX + 1] = {};
	char src[INET6_ADDRSTRLEN] = "-", dst[INET6_ADDRSTRLEN] = "-";
	char ifname[IF_NAMESIZE] = "?";

	if (gh->cmd != FABRIC_CMD_PROBER_GET)
		return NL_OK;
	nla_parse(top, FABRIC_A_MAX, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), NULL);
	if (!top[FABRIC_A_PROBER])
		return NL_OK;
	nla_parse_nested(tb, FABRIC_PROBER_A_MAX, top[FABRIC_A_PROBER], NULL);
	if (tb[FABRIC_PROBER_A_SRC4]) {
		inet_ntop(AF_INET, nla_data(tb[FABRIC_PROBER_A_SRC4]), src, sizeof(src));
		inet_ntop(AF_INET, nla_data(tb[FABRIC_PROBER_A_DST4]), dst, sizeof(dst));
	} else if (tb[FABRIC_PROBER_A_SRC6]) {
		inet_ntop(AF_INET6, nla_data(tb[FABRIC_PROBER_A_SRC6]), src, sizeof(src));
		inet_ntop(AF_INET6, nla_data(tb[FABRIC_PROBER_A_DST6]), dst, sizeof(dst));
	}
	if (tb[FABRIC_PROBER_A_IFINDEX])
		if_indextoname(nla_get_u32(tb[FABRIC_PROBER_A_IFINDEX]), ifname);
	printf("prober slot=%u dev=%s ifindex=%u src=%s dst=%s sport=%u dport=%u interval_ns=%llu"
	       " group=%u member=%u sent=%llu tx_errors=%llu late=%llu skipped=%llu"
	       " no_neigh=%llu seq=%llu",
	       tb[FABRIC_PROBER_A_SLOT] ? nla_get_u32(tb[FABRIC_PROBER_A_SLOT]) : 0, ifname,
	       tb[FABRIC_PROBER_A_IFINDEX] ? nla_get_u32(tb[FABRIC_PROBER_A_IFINDEX]) : 0,
	       src, dst,
	       tb[FABRIC_PROBER_A_SPORT] ? nla_get_u16(tb[FABRIC_PROBER_A_SPORT]) : 0,
	       tb[FABRIC_PROBER_A_DPORT] ? nla_get_u16(tb[FABRIC_PROBER_A_DPORT]) : 0,
	       u64_of(tb, FABRIC_PROBER_A_INTERVAL_NS),
	       tb[FABRIC_PROBER_A_GROUP] ? nla_get_u32(tb[FABRIC_PROBER_A_GROUP]) : 0,
	       tb[FABRIC_PROBER_A_MEMBER] ? nla_get_u32(tb[FABRIC_PROBER_A_MEMBER]) : 0,
	       u64_of(tb, FABRIC_PROBER_A_SENT), u64_of(tb, FABRIC_PROBER_A_TX_ERRORS),
	       u64_of(tb, FABRIC_PROBER_A_LATE), u64_of(tb, FABRIC_PROBER_A_SKIPPED),
	       u64_of(tb, FABRIC_PROBER_A_NO_NEIGH), u64_of(tb, FABRIC_PROBER_A_SEQ));
	print_judge(tb);
	putchar('\n');
	return NL_OK;
}

static void connect_family(void)
{
	int one = 1;

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "fabric-kprober: cannot open a generic netlink socket\n");
		exit(2);
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family = genl_ctrl_resolve(sk, FABRIC_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "fabric-kprober: family %s not found (module not loaded?)\n",
			FABRIC_GENL_NAME);
		exit(3);
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, prober_cb, NULL);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, err_cb, NULL);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, NULL);
}

static struct nl_msg *new_msg(int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, cmd, FABRIC_GENL_VERSION)) {
		fprintf(stderr, "fabric-kprober: out of memory\n");
		exit(2);
	}
	return msg;
}

/* Send, consume the replies; returns 0 or the kernel's -errno. */
static int transact(struct nl_msg *msg, int dump)
{
	int err;

	last_err = 1;
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return -EIO;
	while (last_err == 1) {
		err = nl_recvmsgs_default(sk);
		if (err < 0 && last_err == 1)
			return -EIO;
		if (dump && err == 0 && last_err == 1)
			last_err = 0;	/* NLMSG_DONE */
	}
	return last_err;
}

static int report(int err, int quiet)
{
	if (!err) {
		if (!quiet)
			printf("ok\n");
		return 0;
	}
	printf("error %d %s: %s\n", -err, strerror(-err), last_msg);
	return 1;
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (*s == '\0' || *end)
		usage();
	return v;
}

static int slot_cmd(int cmd, const char *slot, int flags)
{
	struct nl_msg *msg = new_msg(cmd, flags);
	struct nlattr *nest = nla_nest_start(msg, FABRIC_A_PROBER);

	nla_put_u32(msg, FABRIC_PROBER_A_SLOT, num(slot));
	nla_nest_end(msg, nest);
	return report(transact(msg, 0), cmd == FABRIC_CMD_PROBER_GET);
}

static void put_addr(struct nl_msg *msg, int t4, int t6, const char *s)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		nla_put(msg, t4, 4, a);
	else if (inet_pton(AF_INET6, s, a) == 1)
		nla_put(msg, t6, 16, a);
	else
		usage();
}

static int cmd_add(int argc, char **argv)
{
	struct nl_msg *msg = new_msg(FABRIC_CMD_PROBER_ADD, 0);
	struct nlattr *nest = nla_nest_start(msg, FABRIC_A_PROBER);
	int i;

	nla_put_u32(msg, FABRIC_PROBER_A_SLOT, num(argv[0]));
	for (i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "dev")) {
			unsigned int ifindex = if_nametoindex(v);

			if (!ifindex) {
				fprintf(stderr, "fabric-kprober: no device %s\n", v);
				return 2;
			}
			nla_put_u32(msg, FABRIC_PROBER_A_IFINDEX, ifindex);
		} else if (!strcmp(k, "src")) {
			put_addr(msg, FABRIC_PROBER_A_SRC4, FABRIC_PROBER_A_SRC6, v);
		} else if (!strcmp(k, "dst")) {
			put_addr(msg, FABRIC_PROBER_A_DST4, FABRIC_PROBER_A_DST6, v);
		} else if (!strcmp(k, "sport")) {
			nla_put_u16(msg, FABRIC_PROBER_A_SPORT, num(v));
		} else if (!strcmp(k, "dport")) {
			nla_put_u16(msg, FABRIC_PROBER_A_DPORT, num(v));
		} else if (!strcmp(k, "interval-us")) {
			nla_put_u64(msg, FABRIC_PROBER_A_INTERVAL_NS, num(v) * 1000);
		} else if (!strcmp(k, "interval-ns")) {
			nla_put_u64(msg, FABRIC_PROBER_A_INTERVAL_NS, num(v));
		} else if (!strcmp(k, "group")) {
			nla_put_u32(msg, FABRIC_PROBER_A_GROUP, num(v));
		} else if (!strcmp(k, "member")) {
			nla_put_u32(msg, FABRIC_PROBER_A_MEMBER, num(v));
		} else if (!strcmp(k, "judge")) {	/* PIN dir of the probe maps */
			if (put_judge_maps(msg, v))
				return 2;
		} else if (judge_key(k) > 0) {
			put_judge_num(msg, judge_key(k), num(v));
		} else {
			usage();
		}
	}
	if (i != argc)
		usage();
	nla_nest_end(msg, nest);
	return report(transact(msg, 0), 0);
}

static int cmd_rr_map(const char *pin)
{
	struct nl_msg *msg = new_msg(FABRIC_CMD_RR_MAP_SET, 0);
	int fd = -1, err;

	if (strcmp(pin, "none")) {
		fd = bpf_obj_get(pin);
		if (fd < 0) {
			fprintf(stderr, "fabric-kprober: %s: %s\n", pin, strerror(errno));
			return 2;
		}
		nla_put_s32(msg, FABRIC_A_RR_FD, fd);
	}
	err = report(transact(msg, 0), 0);
	if (fd >= 0)
		close(fd);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	connect_family();
	if (!strcmp(argv[1], "list") && argc == 2)
		return report(transact(new_msg(FABRIC_CMD_PROBER_GET, NLM_F_DUMP), 1), 1);
	if (!strcmp(argv[1], "get") && argc == 3)
		return slot_cmd(FABRIC_CMD_PROBER_GET, argv[2], 0);
	if (!strcmp(argv[1], "del") && argc == 3)
		return slot_cmd(FABRIC_CMD_PROBER_DEL, argv[2], 0);
	if (!strcmp(argv[1], "add") && argc >= 3)
		return cmd_add(argc - 2, argv + 2);
	if (!strcmp(argv[1], "rr-map") && argc == 3)
		return cmd_rr_map(argv[2]);
	usage();
	return 2;
}
