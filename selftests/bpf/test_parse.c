// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP parser and per-flow accounting: every opcode class, ECN, VLAN, IPv4
 * options, IPv6 extension headers, non-RoCE traffic and lying length fields.
 */
#include "kselftest_harness.h"
#include "fab_check.h"

enum op_kind {
	K_REQ,		/* request: PSN tracked, consumes one */
	K_READ,		/* READ request: RETH dma_len */
	K_ACK,		/* AETH follows */
	K_NONE,		/* counted, nothing else (responses, UD, ...) */
};

struct op_case {
	__u8	opcode;
	enum op_kind kind;
};

#define RC(op)	(ROCE_TRANSPORT_RC << 5 | (op))
#define UC(op)	(ROCE_TRANSPORT_UC << 5 | (op))
#define UD(op)	(ROCE_TRANSPORT_UD << 5 | (op))
#define XRC(op)	(ROCE_TRANSPORT_XRC << 5 | (op))

static const struct op_case rc_ops[] = {
	{ RC(ROCE_OP_SEND_FIRST), K_REQ },
	{ RC(ROCE_OP_SEND_MIDDLE), K_REQ },
	{ RC(ROCE_OP_SEND_LAST), K_REQ },
	{ RC(ROCE_OP_SEND_LAST_IMM), K_REQ },
	{ RC(ROCE_OP_SEND_ONLY), K_REQ },
	{ RC(ROCE_OP_SEND_ONLY_IMM), K_REQ },
	{ RC(ROCE_OP_SEND_LAST_INV), K_REQ },
	{ RC(ROCE_OP_SEND_ONLY_INV), K_REQ },
	{ RC(ROCE_OP_WRITE_FIRST), K_REQ },
	{ RC(ROCE_OP_WRITE_MIDDLE), K_REQ },
	{ RC(ROCE_OP_WRITE_LAST), K_REQ },
	{ RC(ROCE_OP_WRITE_LAST_IMM), K_REQ },
	{ RC(ROCE_OP_WRITE_ONLY), K_REQ },
	{ RC(ROCE_OP_WRITE_ONLY_IMM), K_REQ },
	{ RC(ROCE_OP_COMPARE_SWAP), K_REQ },
	{ RC(ROCE_OP_FETCH_ADD), K_REQ },
	{ RC(ROCE_OP_READ_REQUEST), K_READ },
	{ RC(ROCE_OP_READ_RESPONSE_FIRST), K_NONE },
	{ RC(ROCE_OP_READ_RESPONSE_MIDDLE), K_NONE },
	{ RC(ROCE_OP_READ_RESPONSE_LAST), K_NONE },
	{ RC(ROCE_OP_READ_RESPONSE_ONLY), K_NONE },
	{ RC(ROCE_OP_ACKNOWLEDGE), K_ACK },
	{ RC(ROCE_OP_ATOMIC_ACKNOWLEDGE), K_ACK },
};

static const struct op_case other_ops[] = {
	{ UC(ROCE_OP_SEND_FIRST), K_REQ },
	{ UC(ROCE_OP_SEND_MIDDLE), K_REQ },
	{ UC(ROCE_OP_SEND_LAST), K_REQ },
	{ UC(ROCE_OP_SEND_LAST_IMM), K_REQ },
	{ UC(ROCE_OP_SEND_ONLY), K_REQ },
	{ UC(ROCE_OP_SEND_ONLY_IMM), K_REQ },
	{ UC(ROCE_OP_WRITE_FIRST), K_REQ },
	{ UC(ROCE_OP_WRITE_MIDDLE), K_REQ },
	{ UC(ROCE_OP_WRITE_LAST), K_REQ },
	{ UC(ROCE_OP_WRITE_LAST_IMM), K_REQ },
	{ UC(ROCE_OP_WRITE_ONLY), K_REQ },
	{ UC(ROCE_OP_WRITE_ONLY_IMM), K_REQ },
	{ UC(ROCE_OP_ACKNOWLEDGE), K_NONE },	/* UC has no ACKs */
	{ XRC(ROCE_OP_SEND_FIRST), K_REQ },
	{ XRC(ROCE_OP_SEND_ONLY_IMM), K_REQ },
	{ XRC(ROCE_OP_WRITE_ONLY), K_REQ },
	{ XRC(ROCE_OP_SEND_ONLY_INV), K_REQ },
	{ XRC(ROCE_OP_FETCH_ADD), K_REQ },
	{ XRC(ROCE_OP_READ_REQUEST), K_READ },
	{ XRC(ROCE_OP_READ_RESPONSE_ONLY), K_NONE },
	{ XRC(ROCE_OP_ACKNOWLEDGE), K_ACK },
	{ UD(ROCE_OP_SEND_ONLY), K_NONE },	/* UD: no PSN tracking */
	{ UD(ROCE_OP_SEND_ONLY_IMM), K_NONE },
};

/*
 * One packet per opcode, each on its own flow; check the whole record.
 * READ requests ask for 1000 bytes: 4 PSNs at the minimum PMTU, so with
 * read_pmtu unknown the next request may skip 3 (read_slack).
 */
static void run_ops(struct __test_metadata *_metadata, struct fab *f,
		    const struct op_case *ops, int n, int ipver)
{
	struct fabric_flow got, want;
	struct pkt_spec s;
	int i;

	for (i = 0; i < n; i++) {
		__u64 now = FAB_T0 + 1000 * i;
		__u32 len;

		fab_set_clock(f, now);
		pkt_spec_init(&s, ipver);
		pkt_spec_flow(&s, i);
		s.opcode = ops[i].opcode;
		s.psn = 0x100 * i + 5;
		s.dma_len = 1000;
		s.xrc_srq = 0xfff0ff;
		len = xdp_send(_metadata, f, &s);

		get_flow(_metadata, f, &s, &got);
		flow_want(&want, &s, 1, len, now);
		switch (ops[i].kind) {
		case K_REQ:
			want.next_psn = FABRIC_PSN_VALID | (s.psn + 1);
			break;
		case K_READ:
			want.next_psn = FABRIC_PSN_VALID | (s.psn + 1);
			want.read_slack = 3;
			break;
		case K_ACK:
			want.acks = 1;
			break;
		case K_NONE:
			break;
		}
		FAB_CTX("opcode 0x%02x", s.opcode);
		check_flow(_metadata, &got, &want);
	}
}

static void check_totals(struct __test_metadata *_metadata, struct fab *f,
			 int n)
{
	struct fabric_dp_stats st, want = { .flow_inserts = n };
	struct fabric_port_counters pc;

	get_stats(_metadata, f, &st);
	check_stats(_metadata, &st, &want);
	get_port(_metadata, f, &pc);
	ASSERT_EQ(n, pc.rx_packets);
	ASSERT_EQ(n, pc.rx_roce_packets);
	ASSERT_EQ(pc.rx_bytes, pc.rx_roce_bytes);
	ASSERT_EQ(0, pc.rx_non_roce + pc.rx_malformed + pc.rx_unparsed);
	ASSERT_EQ(n, fab_flow_count(f));
}

TEST_F(fab, rc_opcodes_v4)
{
	struct fab_opts o = { .nsets = 64 };
	int n = sizeof(rc_ops) / sizeof(rc_ops[0]);

	FAB_UP(&o);
	run_ops(_metadata, &self->f, rc_ops, n, 4);
	check_totals(_metadata, &self->f, n);
}

TEST_F(fab, rc_opcodes_v6)
{
	struct fab_opts o = { .nsets = 64 };
	int n = sizeof(rc_ops) / sizeof(rc_ops[0]);

	FAB_UP(&o);
	run_ops(_metadata, &self->f, rc_ops, n, 6);
	check_totals(_metadata, &self->f, n);
}

TEST_F(fab, uc_xrc_ud_opcodes)
{
	struct fab_opts o = { .nsets = 64 };
	int n = sizeof(other_ops) / sizeof(other_ops[0]);

	FAB_UP(&o);
	run_ops(_metadata, &self->f, other_ops, n, 4);
	check_totals(_metadata, &self->f, n);
}

/* With the PMTU known a READ consumes exactly ceil(dma_len / pmtu) PSNs. */
TEST_F(fab, read_request_reth_exact)
{
	struct fab_opts o = { .read_pmtu = 1024 };
	static const struct { __u8 opcode; __u32 dma_len, psns; } c[] = {
		{ RC(ROCE_OP_READ_REQUEST), 0, 1 },
		{ RC(ROCE_OP_READ_REQUEST), 1, 1 },
		{ RC(ROCE_OP_READ_REQUEST), 1024, 1 },
		{ RC(ROCE_OP_READ_REQUEST), 1025, 2 },
		{ RC(ROCE_OP_READ_REQUEST), 65536, 64 },
		/* XRCETH sits before the RETH: dma_len is 4 bytes later */
		{ XRC(ROCE_OP_READ_REQUEST), 3 * 1024, 3 },
		{ XRC(ROCE_OP_READ_REQUEST), 0x100000, 1024 },
	};
	struct fabric_flow got, want;
	struct pkt_spec s;
	unsigned int i;
	__u32 len;

	FAB_UP(&o);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		pkt_spec_init(&s, 4);
		pkt_spec_flow(&s, i);
		s.opcode = c[i].opcode;
		s.psn = 0xfffff0;
		s.dma_len = c[i].dma_len;
		s.xrc_srq = 0x777777;
		len = xdp_send(_metadata, &self->f, &s);
		get_flow(_metadata, &self->f, &s, &got);
		flow_want(&want, &s, 1, len, FAB_T0);
		want.next_psn = FABRIC_PSN_VALID |
				((s.psn + c[i].psns) & ROCE_PSN_MASK);
		FAB_CTX("case %u", i);
		check_flow(_metadata, &got, &want);
	}
}

/* Every AETH syndrome class; reserved classes count nothing. */
TEST_F(fab, ack_nak_syndromes)
{
	struct fab_opts o = { 0 };
	static const __u8 syn[] = {
		0x00, 0x1f,		/* ACK, credit counts */
		0x60,			/* NAK PSN sequence error */
		0x20, 0x2c, 0x3f,	/* RNR NAK, timers */
		0x61, 0x62, 0x63, 0x64, 0x7f,	/* other NAK codes */
		0x40, 0x5f, 0x80, 0xe0,	/* reserved classes */
	};
	struct fabric_dp_stats st, want_st = { .flow_inserts = 1 };
	struct fabric_flow got, want;
	struct pkt_spec s;
	__u64 bytes = 0;
	unsigned int i;

	FAB_UP(&o);
	pkt_spec_init(&s, 4);
	s.opcode = RC(ROCE_OP_ACKNOWLEDGE);
	for (i = 0; i < sizeof(syn); i++) {
		s.syndrome = syn[i];
		s.psn = i;
		s.msn = 0x10000 + i;
		bytes += xdp_send(_metadata, &self->f, &s);
	}
	get_flow(_metadata, &self->f, &s, &got);
	flow_want(&want, &s, sizeof(syn), bytes, FAB_T0);
	want.acks = 2;
	want.naks_seq = 1;
	want.naks_rnr = 3;
	want.naks_other = 5;
	check_flow(_metadata, &got, &want);
	/* no rate limit configured: one event per NAK */
	want_st.events_sent = 9;
	get_stats(_metadata, &self->f, &st);
	check_stats(_metadata, &st, &want_st);
}

TEST_F(fab, cnp)
{
	struct fab_opts o = { 0 };
	struct fabric_flow got, want;
	struct pkt_spec s;
	__u32 len;

	FAB_UP(&o);
	pkt_spec_init(&s, 6);
	s.opcode = ROCE_OPCODE_CNP;
	s.psn = 77;
	s.tos = 0x60 | 2;	/* ECT(0): CNPs are not CE-marked here */
	len = spec_len(_metadata, &s);
	rx_expect_spec(_metadata, &self->f, &s, RX_ROCE, RX_CNP);
	rx_expect_spec(_metadata, &self->f, &s, RX_ROCE, RX_CNP);
	get_flow(_metadata, &self->f, &s, &got);
	flow_want(&want, &s, 2, 2 * len, FAB_T0);
	want.cnp = 2;
	want.ect = 2;
	check_flow(_metadata, &got, &want);
}

static void ecn_case(struct __test_metadata *_metadata, struct fab *f,
		     int ipver)
{
	struct fabric_flow got, want;
	struct pkt_spec s;
	int ecn;
	__u32 len;

	for (ecn = 0; ecn < 4; ecn++) {
		pkt_spec_init(&s, ipver);
		pkt_spec_flow(&s, ecn);
		s.tos = 0x88 | ecn;	/* DSCP bits must not leak into ECN */
		len = spec_len(_metadata, &s);
		rx_expect_spec(_metadata, f, &s, RX_ROCE, ecn == 3 ? RX_CE : 0);
		get_flow(_metadata, f, &s, &got);
		flow_want(&want, &s, 1, len, FAB_T0);
		want.next_psn = FABRIC_PSN_VALID | 1;
		want.ce = ecn == 3;
		want.ect = ecn == 1 || ecn == 2;
		FAB_CTX("IPv%d ECN %d", ipver, ecn);
		check_flow(_metadata, &got, &want);
	}
}

TEST_F(fab, ecn_v4)
{
	struct fab_opts o = { 0 };

	FAB_UP(&o);
	ecn_case(_metadata, &self->f, 4);
}

TEST_F(fab, ecn_v6)
{
	struct fab_opts o = { 0 };

	FAB_UP(&o);
	ecn_case(_metadata, &self->f, 6);
}

/* Parsed as RoCE: the flow exists with the right key and one packet. */
static void roce_ok(struct __test_metadata *_metadata, struct fab *f,
		    const struct pkt_spec *s)
{
	struct fabric_flow got, want;
	__u32 len = spec_len(_metadata, s);

	rx_expect_spec(_metadata, f, s, RX_ROCE, 0);
	get_flow(_metadata, f, s, &got);
	flow_want(&want, s, 1, len, FAB_T0);
	want.next_psn = FABRIC_PSN_VALID | ((s->psn + 1) & ROCE_PSN_MASK);
	check_flow(_metadata, &got, &want);
}

TEST_F(fab, ipv4_options)
{
	struct fab_opts o = { 0 };
	struct pkt_spec s;
	int words;

	FAB_UP(&o);
	for (words = 1; words <= 10; words++) {
		pkt_spec_init(&s, 4);
		pkt_spec_flow(&s, words);
		s.ip_opt_words = words;
		FAB_CTX("ihl %d", 5 + words);
		roce_ok(_metadata, &self->f, &s);
	}
}

TEST_F(fab, ipv4_fragments_unparsed)
{
	struct fab_opts o = { 0 };
	static const __u16 frag[] = { 0x2000, 0x0001, 0x2010, 0x1fff };
	struct pkt_spec s;
	unsigned int i;

	FAB_UP(&o);
	for (i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		pkt_spec_init(&s, 4);
		s.ip_frag = frag[i];
		rx_expect_spec(_metadata, &self->f, &s, RX_UNPARSED, 0);
	}
	ASSERT_EQ(0, fab_flow_count(&self->f));
}

TEST_F(fab, ipv6_ext_headers)
{
	struct fab_opts o = { 0 };
	static const __u8 chains[][4] = {
		{ PKT_EXT_HOPOPTS },
		{ PKT_EXT_DSTOPTS },
		{ PKT_EXT_ROUTING },
		{ PKT_EXT_FRAG },
		{ PKT_EXT_AH },
		{ PKT_EXT_HOPOPTS, PKT_EXT_DSTOPTS, PKT_EXT_ROUTING, PKT_EXT_FRAG },
		{ PKT_EXT_HOPOPTS, PKT_EXT_ROUTING, PKT_EXT_AH, PKT_EXT_DSTOPTS },
	};
	static const int nchain[] = { 1, 1, 1, 1, 1, 4, 4 };
	struct pkt_spec s;
	unsigned int i;

	FAB_UP(&o);
	for (i = 0; i < sizeof(nchain) / sizeof(nchain[0]); i++) {
		pkt_spec_init(&s, 6);
		pkt_spec_flow(&s, i);
		s.next = nchain[i];
		memcpy(s.ext, chains[i], nchain[i]);
		s.psn = 0xffffff;
		FAB_CTX("chain %u", i);
		roce_ok(_metadata, &self->f, &s);
	}
}

TEST_F(fab, ipv6_unparsed)
{
	struct fab_opts o = { 0 };
	struct pkt_spec s;

	FAB_UP(&o);
	/* non-first fragment, then a first fragment with more to come */
	pkt_spec_init(&s, 6);
	s.next = 1;
	s.ext[0] = PKT_EXT_FRAG;
	s.v6_frag = 185 << 3;
	rx_expect_spec(_metadata, &self->f, &s, RX_UNPARSED, 0);
	s.v6_frag = 1;
	rx_expect_spec(_metadata, &self->f, &s, RX_UNPARSED, 0);
	/* ESP: encrypted from here on */
	s.next = 2;
	s.ext[0] = PKT_EXT_HOPOPTS;
	s.ext[1] = PKT_EXT_ESP;
	rx_expect_spec(_metadata, &self->f, &s, RX_UNPARSED, 0);
	/* more extension headers than the parser walks */
	s.next = 5;
	memset(s.ext, PKT_EXT_DSTOPTS, 5);
	rx_expect_spec(_metadata, &self->f, &s, RX_UNPARSED, 0);
	ASSERT_EQ(0, fab_flow_count(&self->f));
}

TEST_F(fab, vlan_tags)
{
	struct fab_opts o = { 0 };
	struct pkt_spec s;
	int ipver;

	FAB_UP(&o);
	for (ipver = 4; ipver <= 6; ipver += 2) {
		pkt_spec_init(&s, ipver);
		s.nvlan = 1;
		roce_ok(_metadata, &self->f, &s);

		pkt_spec_flow(&s, 1);
		s.nvlan = 2;
		s.vlan_tpid[0] = 0x88a8;	/* 802.1ad outer, 802.1Q inner */
		roce_ok(_metadata, &self->f, &s);

		pkt_spec_flow(&s, 2);
		s.vlan_tpid[0] = 0x8100;	/* QinQ with two 802.1Q tags */
		roce_ok(_metadata, &self->f, &s);

		pkt_spec_flow(&s, 3);
		s.nvlan = 3;
		s.vlan_tpid[0] = 0x88a8;
		rx_expect_spec(_metadata, &self->f, &s, RX_UNPARSED, 0);
	}
	ASSERT_EQ(6, fab_flow_count(&self->f));
}

/* Not RoCE: passed on untouched, counted, no flow. */
TEST_F(fab, non_roce)
{
	struct fab_opts o = { 0 };
	struct pkt_spec s;
	int ipver;

	FAB_UP(&o);
	for (ipver = 4; ipver <= 6; ipver += 2) {
		pkt_spec_init(&s, ipver);
		s.l4proto = PKT_IPPROTO_TCP;	/* even to port 4791 */
		rx_expect_spec(_metadata, &self->f, &s, RX_NON_ROCE, 0);
		s.l4proto = PKT_IPPROTO_UDP;
		s.dport = 4789;			/* VXLAN */
		rx_expect_spec(_metadata, &self->f, &s, RX_NON_ROCE, 0);
		s.dport = 4790;
		s.nvlan = 2;
		rx_expect_spec(_metadata, &self->f, &s, RX_NON_ROCE, 0);
	}
	pkt_spec_init(&s, 6);
	s.next = 1;
	s.ext[0] = 59;				/* no next header */
	rx_expect_spec(_metadata, &self->f, &s, RX_NON_ROCE, 0);
	pkt_spec_init(&s, 0);			/* ARP */
	rx_expect_spec(_metadata, &self->f, &s, RX_NON_ROCE, 0);
	s.nvlan = 1;
	rx_expect_spec(_metadata, &self->f, &s, RX_NON_ROCE, 0);
	ASSERT_EQ(0, fab_flow_count(&self->f));
}

/* Ethernet padding after the IP datagram is not part of it. */
TEST_F(fab, ethernet_padding)
{
	struct fab_opts o = { 0 };
	struct fabric_flow got, want;
	__u8 buf[PKT_MAX] = { 0 };
	struct pkt_spec s;
	__u32 len;

	FAB_UP(&o);
	pkt_spec_init(&s, 4);
	s.opcode = RC(ROCE_OP_ACKNOWLEDGE);
	len = build(_metadata, &s, buf, NULL);
	ASSERT_LT(len, 64);
	rx_expect(_metadata, &self->f, buf, 64, RX_ROCE, 0);
	get_flow(_metadata, &self->f, &s, &got);
	flow_want(&want, &s, 1, 64, FAB_T0);
	want.acks = 1;
	check_flow(_metadata, &got, &want);
}

/* A jumbo frame spills into XDP fragments; the headers are linear. */
TEST_F(fab, jumbo_frags)
{
	struct fab_opts o = { 0 };
	struct pkt_spec s;

	FAB_UP(&o);
	pkt_spec_init(&s, 6);
	s.opcode = RC(ROCE_OP_WRITE_ONLY);
	s.payload = 8900;
	s.psn = 9;
	ASSERT_LT(4096, spec_len(_metadata, &s));
	roce_ok(_metadata, &self->f, &s);
}

/*
 * Headers that reach past the linear part of a multi-buffer frame can't be
 * read: unparsed, not malformed, since the frame itself is whole.
 */
TEST_F(fab, headers_beyond_linear_unparsed)
{
	struct fab_opts o = { 0 };
	struct fabric_port_counters pc, want = { 0 };
	static __u8 buf[PKT_MAX];
	struct pkt_layout lay;
	struct pkt_spec s;
	__u32 len, lin, need, ret;
	int err, v;

	FAB_UP(&o);
	for (v = 0; v < 2; v++) {
		pkt_spec_init(&s, v ? 6 : 4);
		s.opcode = v ? RC(ROCE_OP_ACKNOWLEDGE) : RC(ROCE_OP_SEND_ONLY);
		s.nvlan = v;
		s.payload = 6000;
		len = build(_metadata, &s, buf, &lay);
		need = lay.bth + ROCE_BTH_LEN + (v ? ROCE_AETH_LEN : 0);
		for (lin = 14; lin <= need + 8 && lin <= len; lin++) {
			FAB_CTX("IPv%d, %u of %u linear, %u needed", s.ipver,
				lin, len, need);
			err = fab_xdp_run_linear(&self->f, buf, len, lin, &ret);
			if (err == -EINVAL && lin == 14)
				SKIP(return, "kernel takes no linear size for XDP test_run");
			ASSERT_EQ(0, err) ON_FAIL;
			ASSERT_EQ(FAB_XDP_PASS, ret) ON_FAIL;
			want.rx_packets++;
			want.rx_bytes += len;
			if (lin < need) {
				want.rx_unparsed++;
			} else {
				want.rx_roce_packets++;
				want.rx_roce_bytes += len;
			}
			want.rx_last_ns = FAB_T0;
			get_port(_metadata, &self->f, &pc);
			check_port(_metadata, &pc, &want);
		}
	}
	ASSERT_EQ(2, fab_flow_count(&self->f));
}

/*
 * Header length fields that lie: each frame is well formed apart from the
 * one field, so only that field can make it malformed.
 */
struct lie {
	const char *what;
	int ipver;
	__u8 opcode;
	void (*edit)(__u8 *pkt, const struct pkt_layout *l, __u32 *len);
};

static void put16be(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u16 get16be(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

static void v4_fix(__u8 *pkt, const struct pkt_layout *l)
{
	pkt_ipv4_csum(pkt + l->l3);
}

static void tot_len_long(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l3 + 2, get16be(p + l->l3 + 2) + 1);
	v4_fix(p, l);
}

static void tot_len_short_of_ihl(__u8 *p, const struct pkt_layout *l,
				 __u32 *len)
{
	put16be(p + l->l3 + 2, 19);
	v4_fix(p, l);
}

static void ihl_4(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	p[l->l3] = 0x44;
	v4_fix(p, l);
}

static void ihl_past_tot_len(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	/* 60-byte header claimed, datagram is 20 + 8 + 12 + 4 + 4 */
	p[l->l3] = 0x4f;
	put16be(p + l->l3 + 2, 48);
	v4_fix(p, l);
}

static void v4_version_5(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	p[l->l3] = 0x55;
	v4_fix(p, l);
}

static void v4_version_6(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	p[l->l3] = 0x65;
	v4_fix(p, l);
}

static void v6_version_4(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	p[l->l3] = (p[l->l3] & 0x0f) | 0x40;
}

static void v6_plen_long(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l3 + 4, get16be(p + l->l3 + 4) + 1);
}

static void v6_ext_past_end(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	p[l->ext[0] + 1] = 200;		/* hdrlen: 1608 bytes */
}

static void udp_len_7(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l4 + 4, 7);
}

static void udp_len_0(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l4 + 4, 0);
}

static void udp_len_long(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l4 + 4, get16be(p + l->l4 + 4) + 1);
}

/* UDP ends inside the BTH (no room for BTH + ICRC) */
static void udp_len_bth_short(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l4 + 4, 8 + ROCE_BTH_LEN + ROCE_ICRC_LEN - 1);
}

/* UDP covers the BTH and AETH but leaves no ICRC */
static void udp_len_no_icrc(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l4 + 4, 8 + ROCE_BTH_LEN + ROCE_AETH_LEN);
}

/* IP datagram ends before the UDP header does */
static void tot_len_cuts_udp(__u8 *p, const struct pkt_layout *l, __u32 *len)
{
	put16be(p + l->l3 + 2, l->l4 - l->l3 + 7);
	v4_fix(p, l);
}

static const struct lie lies[] = {
	{ "tot_len > frame", 4, RC(ROCE_OP_SEND_ONLY), tot_len_long },
	{ "tot_len < ihl", 4, RC(ROCE_OP_SEND_ONLY), tot_len_short_of_ihl },
	{ "ihl < 5", 4, RC(ROCE_OP_SEND_ONLY), ihl_4 },
	{ "ihl > tot_len", 4, RC(ROCE_OP_ACKNOWLEDGE), ihl_past_tot_len },
	{ "version 5", 4, RC(ROCE_OP_SEND_ONLY), v4_version_5 },
	{ "version 6 in IPv4", 4, RC(ROCE_OP_SEND_ONLY), v4_version_6 },
	{ "version 4 in IPv6", 6, RC(ROCE_OP_SEND_ONLY), v6_version_4 },
	{ "payload_len > frame", 6, RC(ROCE_OP_SEND_ONLY), v6_plen_long },
	{ "UDP len 7", 4, RC(ROCE_OP_SEND_ONLY), udp_len_7 },
	{ "UDP len 0", 6, RC(ROCE_OP_SEND_ONLY), udp_len_0 },
	{ "UDP len > IP payload v4", 4, RC(ROCE_OP_SEND_ONLY), udp_len_long },
	{ "UDP len > IP payload v6", 6, RC(ROCE_OP_SEND_ONLY), udp_len_long },
	{ "UDP len cuts BTH", 4, RC(ROCE_OP_SEND_ONLY), udp_len_bth_short },
	{ "UDP len leaves no ICRC", 4, RC(ROCE_OP_ACKNOWLEDGE), udp_len_no_icrc },
	{ "tot_len cuts UDP", 4, RC(ROCE_OP_SEND_ONLY), tot_len_cuts_udp },
};

TEST_F(fab, lying_length_fields)
{
	struct fab_opts o = { 0 };
	struct pkt_layout lay;
	__u8 buf[PKT_MAX];
	struct pkt_spec s;
	unsigned int i;
	__u32 len;

	FAB_UP(&o);
	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		pkt_spec_init(&s, lies[i].ipver);
		s.opcode = lies[i].opcode;
		s.payload = 0;
		len = build(_metadata, &s, buf, &lay);
		lies[i].edit(buf, &lay, &len);
		FAB_CTX("%s", lies[i].what);
		rx_expect(_metadata, &self->f, buf, len, RX_MALFORMED, 0);
	}
	/* an IPv6 extension header running past the payload */
	pkt_spec_init(&s, 6);
	s.next = 1;
	s.ext[0] = PKT_EXT_HOPOPTS;
	len = build(_metadata, &s, buf, &lay);
	v6_ext_past_end(buf, &lay, &len);
	rx_expect(_metadata, &self->f, buf, len, RX_MALFORMED, 0);
	ASSERT_EQ(0, fab_flow_count(&self->f));
}

TEST_HARNESS_MAIN
