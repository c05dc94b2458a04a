// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* roce-gen sender: its command line (Documentation/traffic-generator.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roce-gen-send.h"

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

int rg_send_parse_opts(int argc, char **argv, struct rg_opts *o)
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
