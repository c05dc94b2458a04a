/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * INT transit (Documentation/int.md, "Transit"), in two halves on one
 * node. XDP ingress pushes this node's hop on the stack, with the ingress
 * time (low 32 bits, ns) parked in the hop-latency word, and marks the
 * metadata header PENDING. tc egress of the same node finds the pending
 * hop on top of the stack and writes what only egress knows: the egress
 * port, the queue id, the egress time and the hop latency (egress time
 * minus the parked ingress time, one clock). The packet itself carries the
 * stamp across the forwarding path, where XDP metadata and skb->tstamp do
 * not survive; it costs no map and no extra byte on the wire.
 */
#ifndef FABRIC_INT_TRANSIT_H
#define FABRIC_INT_TRANSIT_H

/* Copy @len bytes from @src down to @dst < @src, first byte first. */
#define INT_MOVE_DOWN(dst, src, len)					\
	do {								\
		int _k;							\
		_Pragma("unroll")					\
		for (_k = 0; _k + 8 <= (len); _k += 8)			\
			*(__u64 *)((dst) + _k) = *(__u64 *)((src) + _k); \
		_Pragma("unroll")					\
		for (_k = (len) & ~7; _k < (len); _k += 2)		\
			*(__u16 *)((dst) + _k) = *(__u16 *)((src) + _k); \
	} while (0)

/* Write one word of the hop; the bound never fails (see the caller). */
#define INT_PUT(w, val)							\
	do {								\
		__u32 _v = (val);					\
		if ((void *)((w) + 1) > data_end)			\
			return -1;					\
		*(w)++ = _v;						\
		hsum += _v;						\
	} while (0)

#define INT_EGRESS_FIELDS	(FABRIC_INT_I_L1_PORTS | FABRIC_INT_I_HOP_LATENCY | \
				 FABRIC_INT_I_QUEUE | FABRIC_INT_I_EGRESS_TS)

/* Set a flag of the metadata header in place, checksum included. */
static __noinline int int_set_flag(struct xdp_md *ctx, struct int_frame *f,
				   __u8 flag)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + (f->v6 ? INT_L4_V6 : INT_L4_V4);
	__u32 *w0 = (void *)(udp + 1) + FABRIC_INT_SHIM_LEN, old;
	__u64 acc;

	if ((void *)(w0 + 1) > data_end)
		return -1;
	old = *w0;
	*(__u8 *)w0 |= flag;
	if (int_csum_partial(data, data_end, f->v6, udp->check, udp->len)) {
		struct fabric_int_xstats *xs = int_xstats();

		if (xs)
			xs->transit_csum_partial++;
	} else if (udp->check) {
		acc = (__u16)~udp->check;
		acc += INT_NEG32(old) + *w0;
		udp->check = int_csum_final(acc, 1);
	}
	return 0;
}

static __always_inline int int_over_mtu(struct xdp_md *ctx, struct int_frame *f,
					__u32 grow)
{
	__u32 mtu = int_cfg.mtu, iplen = f->ulen + (f->v6 ? 40 : 20), ml = 0;

	if (mtu)
		return iplen + grow > mtu;
	return bpf_check_mtu(ctx, 0, &ml, grow, 0) != 0;
}

/* Ingress half: push this node's hop. */
__noinline int int_transit_push(struct xdp_md *ctx, struct int_frame *f,
				struct fabric_int_stats *st)
{
	__u32 hb, soff, old_shim, old_md, ifidx;
	void *data, *data_end;
	struct fabric_int_shim *shim;
	struct fabric_int_md *md;
	struct udphdr *udp;
	__u16 old_ulen, old_ipl, instr, pcheck = 0;
	__u64 now, acc = 0, hsum = 0;
	__be32 *w;
	__u8 *hop;

	if (!f || !st)
		return -1;
	hb = 4 * f->hop_words;
	instr = f->instr;
	if (f->flags & FABRIC_INT_FLAG_PENDING) {
		st->transit_skipped++;
		return 0;
	}
	if (!f->remaining) {
		st->transit_e_set++;
		return int_set_flag(ctx, f, FABRIC_INT_FLAG_E);
	}
	if (hb > 4 * FABRIC_INT_MAX_HOP_WORDS || int_over_mtu(ctx, f, hb)) {
		st->transit_m_set++;
		return int_set_flag(ctx, f, FABRIC_INT_FLAG_M);
	}
	now = fabric_now_precise();
	ifidx = ctx->ingress_ifindex;

	/* headers first, in place */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	udp = data + (f->v6 ? INT_L4_V6 : INT_L4_V4);
	shim = (void *)(udp + 1);
	md = (void *)(shim + 1);
	if ((void *)(md + 1) > data_end)
		return -1;
	old_shim = int_load32(shim);
	old_md = int_load32(md);
	old_ulen = udp->len;
	shim->len += f->hop_words;
	md->remaining--;
	if (instr & INT_EGRESS_FIELDS)
		md->ver_flags |= FABRIC_INT_FLAG_PENDING;
	udp->len = bpf_htons(f->ulen + hb);
	/* a partial checksum's field: the pseudo-header sum, new length */
	if (int_csum_partial(data, data_end, f->v6, udp->check, old_ulen))
		pcheck = int_pseudo_csum(data, data_end, f->v6, udp->len);
	if (udp->check && !pcheck) {
		acc = (__u16)~udp->check;
		acc += INT_NEG32(old_shim) + int_load32(shim);
		acc += INT_NEG32(old_md) + int_load32(md);
		acc += 2 * (INT_NEG16(old_ulen) + udp->len);
	}
	if (f->v6) {
		struct ipv6hdr *ip6 = data + ETH_HLEN_;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		ip6->payload_len = udp->len;
	} else {
		struct iphdr *ip = data + ETH_HLEN_;
		__u64 a;

		if ((void *)(ip + 1) > data_end)
			return -1;
		old_ipl = ip->tot_len;
		ip->tot_len = bpf_htons(bpf_ntohs(old_ipl) + hb);
		a = (__u16)~ip->check;
		a += INT_NEG16(old_ipl) + ip->tot_len;
		ip->check = int_csum_final(a, 0);
	}

	hb &= 0x3c;
	if (bpf_xdp_adjust_head(ctx, -(int)hb))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	soff = (f->v6 ? INT_L4_V6 : INT_L4_V4) + 8 + 16;
	if (f->v6) {
		void *src = data + hb;

		if (data + INT_L4_V6 + 24 > data_end ||
		    src + INT_L4_V6 + 24 > data_end)
			return -1;
		INT_MOVE_DOWN(data, src, INT_L4_V6 + 24);
	} else {
		void *src = data + hb;

		if (data + INT_L4_V4 + 24 > data_end ||
		    src + INT_L4_V4 + 24 > data_end)
			return -1;
		INT_MOVE_DOWN(data, src, INT_L4_V4 + 24);
	}

	/* the hop, in bitmap order; locate() proved it fits the linear area */
	hop = data + soff;
	w = (void *)hop;
	if (instr & FABRIC_INT_I_NODE_ID)
		INT_PUT(w, bpf_htonl(int_cfg.node_id));
	if (instr & FABRIC_INT_I_L1_PORTS)
		INT_PUT(w, bpf_htonl((ifidx & 0xffff) << 16 | 0xffff));
	if (instr & FABRIC_INT_I_HOP_LATENCY)
		INT_PUT(w, bpf_htonl((__u32)now));
	if (instr & FABRIC_INT_I_QUEUE)
		INT_PUT(w, FABRIC_INT_INVALID32);
	if (instr & FABRIC_INT_I_INGRESS_TS) {
		INT_PUT(w, bpf_htonl(now >> 32));
		INT_PUT(w, bpf_htonl((__u32)now));
	}
	if (instr & FABRIC_INT_I_EGRESS_TS) {
		INT_PUT(w, FABRIC_INT_INVALID32);
		INT_PUT(w, FABRIC_INT_INVALID32);
	}

	udp = data + (f->v6 ? INT_L4_V6 : INT_L4_V4);
	if ((void *)(udp + 1) > data_end)
		return -1;
	if (pcheck) {
		struct fabric_int_xstats *xs = int_xstats();

		udp->check = pcheck;
		if (xs)
			xs->transit_csum_partial++;
	} else if (udp->check) {
		udp->check = int_csum_final(acc + hsum, 1);
	}
	st->transit_pushed++;
	return 0;
}

/* Egress half, at tc: complete the pending hop on top of the stack. */
__noinline int int_transit_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct fabric_int_stats *st = int_stats();
	struct int_frame f = {};
	__u32 off, csum_off, v, old;
	__u64 now, acc = 0;
	__u8 *hop, *md;

	if (int_locate(data, data_end, skb->len, int_cfg.udp_port, &f) != INT_OK ||
	    !(f.flags & FABRIC_INT_FLAG_PENDING) || !f.hops)
		return 0;
	now = fabric_now_precise();
	md = data + f.l4 + 8 + FABRIC_INT_SHIM_LEN;
	hop = md + FABRIC_INT_MD_LEN;
	if ((void *)hop > data_end)
		return -1;
	old = *(__u32 *)md;
	*md &= ~FABRIC_INT_FLAG_PENDING;
	acc += INT_NEG32(old) + *(__u32 *)md;

	if (f.instr & FABRIC_INT_I_L1_PORTS) {
		off = fabric_int_hop_off(f.instr, FABRIC_INT_I_L1_PORTS) & 0x1c;
		if ((void *)(hop + off + 4) > data_end)
			return -1;
		old = *(__u32 *)(hop + off);
		v = (bpf_ntohl(old) & 0xffff0000) | (skb->ifindex & 0xffff);
		*(__u32 *)(hop + off) = bpf_htonl(v);
		acc += INT_NEG32(old) + bpf_htonl(v);
	}
	if (f.instr & FABRIC_INT_I_HOP_LATENCY) {
		off = fabric_int_hop_off(f.instr, FABRIC_INT_I_HOP_LATENCY) & 0x1c;
		if ((void *)(hop + off + 4) > data_end)
			return -1;
		old = *(__u32 *)(hop + off);
		v = (__u32)now - bpf_ntohl(old);
		*(__u32 *)(hop + off) = bpf_htonl(v);
		acc += INT_NEG32(old) + bpf_htonl(v);
	}
	if (f.instr & FABRIC_INT_I_QUEUE) {
		off = fabric_int_hop_off(f.instr, FABRIC_INT_I_QUEUE) & 0x1c;
		if ((void *)(hop + off + 4) > data_end)
			return -1;
		old = *(__u32 *)(hop + off);
		v = (skb->queue_mapping & 0xff) << 24 | 0xffffff;
		*(__u32 *)(hop + off) = bpf_htonl(v);
		acc += INT_NEG32(old) + bpf_htonl(v);
	}
	if (f.instr & FABRIC_INT_I_EGRESS_TS) {
		off = fabric_int_hop_off(f.instr, FABRIC_INT_I_EGRESS_TS) & 0x18;
		if ((void *)(hop + off + 8) > data_end)
			return -1;
		old = *(__u32 *)(hop + off);
		*(__u32 *)(hop + off) = bpf_htonl(now >> 32);
		acc += INT_NEG32(old) + bpf_htonl(now >> 32);
		old = *(__u32 *)(hop + off + 4);
		*(__u32 *)(hop + off + 4) = bpf_htonl((__u32)now);
		acc += INT_NEG32(old) + bpf_htonl((__u32)now);
	}
	/*
	 * A field holding the pseudo-header sum stays as it is: the hop's
	 * words are data, which the device sums. (The helper skips them on
	 * a partial skb by itself; this keeps a frame that XDP took for
	 * partial consistent when its skb is not.)
	 */
	{
		struct udphdr *udp = data + (f.v6 ? INT_L4_V6 : INT_L4_V4);

		if ((void *)(udp + 1) > data_end)
			return -1;
		if (int_csum_partial(data, data_end, f.v6, udp->check, udp->len))
			goto done;
	}
	csum_off = f.l4 + 6;
	if (bpf_l4_csum_replace(skb, csum_off, 0, int_fold(acc),
				BPF_F_MARK_MANGLED_0)) {
		if (st)
			st->transit_errors++;
		return -1;
	}
done:
	if (st)
		st->transit_completed++;
	return 0;
}

#endif
