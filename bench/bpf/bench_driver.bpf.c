// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Driver for bench/datapath: BPF_PROG_TEST_RUN repeats one frame, so this
 * program rewrites the frame's dest QP (and PSN) for every iteration, then
 * tail-calls the program under test from bench_progs[0]. Its own cost is
 * measured by tail-calling a bare XDP_PASS with the same pattern.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fabric_abi.h"
#include "bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_progs SEC(".maps");

/* Next request PSN of each flow, so that bursts stay in order. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_psn SEC(".maps");

/* Set by userspace between runs (rng non-zero); a test run stays on one CPU. */
__u32 mode;
__u32 nflows;
__u32 qp_base;
__u32 psn_bank;	/* 0 or nflows: runs without fabric keep their own PSNs */
__u64 rng;
__u32 seq;
__u32 burst_left;
__u32 cur_flow;
__u32 cur_psn;
__u64 tail_call_failed;

static __always_inline __u32 next_random_flow(void)
{
	__u64 x = rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng = x;
	/* multiply-shift: uniform in [0, nflows) without a division */
	return ((x >> 32) * nflows) >> 32;
}

static __always_inline __u32 take_psn(__u32 flow, __u32 n)
{
	__u32 idx = flow + psn_bank;
	__u32 *next = bpf_map_lookup_elem(&bench_psn, &idx);
	__u32 psn = 0;

	if (next) {
		psn = *next;
		*next = psn + n;
	}
	return psn;
}

SEC("xdp.frags")
int bench_drive(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__be32 *qp, *psn;
	__u32 flow, n;

	if (data + BENCH_PSN_OFF + 4 > data_end)
		return XDP_ABORTED;
	qp = data + BENCH_QP_OFF;
	psn = data + BENCH_PSN_OFF;

	switch (mode) {
	case BENCH_MODE_SEQ:
		flow = seq;
		seq = flow + 1 < nflows ? flow + 1 : 0;
		n = take_psn(flow, 1);
		*psn = bpf_htonl(n & ROCE_PSN_MASK);
		break;
	case BENCH_MODE_BURST:
		if (!burst_left) {
			flow = next_random_flow();
			cur_flow = flow;
			cur_psn = take_psn(flow, BENCH_BURST);
			burst_left = BENCH_BURST;
		}
		flow = cur_flow;
		n = cur_psn++;
		burst_left--;
		*psn = bpf_htonl(n & ROCE_PSN_MASK);
		break;
	case BENCH_MODE_RANDOM:
		flow = next_random_flow();
		break;
	default:
		flow = 0;
		n = seq++;
		*psn = bpf_htonl(n & ROCE_PSN_MASK);
		break;
	}
	*qp = bpf_htonl((qp_base + flow) & ROCE_QP_MASK);

	bpf_tail_call(ctx, &bench_progs, 0);
	tail_call_failed++;
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
