/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared fixture of the bpf selftests: load the fabric skeleton with test
 * settings, run its programs with BPF_PROG_TEST_RUN and read its maps back
 * (per-CPU values summed).
 */
#ifndef FABRIC_SELFTEST_FAB_H
#define FABRIC_SELFTEST_FAB_H

#include <stddef.h>
#include "fabric_abi.h"
#include "fabric.skel.h"

#define FAB_T0		1000000000000ULL	/* clock at load, ns */
#define FAB_LO_IFINDEX	1			/* test_run's ingress: netns lo */
#define FAB_XDP_PASS	2
#define FAB_TC_ACT_UNSPEC	((__u32)-1)	/* let the next tc filter run */

struct fab_opts {
	__u32	nsets;			/* power of two; 0: 16 */
	__u64	event_interval_ns;	/* 0: no rate limit */
	__u32	read_pmtu;
	__u32	node_id;
	__u32	ringbuf_size;		/* 0: as compiled */
	__u32	hash_seed;		/* 0: FABRIC_HASH_SEED */
	__u32	replay_truncated;
};

struct fab {
	struct fabric_bpf *skel;
	__u32	nsets;
	__u32	seed;
	int	ncpus;
};

int fab_open(struct fab *f, const struct fab_opts *o);
void fab_close(struct fab *f);
void fab_set_clock(struct fab *f, __u64 ns);

/*
 * Run a program once on @pkt. Returns 0 or -errno of the syscall; the
 * program's return value goes to @retval, the frame it left to @out.
 */
int fab_xdp_run(struct fab *f, const void *pkt, __u32 len, __u32 *retval,
		void *out, __u32 *out_len);
/*
 * XDP with only the first @linear bytes in the linear area and the rest in
 * fragments (test_run takes the linear size from xdp_md.data_end).
 */
int fab_xdp_run_linear(struct fab *f, const void *pkt, __u32 len,
		       __u32 linear, __u32 *retval);
/* XDP as if the frame arrived on @ifindex (a device of this netns). */
int fab_xdp_run_on(struct fab *f, const void *pkt, __u32 len, __u32 ifindex,
		   __u32 *retval);
int fab_tc_run(struct fab *f, const void *pkt, __u32 len, __u32 *retval,
	       void *out, __u32 *out_len);

/* Sum over CPUs; a port never seen reads as all zeroes and returns -ENOENT. */
int fab_port(struct fab *f, __u32 ifindex, struct fabric_port_counters *pc);
int fab_stats(struct fab *f, struct fabric_dp_stats *st);

/* Way of the flow in its set, or -ENOENT; @out may be NULL. */
int fab_flow_find(struct fab *f, const struct fabric_flow_key *key,
		  struct fabric_flow *out);
/* Occupied slots over the whole table. */
int fab_flow_count(struct fab *f);
/*
 * Every occupied slot (a BUSY one too, with its ownership word), as read
 * by one map lookup per set; returns the count or the callback's error.
 */
int fab_flow_for_each(struct fab *f,
		      int (*cb)(const struct fabric_flow *fl, __u32 own, void *ctx),
		      void *ctx);
int fab_tx_flow(struct fab *f, const struct fabric_flow_key *key,
		struct fabric_tx_flow *out);
int fab_tx_flow_count(struct fab *f);

/* Ringbuf records: the first FAB_MAX_EVENTS are kept, all are counted. */
#define FAB_MAX_EVENTS	16

struct fab_ev_log {
	int n;
	struct fabric_event ev[FAB_MAX_EVENTS];
};

/* Consume every queued record into @log; returns how many, or -1. */
int fab_drain_events(struct fab *f, struct fab_ev_log *log);
/* Sleep @ms whatever signals arrive; CLOCK_MONOTONIC in ns. */
void fab_msleep(unsigned int ms);
__u64 fab_mono_ns(void);

#endif
