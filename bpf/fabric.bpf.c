// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RoCEv2 telemetry: per-flow and per-port counters at XDP ingress and tc
 * egress. The monitor never drops: every path returns XDP_PASS, or at tc
 * TC_ACT_UNSPEC, which lets the next filter of the clsact chain run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fabric_abi.h"
#include "flow_hash.h"
#include "roce.h"
#include "parse.h"
#include "fabric_state.h"
#include "flow_path.h"
#include "flow_table.h"
#include "silence.h"
#include "int.h"
#include "reroute.h"
#include "probe_verdict.h"

SEC("xdp.frags")
int fabric_xdp_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fabric_port_counters *pc;
	struct fabric_flow_set *set = NULL;
	__u32 way = 0, ifindex = ctx->ingress_ifindex;
	struct fabric_pkt p = {};
	struct fabric_flow_slot *f;
	__u64 len = bpf_xdp_get_buff_len(ctx), now = fabric_now();
	int res;

	res = fabric_parse(data, data_end, len, &p, replay_truncated);
	/* INT frames go to the INT port: never RoCE to the parser */
	if (res != FABRIC_PARSE_ROCE && int_cfg.roles) {
		int ir = int_xdp(ctx);

		if (ir == INT_XDP_DROP)
			return XDP_DROP;
		if (ir == INT_XDP_RESTORED) {
			res = int_reparse(ctx, &p);
			len = bpf_xdp_get_buff_len(ctx);
		}
	}
	if (res == FABRIC_PARSE_ROCE && p.truncated)
		len = p.wire_len;
	pc = port_get(ifindex);
	if (pc) {
		pc->rx_packets++;
		pc->rx_bytes += len;
		pc->rx_last_ns = now;
		switch (res) {
		case FABRIC_PARSE_ROCE:
			pc->rx_roce_packets++;
			pc->rx_roce_bytes += len;
			if (p.ecn == 3)
				pc->rx_ce++;
			if (p.opcode == ROCE_OPCODE_CNP)
				pc->rx_cnp++;
			if (p.truncated)
				pc->rx_truncated++;
			break;
		case FABRIC_PARSE_NON_ROCE:
			pc->rx_non_roce++;
			break;
		case FABRIC_PARSE_MALFORMED:
			pc->rx_malformed++;
			break;
		default:
			pc->rx_unparsed++;
			break;
		}
	}
	if (res != FABRIC_PARSE_ROCE) {
		if (res == FABRIC_PARSE_NON_ROCE && probe_verdict_port)
			probe_verdict_rx(ctx);
		return reroute_xdp(ctx);
	}

	f = flow_get(&p, ifindex, now, &set, &way);
	if (f && set) {
		way &= FABRIC_FLOW_WAYS - 1;
		flow_account(f, &set->cold[way], &p, ifindex, len, now);
		if (f->ifindex != ifindex)
			flow_cross_port(f->ifindex, ifindex, pc, &p, len);
		flow_put(f);
	} else {
		flow_unplaced(pc, &p, len);
	}
	if (silence_ns)
		silence_touch(ifindex, now);
	return reroute_xdp(ctx);
}

static __always_inline void tx_flow_account(const struct fabric_pkt *p,
					    __u64 len, __u64 now)
{
	struct fabric_tx_flow *tf, fresh = { .packets = 1, .bytes = len,
					     .last_seen_ns = now };
	struct fabric_dp_stats *st;

	/* atomic: CPUs of several tx queues may send one flow at once */
	tf = bpf_map_lookup_elem(&fabric_tx_flows, &p->key);
	if (tf) {
		__sync_fetch_and_add(&tf->packets, 1);
		__sync_fetch_and_add(&tf->bytes, len);
		if (tf->last_seen_ns != now)
			tf->last_seen_ns = now;
		return;
	}
	st = stats_get();
	if (bpf_map_update_elem(&fabric_tx_flows, &p->key, &fresh, BPF_NOEXIST)) {
		/* another CPU inserted it first: count there */
		tf = bpf_map_lookup_elem(&fabric_tx_flows, &p->key);
		if (tf) {
			__sync_fetch_and_add(&tf->packets, 1);
			__sync_fetch_and_add(&tf->bytes, len);
		} else if (st) {
			st->tx_flow_insert_errors++;
		}
		return;
	}
	if (st)
		st->tx_flow_inserts++;
}

/* Headers of a non-linear skb may sit in a fragment: pull up to 128 bytes. */
static __noinline int tc_pull_headers(struct __sk_buff *skb)
{
	__u32 linear = skb->data_end - skb->data;
	__u32 want = skb->len < 128 ? skb->len : 128;

	if (linear >= want)
		return 0;
	return bpf_skb_pull_data(skb, want);
}

SEC("tc")
int fabric_tc_tx(struct __sk_buff *skb)
{
	struct fabric_port_counters *pc;
	struct fabric_pkt p = {};
	void *data, *data_end;
	__u64 len = skb->len, now = fabric_now();
	int res;

	tc_pull_headers(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	res = fabric_parse(data, data_end, skb->len, &p, 0);
	pc = port_get(skb->ifindex);
	if (pc) {
		pc->tx_packets++;
		pc->tx_bytes += len;
		pc->tx_last_ns = now;
		switch (res) {
		case FABRIC_PARSE_ROCE:
			pc->tx_roce_packets++;
			pc->tx_roce_bytes += len;
			if (p.ecn == 3)
				pc->tx_ce++;
			if (p.opcode == ROCE_OPCODE_CNP)
				pc->tx_cnp++;
			break;
		case FABRIC_PARSE_NON_ROCE:
			pc->tx_non_roce++;
			break;
		case FABRIC_PARSE_MALFORMED:
			pc->tx_malformed++;
			break;
		default:
			pc->tx_unparsed++;
			break;
		}
	}
	if (res == FABRIC_PARSE_ROCE) {
		tx_flow_account(&p, len, now);
		if (fpath_on)
			fpath_learn(&p, skb->ifindex, now);
	} else if (res == FABRIC_PARSE_NON_ROCE && probe_verdict_port)
		probe_verdict_tx(skb);
	if (int_cfg.roles)
		int_tc(skb, res, p.psn);
	return TC_ACT_UNSPEC_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
