// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * INT probe-mode sender (int_prober.h). A probe is a UDP datagram to the
 * probe port whose payload is struct fabric_int_probe; the source role at
 * tc egress gives it the INT headers with the D bit, the sink records and
 * drops it. Raw UDP sockets let one socket send from every source port of
 * a range, which is what spreads probes over ECMP paths: IPv4 goes out
 * with UDP checksum 0 (as RoCE does; no offloaded checksum to go stale
 * when the source inserts INT), IPv6 with the checksum the kernel
 * computes in software (IPV6_CHECKSUM).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "int_prober.h"

#define UDP_HLEN	8

__u64 fip_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int fip_parse_addr(const char *s, struct fip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->addr) == 1)
		a->family = AF_INET6;
	else
		return -1;
	return 0;
}

static int parse_port(const char *s, char **end, __u16 *out)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || !v || v > 65535)
		return -1;
	*out = v;
	return 0;
}

int fip_parse_ports(const char *s, __u16 *lo, __u16 *hi)
{
	char *end;

	if (parse_port(s, &end, lo))
		return -1;
	if (!*end) {
		*hi = *lo;
		return 0;
	}
	if (*end != '-' || parse_port(end + 1, &end, hi) || *end || *hi < *lo)
		return -1;
	return 0;
}

static void sockaddr_of(const struct fip_addr *a, __u16 port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, a->addr, 4);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, a->addr, 16);
		*len = sizeof(*in6);
	}
}

/* A raw socket would queue a copy of every UDP datagram: read none. */
static int drop_all_input(int fd)
{
	struct sock_filter ret0 = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &ret0 };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_one(struct fip_stream *s, int family, bool raw,
		    const struct fip_addr *src, char *why, size_t whylen)
{
	int tos = s->spec.dscp << 2, off = 6, one = 1, fd, err;
	struct sockaddr_storage ss;
	socklen_t len;
	const char *step;

	fd = socket(family, (raw ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    IPPROTO_UDP);
	if (fd < 0) {
		step = raw ? "raw UDP socket (needs CAP_NET_RAW)" : "UDP socket";
		goto fail;
	}
	step = "setting the DSCP";
	if (family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) :
				setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)))
		goto fail;
	if (raw) {
		step = "dropping the raw socket's input";
		if (drop_all_input(fd))
			goto fail;
		step = "IPV6_CHECKSUM";
		if (family == AF_INET6 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)))
			goto fail;
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (src->family || (!raw && s->spec.sport_lo)) {
		struct fip_addr any = { .family = family };

		sockaddr_of(src->family ? src : &any, raw ? 0 : s->spec.sport_lo,
			    &ss, &len);
		step = "binding the source address and port";
		if (bind(fd, (struct sockaddr *)&ss, len))
			goto fail;
	}
	return fd;
fail:
	err = errno;
	snprintf(why, whylen, "%s: %s", step, strerror(err));
	if (fd >= 0)
		close(fd);
	errno = err;
	return -1;
}

int fip_open(struct fip_stream *s, const struct fip_spec *spec, char *why,
	     size_t whylen)
{
	bool v4 = false, v6 = false;
	int i, err;

	memset(s, 0, sizeof(*s));
	s->spec = *spec;
	s->fd4 = s->fd6 = -1;
	s->next_ns = ~0ULL;
	if (spec->n_targets > FIP_MAX_TARGETS || spec->rate > FIP_MAX_RATE ||
	    spec->sport_hi < spec->sport_lo || !spec->dport) {
		snprintf(why, whylen, "invalid probe settings");
		return -EINVAL;
	}
	for (i = 0; i < spec->n_targets; i++) {
		v4 |= spec->target[i].family == AF_INET;
		v6 |= spec->target[i].family == AF_INET6;
	}
	s->raw = true;
	s->fd4 = v4 ? open_one(s, AF_INET, true, &spec->src4, why, whylen) : -2;
	if (s->fd4 == -1 && (errno == EPERM || errno == EACCES) &&
	    spec->sport_lo == spec->sport_hi) {
		s->raw = false;
		s->fd4 = open_one(s, AF_INET, false, &spec->src4, why, whylen);
	}
	if (s->fd4 != -1)
		s->fd6 = v6 ? open_one(s, AF_INET6, s->raw, &spec->src6, why, whylen) : -2;
	if (s->fd4 == -1 || s->fd6 == -1) {
		err = -errno;
		fip_close(s);
		return err ? err : -EIO;
	}
	if (spec->rate)
		s->gap_ns = 1000000000ULL / spec->rate;
	return 0;
}

void fip_close(struct fip_stream *s)
{
	if (s->fd4 >= 0)
		close(s->fd4);
	if (s->fd6 >= 0)
		close(s->fd6);
	s->fd4 = s->fd6 = -1;
	s->next_ns = ~0ULL;
}

void fip_start(struct fip_stream *s, __u64 now_ns)
{
	s->next_ns = s->spec.rate && s->spec.n_targets ? now_ns : ~0ULL;
}

__u64 fip_next(const struct fip_stream *s)
{
	return s->next_ns;
}

static int send_one(struct fip_stream *s, const struct fip_addr *t, __u16 sport)
{
	__u8 buf[UDP_HLEN + sizeof(struct fabric_int_probe)];
	struct fabric_int_probe *pl = (void *)(buf + UDP_HLEN);
	__be16 *udp = (__be16 *)buf;
	struct sockaddr_storage ss;
	socklen_t len;
	ssize_t n;
	int fd = t->family == AF_INET ? s->fd4 : s->fd6;

	pl->magic = htonl(FABRIC_INT_PROBE_MAGIC);
	pl->seq = htonl(s->seq++);
	pl->tx_ns = htobe64(fip_now_ns());
	if (s->raw) {
		udp[0] = htons(sport);
		udp[1] = htons(s->spec.dport);
		udp[2] = htons(sizeof(buf));
		udp[3] = 0;	/* IPv4: none; IPv6: the kernel's */
		sockaddr_of(t, 0, &ss, &len);
		n = sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, len);
		n = n == (ssize_t)sizeof(buf) ? 0 : -1;
	} else {
		sockaddr_of(t, s->spec.dport, &ss, &len);
		n = sendto(fd, pl, sizeof(*pl), 0, (struct sockaddr *)&ss, len);
		n = n == (ssize_t)sizeof(*pl) ? 0 : -1;
	}
	if (n) {
		s->last_errno = errno ? errno : EIO;
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		return 0;
	}
	__atomic_fetch_add(&s->sent, 1, __ATOMIC_RELAXED);
	return 1;
}

static int send_round(struct fip_stream *s)
{
	__u32 span = (__u32)s->spec.sport_hi - s->spec.sport_lo + 1;
	__u16 sport = s->spec.sport_lo ? s->spec.sport_lo + s->sport_i % span : 0;
	int i, sent = 0;

	/* raw without a range: one fixed port from the ephemeral range */
	if (s->raw && !sport)
		sport = 32768 + (getpid() & 0x3fff);
	for (i = 0; i < s->spec.n_targets; i++)
		sent += send_one(s, &s->spec.target[i], sport);
	s->sport_i = (s->sport_i + 1) % span;
	return sent;
}

int fip_poll(struct fip_stream *s, __u64 now_ns)
{
	__u64 missed;
	int sent;

	if (s->next_ns == ~0ULL || now_ns < s->next_ns)
		return 0;
	sent = send_round(s);
	s->next_ns += s->gap_ns;
	if (s->next_ns <= now_ns) {
		missed = (now_ns - s->next_ns) / s->gap_ns + 1;
		__atomic_fetch_add(&s->late, missed, __ATOMIC_RELAXED);
		s->next_ns += missed * s->gap_ns;
	}
	return sent;
}

unsigned long fip_run(struct fip_stream *s, unsigned long rounds)
{
	unsigned long i, sent = 0;
	struct timespec ts;
	__u64 next = fip_now_ns();

	for (i = 0; i < rounds; i++) {
		if (i) {
			next += s->gap_ns;
			ts.tv_sec = next / 1000000000ULL;
			ts.tv_nsec = next % 1000000000ULL;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
		}
		sent += send_round(s);
	}
	return sent;
}
