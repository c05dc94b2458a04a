// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kernel transmit timestamps for the echo prober: socket set-up, the
 * error-queue reader and the OPT_ID key to sequence number mapping.
 * See probe_txstamp.h.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "probe_txstamp.h"

#define FPTS_FLAGS	(SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE | \
			 SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID | \
			 SOF_TIMESTAMPING_OPT_TSONLY)
/* scm_timestamping, and sock_extended_err with an IPv6 offender address */
#define FPTS_CBUF	(CMSG_SPACE(sizeof(struct scm_timestamping)) + \
			 CMSG_SPACE(sizeof(struct sock_extended_err) + \
				    sizeof(struct sockaddr_in6)) + 64)

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

int fpts_enable(int fd, struct fpts *t)
{
	int flags = FPTS_FLAGS;

	memset(t, 0, sizeof(*t));
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)))
		return -errno;
	t->on = true;
	return 0;
}

int fpts_restart(int fd, struct fpts *t, uint64_t seq)
{
	/* The counter restarts at 0 only when OPT_ID is newly set. */
	int flags = FPTS_FLAGS & ~SOF_TIMESTAMPING_OPT_ID;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)))
		return -errno;
	flags = FPTS_FLAGS;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)))
		return -errno;
	t->seq0 = seq;
	t->restart = false;
	return 0;
}

void fpts_sent(struct fpts *t, bool ok)
{
	if (!t->on)
		return;
	if (ok)
		t->unread++;
	else
		t->restart = true;
}

bool fpts_key_seq(const struct fpts *t, uint32_t key, uint64_t next_seq,
		  uint32_t window, uint64_t *seq)
{
	/* sends ago: 1 for the last one; the subtraction wraps with the key */
	uint32_t ago = (uint32_t)(next_seq - t->seq0) - key;

	if (!ago || ago > window || ago > next_seq - t->seq0)
		return false;
	*seq = next_seq - ago;
	return true;
}

static bool fpts_parse(struct msghdr *mh, struct fpts_stamp *s)
{
	const struct sock_extended_err *ee = NULL;
	const struct scm_timestamping *tss = NULL;
	struct cmsghdr *cm;

	if (mh->msg_flags & MSG_CTRUNC)
		return false;
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPING)
			tss = (const struct scm_timestamping *)CMSG_DATA(cm);
		else if ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
			 (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR))
			ee = (const struct sock_extended_err *)CMSG_DATA(cm);
	}
	if (!tss || !ee || ee->ee_errno != ENOMSG ||
	    ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
	    ee->ee_info != SCM_TSTAMP_SND)
		return false;
	s->key = ee->ee_data;
	s->rt_ns = ts_ns(&tss->ts[0]);
	return s->rt_ns != 0;
}

int fpts_read(int fd, struct fpts_stamp *out, unsigned int max,
	      unsigned int *got)
{
	struct mmsghdr mm[FPTS_BATCH];
	char cbuf[FPTS_BATCH][FPTS_CBUF];
	unsigned int i;
	int n;

	if (max > FPTS_BATCH)
		max = FPTS_BATCH;
	memset(mm, 0, sizeof(mm[0]) * max);
	for (i = 0; i < max; i++) {
		mm[i].msg_hdr.msg_control = cbuf[i];
		mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
	}
	*got = 0;
	n = recvmmsg(fd, mm, max, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (i = 0; i < (unsigned int)n; i++)
		if (fpts_parse(&mm[i].msg_hdr, &out[*got]))
			(*got)++;
	return n;
}

uint64_t fpts_rx_stamp(struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_TIMESTAMPING)
			return ts_ns(&((const struct scm_timestamping *)CMSG_DATA(cm))->ts[0]);
		if (cm->cmsg_type == SCM_TIMESTAMPNS)
			return ts_ns((const struct timespec *)CMSG_DATA(cm));
	}
	return 0;
}
