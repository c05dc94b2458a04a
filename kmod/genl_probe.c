// SPDX-License-Identifier: GPL-2.0
/*
 * Genetlink commands of the module prober (Documentation/netlink-api.md,
 * "Module prober"): PROBER_ADD, PROBER_DEL, PROBER_GET (do and dump) and
 * RR_MAP_SET. All need CAP_NET_ADMIN (GENL_ADMIN_PERM) and act on the
 * requester's network namespace.
 */
#include <linux/bpf.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/version.h>
#include <linux/udp.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "genl.h"
#include "fabric_probe.h"
#include "probe_judge.h"

/*
 * bpf_map_get() is exported to every module on 6.1; 6.12 puts it in the
 * BPF_INTERNAL symbol namespace, which a module must import to use.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("BPF_INTERNAL");
#else
MODULE_IMPORT_NS(BPF_INTERNAL);
#endif

static const char ro_msg[] = "attribute is read-only (reply only)";
#define RO { .type = NLA_REJECT, .reject_message = ro_msg }

static struct netlink_range_validation interval_range = {
	.min = FABRIC_PROBER_MIN_INTERVAL_NS,
	.max = FABRIC_PROBER_MAX_INTERVAL_NS,
};

static struct netlink_range_validation judge_range = {
	.min = FABRIC_PROBE_JUDGE_MIN_NS,
	.max = FABRIC_PROBER_MAX_INTERVAL_NS,
};

static struct netlink_range_validation timeout_range = {
	.min = 1000,
	.max = FABRIC_PROBER_MAX_INTERVAL_NS,
};

static struct netlink_range_validation stall_range = {
	.min = 0,
	.max = FABRIC_PROBER_MAX_INTERVAL_NS,
};

const struct nla_policy fabric_prober_policy[FABRIC_PROBER_A_MAX + 1] = {
	[FABRIC_PROBER_A_SLOT]		= NLA_POLICY_MAX(NLA_U32, FABRIC_PROBER_SLOTS - 1),
	[FABRIC_PROBER_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[FABRIC_PROBER_A_SRC4]		= { .type = NLA_BE32 },
	[FABRIC_PROBER_A_DST4]		= { .type = NLA_BE32 },
	[FABRIC_PROBER_A_SRC6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[FABRIC_PROBER_A_DST6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[FABRIC_PROBER_A_SPORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FABRIC_PROBER_A_DPORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FABRIC_PROBER_A_INTERVAL_NS]	= NLA_POLICY_FULL_RANGE(NLA_U64, &interval_range),
	[FABRIC_PROBER_A_GROUP]		= NLA_POLICY_MAX(NLA_U32, 7),
	[FABRIC_PROBER_A_MEMBER]	= NLA_POLICY_MAX(NLA_U32, 15),
	[FABRIC_PROBER_A_SENT]		= RO,
	[FABRIC_PROBER_A_TX_ERRORS]	= RO,
	[FABRIC_PROBER_A_LATE]		= RO,
	[FABRIC_PROBER_A_SKIPPED]	= RO,
	[FABRIC_PROBER_A_NO_NEIGH]	= RO,
	[FABRIC_PROBER_A_SEQ]		= RO,
	[FABRIC_PROBER_A_PAD]		= RO,
	[FABRIC_PROBER_A_JUDGE]		= NLA_POLICY_MAX(NLA_U32, 1),
	[FABRIC_PROBER_A_PATHS_FD]	= NLA_POLICY_MIN(NLA_S32, 0),
	[FABRIC_PROBER_A_HOST_FD]	= NLA_POLICY_MIN(NLA_S32, 0),
	[FABRIC_PROBER_A_TIMEOUT_NS]	= NLA_POLICY_FULL_RANGE(NLA_U64, &timeout_range),
	[FABRIC_PROBER_A_STALL_TOL_NS]	= NLA_POLICY_FULL_RANGE(NLA_U64, &stall_range),
	[FABRIC_PROBER_A_JUDGE_NS]	= NLA_POLICY_FULL_RANGE(NLA_U64, &judge_range),
	[FABRIC_PROBER_A_MISS_K]	= NLA_POLICY_RANGE(NLA_U32, 1, 1024),
	[FABRIC_PROBER_A_RECOVER]	= NLA_POLICY_RANGE(NLA_U32, 1, 1024),
	[FABRIC_PROBER_A_JUDGE_RUNS]	= RO,
	[FABRIC_PROBER_A_JUDGE_LATE]	= RO,
	[FABRIC_PROBER_A_JUDGE_LAG_MAX_NS] = RO,
	[FABRIC_PROBER_A_JUDGE_VERDICTS] = RO,
	[FABRIC_PROBER_A_JUDGE_LAG_SUM_NS] = RO,
	[FABRIC_PROBER_A_VERDICT]	= RO,
	[FABRIC_PROBER_A_VERDICT_NS]	= RO,
	[FABRIC_PROBER_A_MISS_RUN]	= RO,
	[FABRIC_PROBER_A_JUDGE_NOTES]	= RO,
	[FABRIC_PROBER_A_JUDGE_NOTES_LOST] = RO,
};

static const int judge_only[] = {
	FABRIC_PROBER_A_PATHS_FD, FABRIC_PROBER_A_HOST_FD, FABRIC_PROBER_A_TIMEOUT_NS,
	FABRIC_PROBER_A_STALL_TOL_NS, FABRIC_PROBER_A_JUDGE_NS,
	FABRIC_PROBER_A_MISS_K, FABRIC_PROBER_A_RECOVER,
};

static void judge_req_put(struct fabric_judge_req *jr)
{
	if (!IS_ERR_OR_NULL(jr->paths))
		bpf_map_put(jr->paths);
	if (!IS_ERR_OR_NULL(jr->host))
		bpf_map_put(jr->host);
	jr->paths = jr->host = NULL;
}

static u64 u64_or(struct nlattr *a, u64 dflt)
{
	return a ? nla_get_u64(a) : dflt;
}

static u32 u32_or(struct nlattr *a, u32 dflt)
{
	return a ? nla_get_u32(a) : dflt;
}

/*
 * The judge part of a PROBER_ADD: off unless FABRIC_PROBER_A_JUDGE is 1;
 * then both map fds (the sender's) and the settings, which default to
 * bpf/probe_verdict.h's. On error nothing is held.
 */
static int judge_parse(struct genl_info *info, struct nlattr **tb,
		       struct fabric_judge_req *jr)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[FABRIC_A_PROBER];
	struct fabric_probe_judge_cfg *c = &jr->cfg;
	int i;

	memset(jr, 0, sizeof(*jr));
	jr->on = tb[FABRIC_PROBER_A_JUDGE] && nla_get_u32(tb[FABRIC_PROBER_A_JUDGE]);
	if (!jr->on) {
		for (i = 0; i < ARRAY_SIZE(judge_only); i++) {
			if (tb[judge_only[i]]) {
				NL_SET_ERR_MSG_ATTR(extack, tb[judge_only[i]],
						    "judge setting without FABRIC_PROBER_A_JUDGE = 1");
				return -EINVAL;
			}
		}
		return 0;
	}
	if (!tb[FABRIC_PROBER_A_PATHS_FD] || !tb[FABRIC_PROBER_A_HOST_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "the module judge needs PATHS_FD and HOST_FD (the data path's probe maps)");
		return -EINVAL;
	}
	c->timeout_ns = u64_or(tb[FABRIC_PROBER_A_TIMEOUT_NS], 300 * NSEC_PER_USEC);
	c->stall_tol_ns = u64_or(tb[FABRIC_PROBER_A_STALL_TOL_NS], 200 * NSEC_PER_USEC);
	c->judge_ns = u64_or(tb[FABRIC_PROBER_A_JUDGE_NS], 100 * NSEC_PER_USEC);
	c->miss_k = u32_or(tb[FABRIC_PROBER_A_MISS_K], 3);
	c->recover = u32_or(tb[FABRIC_PROBER_A_RECOVER], 3);
	if (pj_cfg_check(c)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "judge settings out of range");
		return -EINVAL;
	}
	jr->paths = bpf_map_get(nla_get_s32(tb[FABRIC_PROBER_A_PATHS_FD]));
	if (IS_ERR(jr->paths)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_PROBER_A_PATHS_FD],
				    "not a BPF map fd of the sender");
		i = PTR_ERR(jr->paths);
		jr->paths = NULL;
		return i;
	}
	jr->host = bpf_map_get(nla_get_s32(tb[FABRIC_PROBER_A_HOST_FD]));
	if (IS_ERR(jr->host)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_PROBER_A_HOST_FD],
				    "not a BPF map fd of the sender");
		i = PTR_ERR(jr->host);
		jr->host = NULL;
		judge_req_put(jr);
		return i;
	}
	return 0;
}

/* The nest of a request, parsed; NULL (with extack) when absent. */
static int prober_attrs(struct genl_info *info, struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, FABRIC_A_PROBER))
		return -EINVAL;
	return nla_parse_nested(tb, FABRIC_PROBER_A_MAX, info->attrs[FABRIC_A_PROBER],
				fabric_prober_policy, info->extack);
}

static bool addr_pair(struct nlattr **tb, int src, int dst)
{
	return tb[src] && tb[dst];
}

static int prober_cfg_parse(struct genl_info *info, struct nlattr **tb,
			    struct fabric_prober_cfg *c)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[FABRIC_A_PROBER];
	bool v4 = tb[FABRIC_PROBER_A_SRC4] || tb[FABRIC_PROBER_A_DST4];
	bool v6 = tb[FABRIC_PROBER_A_SRC6] || tb[FABRIC_PROBER_A_DST6];

	memset(c, 0, sizeof(*c));
	if (!tb[FABRIC_PROBER_A_SLOT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing the probe slot (FABRIC_PROBER_A_SLOT)");
		return -EINVAL;
	}
	if (!tb[FABRIC_PROBER_A_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing the device (FABRIC_PROBER_A_IFINDEX)");
		return -EINVAL;
	}
	if (v4 == v6 || (v4 && !addr_pair(tb, FABRIC_PROBER_A_SRC4, FABRIC_PROBER_A_DST4)) ||
	    (v6 && !addr_pair(tb, FABRIC_PROBER_A_SRC6, FABRIC_PROBER_A_DST6))) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "give exactly one address pair: SRC4 and DST4, or SRC6 and DST6");
		return -EINVAL;
	}
	c->slot = nla_get_u32(tb[FABRIC_PROBER_A_SLOT]);
	c->ifindex = nla_get_u32(tb[FABRIC_PROBER_A_IFINDEX]);
	if (v4) {
		c->family = AF_INET;
		c->src.v4 = nla_get_be32(tb[FABRIC_PROBER_A_SRC4]);
		c->dst.v4 = nla_get_be32(tb[FABRIC_PROBER_A_DST4]);
		if (ipv4_is_multicast(c->dst.v4) || ipv4_is_lbcast(c->dst.v4) ||
		    ipv4_is_zeronet(c->dst.v4) || ipv4_is_multicast(c->src.v4) ||
		    ipv4_is_lbcast(c->src.v4)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_PROBER_A_DST4],
					    "probe addresses must be unicast");
			return -EINVAL;
		}
	} else {
		c->family = AF_INET6;
		nla_memcpy(&c->src.v6, tb[FABRIC_PROBER_A_SRC6], sizeof(c->src.v6));
		nla_memcpy(&c->dst.v6, tb[FABRIC_PROBER_A_DST6], sizeof(c->dst.v6));
		if (ipv6_addr_type(&c->dst.v6) & (IPV6_ADDR_MULTICAST | IPV6_ADDR_ANY) ||
		    ipv6_addr_type(&c->src.v6) & IPV6_ADDR_MULTICAST) {
			NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_PROBER_A_DST6],
					    "probe addresses must be unicast");
			return -EINVAL;
		}
	}
	c->dport = htons(tb[FABRIC_PROBER_A_DPORT] ?
			 nla_get_u16(tb[FABRIC_PROBER_A_DPORT]) : FABRIC_PROBE_PORT);
	c->sport = htons(tb[FABRIC_PROBER_A_SPORT] ?
			 nla_get_u16(tb[FABRIC_PROBER_A_SPORT]) : 49152 + c->slot);
	if (c->sport == c->dport) {
		/* the answer would go to the reflector's port and be
		 * reflected again by a peer that probes us too */
		NL_SET_ERR_MSG_ATTR(extack, tb[FABRIC_PROBER_A_SPORT],
				    "source port must differ from the reflector's port");
		return -EINVAL;
	}
	c->interval_ns = tb[FABRIC_PROBER_A_INTERVAL_NS] ?
			 nla_get_u64(tb[FABRIC_PROBER_A_INTERVAL_NS]) : NSEC_PER_MSEC;
	if (tb[FABRIC_PROBER_A_GROUP])
		c->group = nla_get_u32(tb[FABRIC_PROBER_A_GROUP]);
	if (tb[FABRIC_PROBER_A_MEMBER])
		c->member = nla_get_u32(tb[FABRIC_PROBER_A_MEMBER]);
	return 0;
}

int fabric_cmd_prober_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[FABRIC_PROBER_A_MAX + 1];
	struct fabric_judge_req jr;
	struct fabric_prober_cfg c;
	int err;

	err = prober_attrs(info, tb);
	if (err)
		return err;
	err = prober_cfg_parse(info, tb, &c);
	if (err)
		return err;
	err = judge_parse(info, tb, &jr);
	if (err)
		return err;
	err = fabric_prober_add(fabric_net(genl_info_net(info)), &c, &jr, info->extack);
	judge_req_put(&jr);	/* what the judge did not take */
	return err;
}

static int prober_slot(struct genl_info *info, u32 *slot)
{
	struct nlattr *tb[FABRIC_PROBER_A_MAX + 1];
	int err = prober_attrs(info, tb);

	if (err)
		return err;
	if (!tb[FABRIC_PROBER_A_SLOT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FABRIC_A_PROBER],
				    "missing the probe slot (FABRIC_PROBER_A_SLOT)");
		return -EINVAL;
	}
	*slot = nla_get_u32(tb[FABRIC_PROBER_A_SLOT]);
	return 0;
}

int fabric_cmd_prober_del(struct sk_buff *skb, struct genl_info *info)
{
	u32 slot;
	int err = prober_slot(info, &slot);

	if (err)
		return err;
	err = fabric_prober_del(fabric_net(genl_info_net(info)), slot);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no prober in this slot");
	return err;
}

static int put_u64(struct sk_buff *msg, int type, u64 v)
{
	return nla_put_u64_64bit(msg, type, v, FABRIC_PROBER_A_PAD);
}

static int judge_fill(struct sk_buff *msg, const struct fabric_judge *j)
{
	const struct fabric_judge_stats *st;

	if (!j)
		return nla_put_u32(msg, FABRIC_PROBER_A_JUDGE, 0);
	st = &j->st;
	if (nla_put_u32(msg, FABRIC_PROBER_A_JUDGE, 1) ||
	    put_u64(msg, FABRIC_PROBER_A_TIMEOUT_NS, j->cfg.timeout_ns) ||
	    put_u64(msg, FABRIC_PROBER_A_STALL_TOL_NS, j->cfg.stall_tol_ns) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_NS, j->cfg.judge_ns) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_MISS_K, j->cfg.miss_k) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_RECOVER, j->cfg.recover) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_RUNS, READ_ONCE(st->runs)) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_LATE, READ_ONCE(st->late)) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_LAG_MAX_NS, READ_ONCE(st->lag_max_ns)) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_LAG_SUM_NS, READ_ONCE(st->lag_sum_ns)) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_VERDICTS, READ_ONCE(st->verdicts)) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_NOTES, atomic64_read(&j->notes_sent)) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_NOTES_LOST, atomic64_read(&j->notes_lost)))
		return -EMSGSIZE;
	return 0;
}

/*
 * A module judge's verdict, multicast on "events" (process context: the
 * judge's work item). 0 when sent or when nobody listens; an error when
 * it could not be built or a listener's socket overran.
 */
int fabric_judge_notify(struct net *net, u32 slot, const struct fabric_judge_note *n)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!genl_has_listeners(&fabric_family, net, 0))
		return 0;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &fabric_family, 0, FABRIC_CMD_PROBER_VERDICT);
	if (!hdr)
		goto nospc;
	nest = nla_nest_start(msg, FABRIC_A_PROBER);
	if (!nest ||
	    nla_put_u32(msg, FABRIC_PROBER_A_SLOT, slot) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_VERDICT, n->kind) ||
	    put_u64(msg, FABRIC_PROBER_A_VERDICT_NS, n->ns) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_MISS_RUN, n->miss_run) ||
	    put_u64(msg, FABRIC_PROBER_A_JUDGE_VERDICTS, n->verdicts))
		goto nospc;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	err = genlmsg_multicast_netns(&fabric_family, net, msg, 0, 0, GFP_KERNEL);
	return err == -ESRCH ? 0 : err;
nospc:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* One prober's nest. Under the namespace's probers lock. */
static int prober_fill(struct sk_buff *msg, const struct fabric_prober *p)
{
	const struct fabric_prober_cfg *c = &p->cfg;
	const struct fabric_prober_stats *st = &p->st;
	struct nlattr *nest = nla_nest_start(msg, FABRIC_A_PROBER);

	if (!nest ||
	    nla_put_u32(msg, FABRIC_PROBER_A_SLOT, c->slot) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_IFINDEX, c->ifindex) ||
	    (c->family == AF_INET &&
	     (nla_put_be32(msg, FABRIC_PROBER_A_SRC4, c->src.v4) ||
	      nla_put_be32(msg, FABRIC_PROBER_A_DST4, c->dst.v4))) ||
	    (c->family == AF_INET6 &&
	     (nla_put_in6_addr(msg, FABRIC_PROBER_A_SRC6, &c->src.v6) ||
	      nla_put_in6_addr(msg, FABRIC_PROBER_A_DST6, &c->dst.v6))) ||
	    nla_put_u16(msg, FABRIC_PROBER_A_SPORT, ntohs(c->sport)) ||
	    nla_put_u16(msg, FABRIC_PROBER_A_DPORT, ntohs(c->dport)) ||
	    put_u64(msg, FABRIC_PROBER_A_INTERVAL_NS, c->interval_ns) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_GROUP, c->group) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_MEMBER, c->member) ||
	    put_u64(msg, FABRIC_PROBER_A_SENT, READ_ONCE(st->sent)) ||
	    put_u64(msg, FABRIC_PROBER_A_TX_ERRORS, READ_ONCE(st->tx_errors)) ||
	    put_u64(msg, FABRIC_PROBER_A_LATE, READ_ONCE(st->late)) ||
	    put_u64(msg, FABRIC_PROBER_A_SKIPPED, READ_ONCE(st->skipped)) ||
	    put_u64(msg, FABRIC_PROBER_A_NO_NEIGH, READ_ONCE(st->no_neigh)) ||
	    put_u64(msg, FABRIC_PROBER_A_SEQ, READ_ONCE(st->seq)) ||
	    judge_fill(msg, p->judge))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int fabric_cmd_prober_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fabric_probers *fp = &fabric_net(genl_info_net(info))->probers;
	struct sk_buff *msg;
	void *hdr;
	u32 slot;
	int err = prober_slot(info, &slot);

	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fabric_family, 0, FABRIC_CMD_PROBER_GET);
	mutex_lock(&fp->lock);
	if (!fp->slot[slot]) {
		NL_SET_ERR_MSG(info->extack, "no prober in this slot");
		err = -ENOENT;
	} else if (!hdr || prober_fill(msg, fp->slot[slot])) {
		err = -EMSGSIZE;
	}
	mutex_unlock(&fp->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: the next slot to dump. */
int fabric_dump_probers(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fabric_probers *fp = &fabric_net(sock_net(skb->sk))->probers;
	u32 i;
	void *hdr;

	mutex_lock(&fp->lock);
	for (i = cb->args[0]; i < FABRIC_PROBER_SLOTS; i++) {
		if (!fp->slot[i])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &fabric_family, NLM_F_MULTI, FABRIC_CMD_PROBER_GET);
		if (!hdr)
			break;
		if (prober_fill(skb, fp->slot[i])) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&fp->lock);
	cb->args[0] = i;
	return skb->len;
}

/*
 * The data path's reroute map, as an fd of the requester (genetlink runs
 * a request in the sender's context). Without FABRIC_A_RR_FD: let go of
 * the map held.
 */
int fabric_cmd_rr_map_set(struct sk_buff *skb, struct genl_info *info)
{
	struct fabric_net *fn = fabric_net(genl_info_net(info));
	struct nlattr *a = info->attrs[FABRIC_A_RR_FD];
	struct bpf_map *map = NULL;

	if (a) {
		map = bpf_map_get(nla_get_s32(a));
		if (IS_ERR(map)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "not a BPF map fd of the sender");
			return PTR_ERR(map);
		}
	}
	return fabric_prober_rr_set(fn, map, info->extack);
}
