// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/kmod-outage's spines, in the guest (which has no nftables): tc
 * ingress on a spine's port from leaf 1 sets the DSCP of every IPv4
 * packet to the spine's own (s1: 10, s2: 20), so the receiver knows which
 * spine each packet crossed, as lab.sh's spines do on the host; and, in
 * XDP on the same port, a switch that drops every frame (a blackhole of
 * data and probes that leaves the carrier alone) in front of the probe
 * reflector.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TOS_OFF	(ETH_HLEN + __builtin_offsetof(struct iphdr, tos))
#define CSUM_OFF (ETH_HLEN + __builtin_offsetof(struct iphdr, check))

static __always_inline int mark(struct __sk_buff *skb, __u8 dscp)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + ETH_HLEN;
	__u8 old, tos;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	old = ip->tos;
	tos = (dscp << 2) | (old & 3);
	if (tos == old)
		return TC_ACT_OK;
	/* tos is the second byte of the header's first 16-bit word */
	bpf_l3_csum_replace(skb, CSUM_OFF, bpf_htons(old), bpf_htons(tos), 2);
	bpf_skb_store_bytes(skb, TOS_OFF, &tos, 1, 0);
	return TC_ACT_OK;
}

SEC("tc")
int kbo_mark_s1(struct __sk_buff *skb)
{
	return mark(skb, 10);
}

SEC("tc")
int kbo_mark_s2(struct __sk_buff *skb)
{
	return mark(skb, 20);
}

/* Blackhole switch per receiving port (ifindex & 255), and the probe
 * reflector behind it. Flipping a map value, not swapping XDP programs:
 * a swap under traffic oopsed a 6.12 TCG guest in the XDP dispatcher. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
} kbo_blackhole SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} kbo_next SEC(".maps");

SEC("xdp")
int kbo_port(struct xdp_md *ctx)
{
	__u32 key = ctx->ingress_ifindex & 255;
	__u32 *on = bpf_map_lookup_elem(&kbo_blackhole, &key);

	if (on && *on)
		return XDP_DROP;
	bpf_tail_call(ctx, &kbo_next, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
