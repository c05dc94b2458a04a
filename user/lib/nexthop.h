/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Nexthop executor: installs, reads and replaces resilient nexthop groups
 * over rtnetlink (libnl-3 messages). One context per network namespace:
 * the socket is bound to the namespace current at fnh_open().
 *
 * A group config lists its members (one nexthop object each, the "paths")
 * and the prefixes routed through it. The configuration is the source of
 * truth: the kernel deletes a member's nexthop object when its device
 * loses carrier, and deletes the group (and its routes) when its last
 * member goes, so fnh_apply() re-creates whatever is missing.
 */
#ifndef FABRIC_NEXTHOP_H
#define FABRIC_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define FNH_MAX_MEMBERS		16
#define FNH_MAX_ROUTES		8

union fnh_addr {
	struct in_addr v4;
	struct in6_addr v6;
};

struct fnh_member {
	uint32_t id;		/* nexthop object id */
	uint32_t ifindex;	/* device */
	int family;		/* AF_INET or AF_INET6 (gateway family) */
	union fnh_addr gw;
	uint16_t weight;	/* 1..256; 0 means 1 */
};

struct fnh_route {
	int family;
	union fnh_addr dst;
	uint8_t plen;
	uint32_t table;		/* 0 = main */
};

struct fnh_group {
	uint32_t id;
	uint16_t buckets;		/* resilient bucket count */
	uint32_t idle_timer_ms;		/* kernel granularity: 10 ms */
	uint32_t unbalanced_timer_ms;	/* 0 = never force busy buckets */
	uint32_t n_members;
	struct fnh_member m[FNH_MAX_MEMBERS];
	uint32_t n_routes;
	struct fnh_route r[FNH_MAX_ROUTES];
};

/* What the kernel has for one group. */
struct fnh_state {
	bool exists;
	bool resilient;
	uint16_t buckets;
	uint32_t n;
	uint32_t ids[FNH_MAX_MEMBERS];
};

struct fnh_stats {
	uint64_t replaces;	/* group replace/create messages acked */
	uint64_t nh_created;	/* member nexthops (re-)created */
	uint64_t routes_created;
	uint64_t errors;
	uint64_t last_replace_ns;	/* round trip of the last replace */
};

struct fnh_ctx;

struct fnh_ctx *fnh_open(void);
void fnh_close(struct fnh_ctx *c);
/* Kernel's extended-ack text (or strerror) for the last failure. */
const char *fnh_error(const struct fnh_ctx *c);
const struct fnh_stats *fnh_stats(const struct fnh_ctx *c);

/* 1 exists, 0 absent, <0 error. */
int fnh_nh_exists(struct fnh_ctx *c, uint32_t id);
/* Create or update a single nexthop (REPLACE|CREATE). */
int fnh_nh_set(struct fnh_ctx *c, const struct fnh_member *m);
int fnh_nh_del(struct fnh_ctx *c, uint32_t id);
int fnh_group_read(struct fnh_ctx *c, uint32_t id, struct fnh_state *st);

/*
 * Make the kernel match: group g with exactly the members in mask (bit i
 * = g->m[i]), re-creating member nexthops that are absent, then the
 * group (REPLACE, or CREATE when absent; always NHA_GROUP_TYPE=RES), then
 * the routes. A wanted member that cannot be created (its device is down
 * or has no carrier) is left out, unless that would leave the group
 * empty. Returns the installed mask (> 0), or a negative errno with
 * nothing changed in the group: -ENETDOWN when no wanted member could be
 * installed. A group that differs in type or bucket count is deleted and
 * re-created (only at install time: fnh_apply() with reconcile set).
 */
int fnh_apply(struct fnh_ctx *c, const struct fnh_group *g, uint32_t mask,
	      bool reconcile);

/*
 * Delete the neighbour entry of addr on ifindex if it is INCOMPLETE or
 * FAILED (left from sends into a dead link), so that the next packet
 * resolves at once: 1 deleted, 0 nothing to do, -errno.
 */
int fnh_neigh_unstick(int ifindex, int family, const void *addr);
/*
 * 1 when the neighbour entry of addr on ifindex is usable, else 0 after
 * starting its resolution (as a packet sent there would), or -errno.
 */
int fnh_neigh_resolve(int ifindex, int family, const void *addr);

#endif
