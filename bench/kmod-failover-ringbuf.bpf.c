// SPDX-License-Identifier: GPL-2.0
/*
 * bench/kmod-failover, userspace executor: the data path's way to tell
 * userspace about a path signal when there is no module (what fabricd
 * reads), the counterpart of the kfunc call in kfunc_report.bpf.c. Same
 * input: after 14 bytes of Ethernet header, u32 group, u32 nexthop,
 * u32 signal, u64 lag_ns (little-endian).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct report {
	__u8 eth[14];
	__u32 group;
	__u32 nh;
	__u32 signal;
	__u64 lag_ns;
} __attribute__((packed));

struct signal_rec {
	__u32 group;
	__u32 nh;
	__u32 signal;
	__u32 pad;
	__u64 lag_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} bench_signals SEC(".maps");

SEC("xdp")
int bench_ringbuf_report(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct report *r = data;
	struct signal_rec *s;

	if ((void *)(r + 1) > end)
		return XDP_ABORTED;
	s = bpf_ringbuf_reserve(&bench_signals, sizeof(*s), 0);
	if (!s)
		return XDP_DROP;
	s->group = r->group;
	s->nh = r->nh;
	s->signal = r->signal;
	s->pad = 0;
	s->lag_ns = r->lag_ns;
	bpf_ringbuf_submit(s, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
