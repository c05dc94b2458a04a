// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Seed corpus and mutators of the parser fuzzer; see fuzz_gen.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "fuzz_gen.h"
#include "pktgen.h"

#define POOL_FLOWS	64	/* flows with running PSNs: in-order traffic too */
#define CORPUS_BUILT	2048	/* random well-formed frames */
#define MAX_MUTATIONS	4

struct pool_flow {
	struct pkt_spec	spec;
	__u32		next_psn;
};

struct fuzz_gen {
	__u64			rng;
	struct pool_flow	pool[POOL_FLOWS];
	struct fuzz_frame	*corpus;
	size_t			n, cap;
};

/* splitmix64: small, fast, and the same sequence on every machine */
static __u64 rnd(struct fuzz_gen *g)
{
	__u64 z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 below(struct fuzz_gen *g, __u32 n)
{
	return n ? rnd(g) % n : 0;
}

static int chance(struct fuzz_gen *g, __u32 pct)
{
	return below(g, 100) < pct;
}

static int corpus_add(struct fuzz_gen *g, const __u8 *p, __u32 len)
{
	struct fuzz_frame *n;

	if (len < FUZZ_FRAME_MIN || len > FUZZ_FRAME_MAX)
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 1024;

		n = realloc(g->corpus, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		g->corpus = n;
		g->cap = cap;
	}
	g->corpus[g->n].len = len;
	memcpy(g->corpus[g->n].data, p, len);
	g->n++;
	return 1;
}

/* Headers of the shape RoCE fabrics carry, and some they should not. */
static void random_shape(struct fuzz_gen *g, struct pkt_spec *s)
{
	static const __u8 exts[] = { PKT_EXT_HOPOPTS, PKT_EXT_ROUTING,
				     PKT_EXT_DSTOPTS, PKT_EXT_FRAG, PKT_EXT_AH };
	int i;

	pkt_spec_init(s, chance(g, 50) ? 4 : 6);
	pkt_spec_flow(s, below(g, 1 << 20));
	s->qp = rnd(g) & ROCE_QP_MASK;
	s->nvlan = chance(g, 60) ? 0 : 1 + below(g, chance(g, 90) ? 2 : 3);
	for (i = 0; i < s->nvlan; i++)
		s->vlan_tpid[i] = chance(g, 50) ? 0x8100 : 0x88a8;
	if (s->ipver == 4) {
		if (chance(g, 30))
			s->ip_opt_words = 1 + below(g, 10);
		if (chance(g, 5))
			s->ip_frag = chance(g, 50) ? 0x2000 : below(g, 0x2000);
	} else if (chance(g, 40)) {
		s->next = 1 + below(g, chance(g, 90) ? 4 : 5);
		for (i = 0; i < s->next; i++)
			s->ext[i] = exts[below(g, sizeof(exts))];
		if (chance(g, 3))
			s->ext[below(g, s->next)] = PKT_EXT_ESP;
		if (chance(g, 10))
			s->v6_frag = below(g, 0x10000) & 0xfff9;
	}
}

static const __u8 common_ops[] = {
	ROCE_OP_SEND_FIRST, ROCE_OP_SEND_MIDDLE, ROCE_OP_SEND_LAST,
	ROCE_OP_SEND_ONLY, ROCE_OP_SEND_ONLY_IMM, ROCE_OP_WRITE_FIRST,
	ROCE_OP_WRITE_MIDDLE, ROCE_OP_WRITE_LAST, ROCE_OP_WRITE_ONLY,
	ROCE_OP_WRITE_ONLY_IMM, ROCE_OP_READ_REQUEST,
	ROCE_OP_READ_RESPONSE_FIRST, ROCE_OP_READ_RESPONSE_ONLY,
	ROCE_OP_ACKNOWLEDGE, ROCE_OP_ATOMIC_ACKNOWLEDGE, ROCE_OP_COMPARE_SWAP,
	ROCE_OP_FETCH_ADD, ROCE_OP_SEND_ONLY_INV, ROCE_OP_FLUSH,
	ROCE_OP_ATOMIC_WRITE,
};

static const __u8 syndromes[] = {
	0x00, 0x1f, 0x20, 0x3f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x7f, 0x40, 0x80,
	0xe0,
};

static __u8 random_opcode(struct fuzz_gen *g)
{
	__u8 op = common_ops[below(g, sizeof(common_ops))];
	__u32 r = below(g, 100);

	if (r < 60)
		return op;			/* RC */
	if (r < 70)
		return 0x20 | op;		/* UC */
	if (r < 80)
		return 0xa0 | op;		/* XRC */
	if (r < 85)
		return ROCE_OPCODE_CNP;
	if (r < 90)
		return 0x64 + below(g, 2);	/* UD SEND ONLY (IMM) */
	return below(g, 256);
}

/* A frame of one of the pool's flows, PSN mostly in order. */
static __u32 build_pool_frame(struct fuzz_gen *g, __u8 *buf)
{
	struct pool_flow *f = &g->pool[below(g, POOL_FLOWS)];
	struct pkt_spec s = f->spec;
	struct pkt_layout lay;
	__u32 r = below(g, 100), n;

	s.tos = below(g, 256);
	s.payload = chance(g, 20) ? 0 : below(g, 300);
	if (r < 4) {
		s.dport = 4000 + below(g, 1000);
	} else if (r < 7) {
		s.l4proto = PKT_IPPROTO_TCP;
	} else if (r < 8) {
		s.ipver = 0;			/* ARP */
	}
	s.opcode = random_opcode(g);
	s.ackreq = below(g, 2);
	s.syndrome = syndromes[below(g, sizeof(syndromes))];
	s.msn = below(g, 1 << 24);
	s.xrc_srq = below(g, 1 << 24);
	s.dma_len = chance(g, 50) ? below(g, 4096) : rnd(g);
	r = below(g, 100);
	if (r < 80)
		s.psn = f->next_psn;
	else if (r < 88)
		s.psn = f->next_psn + 1 + below(g, 16);
	else if (r < 95)
		s.psn = f->next_psn - 1 - below(g, 16);
	else
		s.psn = rnd(g);
	s.psn &= ROCE_PSN_MASK;
	f->next_psn = (s.psn + 1) & ROCE_PSN_MASK;
	n = pkt_build(&s, buf, FUZZ_FRAME_MAX, &lay);
	return n;
}

struct fuzz_gen *fuzz_gen_new(__u64 seed)
{
	struct fuzz_gen *g = calloc(1, sizeof(*g));
	__u8 buf[FUZZ_FRAME_MAX];
	struct pkt_spec s;
	struct pkt_layout lay;
	int i, tries;

	if (!g)
		return NULL;
	g->rng = seed;
	for (i = 0; i < POOL_FLOWS; i++) {
		random_shape(g, &g->pool[i].spec);
		g->pool[i].next_psn = rnd(g) & ROCE_PSN_MASK;
	}
	for (i = 0, tries = 0; i < CORPUS_BUILT && tries < 4 * CORPUS_BUILT; tries++) {
		__u32 n;

		random_shape(g, &s);
		s.opcode = random_opcode(g);
		s.tos = below(g, 256);
		s.syndrome = syndromes[below(g, sizeof(syndromes))];
		s.psn = rnd(g) & ROCE_PSN_MASK;
		s.dma_len = rnd(g);
		s.payload = below(g, 1100);
		n = pkt_build(&s, buf, FUZZ_FRAME_MAX, &lay);
		if (!n)
			continue;
		if (corpus_add(g, buf, n) < 0)
			goto fail;
		i++;
	}
	return g;
fail:
	fuzz_gen_free(g);
	return NULL;
}

void fuzz_gen_free(struct fuzz_gen *g)
{
	if (!g)
		return;
	free(g->corpus);
	free(g);
}

size_t fuzz_gen_corpus_size(const struct fuzz_gen *g)
{
	return g->n;
}

int fuzz_gen_add_pcap(struct fuzz_gen *g, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const __u8 *data;
	int added = 0, r;
	pcap_t *pc;

	pc = pcap_open_offline(path, err);
	if (!pc)
		return -ENOENT;
	if (pcap_datalink(pc) != DLT_EN10MB) {
		pcap_close(pc);
		return -EPROTONOSUPPORT;
	}
	while (pcap_next_ex(pc, &h, &data) == 1) {
		r = corpus_add(g, data, h->caplen);
		if (r < 0) {
			pcap_close(pc);
			return r;
		}
		added += r;
	}
	pcap_close(pc);
	return added;
}

/* Where the mutators find headers; the fuzzer's guess, not the oracle. */
struct where {
	__u32	type_at;	/* the EtherType after the tags */
	__u32	l3;
	__u32	l4;		/* 0: not found */
	int	ipver;
	__u32	bth;		/* 0: not UDP */
};

static __u32 get16(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

static void put16(__u8 *p, __u32 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void locate(const struct fuzz_frame *f, struct where *w)
{
	const __u8 *d = f->data;
	__u32 off = 12, t, i, nh;

	memset(w, 0, sizeof(*w));
	for (i = 0; off + 2 <= f->len && i < 4; i++, off += 4) {
		t = get16(d + off);
		if (t != 0x8100 && t != 0x88a8 && t != 0x9100)
			break;
	}
	w->type_at = off;
	w->l3 = off + 2;
	if (off + 2 > f->len)
		return;
	t = get16(d + off);
	if (t == 0x0800 && w->l3 + 20 <= f->len) {
		w->ipver = 4;
		w->l4 = w->l3 + (d[w->l3] & 0xf) * 4;
		nh = d[w->l3 + 9];
	} else if (t == 0x86dd && w->l3 + 40 <= f->len) {
		w->ipver = 6;
		w->l4 = w->l3 + 40;
		nh = d[w->l3 + 6];
		for (i = 0; i < 6 && w->l4 + 8 <= f->len; i++) {
			if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
				break;
			t = nh == 44 ? 8 : nh == 51 ? (d[w->l4 + 1] + 2) * 4 :
			    (d[w->l4 + 1] + 1) * 8;
			nh = d[w->l4];
			w->l4 += t;
		}
	} else {
		return;
	}
	if (nh == 17 && w->l4 + 8 + 12 <= f->len)
		w->bth = w->l4 + 8;
}

static int insert(struct fuzz_frame *f, __u32 at, const __u8 *src, __u32 n)
{
	if (at > f->len || f->len + n > FUZZ_FRAME_MAX)
		return -1;
	memmove(f->data + at + n, f->data + at, f->len - at);
	memcpy(f->data + at, src, n);
	f->len += n;
	return 0;
}

/* Add @delta to a 16-bit length field, unless @g decides to leave it lying. */
static void fix_len(struct fuzz_gen *g, struct fuzz_frame *f, __u32 at, int delta)
{
	if (at + 2 <= f->len && chance(g, 90))
		put16(f->data + at, get16(f->data + at) + delta);
}

static void m_truncate(struct fuzz_gen *g, struct fuzz_frame *f)
{
	__u32 hi = f->len < 128 || chance(g, 30) ? f->len : 128;

	f->len = FUZZ_FRAME_MIN + below(g, hi - FUZZ_FRAME_MIN + 1);
}

static void m_flip(struct fuzz_gen *g, struct fuzz_frame *f)
{
	int i, n = 1 + below(g, 3);

	for (i = 0; i < n; i++) {
		__u32 span = f->len < 100 || chance(g, 20) ? f->len : 100;

		f->data[below(g, span)] ^= 1 << below(g, 8);
	}
}

static void m_byte(struct fuzz_gen *g, struct fuzz_frame *f)
{
	static const __u8 vals[] = { 0, 1, 2, 4, 0x7f, 0x80, 0xfe, 0xff };
	__u32 span = f->len < 100 ? f->len : 100;

	f->data[below(g, span)] = chance(g, 50) ? vals[below(g, sizeof(vals))] :
						  below(g, 256);
}

/* A prefix of this frame, then the tail of another from about the same place. */
static void m_splice(struct fuzz_gen *g, struct fuzz_frame *f)
{
	const struct fuzz_frame *o = &g->corpus[below(g, g->n)];
	__u32 cut = below(g, f->len + 1), from;

	from = chance(g, 60) ? cut : below(g, o->len + 1);
	if (from > o->len)
		from = o->len;
	if (cut + (o->len - from) > FUZZ_FRAME_MAX)
		return;
	memcpy(f->data + cut, o->data + from, o->len - from);
	f->len = cut + o->len - from;
	if (f->len < FUZZ_FRAME_MIN)
		f->len = FUZZ_FRAME_MIN;
}

static void m_vlan(struct fuzz_gen *g, struct fuzz_frame *f)
{
	static const __u16 tpids[] = { 0x8100, 0x88a8, 0x8100, 0x88a8, 0x9100 };
	__u8 tag[4];
	struct where w;
	__u32 at;

	locate(f, &w);
	at = 12 + 4 * below(g, (w.type_at - 12) / 4 + 1);
	put16(tag, tpids[below(g, sizeof(tpids) / sizeof(tpids[0]))]);
	put16(tag + 2, below(g, 0x10000));
	insert(f, at, tag, 4);
}

static void m_v6ext(struct fuzz_gen *g, struct fuzz_frame *f)
{
	static const __u8 types[] = { 0, 43, 60, 44, 51, 0, 60, 44, 50, 59, 135, 17 };
	__u8 h[64] = {}, type = types[below(g, sizeof(types))];
	__u32 hlen = 8 * (1 + below(g, chance(g, 80) ? 1 : 7));
	struct where w;

	locate(f, &w);
	if (w.ipver != 6)
		return;
	if (type == 44) {
		hlen = 8;
		if (chance(g, 30))
			put16(h + 2, below(g, 0x10000));
	} else if (type == 51) {
		h[1] = hlen / 4 - 2;
	} else {
		h[1] = hlen / 8 - 1;
	}
	if (chance(g, 10))
		h[1] = below(g, 256);	/* a length that lies */
	h[0] = f->data[w.l3 + 6];
	if (insert(f, w.l3 + 40, h, hlen))
		return;
	f->data[w.l3 + 6] = type;
	fix_len(g, f, w.l3 + 4, hlen);
}

static void m_v4opt(struct fuzz_gen *g, struct fuzz_frame *f)
{
	__u8 opt[40];
	__u32 ihl, words, i;
	struct where w;

	locate(f, &w);
	if (w.ipver != 4)
		return;
	ihl = f->data[w.l3] & 0xf;
	if (ihl < 5 || ihl >= 15)
		return;
	words = 1 + below(g, 15 - ihl);	/* at most 10: options are 40 bytes */
	for (i = 0; i < words * 4; i++)
		opt[i] = chance(g, 50) ? 1 : below(g, 256);	/* NOPs, garbage */
	if (chance(g, 30)) {
		opt[0] = 7;			/* record route */
		opt[1] = words * 4 - (words > 1);
		opt[2] = 4;
	}
	if (insert(f, w.l3 + ihl * 4, opt, words * 4))
		return;
	f->data[w.l3] = (f->data[w.l3] & 0xf0) | ((ihl + words) & 0xf);
	fix_len(g, f, w.l3 + 2, words * 4);
}

static void m_length(struct fuzz_gen *g, struct fuzz_frame *f)
{
	struct where w;
	__u32 at, v;

	locate(f, &w);
	if (w.ipver == 4)
		at = chance(g, 50) && w.l4 ? w.l4 + 4 : w.l3 + 2;
	else if (w.ipver == 6)
		at = chance(g, 50) && w.l4 ? w.l4 + 4 : w.l3 + 4;
	else
		return;
	if (at + 2 > f->len)
		return;
	v = get16(f->data + at);
	switch (below(g, 4)) {
	case 0:
		v += 1 + below(g, 8);
		break;
	case 1:
		v -= 1 + below(g, 8);
		break;
	case 2:
		v = below(g, 4) ? below(g, 0x10000) : 0;
		break;
	default:
		v = 0xffff;
		break;
	}
	put16(f->data + at, v);
}

static void m_transport(struct fuzz_gen *g, struct fuzz_frame *f)
{
	struct where w;

	locate(f, &w);
	if (!w.bth)
		return;
	switch (below(g, 4)) {
	case 0:
		f->data[w.bth] = below(g, 256);			/* opcode */
		break;
	case 1:
		f->data[w.bth + 1] ^= 1 << below(g, 8);		/* flags, TVer */
		break;
	case 2:
		f->data[w.bth + 8 + below(g, 4)] = below(g, 256);	/* PSN */
		break;
	default:
		if (w.bth + 16 <= f->len)	/* AETH syndrome or XRCETH/RETH */
			f->data[w.bth + 12 + below(g, 4)] = below(g, 256);
		break;
	}
}

static void m_ethertype(struct fuzz_gen *g, struct fuzz_frame *f)
{
	static const __u16 types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806,
				       0x05dc, 0x8847 };
	struct where w;

	locate(f, &w);
	if (w.type_at + 2 <= f->len)
		put16(f->data + w.type_at, types[below(g, sizeof(types) / 2)]);
}

static void m_extend(struct fuzz_gen *g, struct fuzz_frame *f)
{
	__u32 n = 1 + below(g, 64), i;

	if (f->len + n > FUZZ_FRAME_MAX)
		return;
	for (i = 0; i < n; i++)
		f->data[f->len + i] = below(g, 256);
	f->len += n;
}

typedef void (*mutator)(struct fuzz_gen *g, struct fuzz_frame *f);

static const mutator mutators[] = {
	m_truncate, m_truncate, m_flip, m_flip, m_byte, m_splice, m_vlan,
	m_v6ext, m_v6ext, m_v4opt, m_length, m_length, m_transport,
	m_transport, m_ethertype, m_extend,
};

void fuzz_gen_next(struct fuzz_gen *g, struct fuzz_frame *out, int *mutations)
{
	int i, n;

	if (chance(g, 50) || !g->n) {
		out->len = build_pool_frame(g, out->data);
		if (out->len < FUZZ_FRAME_MIN)	/* cannot happen: fits by size */
			out->len = FUZZ_FRAME_MIN;
	} else {
		*out = g->corpus[below(g, g->n)];
	}
	n = chance(g, 20) ? 0 : 1 + below(g, MAX_MUTATIONS);
	for (i = 0; i < n; i++)
		mutators[below(g, sizeof(mutators) / sizeof(mutators[0]))](g, out);
	*mutations = n;
}
