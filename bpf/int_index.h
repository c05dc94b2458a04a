/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The sink's index of node ids in use (struct fabric_int_node_index), so
 * that a scrape reads the hop histograms of those nodes only instead of
 * all FABRIC_INT_MAX_NODES. A bit is written once per node; afterwards a
 * hop costs a load and a test.
 */
#ifndef FABRIC_INT_INDEX_H
#define FABRIC_INT_INDEX_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_int_node_index);
} fab_int_nodes SEC(".maps");

static __always_inline void int_node_mark(__u32 node)
{
	struct fabric_int_node_index *ix;
	__u64 bit = 1ULL << (node & 63);
	__u32 zero = 0, w = (node >> 6) & (FABRIC_INT_MAX_NODES / 64 - 1);

	ix = bpf_map_lookup_elem(&fab_int_nodes, &zero);
	if (ix && !(ix->bits[w] & bit))
		__sync_fetch_and_or(&ix->bits[w], bit);
}

#endif
