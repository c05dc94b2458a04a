/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-path UDP echo probes (wire format: common/fabric_probe.h). One
 * socket per path, bound to the path's device and local address, sends a
 * probe to the peer every interval from one timerfd; the peer's XDP
 * reflector answers. A probe unanswered timeout_ns after it left is a
 * miss. The prober judges by the kernel's receive timestamp, so an answer
 * that was read late is not a miss; the round trip runs from the kernel's
 * transmit timestamp to it (probe_txstamp.h), so neither the sender's
 * nor the receiver's scheduling is part of it. It tells the policy how stalled
 * it was itself: every verdict carries a lag, the worst of its timer's
 * lateness and the receive-side scheduling delay seen while that probe
 * was in flight (Documentation/failover.md).
 */
#ifndef FABRIC_PROBE_USER_H
#define FABRIC_PROBE_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "nexthop.h"

#define FPROBE_MAX_PATHS	16
#define FPROBE_WINDOW		64	/* outstanding probes tracked per path */

struct fprobe_path_cfg {
	int family;			/* AF_INET or AF_INET6 */
	union fnh_addr local;		/* source address (0 = any) */
	union fnh_addr peer;		/* reflector's address */
	char ifname[IF_NAMESIZE];	/* device to bind, required */
};

enum fprobe_verdict {
	FPROBE_OK,	/* answered within timeout (kernel rx time) */
	FPROBE_MISS,	/* no answer within timeout */
};

typedef void (*fprobe_cb)(void *arg, uint32_t path, int verdict,
			  uint64_t now_ns, uint64_t lag_ns);
/* Every answer's round trip; late: the probe was already reported missed. */
typedef void (*fprobe_rtt_cb)(void *arg, uint32_t path, uint64_t rtt_ns,
			      bool late, uint64_t now_ns);

struct fprobe_cfg {
	uint64_t interval_ns;	/* per path; 100 us = 10k probes/s */
	uint64_t timeout_ns;	/* answer deadline after send */
	uint16_t port;		/* reflector's UDP port */
	/* the probe payload's path is path_base + index: a node-wide slot
	 * of the kernel-side verdict (common/fabric_probe.h) */
	uint32_t path_base;
	fprobe_cb cb;
	fprobe_rtt_cb rtt_cb;	/* optional */
	void *arg;
	/* time departures in userspace before sendto, as before kernel
	 * transmit stamps (for comparison) */
	bool no_txstamp;
};

struct fprobe_path_stats {
	uint64_t sent;
	uint64_t send_errors;
	uint64_t answered;
	uint64_t late;		/* answered after the deadline */
	uint64_t missed;
	uint64_t stalled_misses;	/* misses reported with lag > 0 */
	uint64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns;
	/* every matched answer is timed one way: kernel transmit stamp to
	 * kernel receive stamp, or from the userspace departure (stamp not
	 * read yet, lost, or the kernel has none) */
	uint64_t tx_stamped, tx_fallback;
	uint64_t tx_unmatched;	/* transmit stamps of no probe in the window */
};

struct fprobe_stats {
	uint64_t ticks;
	uint64_t ticks_skipped;		/* intervals lost to a stall */
	uint64_t lateness_max_ns;	/* worst timer lateness */
	uint64_t lateness_sum_ns;
	uint64_t rx_delay_max_ns;	/* worst kernel-rx -> read delay */
	uint32_t tx_kernel_paths;	/* paths with kernel transmit stamps */
	struct fprobe_path_stats path[FPROBE_MAX_PATHS];
};

struct fprobe;

/* Opens one socket per path in the current network namespace. */
struct fprobe *fprobe_open(const struct fprobe_cfg *cfg,
			   const struct fprobe_path_cfg *paths, uint32_t n);
void fprobe_close(struct fprobe *p);
/* Start the timer (first probes go out at once). */
int fprobe_start(struct fprobe *p);
/*
 * The one fd to poll: a timerfd firing every interval. Answers are read
 * from the path sockets at each tick (their kernel timestamps make the
 * reading time irrelevant), so a tick costs one wakeup for all paths.
 */
int fprobe_fd(const struct fprobe *p);
/* Call when fprobe_fd() is readable (or at will). */
void fprobe_run(struct fprobe *p);
/* Pause probing one path (say, while its carrier is down). */
void fprobe_enable(struct fprobe *p, uint32_t path, bool on);
const struct fprobe_stats *fprobe_stats(const struct fprobe *p);

#endif
