/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel transmit timestamps for the echo prober (probe.c). A probe's
 * departure is the kernel's software stamp at the driver's transmit
 * (SOF_TIMESTAMPING_TX_SOFTWARE), not a clock read in userspace before
 * sendto: the sender's own scheduling before the frame leaves is then no
 * part of the round trip. The stamps come back on the socket's error
 * queue (OPT_TSONLY: no payload), read in batches, and carry the
 * kernel's per-socket send counter (OPT_ID), which this file maps back
 * to the prober's sequence numbers.
 *
 * The counter counts successful sends; a failed send may or may not
 * have taken a number, so after one the counter is restarted (the flag
 * cleared and set again) before the next send, and key 0 names that
 * send's sequence number (Documentation/failover.md, "Probe timestamps").
 */
#ifndef FABRIC_PROBE_TXSTAMP_H
#define FABRIC_PROBE_TXSTAMP_H

#include <stdbool.h>
#include <stdint.h>

struct fpts {
	uint64_t seq0;		/* sequence number of the send that took key 0 */
	uint32_t unread;	/* sends since the error queue was last read */
	bool on;		/* kernel stamps enabled on the socket */
	bool restart;		/* a send failed: restart the counter first */
};

struct fpts_stamp {
	uint32_t key;		/* the kernel's OPT_ID counter */
	uint64_t rt_ns;		/* CLOCK_REALTIME, like every software stamp */
};

/*
 * Stamp transmissions and receptions with SO_TIMESTAMPING (rx stamps as
 * SCM_TIMESTAMPING ts[0]). Returns 0, or -errno if the kernel refuses:
 * the caller then keeps SO_TIMESTAMPNS and userspace departures.
 */
int fpts_enable(int fd, struct fpts *t);
/* Restart the key counter; the next send's sequence number is seq. */
int fpts_restart(int fd, struct fpts *t, uint64_t seq);
/* Note one send's outcome (before next_seq moves past it). */
void fpts_sent(struct fpts *t, bool ok);
/*
 * The sequence number the stamp with this key belongs to, given that
 * every probe below next_seq has been sent and at most window of them
 * can still be matched. False for a key of no send in that window
 * (stale, from before a restart, or not sent yet). Handles the 32-bit
 * wrap of the key.
 */
bool fpts_key_seq(const struct fpts *t, uint32_t key, uint64_t next_seq,
		  uint32_t window, uint64_t *seq);
#define FPTS_BATCH	32
/*
 * Read up to max (<= FPTS_BATCH) error-queue entries of fd with one
 * recvmmsg(); the transmit stamps among them go to out, *got of them.
 * Returns the entries read (max: read again), 0 if none, or -errno.
 */
int fpts_read(int fd, struct fpts_stamp *out, unsigned int max,
	      unsigned int *got);
/* The software stamp (realtime ns) of a received datagram's cmsgs, or 0. */
struct msghdr;
uint64_t fpts_rx_stamp(struct msghdr *mh);

#endif
