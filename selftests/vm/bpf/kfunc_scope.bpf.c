// SPDX-License-Identifier: GPL-2.0
/*
 * Guest test programs for the kfunc's scope (selftests/vm/guest/
 * test_kfunc.sh, run by kfunc-test): one caller of bpf_fabric_report_path
 * per program type. XDP, tc and syscall programs must load and reach the
 * module; a tracing (fentry) caller must be refused by the verifier, since
 * the kfunc takes an irq-safe lock, arms an hrtimer and queues work. The
 * fentry program without the call is the control: tracing itself works.
 * Each caller stores the kfunc's return value in last_ret.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

extern int bpf_fabric_report_path(__u32 group_id, __u32 nh_id, __u32 signal,
				  __u64 lag_ns) __ksym;

/* after 14 bytes of Ethernet header (XDP, tc), or the whole ctx (syscall) */
struct report {
	__u32 group;
	__u32 nh;
	__u32 signal;
	__u64 lag_ns;
} __attribute__((packed));

long long last_ret = 1;

static __always_inline int report(const struct report *r)
{
	last_ret = bpf_fabric_report_path(r->group, r->nh, r->signal, r->lag_ns);
	return last_ret;
}

SEC("xdp")
int xdp_report(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct report *r = data + 14;

	if ((void *)(r + 1) > end)
		return XDP_ABORTED;
	return report(r) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int tc_report(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct report *r = data + 14;

	if ((void *)(r + 1) > end)
		return TC_ACT_SHOT;
	return report(r) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("syscall")
int syscall_report(struct report *r)
{
	return report(r);
}

SEC("fentry/hrtimer_start_range_ns")
int fentry_report(unsigned long long *ctx)
{
	struct report r = { .group = 100, .nh = 1, .signal = 2 };

	return report(&r);
}

SEC("fentry/hrtimer_start_range_ns")
int fentry_plain(unsigned long long *ctx)
{
	last_ret = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
