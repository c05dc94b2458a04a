// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * roce-gen receiver: binds UDP 4791 and records, per flow {source address,
 * destination QP}, arrival counts, first/last arrival, the longest silence
 * between two packets and every silence above a threshold (an "outage").
 * Times are CLOCK_MONOTONIC nanoseconds, the clock fault injectors stamp
 * with, taken from the kernel's receive timestamp.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/udp.h>
#include <json-c/json.h>

#include "roce-gen.h"
#include "roce.h"

#ifndef UDP_NO_CHECK6_RX
#define UDP_NO_CHECK6_RX	102
#endif

#define RX_BATCH	64
#define RX_BUF		2048	/* only the headers are looked at */

struct rx_outage {
	uint64_t	start_ns;	/* last packet before the silence */
	uint64_t	end_ns;		/* first packet after it */
};

struct rx_flow {
	bool		used;
	bool		v4;
	uint8_t		src[16];
	uint32_t	qp;
	uint16_t	sport;
	uint64_t	packets, bytes;
	uint64_t	first_ns, last_ns;
	uint64_t	max_gap_ns, max_gap_end_ns;
	uint64_t	outages, outage_ns;
	uint64_t	acks, naks, cnp, ce, ect, sport_changes;
	struct fabric_flow psn;		/* the shared PSN tracker's state */
	uint32_t	nlist;
	struct rx_outage *list;
};

struct rx_opts {
	struct rg_addr	bind;
	const char	*dev;
	const char	*ready_file;
	uint64_t	duration_ns, idle_ns, outage_ns, count;
	uint32_t	max_list;
};

struct rx_table {
	struct rx_flow	*slots;
	uint32_t	cap, used;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: roce-gen recv [options]\n"
"  -b, --bind ADDR         local address (default: every IPv4 and IPv6)\n"
"  -p, --port N            UDP port (4791)\n"
"  -I, --dev IFACE         only packets arriving on IFACE\n"
"  -t, --duration SEC      stop after SEC seconds\n"
"      --idle SEC          stop SEC seconds after the last packet\n"
"  -c, --count N           stop after N packets\n"
"      --outage-us N       silences longer than N us are outages (1000)\n"
"      --max-outages N     outages listed per flow (16)\n"
"      --ready-file PATH   create PATH once the socket is bound\n"
"Prints a JSON summary on stdout at SIGINT/SIGTERM or when a limit is hit.\n");
}

static uint32_t key_hash(const uint8_t *src, uint32_t qp)
{
	uint32_t h = 2166136261U;

	for (int i = 0; i < 16; i++)
		h = (h ^ src[i]) * 16777619U;
	return (h ^ qp) * 2654435761U;
}

static struct rx_flow *table_get(struct rx_table *t, const uint8_t *src,
				 uint32_t qp);

static int table_grow(struct rx_table *t)
{
	struct rx_table n = { .cap = t->cap ? t->cap * 2 : 256 };

	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; i++) {
		struct rx_flow *o = &t->slots[i], *f;

		if (!o->used)
			continue;
		f = table_get(&n, o->src, o->qp);
		*f = *o;
	}
	free(t->slots);
	*t = n;
	return 0;
}

/* Find or insert; NULL only when memory runs out. */
static struct rx_flow *table_get(struct rx_table *t, const uint8_t *src,
				 uint32_t qp)
{
	uint32_t i;

	if ((t->used + 1) * 2 > t->cap && table_grow(t))
		return NULL;
	for (i = key_hash(src, qp) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct rx_flow *f = &t->slots[i];

		if (!f->used) {
			memset(f, 0, sizeof(*f));
			f->used = true;
			memcpy(f->src, src, 16);
			f->qp = qp;
			t->used++;
			return f;
		}
		if (f->qp == qp && !memcmp(f->src, src, 16))
			return f;
	}
}

static void note_outage(struct rx_flow *f, const struct rx_opts *o,
			uint64_t start, uint64_t end)
{
	f->outages++;
	f->outage_ns += end - start;
	if (f->nlist >= o->max_list)
		return;
	if (!f->list) {
		f->list = calloc(o->max_list, sizeof(*f->list));
		if (!f->list)
			return;
	}
	f->list[f->nlist++] = (struct rx_outage){ start, end };
}

static void account(struct rx_flow *f, const struct rx_opts *o,
		    const uint8_t *pkt, size_t len, uint16_t sport,
		    int ecn, uint64_t ts)
{
	const struct roce_bth *bth = (const struct roce_bth *)pkt;
	uint8_t op = bth->opcode;

	if (f->packets) {
		uint64_t gap = ts > f->last_ns ? ts - f->last_ns : 0;

		if (gap > f->max_gap_ns) {
			f->max_gap_ns = gap;
			f->max_gap_end_ns = ts;
		}
		if (gap > o->outage_ns)
			note_outage(f, o, f->last_ns, ts);
		if (sport != f->sport)
			f->sport_changes++;
	} else {
		f->first_ns = ts;
	}
	f->last_ns = ts;
	f->sport = sport;
	f->packets++;
	f->bytes += len + RG_UDP_LEN + RG_ETH_LEN + (f->v4 ? RG_IP4_LEN : RG_IP6_LEN);
	if (ecn == 3)
		f->ce++;
	else if (ecn > 0)
		f->ect++;

	if (op == ROCE_OPCODE_CNP) {
		f->cnp++;
	} else if (roce_opcode_is_request(op)) {
		uint32_t consumed = 1, slack = 0;

		if (roce_opcode_is_read_request(op) &&
		    len >= ROCE_BTH_LEN + ROCE_RETH_LEN) {
			const struct roce_reth *r =
				(const void *)(pkt + roce_reth_offset(op));

			/* path MTU unknown here: be lenient like the data path */
			slack = roce_read_psns(ntohl(r->dma_len), 0) - 1;
		}
		fabric_psn_track(&f->psn, ntohl(bth->ack_psn), consumed, slack);
	} else if (roce_opcode_is_ack(op) && len >= ROCE_BTH_LEN + ROCE_AETH_LEN) {
		if (roce_aeth_kind(pkt[ROCE_BTH_LEN]) == FABRIC_ACK)
			f->acks++;
		else
			f->naks++;
	}
}

/* Offset from the kernel's CLOCK_REALTIME stamps to CLOCK_MONOTONIC. */
static int64_t realtime_to_mono(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)mono.tv_sec - rt.tv_sec) * 1000000000LL +
	       (mono.tv_nsec - rt.tv_nsec);
}

static int open_socket(const struct rx_opts *o)
{
	int one = 1, zero = 0, rcvbuf = 8 << 20, fd;
	struct rg_addr a = o->bind;

	fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (a.family == AF_INET6) {
		/* dual stack unless bound to one IPv6 address */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, IPPROTO_UDP, UDP_NO_CHECK6_RX, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one));
	}
	setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (o->dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->dev,
				 strlen(o->dev) + 1))
		goto fail;
	if (bind(fd, (struct sockaddr *)&a.ss, a.len))
		goto fail;
	return fd;
fail:
	fprintf(stderr, "roce-gen recv: socket: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void msg_meta(struct msghdr *mh, int64_t off, uint64_t *ts, int *ecn)
{
	struct cmsghdr *cm;

	*ts = 0;
	*ecn = 0;
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec t;

			memcpy(&t, CMSG_DATA(cm), sizeof(t));
			*ts = (uint64_t)((int64_t)t.tv_sec * 1000000000LL +
					 t.tv_nsec + off);
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS) {
			*ecn = *(uint8_t *)CMSG_DATA(cm) & 3;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_TCLASS) {
			int tc;

			memcpy(&tc, CMSG_DATA(cm), sizeof(tc));
			*ecn = tc & 3;
		}
	}
	if (!*ts)
		*ts = rg_now_ns();
}

static void src_key(const struct sockaddr_storage *ss, uint8_t *key,
		    uint16_t *port, bool *v4)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		*v4 = true;
	} else {
		memcpy(key, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
		*v4 = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
	}
}

static void json_add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void print_summary(const struct rx_table *t, uint64_t start,
			  uint64_t end, uint64_t malformed)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	uint64_t pkts = 0, bytes = 0;

	for (uint32_t i = 0; i < t->cap; i++) {
		const struct rx_flow *f = &t->slots[i];
		struct sockaddr_storage ss = { .ss_family = AF_INET6 };
		struct json_object *j, *l;
		char src[INET6_ADDRSTRLEN];

		if (!f->used)
			continue;
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, f->src, 16);
		rg_addr_str(&ss, src, sizeof(src));
		j = json_object_new_object();
		json_object_object_add(j, "src", json_object_new_string(src));
		json_object_object_add(j, "family",
				       json_object_new_string(f->v4 ? "inet" : "inet6"));
		json_add_u64(j, "qp", f->qp);
		json_add_u64(j, "sport", f->sport);
		json_add_u64(j, "sport_changes", f->sport_changes);
		json_add_u64(j, "packets", f->packets);
		json_add_u64(j, "bytes", f->bytes);
		json_add_u64(j, "first_ns", f->first_ns);
		json_add_u64(j, "last_ns", f->last_ns);
		json_add_u64(j, "max_gap_ns", f->max_gap_ns);
		json_add_u64(j, "max_gap_start_ns", f->max_gap_end_ns - f->max_gap_ns);
		json_add_u64(j, "max_gap_end_ns", f->max_gap_end_ns);
		json_add_u64(j, "outages", f->outages);
		json_add_u64(j, "outage_ns", f->outage_ns);
		json_add_u64(j, "psn_gaps", f->psn.psn_gaps);
		json_add_u64(j, "psn_missing", f->psn.psn_missing);
		json_add_u64(j, "psn_dups", f->psn.psn_dups);
		json_add_u64(j, "acks", f->acks);
		json_add_u64(j, "naks", f->naks);
		json_add_u64(j, "cnp", f->cnp);
		json_add_u64(j, "ce", f->ce);
		json_add_u64(j, "ect", f->ect);
		l = json_object_new_array();
		for (uint32_t k = 0; k < f->nlist; k++) {
			struct json_object *e = json_object_new_object();

			json_add_u64(e, "start_ns", f->list[k].start_ns);
			json_add_u64(e, "end_ns", f->list[k].end_ns);
			json_object_array_add(l, e);
		}
		json_object_object_add(j, "outage_list", l);
		json_object_array_add(arr, j);
		pkts += f->packets;
		bytes += f->bytes;
	}
	json_object_object_add(root, "mode", json_object_new_string("recv"));
	json_add_u64(root, "start_ns", start);
	json_add_u64(root, "end_ns", end);
	json_add_u64(root, "packets", pkts);
	json_add_u64(root, "bytes", bytes);
	json_add_u64(root, "malformed", malformed);
	json_object_object_add(root, "flows", arr);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(root);
}

enum { OPT_IDLE = 256, OPT_OUTAGE, OPT_MAX_OUTAGES, OPT_READY };

static const struct option long_opts[] = {
	{ "bind",	 required_argument, NULL, 'b' },
	{ "port",	 required_argument, NULL, 'p' },
	{ "dev",	 required_argument, NULL, 'I' },
	{ "duration",	 required_argument, NULL, 't' },
	{ "idle",	 required_argument, NULL, OPT_IDLE },
	{ "count",	 required_argument, NULL, 'c' },
	{ "outage-us",	 required_argument, NULL, OPT_OUTAGE },
	{ "max-outages", required_argument, NULL, OPT_MAX_OUTAGES },
	{ "ready-file",	 required_argument, NULL, OPT_READY },
	{ "help",	 no_argument,	    NULL, 'h' },
	{}
};

static int parse_opts(int argc, char **argv, struct rx_opts *o)
{
	const char *bind_s = "::";
	uint64_t port = ROCE_V2_UDP_PORT, v;
	int c, err = 0;

	*o = (struct rx_opts){ .outage_ns = 1000000, .max_list = 16 };
	while ((c = getopt_long(argc, argv, "b:p:I:t:c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'b': bind_s = optarg; break;
		case 'p': err = rg_parse_u64(optarg, &port) || !port || port > 65535; break;
		case 'I': o->dev = optarg; break;
		case 't': err = rg_parse_seconds(optarg, &o->duration_ns); break;
		case OPT_IDLE: err = rg_parse_seconds(optarg, &o->idle_ns); break;
		case 'c': err = rg_parse_u64(optarg, &o->count); break;
		case OPT_OUTAGE:
			err = rg_parse_u64(optarg, &v) || v > 1000000000;
			o->outage_ns = v * 1000;
			break;
		case OPT_MAX_OUTAGES:
			err = rg_parse_u64(optarg, &v) || v > 1000000;
			o->max_list = v;
			break;
		case OPT_READY: o->ready_file = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
		if (err) {
			fprintf(stderr, "roce-gen recv: bad value '%s'\n", optarg);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return -EINVAL;
	}
	if (rg_parse_addr(bind_s, port, &o->bind)) {
		fprintf(stderr, "roce-gen recv: bad address '%s'\n", bind_s);
		return -EINVAL;
	}
	return 0;
}

static bool limits_hit(const struct rx_opts *o, uint64_t start, uint64_t last,
		       uint64_t total)
{
	uint64_t now = rg_now_ns();

	if (o->duration_ns && now - start >= o->duration_ns)
		return true;
	if (o->idle_ns && last && now > last && now - last >= o->idle_ns)
		return true;
	return o->count && total >= o->count;
}

int rg_recv_main(int argc, char **argv)
{
	static uint8_t bufs[RX_BATCH][RX_BUF];
	struct sockaddr_storage names[RX_BATCH];
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl[RX_BATCH];
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct rx_table table = {};
	uint64_t start, last = 0, total = 0, malformed = 0;
	struct rx_opts o;
	int fd, ret = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	fd = open_socket(&o);
	if (fd < 0)
		return 1;
	rg_install_stop_handler();
	if (o.ready_file) {
		int rf = open(o.ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (rf >= 0)
			close(rf);
	}
	start = rg_now_ns();

	while (!rg_stop && !limits_hit(&o, start, last, total)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t off;
		int n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		for (int i = 0; i < RX_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], RX_BUF };
			msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &names[i], .msg_namelen = sizeof(names[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1,
				.msg_control = ctl[i].buf,
				.msg_controllen = sizeof(ctl[i].buf),
			};
		}
		n = recvmmsg(fd, msgs, RX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			continue;
		off = realtime_to_mono();
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &msgs[i].msg_hdr;
			/* with MSG_TRUNC, msg_len is the whole datagram's length */
			size_t len = msgs[i].msg_len;
			const struct roce_bth *bth = (const void *)bufs[i];
			struct rx_flow *f;
			uint8_t key[16];
			uint16_t sport;
			uint64_t ts;
			bool v4;
			int ecn;

			if (len < ROCE_BTH_LEN + ROCE_ICRC_LEN) {
				malformed++;
				continue;
			}
			msg_meta(mh, off, &ts, &ecn);
			src_key(&names[i], key, &sport, &v4);
			f = table_get(&table, key, ntohl(bth->dest_qp) & ROCE_QP_MASK);
			if (!f) {
				fprintf(stderr, "roce-gen recv: out of memory\n");
				goto out;
			}
			f->v4 = v4;
			account(f, &o, bufs[i], len, sport, ecn, ts);
			total++;
			last = ts;
		}
	}
	ret = 0;
out:
	print_summary(&table, start, rg_now_ns(), malformed);
	close(fd);
	for (uint32_t i = 0; i < table.cap; i++)
		free(table.slots[i].list);
	free(table.slots);
	return ret;
}
