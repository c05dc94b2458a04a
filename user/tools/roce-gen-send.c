// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * roce-gen sender: one UDP socket per QP (its own source port, so ECMP sees
 * entropy), packets built in place and handed to the kernel in sendmmsg
 * batches, paced against an absolute schedule.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <sys/prctl.h>
#include <json-c/json.h>

#include "roce-gen.h"

#ifndef UDP_NO_CHECK6_TX
#define UDP_NO_CHECK6_TX	101
#endif
#ifndef SO_NO_CHECK
#define SO_NO_CHECK		11
#endif

#define RG_MAX_CTL		4096	/* control packets per flow */
#define RG_CATCHUP_NS		50000000ULL	/* behind more: rebase */

struct rg_nak_kind {
	uint32_t	count;
	uint8_t		syndrome;
};

struct rg_opts {
	struct rg_addr	dst;
	struct rg_addr	src;
	bool		have_src;
	const char	*dev;
	uint32_t	qps;
	uint32_t	qp_base;
	uint32_t	sport_base;
	uint64_t	packets;	/* requests per flow; 0: unbounded */
	uint64_t	duration_ns;
	uint32_t	payload;
	uint64_t	rate;		/* packets/s over all flows; 0: max */
	uint32_t	burst;
	int		ecn;
	uint32_t	ce_every;
	enum rg_op	op;
	uint32_t	msg_pkts;
	uint32_t	read_len;
	uint32_t	pmtu;
	uint32_t	psn_start;
	uint32_t	gap_n, gap_every;
	uint32_t	rewind_n, rewind_every;
	uint32_t	acks, cnps;
	struct rg_nak_kind naks[RG_MAX_NAK_KINDS];
	int		nak_kinds;
	uint64_t	spin_ns;
	bool		udp_csum;
};

struct rg_sent {
	uint32_t	psn;
	uint32_t	read_len;
	uint8_t		opcode;
};

struct rg_ctl {
	uint8_t		kind;		/* RG_PKT_ACK or RG_PKT_CNP */
	uint8_t		syndrome;
};

struct rg_stats {
	uint64_t	packets, bytes, requests, read_requests, resent;
	uint64_t	acks, naks, naks_seq, naks_rnr, naks_other, cnp;
	uint64_t	ce, ect, gaps, missing, rewinds, dups, send_errors;
};

struct rg_flow {
	int		fd;
	uint32_t	qp;
	uint16_t	sport;
	uint32_t	psn;		/* next new request PSN */
	uint64_t	requests;	/* new requests generated */
	uint64_t	seq;		/* every packet generated */
	uint32_t	msg_idx;
	uint32_t	msn;
	uint32_t	op_cycle;
	bool		last_was_read;
	bool		gap_pending;
	bool		rewind_start;
	bool		done;
	uint32_t	ring_count;
	uint32_t	resend_left;
	uint32_t	ctl_sent;
	struct rg_sent	ring[RG_MAX_REWIND];
	struct rg_stats	st;
};

/* What one built packet will count for once the kernel accepted it. */
struct rg_meta {
	uint8_t		kind;
	uint8_t		ecn;
	uint8_t		syndrome;
	bool		read;
	bool		rewind_start;
	uint32_t	missing;
	uint32_t	len;
};

struct rg_sender {
	struct rg_opts	o;
	struct rg_flow	*flows;
	struct rg_ctl	*ctl;		/* control schedule, same for every flow */
	uint32_t	nctl;
	uint32_t	wire_extra;	/* UDP + IP + Ethernet */
	uint8_t		*bufs;		/* RG_MAX_BURST packets */
	char		src_str[INET6_ADDRSTRLEN];
	char		dst_str[INET6_ADDRSTRLEN];
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: roce-gen [send] -d ADDR [options]\n"
"  -d, --dst ADDR          destination, IPv4 or IPv6 (UDP port 4791)\n"
"  -s, --src ADDR          bind this source address\n"
"  -I, --dev IFACE         bind the sockets to IFACE (SO_BINDTODEVICE)\n"
"  -q, --qps N             flows, one QP each (1)\n"
"      --qp-base N         destination QP of the first flow (0x100)\n"
"  -p, --sport-base N      UDP source port of flow 0, flow i uses N+i;\n"
"                          0 lets the kernel choose (49152)\n"
"  -n, --packets N         request packets per flow, 0 = until -t/signal (100)\n"
"  -t, --duration SEC      stop after SEC seconds\n"
"  -l, --payload N         payload bytes of WRITE/SEND packets (256)\n"
"  -r, --rate PPS          packets/s over all flows, 0 = flat out (0)\n"
"  -b, --burst N           packets per flow per turn, 1..%d (16)\n"
"  -e, --ecn CP            not-ect|ect0|ect1|ce (not-ect)\n"
"      --ce-every M        mark every M-th packet of a flow CE\n"
"  -o, --op OP             write|send|read|mix (write)\n"
"      --msg-pkts N        packets per WRITE/SEND message (1: *_ONLY)\n"
"      --read-len N        DMA length of READ requests (4096)\n"
"      --pmtu N            path MTU: a READ consumes ceil(len/pmtu) PSNs (1024)\n"
"      --psn-start N       first PSN (0)\n"
"      --gap N:M           skip N PSNs after every M requests\n"
"      --rewind N:M        after every M requests resend the last N (go-back-N)\n"
"      --acks N            ACK packets per flow\n"
"      --naks N[:SYN][,..] NAK packets per flow with AETH syndrome SYN\n"
"                          (0x60 PSN sequence error, 0x20 RNR, ...)\n"
"      --cnps N            CNP (opcode 0x81) packets per flow\n"
"      --spin-us N         busy-wait the last N us before a paced send (0)\n"
"      --udp-csum          fill the UDP checksum (default zero, as RoCE NICs)\n"
"Prints a JSON summary on stdout at the end.\n", RG_MAX_BURST);
}

static int parse_pair(const char *s, uint32_t *n, uint32_t *m)
{
	unsigned long a, b;
	char *end;

	a = strtoul(s, &end, 0);
	if (end == s || *end != ':')
		return -EINVAL;
	s = end + 1;
	b = strtoul(s, &end, 0);
	if (end == s || *end || !b || a > ROCE_PSN_MASK || b > UINT32_MAX)
		return -EINVAL;
	*n = a;
	*m = b;
	return 0;
}

static int parse_naks(const char *s, struct rg_opts *o)
{
	char *dup = strdup(s), *tok, *save = NULL, *end;
	int ret = 0;

	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct rg_nak_kind *k;
		unsigned long syn = 0x60;

		if (o->nak_kinds == RG_MAX_NAK_KINDS) {
			ret = -E2BIG;
			break;
		}
		k = &o->naks[o->nak_kinds];
		k->count = strtoul(tok, &end, 0);
		if (end == tok || (*end && *end != ':')) {
			ret = -EINVAL;
			break;
		}
		if (*end == ':') {
			tok = end + 1;
			syn = strtoul(tok, &end, 0);
			if (end == tok || *end || syn > 0xff || !(syn >> 5)) {
				ret = -EINVAL;	/* class 0 is an ACK, not a NAK */
				break;
			}
		}
		k->syndrome = syn;
		o->nak_kinds++;
	}
	free(dup);
	return ret;
}

static int parse_u32(const char *s, uint32_t *v, uint64_t max)
{
	uint64_t x;

	if (rg_parse_u64(s, &x) || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

enum {
	OPT_QP_BASE = 256, OPT_CE_EVERY, OPT_MSG_PKTS, OPT_READ_LEN, OPT_PMTU,
	OPT_PSN_START, OPT_GAP, OPT_REWIND, OPT_ACKS, OPT_NAKS, OPT_CNPS,
	OPT_SPIN, OPT_CSUM,
};

static const struct option long_opts[] = {
	{ "dst",	required_argument, NULL, 'd' },
	{ "src",	required_argument, NULL, 's' },
	{ "dev",	required_argument, NULL, 'I' },
	{ "qps",	required_argument, NULL, 'q' },
	{ "qp-base",	required_argument, NULL, OPT_QP_BASE },
	{ "sport-base",	required_argument, NULL, 'p' },
	{ "packets",	required_argument, NULL, 'n' },
	{ "duration",	required_argument, NULL, 't' },
	{ "payload",	required_argument, NULL, 'l' },
	{ "rate",	required_argument, NULL, 'r' },
	{ "burst",	required_argument, NULL, 'b' },
	{ "ecn",	required_argument, NULL, 'e' },
	{ "ce-every",	required_argument, NULL, OPT_CE_EVERY },
	{ "op",		required_argument, NULL, 'o' },
	{ "msg-pkts",	required_argument, NULL, OPT_MSG_PKTS },
	{ "read-len",	required_argument, NULL, OPT_READ_LEN },
	{ "pmtu",	required_argument, NULL, OPT_PMTU },
	{ "psn-start",	required_argument, NULL, OPT_PSN_START },
	{ "gap",	required_argument, NULL, OPT_GAP },
	{ "rewind",	required_argument, NULL, OPT_REWIND },
	{ "acks",	required_argument, NULL, OPT_ACKS },
	{ "naks",	required_argument, NULL, OPT_NAKS },
	{ "cnps",	required_argument, NULL, OPT_CNPS },
	{ "spin-us",	required_argument, NULL, OPT_SPIN },
	{ "udp-csum",	no_argument,	   NULL, OPT_CSUM },
	{ "help",	no_argument,	   NULL, 'h' },
	{}
};

static int parse_op(const char *s, enum rg_op *op)
{
	static const char *const names[] = { "write", "send", "read", "mix" };

	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*op = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct rg_opts *o)
{
	const char *dst = NULL, *src = NULL;
	int c, err = 0, idx = -1;
	uint64_t v;

	*o = (struct rg_opts){
		.qps = 1, .qp_base = 0x100, .sport_base = 49152, .packets = 100,
		.payload = 256, .burst = 16, .op = RG_OP_WRITE, .msg_pkts = 1,
		.read_len = 4096, .pmtu = 1024,
	};
	while ((c = getopt_long(argc, argv, "d:s:I:q:p:n:t:l:r:b:e:o:h",
				long_opts, &idx)) != -1) {
		switch (c) {
		case 'd': dst = optarg; break;
		case 's': src = optarg; break;
		case 'I': o->dev = optarg; break;
		case 'q': err = parse_u32(optarg, &o->qps, 65536) || !o->qps; break;
		case OPT_QP_BASE: err = parse_u32(optarg, &o->qp_base, ROCE_QP_MASK); break;
		case 'p': err = parse_u32(optarg, &o->sport_base, 65535); break;
		case 'n': err = rg_parse_u64(optarg, &o->packets); break;
		case 't': err = rg_parse_seconds(optarg, &o->duration_ns); break;
		case 'l': err = parse_u32(optarg, &o->payload, RG_MAX_PKT - 128); break;
		case 'r': err = rg_parse_u64(optarg, &o->rate); break;
		case 'b':
			err = parse_u32(optarg, &o->burst, RG_MAX_BURST) || !o->burst;
			break;
		case 'e': o->ecn = rg_ecn_parse(optarg); err = o->ecn < 0; break;
		case OPT_CE_EVERY: err = parse_u32(optarg, &o->ce_every, UINT32_MAX); break;
		case 'o': err = parse_op(optarg, &o->op); break;
		case OPT_MSG_PKTS:
			err = parse_u32(optarg, &o->msg_pkts, 1 << 20) || !o->msg_pkts;
			break;
		case OPT_READ_LEN: err = parse_u32(optarg, &o->read_len, UINT32_MAX); break;
		case OPT_PMTU: err = parse_u32(optarg, &o->pmtu, 1 << 16) || !o->pmtu; break;
		case OPT_PSN_START: err = parse_u32(optarg, &o->psn_start, ROCE_PSN_MASK); break;
		case OPT_GAP: err = parse_pair(optarg, &o->gap_n, &o->gap_every); break;
		case OPT_REWIND:
			err = parse_pair(optarg, &o->rewind_n, &o->rewind_every) ||
			      o->rewind_n > RG_MAX_REWIND;
			break;
		case OPT_ACKS: err = parse_u32(optarg, &o->acks, RG_MAX_CTL); break;
		case OPT_NAKS: err = parse_naks(optarg, o); break;
		case OPT_CNPS: err = parse_u32(optarg, &o->cnps, RG_MAX_CTL); break;
		case OPT_SPIN:
			err = rg_parse_u64(optarg, &v) || v > 1000000;
			o->spin_ns = v * 1000;
			break;
		case OPT_CSUM: o->udp_csum = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
		if (err) {
			if (c < 256)
				fprintf(stderr, "roce-gen: bad value for -%c: '%s'\n",
					c, optarg);
			else
				fprintf(stderr, "roce-gen: bad value for --%s: '%s'\n",
					long_opts[idx].name, optarg);
			return -EINVAL;
		}
		idx = -1;
	}
	if (optind < argc || !dst) {
		fprintf(stderr, "roce-gen: %s\n", dst ? "unexpected argument" :
			"a destination (-d) is required");
		usage(stderr);
		return -EINVAL;
	}
	if (rg_parse_addr(dst, ROCE_V2_UDP_PORT, &o->dst)) {
		fprintf(stderr, "roce-gen: bad destination address '%s'\n", dst);
		return -EINVAL;
	}
	if (src) {
		if (rg_parse_addr(src, 0, &o->src) || o->src.family != o->dst.family) {
			fprintf(stderr, "roce-gen: bad source address '%s' (family must match -d)\n",
				src);
			return -EINVAL;
		}
		o->have_src = true;
	}
	if (o->sport_base && o->sport_base + o->qps - 1 > 65535) {
		fprintf(stderr, "roce-gen: --sport-base + --qps exceeds port 65535\n");
		return -EINVAL;
	}
	if (o->qp_base + (uint64_t)o->qps - 1 > ROCE_QP_MASK) {
		fprintf(stderr, "roce-gen: --qp-base + --qps exceeds 24 bits\n");
		return -EINVAL;
	}
	return 0;
}

/* The control schedule: kinds interleaved round robin. */
static int build_ctl(struct rg_sender *s)
{
	struct rg_opts *o = &s->o;
	uint32_t left[RG_MAX_NAK_KINDS], acks = o->acks, cnps = o->cnps, total;
	bool more = true;

	total = acks + cnps;
	for (int i = 0; i < o->nak_kinds; i++) {
		left[i] = o->naks[i].count;
		total += left[i];
	}
	if (total > RG_MAX_CTL) {
		fprintf(stderr, "roce-gen: more than %d control packets per flow\n",
			RG_MAX_CTL);
		return -EINVAL;
	}
	s->ctl = calloc(total ? total : 1, sizeof(*s->ctl));
	if (!s->ctl)
		return -ENOMEM;
	while (more) {
		more = false;
		if (acks) {
			s->ctl[s->nctl++] = (struct rg_ctl){ RG_PKT_ACK, 0x1f };
			more |= --acks > 0;
		}
		for (int i = 0; i < o->nak_kinds; i++) {
			if (!left[i])
				continue;
			s->ctl[s->nctl++] = (struct rg_ctl){ RG_PKT_ACK,
							     o->naks[i].syndrome };
			more |= --left[i] > 0;
		}
		if (cnps) {
			s->ctl[s->nctl++] = (struct rg_ctl){ RG_PKT_CNP, 0 };
			more |= --cnps > 0;
		}
	}
	return 0;
}

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

static enum rg_op flow_op(const struct rg_sender *s, const struct rg_flow *f)
{
	return s->o.op == RG_OP_MIX ? (enum rg_op)(f->op_cycle % 3) : s->o.op;
}

/*
 * Decide and describe the next packet of @f. Returns false when the flow
 * has nothing left to send. The flow's generator state advances here; its
 * statistics only when the kernel accepted the packet (commit_meta).
 */
static bool next_packet(struct rg_sender *s, struct rg_flow *f,
			struct rg_pkt_desc *d, struct rg_meta *m)
{
	const struct rg_opts *o = &s->o;
	enum rg_op op;

	memset(d, 0, sizeof(*d));
	memset(m, 0, sizeof(*m));
	d->qp = f->qp;

	if (f->resend_left) {
		const struct rg_sent *e =
			&f->ring[(f->ring_count - f->resend_left) % RG_MAX_REWIND];

		d->opcode = e->opcode;
		d->psn = e->psn;
		d->read_len = e->read_len;
		d->payload = o->payload;
		m->kind = RG_PKT_RESEND;
		m->rewind_start = f->rewind_start;
		f->rewind_start = false;
		f->resend_left--;
		goto out;
	}

	if (f->ctl_sent < s->nctl &&
	    (!o->packets ||
	     f->requests >= (uint64_t)(f->ctl_sent + 1) * o->packets / (s->nctl + 1))) {
		const struct rg_ctl *c = &s->ctl[f->ctl_sent++];

		m->kind = c->kind;
		d->psn = (f->psn - 1) & ROCE_PSN_MASK;
		if (c->kind == RG_PKT_CNP) {
			d->opcode = ROCE_OPCODE_CNP;
			d->psn = 0;
		} else {
			d->opcode = ROCE_OP_ACKNOWLEDGE;
			d->syndrome = c->syndrome;
			m->syndrome = c->syndrome;
			d->msn = f->msn;
		}
		goto out;
	}

	if (o->packets && f->requests >= o->packets)
		return false;

	/* a request */
	if (o->gap_every && f->requests && f->requests % o->gap_every == 0)
		f->gap_pending = true;
	/*
	 * A tracker that does not know the path MTU cannot tell a gap right
	 * after a READ from the PSNs the READ consumed: inject it one
	 * request later (unless every request is a READ).
	 */
	if (f->gap_pending && (!f->last_was_read || o->op == RG_OP_READ)) {
		f->psn = (f->psn + o->gap_n) & ROCE_PSN_MASK;
		m->missing = o->gap_n;
		f->gap_pending = false;
	}
	op = flow_op(s, f);
	d->psn = f->psn;
	d->payload = o->payload;
	m->kind = RG_PKT_REQUEST;
	switch (op) {
	case RG_OP_READ:
		d->opcode = ROCE_OP_READ_REQUEST;
		d->read_len = o->read_len;
		d->ack_req = true;
		m->read = true;
		f->psn += o->read_len ? (o->read_len + o->pmtu - 1) / o->pmtu : 1;
		f->msg_idx = 0;
		f->op_cycle++;
		f->msn++;
		break;
	default:
		d->opcode = op == RG_OP_SEND ?
			    rg_send_opcode(f->msg_idx, o->msg_pkts) :
			    rg_write_opcode(f->msg_idx, o->msg_pkts);
		f->psn++;
		if (++f->msg_idx >= o->msg_pkts) {
			d->ack_req = true;
			f->msg_idx = 0;
			f->op_cycle++;
			f->msn++;
		}
		break;
	}
	f->psn &= ROCE_PSN_MASK;
	f->last_was_read = m->read;
	f->ring[f->ring_count++ % RG_MAX_REWIND] = (struct rg_sent){
		.psn = d->psn, .read_len = d->read_len, .opcode = d->opcode,
	};
	f->requests++;
	if (o->rewind_every && o->rewind_n && f->requests % o->rewind_every == 0) {
		f->resend_left = o->rewind_n < f->ring_count ? o->rewind_n :
							       f->ring_count;
		f->rewind_start = true;
	}
out:
	m->ecn = o->ecn;
	if (o->ce_every && f->seq % o->ce_every == o->ce_every - 1)
		m->ecn = 3;
	f->seq++;
	return true;
}

static void commit_meta(const struct rg_sender *s, struct rg_flow *f,
			const struct rg_meta *m)
{
	struct rg_stats *st = &f->st;

	st->packets++;
	st->bytes += m->len + s->wire_extra;
	if (m->ecn == 3)
		st->ce++;
	else if (m->ecn)
		st->ect++;
	switch (m->kind) {
	case RG_PKT_REQUEST:
		st->requests++;
		st->read_requests += m->read;
		if (m->missing) {
			st->gaps++;
			st->missing += m->missing;
		}
		break;
	case RG_PKT_RESEND:
		st->resent++;
		st->dups++;
		st->rewinds += m->rewind_start;
		break;
	case RG_PKT_CNP:
		st->cnp++;
		break;
	case RG_PKT_ACK:
		switch (m->syndrome >> 5) {
		case ROCE_AETH_ACK:
			st->acks++;
			break;
		case ROCE_AETH_RNR_NAK:
			st->naks++;
			st->naks_rnr++;
			break;
		case ROCE_AETH_NAK:
			st->naks++;
			if ((m->syndrome & 0x1f) == ROCE_NAK_PSN_SEQ_ERR)
				st->naks_seq++;
			else
				st->naks_other++;
			break;
		default:	/* reserved class: counted as neither */
			break;
		}
		break;
	}
}

/* Build up to @max packets of @f and send them; returns packets built. */
static uint32_t send_burst(struct rg_sender *s, struct rg_flow *f, uint32_t max)
{
	struct mmsghdr msgs[RG_MAX_BURST];
	struct iovec iov[RG_MAX_BURST];
	struct rg_meta meta[RG_MAX_BURST];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf[RG_MAX_BURST];
	struct rg_pkt_desc d;
	uint32_t n = 0, off = 0;
	int retries = 0;

	while (n < max && next_packet(s, f, &d, &meta[n])) {
		uint8_t *buf = s->bufs + (size_t)n * RG_MAX_PKT;
		struct msghdr *mh = &msgs[n].msg_hdr;

		meta[n].len = rg_build(buf, RG_MAX_PKT, &d);
		iov[n] = (struct iovec){ buf, meta[n].len };
		*mh = (struct msghdr){
			.msg_name = &s->o.dst.ss, .msg_namelen = s->o.dst.len,
			.msg_iov = &iov[n], .msg_iovlen = 1,
		};
		if (s->o.ce_every) {
			struct cmsghdr *cm;

			mh->msg_control = cbuf[n].buf;
			mh->msg_controllen = sizeof(cbuf[n].buf);
			cm = CMSG_FIRSTHDR(mh);
			cm->cmsg_level = s->o.dst.family == AF_INET ? IPPROTO_IP :
								      IPPROTO_IPV6;
			cm->cmsg_type = s->o.dst.family == AF_INET ? IP_TOS :
								     IPV6_TCLASS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			*(int *)CMSG_DATA(cm) = meta[n].ecn;
		}
		n++;
	}
	if (!n) {
		f->done = true;
		return 0;
	}

	while (off < n) {
		int r = sendmmsg(f->fd, msgs + off, n - off, 0);

		if (r > 0) {
			for (int i = 0; i < r; i++)
				commit_meta(s, f, &meta[off + i]);
			off += r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if ((errno == ENOBUFS || errno == EAGAIN) && retries++ < 100) {
			usleep(50);
			continue;
		}
		/* e.g. no route during a failover: count it, go on */
		f->st.send_errors++;
		off++;
	}
	return n;
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
		scheduled += send_burst(s, f, budget < o->burst ? budget : o->burst);
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

	if (parse_opts(argc, argv, &s.o))
		return 2;
	if (build_ctl(&s))
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
