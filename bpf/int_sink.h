/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * INT sink at XDP (Documentation/int.md, "Sink"): record the stack in the
 * per-hop and per-path histograms, then take out every byte the source and
 * the transit hops added and restore the UDP port, the lengths and both
 * checksums exactly. A frame with the D bit (a probe) is dropped instead.
 */
#ifndef FABRIC_INT_SINK_H
#define FABRIC_INT_SINK_H

/* Global, like the other INT functions: verified once, on its own. */
__noinline int int_hist_add(struct fabric_int_hist *h, __u64 ns)
{
	__u32 b = fabric_int_bucket(ns);

	if (!h)
		return 0;

	h->count++;
	h->sum_ns += ns;
	if (b < FABRIC_INT_HIST_BUCKETS)
		h->bucket[b]++;
	return 0;
}

static __always_inline void int_hop_record(struct fabric_int_stats *st,
					   __u32 node, __u32 ns)
{
	struct fabric_int_hist *h;

	if (node >= FABRIC_INT_MAX_NODES) {
		st->sink_node_range++;
		return;
	}
	h = bpf_map_lookup_elem(&fab_int_hops, &node);
	if (h)
		int_hist_add(h, ns);
	int_node_mark(node);
}

static __always_inline void int_path_record(struct fabric_int_stats *st,
					    struct fabric_int_path_key *key,
					    __u64 ns, int have_lat, __u8 flags)
{
	struct fabric_int_path *pv;
	__u32 zero = 0;

	pv = bpf_map_lookup_elem(&fab_int_paths, key);
	if (!pv) {
		bpf_map_update_elem(&fab_int_paths, key,
				    (void *)&int_path_zero, BPF_NOEXIST);
		pv = bpf_map_lookup_elem(&fab_int_paths, key);
		if (!pv) {
			st->sink_path_overflow++;
			pv = bpf_map_lookup_elem(&fab_int_other, &zero);
			if (!pv)
				return;
		}
	}
	if (have_lat)
		int_hist_add(&pv->latency, ns);
	if (flags & FABRIC_INT_FLAG_E)
		pv->e_bit++;
	if (flags & FABRIC_INT_FLAG_M)
		pv->m_bit++;
	pv->last_seen_ns = fabric_now();
}

/* Read the stack (newest hop first) into the histograms. */
__noinline int int_sink_record(struct xdp_md *ctx, struct int_frame *f,
			       struct fabric_int_stats *st)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fabric_int_path_key key = {};
	__u32 hop_bytes, lat_off, i, node, lat;
	int have_lat;
	__u64 path_ns = 0;
	__u8 *stack;

	if (!f || !st)
		return -1;
	hop_bytes = f->hop_words * 4;
	have_lat = f->instr & FABRIC_INT_I_HOP_LATENCY;
	lat_off = fabric_int_hop_off(f->instr, FABRIC_INT_I_HOP_LATENCY) & 0x1f;
	stack = data + (f->v6 ? INT_L4_V6 : INT_L4_V4) + 8 + 16;
	key.hops = f->hops;
	for (i = 0; i < FABRIC_INT_MAX_HOPS; i++) {
		__u8 *h;

		if (i >= f->hops)
			break;
		h = stack + ((i * hop_bytes) & 0xff);
		node = FABRIC_INT_INVALID32;
		if (f->instr & FABRIC_INT_I_NODE_ID) {
			if ((void *)(h + 4) > data_end)
				return -1;
			node = bpf_ntohl(*(__be32 *)h);
		}
		key.node[(f->hops - 1 - i) & (FABRIC_INT_MAX_HOPS - 1)] = node;
		if (have_lat) {
			h += lat_off;
			if ((void *)(h + 4) > data_end)
				return -1;
			lat = bpf_ntohl(*(__be32 *)h);
			path_ns += lat;
			int_hop_record(st, node, lat);
		}
	}
	int_path_record(st, &key, path_ns, have_lat, f->flags);
	return 0;
}

/* Copy @len bytes from @src up to @dst > @src, last byte first. */
#define INT_MOVE_UP(dst, src, len)					\
	do {								\
		int _k;							\
		_Pragma("unroll")					\
		for (_k = (len) - 8; _k >= 0; _k -= 8)			\
			*(__u64 *)((dst) + _k) = *(__u64 *)((src) + _k); \
		_Pragma("unroll")					\
		for (_k = (len) % 8 - 2; _k >= 0; _k -= 2)		\
			*(__u16 *)((dst) + _k) = *(__u16 *)((src) + _k); \
	} while (0)

/*
 * Undo the source and the transits: port, lengths, checksums in place,
 * then slide the headers over the INT block and drop it from the head.
 */
__noinline int int_sink_strip(struct xdp_md *ctx, struct int_frame *f)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u16 old_ulen, new_ulen;
	struct fabric_int_shim *shim;
	struct udphdr *udp;
	__u64 acc;
	void *dst;
	__u32 n;

	if (!f)
		return -1;
	n = (4 + 4 * f->words) & 0x1fc;
	if (n > FABRIC_INT_MAX_BYTES || n < 16)
		return -1;
	udp = data + (f->v6 ? INT_L4_V6 : INT_L4_V4);
	shim = (void *)(udp + 1);
	if ((void *)(shim + 1) > data_end)
		return -1;
	old_ulen = udp->len;
	new_ulen = bpf_htons(f->ulen - n);
	if (int_csum_partial(data, data_end, f->v6, udp->check, old_ulen)) {
		struct fabric_int_xstats *xs = int_xstats();

		/* only the length of the pseudo-header changes the field */
		udp->check = int_pseudo_csum(data, data_end, f->v6, new_ulen);
		if (xs)
			xs->sink_csum_partial++;
	} else if (udp->check) {
		__u32 off = (f->v6 ? INT_L4_V6 : INT_L4_V4) + 8, zero = 0;
		struct int_scratch *blk;
		__s64 neg;

		acc = (__u16)~udp->check;
		acc += INT_NEG16(udp->dest) + shim->orig_dport;
		acc += 2 * (INT_NEG16(old_ulen) + new_ulen);
		/* csum_diff(from, NULL) is the sum of the complemented words */
		blk = bpf_map_lookup_elem(&fab_int_scratch, &zero);
		if (!blk || bpf_xdp_load_bytes(ctx, off, blk->w, n))
			return -1;
		neg = bpf_csum_diff(blk->w, n, NULL, 0, 0);
		if (neg < 0)
			return -1;
		acc += (__u32)neg;
		/* the helpers invalidated every packet pointer */
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		udp = data + off - 8;
		shim = (void *)(udp + 1);
		if ((void *)(shim + 1) > data_end)
			return -1;
		udp->check = int_csum_final(acc, 1);
	}
	udp->dest = shim->orig_dport;
	udp->len = new_ulen;
	if (f->v6) {
		struct ipv6hdr *ip6 = data + ETH_HLEN_;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		ip6->payload_len = new_ulen;
		dst = data + n;
		if (data + INT_L4_V6 + 8 > data_end || dst + INT_L4_V6 + 8 > data_end)
			return -1;
		INT_MOVE_UP(dst, data, INT_L4_V6 + 8);
	} else {
		struct iphdr *ip = data + ETH_HLEN_;
		__u16 old_tot;

		if ((void *)(ip + 1) > data_end)
			return -1;
		old_tot = ip->tot_len;
		ip->tot_len = bpf_htons(bpf_ntohs(old_tot) - n);
		acc = (__u16)~ip->check;
		acc += INT_NEG16(old_tot) + ip->tot_len;
		ip->check = int_csum_final(acc, 0);
		dst = data + n;
		if (data + INT_L4_V4 + 8 > data_end || dst + INT_L4_V4 + 8 > data_end)
			return -1;
		INT_MOVE_UP(dst, data, INT_L4_V4 + 8);
	}
	return bpf_xdp_adjust_head(ctx, n);
}

#endif
