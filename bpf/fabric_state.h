/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data path's settings (set by the loader through the skeleton), its
 * maps and their accessors. Included once, by fabric.bpf.c.
 */
#ifndef FABRIC_STATE_H
#define FABRIC_STATE_H

#define TC_ACT_UNSPEC_	(-1)	/* not TC_ACT_OK: that ends the filter chain */
#define CLOCK_MONOTONIC_	1	/* <linux/time.h>, not in vmlinux.h */

/* Set by the loader before load; see Documentation/datapath.md. */
const volatile __u32 node_id = 0;
const volatile __u32 flow_set_mask = 16383;	/* flow sets - 1, power of 2 */
const volatile __u32 flow_hash_seed = FABRIC_HASH_SEED;	/* random per load */
const volatile __u64 event_interval_ns = 10000000;
const volatile __u32 read_pmtu = 0;		/* 0: unknown, be lenient */
/* fabricctl replay: a RoCE frame cut short by the capture still counts. */
const volatile __u32 replay_truncated = 0;

/* Non-zero: use this instead of the clock (fabricctl replay, tests). */
__u64 clock_override_ns = 0;

/*
 * Silence detection, set at run time through the skeleton's .bss/.data
 * (fabricd: [thresholds] silence_ms and the ports of its paths). 0: off,
 * and the data path does no timer work at all.
 */
__u64 silence_ns = 0;
/* A check that fires later than this re-checks instead (0: never). */
__u64 silence_lag_max_ns = 1000000;
/* 1: alarm when this port goes quiet (index: ifindex). */
__u8 silence_watch[FABRIC_PORT_SLOTS] = {};

/* max_entries is the number of sets. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct fabric_flow_set);
} fabric_flows SEC(".maps");

/* Written by the loader, read by userspace; the program uses .rodata. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_flow_meta);
} fabric_flow_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fabric_flow_key);
	__type(value, struct fabric_tx_flow);
} fabric_tx_flows SEC(".maps");

/*
 * Ports with a small ifindex (ifindex is per netns, so nearly all) live in
 * an array, whose lookup the verifier inlines; the rest in a hash.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FABRIC_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct fabric_port_counters);
} fabric_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct fabric_port_counters);
} fabric_ports_hi SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fabric_dp_stats);
} fabric_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} fabric_events SEC(".maps");

/* struct fabric_silence_port with the kernel's timer type in front. */
struct silence_port {
	struct bpf_timer t;
	__u64	last_rx_ns;
	__u64	deadline_ns;
	__u32	armed;
	__u32	pad;
	__u64	arms;
	__u64	alarms;
	__u64	late;
	__u64	arm_errors;
};

_Static_assert(sizeof(struct silence_port) == sizeof(struct fabric_silence_port),
	       "silence_port must match struct fabric_silence_port");

/* Not per-CPU: a bpf_timer in a per-CPU map is refused (-EOPNOTSUPP). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FABRIC_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct silence_port);
} fabric_silence SEC(".maps");

/*
 * Counters are stamped with the coarse clock: CLOCK_MONOTONIC at jiffy
 * resolution. The precise clock costs ~30 ns per packet on these VMs (the
 * TSC read is fenced), a third of the whole fast path. Events, which are
 * rare and feed detection, use the precise clock.
 */
static __always_inline __u64 fabric_now(void)
{
	__u64 t = clock_override_ns;

	return t ? t : bpf_ktime_get_coarse_ns();
}

static __always_inline __u64 fabric_now_precise(void)
{
	__u64 t = clock_override_ns;

	return t ? t : bpf_ktime_get_ns();
}

static __always_inline struct fabric_dp_stats *stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fabric_stats, &zero);
}

/* A new port's first value; a global, not 400 bytes of stack per caller. */
const volatile __u8 port_zero[sizeof(struct fabric_port_counters)] = {};

static __always_inline struct fabric_port_counters *port_get(__u32 ifindex)
{
	struct fabric_port_counters *pc;
	struct fabric_dp_stats *st;

	if (ifindex < FABRIC_PORT_SLOTS)
		return bpf_map_lookup_elem(&fabric_ports, &ifindex);
	pc = bpf_map_lookup_elem(&fabric_ports_hi, &ifindex);
	if (pc)
		return pc;
	if (bpf_map_update_elem(&fabric_ports_hi, &ifindex, (void *)&port_zero,
				BPF_NOEXIST) &&
	    (st = stats_get()))
		st->port_insert_errors++;
	return bpf_map_lookup_elem(&fabric_ports_hi, &ifindex);
}

#endif
