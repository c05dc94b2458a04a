/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * INT source at tc egress (Documentation/int.md, "Source"): give a RoCE
 * packet of an embed class (1 in sample_n per flow), or a probe, the shim
 * and the INT-MD header, between its UDP header and its payload. A packet
 * whose INT (with room for max_hops hops) would exceed the egress MTU is
 * left alone and counted.
 */
#ifndef FABRIC_INT_SOURCE_H
#define FABRIC_INT_SOURCE_H

#define INT_SRC_BLOCK	(FABRIC_INT_SHIM_LEN + FABRIC_INT_MD_LEN)

static __always_inline int int_src_over_mtu(struct __sk_buff *skb,
					    __u32 iplen, __u32 grow)
{
	__u32 mtu = int_cfg.mtu, ml = 0;

	if (mtu)
		return iplen + grow > mtu;
	return bpf_check_mtu(skb, 0, &ml, grow, 0) != 0;
}

__noinline int int_source(struct __sk_buff *skb, __u32 psn, int roce)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct fabric_int_stats *st = int_stats();
	const struct fabric_int_class *cls;
	__u32 l4, dscp, iplen, hml, max_hops, blk[4];
	struct udphdr udp;
	__u16 instr, proto, old_ulen, new_ulen, new_dport;
	__u64 acc;
	int probe = !roce;

	if (!st || data + INT_L4_V4 > data_end)
		return 0;
	proto = ((struct ethhdr *)data)->h_proto;
	if (proto == bpf_htons(ETH_P_IPV4_)) {
		struct iphdr *ip = data + ETH_HLEN_;

		if (ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)) ||
		    ip->protocol != IPPROTO_UDP_)
			goto unsupported;
		dscp = ip->tos >> 2;
		iplen = bpf_ntohs(ip->tot_len);
		l4 = INT_L4_V4;
	} else if (proto == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr *ip6 = data + ETH_HLEN_;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		if (ip6->nexthdr != IPPROTO_UDP_)
			goto unsupported;
		dscp = (bpf_ntohs(*(__be16 *)ip6) >> 6) & 0x3f;
		iplen = 40 + bpf_ntohs(ip6->payload_len);
		l4 = INT_L4_V6;
	} else {
		goto unsupported;
	}
	if (data + l4 + sizeof(udp) > data_end)
		return 0;
	__builtin_memcpy(&udp, data + l4, sizeof(udp));
	if (probe && udp.dest != bpf_htons(int_cfg.probe_port))
		return 0;

	cls = bpf_map_lookup_elem(&fab_int_class, &dscp);
	if (roce) {
		if (!cls || cls->mode != FABRIC_INT_MODE_EMBED)
			return 0;
		st->src_candidates++;
		if (cls->sample_n > 1 && psn % cls->sample_n) {
			st->src_sampled_out++;
			return 0;
		}
	}
	instr = cls ? cls->instr & FABRIC_INT_I_SUPPORTED : 0;
	if (!instr)
		instr = FABRIC_INT_I_DEFAULT;
	max_hops = cls && cls->max_hops ? cls->max_hops : FABRIC_INT_MAX_HOPS;
	if (max_hops > FABRIC_INT_MAX_HOPS)
		max_hops = FABRIC_INT_MAX_HOPS;
	hml = fabric_int_hop_words(instr);
	if (int_src_over_mtu(skb, iplen, INT_SRC_BLOCK + 4 * hml * max_hops)) {
		st->src_skipped_mtu++;
		return 0;
	}

	/* shim, then the metadata header with an empty stack */
	blk[0] = bpf_htonl((__u32)FABRIC_INT_SHIM_BYTE0(FABRIC_INT_TYPE_MD,
							FABRIC_INT_NPT_UDP) << 24 |
			   FABRIC_INT_MD_WORDS << 16 | bpf_ntohs(udp.dest));
	blk[1] = bpf_htonl((FABRIC_INT_VERSION << 4 | (probe ? FABRIC_INT_FLAG_D : 0)) << 24 |
			   hml << 8 | max_hops);
	blk[2] = bpf_htonl((__u32)instr << 16 | int_cfg.domain_id);
	blk[3] = 0;

	old_ulen = udp.len;
	new_ulen = bpf_htons(bpf_ntohs(udp.len) + INT_SRC_BLOCK);
	new_dport = bpf_htons(int_cfg.udp_port);
	acc = (__u64)blk[0] + blk[1] + blk[2] + blk[3];
	acc += INT_NEG16(udp.dest) + new_dport + INT_NEG16(old_ulen) + new_ulen;
	udp.dest = new_dport;
	udp.len = new_ulen;

	if (bpf_skb_adjust_room(skb, INT_SRC_BLOCK, BPF_ADJ_ROOM_NET, 0))
		goto err;
	/*
	 * The room opened before the UDP header, in the linear area like the
	 * headers around it: put the UDP header first, the INT block after.
	 */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (l4 == INT_L4_V4) {
		struct iphdr *ip = data + ETH_HLEN_;
		__be16 old_tot = ip->tot_len;
		__u64 a;

		if (data + INT_L4_V4 + 8 + INT_SRC_BLOCK > data_end)
			goto err;
		__builtin_memcpy(data + INT_L4_V4, &udp, sizeof(udp));
		__builtin_memcpy(data + INT_L4_V4 + 8, blk, sizeof(blk));
		ip->tot_len = bpf_htons(iplen + INT_SRC_BLOCK);
		a = (__u16)~ip->check;
		a += INT_NEG16(old_tot) + ip->tot_len;
		ip->check = int_csum_final(a, 0);
	} else {
		struct ipv6hdr *ip6 = data + ETH_HLEN_;

		if (data + INT_L4_V6 + 8 + INT_SRC_BLOCK > data_end)
			goto err;
		__builtin_memcpy(data + INT_L4_V6, &udp, sizeof(udp));
		__builtin_memcpy(data + INT_L4_V6 + 8, blk, sizeof(blk));
		ip6->payload_len = bpf_htons(iplen - 40 + INT_SRC_BLOCK);
	}
	/*
	 * udp.check is the old checksum; 0 (IPv4 without one) stays 0. The
	 * helper knows whether the skb's checksum is partial: then only the
	 * pseudo-header part (the length) counts.
	 */
	if (udp.check &&
	    (bpf_l4_csum_replace(skb, l4 + 6, 0, int_fold(acc), BPF_F_MARK_MANGLED_0) ||
	     bpf_l4_csum_replace(skb, l4 + 6, 0,
				 int_fold(INT_NEG16(old_ulen) + new_ulen),
				 BPF_F_MARK_MANGLED_0 | BPF_F_PSEUDO_HDR)))
		goto err;
	if (probe)
		st->src_probes++;
	else
		st->src_instrumented++;
	return 1;

unsupported:
	if (roce)
		st->src_skipped_l3++;
	return 0;
err:
	st->src_errors++;
	return -1;
}

#endif
