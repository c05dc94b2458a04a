/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The INT probe-mode sender (Documentation/int.md, "Probe mode"): UDP
 * datagrams carrying struct fabric_int_probe to the probe port, with a
 * flow class's DSCP and source ports, paced. fabricd runs one stream per
 * probe-mode class from its epoll loop (a timerfd armed at fip_next());
 * `fabricctl int probe` runs one stream with fip_run().
 */
#ifndef FABRIC_INT_PROBER_H
#define FABRIC_INT_PROBER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "fabric_int.h"

#define FIP_MAX_TARGETS		16
#define FIP_MAX_RATE		10000	/* probes per second, all streams */
#define FIP_NAME_MAX		32

struct fip_addr {
	int	family;		/* AF_INET, AF_INET6; 0: none */
	__u8	addr[16];
};

/* What one class sends: every round, one probe to every target. */
struct fip_spec {
	char		name[FIP_NAME_MAX];	/* the class, for metrics */
	__u8		dscp;
	__u32		rate;		/* rounds per second; 0: none */
	int		n_targets;
	struct fip_addr	target[FIP_MAX_TARGETS];
	__u16		sport_lo, sport_hi;	/* 0, 0: the kernel's port */
	__u16		dport;		/* the probe port */
	struct fip_addr	src4, src6;	/* source addresses; 0: the route's */
};

struct fip_stream {
	struct fip_spec	spec;
	int		fd4, fd6;
	bool		raw;		/* raw sockets: any source port */
	__u64		gap_ns;
	__u64		next_ns;	/* CLOCK_MONOTONIC of the next round */
	__u32		seq;
	__u32		sport_i;	/* next source port: lo + sport_i */
	/* read by the exporter thread: __atomic */
	__u64		sent, errors, late;
	int		last_errno;
};

/*
 * Open the sockets: raw UDP (CAP_NET_RAW), so that each round can take the
 * next source port of the range; without the capability and with at most
 * one source port, an ordinary UDP socket. 0, or -errno with why filled.
 */
int fip_open(struct fip_stream *s, const struct fip_spec *spec, char *why,
	     size_t whylen);
void fip_close(struct fip_stream *s);

/* Start the schedule: the first round is due at now_ns. */
void fip_start(struct fip_stream *s, __u64 now_ns);
/*
 * Send the rounds due at now_ns (at most one: a stream that fell behind by
 * more than a round skips the missed ones and counts them in late, so a
 * stall never turns into a burst). Returns the probes sent.
 */
int fip_poll(struct fip_stream *s, __u64 now_ns);
/* When the next round is due; ~0 for a stream that sends nothing. */
__u64 fip_next(const struct fip_stream *s);

/* fabricctl: count rounds, paced by clock_nanosleep. Returns probes sent. */
unsigned long fip_run(struct fip_stream *s, unsigned long rounds);

__u64 fip_now_ns(void);
/* "10.1.2.2" or "2001:db8::2" into a; 0 or -1 */
int fip_parse_addr(const char *s, struct fip_addr *a);
/* "40000" or "49152-49407" into lo, hi; 0 or -1 */
int fip_parse_ports(const char *s, __u16 *lo, __u16 *hi);

#endif
