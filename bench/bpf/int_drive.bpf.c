// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Driver for bench/int: INT roles change the frame (its length and its
 * first bytes), and BPF_PROG_TEST_RUN's repeat loop runs every pass on the
 * same buffer. So each pass first puts the frame back as it was (length,
 * then the first INT_DRIVE_HDR bytes from a template; the bytes after them
 * never move relative to the end), then tail-calls the program under test.
 * The same driver in front of a bare program measures what the driver
 * costs, which bench/int takes out.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define INT_DRIVE_HDR	128
#define TC_ACT_UNSPEC_	(-1)

struct int_tmpl {
	__u32	len;
	__u8	bytes[INT_DRIVE_HDR];
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} int_xdp_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} int_tc_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct int_tmpl);
} int_tmpl SEC(".maps");

__u64 restore_failed;

SEC("xdp.frags")
int int_drive_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct int_tmpl *t = bpf_map_lookup_elem(&int_tmpl, &zero);
	int cur = ctx->data_end - ctx->data;

	if (!t)
		return XDP_ABORTED;
	if (cur != (int)t->len && bpf_xdp_adjust_head(ctx, cur - (int)t->len))
		restore_failed++;
	if (bpf_xdp_store_bytes(ctx, 0, t->bytes, INT_DRIVE_HDR))
		restore_failed++;
	bpf_tail_call(ctx, &int_xdp_progs, 0);
	return XDP_ABORTED;
}

SEC("tc")
int int_drive_tc(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct int_tmpl *t = bpf_map_lookup_elem(&int_tmpl, &zero);

	if (!t)
		return TC_ACT_UNSPEC_;
	if (skb->len != t->len &&
	    bpf_skb_adjust_room(skb, (int)t->len - (int)skb->len,
				BPF_ADJ_ROOM_NET, 0))
		restore_failed++;
	if (bpf_skb_store_bytes(skb, 0, t->bytes, INT_DRIVE_HDR, 0))
		restore_failed++;
	bpf_tail_call(skb, &int_tc_progs, 0);
	return TC_ACT_UNSPEC_;
}

SEC("xdp.frags")
int int_pass_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int int_pass_tc(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
