// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * roce-gen sender: one UDP socket per QP (its own source port, so ECMP sees
 * entropy), packets built in place and handed to the kernel in sendmmsg
 * batches (roce-gen-send-stream.c), paced against an absolute schedule;
 * a JSON summary at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <sys/prctl.h>
#include <json-c/json.h>

#include "roce-gen-send.h"

#ifndef UDP_NO_CHECK6_TX
#define UDP_NO_CHECK6_TX	101
#endif
#ifndef SO_NO_CHECK
#define SO_NO_CHECK		11
#endif

#define RG_CATCHUP_NS		50000000ULL	/* behind more: rebase */

static int open_flow_socket(struct rg_sender *s, uint32_t i)
{
	struct rg_opts *o = &s->o;
	int fd, tos = o->ecn, one = 1;
	struct rg_addr bind_addr;

	fd = socket(o->dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (o->dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->dev,
				 strlen(o->dev) + 1))
		goto fail;
	if (o->dst.family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)))
			goto fail;
		if (!o->udp_csum &&
		    setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)))
			goto fail;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)))
			goto fail;
		if (!o->udp_csum &&
		    setsockopt(fd, IPPROTO_UDP, UDP_NO_CHECK6_TX, &one, sizeof(one)))
			goto fail;
	}
	if (o->have_src || o->sport_base) {
		if (o->have_src) {
			bind_addr = o->src;
		} else {
			memset(&bind_addr, 0, sizeof(bind_addr));
			bind_addr.ss.ss_family = o->dst.family;
			bind_addr.len = o->dst.len;
		}
		/* port field sits at the same offset in sockaddr_in and _in6 */
		((struct sockaddr_in *)&bind_addr.ss)->sin_port =
			htons(o->sport_base ? o->sport_base + i : 0);
		if (bind(fd, (struct sockaddr *)&bind_addr.ss, bind_addr.len))
			goto fail;
	}
	s->flows[i].fd = fd;
	s->flows[i].sport = o->sport_base ? o->sport_base + i : 0;
	if (!s->flows[i].sport) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		/* an unbound socket gets its port on the first send */
		if (!connect(fd, (struct sockaddr *)&o->dst.ss, o->dst.len) &&
		    !getsockname(fd, (struct sockaddr *)&ss, &len)) {
			struct sockaddr_in6 unspec = { .sin6_family = AF_UNSPEC };

			s->flows[i].sport = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			connect(fd, (struct sockaddr *)&unspec, sizeof(unspec));
		}
	}
	return 0;
fail:
	fprintf(stderr, "roce-gen: flow %u socket: %s\n", i, strerror(errno));
	close(fd);
	return -1;
}

/* The source address the kernel picks for -d, for the summary. */
static void resolve_src(struct rg_sender *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if (s->o.have_src) {
		rg_addr_str(&s->o.src.ss, s->src_str, sizeof(s->src_str));
		return;
	}
	strcpy(s->src_str, "");
	fd = socket(s->o.dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (s->o.dev)
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, s->o.dev,
			   strlen(s->o.dev) + 1);
	if (!connect(fd, (struct sockaddr *)&s->o.dst.ss, s->o.dst.len) &&
	    !getsockname(fd, (struct sockaddr *)&ss, &len))
		rg_addr_str(&ss, s->src_str, sizeof(s->src_str));
	close(fd);
}

static void wait_until(uint64_t target, uint64_t spin_ns)
{
	uint64_t now = rg_now_ns();
	struct timespec ts;

	if (target > now + spin_ns) {
		uint64_t t = target - spin_ns;

		ts.tv_sec = t / 1000000000ULL;
		ts.tv_nsec = t % 1000000000ULL;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	while (spin_ns && !rg_stop && rg_now_ns() < target)
		;
}

static void run(struct rg_sender *s, uint64_t *start_ns, uint64_t *end_ns)
{
	const struct rg_opts *o = &s->o;
	uint64_t start = rg_now_ns(), base = start, scheduled = 0, now;
	uint32_t cur = 0, active = o->qps;

	*start_ns = start;
	while (!rg_stop && active) {
		struct rg_flow *f;
		uint64_t budget = RG_MAX_BURST;

		now = rg_now_ns();
		if (o->duration_ns && now - start >= o->duration_ns)
			break;
		if (o->rate) {
			uint64_t allowed = (unsigned __int128)(now - base) *
					   o->rate / 1000000000ULL + 1;

			if (allowed <= scheduled) {
				wait_until(base + (unsigned __int128)scheduled *
					   1000000000ULL / o->rate, o->spin_ns);
				continue;
			}
			budget = allowed - scheduled;
			/* after a long stall, do not flood to catch up */
			if ((unsigned __int128)budget * 1000000000ULL / o->rate >
			    RG_CATCHUP_NS) {
				base = now;
				scheduled = 0;
				budget = 1;
			}
		}
		while (s->flows[cur].done)
			cur = (cur + 1) % o->qps;
		f = &s->flows[cur];
		scheduled += rg_send_burst(s, f, budget < o->burst ? budget : o->burst);
		if (f->done)
			active--;
		cur = (cur + 1) % o->qps;
	}
	*end_ns = rg_now_ns();
}

static void json_add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void print_summary(const struct rg_sender *s, uint64_t start, uint64_t end)
{
	const struct rg_opts *o = &s->o;
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct rg_stats tot = {};

	for (uint32_t i = 0; i < o->qps; i++) {
		const struct rg_flow *f = &s->flows[i];
		const struct rg_stats *st = &f->st;
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "src", json_object_new_string(s->src_str));
		json_object_object_add(j, "dst", json_object_new_string(s->dst_str));
		json_add_u64(j, "qp", f->qp);
		json_add_u64(j, "sport", f->sport);
		json_add_u64(j, "packets", st->packets);
		json_add_u64(j, "bytes", st->bytes);
		json_add_u64(j, "requests", st->requests);
		json_add_u64(j, "read_requests", st->read_requests);
		json_add_u64(j, "resent", st->resent);
		json_add_u64(j, "acks", st->acks);
		json_add_u64(j, "naks", st->naks);
		json_add_u64(j, "naks_seq", st->naks_seq);
		json_add_u64(j, "naks_rnr", st->naks_rnr);
		json_add_u64(j, "naks_other", st->naks_other);
		json_add_u64(j, "cnp", st->cnp);
		json_add_u64(j, "ce", st->ce);
		json_add_u64(j, "ect", st->ect);
		json_add_u64(j, "psn_gaps_injected", st->gaps);
		json_add_u64(j, "missing_injected", st->missing);
		json_add_u64(j, "rewinds_injected", st->rewinds);
		json_add_u64(j, "dups_injected", st->dups);
		json_add_u64(j, "psn_next", f->psn);
		json_add_u64(j, "send_errors", st->send_errors);
		json_object_array_add(arr, j);

		tot.packets += st->packets;
		tot.bytes += st->bytes;
		tot.send_errors += st->send_errors;
	}
	json_object_object_add(root, "mode", json_object_new_string("send"));
	json_object_object_add(root, "family", json_object_new_string(
			o->dst.family == AF_INET ? "inet" : "inet6"));
	json_object_object_add(root, "src", json_object_new_string(s->src_str));
	json_object_object_add(root, "dst", json_object_new_string(s->dst_str));
	json_add_u64(root, "start_ns", start);
	json_add_u64(root, "end_ns", end);
	json_add_u64(root, "elapsed_ns", end - start);
	json_add_u64(root, "packets", tot.packets);
	json_add_u64(root, "bytes", tot.bytes);
	json_add_u64(root, "send_errors", tot.send_errors);
	json_object_object_add(root, "flows", arr);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(root);
}

int rg_send_main(int argc, char **argv)
{
	struct rg_sender s = {};
	uint64_t start = 0, end = 0;
	int ret = 1;

	if (rg_send_parse_opts(argc, argv, &s.o))
		return 2;
	if (rg_send_build_ctl(&s))
		return 2;
	s.wire_extra = RG_UDP_LEN + RG_ETH_LEN +
		       (s.o.dst.family == AF_INET ? RG_IP4_LEN : RG_IP6_LEN);
	s.flows = calloc(s.o.qps, sizeof(*s.flows));
	s.bufs = malloc((size_t)RG_MAX_BURST * RG_MAX_PKT);
	if (!s.flows || !s.bufs) {
		fprintf(stderr, "roce-gen: out of memory\n");
		goto out;
	}
	for (uint32_t i = 0; i < s.o.qps; i++) {
		s.flows[i].fd = -1;
		s.flows[i].qp = s.o.qp_base + i;
		s.flows[i].psn = s.o.psn_start;
	}
	for (uint32_t i = 0; i < s.o.qps; i++)
		if (open_flow_socket(&s, i))
			goto out;
	resolve_src(&s);
	rg_addr_str(&s.o.dst.ss, s.dst_str, sizeof(s.dst_str));
	/* precise wake-ups for pacing; the default slack is 50 us */
	prctl(PR_SET_TIMERSLACK, 1UL);
	rg_install_stop_handler();

	run(&s, &start, &end);
	print_summary(&s, start, end);
	ret = 0;
out:
	if (s.flows)
		for (uint32_t i = 0; i < s.o.qps; i++)
			if (s.flows[i].fd >= 0)
				close(s.flows[i].fd);
	free(s.flows);
	free(s.bufs);
	free(s.ctl);
	return ret;
}
