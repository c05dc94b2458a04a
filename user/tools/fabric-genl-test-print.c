// SPDX-License-Identifier: GPL-2.0
/*
 * fabric-genl-test's output: replies and events of the "fabric" family
 * as one machine-friendly line each (group, stats, event). State, reason
 * and signal names are the policy's own (common/failover_names.c).
 */
#include <stdio.h>
#include <arpa/inet.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "fabric_genl.h"
#include "failover.h"
#include "fabric-genl-test.h"

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
	       fabric_fo_state_name(nla_get_u8(tb[FABRIC_MEMBER_A_STATE])) : "?",
	       u8_or0(tb[FABRIC_MEMBER_A_ACTIVE]), u8_or0(tb[FABRIC_MEMBER_A_DRAINED]),
	       u8_or0(tb[FABRIC_MEMBER_A_CARRIER]), u32_or0(tb[FABRIC_MEMBER_A_HOLD_MS]),
	       u32_or0(tb[FABRIC_MEMBER_A_PENALTY]), u64_or0(tb[FABRIC_MEMBER_A_FLAPS]),
	       u64_or0(tb[FABRIC_MEMBER_A_FAILOVERS]), u64_or0(tb[FABRIC_MEMBER_A_RESTORES]),
	       u64_or0(tb[FABRIC_MEMBER_A_IGNORED_STALLED]),
	       u64_or0(tb[FABRIC_MEMBER_A_IGNORED_LOCAL]), u64_or0(tb[FABRIC_MEMBER_A_KEPT]),
	       u64_or0(tb[FABRIC_MEMBER_A_DRAINS]),
	       fabric_fo_reason_name(u8_or0(tb[FABRIC_MEMBER_A_LAST_REASON])));
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
	[FABRIC_STAT_GROUPS_RECREATED] = "groups_recreated",
	[FABRIC_STAT_ROUTES_UNKNOWN] = "routes_unknown",
};
static const char *param_names[] = {
	[FABRIC_PARAM_MAX_GROUPS] = "max_groups", [FABRIC_PARAM_MAX_MEMBERS] = "max_members",
};

int gt_print_cb(struct nl_msg *msg, void *arg)
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
		       fabric_fo_state_name(nla_get_u8(tb[FABRIC_A_OLD_STATE])),
		       fabric_fo_state_name(nla_get_u8(tb[FABRIC_A_NEW_STATE])),
		       fabric_fo_reason_name(nla_get_u8(tb[FABRIC_A_REASON])),
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
