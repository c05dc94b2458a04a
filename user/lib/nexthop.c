// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Nexthop executor over rtnetlink. Messages are built with libnl-3's
 * nl_msg; acks are read with nl_wait_for_ack() and the kernel's
 * extended-ack text is kept for the caller's logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include "nexthop.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct fnh_ctx {
	struct nl_sock *sk;
	int err;		/* errno of the last kernel error */
	char msg[256];
	struct fnh_stats st;
	struct fnh_state *rd;	/* fnh_group_read() target */
	bool rd_want;
	bool rd_seen;
};

static uint64_t fnh_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* NLMSGERR_ATTR_MSG from an extended ack, if any. */
static void fnh_ext_ack(struct fnh_ctx *c, struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e);
	struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off >= nlh->nlmsg_len)
		return;
	a = (struct nlattr *)((char *)e + NLMSG_ALIGN(off));
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off);
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG) {
			snprintf(c->msg, sizeof(c->msg), "%s: %.*s",
				 strerror(c->err), nla_len(a),
				 (char *)nla_data(a));
			return;
		}
	}
}

static int fnh_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct fnh_ctx *c = arg;

	c->err = -e->error;
	snprintf(c->msg, sizeof(c->msg), "%s", strerror(c->err));
	fnh_ext_ack(c, e);
	return NL_STOP;
}

struct fnh_ctx *fnh_open(void)
{
	struct fnh_ctx *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	c->sk = nl_socket_alloc();
	if (!c->sk)
		goto err;
	if (nl_connect(c->sk, NETLINK_ROUTE))
		goto err;
	nl_socket_set_buffer_size(c->sk, 1 << 20, 1 << 20);
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	return c;
err:
	if (c->sk)
		nl_socket_free(c->sk);
	free(c);
	return NULL;
}

void fnh_close(struct fnh_ctx *c)
{
	if (!c)
		return;
	nl_socket_free(c->sk);
	free(c);
}

const char *fnh_error(const struct fnh_ctx *c)
{
	return c->msg[0] ? c->msg : "no error";
}

const struct fnh_stats *fnh_stats(const struct fnh_ctx *c)
{
	return &c->st;
}

static int fnh_parse_cb(struct nl_msg *msg, void *arg);

/*
 * Send, then read until the kernel's ack (or error) for this request:
 * 0 or -errno. Replies of the request before the ack go to the read
 * parser. libnl's nl_wait_for_ack() reads only one datagram, which leaves
 * a GET's ack queued behind its answer, so the loop is ours. Frees msg.
 */
static int fnh_talk(struct fnh_ctx *c, struct nl_msg *msg)
{
	static __thread char buf[32768];
	uint32_t seq;
	int ret, fd = nl_socket_get_fd(c->sk);

	c->err = 0;
	c->msg[0] = 0;
	ret = nl_send_auto(c->sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	if (ret < 0) {
		nlmsg_free(msg);
		snprintf(c->msg, sizeof(c->msg), "send: %s", nl_geterror(ret));
		c->st.errors++;
		return -EIO;
	}
	for (;;) {
		struct nlmsghdr *h;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			c->err = errno;
			snprintf(c->msg, sizeof(c->msg), "recv: %s", strerror(errno));
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;	/* stale: an earlier request's */
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error)
					fnh_err_cb(NULL, e, c);
				goto done;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				goto done;
			if (c->rd_want) {
				struct nl_msg *m = nlmsg_convert(h);

				if (m) {
					fnh_parse_cb(m, c);
					nlmsg_free(m);
				}
			}
		}
	}
done:
	nlmsg_free(msg);
	return -c->err;
}

static struct nl_msg *fnh_nh_msg(int type, int flags, int family,
				 uint32_t id)
{
	struct nhmsg nhm = { .nh_family = family };
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK | flags);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) ||
	    nla_put_u32(msg, NHA_ID, id)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int fnh_parse_cb(struct nl_msg *msg, void *arg)
{
	struct fnh_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NHA_MAX + 1], *rtb[NHA_RES_GROUP_MAX + 1];
	struct fnh_state *st = c->rd;
	struct nexthop_grp *g;
	uint32_t i, n;

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP)
		return NL_SKIP;
	c->rd_seen = true;
	if (!st)
		return NL_SKIP;
	if (nlmsg_parse(nlh, sizeof(struct nhmsg), tb, NHA_MAX, NULL))
		return NL_SKIP;
	st->exists = true;
	if (tb[NHA_GROUP_TYPE])
		st->resilient = nla_get_u16(tb[NHA_GROUP_TYPE]) ==
				NEXTHOP_GRP_TYPE_RES;
	if (tb[NHA_RES_GROUP] &&
	    !nla_parse_nested(rtb, NHA_RES_GROUP_MAX, tb[NHA_RES_GROUP], NULL) &&
	    rtb[NHA_RES_GROUP_BUCKETS])
		st->buckets = nla_get_u16(rtb[NHA_RES_GROUP_BUCKETS]);
	if (tb[NHA_GROUP]) {
		g = nla_data(tb[NHA_GROUP]);
		n = nla_len(tb[NHA_GROUP]) / sizeof(*g);
		for (i = 0; i < n && i < FNH_MAX_MEMBERS; i++)
			st->ids[i] = g[i].id;
		st->n = i;
	}
	return NL_OK;
}

/* RTM_GETNEXTHOP for one id: 1 found (parsed into st if set), 0, -errno */
static int fnh_get(struct fnh_ctx *c, uint32_t id, struct fnh_state *st)
{
	struct nl_msg *msg;
	int ret;

	msg = fnh_nh_msg(RTM_GETNEXTHOP, 0, AF_UNSPEC, id);
	if (!msg)
		return -ENOMEM;
	if (st)
		memset(st, 0, sizeof(*st));
	c->rd = st;
	c->rd_want = true;
	c->rd_seen = false;
	ret = fnh_talk(c, msg);
	c->rd_want = false;
	c->rd = NULL;
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	return c->rd_seen;
}

int fnh_nh_exists(struct fnh_ctx *c, uint32_t id)
{
	return fnh_get(c, id, NULL);
}

int fnh_group_read(struct fnh_ctx *c, uint32_t id, struct fnh_state *st)
{
	int ret = fnh_get(c, id, st);

	return ret < 0 ? ret : 0;
}

int fnh_nh_set(struct fnh_ctx *c, const struct fnh_member *m)
{
	struct nl_msg *msg;
	int ret;

	msg = fnh_nh_msg(RTM_NEWNEXTHOP, NLM_F_REPLACE | NLM_F_CREATE,
			 m->family, m->id);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, NHA_OIF, m->ifindex) ||
	    nla_put(msg, NHA_GATEWAY, m->family == AF_INET ? 4 : 16, &m->gw)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = fnh_talk(c, msg);
	if (ret)
		c->st.errors++;
	else
		c->st.nh_created++;
	return ret;
}

int fnh_nh_del(struct fnh_ctx *c, uint32_t id)
{
	struct nl_msg *msg = fnh_nh_msg(RTM_DELNEXTHOP, 0, AF_UNSPEC, id);

	if (!msg)
		return -ENOMEM;
	return fnh_talk(c, msg);
}

static int fnh_group_send(struct fnh_ctx *c, const struct fnh_group *g,
			  uint32_t mask, bool create)
{
	struct nexthop_grp grp[FNH_MAX_MEMBERS];
	struct nlattr *res;
	struct nl_msg *msg;
	uint32_t i, n = 0;
	uint64_t t0;
	int ret;

	memset(grp, 0, sizeof(grp));
	for (i = 0; i < g->n_members; i++) {
		uint16_t w = g->m[i].weight ? g->m[i].weight : 1;

		if (!(mask & (1U << i)))
			continue;
		grp[n].id = g->m[i].id;
		grp[n].weight = (uint8_t)((w - 1) & 0xff);
		grp[n].weight_high = (uint8_t)((w - 1) >> 8);
		n++;
	}
	if (!n)
		return -EINVAL;
	msg = fnh_nh_msg(RTM_NEWNEXTHOP,
			 NLM_F_REPLACE | (create ? NLM_F_CREATE : 0),
			 AF_UNSPEC, g->id);
	if (!msg)
		return -ENOMEM;
	/* Every replace of a resilient group must say so again. */
	if (nla_put(msg, NHA_GROUP, n * sizeof(grp[0]), grp) ||
	    nla_put_u16(msg, NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES))
		goto nomem;
	res = nla_nest_start(msg, NHA_RES_GROUP | NLA_F_NESTED);
	if (!res ||
	    nla_put_u16(msg, NHA_RES_GROUP_BUCKETS, g->buckets) ||
	    nla_put_u32(msg, NHA_RES_GROUP_IDLE_TIMER, g->idle_timer_ms / 10) ||
	    nla_put_u32(msg, NHA_RES_GROUP_UNBALANCED_TIMER,
			g->unbalanced_timer_ms / 10))
		goto nomem;
	nla_nest_end(msg, res);
	t0 = fnh_now();
	ret = fnh_talk(c, msg);
	if (ret) {
		c->st.errors++;
		return ret;
	}
	c->st.last_replace_ns = fnh_now() - t0;
	c->st.replaces++;
	return 0;
nomem:
	nlmsg_free(msg);
	return -ENOMEM;
}

static int fnh_route_set(struct fnh_ctx *c, const struct fnh_route *r,
			 uint32_t nhid)
{
	struct rtmsg rtm = {
		.rtm_family = r->family,
		.rtm_dst_len = r->plen,
		.rtm_table = r->table && r->table < 256 ? r->table : RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_STATIC,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	struct nl_msg *msg;
	int ret;

	msg = nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK |
				 NLM_F_REPLACE | NLM_F_CREATE);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) ||
	    nla_put(msg, RTA_DST, r->family == AF_INET ? 4 : 16, &r->dst) ||
	    nla_put_u32(msg, RTA_NH_ID, nhid) ||
	    (r->table >= 256 && nla_put_u32(msg, RTA_TABLE, r->table))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = fnh_talk(c, msg);
	if (ret)
		c->st.errors++;
	else
		c->st.routes_created++;
	return ret;
}

int fnh_apply(struct fnh_ctx *c, const struct fnh_group *g, uint32_t mask,
	      bool reconcile)
{
	struct fnh_state st;
	uint32_t i, inst = 0, all;
	int ret, ex;

	all = g->n_members >= 32 ? ~0U : (1U << g->n_members) - 1;
	mask &= all;
	if (!mask || !g->buckets)
		return -EINVAL;
	/*
	 * Fast path: one replace, when the group and every wanted member
	 * still exist. Never creates: a group the kernel deleted (its last
	 * member lost carrier) took its routes along, and only the slow
	 * path below puts them back.
	 */
	if (!reconcile && !fnh_group_send(c, g, mask, false))
		return (int)mask;

	ret = fnh_group_read(c, g->id, &st);
	if (ret)
		return ret;
	if (st.exists && (!st.resilient || st.buckets != g->buckets)) {
		if (!reconcile)
			return -EEXIST;
		ret = fnh_nh_del(c, g->id);
		if (ret)
			return ret;
		st.exists = false;
	}
	for (i = 0; i < g->n_members; i++) {
		if (!(mask & (1U << i)))
			continue;
		ex = reconcile ? 0 : fnh_nh_exists(c, g->m[i].id);
		if (ex < 0)
			return ex;
		/* Re-create what the kernel deleted (carrier loss). */
		if (!ex && fnh_nh_set(c, &g->m[i]))
			continue;
		inst |= 1U << i;
	}
	if (!inst) {
		if (!c->err)
			c->err = ENETDOWN;
		return -ENETDOWN;
	}
	ret = fnh_group_send(c, g, inst, true);
	if (ret)
		return ret;
	if (!st.exists || reconcile) {
		for (i = 0; i < g->n_routes; i++) {
			ret = fnh_route_set(c, &g->r[i], g->id);
			if (ret)
				return ret;
		}
	}
	return (int)inst;
}

/*
 * A path's neighbour entry when its carrier returns. The kernel flushes a
 * device's neighbours on carrier loss; anything sent towards the peer
 * before we stopped (probes, traffic) creates a new entry that stays
 * INCOMPLETE and retries only every retrans_time (1 s), so after the
 * carrier returns every packet to the peer would wait behind that timer.
 * Deleting an INCOMPLETE or FAILED entry makes the next packet resolve at
 * once. Other entries (REACHABLE, STALE, PERMANENT, ...) are left alone.
 * Uses a socket of the calling thread's network namespace.
 */
struct fnh_neigh_req {
	struct nlmsghdr	nh;
	struct ndmsg	nd;
	struct rtattr	rta;
	__u8		addr[16];
};

static int fnh_neigh_req(int fd, struct fnh_neigh_req *r, int type,
			 int flags, char *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e;
	ssize_t n;

	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nh.nlmsg_seq++;
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	n = recv(fd, buf, len, 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, (size_t)n))
		return -EPROTO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		e = NLMSG_DATA(nh);
		return e->error;
	}
	return nh->nlmsg_type == RTM_NEWNEIGH ? 0 : -EPROTO;
}

/* A route socket and a request for addr's neighbour entry on ifindex. */
static int fnh_neigh_open(int ifindex, int family, const void *addr,
			  struct fnh_neigh_req *r)
{
	size_t alen = family == AF_INET ? 4 : 16;
	int fd;

	if (ifindex <= 0 || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(sizeof(r->nd)) + RTA_LENGTH(alen);
	r->nd.ndm_family = family;
	r->nd.ndm_ifindex = ifindex;
	r->rta.rta_type = NDA_DST;
	r->rta.rta_len = RTA_LENGTH(alen);
	memcpy(r->addr, addr, alen);
	return fd;
}

int fnh_neigh_unstick(int ifindex, int family, const void *addr)
{
	struct fnh_neigh_req r;
	char buf[1024];
	struct ndmsg *nd;
	int fd, err;

	fd = fnh_neigh_open(ifindex, family, addr, &r);
	if (fd < 0)
		return fd;
	err = fnh_neigh_req(fd, &r, RTM_GETNEIGH, 0, buf, sizeof(buf));
	if (err) {
		close(fd);
		return err == -ENOENT ? 0 : err;
	}
	nd = NLMSG_DATA((struct nlmsghdr *)buf);
	if (!(nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED))) {
		close(fd);
		return 0;
	}
	err = fnh_neigh_req(fd, &r, RTM_DELNEIGH, NLM_F_ACK, buf, sizeof(buf));
	close(fd);
	return err == -ENOENT ? 0 : err ? err : 1;
}

/*
 * Before a member returns: 1 when addr's neighbour entry on ifindex is
 * usable (REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP), else 0 after
 * asking the kernel to resolve it (RTM_NEWNEIGH with NTF_USE: the same as
 * a packet sent there, without the packet), or -errno.
 */
int fnh_neigh_resolve(int ifindex, int family, const void *addr)
{
	struct fnh_neigh_req r;
	char buf[1024];
	struct ndmsg *nd;
	int fd, err;

	fd = fnh_neigh_open(ifindex, family, addr, &r);
	if (fd < 0)
		return fd;
	err = fnh_neigh_req(fd, &r, RTM_GETNEIGH, 0, buf, sizeof(buf));
	if (!err) {
		nd = NLMSG_DATA((struct nlmsghdr *)buf);
		if (nd->ndm_state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE |
				      NUD_PROBE | NUD_STALE | NUD_DELAY)) {
			close(fd);
			return 1;
		}
		/* resolving already: don't restart it */
		if (nd->ndm_state & NUD_INCOMPLETE) {
			close(fd);
			return 0;
		}
	} else if (err != -ENOENT) {
		close(fd);
		return err;
	}
	r.nd.ndm_family = family;
	r.nd.ndm_ifindex = ifindex;
	r.nd.ndm_state = NUD_NONE;
	r.nd.ndm_flags = NTF_USE;
	err = fnh_neigh_req(fd, &r, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE |
			    NLM_F_ACK, buf, sizeof(buf));
	close(fd);
	return err ? err : 0;
}
