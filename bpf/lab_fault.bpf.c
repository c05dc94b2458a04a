// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Lab fault injector (tc cls_bpf, direct action) for one port, attached
 * at ingress and egress. The lab loads one copy per port and pins its
 * maps; scripts/lab/fault.sh, build/lab-fault and bench/failover flip
 * them with a single map update, so the injection time is known to a few
 * us. Modes (common/lab_fault.h, Documentation/lab.md):
 *  - drop_pct (lab_fault): drop percent of frames, 100 = blackhole;
 *  - loss_ppm: random loss in parts per million;
 *  - corrupt_ppm: flip one byte of an IPv4/UDP payload, so the receiver's
 *    own check (RoCE's ICRC, the lab generator's magic) drops the frame;
 *  - delay_ns: busy-wait in the hook, i.e. inside this node's forwarding
 *    path (the host has neither netem nor fq), capped at 1 ms.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lab_fault.h"

/* TC_ACT_UNSPEC: the next filter of the chain runs; with none, the frame passes */
#define TC_ACT_PASS_	(-1)
#define TC_ACT_SHOT_	2
#define ETH_P_IP_	0x0800
#define IPPROTO_UDP_	17
#define ETH_HLEN_	14
#define UDP_HLEN_	8
/* ktime reads per busy-wait: bounds the loop even if the clock stalls. */
#define DELAY_LOOPS	(1U << 20)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lab_fault_cfg);
} lab_fault SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lab_fault_ext);
} lab_fault_ext SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lab_fault_stats);
} lab_fault_stats SEC(".maps");

/* true with probability ppm / 10^6, without a division */
static __always_inline bool chance(__u32 ppm)
{
	if (!ppm)
		return false;
	if (ppm >= LAB_FAULT_PPM)
		return true;
	return (((__u64)bpf_get_prandom_u32() * LAB_FAULT_PPM) >> 32) < ppm;
}

static long wait_cb(__u32 i, void *ctx)
{
	return bpf_ktime_get_ns() >= *(__u64 *)ctx;
}

static __always_inline void delay(__u32 ns, struct lab_fault_stats *st)
{
	__u64 deadline;

	if (ns > LAB_FAULT_DELAY_MAX_NS) {
		ns = LAB_FAULT_DELAY_MAX_NS;
		if (st)
			st->delay_capped++;
	}
	deadline = bpf_ktime_get_ns() + ns;
	bpf_loop(DELAY_LOOPS, wait_cb, &deadline, 0);
	if (st)
		st->delayed++;
}

/* Flip every bit of the byte at @off in the UDP payload of an IPv4 frame. */
static __always_inline int corrupt(struct __sk_buff *skb, __u16 off)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u32 at;
	__u8 b;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP_))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP_ || ip->ihl < 5)
		return -1;
	at = ETH_HLEN_ + ip->ihl * 4 + UDP_HLEN_ + off;
	if (bpf_skb_load_bytes(skb, at, &b, 1))
		return -1;
	b ^= 0xff;
	return bpf_skb_store_bytes(skb, at, &b, 1, 0) ? -1 : 0;
}

/* An IPv4/UDP frame from the echo port: a reflected probe's answer. */
static __always_inline bool is_echo(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP_))
		return false;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP_ || ip->ihl != 5)
		return false;
	udp = (void *)(ip + 1);
	return (void *)(udp + 1) <= end &&
	       udp->source == bpf_htons(LAB_FAULT_ECHO_PORT);
}

static __always_inline int ext_modes(struct __sk_buff *skb)
{
	struct lab_fault_stats *st;
	struct lab_fault_ext *x;
	__u32 zero = 0, dir;

	x = bpf_map_lookup_elem(&lab_fault_ext, &zero);
	if (!x || !(x->loss_ppm | x->corrupt_ppm | x->delay_ns))
		return TC_ACT_PASS_;
	/*
	 * The same program sits on both hooks: at ingress the frame's input
	 * device is this one; at egress it is another one (forwarded) or
	 * none (sent by this node).
	 */
	dir = skb->ingress_ifindex == skb->ifindex ? LAB_FAULT_DIR_IN :
						      LAB_FAULT_DIR_OUT;
	if (x->dir && !(x->dir & dir))
		return TC_ACT_PASS_;
	st = bpf_map_lookup_elem(&lab_fault_stats, &zero);
	if (x->delay_ns &&
	    !((x->flags & LAB_FAULT_F_DELAY_NO_ECHO) && is_echo(skb)))
		delay(x->delay_ns, st);
	if (chance(x->loss_ppm)) {
		if (st)
			st->lost++;
		return TC_ACT_SHOT_;
	}
	if (chance(x->corrupt_ppm) && st) {
		if (corrupt(skb, x->corrupt_off))
			st->corrupt_short++;
		else
			st->corrupted++;
	}
	return TC_ACT_PASS_;
}

SEC("tc")
int lab_fault_drop(struct __sk_buff *skb)
{
	struct lab_fault_cfg *c;
	__u32 zero = 0, pct;

	c = bpf_map_lookup_elem(&lab_fault, &zero);
	if (!c)
		return TC_ACT_PASS_;
	pct = c->drop_pct;
	if (pct && (pct >= 100 || bpf_get_prandom_u32() % 100 < pct)) {
		__sync_fetch_and_add(&c->dropped, 1);
		return TC_ACT_SHOT_;
	}
	return ext_modes(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
