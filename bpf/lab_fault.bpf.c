// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Lab fault injector (tc cls_bpf, direct action) for one port, attached
 * at ingress and egress: drops drop_pct percent of frames at random
 * (100 = silent blackhole: the link stays up). The lab loads one copy per
 * port and pins its map; scripts/lab/fault.sh and bench/failover flip it
 * with a single map update, so the injection time is known to a few us.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK_	0
#define TC_ACT_SHOT_	2

struct lab_fault_cfg {
	__u32 drop_pct;		/* 0..100 */
	__u32 pad;
	__u64 dropped;		/* frames dropped (racy, diagnostic) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lab_fault_cfg);
} lab_fault SEC(".maps");

SEC("tc")
int lab_fault_drop(struct __sk_buff *skb)
{
	struct lab_fault_cfg *c;
	__u32 zero = 0, pct;

	c = bpf_map_lookup_elem(&lab_fault, &zero);
	if (!c)
		return TC_ACT_OK_;
	pct = c->drop_pct;
	if (!pct || (pct < 100 && bpf_get_prandom_u32() % 100 >= pct))
		return TC_ACT_OK_;
	__sync_fetch_and_add(&c->dropped, 1);
	return TC_ACT_SHOT_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
