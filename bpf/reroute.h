/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Data-path reroute (common/fabric_reroute.h, Documentation/failover.md
 * "Reaction in the data path"): the shared map, the match of a packet to
 * a down member, the choice of its survivor and, for switch nodes, the
 * XDP forwarding step. Included by fabric.bpf.c (XDP, which defines and
 * pins the map) and by reroute.bpf.c (tc egress, which reuses the pin).
 *
 * Nothing here runs unless a member is declared down: the guard is one
 * inlined array lookup and the test of two words.
 */
#ifndef FABRIC_REROUTE_BPF_H
#define FABRIC_REROUTE_BPF_H

#include "fabric_abi.h"
#include "fabric_reroute.h"

#define RR_ETH_HLEN		14
#define RR_ETH_P_IP		0x0800
#define RR_ETH_P_IPV6		0x86dd
#define RR_IPPROTO_TCP		6
#define RR_IPPROTO_UDP		17
#define RR_AF_INET		2	/* the kernel's AF_*, for bpf_fib_lookup */
#define RR_AF_INET6		10

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_rr);
} fabric_reroute SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_rr_stats);
} fabric_rr_stats SEC(".maps");

/* What the reroute needs to know about one packet. */
struct rr_pkt {
	__u8	src[16];	/* first: word-aligned on the stack */
	__u8	dst[16];
	__be16	sport, dport;
	__u16	tot_len;
	__u8	family;		/* FABRIC_AF_INET / FABRIC_AF_INET6 */
	__u8	proto;
	__u8	tos;
	__u8	ttl;
};

/* Where a down member's packet goes instead. */
struct rr_target {
	struct fabric_rr_member *mb;	/* the down member */
	__u8	gw[16];			/* survivor's gateway */
	__u32	ifindex;		/* survivor's device */
	__u8	family;			/* survivor's gateway family, 0 none */
	__u8	dmac[6], smac[6];	/* XDP fallback L2, zero if unknown */
};

/* The guard: the map's value when some member is down, else NULL. */
static __always_inline struct fabric_rr *rr_active(void)
{
	struct fabric_rr *rr;
	__u32 zero = 0;

	rr = bpf_map_lookup_elem(&fabric_reroute, &zero);
	if (!rr || !(rr->down[0] | rr->down[1]))
		return NULL;
	return rr;
}

static __always_inline struct fabric_rr_stats *rr_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fabric_rr_stats, &zero);
}

#define rr_count(field)						\
	do {							\
		struct fabric_rr_stats *st_ = rr_stats();	\
		if (st_)					\
			st_->field++;				\
	} while (0)

static __always_inline int rr_addr_eq(const __u8 *a, const __u8 *b, __u8 family)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	if (family == FABRIC_AF_INET)
		return x[0] == y[0];
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* dst within the group's route r? (addresses in network order) */
static __always_inline int rr_route_has(const struct fabric_rr_route *r,
					const struct rr_pkt *p)
{
	const __u32 *a = (const __u32 *)r->addr, *d = (const __u32 *)p->dst;
	__u32 plen = r->plen, i, bits, mask;

	if (r->family != p->family)
		return 0;
	for (i = 0; i < 4; i++) {
		if (p->family == FABRIC_AF_INET && i)
			break;
		bits = plen > 32 * i ? plen - 32 * i : 0;
		if (!bits)
			break;
		mask = bits >= 32 ? ~0U : bpf_htonl(~0U << (32 - bits));
		if ((a[i] ^ d[i]) & mask)
			return 0;
	}
	return 1;
}

static __noinline int rr_group_routes(const struct fabric_rr_group *grp,
				      const struct rr_pkt *p)
{
	__u32 i, n = grp->n_routes;

	for (i = 0; i < FABRIC_RR_MAX_ROUTES; i++) {
		if (i >= n)
			break;
		if (rr_route_has(&grp->route[i], p))
			return 1;
	}
	return 0;
}

static __always_inline int rr_is_down(const struct fabric_rr_member *mb)
{
	return !!(*(volatile const __u64 *)&mb->verdict & FABRIC_RR_V_DOWN);
}

/*
 * The survivor of down member m of grp: its precomputed backup if that is
 * up, else the first member that is up.
 */
static __noinline int rr_survivor(struct fabric_rr_group *grp, __u32 m,
				  struct rr_target *t)
{
	struct fabric_rr_member *mb = &grp->m[m & (FABRIC_RR_MAX_MEMBERS - 1)];
	struct fabric_rr_member *s;
	__u32 b = mb->backup, i, n = grp->n_members;

	if (b < FABRIC_RR_MAX_MEMBERS && b < n) {
		s = &grp->m[b & (FABRIC_RR_MAX_MEMBERS - 1)];
		if (!rr_is_down(s)) {
			t->ifindex = mb->backup_ifindex;
			t->family = mb->backup_family;
			__builtin_memcpy(t->gw, mb->backup_gw, 16);
			__builtin_memcpy(t->dmac, mb->backup_dmac, 6);
			__builtin_memcpy(t->smac, mb->backup_smac, 6);
			return 1;
		}
	}
	for (i = 0; i < FABRIC_RR_MAX_MEMBERS; i++) {
		if (i >= n)
			break;
		s = &grp->m[i];
		if (i == m || rr_is_down(s) || !s->ifindex)
			continue;
		t->ifindex = s->ifindex;
		t->family = s->family;
		__builtin_memcpy(t->gw, s->gw, 16);
		__builtin_memset(t->dmac, 0, 6);
		__builtin_memset(t->smac, 0, 6);
		return 1;
	}
	return 0;
}

/* Index of the lowest set bit of x != 0 (clang has no BPF ctz). */
static __always_inline __u32 rr_ctz64(__u64 x)
{
	x = (x & -x) - 1;
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (__u32)((x * 0x0101010101010101ULL) >> 56);
}

/* Down members sharing one port that the data path looks at. */
#define RR_MAX_CANDIDATES	4

/* Member slot of rr: is it p's member, leaving through gw (if given)? */
static __noinline int rr_candidate(struct fabric_rr *rr, __u32 slot,
				   const struct rr_pkt *p, const __u8 *gw,
				   struct rr_target *t)
{
	__u32 g = (slot / FABRIC_RR_MAX_MEMBERS) & (FABRIC_RR_MAX_GROUPS - 1);
	__u32 m = slot & (FABRIC_RR_MAX_MEMBERS - 1);
	struct fabric_rr_group *grp = &rr->grp[g];
	struct fabric_rr_member *mb = &grp->m[m];

	if (!(grp->flags & FABRIC_RR_G_VALID) || !rr_is_down(mb))
		return 0;
	if (gw && (mb->family != p->family || !rr_addr_eq(mb->gw, gw, p->family)))
		return 0;
	if (!rr_group_routes(grp, p))
		return 0;
	t->mb = mb;
	if (rr_survivor(grp, m, t))
		return 1;
	__sync_fetch_and_add(&mb->redirect_errors, 1);
	rr_count(no_survivor);
	return -1;
}

/*
 * Is this packet, leaving on ifindex (through gateway gw when gw is not
 * NULL), a flow of a member that is down? Then fill t with its survivor.
 * Returns 1 to redirect, 0 to leave the packet alone.
 */
static __always_inline int rr_lookup(struct fabric_rr *rr, const struct rr_pkt *p,
				     __u32 ifindex, const __u8 *gw,
				     struct rr_target *t)
{
	__u64 c0, c1, bit;
	__u32 i, slot;
	int ret;

	if (ifindex >= FABRIC_RR_PORTS)
		return 0;
	c0 = rr->port[ifindex][0] & rr->down[0];
	c1 = rr->port[ifindex][1] & rr->down[1];
	for (i = 0; i < RR_MAX_CANDIDATES; i++) {
		if (c0) {
			bit = c0 & -c0;
			c0 &= ~bit;
			slot = rr_ctz64(bit);
		} else if (c1) {
			bit = c1 & -c1;
			c1 &= ~bit;
			slot = 64 + rr_ctz64(bit);
		} else {
			break;
		}
		ret = rr_candidate(rr, slot, p, gw, t);
		if (ret)
			return ret > 0;
	}
	return 0;
}

/* A packet is about to leave on the survivor: count, and stamp the first
 * one after each verdict (reroute_us = first_tx - verdict). */
static __always_inline void rr_moved(struct fabric_rr_member *mb)
{
	__u64 v = *(volatile __u64 *)&mb->verdict, f = mb->first_tx, stamp;
	__u32 gen = fabric_rr_gen(v);

	if (!(f & FABRIC_RR_F_VALID) || fabric_rr_gen(f) != gen) {
		stamp = FABRIC_RR_F_VALID | ((__u64)gen << FABRIC_RR_V_GEN_SHIFT) |
			(bpf_ktime_get_ns() & FABRIC_RR_V_TIME_MASK);
		__sync_val_compare_and_swap(&mb->first_tx, f, stamp);
	}
	__sync_fetch_and_add(&mb->redirected, 1);
	rr_count(redirected);
}

/* IPv4/IPv6 header at l3 (bounds already checked for the fixed part). */
static __always_inline void rr_pkt_v4(struct rr_pkt *p, const struct iphdr *ip)
{
	p->family = FABRIC_AF_INET;
	p->proto = ip->protocol;
	p->tos = ip->tos;
	p->ttl = ip->ttl;
	p->tot_len = bpf_ntohs(ip->tot_len);
	__builtin_memset(p->src, 0, 16);
	__builtin_memset(p->dst, 0, 16);
	__builtin_memcpy(p->src, &ip->saddr, 4);
	__builtin_memcpy(p->dst, &ip->daddr, 4);
}

static __always_inline void rr_pkt_v6(struct rr_pkt *p, const struct ipv6hdr *ip6)
{
	p->family = FABRIC_AF_INET6;
	p->proto = ip6->nexthdr;
	p->tos = 0;
	p->ttl = ip6->hop_limit;
	p->tot_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);
}

/*
 * XDP (switch nodes): a forwarded packet whose route selects a down
 * member goes to the survivor, rewritten as the kernel's forwarding would
 * (TTL/hop limit, L2). Every other packet goes on as XDP_PASS.
 */
static __noinline int rr_xdp_slow(struct xdp_md *ctx, struct fabric_rr *rr)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct rr_target t = {};
	struct rr_pkt p = {};
	struct ethhdr *eth = data;
	struct iphdr *ip = NULL;
	struct ipv6hdr *ip6 = NULL;
	__u16 *ports;
	void *l4;
	__u32 csum;
	int rc;

	rr_count(checked);
	if ((void *)(eth + 1) > data_end)
		goto malformed;
	if (eth->h_proto == bpf_htons(RR_ETH_P_IP)) {
		ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			goto malformed;
		rr_pkt_v4(&p, ip);
		l4 = (void *)ip + ip->ihl * 4;
		/* a non-first fragment carries no ports: hash without */
		if (ip->frag_off & bpf_htons(0x1fff))
			l4 = NULL;
	} else if (eth->h_proto == bpf_htons(RR_ETH_P_IPV6)) {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			goto malformed;
		rr_pkt_v6(&p, ip6);
		l4 = ip6 + 1;
	} else {
		goto pass;
	}
	if (l4 && (p.proto == RR_IPPROTO_UDP || p.proto == RR_IPPROTO_TCP)) {
		ports = l4;
		if ((void *)(ports + 2) > data_end)
			goto malformed;
		p.sport = ports[0];
		p.dport = ports[1];
	}

	fib.family = p.family == FABRIC_AF_INET ? RR_AF_INET : RR_AF_INET6;
	fib.l4_protocol = p.proto;
	fib.sport = p.sport;
	fib.dport = p.dport;
	fib.tot_len = p.tot_len;
	fib.ifindex = ctx->ingress_ifindex;
	if (p.family == FABRIC_AF_INET) {
		fib.tos = p.tos;
		__builtin_memcpy(&fib.ipv4_src, p.src, 4);
		__builtin_memcpy(&fib.ipv4_dst, p.dst, 4);
	} else {
		__builtin_memcpy(fib.ipv6_src, p.src, 16);
		__builtin_memcpy(fib.ipv6_dst, p.dst, 16);
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	/* The down member's neighbour may be unresolved by now: its
	 * ifindex and gateway are filled in all the same. */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
		if (rc != BPF_FIB_LKUP_RET_NOT_FWDED)
			rr_count(fib_errors);
		goto pass;
	}
	if (!rr_lookup(rr, &p, fib.ifindex,
		       p.family == FABRIC_AF_INET ? (const __u8 *)&fib.ipv4_dst :
						    (const __u8 *)fib.ipv6_dst,
		       &t))
		goto pass;

	/* The survivor's L2: the kernel's neighbour entry, else the copy. */
	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = p.family == FABRIC_AF_INET ? RR_AF_INET : RR_AF_INET6;
	fib.ifindex = t.ifindex;
	fib.tot_len = p.tot_len;
	if (p.family == FABRIC_AF_INET) {
		__builtin_memcpy(&fib.ipv4_src, p.src, 4);
		__builtin_memcpy(&fib.ipv4_dst, t.family ? t.gw : p.dst, 4);
	} else {
		__builtin_memcpy(fib.ipv6_src, p.src, 16);
		__builtin_memcpy(fib.ipv6_dst, t.family ? t.gw : p.dst, 16);
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib),
			    BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && fib.ifindex == t.ifindex) {
		__builtin_memcpy(t.dmac, fib.dmac, 6);
		__builtin_memcpy(t.smac, fib.smac, 6);
	} else if (!(t.dmac[0] | t.dmac[1] | t.dmac[2] | t.dmac[3] |
		     t.dmac[4] | t.dmac[5])) {
		__sync_fetch_and_add(&t.mb->redirect_errors, 1);
		rr_count(no_neigh);
		goto pass;
	}
	if (p.ttl <= 1) {
		rr_count(ttl_exceeded);
		goto pass;
	}
	/* The verifier does not keep ip/ip6 apart across the lookups. */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if (p.family == FABRIC_AF_INET) {
		ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end)
			goto malformed;
		csum = ip->check;
		csum += bpf_htons(0x0100);
		ip->check = (__u16)(csum + (csum >= 0xffff));
		ip->ttl--;
	} else {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			goto malformed;
		ip6->hop_limit--;
	}
	__builtin_memcpy(eth->h_dest, t.dmac, 6);
	__builtin_memcpy(eth->h_source, t.smac, 6);
	rr_moved(t.mb);
	return bpf_redirect(t.ifindex, 0);
malformed:
	rr_count(malformed);
	return XDP_PASS;
pass:
	rr_count(passed);
	return XDP_PASS;
}

/* fabric_xdp_rx's last step: XDP_PASS, or XDP_REDIRECT to a survivor. */
static __always_inline int reroute_xdp(struct xdp_md *ctx)
{
	struct fabric_rr *rr = rr_active();
	__u32 in = ctx->ingress_ifindex;

	if (!rr || in >= FABRIC_RR_PORTS ||
	    !(rr->xdp_port[(in / 64) & (FABRIC_RR_PORTS / 64 - 1)] & (1ULL << (in % 64))))
		return XDP_PASS;
	return rr_xdp_slow(ctx, rr);
}

#endif
