// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-path echo prober. See probe.h for the model. One timerfd tick does,
 * in order: read the kernel's transmit stamps of the probes sent so far
 * and every answer queued on the path sockets (matching each to its
 * probe by sequence number and timing it from the kernel's transmit
 * stamp to its receive stamp), charge this tick's stall to every probe
 * still in flight, report probes whose deadline passed as misses (with the worst stall
 * seen while they were in flight as the lag), send the next probe on
 * every enabled path and re-arm the timer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "fabric_probe.h"
#include "probe.h"
#include "probe_txstamp.h"

/* answers read per recvmmsg() */
#define FPROBE_BATCH	16

struct fprobe_slot {
	uint64_t seq;
	uint64_t tx_ns;		/* CLOCK_MONOTONIC before sendto: deadline */
	uint64_t tx_rt;		/* kernel transmit stamp (realtime), 0: none */
	uint64_t lag_ns;
	bool open;
};

struct fprobe_path {
	int fd;
	bool enabled;
	struct fpts ts;
	uint64_t next_seq;
	uint64_t oldest;	/* oldest sequence number maybe open */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct fprobe_slot win[FPROBE_WINDOW];
};

struct fprobe {
	struct fprobe_cfg cfg;
	uint32_t n;
	int tfd;
	uint64_t next_tick;
	int64_t rt_off;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t rt_off_at;
	struct fprobe_stats st;
	struct fprobe_path path[FPROBE_MAX_PATHS];
};

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

/* Software stamps are CLOCK_REALTIME; keep the offset to monotonic fresh. */
static void fprobe_sync_clock(struct fprobe *p, uint64_t now)
{
	struct timespec m, r, m2;

	if (p->rt_off_at && now - p->rt_off_at < 1000000000ULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	p->rt_off = (int64_t)ts_ns(&r) - (int64_t)((ts_ns(&m) + ts_ns(&m2)) / 2);
	p->rt_off_at = now;
}

static int fprobe_path_open(struct fprobe *p, struct fprobe_path *pp,
			    const struct fprobe_path_cfg *pc)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int one = 1, fd;
	socklen_t len;

	fd = socket(pc->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, pc->ifname,
		       strlen(pc->ifname)))
		goto err;
	/*
	 * One mechanism for both ends: SO_TIMESTAMPING stamps the departure
	 * at the driver and the answer at receive. Without it, the answer
	 * keeps SO_TIMESTAMPNS and the departure is the userspace clock.
	 */
	if ((p->cfg.no_txstamp || fpts_enable(fd, &pp->ts)) &&
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		goto err;
	if (pc->family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr = pc->local.v4;
		len = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = pc->local.v6;
		len = sizeof(*s6);
	}
	/*
	 * A locally sent datagram leaves with a partial checksum (offload);
	 * after XDP_TX reflection nobody completes it and the answer fails
	 * verification. IPv4 may go without one, as RoCE NICs do. (IPv6
	 * needs tx checksum offload off on the probed device.)
	 */
	if (pc->family == AF_INET &&
	    setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)))
		goto err;
	if (bind(fd, (struct sockaddr *)&ss, len))
		goto err;
	memset(&pp->peer, 0, sizeof(pp->peer));
	s4 = (struct sockaddr_in *)&pp->peer;
	s6 = (struct sockaddr_in6 *)&pp->peer;
	if (pc->family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr = pc->peer.v4;
		s4->sin_port = htons(p->cfg.port);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = pc->peer.v6;
		s6->sin6_port = htons(p->cfg.port);
	}
	pp->peer_len = len;
	pp->fd = fd;
	pp->enabled = true;
	return 0;
err:
	one = -errno;
	close(fd);
	return one;
}

struct fprobe *fprobe_open(const struct fprobe_cfg *cfg,
			   const struct fprobe_path_cfg *paths, uint32_t n)
{
	struct fprobe *p;
	uint32_t i;

	if (!n || n > FPROBE_MAX_PATHS || !cfg->interval_ns ||
	    !cfg->timeout_ns || !cfg->cb) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = *cfg;
	if (!p->cfg.port)
		p->cfg.port = FABRIC_PROBE_PORT;
	p->tfd = -1;
	for (i = 0; i < FPROBE_MAX_PATHS; i++)
		p->path[i].fd = -1;
	for (i = 0; i < n; i++) {
		int err = fprobe_path_open(p, &p->path[i], &paths[i]);

		if (err) {
			fprobe_close(p);
			errno = -err;
			return NULL;
		}
	}
	p->n = n;
	for (i = 0; i < n; i++)
		p->st.tx_kernel_paths += p->path[i].ts.on;
	p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->tfd < 0) {
		fprobe_close(p);
		return NULL;
	}
	/* The default 50 us timer slack would be most of an interval. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	return p;
}

void fprobe_close(struct fprobe *p)
{
	uint32_t i;

	if (!p)
		return;
	for (i = 0; i < FPROBE_MAX_PATHS; i++)
		if (p->path[i].fd >= 0)
			close(p->path[i].fd);
	if (p->tfd >= 0)
		close(p->tfd);
	free(p);
}

static int fprobe_arm(struct fprobe *p)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = p->next_tick / 1000000000ULL;
	its.it_value.tv_nsec = p->next_tick % 1000000000ULL;
	return timerfd_settime(p->tfd, TFD_TIMER_ABSTIME, &its, NULL) ? -errno : 0;
}

int fprobe_start(struct fprobe *p)
{
	p->next_tick = mono_ns();
	return fprobe_arm(p);
}

int fprobe_fd(const struct fprobe *p)
{
	return p->tfd;
}

void fprobe_enable(struct fprobe *p, uint32_t path, bool on)
{
	struct fprobe_path *pp;

	if (path >= p->n)
		return;
	pp = &p->path[path];
	if (pp->enabled == on)
		return;
	pp->enabled = on;
	/* Forget probes in flight: they say nothing about the new period. */
	for (; pp->oldest < pp->next_seq; pp->oldest++)
		pp->win[pp->oldest % FPROBE_WINDOW].open = false;
}

const struct fprobe_stats *fprobe_stats(const struct fprobe *p)
{
	return &p->st;
}

/* Read the transmit stamps queued on one path, one recvmmsg() a batch. */
static void fprobe_read_stamps(struct fprobe *p, uint32_t i)
{
	struct fprobe_path *pp = &p->path[i];
	struct fprobe_path_stats *ps = &p->st.path[i];
	struct fpts_stamp st[FPTS_BATCH];
	unsigned int got, k;
	int n;

	if (!pp->ts.on || !pp->ts.unread)
		return;
	do {
		n = fpts_read(pp->fd, st, FPTS_BATCH, &got);
		for (k = 0; k < got; k++) {
			uint64_t seq;

			if (fpts_key_seq(&pp->ts, st[k].key, pp->next_seq,
					 FPROBE_WINDOW, &seq) &&
			    pp->win[seq % FPROBE_WINDOW].seq == seq)
				pp->win[seq % FPROBE_WINDOW].tx_rt = st[k].rt_ns;
			else
				ps->tx_unmatched++;
		}
	} while (n == FPTS_BATCH);
	/* none left now: one still held in a qdisc is read after the next send */
	pp->ts.unread = 0;
}

/*
 * The round trip of an answer: kernel transmit stamp to kernel receive
 * stamp where both exist (the same clock, no offset involved), else from
 * the userspace departure, counted as a fallback. (The first answers
 * after a socket turned stamping on may come without a receive stamp,
 * while the kernel enables it: then rx is the reading time.)
 */
static uint64_t fprobe_rtt(struct fprobe *p, uint32_t i, struct fprobe_slot *s,
			   uint64_t rx_rt, uint64_t rx, bool *reread)
{
	struct fprobe_path_stats *ps = &p->st.path[i];

	if (!s->tx_rt && p->path[i].ts.on && !*reread) {
		/* its stamp may have been queued after this tick's read */
		*reread = true;
		p->path[i].ts.unread++;
		fprobe_read_stamps(p, i);
	}
	if (s->tx_rt && rx_rt && rx_rt >= s->tx_rt) {
		ps->tx_stamped++;
		return rx_rt - s->tx_rt;
	}
	if (s->tx_rt && !rx_rt) {
		ps->tx_stamped++;
		return (int64_t)(rx + p->rt_off - s->tx_rt) > 0 ?
		       rx + p->rt_off - s->tx_rt : 0;
	}
	ps->tx_fallback++;
	return (int64_t)(rx - s->tx_ns) > 0 ? rx - s->tx_ns : 0;
}

/* Read every queued answer on one path. Returns the worst late excess. */
static uint64_t fprobe_drain(struct fprobe *p, uint32_t i, uint64_t now)
{
	struct fprobe_path *pp = &p->path[i];
	struct fprobe_path_stats *ps = &p->st.path[i];
	char cbuf[FPROBE_BATCH][CMSG_SPACE(3 * sizeof(struct timespec))];
	struct fabric_probe_msg msg[FPROBE_BATCH];
	struct mmsghdr mm[FPROBE_BATCH];
	struct iovec iov[FPROBE_BATCH];
	bool reread = false;
	uint64_t excess = 0;
	int n, k;

	fprobe_read_stamps(p, i);
	do {
		for (k = 0; k < FPROBE_BATCH; k++) {
			iov[k].iov_base = &msg[k];
			iov[k].iov_len = sizeof(msg[k]);
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
			mm[k].msg_hdr.msg_control = cbuf[k];
			mm[k].msg_hdr.msg_controllen = sizeof(cbuf[k]);
		}
		n = recvmmsg(pp->fd, mm, FPROBE_BATCH, MSG_DONTWAIT, NULL);
		for (k = 0; k < n; k++) {
			struct fabric_probe_msg *m = &msg[k];
			uint64_t rx_rt, rx = now, rtt;
			struct fprobe_slot *s;
			bool missed;

			if (mm[k].msg_len != sizeof(*m) ||
			    m->magic != htonl(FABRIC_PROBE_MAGIC) ||
			    m->path != p->cfg.path_base + i)
				continue;
			rx_rt = fpts_rx_stamp(&mm[k].msg_hdr);
			if (rx_rt)
				rx = rx_rt - p->rt_off;
			if ((int64_t)(now - rx) > 0 && now - rx > p->st.rx_delay_max_ns)
				p->st.rx_delay_max_ns = now - rx;
			s = &pp->win[m->seq % FPROBE_WINDOW];
			if (s->seq != m->seq || m->tx_ns != s->tx_ns)
				continue;	/* too old: the slot was reused */
			rtt = fprobe_rtt(p, i, s, rx_rt, rx, &reread);
			if (!ps->rtt_min_ns || rtt < ps->rtt_min_ns)
				ps->rtt_min_ns = rtt;
			if (rtt > ps->rtt_max_ns)
				ps->rtt_max_ns = rtt;
			ps->rtt_sum_ns += rtt;
			missed = !s->open;
			if (missed) {
				/*
				 * Already reported missing: the path works but
				 * the round trip was stalled somewhere we cannot
				 * see (softirq, the peer). Charge that to probes
				 * still in flight, and count it as proof of life.
				 */
				ps->late++;
				/* (with kernel stamps it may be under the timeout) */
				if (rtt > p->cfg.timeout_ns &&
				    rtt - p->cfg.timeout_ns > excess)
					excess = rtt - p->cfg.timeout_ns;
			} else {
				s->open = false;
				ps->answered++;
				if (rtt > p->cfg.timeout_ns) {
					ps->late++;
					if (rtt - p->cfg.timeout_ns > excess)
						excess = rtt - p->cfg.timeout_ns;
				}
			}
			if (p->cfg.rtt_cb)
				p->cfg.rtt_cb(p->cfg.arg, i, rtt, missed, now);
			p->cfg.cb(p->cfg.arg, i, FPROBE_OK, now, 0);
		}
	} while (n == FPROBE_BATCH);
	return excess;
}

static void fprobe_expire(struct fprobe *p, uint32_t i, uint64_t now,
			  uint64_t stall)
{
	struct fprobe_path *pp = &p->path[i];
	struct fprobe_path_stats *ps = &p->st.path[i];
	uint64_t q;

	for (q = pp->oldest; q < pp->next_seq; q++) {
		struct fprobe_slot *s = &pp->win[q % FPROBE_WINDOW];

		if (!s->open)
			continue;
		if (stall > s->lag_ns)
			s->lag_ns = stall;
		if (now - s->tx_ns < p->cfg.timeout_ns)
			continue;
		s->open = false;
		ps->missed++;
		if (s->lag_ns)
			ps->stalled_misses++;
		p->cfg.cb(p->cfg.arg, i, FPROBE_MISS, now, s->lag_ns);
	}
	while (pp->oldest < pp->next_seq &&
	       !pp->win[pp->oldest % FPROBE_WINDOW].open)
		pp->oldest++;
}

static void fprobe_send(struct fprobe *p, uint32_t i)
{
	struct fprobe_path *pp = &p->path[i];
	struct fprobe_path_stats *ps = &p->st.path[i];
	struct fabric_probe_msg m;
	struct fprobe_slot *s;
	bool ok;

	/* A full window means the oldest is long overdue: drop it. */
	if (pp->next_seq - pp->oldest >= FPROBE_WINDOW)
		pp->oldest++;
	s = &pp->win[pp->next_seq % FPROBE_WINDOW];
	m.magic = htonl(FABRIC_PROBE_MAGIC);
	m.path = p->cfg.path_base + i;
	m.seq = pp->next_seq;
	m.tx_ns = mono_ns();
	s->seq = m.seq;
	s->tx_ns = m.tx_ns;
	s->tx_rt = 0;
	s->lag_ns = 0;
	s->open = true;
	if (pp->ts.restart && fpts_restart(pp->fd, &pp->ts, m.seq))
		pp->ts.on = false;	/* cannot map keys any more */
	pp->next_seq++;
	ok = sendto(pp->fd, &m, sizeof(m), 0, (struct sockaddr *)&pp->peer,
		    pp->peer_len) == sizeof(m);
	/* No route or device down: no answer will come, a miss. */
	if (!ok)
		ps->send_errors++;
	fpts_sent(&pp->ts, ok);
	ps->sent++;
}

void fprobe_run(struct fprobe *p)
{
	uint64_t exp, now = mono_ns(), late = 0, stall = 0, excess;
	bool tick = false;
	uint32_t i;

	if (read(p->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	fprobe_sync_clock(p, now);
	if ((int64_t)(now - p->next_tick) >= 0) {
		tick = true;
		late = now - p->next_tick;
		p->st.ticks++;
		p->st.lateness_sum_ns += late;
		if (late > p->st.lateness_max_ns)
			p->st.lateness_max_ns = late;
	}
	stall = late;
	for (i = 0; i < p->n; i++) {
		excess = fprobe_drain(p, i, now);
		if (excess > stall)
			stall = excess;
	}
	for (i = 0; i < p->n; i++)
		fprobe_expire(p, i, now, stall);
	if (!tick)
		return;
	for (i = 0; i < p->n; i++)
		if (p->path[i].enabled)
			fprobe_send(p, i);
	p->next_tick += p->cfg.interval_ns;
	if ((int64_t)(now - p->next_tick) >= 0) {
		p->st.ticks_skipped += (now - p->next_tick) / p->cfg.interval_ns + 1;
		p->next_tick = now + p->cfg.interval_ns;
	}
	fprobe_arm(p);
}
