// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unstick a path's neighbour entry when its carrier returns. The kernel
 * flushes a device's neighbours on carrier loss; anything sent towards the
 * peer before we stopped (probes, traffic) creates a new entry that stays
 * INCOMPLETE and retries only every retrans_time (1 s). After the carrier
 * returns, every probe would wait behind that timer and count as a miss.
 * Deleting an INCOMPLETE or FAILED entry makes the next packet resolve at
 * once. Other entries (REACHABLE, STALE, PERMANENT, ...) are left alone.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "failover.h"

struct neigh_req {
	struct nlmsghdr	nh;
	struct ndmsg	nd;
	struct rtattr	rta;
	__u8		addr[16];
};

static int neigh_req(int fd, struct neigh_req *r, int type, int flags,
		     char *buf, size_t len)
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

/* 1: an INCOMPLETE/FAILED entry was deleted, 0: nothing to do, -errno. */
int fabricd_neigh_unstick(int ifindex, int family, const void *addr)
{
	struct neigh_req r = { 0 };
	char buf[1024];
	struct ndmsg *nd;
	int fd, err;
	size_t alen = family == AF_INET ? 4 : 16;

	if (ifindex <= 0 || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.nd)) + RTA_LENGTH(alen);
	r.nd.ndm_family = family;
	r.nd.ndm_ifindex = ifindex;
	r.rta.rta_type = NDA_DST;
	r.rta.rta_len = RTA_LENGTH(alen);
	memcpy(r.addr, addr, alen);
	err = neigh_req(fd, &r, RTM_GETNEIGH, 0, buf, sizeof(buf));
	if (err) {
		close(fd);
		return err == -ENOENT ? 0 : err;
	}
	nd = NLMSG_DATA((struct nlmsghdr *)buf);
	if (!(nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED))) {
		close(fd);
		return 0;
	}
	err = neigh_req(fd, &r, RTM_DELNEIGH, NLM_F_ACK, buf, sizeof(buf));
	close(fd);
	return err == -ENOENT ? 0 : err ? err : 1;
}
