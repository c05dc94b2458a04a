// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Floors for bench/datapath: a bare XDP_PASS, and the memory floor of a
 * random flow: one lookup and an in-place increment in a map of the same
 * type and size as fabric_flows, indexed by the QP the driver wrote. The
 * counter is the flow's own (set qp / ways, way qp % ways), so the floor's
 * working set spans the whole map like the flows' records do; a counter
 * per set would only cover one line of each 1 KiB value.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fabric_abi.h"
#include "bench.h"

const volatile __u32 floor_mask = 0;	/* entries - 1, power of 2 */

/* Same type, flags, value size as fabric_flows; entries set at load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_flow_set);
} bench_floor_map SEC(".maps");

SEC("xdp.frags")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp.frags")
int bench_mem_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fabric_flow_set *set;
	__u32 qp, idx;

	if (data + BENCH_QP_OFF + 4 > data_end)
		return XDP_PASS;
	qp = bpf_ntohl(*(__be32 *)(data + BENCH_QP_OFF));
	idx = (qp / FABRIC_FLOW_WAYS) & floor_mask;
	set = bpf_map_lookup_elem(&bench_floor_map, &idx);
	if (set)
		set->slot[qp % FABRIC_FLOW_WAYS].packets++;
	return XDP_PASS;
}

/*
 * The same, latency-bound: the next access waits for this one (the flow
 * index is xored with a bit of the loaded counter), so misses of
 * successive packets cannot overlap as they do in bench_mem_floor.
 */
__u32 chain;

SEC("xdp.frags")
int bench_mem_floor_lat(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fabric_flow_set *set;
	__u32 qp, idx;

	if (data + BENCH_QP_OFF + 4 > data_end)
		return XDP_PASS;
	qp = bpf_ntohl(*(__be32 *)(data + BENCH_QP_OFF)) ^ chain;
	idx = (qp / FABRIC_FLOW_WAYS) & floor_mask;
	set = bpf_map_lookup_elem(&bench_floor_map, &idx);
	if (set)
		chain = ++set->slot[qp % FABRIC_FLOW_WAYS].packets & 8;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
