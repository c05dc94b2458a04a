// SPDX-License-Identifier: GPL-2.0
/*
 * fabric-genl-test: a small client of the "fabric" generic netlink family
 * for the VM tests (libnl-genl-3). Prints machine-friendly lines.
 *
 *   add GROUP [type res|mpath] [buckets N] [idle S] [CFG...]
 *       member NH IFNAME [gw ADDR] [weight W] ... [route PREFIX/LEN [table T]]...
 *   del GROUP | get GROUP | dump | stats
 *   event GROUP NH SIGNAL [LAG_NS]
 *       SIGNAL: carrier-down carrier-up probe-ok probe-miss gap-burst
 *       silence, or a number
 *   drain GROUP NH | undrain GROUP NH
 *   params [group N] CFG...
 *       CFG: hold MS | max MS | half MS (hold-down base, cap, penalty
 *       half-life) | k N | recover N | bursts N | gapwin NS | stall NS |
 *       local NS
 *   raw CMD [TYPE:HEX | TYPE:u8:N | TYPE:u16:N | TYPE:u32:N | TYPE:nest:{...}]...
 *       send anything (for the negative tests); nests nest with { ... }
 *   monitor COUNT TIMEOUT_MS      print COUNT events from "events" (a
 *       refused join prints "error <errno> join: ..." and exits 1)
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
#include "failover.h"
#include "genl_client.h"
#include "fabric-genl-test.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static void die(const char *what)
{
	fprintf(stderr, "fabric-genl-test: %s\n", what);
	exit(2);
}

/* Big enough for the negative tests' oversized raw attributes. */
static struct nl_msg *new_msg(int cmd, int flags)
{
	return gc_new_msg(cmd, flags, 65536);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end)
		die("bad number");
	return v;
}

/* One threshold keyword at argv[0] with its value at argv[1] into the
 * open CONFIG nest (started on first use). 0 if argv[0] is not one. */
static int put_cfg_arg(struct nl_msg *msg, struct nlattr **nest, char **argv)
{
	static const struct { const char *kw; int type; unsigned long long mul; } kws[] = {
		{ "hold", FABRIC_CFG_HOLD_BASE_NS, 1000000 },
		{ "max", FABRIC_CFG_HOLD_MAX_NS, 1000000 },
		{ "half", FABRIC_CFG_HALF_LIFE_NS, 1000000 },
		{ "k", FABRIC_CFG_PROBE_MISS_K, 0 },
		{ "recover", FABRIC_CFG_RECOVER_PROBES, 0 },
		{ "bursts", FABRIC_CFG_GAP_BURSTS, 0 },
		{ "gapwin", FABRIC_CFG_GAP_WINDOW_NS, 1 },
		{ "stall", FABRIC_CFG_STALL_TOLERANCE_NS, 1 },
		{ "local", FABRIC_CFG_LOCAL_WINDOW_NS, 1 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		if (strcmp(argv[0], kws[i].kw))
			continue;
		if (!*nest)
			*nest = nla_nest_start(msg, FABRIC_A_CONFIG);
		if (kws[i].mul)
			nla_put_u64(msg, kws[i].type, strtoull(argv[1], NULL, 0) * kws[i].mul);
		else
			nla_put_u32(msg, kws[i].type, num(argv[1]));
		return 1;
	}
	return 0;
}

/* "route PREFIX/LEN [table T]" at argv: 1 when put ("table T" consumed
 * too), 0 when argv is not a route. */
static int put_route_arg(struct nl_msg *msg, struct nlattr **routes, char **argv,
			 int left)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct nlattr *r;
	unsigned char a[16];
	int af;

	snprintf(buf, sizeof(buf), "%s", argv[1]);
	slash = strchr(buf, '/');
	if (!slash)
		die("route: PREFIX/LEN");
	*slash++ = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, a) != 1)
		die("route: bad prefix");
	if (!*routes)
		*routes = nla_nest_start(msg, FABRIC_A_ROUTES);
	r = nla_nest_start(msg, FABRIC_A_ROUTE);
	nla_put(msg, af == AF_INET ? FABRIC_ROUTE_A_DST4 : FABRIC_ROUTE_A_DST6,
		af == AF_INET ? 4 : 16, a);
	nla_put_u8(msg, FABRIC_ROUTE_A_PREFIXLEN, num(slash));
	if (left > 3 && !strcmp(argv[2], "table")) {
		nla_put_u32(msg, FABRIC_ROUTE_A_TABLE, num(argv[3]));
		argv[2][0] = argv[3][0] = '\0';
	}
	nla_nest_end(msg, r);
	return 1;
}

static int cmd_add(int argc, char **argv)
{
	struct nl_msg *msg = new_msg(FABRIC_CMD_GROUP_ADD, 0);
	struct nlattr *members = NULL, *m = NULL, *cfg = NULL, *routes = NULL;
	int i;

	nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[0]));
	/* Thresholds first: the CONFIG nest must not interleave members. */
	for (i = 1; i + 1 < argc && strcmp(argv[i], "member"); i++)
		if (put_cfg_arg(msg, &cfg, argv + i))
			argv[i++][0] = '\0';	/* consumed */
	if (cfg)
		nla_nest_end(msg, cfg);
	/* Routes: one nest of their own, whatever their place on the line. */
	for (i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "route") && put_route_arg(msg, &routes, argv + i,
							       argc - i))
			argv[i][0] = argv[i + 1][0] = '\0';	/* consumed */
	}
	if (routes)
		nla_nest_end(msg, routes);
	for (i = 1; i < argc; i++) {
		if (!argv[i][0]) {
			i++;
			continue;
		}
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
	return gc_report(gc_transact(msg, 0), 0);
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
	return gc_report(gc_transact(msg, 0), 0);
}

static int cmd_monitor(int count, int timeout_ms)
{
	int grp = genl_ctrl_resolve_grp(gc_sk, FABRIC_GENL_NAME, FABRIC_GENL_MCGRP_EVENTS);
	struct pollfd pfd;
	struct timespec t0, t;
	int seen = 0;

	if (grp < 0)
		die("the events group did not resolve");
	/* setsockopt for the kernel's own errno (EPERM without CAP_NET_ADMIN) */
	if (setsockopt(nl_socket_get_fd(gc_sk), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &grp, sizeof(grp))) {
		printf("error %d join: %s\n", errno, strerror(errno));
		return 1;
	}
	nl_socket_disable_seq_check(gc_sk);
	nl_socket_modify_cb(gc_sk, NL_CB_VALID, NL_CB_CUSTOM, gt_print_cb, &seen);
	printf("listening\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = nl_socket_get_fd(gc_sk);
	pfd.events = POLLIN;
	while (seen < count) {
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
				     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		nl_recvmsgs_default(gc_sk);
	}
	return seen >= count ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct nl_msg *msg;
	const char *cmd;

	if (argc < 2)
		die("usage: see the comment at the top of fabric-genl-test.c");
	cmd = argv[1];
	gc_connect("fabric-genl-test", gt_print_cb, NULL);
	if (!strcmp(cmd, "add") && argc >= 3)
		return cmd_add(argc - 2, argv + 2);
	if (!strcmp(cmd, "del") && argc == 3) {
		msg = new_msg(FABRIC_CMD_GROUP_DEL, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		return gc_report(gc_transact(msg, 0), 0);
	}
	if (!strcmp(cmd, "get") && argc == 3) {
		msg = new_msg(FABRIC_CMD_GROUP_GET, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		return gc_report(gc_transact(msg, 0), 1);
	}
	if (!strcmp(cmd, "dump") && argc == 2)
		return gc_report(gc_transact(new_msg(FABRIC_CMD_GROUP_GET, NLM_F_DUMP), 1), 1);
	if (!strcmp(cmd, "stats") && argc == 2)
		return gc_report(gc_transact(new_msg(FABRIC_CMD_STATS_GET, 0), 0), 1);
	if (!strcmp(cmd, "event") && (argc == 5 || argc == 6)) {
		unsigned int sig;

		msg = new_msg(FABRIC_CMD_PATH_EVENT, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		nla_put_u32(msg, FABRIC_A_NH_ID, num(argv[3]));
		for (sig = 0; sig < FABRIC_FO_SIG_MAX; sig++)
			if (!strcmp(argv[4], fabric_fo_signal_name(sig)))
				break;
		nla_put_u8(msg, FABRIC_A_SIGNAL, sig < FABRIC_FO_SIG_MAX ? sig : num(argv[4]));
		if (argc == 6)
			nla_put_u64(msg, FABRIC_A_LAG_NS, strtoull(argv[5], NULL, 0));
		return gc_report(gc_transact(msg, 0), 0);
	}
	if ((!strcmp(cmd, "drain") || !strcmp(cmd, "undrain")) && argc == 4) {
		msg = new_msg(!strcmp(cmd, "drain") ? FABRIC_CMD_PATH_DRAIN :
			      FABRIC_CMD_PATH_UNDRAIN, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		nla_put_u32(msg, FABRIC_A_NH_ID, num(argv[3]));
		return gc_report(gc_transact(msg, 0), 0);
	}
	if (!strcmp(cmd, "params")) {
		struct nlattr *cfg = NULL;
		int i;

		msg = new_msg(FABRIC_CMD_SET_PARAMS, 0);
		for (i = 2; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "group"))
				nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[i + 1]));
			else if (!put_cfg_arg(msg, &cfg, argv + i))
				die("params: [group N] hold|max|half MS, k|recover|bursts N, gapwin|stall|local NS");
		}
		if (cfg)
			nla_nest_end(msg, cfg);
		return gc_report(gc_transact(msg, 0), 0);
	}
	if (!strcmp(cmd, "raw") && argc >= 3)
		return cmd_raw(argc - 2, argv + 2);
	if (!strcmp(cmd, "monitor") && argc == 4)
		return cmd_monitor(num(argv[2]), num(argv[3]));
	die("bad command; see the comment at the top of fabric-genl-test.c");
	return 2;
}
