/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The UDP checksum field of an INT frame at XDP (Documentation/int.md,
 * "Checksums"). It holds one of three things:
 *  - 0: no checksum (IPv4 RoCE): left 0;
 *  - a full checksum: updated incrementally for every byte changed;
 *  - the folded sum of the pseudo-header alone, when the frame's checksum
 *    is still to be computed by a device (CHECKSUM_PARTIAL: veth hands
 *    such frames from a local sender to XDP unchanged). Then only a change
 *    of the pseudo-header (the UDP length) may change the field: the
 *    device sums the data itself.
 * XDP cannot see the skb's checksum state, so the field tells: a field
 * equal to the pseudo-header sum is taken as partial. A full checksum
 * that happens to be equal (about 1 in 65535 frames with a checksum) is
 * then treated as partial at every later node too, which keeps the INT
 * metadata and lengths right; only that frame's restored checksum may
 * differ from the original. RoCE frames carry a zero checksum and are
 * never affected.
 */
#ifndef FABRIC_INT_CSUM_H
#define FABRIC_INT_CSUM_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_int_xstats);
} fab_int_xstats SEC(".maps");

static __always_inline struct fabric_int_xstats *int_xstats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fab_int_xstats, &zero);
}

/*
 * The folded pseudo-header sum of the frame's UDP datagram, as a partial
 * checksum's field holds it, for UDP length @ulen (network order, as in
 * the header); 0 if the IP header is out of bounds. Memory order, like
 * int_fold().
 */
static __always_inline __u16 int_pseudo_csum(void *data, void *data_end,
					     __u32 v6, __u16 ulen)
{
	__u64 acc = (__u64)bpf_htons(IPPROTO_UDP_) + ulen;

	if (v6) {
		struct ipv6hdr *ip6 = data + ETH_HLEN_;
		__u32 *a = (void *)&ip6->saddr;
		int i;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
#pragma unroll
		for (i = 0; i < 8; i++)
			acc += a[i];
	} else {
		struct iphdr *ip = data + ETH_HLEN_;

		if ((void *)(ip + 1) > data_end)
			return 0;
		acc += (__u64)ip->saddr + ip->daddr;
	}
	return int_fold(acc);
}

/* 1 when the UDP checksum field @check is a partial checksum's (see above). */
static __always_inline int int_csum_partial(void *data, void *data_end,
					    __u32 v6, __u16 check, __u16 ulen)
{
	return check && check == int_pseudo_csum(data, data_end, v6, ulen);
}

#endif
