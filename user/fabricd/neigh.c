// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unstick a path's neighbour entry when its carrier returns: the module
 * executor's use of fnh_neigh_unstick() (user/lib/nexthop.c, which says
 * why); fabricd's own engine does the same in its carrier source.
 */
#include "failover.h"

/* 1: an INCOMPLETE/FAILED entry was deleted, 0: nothing to do, -errno. */
int fabricd_neigh_unstick(int ifindex, int family, const void *addr)
{
	return fnh_neigh_unstick(ifindex, family, addr);
}
