// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd -> fabric.ko requests: message building, acked transactions
 * with the kernel's extack text, GROUP_ADD (members, routes, thresholds)
 * and PATH_EVENTs sent without waiting (errors come back on their socket
 * and are counted). Documentation/netlink-api.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fabric_genl.h"
#include "fabricd.h"
#include "failover.h"
#include "kmod.h"
#include "log.h"

static int km_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct fo_kmod *km = arg;
	struct nlattr *a;
	int len, rem;

	km->last_err = e->error;
	km->last_msg[0] = '\0';
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
		nla_for_each_attr(a, (struct nlattr *)(e + 1), len, rem)
			if (nla_type(a) == NLMSGERR_ATTR_MSG)
				snprintf(km->last_msg, sizeof(km->last_msg), "%s",
					 (char *)nla_data(a));
	}
	return NL_STOP;
}

static int km_ack_cb(struct nl_msg *msg, void *arg)
{
	((struct fo_kmod *)arg)->last_err = 0;
	return NL_STOP;
}

struct nl_msg *km_msg(struct fo_kmod *km, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(16384);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, km->family, 0,
				flags, cmd, FABRIC_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* Send, read the answers; 0 or the kernel's -errno (message in last_msg). */
int km_transact(struct fo_kmod *km, struct nl_msg *msg, bool dump)
{
	int err;

	if (!msg)
		return -ENOMEM;
	km->last_err = 1;
	km->last_msg[0] = '\0';
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	err = nl_send_auto(km->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return -EIO;
	while (km->last_err == 1) {
		err = nl_recvmsgs_default(km->sk);
		if (err < 0 && km->last_err == 1)
			return -EIO;
		if (dump && err == 0 && km->last_err == 1)
			km->last_err = 0;	/* NLMSG_DONE */
	}
	return km->last_err;
}

int km_put_config(struct nl_msg *msg, const struct fabric_fo_config *c)
{
	struct nlattr *n = nla_nest_start(msg, FABRIC_A_CONFIG);

	if (!n || nla_put_u32(msg, FABRIC_CFG_PROBE_MISS_K, c->probe_miss_k) ||
	    nla_put_u32(msg, FABRIC_CFG_RECOVER_PROBES, c->recover_probes) ||
	    nla_put_u32(msg, FABRIC_CFG_GAP_BURSTS, c->gap_bursts) ||
	    nla_put_u64(msg, FABRIC_CFG_GAP_WINDOW_NS, c->gap_window_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_STALL_TOLERANCE_NS, c->stall_tolerance_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_LOCAL_WINDOW_NS, c->local_window_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_HOLD_BASE_NS, c->hold_base_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_HOLD_MAX_NS, c->hold_max_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_HALF_LIFE_NS, c->half_life_ns))
		return -EMSGSIZE;
	nla_nest_end(msg, n);
	return 0;
}

/*
 * The routes through the group: the module re-installs them when the
 * kernel deleted them with the group (every member lost its carrier).
 */
static int km_put_routes(struct nl_msg *msg, const struct fnh_group *nh)
{
	struct nlattr *rs, *r;
	__u32 i;

	if (!nh->n_routes)
		return 0;
	rs = nla_nest_start(msg, FABRIC_A_ROUTES);
	if (!rs)
		return -EMSGSIZE;
	for (i = 0; i < nh->n_routes; i++) {
		const struct fnh_route *rt = &nh->r[i];

		r = nla_nest_start(msg, FABRIC_A_ROUTE);
		if (!r || (rt->family == AF_INET ?
			   nla_put(msg, FABRIC_ROUTE_A_DST4, 4, &rt->dst.v4) :
			   nla_put(msg, FABRIC_ROUTE_A_DST6, 16, &rt->dst.v6)) ||
		    nla_put_u8(msg, FABRIC_ROUTE_A_PREFIXLEN, rt->plen) ||
		    nla_put_u32(msg, FABRIC_ROUTE_A_TABLE, rt->table ? rt->table : 254))
			return -EMSGSIZE;
		nla_nest_end(msg, r);
	}
	nla_nest_end(msg, rs);
	return 0;
}

int km_group_add(struct fo_kmod *km, const struct km_grp *g)
{
	struct nl_msg *msg = km_msg(km, FABRIC_CMD_GROUP_ADD, 0);
	struct nlattr *ms, *m;
	__u32 p, idle_s;

	if (!msg)
		return -ENOMEM;
	idle_s = (g->cfg.nh.idle_timer_ms + 999) / 1000;
	if (nla_put_u32(msg, FABRIC_A_GROUP_ID, g->cfg.nh.id) ||
	    nla_put_u8(msg, FABRIC_A_GROUP_TYPE, FABRIC_GROUP_RES) ||
	    nla_put_u16(msg, FABRIC_A_GROUP_BUCKETS, g->cfg.nh.buckets) ||
	    nla_put_u32(msg, FABRIC_A_GROUP_IDLE_TIMER, idle_s > 3600 ? 3600 : idle_s))
		goto full;
	ms = nla_nest_start(msg, FABRIC_A_MEMBERS);
	if (!ms)
		goto full;
	for (p = 0; p < g->cfg.n_paths; p++) {
		const struct fnh_member *nh = &g->cfg.path[p].nh;

		m = nla_nest_start(msg, FABRIC_A_MEMBER);
		if (!m || nla_put_u32(msg, FABRIC_MEMBER_A_NH_ID, nh->id) ||
		    nla_put_u32(msg, FABRIC_MEMBER_A_IFINDEX, nh->ifindex) ||
		    nla_put_u16(msg, FABRIC_MEMBER_A_WEIGHT, nh->weight ? nh->weight : 1) ||
		    (nh->family == AF_INET &&
		     nla_put(msg, FABRIC_MEMBER_A_GW4, 4, &nh->gw.v4)) ||
		    (nh->family == AF_INET6 &&
		     nla_put(msg, FABRIC_MEMBER_A_GW6, 16, &nh->gw.v6)))
			goto full;
		nla_nest_end(msg, m);
	}
	nla_nest_end(msg, ms);
	if (km_put_routes(msg, &g->cfg.nh) || km_put_config(msg, &km->pol))
		goto full;
	return km_transact(km, msg, false);
full:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

int km_simple(struct fo_kmod *km, int cmd, __u32 group, __u32 nh)
{
	struct nl_msg *msg = km_msg(km, cmd, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FABRIC_A_GROUP_ID, group) ||
	    (nh && nla_put_u32(msg, FABRIC_A_NH_ID, nh))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return km_transact(km, msg, false);
}

/* Errors for the PATH_EVENTs (sent without waiting). */
static int km_pe_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct fo_kmod *km = arg;

	if (e->error && !km->pe_errors++)
		pr_warn("failover: fabric.ko refused a probe report: %s\n",
			strerror(-e->error));
	return NL_SKIP;
}

struct nl_sock *km_sock(struct fo_kmod *km)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return sk;
}

void km_set_callbacks(struct fo_kmod *km)
{
	nl_socket_modify_cb(km->sk, NL_CB_VALID, NL_CB_CUSTOM, km_valid_cb, km);
	nl_socket_modify_err_cb(km->sk, NL_CB_CUSTOM, km_err_cb, km);
	nl_socket_modify_cb(km->sk, NL_CB_ACK, NL_CB_CUSTOM, km_ack_cb, km);
	nl_socket_disable_seq_check(km->ev);
	nl_socket_modify_cb(km->ev, NL_CB_VALID, NL_CB_CUSTOM, km_valid_cb, km);
	nl_socket_disable_seq_check(km->pe);
	nl_socket_modify_err_cb(km->pe, NL_CB_CUSTOM, km_pe_err_cb, km);
}

/* One signal about one path, on the PATH_EVENT socket, not waited for. */
int km_path_event(struct fo_kmod *km, const struct km_grp *g, __u32 path,
		  int signal, __u64 lag_ns)
{
	struct nl_msg *msg = km_msg(km, FABRIC_CMD_PATH_EVENT, 0);
	int err = -EMSGSIZE;

	if (!msg)
		return -ENOMEM;
	if (!nla_put_u32(msg, FABRIC_A_GROUP_ID, g->cfg.nh.id) &&
	    !nla_put_u32(msg, FABRIC_A_NH_ID, g->cfg.path[path].nh.id) &&
	    !nla_put_u8(msg, FABRIC_A_SIGNAL, signal) &&
	    !nla_put_u64(msg, FABRIC_A_LAG_NS, lag_ns)) {
		err = nl_send_auto(km->pe, msg) >= 0 ? 0 : -EIO;
		if (!err)
			km->pe_sent++;
	}
	nlmsg_free(msg);
	return err;
}
