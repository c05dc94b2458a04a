// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * roce-gen: entry point and helpers shared by the sender and the receiver.
 *   roce-gen [send] -d ADDR [options]    generate RoCEv2-shaped UDP traffic
 *   roce-gen recv [options]              count arrivals per flow
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

#include "roce-gen.h"

volatile int rg_stop;

uint64_t rg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int rg_parse_addr(const char *s, uint16_t port, struct rg_addr *a)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		a->family = AF_INET;
		a->len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		a->family = AF_INET6;
		a->len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

/* IPv4 and IPv4-mapped IPv6 print dotted, like fabricctl. */
void rg_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, buf, len);
	} else if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, len);
	} else {
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, len);
	}
}

int rg_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	return 0;
}

int rg_parse_seconds(const char *s, uint64_t *ns)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || d < 0 || d > 1e6)
		return -EINVAL;
	*ns = (uint64_t)(d * 1e9);
	return 0;
}

/* ECN codepoint name or number; -1 when unknown. */
int rg_ecn_parse(const char *s)
{
	static const char *const names[] = { "not-ect", "ect1", "ect0", "ce" };
	uint64_t v;

	for (int i = 0; i < 4; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	if (!rg_parse_u64(s, &v) && v <= 3)
		return (int)v;
	return -1;
}

static void on_stop(int sig)
{
	rg_stop = 1;
}

void rg_install_stop_handler(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocking recvmmsg/clock_nanosleep must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "recv"))
		return rg_recv_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "send"))
		return rg_send_main(argc - 1, argv + 1);
	return rg_send_main(argc, argv);
}
