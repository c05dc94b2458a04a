// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe reflector: XDP on a peer's port answers fabric echo probes by
 * swapping Ethernet, IP and UDP source and destination and sending the
 * frame back out of the same port (XDP_TX). Swapping keeps every checksum
 * valid, so nothing is recomputed. Everything else passes. Also carries a
 * plain XDP_PASS program for a veth end that must receive XDP_TX frames.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fabric_probe.h"

#define ETH_P_IP_	0x0800
#define ETH_P_IPV6_	0x86dd
#define IPPROTO_UDP_	17

const volatile __u16 probe_port = FABRIC_PROBE_PORT;

struct probe_stats {
	__u64 reflected;
	__u64 passed;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_stats);
} probe_stats SEC(".maps");

static __always_inline void swap_bytes(void *a, void *b, int n)
{
	__u8 *x = a, *y = b, t;
	int i;

	for (i = 0; i < n; i++) {
		t = x[i];
		x[i] = y[i];
		y[i] = t;
	}
}

/* UDP header at off: is it a probe? Returns the header or NULL. */
static __always_inline struct udphdr *probe_udp(void *data, void *end, __u32 off)
{
	struct udphdr *udp = data + off;
	struct fabric_probe_msg *m = (void *)(udp + 1);

	if ((void *)(m + 1) > end)
		return NULL;
	if (udp->dest != bpf_htons(probe_port) ||
	    m->magic != bpf_htonl(FABRIC_PROBE_MAGIC))
		return NULL;
	return udp;
}

SEC("xdp")
int fabric_probe_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct probe_stats *st;
	struct udphdr *udp;
	__u32 zero = 0;
	__u16 port;

	st = bpf_map_lookup_elem(&probe_stats, &zero);
	if ((void *)(eth + 1) > end)
		goto pass;
	if (eth->h_proto == bpf_htons(ETH_P_IP_)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl != 5 ||
		    ip->protocol != IPPROTO_UDP_ ||
		    (ip->frag_off & bpf_htons(0x3fff)))
			goto pass;
		udp = probe_udp(data, end, sizeof(*eth) + sizeof(*ip));
		if (!udp)
			goto pass;
		swap_bytes(&ip->saddr, &ip->daddr, 4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP_)
			goto pass;
		udp = probe_udp(data, end, sizeof(*eth) + sizeof(*ip6));
		if (!udp)
			goto pass;
		swap_bytes(&ip6->saddr, &ip6->daddr, 16);
	} else {
		goto pass;
	}
	swap_bytes(eth->h_dest, eth->h_source, 6);
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	if (st)
		st->reflected++;
	return XDP_TX;
pass:
	if (st)
		st->passed++;
	return XDP_PASS;
}

SEC("xdp")
int fabric_probe_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
