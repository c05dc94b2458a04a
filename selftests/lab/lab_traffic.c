// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Failover lab traffic: see lab_traffic.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "lab_traffic.h"

#define LT_MAGIC	0x4c544631U	/* "LTF1" */
#define LT_BATCH	64

struct lt_hdr {
	uint32_t magic;
	uint32_t flow;
	uint64_t seq;
	uint64_t tx_ns;
	uint64_t prev_tx_ns;	/* the flow's previous send, 0 none */
};

uint64_t lt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int lt_enter_ns(const char *name)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s%s", name[0] == '/' ? "" : "/run/netns/",
		 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

static void lt_send(struct lt *t, int fd, char *buf, int i)
{
	struct lt_hdr *h = (struct lt_hdr *)buf;

	h->flow = i;
	h->seq = t->flow[i].sent;
	h->tx_ns = lt_now();
	h->prev_tx_ns = t->prev_send_ns[i];
	/* ENOBUFS/ENETUNREACH during a fault: still a send. */
	send(fd, buf, t->cfg.payload, MSG_DONTWAIT);
	t->prev_send_ns[i] = h->tx_ns;
	t->flow[i].sent++;
}

static void lt_spacing(struct lt *t, uint64_t ns)
{
	uint32_t i;

	for (i = 0; i < LT_SPACING_BUCKETS && ns > lt_spacing_bound_ns(i); i++)
		;
	t->spacing[i]++;
}

void lt_hot(struct lt *t, const uint8_t *which)
{
	uint32_t i;

	for (i = 0; i < t->cfg.flows; i++)
		t->hot[i] = which ? !!which[i] : 0;
}

/* SCHED_FIFO at prio (> 0) or back to SCHED_OTHER (0). */
static void lt_sched(struct lt *t, int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	int err;

	err = pthread_setschedparam(pthread_self(), prio ? SCHED_FIFO : SCHED_OTHER, &sp);
	if (err && prio)
		t->rt_err = -err;
}

static void lt_wait(uint64_t wake)
{
	struct timespec ts = { wake / 1000000000ULL, wake % 1000000000ULL };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void *lt_tx(void *arg)
{
	struct lt *t = arg;
	const struct lt_cfg *c = &t->cfg;
	int fds[LT_MAX_FLOWS], i, n = c->flows;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char buf[1500] = { 0 };
	struct lt_hdr *h = (struct lt_hdr *)buf;
	uint64_t round_ns, hot_ns, next, hot_next, last[LT_MAX_FLOWS] = { 0 };
	uint64_t hot_since = 0, spin_max;
	bool spinning = false;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	if ((t->err = lt_enter_ns(c->src_ns)))
		goto out;
	dst.sin_addr = c->dst;
	dst.sin_port = htons(c->dport);
	for (i = 0; i < n; i++) {
		struct sockaddr_in src = {
			.sin_family = AF_INET,
			.sin_port = htons(c->sport_base + i),
		};

		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&src, sizeof(src)) ||
		    connect(fds[i], (struct sockaddr *)&dst, sizeof(dst))) {
			t->err = -errno;
			goto out;
		}
	}
	__sync_fetch_and_add(&t->ready, 1);
	/* 20 us pacing for hot flows: no 50 us timer slack. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	round_ns = 1000000000ULL * n / c->pps;
	hot_ns = 1000000000ULL / c->hot_pps;
	spin_max = (c->hot_spin_ms ? c->hot_spin_ms : 20) * 1000000ULL;
	next = hot_next = lt_now();
	h->magic = LT_MAGIC;
	while (!t->stop && !t->stop_tx) {
		uint64_t now = lt_now(), wake;
		bool any_hot = false;

		if ((int64_t)(now - next) >= 0) {
			t->tx_end_ns = now;
			for (i = 0; i < n; i++)
				if (!t->hot[i])
					lt_send(t, fds[i], buf, i);
			next += round_ns;
			if ((int64_t)(lt_now() - next) > 100000000LL)
				next = lt_now();	/* stalled long: don't burst */
		}
		for (i = 0; i < n; i++)
			any_hot |= t->hot[i];
		if (any_hot && (int64_t)(now - hot_next) >= 0) {
			for (i = 0; i < n; i++) {
				if (!t->hot[i])
					continue;
				if (last[i])
					lt_spacing(t, now - last[i]);
				last[i] = now;
				lt_send(t, fds[i], buf, i);
			}
			hot_next += hot_ns;
			/* Behind (preempted): resume the pace, don't burst. */
			if ((int64_t)(lt_now() - hot_next) > 0)
				hot_next = lt_now();
		}
		if (!any_hot) {
			memset(last, 0, sizeof(last));
			hot_next = lt_now();
			if (hot_since && spinning)
				t->spin_ns += lt_now() - hot_since;
			if (spinning)
				lt_sched(t, 0);
			hot_since = 0;
			spinning = false;
		} else if (!hot_since) {
			hot_since = lt_now();
			spinning = c->hot_rt > 0;
			if (spinning)
				lt_sched(t, c->hot_rt);
		} else if (spinning && lt_now() - hot_since > spin_max) {
			/* a long hot window (FRR): sleep, let softirq run */
			t->spin_ns += lt_now() - hot_since;
			t->spin_capped++;
			lt_sched(t, 0);
			spinning = false;
		}
		wake = any_hot && (int64_t)(hot_next - next) < 0 ? hot_next : next;
		if (spinning) {
			/* Spin for exact spacing: SCHED_FIFO, a few ms per
			 * fault, so it does not take the detector's CPU for
			 * long (the hot window ends once the flows moved). */
			while (!t->stop_tx && !t->stop &&
			       (int64_t)(wake - lt_now()) > 0)
				__builtin_ia32_pause();
			continue;
		}
		/* Sleep even between hot sends: spinning would take the CPU
		 * the detector under test needs (2 vCPUs). */
		lt_wait(wake);
	}
out:
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (t->err)
		__sync_fetch_and_add(&t->ready, 1);
	return NULL;
}

static void lt_account(struct lt *t, const struct lt_hdr *h, uint8_t dscp,
		       uint64_t rx)
{
	struct lt_flow *f;
	uint64_t lost = 0, gap;

	if (h->magic != LT_MAGIC || h->flow >= t->cfg.flows)
		return;
	f = &t->flow[h->flow];
	pthread_mutex_lock(&t->lock);
	if (h->seq >= f->next_seq) {
		lost = h->seq - f->next_seq;
		f->lost += lost;
		f->next_seq = h->seq + 1;
		f->last_tx_ns = h->tx_ns;
	} else {
		f->reordered++;
		if (f->lost)
			f->lost--;
	}
	f->recv++;
	gap = f->last_rx_ns && rx > f->last_rx_ns ? rx - f->last_rx_ns : 0;
	if (gap > f->max_gap_ns)
		f->max_gap_ns = gap;
	if (gap >= LT_GAP_NS && t->n_gaps < LT_MAX_GAPS) {
		struct lt_gap *g = &t->gap[t->n_gaps++];

		g->t_ns = rx;
		g->gap_ns = gap;
		g->lost = lost;
		g->flow = h->flow;
		g->path = dscp;
	}
	if (!f->path) {
		f->first_path = dscp;
	} else if (dscp != f->path) {
		if (t->n_moves < LT_MAX_MOVES) {
			struct lt_move *m = &t->move[t->n_moves++];

			m->t_ns = rx;
			m->tx_ns = h->tx_ns;
			m->gap_ns = gap;
			m->tx_gap_ns = h->tx_ns > f->prev_tx_ns ?
				       h->tx_ns - f->prev_tx_ns : 0;
			m->lost = lost;
			m->res_ns = h->prev_tx_ns && h->tx_ns > h->prev_tx_ns ?
				    h->tx_ns - h->prev_tx_ns : 0;
			m->flow = h->flow;
			m->from = f->path;
			m->to = dscp;
		} else {
			t->moves_lost++;
		}
		f->moves++;
	}
	f->path = dscp;
	f->last_rx_ns = rx;
	f->prev_tx_ns = h->tx_ns;
	pthread_mutex_unlock(&t->lock);
}

static void *lt_rx(void *arg)
{
	struct lt *t = arg;
	struct sockaddr_in a = { .sin_family = AF_INET };
	static __thread char bufs[LT_BATCH][256];
	static __thread char cbufs[LT_BATCH][128];
	struct mmsghdr mm[LT_BATCH];
	struct iovec iov[LT_BATCH];
	struct timespec to = { 0, 50000000 };
	int fd = -1, one = 1, n, i;
	int64_t off;
	struct timespec m1, r, m2;

	if ((t->err = lt_enter_ns(t->cfg.dst_ns)))
		goto out;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	a.sin_port = htons(t->cfg.dport);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		t->err = -errno;
		goto out;
	}
	one = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 0, 50000 },
		   sizeof(struct timeval));
	__sync_fetch_and_add(&t->ready, 1);
	while (!t->stop) {
		for (i = 0; i < LT_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = cbufs[i];
			mm[i].msg_hdr.msg_controllen = sizeof(cbufs[i]);
		}
		n = recvmmsg(fd, mm, LT_BATCH, MSG_WAITFORONE, &to);
		if (n <= 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &m1);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m2);
		off = (int64_t)(r.tv_sec * 1000000000LL + r.tv_nsec) -
		      (int64_t)((m1.tv_sec + m2.tv_sec) * 500000000LL +
				(m1.tv_nsec + m2.tv_nsec) / 2);
		for (i = 0; i < n; i++) {
			struct msghdr *mh = &mm[i].msg_hdr;
			uint64_t rx = lt_now();
			uint8_t tos = 0;
			struct cmsghdr *cm;

			if (mm[i].msg_len < sizeof(struct lt_hdr))
				continue;
			for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
				if (cm->cmsg_level == IPPROTO_IP &&
				    cm->cmsg_type == IP_TOS)
					tos = *(uint8_t *)CMSG_DATA(cm);
				if (cm->cmsg_level == SOL_SOCKET &&
				    cm->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec *k = (void *)CMSG_DATA(cm);

					rx = k->tv_sec * 1000000000ULL + k->tv_nsec - off;
				}
			}
			lt_account(t, (struct lt_hdr *)bufs[i], tos >> 2, rx);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (t->err)
		__sync_fetch_and_add(&t->ready, 1);
	return NULL;
}

struct lt *lt_start(const struct lt_cfg *cfg)
{
	struct lt *t;

	if (!cfg->flows || cfg->flows > LT_MAX_FLOWS || !cfg->pps) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (!t->cfg.dport)
		t->cfg.dport = 4791;
	if (!t->cfg.sport_base)
		t->cfg.sport_base = 20000;
	if (t->cfg.payload < sizeof(struct lt_hdr))
		t->cfg.payload = 64;
	if (!t->cfg.hot_pps)
		t->cfg.hot_pps = 50000;
	pthread_mutex_init(&t->lock, NULL);
	/* Receiver first, so the first packets find their socket. */
	if (pthread_create(&t->rx, NULL, lt_rx, t))
		goto err;
	while (t->ready < 1)
		usleep(1000);
	if (pthread_create(&t->tx, NULL, lt_tx, t)) {
		t->stop = 1;
		pthread_join(t->rx, NULL);
		goto err;
	}
	while (t->ready < 2)
		usleep(1000);
	if (t->err) {
		errno = -t->err;
		lt_free(t);
		return NULL;
	}
	return t;
err:
	free(t);
	return NULL;
}

void lt_stop(struct lt *t)
{
	if (!t || t->stop)
		return;
	t->stop = 1;
	pthread_join(t->tx, NULL);
	pthread_join(t->rx, NULL);
}

int lt_all_flowing(struct lt *t)
{
	uint32_t i;
	int all = 1;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->cfg.flows; i++)
		if (!t->flow[i].recv)
			all = 0;
	pthread_mutex_unlock(&t->lock);
	return all;
}

/* Packets received so far; *pending: flows whose last packet is not in. */
static uint64_t lt_progress(struct lt *t, uint32_t *pending)
{
	uint64_t n = 0;
	uint32_t i;

	*pending = 0;
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->cfg.flows; i++) {
		n += t->flow[i].recv;
		if (t->flow[i].next_seq < t->flow[i].sent)
			(*pending)++;
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

void lt_finish(struct lt *t, uint64_t quiet_ns, uint64_t max_ns)
{
	uint64_t start, last_change, seen, n;
	uint32_t pending;

	if (!t || t->stop)
		return;
	t->stop_tx = 1;
	pthread_join(t->tx, NULL);
	start = last_change = lt_now();
	seen = lt_progress(t, &pending);
	while (pending && lt_now() - start < max_ns &&
	       lt_now() - last_change < quiet_ns) {
		usleep(2000);
		n = lt_progress(t, &pending);
		if (n != seen) {
			seen = n;
			last_change = lt_now();
		}
	}
	t->stop = 1;
	pthread_join(t->rx, NULL);
}

void lt_free(struct lt *t)
{
	lt_stop(t);
	free(t);
}

void lt_snapshot(struct lt *t, struct lt_flow *flows)
{
	pthread_mutex_lock(&t->lock);
	memcpy(flows, t->flow, sizeof(t->flow[0]) * t->cfg.flows);
	pthread_mutex_unlock(&t->lock);
}
