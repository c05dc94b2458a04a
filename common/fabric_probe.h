/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Wire format of fabric's per-path echo probes (UDP). The sender puts this
 * payload in a datagram to FABRIC_PROBE_PORT on the path's peer; the
 * peer's XDP reflector (bpf/probe.bpf.c) swaps MACs, IPs and ports and
 * sends the frame back out with XDP_TX, payload untouched.
 *
 * Below the wire format: the layout of the kernel-side probe verdict
 * (bpf/probe_verdict.h, kmod/prober.c), judged by common/probe_judge.h.
 */
#ifndef FABRIC_PROBE_H
#define FABRIC_PROBE_H

#include "fabric_types.h"

#define FABRIC_PROBE_PORT	3785	/* default; configurable both ends */
#define FABRIC_PROBE_MAGIC	0x46425052U	/* "FBPR", network order */

struct fabric_probe_msg {
	__be32	magic;
	__u32	path;		/* sender's path index, opaque to the peer */
	__u64	seq;		/* sender's sequence number */
	__u64	tx_ns;		/* sender's CLOCK_MONOTONIC at send */
};

/*
 * Kernel-side verdict (Documentation/reroute.md, "Kernel-side probe
 * verdict"). The probe's path field indexes FABRIC_PROBE_SLOTS per-path
 * entries; a sender must give every path of the node its own index.
 * Departures are stamped by the data path (tc egress) or by fabric.ko's
 * prober, answers by XDP, both with the kernel clock; a kernel timer
 * judges what is overdue.
 */
#define FABRIC_PROBE_SLOTS	64
#define FABRIC_PROBE_RING	32	/* departures remembered per path */
#define FABRIC_PROBE_JUDGE_MIN_NS	20000ULL	/* 20 us */
#define FABRIC_PROBE_CPUS	16	/* receive proof kept per CPU % this */

/* A departure in the ring; ans is set when its answer comes back. */
struct fabric_probe_tx {
	__u64	seq;
	__u64	tx_ns;		/* kernel time at egress */
	__u32	ans;		/* 1: answered (in time or late);
				 * 2: judged a confirmed miss */
	__u32	pad;
};

/* Path settings, written by the owner (fabricd, fabric.ko, a test). */
struct fabric_probe_path_cfg {
	__u32	ifindex;	/* 0: slot unused, its probes are ignored */
	__u32	group;		/* paths of one group witness each other;
				 * the reroute map's group index */
	__u32	member;		/* the reroute map's member index */
	__u32	flags;		/* FABRIC_PROBE_F_* */
};

#define FABRIC_PROBE_F_REROUTE	0x1U	/* a verdict declares the member down */
#define FABRIC_PROBE_F_KJUDGE	0x2U	/* fabric.ko's hrtimer judges this path;
					 * set and cleared by the module only:
					 * the bpf_timer stays off */

/* Verdicts (fabric_probe_path.verdict) */
#define FABRIC_PROBE_V_NONE	0
#define FABRIC_PROBE_V_DOWN	1	/* K confirmed misses in a row */

/*
 * One path's state. The BPF map value has the same layout with a
 * struct bpf_timer and a struct bpf_spin_lock in the first 24 bytes.
 */
struct fabric_probe_path {
	__u64	timer[2];	/* struct bpf_timer, owned by the kernel */
	__u32	lock;		/* struct bpf_spin_lock */
	__u32	armed;		/* the judge timer is running */
	struct fabric_probe_path_cfg cfg;
	__u64	tx_next;	/* newest departure's seq + 1 (0: none) */
	__u64	judged;		/* departures below this seq are judged */
	__u64	ans_ns;		/* kernel time of the newest answer */
	__u64	deadline_ns;	/* when the judge timer is due */
	__u32	miss_run;	/* confirmed misses in a row */
	__u32	ok_run;		/* answers in a row */
	__u32	verdict;	/* FABRIC_PROBE_V_* */
	__u32	rx_cpu;		/* CPU of the newest answer */
	__u64	verdict_ns;	/* time of the latest DOWN verdict */
	__u64	miss_from_ns;	/* deadline of the run's first miss */
	/* counters, monotonic */
	__u64	sent;		/* departures stamped */
	__u64	answered;	/* answers matched to a departure */
	__u64	late;		/* of those, after the timeout */
	__u64	unmatched;	/* answers to no remembered departure */
	__u64	missed;		/* confirmed misses (evidence) */
	__u64	stalled;	/* misses ignored: receive or judge stalled */
	__u64	late_timer;	/* judge runs skipped: fired too late */
	__u64	verdicts;	/* DOWN verdicts */
	__u64	reroutes;	/* of those, written to the reroute map */
	__u64	unwitnessed;	/* verdicts held: no other path of the
				 * group answered since the run began */
	__u64	timer_errors;	/* bpf_timer_start() failed */
	struct fabric_probe_tx ring[FABRIC_PROBE_RING];
	/* appended: the undo rule and the module's judge */
	__u64	undone;		/* confirmed misses answered afterwards */
	__u64	false_verdicts;	/* DOWN verdicts such an answer withdrew */
	__u64	kjudge_runs;	/* judge runs of fabric.ko's hrtimer */
	__u64	kverdicts;	/* of verdicts, declared by fabric.ko */
};

/*
 * Node-wide receive evidence, shared by all paths (one entry): when the
 * receive path was last seen current, and the latest stall it revealed.
 */
struct fabric_probe_host {
	__u32	lock;		/* struct bpf_spin_lock in BPF */
	__u32	pad;
	__u64	rx_live_ns;	/* latest answer that came back in time */
	__u64	charge_from_ns;	/* a late answer left here ... */
	__u64	charge_to_ns;	/* ... and came back here ... */
	__u64	charge_ns;	/* ... this much after its deadline */
	__u64	charges;	/* late answers that charged probes in flight */
	/* appended: the receive path per CPU (CPU % FABRIC_PROBE_CPUS) */
	__u64	rx_live_cpu[FABRIC_PROBE_CPUS];
};

/* Judge settings (BPF: .bss probe_verdict_cfg; fabric.ko: per netns). */
struct fabric_probe_judge_cfg {
	__u64	timeout_ns;	/* answer deadline after departure */
	__u64	stall_tol_ns;	/* larger receive or judge lag: no verdict */
	__u64	judge_ns;	/* judge timer period, >= JUDGE_MIN */
	__u32	miss_k;		/* confirmed misses in a row -> DOWN */
	__u32	recover;	/* answers in a row that clear DOWN */
	__u16	port;		/* reflector's UDP port (network order) */
	__u16	pad[3];
};

/*
 * FABRIC_EV_PROBE_VERDICT ringbuf record: struct fabric_event with
 * qp = path slot, psn = verdict, missing = miss run, expected_psn = the
 * lag in microseconds, flow_gaps = the path's verdicts so far.
 */
#define FABRIC_EV_PROBE_VERDICT	16

#endif
