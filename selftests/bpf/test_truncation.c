// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every truncation of every header: each valid frame below is cut at every
 * length from 14 bytes to one short of whole. Each cut must pass untouched,
 * count as malformed exactly once and create no flow, at XDP and at tc.
 * Below the kernel's minimum (see kernel_min_len()) test_run refuses with
 * EINVAL and nothing is counted.
 */
#include "kselftest_harness.h"
#include "fab_check.h"
#include "roce.h"

#define RC(op)	(ROCE_TRANSPORT_RC << 5 | (op))
#define XRC(op)	(ROCE_TRANSPORT_XRC << 5 | (op))

#define ETH_HLEN_MIN	14

/*
 * Shortest frame the kernel runs a program on. XDP: an Ethernet header.
 * skb (tc): also the whole IPv4 or IPv6 header when the Ethernet type says
 * IP, since test_run parses it to set up the socket (measured on 6.18).
 */
static __u32 kernel_min_len(const __u8 *pkt, int tc)
{
	__u16 proto = pkt[12] << 8 | pkt[13];

	if (!tc)
		return ETH_HLEN_MIN;
	if (proto == 0x0800)
		return ETH_HLEN_MIN + 20;
	if (proto == 0x86dd)
		return ETH_HLEN_MIN + 40;
	return ETH_HLEN_MIN;
}

struct cut_case {
	const char *name;
	void (*spec)(struct pkt_spec *s);
};

static void v4_send(struct pkt_spec *s)
{
	pkt_spec_init(s, 4);
	s->payload = 20;
}

static void v4_opts_vlan_write(struct pkt_spec *s)
{
	pkt_spec_init(s, 4);
	s->nvlan = 1;
	s->ip_opt_words = 3;
	s->opcode = RC(ROCE_OP_WRITE_FIRST);
	s->dma_len = 8192;
	s->payload = 8;
}

static void v4_ack(struct pkt_spec *s)
{
	pkt_spec_init(s, 4);
	s->opcode = RC(ROCE_OP_ACKNOWLEDGE);
	s->syndrome = 0x60;
}

static void v4_read(struct pkt_spec *s)
{
	pkt_spec_init(s, 4);
	s->opcode = RC(ROCE_OP_READ_REQUEST);
	s->dma_len = 65536;
}

static void v4_cnp(struct pkt_spec *s)
{
	pkt_spec_init(s, 4);
	s->opcode = ROCE_OPCODE_CNP;
	s->tos = 3;
}

static void v6_ext_send(struct pkt_spec *s)
{
	static const __u8 ext[] = {
		PKT_EXT_HOPOPTS, PKT_EXT_ROUTING, PKT_EXT_FRAG, PKT_EXT_DSTOPTS,
	};

	pkt_spec_init(s, 6);
	s->next = sizeof(ext);
	memcpy(s->ext, ext, sizeof(ext));
	s->opcode = RC(ROCE_OP_SEND_ONLY_IMM);
	s->payload = 12;
}

static void v6_ah_write(struct pkt_spec *s)
{
	pkt_spec_init(s, 6);
	s->next = 1;
	s->ext[0] = PKT_EXT_AH;
	s->opcode = RC(ROCE_OP_WRITE_ONLY);
	s->payload = 4;
}

static void v6_qinq_ack(struct pkt_spec *s)
{
	pkt_spec_init(s, 6);
	s->nvlan = 2;
	s->vlan_tpid[0] = 0x88a8;
	s->opcode = RC(ROCE_OP_ACKNOWLEDGE);
	s->syndrome = 0x21;
}

static void v6_xrc_read(struct pkt_spec *s)
{
	pkt_spec_init(s, 6);
	s->opcode = XRC(ROCE_OP_READ_REQUEST);
	s->xrc_srq = 0x42;
	s->dma_len = 4096;
}

static const struct cut_case cases[] = {
	{ "IPv4 SEND", v4_send },
	{ "IPv4 options, VLAN, WRITE FIRST with RETH", v4_opts_vlan_write },
	{ "IPv4 ACK with AETH", v4_ack },
	{ "IPv4 READ with RETH", v4_read },
	{ "IPv4 CNP", v4_cnp },
	{ "IPv6 hop/routing/fragment/dest ext headers", v6_ext_send },
	{ "IPv6 AH, WRITE ONLY", v6_ah_write },
	{ "IPv6 802.1ad+802.1Q ACK with AETH", v6_qinq_ack },
	{ "IPv6 XRC READ, XRCETH before RETH", v6_xrc_read },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* Returns the number of cut frames the program ran on. */
static __u64 sweep(struct __test_metadata *_metadata, struct fab *f, int tc)
{
	__u64 runs = 0;
	struct fabric_port_counters pc0, pc1;
	struct pkt_layout lay;
	static __u8 pkt[PKT_MAX];
	struct pkt_spec s;
	unsigned int i;
	__u32 len, cut, ret, min;
	int err;

	for (i = 0; i < NCASES; i++) {
		cases[i].spec(&s);
		pkt_spec_flow(&s, i);
		len = build(_metadata, &s, pkt, &lay);
		min = kernel_min_len(pkt, tc);
		/* every header the parser reads is part of the sweep */
		ASSERT_LT(lay.bth + ROCE_BTH_LEN, len);

		for (cut = 0; cut < min; cut++) {
			FAB_CTX("%s, %s, %u of %u bytes", cases[i].name,
				tc ? "tc" : "xdp", cut, len);
			fab_port(f, FAB_LO_IFINDEX, &pc0);
			err = tc ? fab_tc_run(f, pkt, cut, &ret, NULL, NULL) :
				   fab_xdp_run(f, pkt, cut, &ret, NULL, NULL);
			ASSERT_EQ(-EINVAL, err) ON_FAIL;
			fab_port(f, FAB_LO_IFINDEX, &pc1);
			check_port(_metadata, &pc1, &pc0);
		}
		for (cut = min; cut < len; cut++) {
			FAB_CTX("%s, %s, %u of %u bytes", cases[i].name,
				tc ? "tc" : "xdp", cut, len);
			if (tc)
				tx_expect(_metadata, f, pkt, cut, RX_MALFORMED, 0);
			else
				rx_expect(_metadata, f, pkt, cut, RX_MALFORMED, 0);
			runs++;
		}
		/* and whole, the same frame is RoCE: the sweep could see it */
		FAB_CTX("%s, %s, whole", cases[i].name, tc ? "tc" : "xdp");
		if (tc)
			tx_expect(_metadata, f, pkt, len, RX_ROCE,
				  s.tos == 3 ? RX_CE | RX_CNP : 0);
		else
			rx_expect(_metadata, f, pkt, len, RX_ROCE,
				  s.tos == 3 ? RX_CE | RX_CNP : 0);
	}
	return runs;
}

TEST_F(fab, xdp_every_cut)
{
	struct fab_opts o = { .nsets = 16 };
	struct fabric_port_counters pc;
	__u64 runs;

	FAB_UP(&o);
	runs = sweep(_metadata, &self->f, 0);
	ASSERT_EQ(NCASES, fab_flow_count(&self->f));
	get_port(_metadata, &self->f, &pc);
	ASSERT_EQ(runs, pc.rx_malformed);
	ASSERT_EQ(runs + NCASES, pc.rx_packets);
	TH_LOG("%llu cut frames", (unsigned long long)runs);
}

TEST_F(fab, tc_every_cut)
{
	struct fab_opts o = { .nsets = 16 };
	struct fabric_port_counters pc;
	__u64 runs;

	FAB_UP(&o);
	runs = sweep(_metadata, &self->f, 1);
	get_port(_metadata, &self->f, &pc);
	ASSERT_EQ(runs, pc.tx_malformed);
	ASSERT_EQ(0, pc.rx_packets);
	ASSERT_EQ(NCASES, fab_tx_flow_count(&self->f));
	ASSERT_EQ(0, fab_flow_count(&self->f));
}

/* A cut inside a header of a non-RoCE frame is malformed too. */
TEST_F(fab, non_roce_cuts)
{
	struct fab_opts o = { .nsets = 1 };
	static __u8 pkt[PKT_MAX];
	struct pkt_spec s;
	__u32 len, cut;

	FAB_UP(&o);
	pkt_spec_init(&s, 4);
	s.dport = 4789;
	len = build(_metadata, &s, pkt, NULL);
	for (cut = ETH_HLEN_MIN; cut < len; cut++) {
		FAB_CTX("UDP 4789, %u of %u bytes", cut, len);
		rx_expect(_metadata, &self->f, pkt, cut, RX_MALFORMED, 0);
	}
	rx_expect(_metadata, &self->f, pkt, len, RX_NON_ROCE, 0);
}

/*
 * Replay of a truncated capture (replay_truncated, fabricctl replay only):
 * a frame cut after its last transport header but short of its IP length
 * is RoCE, counted with the IP length's bytes and as truncated; a frame
 * cut inside a header stays malformed. Live (the flag off) it is
 * malformed, as the sweeps above check.
 */
TEST_F(fab, replay_counts_truncated_roce)
{
	struct fab_opts o = { .nsets = 16, .replay_truncated = 1 };
	struct fabric_port_counters pc;
	struct fabric_flow got;
	static __u8 pkt[PKT_MAX];
	__u64 bytes = 0, frames = 0;
	struct pkt_layout lay;
	struct pkt_spec sp;
	unsigned int i;
	__u32 len, hdr_end;

	FAB_UP(&o);
	for (i = 0; i < NCASES; i++) {
		cases[i].spec(&sp);
		pkt_spec_flow(&sp, i);
		sp.payload = 200;
		len = build(_metadata, &sp, pkt, &lay);
		/* what the parser reads: an AETH, a READ's RETH, else the BTH */
		hdr_end = lay.aeth ? lay.aeth + ROCE_AETH_LEN :
			  roce_opcode_is_read_request(sp.opcode) ?
				lay.reth + ROCE_RETH_LEN :
				lay.bth + ROCE_BTH_LEN;
		FAB_CTX("%s, headers only (%u of %u bytes)", cases[i].name,
			hdr_end, len);
		rx_expect(_metadata, &self->f, pkt, hdr_end, RX_ROCE_CUT,
			  sp.tos == 3 ? RX_CE | RX_CNP : 0);
		get_flow(_metadata, &self->f, &sp, &got);
		ASSERT_EQ(1, got.packets) ON_FAIL;
		ASSERT_EQ(len, got.bytes) ON_FAIL;
		ASSERT_EQ(1, got.truncated) ON_FAIL;
		bytes += len;
		frames++;
		/* one byte short of the headers: malformed, no flow change */
		FAB_CTX("%s, cut in a header (%u of %u bytes)", cases[i].name,
			hdr_end - 1, len);
		rx_expect(_metadata, &self->f, pkt, hdr_end - 1, RX_MALFORMED, 0);
		get_flow(_metadata, &self->f, &sp, &got);
		ASSERT_EQ(1, got.packets) ON_FAIL;
		/* whole: RoCE, not truncated */
		FAB_CTX("%s, whole", cases[i].name);
		rx_expect(_metadata, &self->f, pkt, len, RX_ROCE,
			  sp.tos == 3 ? RX_CE | RX_CNP : 0);
		get_flow(_metadata, &self->f, &sp, &got);
		ASSERT_EQ(2, got.packets) ON_FAIL;
		ASSERT_EQ(2ULL * len, got.bytes) ON_FAIL;
		ASSERT_EQ(1, got.truncated) ON_FAIL;
	}
	get_port(_metadata, &self->f, &pc);
	ASSERT_EQ(frames, pc.rx_truncated);
	ASSERT_EQ(2 * frames, pc.rx_roce_packets);
}

TEST_HARNESS_MAIN
