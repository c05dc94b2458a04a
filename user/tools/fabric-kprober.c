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
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <bpf/bpf.h>

#include "fabric_genl.h"
#include "genl_client.h"

static void usage(void)
{
	fprintf(stderr, "usage: fabric-kprober list | get SLOT | del SLOT | rr-map PIN|none\n"
		"       fabric-kprober add SLOT dev IFNAME src ADDR dst ADDR [sport N] [dport N]\n"
		"                      [interval-us N | interval-ns N] [group G] [member M]\n");
	exit(2);
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
	struct nl_msg *msg = gc_new_msg(cmd, flags, 0);
	struct nlattr *nest = nla_nest_start(msg, FABRIC_A_PROBER);

	nla_put_u32(msg, FABRIC_PROBER_A_SLOT, num(slot));
	nla_nest_end(msg, nest);
	return gc_report(gc_transact(msg, 0), cmd == FABRIC_CMD_PROBER_GET);
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
	struct nl_msg *msg = gc_new_msg(FABRIC_CMD_PROBER_ADD, 0, 0);
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
	return gc_report(gc_transact(msg, 0), 0);
}

static int cmd_rr_map(const char *pin)
{
	struct nl_msg *msg = gc_new_msg(FABRIC_CMD_RR_MAP_SET, 0, 0);
	int fd = -1, err;

	if (strcmp(pin, "none")) {
		fd = bpf_obj_get(pin);
		if (fd < 0) {
			fprintf(stderr, "fabric-kprober: %s: %s\n", pin, strerror(errno));
			return 2;
		}
		nla_put_s32(msg, FABRIC_A_RR_FD, fd);
	}
	err = gc_report(gc_transact(msg, 0), 0);
	if (fd >= 0)
		close(fd);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	gc_connect("fabric-kprober", prober_cb, NULL);
	if (!strcmp(argv[1], "list") && argc == 2)
		return gc_report(gc_transact(gc_new_msg(FABRIC_CMD_PROBER_GET, NLM_F_DUMP, 0), 1), 1);
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
