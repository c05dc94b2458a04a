/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * INT (Documentation/int.md): configuration, maps, counters and the
 * checksum arithmetic shared by the source, transit and sink roles.
 * Included once, by fabric.bpf.c, after fabric_state.h.
 */
#ifndef FABRIC_INT_STATE_H
#define FABRIC_INT_STATE_H

#include "fabric_int.h"

_Static_assert(sizeof(struct fabric_int_config) % 4 == 0, "config is words");

/*
 * Alone in its section so that the map ".data.int" holds exactly a
 * struct fabric_int_config (bpftool map update writes it whole). Declared
 * as words so that fabric.skel.h needs no INT type: userspace casts
 * skel->data_int->int_cfg_raw to struct fabric_int_config.
 */
__u32 int_cfg_raw[sizeof(struct fabric_int_config) / 4] SEC(".data.int") = {
	[offsetof(struct fabric_int_config, udp_port) / 4] =
		FABRIC_INT_UDP_PORT_DEFAULT | FABRIC_INT_PROBE_PORT_DEFAULT << 16,
};
#define int_cfg	(*(struct fabric_int_config *)int_cfg_raw)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FABRIC_INT_CLASSES);
	__type(key, __u32);
	__type(value, struct fabric_int_class);
} fab_int_class SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_int_stats);
} fab_int_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FABRIC_INT_MAX_NODES);
	__type(key, __u32);
	__type(value, struct fabric_int_hist);
} fab_int_hops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, FABRIC_INT_MAX_PATHS);
	__type(key, struct fabric_int_path_key);
	__type(value, struct fabric_int_path);
} fab_int_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_int_path);
} fab_int_other SEC(".maps");

/* The sink's copy of an INT block, to checksum it (too big for the stack). */
struct int_scratch {
	__u32	w[FABRIC_INT_MAX_BYTES / 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct int_scratch);
} fab_int_scratch SEC(".maps");

/* A new path's first value; a global, not 800 bytes of stack. */
const volatile __u8 int_path_zero[sizeof(struct fabric_int_path)] = {};

static __always_inline struct fabric_int_stats *int_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fab_int_stats, &zero);
}

/*
 * Ones' complement arithmetic in memory byte order (RFC 1071: the sum is
 * byte-order independent), for incremental updates (RFC 1624, eqn. 3):
 * acc starts as ~old checksum; add every new word, and the complement of
 * every old word; the new checksum is ~fold(acc).
 */
static __always_inline __u32 int_fold(__u64 s)
{
	s = (s & 0xffffffffULL) + (s >> 32);
	s = (s & 0xffffffffULL) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u32)s;
}

/* A 32-bit word of a header that was just written through its fields. */
static __always_inline __u32 int_load32(const void *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#define INT_NEG16(w)	(0xffffU - (__u16)(w))
#define INT_NEG32(w)	(0xffffffffULL - (__u32)(w))

/* The new checksum from acc; UDP sends a computed 0 as 0xffff. */
static __always_inline __u16 int_csum_final(__u64 acc, int udp)
{
	__u16 c = ~int_fold(acc) & 0xffff;

	return udp && !c ? 0xffff : c;
}

#endif
