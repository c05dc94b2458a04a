// SPDX-License-Identifier: GPL-2.0
/*
 * Nexthop programming from kernel context through a kernel NETLINK_ROUTE
 * socket, i.e. the same stable uAPI `ip nexthop replace` uses, so
 * `ip monitor`, notifiers and switchdev offload see an ordinary replace.
 *
 * Rules (measured on the 6.1 guest, see Documentation/kmod.md):
 *  - always send with an explicit sockaddr_nl {AF_NETLINK, nl_pid 0}:
 *    it sets NETLINK_SKB_DST, without which the CAP_NET_ADMIN check
 *    dereferences the kernel socket's NULL file;
 *  - never call these with RTNL held (rtnetlink_rcv_msg takes it);
 *  - one socket per netns, no netns reference, released in pernet exit.
 */
#include <linux/kernel.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/nexthop.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "fabric.h"

#define NHSOCK_RCVBUF	8192
#define NHSOCK_TIMEOUT	(2 * HZ)

int fabric_nhsock_init(struct fabric_net *fn)
{
	struct socket *sock;
	int one = 1, err;

	err = sock_create_kern(fn->net, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, &sock);
	if (err)
		return err;
	/* Error text from the kernel, without the echoed request. */
	sock->ops->setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK,
			      KERNEL_SOCKPTR(&one), sizeof(one));
	sock->ops->setsockopt(sock, SOL_NETLINK, NETLINK_CAP_ACK,
			      KERNEL_SOCKPTR(&one), sizeof(one));
	sock->sk->sk_rcvtimeo = NHSOCK_TIMEOUT;
	sock->sk->sk_sndtimeo = NHSOCK_TIMEOUT;
	fn->rtnl_sock = sock;
	return 0;
}

void fabric_nhsock_release(struct fabric_net *fn)
{
	if (fn->rtnl_sock) {
		sock_release(fn->rtnl_sock);
		fn->rtnl_sock = NULL;
	}
}

static void copy_errmsg(const struct nlmsghdr *nlh, const struct nlmsgerr *e,
			char *errmsg, size_t errlen)
{
	const struct nlattr *nla;
	int len, rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
	if (len <= 0)
		return;
	nla_for_each_attr(nla, (const struct nlattr *)(e + 1), len, rem) {
		if (nla_type(nla) == NLMSGERR_ATTR_MSG && nla_len(nla) > 0) {
			strscpy(errmsg, nla_data(nla), min_t(size_t, errlen, nla_len(nla)));
			return;
		}
	}
}

/* Send one request (already finalised in skb) and wait for its ack. */
static int nhsock_transact(struct fabric_net *fn, struct sk_buff *skb,
			   char *errmsg, size_t errlen)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK, .nl_pid = 0 };
	struct nlmsghdr *req = nlmsg_hdr(skb);
	struct msghdr msg = {};
	struct kvec iov;
	void *buf;
	int err, len;
	u32 seq;

	if (errlen)
		errmsg[0] = '\0';
	buf = kmalloc(NHSOCK_RCVBUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&fn->sock_lock);
	if (!fn->rtnl_sock) {
		err = -ENOTCONN;
		goto out;
	}
	seq = ++fn->seq;
	req->nlmsg_seq = seq;
	msg.msg_name = &kernel;
	msg.msg_namelen = sizeof(kernel);
	iov.iov_base = skb->data;
	iov.iov_len = skb->len;
	err = kernel_sendmsg(fn->rtnl_sock, &msg, &iov, 1, skb->len);
	if (err < 0)
		goto out;

	for (;;) {
		struct nlmsghdr *nlh;

		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = NHSOCK_RCVBUF;
		len = kernel_recvmsg(fn->rtnl_sock, &msg, &iov, 1, NHSOCK_RCVBUF, 0);
		if (len < 0) {
			err = len;
			goto out;
		}
		for (nlh = buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
			struct nlmsgerr *e;

			if (nlh->nlmsg_seq != seq || nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nlh->nlmsg_len < nlmsg_msg_size(sizeof(*e))) {
				err = -EPROTO;
				goto out;
			}
			e = nlmsg_data(nlh);
			err = e->error;
			if (err && errlen)
				copy_errmsg(nlh, e, errmsg, errlen);
			goto out;
		}
	}
out:
	mutex_unlock(&fn->sock_lock);
	kfree(buf);
	return err;
}

static struct sk_buff *nh_msg_new(u16 flags, u8 family, struct nlmsghdr **nlh)
{
	struct sk_buff *skb;
	struct nhmsg *nhm;

	skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*nlh = nlmsg_put(skb, 0, 0, RTM_NEWNEXTHOP, sizeof(*nhm),
			 NLM_F_REQUEST | NLM_F_ACK | flags);
	if (!*nlh) {
		kfree_skb(skb);
		return NULL;
	}
	nhm = nlmsg_data(*nlh);
	memset(nhm, 0, sizeof(*nhm));
	nhm->nh_family = family;
	return skb;
}

/* Re-create a member nexthop the kernel deleted on carrier loss. An
 * existing one is left alone (-EEXIST is success). */
int fabric_nh_ensure_member(struct fabric_net *fn, const struct fabric_member *m,
			    char *errmsg, size_t errlen)
{
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	u8 family = m->gw_family ? m->gw_family : AF_INET;
	int err;

	skb = nh_msg_new(NLM_F_CREATE | NLM_F_EXCL, family, &nlh);
	if (!skb)
		return -ENOMEM;
	if (nla_put_u32(skb, NHA_ID, m->nh_id) ||
	    nla_put_u32(skb, NHA_OIF, m->ifindex) ||
	    (m->gw_family == AF_INET && nla_put_be32(skb, NHA_GATEWAY, m->gw4)) ||
	    (m->gw_family == AF_INET6 &&
	     nla_put(skb, NHA_GATEWAY, sizeof(m->gw6), &m->gw6))) {
		err = -EMSGSIZE;
		goto out;
	}
	nlmsg_end(skb, nlh);
	err = nhsock_transact(fn, skb, errmsg, errlen);
	if (err == -EEXIST)
		err = 0;
	else if (!err)
		fabric_stat_inc(FABRIC_STAT_NH_CREATED);
out:
	kfree_skb(skb);
	return err;
}

/*
 * Replace group g with exactly the members in act[]. Without create, a
 * group that is gone is not made anew: the kernel answers -ENOENT
 * ("Replace specified without create and no entry exists"), which tells
 * the caller that the routes through it went with it.
 */
int fabric_nh_replace_group(struct fabric_net *fn, const struct fabric_group *g,
			    const struct fabric_member *const *act, u32 n,
			    bool create, char *errmsg, size_t errlen)
{
	struct nexthop_grp *grp;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	struct nlattr *attr, *res;
	int err = -EMSGSIZE;
	u32 i;

	skb = nh_msg_new(NLM_F_REPLACE | (create ? NLM_F_CREATE : 0), AF_UNSPEC, &nlh);
	if (!skb)
		return -ENOMEM;
	if (nla_put_u32(skb, NHA_ID, g->id))
		goto out;
	attr = nla_reserve(skb, NHA_GROUP, n * sizeof(*grp));
	if (!attr)
		goto out;
	grp = nla_data(attr);
	memset(grp, 0, n * sizeof(*grp));
	for (i = 0; i < n; i++) {
		grp[i].id = act[i]->nh_id;
		grp[i].weight = act[i]->weight - 1;	/* wire weight is w - 1 */
	}
	/* The type must be on every replace of a resilient group. */
	if (nla_put_u16(skb, NHA_GROUP_TYPE, g->type == FABRIC_GROUP_RES ?
			NEXTHOP_GRP_TYPE_RES : NEXTHOP_GRP_TYPE_MPATH))
		goto out;
	if (g->type == FABRIC_GROUP_RES && (g->buckets || g->has_idle_timer)) {
		res = nla_nest_start(skb, NHA_RES_GROUP);	/* NLA_F_NESTED */
		if (!res)
			goto out;
		if (g->buckets && nla_put_u16(skb, NHA_RES_GROUP_BUCKETS, g->buckets))
			goto out;
		if (g->has_idle_timer &&
		    nla_put_u32(skb, NHA_RES_GROUP_IDLE_TIMER, g->idle_timer_s * USER_HZ))
			goto out;
		nla_nest_end(skb, res);
	}
	nlmsg_end(skb, nlh);
	err = nhsock_transact(fn, skb, errmsg, errlen);
out:
	kfree_skb(skb);
	return err;
}

/* Install (create or replace) route r through nexthop (group) nh_id, as
 * `ip route replace PREFIX nhid ID table T proto static` would. */
int fabric_nh_set_route(struct fabric_net *fn, const struct fabric_route *r,
			u32 nh_id, char *errmsg, size_t errlen)
{
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	struct rtmsg *rtm;
	int err = -EMSGSIZE;

	skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	nlh = nlmsg_put(skb, 0, 0, RTM_NEWROUTE, sizeof(*rtm),
			NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	if (!nlh)
		goto out;
	rtm = nlmsg_data(nlh);
	memset(rtm, 0, sizeof(*rtm));
	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->plen;
	rtm->rtm_table = r->table < 256 ? r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if ((r->family == AF_INET && nla_put_be32(skb, RTA_DST, r->dst4)) ||
	    (r->family == AF_INET6 &&
	     nla_put(skb, RTA_DST, sizeof(r->dst6), &r->dst6)) ||
	    nla_put_u32(skb, RTA_TABLE, r->table) ||
	    nla_put_u32(skb, RTA_NH_ID, nh_id))
		goto out;
	nlmsg_end(skb, nlh);
	err = nhsock_transact(fn, skb, errmsg, errlen);
out:
	kfree_skb(skb);
	return err;
}
