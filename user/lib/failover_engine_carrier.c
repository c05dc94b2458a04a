// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Failover engine verdict source: carrier, from rtnetlink link messages
 * (RTNLGRP_LINK), and read with SIOCGIFFLAGS at start and after an
 * overrun.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>

#include "failover_engine_int.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000
#endif

/*
 * Carrier is back: a neighbour entry of the gateway (or probe peer) left
 * INCOMPLETE/FAILED by sends into the dead link would hold every packet
 * to it for up to a second (fnh_neigh_unstick()). Clear it before the
 * path is probed or restored.
 */
static void ffe_neigh_unstick(struct ffe_grp *g, uint32_t p)
{
	const struct ffe_path_cfg *pc = &g->cfg.path[p];
	const void *peer = &pc->probe_cfg.peer;
	int fam = pc->probe_cfg.family ? pc->probe_cfg.family : pc->nh.family;

	if (fnh_neigh_unstick(pc->nh.ifindex, pc->nh.family, &pc->nh.gw) > 0)
		g->neigh_unstuck++;
	if (pc->probe && memcmp(peer, &pc->nh.gw, sizeof(pc->nh.gw)) &&
	    fnh_neigh_unstick(pc->nh.ifindex, fam, peer) > 0)
		g->neigh_unstuck++;
	/* resolve during the hold-down, not when flows return */
	fnh_neigh_resolve(pc->nh.ifindex, pc->nh.family, &pc->nh.gw);
}

static void ffe_carrier(struct ffe *e, uint32_t ifindex, bool up, uint64_t now)
{
	uint32_t i, p, mask;

	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		mask = 0;
		for (p = 0; p < g->cfg.n_paths; p++)
			if (g->cfg.path[p].nh.ifindex == ifindex &&
			    g->fo.path[p].carrier != up)
				mask |= 1U << p;
		if (!mask)
			continue;
		if (up) {
			for (p = 0; p < g->cfg.n_paths; p++) {
				if (!(mask & (1U << p)))
					continue;
				ffe_neigh_unstick(g, p);
				if (g->path_probe[p])
					fprobe_enable(g->probe,
						      g->path_probe[p] - 1, true);
			}
		}
		ffe_verdict(g, mask, up ? FABRIC_FO_SIG_CARRIER_UP :
					  FABRIC_FO_SIG_CARRIER_DOWN, now, 0);
	}
}

static bool ffe_if_carrier(struct ffe *e, const char *ifname)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(e->ioc, SIOCGIFFLAGS, &ifr))
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

/* After a netlink overrun (or at start): read every path's carrier. */
static void carrier_resync(struct ffe *e)
{
	uint64_t now = ffe_now();
	uint32_t i, p;

	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		for (p = 0; p < g->cfg.n_paths; p++)
			ffe_carrier(e, g->cfg.path[p].nh.ifindex,
				    ffe_if_carrier(e, g->cfg.path[p].ifname), now);
	}
}

static int ffe_link_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct ffe *e = arg;
	struct ifinfomsg *ifi;
	bool up;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return NL_SKIP;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return NL_SKIP;
	ifi = nlmsg_data(nlh);
	up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
	     (ifi->ifi_flags & IFF_LOWER_UP);
	ffe_carrier(e, ifi->ifi_index, up, ffe_now());
	return NL_OK;
}

static int carrier_open(struct ffe *e)
{
	e->ioc = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	e->mon = nl_socket_alloc();
	if (e->ioc < 0 || !e->mon)
		return -ENOMEM;
	nl_socket_disable_seq_check(e->mon);
	nl_socket_modify_cb(e->mon, NL_CB_VALID, NL_CB_CUSTOM, ffe_link_cb, e);
	if (nl_connect(e->mon, NETLINK_ROUTE) ||
	    nl_socket_add_membership(e->mon, RTNLGRP_LINK) ||
	    nl_socket_set_nonblocking(e->mon))
		return -EIO;
	nl_socket_set_buffer_size(e->mon, 1 << 20, 0);
	return 0;
}

static void carrier_close(struct ffe *e)
{
	if (e->mon)
		nl_socket_free(e->mon);
	e->mon = NULL;
	if (e->ioc >= 0)
		close(e->ioc);
	e->ioc = -1;
}

static int carrier_fds(const struct ffe *e, int *fds, int max)
{
	if (max < 1 || !e->mon)
		return 0;
	fds[0] = nl_socket_get_fd(e->mon);
	return 1;
}

static bool carrier_dispatch(struct ffe *e, int fd)
{
	int ret;

	if (!e->mon || fd != nl_socket_get_fd(e->mon))
		return false;
	ret = nl_recvmsgs_default(e->mon);
	if (ret == -NLE_NOMEM || ret == -NLE_MSG_OVERFLOW)
		ffe_resync(e);
	return true;
}

const struct ffe_source ffe_src_carrier = {
	.name		= "carrier",
	.open		= carrier_open,
	.close		= carrier_close,
	.resync		= carrier_resync,
	.fds		= carrier_fds,
	.dispatch	= carrier_dispatch,
};
