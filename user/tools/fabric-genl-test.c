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

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sk;
static int family;
static int last_err;
static char last_msg[256];

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

static const char *state_names[] = { "up", "down", "holddown" };
static const char *signal_names[] = {
	"carrier-down", "carrier-up", "probe-ok", "probe-miss", "gap-burst", "silence",
	"gray", "gray-clear",
};
static const char *reason_names[] = {
	"none", "init", "carrier-down", "probe-loss", "gap-burst", "silence",
	"admin-drain", "carrier-up", "probes-ok", "admin-undrain", "holddown-expired",
	"gray", "gray-clear",
};
static const char *source_names[] = { "genl", "carrier", "kfunc", "timer", "config" };
#define NAME(tab, i) ((unsigned int)(i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : "?")

static unsigned long long u64_or0(struct nlattr *a)
{
	return a ? (unsigned long long)nla_get_u64(a) : 0;
}

static unsigned int u32_or0(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static unsigned int u8_or0(struct nlattr *a)
{
	return a ? nla_get_u8(a) : 0;
}

static void print_member(struct nlattr *m)
{
	struct nlattr *tb[FABRIC_MEMBER_A_MAX + 1] = {};
	char gw[INET6_ADDRSTRLEN] = "-";

	nla_parse_nested(tb, FABRIC_MEMBER_A_MAX, m, NULL);
	if (tb[FABRIC_MEMBER_A_GW4])
		inet_ntop(AF_INET, nla_data(tb[FABRIC_MEMBER_A_GW4]), gw, sizeof(gw));
	if (tb[FABRIC_MEMBER_A_GW6])
		inet_ntop(AF_INET6, nla_data(tb[FABRIC_MEMBER_A_GW6]), gw, sizeof(gw));
	printf(" member nh=%u ifindex=%u gw=%s weight=%u state=%s active=%u drained=%u"
	       " carrier=%u hold_ms=%u penalty=%u flaps=%llu failovers=%llu restores=%llu"
	       " ignored_stalled=%llu ignored_local=%llu kept=%llu drains=%llu last_reason=%s",
	       u32_or0(tb[FABRIC_MEMBER_A_NH_ID]), u32_or0(tb[FABRIC_MEMBER_A_IFINDEX]), gw,
	       tb[FABRIC_MEMBER_A_WEIGHT] ? nla_get_u16(tb[FABRIC_MEMBER_A_WEIGHT]) : 0,
	       tb[FABRIC_MEMBER_A_STATE] ?
	       NAME(state_names, nla_get_u8(tb[FABRIC_MEMBER_A_STATE])) : "?",
	       u8_or0(tb[FABRIC_MEMBER_A_ACTIVE]), u8_or0(tb[FABRIC_MEMBER_A_DRAINED]),
	       u8_or0(tb[FABRIC_MEMBER_A_CARRIER]), u32_or0(tb[FABRIC_MEMBER_A_HOLD_MS]),
	       u32_or0(tb[FABRIC_MEMBER_A_PENALTY]), u64_or0(tb[FABRIC_MEMBER_A_FLAPS]),
	       u64_or0(tb[FABRIC_MEMBER_A_FAILOVERS]), u64_or0(tb[FABRIC_MEMBER_A_RESTORES]),
	       u64_or0(tb[FABRIC_MEMBER_A_IGNORED_STALLED]),
	       u64_or0(tb[FABRIC_MEMBER_A_IGNORED_LOCAL]), u64_or0(tb[FABRIC_MEMBER_A_KEPT]),
	       u64_or0(tb[FABRIC_MEMBER_A_DRAINS]),
	       NAME(reason_names, u8_or0(tb[FABRIC_MEMBER_A_LAST_REASON])));
}

static void print_route(struct nlattr *r)
{
	struct nlattr *tb[FABRIC_ROUTE_A_MAX + 1] = {};
	char dst[INET6_ADDRSTRLEN] = "-";

	nla_parse_nested(tb, FABRIC_ROUTE_A_MAX, r, NULL);
	if (tb[FABRIC_ROUTE_A_DST4])
		inet_ntop(AF_INET, nla_data(tb[FABRIC_ROUTE_A_DST4]), dst, sizeof(dst));
	if (tb[FABRIC_ROUTE_A_DST6])
		inet_ntop(AF_INET6, nla_data(tb[FABRIC_ROUTE_A_DST6]), dst, sizeof(dst));
	printf(" route=%s/%u@%u", dst, u8_or0(tb[FABRIC_ROUTE_A_PREFIXLEN]),
	       u32_or0(tb[FABRIC_ROUTE_A_TABLE]));
}

static const char *cfg_names[] = {
	[FABRIC_CFG_PROBE_MISS_K] = "probe_miss_k", [FABRIC_CFG_RECOVER_PROBES] = "recover_probes",
	[FABRIC_CFG_GAP_BURSTS] = "gap_bursts", [FABRIC_CFG_GAP_WINDOW_NS] = "gap_window_ns",
	[FABRIC_CFG_STALL_TOLERANCE_NS] = "stall_tolerance_ns",
	[FABRIC_CFG_LOCAL_WINDOW_NS] = "local_window_ns",
	[FABRIC_CFG_HOLD_BASE_NS] = "hold_base_ns", [FABRIC_CFG_HOLD_MAX_NS] = "hold_max_ns",
	[FABRIC_CFG_HALF_LIFE_NS] = "half_life_ns",
};

/* CONFIG nest as "name value" pairs joined by sep. */
static void print_config(struct nlattr *nest, const char *pre, const char *sep)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) >= FABRIC_CFG_PAD || !cfg_names[nla_type(a)])
			continue;
		printf("%s%s%s%llu", pre, cfg_names[nla_type(a)], *sep == '=' ? "=" : " ",
		       nla_len(a) == 4 ? (unsigned long long)nla_get_u32(a) :
		       (unsigned long long)nla_get_u64(a));
		if (*sep != '=')
			printf("\n");
	}
}

static const char *gstat_names[] = {
	[FABRIC_GSTAT_LAST_PATH_KEPT] = "last_path_kept",
	[FABRIC_GSTAT_LOCAL_EVENTS] = "local_events",
	[FABRIC_GSTAT_DRAIN_REFUSED] = "drain_refused", [FABRIC_GSTAT_REPLACES] = "replaces",
	[FABRIC_GSTAT_REPLACE_ERRORS] = "replace_errors", [FABRIC_GSTAT_MEMBERS] = "members",
	[FABRIC_GSTAT_INSTALLED] = "installed",
	[FABRIC_GSTAT_ROUTE_RESTORES] = "route_restores",
};

static const char *stat_names[] = {
	[FABRIC_STAT_EVENTS] = "events", [FABRIC_STAT_EVENTS_KFUNC] = "events_kfunc",
	[FABRIC_STAT_EVENTS_CARRIER] = "events_carrier",
	[FABRIC_STAT_TRANSITIONS] = "transitions", [FABRIC_STAT_REPLACES] = "replaces",
	[FABRIC_STAT_REPLACE_ERRORS] = "replace_errors",
	[FABRIC_STAT_NH_CREATED] = "nh_created", [FABRIC_STAT_LAST_PATH_KEPT] = "last_path_kept",
	[FABRIC_STAT_FLAPS] = "flaps", [FABRIC_STAT_UNKNOWN_PATH] = "unknown_path",
	[FABRIC_STAT_GROUPS] = "groups", [FABRIC_STAT_REPLACE_NS_LAST] = "replace_ns_last",
	[FABRIC_STAT_REPLACE_NS_MAX] = "replace_ns_max",
	[FABRIC_STAT_EVENTS_GENL] = "events_genl", [FABRIC_STAT_NOTES_LOST] = "notes_lost",
	[FABRIC_STAT_UNINSTALLABLE] = "uninstallable",
	[FABRIC_STAT_ROUTES_INSTALLED] = "routes_installed",
	[FABRIC_STAT_ROUTE_ERRORS] = "route_errors",
	[FABRIC_STAT_EVENTS_DEAD] = "events_dead",
};
static const char *param_names[] = {
	[FABRIC_PARAM_MAX_GROUPS] = "max_groups", [FABRIC_PARAM_MAX_MEMBERS] = "max_members",
};

static int msg_cb(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[FABRIC_A_MAX + 1] = {};
	struct nlattr *a;
	int rem;

	genlmsg_parse(nlmsg_hdr(msg), 0, tb, FABRIC_A_MAX, NULL);
	switch (gh->cmd) {
	case FABRIC_CMD_GROUP_GET:
		printf("group %u type %s", nla_get_u32(tb[FABRIC_A_GROUP_ID]),
		       nla_get_u8(tb[FABRIC_A_GROUP_TYPE]) == FABRIC_GROUP_RES ? "res" : "mpath");
		if (tb[FABRIC_A_GROUP_STATS])
			nla_for_each_nested(a, tb[FABRIC_A_GROUP_STATS], rem)
				if (nla_type(a) <= FABRIC_GSTAT_MAX &&
				    nla_type(a) != FABRIC_GSTAT_PAD && gstat_names[nla_type(a)])
					printf(" %s=%llu", gstat_names[nla_type(a)],
					       (unsigned long long)nla_get_u64(a));
		if (tb[FABRIC_A_CONFIG])
			print_config(tb[FABRIC_A_CONFIG], " ", "=");
		if (tb[FABRIC_A_ROUTES])
			nla_for_each_nested(a, tb[FABRIC_A_ROUTES], rem)
				print_route(a);
		if (tb[FABRIC_A_MEMBERS])
			nla_for_each_nested(a, tb[FABRIC_A_MEMBERS], rem)
				print_member(a);
		printf("\n");
		break;
	case FABRIC_CMD_STATS_GET:
		printf("version %u\nkfunc %u\n", nla_get_u32(tb[FABRIC_A_VERSION]),
		       nla_get_u8(tb[FABRIC_A_KFUNC]));
		nla_for_each_nested(a, tb[FABRIC_A_STATS], rem)
			if (nla_type(a) <= FABRIC_STAT_MAX && nla_type(a) != FABRIC_STAT_PAD &&
			    stat_names[nla_type(a)])
				printf("%s %llu\n", stat_names[nla_type(a)],
				       (unsigned long long)nla_get_u64(a));
		nla_for_each_nested(a, tb[FABRIC_A_PARAMS], rem)
			if (nla_type(a) <= FABRIC_PARAM_MAX && param_names[nla_type(a)])
				printf("%s %u\n", param_names[nla_type(a)], nla_get_u32(a));
		if (tb[FABRIC_A_CONFIG])
			print_config(tb[FABRIC_A_CONFIG], "", " ");
		break;
	case FABRIC_CMD_EVENT:
		printf("event group=%u nh=%u old=%s new=%s reason=%s source=%s flags=%u"
		       " ts_ns=%llu done_ns=%llu latency_ns=%llu error=%d active=",
		       nla_get_u32(tb[FABRIC_A_GROUP_ID]), nla_get_u32(tb[FABRIC_A_NH_ID]),
		       NAME(state_names, nla_get_u8(tb[FABRIC_A_OLD_STATE])),
		       NAME(state_names, nla_get_u8(tb[FABRIC_A_NEW_STATE])),
		       NAME(reason_names, nla_get_u8(tb[FABRIC_A_REASON])),
		       NAME(source_names, u8_or0(tb[FABRIC_A_SOURCE])),
		       u32_or0(tb[FABRIC_A_FLAGS]), u64_or0(tb[FABRIC_A_TIMESTAMP_NS]),
		       u64_or0(tb[FABRIC_A_DONE_NS]), u64_or0(tb[FABRIC_A_LATENCY_NS]),
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

	if (grp < 0)
		die("the events group did not resolve");
	/* setsockopt for the kernel's own errno (EPERM without CAP_NET_ADMIN) */
	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &grp, sizeof(grp))) {
		printf("error %d join: %s\n", errno, strerror(errno));
		return 1;
	}
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
		unsigned int sig;

		msg = new_msg(FABRIC_CMD_PATH_EVENT, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		nla_put_u32(msg, FABRIC_A_NH_ID, num(argv[3]));
		for (sig = 0; sig < sizeof(signal_names) / sizeof(signal_names[0]); sig++)
			if (!strcmp(argv[4], signal_names[sig]))
				break;
		nla_put_u8(msg, FABRIC_A_SIGNAL, sig < sizeof(signal_names) /
			   sizeof(signal_names[0]) ? sig : num(argv[4]));
		if (argc == 6)
			nla_put_u64(msg, FABRIC_A_LAG_NS, strtoull(argv[5], NULL, 0));
		return report(transact(msg, 0));
	}
	if ((!strcmp(cmd, "drain") || !strcmp(cmd, "undrain")) && argc == 4) {
		msg = new_msg(!strcmp(cmd, "drain") ? FABRIC_CMD_PATH_DRAIN :
			      FABRIC_CMD_PATH_UNDRAIN, 0);
		nla_put_u32(msg, FABRIC_A_GROUP_ID, num(argv[2]));
		nla_put_u32(msg, FABRIC_A_NH_ID, num(argv[3]));
		return report(transact(msg, 0));
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
		return report(transact(msg, 0));
	}
	if (!strcmp(cmd, "raw") && argc >= 3)
		return cmd_raw(argc - 2, argv + 2);
	if (!strcmp(cmd, "monitor") && argc == 4)
		return cmd_monitor(num(argv[2]), num(argv[3]));
	die("bad command; see the comment at the top of fabric-genl-test.c");
	return 2;
}
