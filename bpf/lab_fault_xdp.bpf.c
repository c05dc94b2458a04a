// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Lab delay at a port's XDP hook: the delay mode of the tc injector
 * (lab_fault.bpf.c, same maps, driven by build/lab-fault), for a frame
 * that must wait before the receiving node's kernel stamps it. Echo
 * probes are timed from the sender's transmit stamp at its driver to the
 * receive stamp, which the stack takes before tc ingress; where the peer
 * reflects probes with XDP (scripts/lab/lab.sh: the spine's port) no tc
 * hook lies between the two stamps, and a link delay toward the prober
 * can only be emulated here, on the prober's port (scripts/lab/fault.sh).
 * Every frame passes (XDP_PASS), so the port still takes XDP_TX frames.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lab_fault.h"

#define DELAY_LOOPS	(1U << 20)

/* lab_fault is unused here; build/lab-fault expects all three maps */
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

static long wait_cb(__u32 i, void *ctx)
{
	return bpf_ktime_get_ns() >= *(__u64 *)ctx;
}

SEC("xdp")
int lab_fault_xdp(struct xdp_md *ctx)
{
	struct lab_fault_stats *st;
	struct lab_fault_ext *x;
	__u32 zero = 0, ns;
	__u64 deadline;

	x = bpf_map_lookup_elem(&lab_fault_ext, &zero);
	if (!x || !x->delay_ns || (x->dir && !(x->dir & LAB_FAULT_DIR_IN)))
		return XDP_PASS;
	st = bpf_map_lookup_elem(&lab_fault_stats, &zero);
	ns = x->delay_ns;
	if (ns > LAB_FAULT_DELAY_MAX_NS) {
		ns = LAB_FAULT_DELAY_MAX_NS;
		if (st)
			st->delay_capped++;
	}
	deadline = bpf_ktime_get_ns() + ns;
	bpf_loop(DELAY_LOOPS, wait_cb, &deadline, 0);
	if (st)
		st->delayed++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
