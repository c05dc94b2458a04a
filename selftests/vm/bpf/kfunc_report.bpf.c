// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test program: reports a path event to fabric.ko through its kfunc.
 * The "packet" (from bpftool prog run data_in, or the wire) carries
 * after 14 bytes of Ethernet header: u32 group, u32 nexthop, u32 signal
 * (enum fabric_signal), u64 lag_ns, all little-endian.
 * Returns XDP_PASS when the module accepted the report, XDP_DROP if not.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern int bpf_fabric_report_path(__u32 group_id, __u32 nh_id, __u32 signal,
				  __u64 lag_ns) __ksym;

struct report {
	__u8 eth[14];
	__u32 group;
	__u32 nh;
	__u32 signal;
	__u64 lag_ns;
} __attribute__((packed));

SEC("xdp")
int fabric_kfunc_report(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct report *r = data;

	if ((void *)(r + 1) > end)
		return XDP_ABORTED;
	return bpf_fabric_report_path(r->group, r->nh, r->signal, r->lag_ns) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
