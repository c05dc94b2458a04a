// SPDX-License-Identifier: GPL-2.0
/*
 * fabric-genl-test: a small client of the "fabric" generic netlink family
 * for the VM tests (libnl-genl-3). Prints machine-friendly lines.
 *
 *   add GROUP [type res|mpath] [buckets N] [idle S]
 *       member NH IFNAME [gw ADDR] [weight W] ...
 *   del GROUP | get GROUP | dump | stats
 *   event GROUP NH down|up [REASON]
 *   params [hold MS] [max MS] [decay MS]
 *   raw CMD [TYPE:HEX | TYPE:u8:N | TYPE:u16:N | TYPE:u32:N | TYPE:nest:{...}]...
 *       send anything (for the negative tests); nests nest with { ... }
 *   monitor COUNT TIMEOUT_MS      print COUNT events from "events"
 *   fuzz ITERATIONS SEED          random messages, every reply consumed
 * Exit status: 0 on success, 1 on a kernel error (printed as
 * "error <errno> <name>: <extack message>"), 2 on usage/local failures.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "fabric_genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sk;
static int family;
static int last_err;
static char last_msg[256];
static int quiet;

static void die(const char *what)
{
	fprintf(stderr, "fabric-genl-test: %s\n", what);
	exit(2);
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *a;
	int len, rem;

	last_err = e->error;
	last_msg[0] = '\0';
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
		nla_for_each_attr(a, (struct nlattr *)(e + 1), len, rem)
			if (nla_type(a) == NLMSGERR_ATTR_MSG)
				snprintf(last_msg, sizeof(last_msg), "%s", (char *)nla_data(a));
			else if (nla_type(a) == NLMSGERR_ATTR_MISS_TYPE && !last_msg[0])
				snprintf(last_msg, sizeof(last_msg), "missing attribute type %u",
					 nla_get_u32(a));
	}
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	last_err = 0;
	return NL_STOP;
}

static void print_member(struct nlattr *m)
{
	struct nlattr *tb[FABRIC_MEMBER_A_MAX + 1] = {};
	static const char *st[] = { "up", "down", "holddown" };
	char gw[INET6_ADDRSTRLEN] = "-";

	nla_parse_nested(tb, FABRIC_MEMBER_A_MAX, m, NULL);
	if (tb[FABRIC_MEMBER_A_GW4])
		inet_ntop(AF_INET, nla_data(tb[FABRIC_MEMBER_A_GW4]), gw, sizeof(gw));
	if (tb[FABRIC_MEMBER_A_GW6])
		inet_ntop(AF_INET6, nla_data(tb[FABRIC_MEMBER_A_GW6]), gw, sizeof(gw));
	printf(" member nh=%u ifindex=%u gw=%s weight=%u state=%s flaps=%u hold_ms=%u active=%u",
	       tb[FABRIC_MEMBER_A_NH_ID] ? nla_get_u32(tb[FABRIC_MEMBER_A_NH_ID]) : 0,
	       tb[FABRIC_MEMBER_A_IFINDEX] ? nla_get_u32(tb[FABRIC_MEMBER_A_IFINDEX]) : 0, gw,
	       tb[FABRIC_MEMBER_A_WEIGHT] ? nla_get_u16(tb[FABRIC_MEMBER_A_WEIGHT]) : 0,
	       tb[FABRIC_MEMBER_A_STATE] && nla_get_u8(tb[FABRIC_MEMBER_A_STATE]) < 3 ?
	       st[nla_get_u8(tb[FABRIC_MEMBER_A_STATE])] : "?",
	       tb[FABRIC_MEMBER_A_FLAPS] ? nla_get_u32(tb[FABRIC_MEMBER_A_FLAPS]) : 0,
	       tb[FABRIC_MEMBER_A_HOLD_MS] ? nla_get_u32(tb[FABRIC_MEMBER_A_HOLD_MS]) : 0,
	       tb[FABRIC_MEMBER_A_ACTIVE] ? nla_get_u8(tb[FABRIC_MEMBER_A_ACTIVE]) : 0);
}

static const char *stat_names[] = {
	[FABRIC_STAT_EVENTS] = "events", [FABRIC_STAT_EVENTS_KFUNC] = "events_kfunc",
	[FABRIC_STAT_EVENTS_CARRIER] = "events_carrier",
	[FABRIC_STAT_TRANSITIONS] = "transitions", [FABRIC_STAT_REPLACES] = "replaces",
	[FABRIC_STAT_REPLACE_ERRORS] = "replace_errors",
	[FABRIC_STAT_NH_CREATED] = "nh_created", [FABRIC_STAT_LAST_PATH_KEPT] = "last_path_kept",
	[FABRIC_STAT_DAMPENED] = "dampened", [FABRIC_STAT_UNKNOWN_PATH] = "unknown_path",
	[FABRIC_STAT_GROUPS] = "groups", [FABRIC_STAT_REPLACE_NS_LAST] = "replace_ns_last",
	[FABRIC_STAT_REPLACE_NS_MAX] = "replace_ns_max",
};
static const char *param_names[] = {
	[FABRIC_PARAM_HOLD_MS] = "hold_ms", [FABRIC_PARAM_HOLD_MAX_MS] = "hold_max_ms",
	[FABRIC_PARAM_DECAY_MS] = "decay_ms", [FABRIC_PARAM_MAX_GROUPS] = "max_groups",
};

static int msg_cb(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[FABRIC_A_MAX + 1] = {};
	struct nlattr *a;
	int rem;

	if (quiet)
		return NL_OK;
	genlmsg_parse(nlmsg_hdr(msg), 0, tb, FABRIC_A_MAX, NULL);
	switch (gh->cmd) {
	case FABRIC_CMD_GROUP_GET:
		printf("group %u type %s", nla_get_u32(tb[FABRIC_A_GROUP_ID]),
		       nla_get_u8(tb[FABRIC_A_GROUP_TYPE]) == FABRIC_GROUP_RES ? "res" : "mpath");
		if (tb[FABRIC_A_MEMBERS])
			nla_for_each_nested(a, tb[FABRIC_A_MEMBERS], rem)
				print_member(a);
		printf("\n");
		break;
	case FABRIC_CMD_STATS_GET:
		printf("version %u\nkfunc %u\n", nla_get_u32(tb[FABRIC_A_VERSION]),
		       nla_get_u8(tb[FABRIC_A_KFUNC]));
		nla_for_each_nested(a, tb[FABRIC_A_STATS], rem)
			if (nla_type(a) < FABRIC_STAT_PAD && stat_names[nla_type(a)])
				printf("%s %llu\n", stat_names[nla_type(a)],
				       (unsigned long long)nla_get_u64(a));
		nla_for_each_nested(a, tb[FABRIC_A_PARAMS], rem)
			if (nla_type(a) <= FABRIC_PARAM_MAX && param_names[nla_type(a)])
				printf("%s %u\n", param_names[nla_type(a)], nla_get_u32(a));
		break;
	case FABRIC_CMD_EVENT:
		printf("event group=%u nh=%u old=%u new=%u reason=%u latency_ns=%llu error=%d active=",
		       nla_get_u32(tb[FABRIC_A_GROUP_ID]), nla_get_u32(tb[FABRIC_A_NH_ID]),
		       nla_get_u8(tb[FABRIC_A_OLD_STATE]), nla_get_u8(tb[FABRIC_A_NEW_STATE]),
		       nla_get_u8(tb[FABRIC_A_REASON]),
		       (unsigned long long)nla_get_u64(tb[FABRIC_A_LATENCY_NS]),
		       (int)nla_get_u32(tb[FABRIC_A_ERROR]));
		if (tb[FABRIC_A_ACTIVE])
			nla_for_each_nested(a, tb[FABRIC_A_ACTIVE], rem)
				printf("%u,", nla_get_u32(a));
		printf("\n");
		fflush(stdout);
		if (arg)
			(*(int *)arg)++;
		break;
	}
	return NL_OK;
}

static void connect_family(void)
{
	int one = 1;

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		die("cannot open a generic netlink socket");
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family = genl_ctrl_resolve(sk, FABRIC_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "fabric-genl-test: family %s not found (module not loaded?)\n",
			FABRIC_GENL_NAME);
		exit(3);
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, msg_cb, NULL);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, err_cb, NULL);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, NULL);
}

static struct nl_msg *new_msg(int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(65536);

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, cmd, FABRIC_GENL_VERSION))
		die("out of memory");
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

static int report(int err)
{
	if (!err) {
		printf("ok\n");
		return 0;
	}
	printf("error %d %s: %s\n", -err, strerror(-err), last_msg);
	return 1;
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end)
		die("bad number");
	return v;
}

static int cmd_add(int argc, char **argv)
{
	struct nl_msg *msg = new_msg(FABRIC_CMD_GROUP_ADD, 0);
	struct nlattr *members = NULL, *m = NULL;
	int i;

	nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[0]));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "type") && i + 1 < argc) {
			i++;
			nla_put_u8(msg, FABRIC_A_GROUP_TYPE, strcmp(argv[i], "mpath") ?
				   FABRIC_GROUP_RES : FABRIC_GROUP_MPATH);
		} else if (!strcmp(argv[i], "buckets") && i + 1 < argc) {
			nla_put_u16(msg, FABRIC_A_GROUP_BUCKETS, num(argv[++i]));
		} else if (!strcmp(argv[i], "idle") && i + 1 < argc) {
			nla_put_u32(msg, FABRIC_A_GROUP_IDLE_TIMER, num(argv[++i]));
		} else if (!strcmp(argv[i], "member") && i + 2 < argc) {
			unsigned int ifindex = if_nametoindex(argv[i + 2]);

			if (!members)
				members = nla_nest_start(msg, FABRIC_A_MEMBERS);
			if (m)
				nla_nest_end(msg, m);
			m = nla_nest_start(msg, FABRIC_A_MEMBER);
			nla_put_u32(msg, FABRIC_MEMBER_A_NH_ID, num(argv[i + 1]));
			nla_put_u32(msg, FABRIC_MEMBER_A_IFINDEX,
				    ifindex ? ifindex : num(argv[i + 2]));
			i += 2;
		} else if (!strcmp(argv[i], "gw") && m && i + 1 < argc) {
			struct in6_addr a6;
			struct in_addr a4;

			i++;
			if (inet_pton(AF_INET, argv[i], &a4) == 1)
				nla_put(msg, FABRIC_MEMBER_A_GW4, 4, &a4);
			else if (inet_pton(AF_INET6, argv[i], &a6) == 1)
				nla_put(msg, FABRIC_MEMBER_A_GW6, 16, &a6);
			else
				die("bad gateway");
		} else if (!strcmp(argv[i], "weight") && m && i + 1 < argc) {
			nla_put_u16(msg, FABRIC_MEMBER_A_WEIGHT, num(argv[++i]));
		} else {
			die("add: bad arguments");
		}
	}
	if (m)
		nla_nest_end(msg, m);
	if (members)
		nla_nest_end(msg, members);
	return report(transact(msg, 0));
}

/* raw CMD ATTR...: ATTR is TYPE:HEX, TYPE:u8:N, TYPE:u16:N, TYPE:u32:N,
 * TYPE:u64:N, TYPE:str:S, TYPE:nest:{ and a closing "}". */
static int cmd_raw(int argc, char **argv)
{
	struct nl_msg *msg = new_msg(num(argv[0]), 0);
	struct nlattr *stack[8];
	int depth = 0, i;

	for (i = 1; i < argc; i++) {
		char *a = argv[i], *kind, *val;
		unsigned int type;

		if (!strcmp(a, "}")) {
			if (!depth)
				die("raw: unbalanced }");
			nla_nest_end(msg, stack[--depth]);
			continue;
		}
		type = strtoul(a, &kind, 0);
		if (*kind != ':')
			die("raw: bad attribute");
		kind++;
		val = strchr(kind, ':');
		if (val)
			*val++ = '\0';
		if (!strcmp(kind, "u8")) {
			nla_put_u8(msg, type, num(val));
		} else if (!strcmp(kind, "u16")) {
			nla_put_u16(msg, type, num(val));
		} else if (!strcmp(kind, "u32")) {
			nla_put_u32(msg, type, num(val));
		} else if (!strcmp(kind, "u64")) {
			nla_put_u64(msg, type, strtoull(val, NULL, 0));
		} else if (!strcmp(kind, "str")) {
			nla_put_string(msg, type, val);
		} else if (!strcmp(kind, "nest")) {
			if (depth == 8)
				die("raw: nesting too deep");
			stack[depth++] = nla_nest_start(msg, type);
		} else {	/* hex bytes */
			unsigned char buf[4096];
			size_t n = strlen(kind) / 2, j;

			if (n > sizeof(buf))
				die("raw: too long");
			for (j = 0; j < n; j++)
				sscanf(kind + 2 * j, "%2hhx", &buf[j]);
			nla_put(msg, type, n, buf);
		}
	}
	while (depth)
		nla_nest_end(msg, stack[--depth]);
	return report(transact(msg, 0));
}

static int cmd_monitor(int count, int timeout_ms)
{
	int grp = genl_ctrl_resolve_grp(sk, FABRIC_GENL_NAME, FABRIC_GENL_MCGRP_EVENTS);
	struct pollfd pfd;
	struct timespec t0, t;
	int seen = 0;

	if (grp < 0 || nl_socket_add_membership(sk, grp))
		die("cannot join the events group");
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, msg_cb, &seen);
	printf("listening\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = nl_socket_get_fd(sk);
	pfd.events = POLLIN;
	while (seen < count) {
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
				     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		nl_recvmsgs_default(sk);
	}
	return seen >= count ? 0 : 1;
}

/* Random commands, random attribute types, lengths, contents and nests. */
static int cmd_fuzz(unsigned long iters, unsigned long seed)
{
	unsigned long i, errs = 0, oks = 0;

	srandom(seed);
	quiet = 1;
	for (i = 0; i < iters; i++) {
		struct nl_msg *msg = new_msg(random() % (FABRIC_CMD_MAX + 3),
					     random() % 4 == 0 ? NLM_F_DUMP : 0);
		int n = random() % 6, j, dump = nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP;

		for (j = 0; j < n; j++) {
			unsigned char buf[64];
			int type = random() % (FABRIC_A_MAX + 3), len = random() % 24, k;

			for (k = 0; k < len; k++)
				buf[k] = random();
			if (random() % 3 == 0) {
				struct nlattr *nest = nla_nest_start(msg, type);
				int inner = random() % 4;

				for (k = 0; k < inner; k++) {
					struct nlattr *in = nla_nest_start(msg, random() % 12);

					nla_put(msg, random() % 12, random() % 9, buf);
					nla_nest_end(msg, in);
				}
				nla_nest_end(msg, nest);
			} else {
				nla_put(msg, type, len, buf);
			}
		}
		if (transact(msg, dump))
			errs++;
		else
			oks++;
	}
	printf("fuzz iterations=%lu accepted=%lu rejected=%lu\n", iters, oks, errs);
	return 0;
}

int main(int argc, char **argv)
{
	struct nl_msg *msg;
	const char *cmd;

	if (argc < 2)
		die("usage: see the comment at the top of fabric-genl-test.c");
	cmd = argv[1];
	connect_family();
	if (!strcmp(cmd, "add") && argc >= 3)
		return cmd_add(argc - 2, argv + 2);
	if (!strcmp(cmd, "del") && argc == 3) {
		msg = new_msg(FABRIC_CMD_GROUP_DEL, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		return report(transact(msg, 0));
	}
	if (!strcmp(cmd, "get") && argc == 3) {
		msg = new_msg(FABRIC_CMD_GROUP_GET, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		return transact(msg, 0) ? report(last_err) : 0;
	}
	if (!strcmp(cmd, "dump") && argc == 2)
		return transact(new_msg(FABRIC_CMD_GROUP_GET, NLM_F_DUMP), 1) ?
		       report(last_err) : 0;
	if (!strcmp(cmd, "stats") && argc == 2)
		return transact(new_msg(FABRIC_CMD_STATS_GET, 0), 0) ? report(last_err) : 0;
	if (!strcmp(cmd, "event") && (argc == 5 || argc == 6)) {
		msg = new_msg(FABRIC_CMD_PATH_EVENT, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		nla_put_u32(msg, FABRIC_A_NH_ID, num(argv[3]));
		nla_put_u8(msg, FABRIC_A_EVENT, !strcmp(argv[4], "down") ? FABRIC_EV_DOWN :
			   !strcmp(argv[4], "up") ? FABRIC_EV_UP : num(argv[4]));
		if (argc == 6)
			nla_put_u8(msg, FABRIC_A_REASON, num(argv[5]));
		return report(transact(msg, 0));
	}
	if (!strcmp(cmd, "params")) {
		int i;

		msg = new_msg(FABRIC_CMD_SET_PARAMS, 0);
		for (i = 2; i + 1 < argc; i += 2) {
			int a = !strcmp(argv[i], "hold") ? FABRIC_A_HOLD_MS :
				!strcmp(argv[i], "max") ? FABRIC_A_HOLD_MAX_MS :
				!strcmp(argv[i], "decay") ? FABRIC_A_DECAY_MS : -1;

			if (a < 0)
				die("params: hold|max|decay MS");
			nla_put_u32(msg, a, num(argv[i + 1]));
		}
		return report(transact(msg, 0));
	}
	if (!strcmp(cmd, "raw") && argc >= 3)
		return cmd_raw(argc - 2, argv + 2);
	if (!strcmp(cmd, "monitor") && argc == 4)
		return cmd_monitor(num(argv[2]), num(argv[3]));
	if (!strcmp(cmd, "fuzz") && argc == 4)
		return cmd_fuzz(num(argv[2]), num(argv[3]));
	die("bad command; see the comment at the top of fabric-genl-test.c");
	return 2;
}
