/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Data-path reroute: the map shared by the BPF programs (bpf/reroute*.h),
 * fabricd (user/lib/reroute.c) and fabric.ko. Documentation/reroute.md,
 * section "Reaction in the data path", explains the design.
 *
 * One BPF_MAP_TYPE_ARRAY "fabric_reroute" with a single element (key 0),
 * struct fabric_rr, BPF_F_MMAPABLE. It is defined by fabric.bpf.o and
 * pinned with its other maps (<pin dir>/fabric_reroute); reroute.bpf.o
 * reuses the pin. A module reaches the element through the map's
 * lookup op once and keeps the pointer while it holds a map reference:
 * array memory never moves.
 *
 * Who writes what:
 * - userspace (fabricd, reroute.c) mirrors the configuration: groups,
 *   members, precomputed backups, routes. It is the only one that clears
 *   a verdict (after the kernel's nexthop group agrees).
 * - any detector (fabricd's engine, a BPF bpf_timer, fabric.ko's hrtimer
 *   or carrier hook) declares a member down, with fabric_rr_declare_down()
 *   below and nothing else.
 * - the data path reads the configuration and the verdicts, and stamps
 *   first_tx and counts redirected packets.
 *
 * Times are CLOCK_MONOTONIC ns: bpf_ktime_get_ns(), ktime_get_ns() and
 * clock_gettime(CLOCK_MONOTONIC) read the same clock.
 */
#ifndef FABRIC_REROUTE_H
#define FABRIC_REROUTE_H

#include "fabric_types.h"

#define FABRIC_RR_MAP		"fabric_reroute"	/* map and pin name */
#define FABRIC_RR_MAX_GROUPS	8
#define FABRIC_RR_MAX_MEMBERS	16	/* == FABRIC_FO_MAX_PATHS */
#define FABRIC_RR_MAX_ROUTES	8
#define FABRIC_RR_SLOTS		(FABRIC_RR_MAX_GROUPS * FABRIC_RR_MAX_MEMBERS)
#define FABRIC_RR_NO_BACKUP	0xff
#define FABRIC_RR_PORTS		256	/* == FABRIC_PORT_SLOTS */

/*
 * The verdict word, one per member. 0 at start.
 *
 *   bit  63      FABRIC_RR_V_DOWN: the member is declared down
 *   bits 60..62  source of the latest down verdict (FABRIC_RR_SRC_*)
 *   bits 48..59  generation: +1 (mod 4096) with every down verdict
 *   bits  0..47  low 48 bits of the time of the latest down verdict
 *
 * A clear (userspace only) drops bit 63 and keeps the rest, so the time
 * and generation of the last verdict stay readable after the override is
 * gone. 48 bits of ns wrap after 78 hours: fabric_rr_time() rebuilds the
 * full time from a later "now", exact for verdicts less than 78 h old.
 */
#define FABRIC_RR_V_DOWN	(1ULL << 63)
#define FABRIC_RR_V_SRC_SHIFT	60
#define FABRIC_RR_V_SRC_MASK	0x7ULL
#define FABRIC_RR_V_GEN_SHIFT	48
#define FABRIC_RR_V_GEN_MASK	0xfffULL
#define FABRIC_RR_V_TIME_MASK	((1ULL << 48) - 1)

enum fabric_rr_source {
	FABRIC_RR_SRC_ENGINE	= 0,	/* fabricd's policy (userspace executor) */
	FABRIC_RR_SRC_BPF	= 1,	/* a bpf_timer probe verdict */
	FABRIC_RR_SRC_KMOD	= 2,	/* fabric.ko's hrtimer probe verdict */
	FABRIC_RR_SRC_CARRIER	= 3,	/* carrier loss seen in the kernel */
	FABRIC_RR_SRC_ADMIN	= 4,	/* fabricctl / tests */
	FABRIC_RR_SRC_MAX	= 8,
};

/* first_tx: the first packet the data path redirected for a verdict.
 *   bit 63 valid, bits 48..59 the verdict's generation, bits 0..47 time. */
#define FABRIC_RR_F_VALID	(1ULL << 63)

/* Group flags (fabric_rr_group.flags). */
#define FABRIC_RR_G_VALID	0x1	/* configuration complete: the data path
					 * and the detectors may use the group */

/* One route through the group: only traffic to these prefixes moves. */
struct fabric_rr_route {
	__u8	family;		/* FABRIC_AF_INET / FABRIC_AF_INET6 */
	__u8	plen;
	__u8	pad[2];
	__u8	addr[16];	/* network order; IPv4 in the first 4 bytes */
};

/*
 * One member (nexthop) of a resilient group, and its precomputed backup.
 * 128 bytes: the hot words (verdict, first_tx, redirected) share the
 * first line with the member's own identity.
 */
struct fabric_rr_member {
	__u64	verdict;	/* see FABRIC_RR_V_*; fabric_rr_declare_down() */
	__u64	first_tx;	/* see FABRIC_RR_F_VALID */
	__u64	redirected;	/* packets moved to a survivor (atomic add) */
	__u64	cleared_ns;	/* when userspace last withdrew the override */
	__u32	nh_id;		/* nexthop object id */
	__u32	ifindex;	/* device of the nexthop */
	__u8	family;		/* gateway family; 0: device route */
	__u8	backup;		/* member index of the survivor, or
				 * FABRIC_RR_NO_BACKUP */
	__u8	pad[2];
	__u32	backup_ifindex;	/* copy of the survivor's ifindex */
	__u8	gw[16];		/* gateway, network order */
	/* The survivor, copied so that the redirect reads one line. */
	__u8	backup_family;
	__u8	pad2[3];
	__u8	backup_gw[16];
	/* XDP fallback when the kernel has no neighbour entry for the
	 * survivor's gateway: its MAC and the survivor device's own MAC,
	 * as userspace last saw them (all zero: unknown, pass instead). */
	__u8	backup_dmac[6];
	__u8	backup_smac[6];
	__u8	pad3[24];
	__u64	redirect_errors; /* survivor unusable: packet passed as is */
};

struct fabric_rr_group {
	__u32	nhg_id;		/* the resilient group's nexthop id */
	__u8	flags;		/* FABRIC_RR_G_* */
	__u8	n_members;
	__u8	n_routes;
	__u8	pad;
	__u64	gen;		/* bumped by userspace on every rewrite */
	struct fabric_rr_route route[FABRIC_RR_MAX_ROUTES];
	struct fabric_rr_member m[FABRIC_RR_MAX_MEMBERS];
};

struct fabric_rr {
	/*
	 * The guard: bit s of down[s / 64] is set while slot s =
	 * group * FABRIC_RR_MAX_MEMBERS + member is declared down. The data
	 * path reads these two words and does nothing more when both are 0.
	 * The verdict word stays the authority: the data path checks it
	 * before moving a packet.
	 */
	__u64	down[FABRIC_RR_SLOTS / 64];
	__u32	n_groups;
	__u32	pad;
	__u64	declared;	/* down verdicts taken (any source) */
	__u64	cleared;	/* overrides withdrawn by userspace */
	__u64	pad2[3];
	struct fabric_rr_group grp[FABRIC_RR_MAX_GROUPS];
	/*
	 * Per device (ifindex < FABRIC_RR_PORTS): the slots of the members
	 * that use it, written by userspace with the members. The data path
	 * moves a packet leaving on port p only if (port[p] & down) is not
	 * empty; a member on a device with a larger ifindex is not mirrored.
	 */
	__u64	port[FABRIC_RR_PORTS][FABRIC_RR_SLOTS / 64];
	/*
	 * Ingress ports (bit = ifindex) where the XDP step may redirect:
	 * set by userspace once the port's L4 hash is dropped at tc ingress
	 * (fabric_rr_hash), without which the kernel's member choice is a
	 * hash XDP cannot see. Elsewhere the tc egress filter does the work.
	 */
	__u64	xdp_port[FABRIC_RR_PORTS / 64];
};

_Static_assert(sizeof(struct fabric_rr_member) == 128, "two lines per member");
_Static_assert(FABRIC_RR_SLOTS % 64 == 0, "guard words");

/* Per-CPU counters of the reroute programs (array fabric_rr_stats, 1). */
struct fabric_rr_stats {
	__u64	checked;	/* packets looked at while a member was down */
	__u64	redirected;	/* moved to a survivor */
	__u64	passed;		/* not a down member's packet: untouched */
	__u64	no_survivor;	/* every backup down too: passed */
	__u64	no_neigh;	/* XDP: survivor's L2 unknown: passed */
	__u64	fib_errors;	/* XDP: lookup failed: passed */
	__u64	malformed;	/* truncated IP header: passed */
	__u64	ttl_exceeded;	/* XDP: left to the stack (ICMP) */
};

static inline __u32 fabric_rr_slot(__u32 group, __u32 member)
{
	return group * FABRIC_RR_MAX_MEMBERS + member;
}

/* Full time of a verdict or first_tx word, from a later now. */
static inline __u64 fabric_rr_time(__u64 word, __u64 now)
{
	return now - ((now - word) & FABRIC_RR_V_TIME_MASK);
}

static inline __u32 fabric_rr_gen(__u64 word)
{
	return (__u32)((word >> FABRIC_RR_V_GEN_SHIFT) & FABRIC_RR_V_GEN_MASK);
}

/*
 * Declare member m of group g down at time now (CLOCK_MONOTONIC ns).
 *
 * This is THE operation every detector uses. It is one compare-and-swap
 * of the member's verdict word from "up" to "down, generation + 1,
 * source, now": exactly one caller wins a verdict and its time is the
 * verdict's time. The winner then sets the member's guard bit with an
 * atomic OR (publication only: the data path's guard is a filter, the
 * word is the truth) and counts it. A member already down, a group
 * without FABRIC_RR_G_VALID or indexes out of range change nothing.
 *
 * The reverse, clearing, is userspace's alone (reroute.c): CAS the word
 * from the down value it read to that value without FABRIC_RR_V_DOWN,
 * stamp cleared_ns, clear the guard bit (atomic AND), then read the word
 * again and set the bit back if a new verdict came in between.
 *
 * Returns 1 if this call declared the member down, 0 otherwise. Usable
 * from BPF (clang -mcpu=v3 atomics), fabric.ko (gcc __sync builtins are
 * the kernel's cmpxchg/lock or on x86-64; any context, no lock) and
 * userspace (on a mmap of the map).
 */
static inline int fabric_rr_declare_down(struct fabric_rr *rr, __u32 g,
					 __u32 m, __u64 now, __u32 source)
{
	struct fabric_rr_member *mb;
	__u64 old, new, gen;
	__u32 slot;

	if (g >= FABRIC_RR_MAX_GROUPS || m >= FABRIC_RR_MAX_MEMBERS)
		return 0;
	if (!(rr->grp[g].flags & FABRIC_RR_G_VALID) || m >= rr->grp[g].n_members)
		return 0;
	mb = &rr->grp[g].m[m];
	old = *(volatile __u64 *)&mb->verdict;
	if (old & FABRIC_RR_V_DOWN)
		return 0;
	gen = (fabric_rr_gen(old) + 1) & FABRIC_RR_V_GEN_MASK;
	new = FABRIC_RR_V_DOWN |
	      ((__u64)(source & FABRIC_RR_V_SRC_MASK) << FABRIC_RR_V_SRC_SHIFT) |
	      (gen << FABRIC_RR_V_GEN_SHIFT) | (now & FABRIC_RR_V_TIME_MASK);
	if (__sync_val_compare_and_swap(&mb->verdict, old, new) != old)
		return 0;
	slot = fabric_rr_slot(g, m);
	__sync_fetch_and_or(&rr->down[(slot / 64) % (FABRIC_RR_SLOTS / 64)],
			     1ULL << (slot % 64));
	__sync_fetch_and_add(&rr->declared, 1);
	return 1;
}

#endif
