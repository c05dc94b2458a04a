// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The prober's kernel transmit stamps (user/lib/probe_txstamp.c): mapping
 * the kernel's OPT_ID send counter back to probe sequence numbers across
 * the counter's 32-bit wrap and its restart after a failed send, the
 * restart itself on a real (unconnected, silent) socket, and the receive
 * stamp's cmsg parsing for both timestamp mechanisms.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "kselftest_harness.h"
#include "probe_txstamp.h"

#define WIN	64

TEST(key_maps_to_its_send)
{
	struct fpts t = { .on = true };
	uint64_t seq;

	/* five sends (seq 0..4), keys 0..4 */
	ASSERT_TRUE(fpts_key_seq(&t, 0, 5, WIN, &seq));
	ASSERT_EQ(0, seq);
	ASSERT_TRUE(fpts_key_seq(&t, 4, 5, WIN, &seq));
	ASSERT_EQ(4, seq);
	/* not sent yet */
	ASSERT_FALSE(fpts_key_seq(&t, 5, 5, WIN, &seq));
	ASSERT_FALSE(fpts_key_seq(&t, 6, 5, WIN, &seq));
	/* nothing sent at all */
	ASSERT_FALSE(fpts_key_seq(&t, 0, 0, WIN, &seq));
}

TEST(key_outside_window_is_stale)
{
	struct fpts t = { .on = true };
	uint64_t seq;

	ASSERT_TRUE(fpts_key_seq(&t, 100 - WIN, 100, WIN, &seq));
	ASSERT_EQ(100 - WIN, seq);
	ASSERT_FALSE(fpts_key_seq(&t, 100 - WIN - 1, 100, WIN, &seq));
	ASSERT_FALSE(fpts_key_seq(&t, 3, 100, WIN, &seq));
}

TEST(key_wraps_at_32_bits)
{
	struct fpts t = { .on = true };
	uint64_t next = (1ULL << 32) + 3, seq;

	/* the send with seq 2^32 - 1 took key 0xffffffff, the next ones 0.. */
	ASSERT_TRUE(fpts_key_seq(&t, 0xffffffffU, next, WIN, &seq));
	ASSERT_EQ((1ULL << 32) - 1, seq);
	ASSERT_TRUE(fpts_key_seq(&t, 0, next, WIN, &seq));
	ASSERT_EQ(1ULL << 32, seq);
	ASSERT_TRUE(fpts_key_seq(&t, 2, next, WIN, &seq));
	ASSERT_EQ((1ULL << 32) + 2, seq);
	ASSERT_FALSE(fpts_key_seq(&t, 3, next, WIN, &seq));
	ASSERT_FALSE(fpts_key_seq(&t, 0xffffffffU - WIN, next, WIN, &seq));
}

TEST(key_counts_from_restart)
{
	struct fpts t = { .on = true, .seq0 = 1000 };
	uint64_t seq;

	/* restarted before seq 1000; 1000..1002 sent since */
	ASSERT_TRUE(fpts_key_seq(&t, 0, 1003, WIN, &seq));
	ASSERT_EQ(1000, seq);
	ASSERT_TRUE(fpts_key_seq(&t, 2, 1003, WIN, &seq));
	ASSERT_EQ(1002, seq);
	ASSERT_FALSE(fpts_key_seq(&t, 3, 1003, WIN, &seq));
	/* the old counter's keys just before the restart are not ours */
	ASSERT_FALSE(fpts_key_seq(&t, 0xffffffffU, 1003, WIN, &seq));
	ASSERT_FALSE(fpts_key_seq(&t, 997, 1003, WIN, &seq));
}

TEST(failed_send_asks_for_restart)
{
	struct fpts t = { .on = true };
	struct fpts off = { 0 };

	fpts_sent(&t, true);
	fpts_sent(&t, true);
	ASSERT_EQ(2, t.unread);
	ASSERT_FALSE(t.restart);
	fpts_sent(&t, false);
	ASSERT_TRUE(t.restart);
	ASSERT_EQ(2, t.unread);
	/* without kernel stamps nothing is tracked */
	fpts_sent(&off, false);
	ASSERT_FALSE(off.restart);
	ASSERT_EQ(0, off.unread);
}

TEST(restart_on_a_socket)
{
	struct fpts t;
	int fd, flags = 0;
	socklen_t len = sizeof(flags);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	if (fpts_enable(fd, &t)) {
		close(fd);
		SKIP(return, "kernel refuses SO_TIMESTAMPING");
	}
	ASSERT_TRUE(t.on);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, &len));
	ASSERT_TRUE(flags & SOF_TIMESTAMPING_OPT_ID);
	ASSERT_TRUE(flags & SOF_TIMESTAMPING_TX_SOFTWARE);
	ASSERT_TRUE(flags & SOF_TIMESTAMPING_OPT_TSONLY);
	fpts_sent(&t, false);
	ASSERT_EQ(0, fpts_restart(fd, &t, 77));
	ASSERT_FALSE(t.restart);
	ASSERT_EQ(77, t.seq0);
	len = sizeof(flags);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, &len));
	ASSERT_TRUE(flags & SOF_TIMESTAMPING_OPT_ID);
	close(fd);
}

static void put_cmsg(struct msghdr *mh, int type, const void *data, size_t len)
{
	struct cmsghdr *cm = CMSG_FIRSTHDR(mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), data, len);
	mh->msg_controllen = CMSG_SPACE(len);
}

TEST(rx_stamp_from_either_mechanism)
{
	char buf[CMSG_SPACE(sizeof(struct scm_timestamping))];
	struct msghdr mh = { .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct scm_timestamping tss = { 0 };
	struct timespec ts = { .tv_sec = 5, .tv_nsec = 7 };

	memset(buf, 0, sizeof(buf));
	tss.ts[0] = ts;
	put_cmsg(&mh, SCM_TIMESTAMPING, &tss, sizeof(tss));
	ASSERT_EQ(5000000007ULL, fpts_rx_stamp(&mh));
	mh.msg_controllen = sizeof(buf);
	ts.tv_sec = 6;
	put_cmsg(&mh, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	ASSERT_EQ(6000000007ULL, fpts_rx_stamp(&mh));
	mh.msg_controllen = 0;
	ASSERT_EQ(0, fpts_rx_stamp(&mh));
}

TEST_HARNESS_MAIN
