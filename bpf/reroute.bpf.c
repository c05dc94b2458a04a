// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Data-path reroute at tc egress (hosts, and any node whose forwarded
 * traffic leaves through a resilient group): a packet leaving on the
 * device of a member that is declared down, towards one of the group's
 * routes, is sent through the member's survivor with bpf_redirect_neigh;
 * everything else continues down the clsact chain. Attached as its own
 * cls_bpf filter right after fabric_tc_tx (which returns TC_ACT_UNSPEC).
 * The map comes from fabric.bpf.o's pin (bpf/reroute.h).
 * fabric_rr_xdp is the XDP step alone, for a switch port without
 * fabric_xdp_rx.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "reroute.h"

#define TC_ACT_UNSPEC_	(-1)

static __noinline int rr_tc_slow(struct __sk_buff *skb, struct fabric_rr *rr)
{
	struct bpf_redir_neigh nh = {};
	struct rr_target t = {};
	struct rr_pkt p = {};
	union {
		struct iphdr v4;
		struct ipv6hdr v6;
	} h;

	rr_count(checked);
	if (skb->protocol == bpf_htons(RR_ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, RR_ETH_HLEN, &h.v4, sizeof(h.v4)))
			goto malformed;
		rr_pkt_v4(&p, &h.v4);
	} else if (skb->protocol == bpf_htons(RR_ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, RR_ETH_HLEN, &h.v6, sizeof(h.v6)))
			goto malformed;
		rr_pkt_v6(&p, &h.v6);
	} else {
		goto pass;
	}
	if (!rr_lookup(rr, &p, skb->ifindex, NULL, &t))
		goto pass;
	rr_moved(t.mb);
	if (!t.family)
		return bpf_redirect_neigh(t.ifindex, NULL, 0, 0);
	if (t.family == FABRIC_AF_INET) {
		nh.nh_family = RR_AF_INET;
		__builtin_memcpy(&nh.ipv4_nh, t.gw, 4);
	} else {
		nh.nh_family = RR_AF_INET6;
		__builtin_memcpy(nh.ipv6_nh, t.gw, 16);
	}
	return bpf_redirect_neigh(t.ifindex, &nh, sizeof(nh), 0);
malformed:
	rr_count(malformed);
	return TC_ACT_UNSPEC_;
pass:
	rr_count(passed);
	return TC_ACT_UNSPEC_;
}

SEC("tc")
int fabric_rr_tc(struct __sk_buff *skb)
{
	struct fabric_rr *rr = rr_active();

	if (!rr)
		return TC_ACT_UNSPEC_;
	return rr_tc_slow(skb, rr);
}

/*
 * The same XDP step as fabric_xdp_rx's last one, for a switch node that
 * runs no telemetry on the port (and for BPF_PROG_TEST_RUN).
 */
SEC("xdp")
int fabric_rr_xdp(struct xdp_md *ctx)
{
	return reroute_xdp(ctx);
}

/*
 * tc ingress of a port whose XDP step reroutes: drop the frame's L4 hash
 * (a NIC's RSS hash, or a sending socket's over veth). With one, the
 * kernel's multipath choice is that hash, which XDP cannot see; without,
 * the kernel hashes the 5-tuple exactly as bpf_fib_lookup does, so the
 * XDP step moves the very flows the kernel puts on the down member and
 * no other.
 */
SEC("tc")
int fabric_rr_hash(struct __sk_buff *skb)
{
	bpf_set_hash_invalid(skb);
	return TC_ACT_UNSPEC_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
