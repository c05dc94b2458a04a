// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow tables: the receive table's 8-way sets and LRU eviction, the
 * userspace view of its hash, and the tc egress program's port counters
 * and transmit flows.
 */
#include "kselftest_harness.h"
#include "fab_check.h"

#define RC(op)	(ROCE_TRANSPORT_RC << 5 | (op))

static __u32 send_flow(struct __test_metadata *_metadata, struct fab *f,
		       __u32 n, __u64 t)
{
	struct pkt_spec s;

	pkt_spec_init(&s, 4);
	pkt_spec_flow(&s, n);
	fab_set_clock(f, t);
	return xdp_send(_metadata, f, &s);
}

static int flow_way(struct fab *f, __u32 n, struct fabric_flow *out)
{
	struct fabric_flow_key key;
	struct pkt_spec s;

	pkt_spec_init(&s, 4);
	pkt_spec_flow(&s, n);
	pkt_spec_key(&s, &key);
	return fab_flow_find(f, &key, out);
}

static void check_table_stats(struct __test_metadata *_metadata,
			      struct fab *f, __u64 inserts, __u64 evictions)
{
	struct fabric_dp_stats st, want = {
		.flow_inserts = inserts,
		.flow_evictions = evictions,
	};

	get_stats(_metadata, f, &st);
	check_stats(_metadata, &st, &want);
}

/* One set: the ninth flow evicts the least recently seen of eight. */
TEST_F(fab, set_eviction_lru)
{
	struct fab_opts o = { .nsets = 1 };
	struct fabric_flow got;
	int way1, way2, n;
	__u32 len;

	FAB_UP(&o);
	for (n = 0; n < FABRIC_FLOW_WAYS; n++)
		len = send_flow(_metadata, &self->f, n, FAB_T0 + 1000 * n);
	ASSERT_EQ(FABRIC_FLOW_WAYS, fab_flow_count(&self->f));
	check_table_stats(_metadata, &self->f, 8, 0);

	/* flow 0 is seen again: flow 1 is now the oldest */
	send_flow(_metadata, &self->f, 0, FAB_T0 + 10000);
	way1 = flow_way(&self->f, 1, NULL);
	ASSERT_LE(0, way1);

	send_flow(_metadata, &self->f, 8, FAB_T0 + 20000);
	check_table_stats(_metadata, &self->f, 9, 1);
	ASSERT_EQ(-ENOENT, flow_way(&self->f, 1, NULL));
	ASSERT_EQ(way1, flow_way(&self->f, 8, &got));
	ASSERT_EQ(1, got.packets);
	ASSERT_EQ(len, got.bytes);
	ASSERT_EQ(FAB_T0 + 20000, got.first_seen_ns);
	ASSERT_LE(0, flow_way(&self->f, 0, &got));
	ASSERT_EQ(2, got.packets);
	ASSERT_EQ(FAB_T0, got.first_seen_ns);
	ASSERT_EQ(FAB_T0 + 10000, got.last_seen_ns);
	for (n = 2; n < FABRIC_FLOW_WAYS; n++)
		ASSERT_LE(0, flow_way(&self->f, n, NULL));

	/* flow 1 comes back as a new flow and pushes out flow 2 */
	way2 = flow_way(&self->f, 2, NULL);
	ASSERT_LE(0, way2);
	send_flow(_metadata, &self->f, 1, FAB_T0 + 30000);
	check_table_stats(_metadata, &self->f, 10, 2);
	ASSERT_EQ(-ENOENT, flow_way(&self->f, 2, NULL));
	ASSERT_EQ(way2, flow_way(&self->f, 1, &got));
	ASSERT_EQ(1, got.packets);
	ASSERT_EQ(FAB_T0 + 30000, got.first_seen_ns);
	ASSERT_EQ(FABRIC_PSN_VALID | 1, got.next_psn);
	ASSERT_EQ(FABRIC_FLOW_WAYS, fab_flow_count(&self->f));
}

/* A stream of new flows through one set: always the oldest goes. */
TEST_F(fab, set_eviction_churn)
{
	struct fab_opts o = { .nsets = 1 };
	int n, k;

	FAB_UP(&o);
	for (n = 0; n < 40; n++) {
		send_flow(_metadata, &self->f, n, FAB_T0 + 1000 * n);
		for (k = 0; k <= n; k++) {
			int live = k > n - FABRIC_FLOW_WAYS;

			FAB_CTX("after flow %d, flow %d", n, k);
			ASSERT_EQ(live, flow_way(&self->f, k, NULL) >= 0) ON_FAIL;
		}
	}
	check_table_stats(_metadata, &self->f, 40, 40 - FABRIC_FLOW_WAYS);
	ASSERT_EQ(FABRIC_FLOW_WAYS, fab_flow_count(&self->f));
}

/* Userspace finds every flow where the data path put it. */
TEST_F(fab, hash_agrees_with_datapath)
{
	struct fab_opts o = { .nsets = 1024 };
	struct fabric_flow got;
	int n, v6;

	FAB_UP(&o);
	for (v6 = 0; v6 < 2; v6++) {
		for (n = 0; n < 200; n++) {
			struct pkt_spec s;

			pkt_spec_init(&s, v6 ? 6 : 4);
			pkt_spec_flow(&s, n * 7919);
			s.qp = 0x10000 + n;
			xdp_send(_metadata, &self->f, &s);
			FAB_CTX("IPv%d flow %d", s.ipver, n);
			get_flow(_metadata, &self->f, &s, &got);
			ASSERT_EQ(1, got.packets) ON_FAIL;
		}
	}
	ASSERT_EQ(400, fab_flow_count(&self->f));
	check_table_stats(_metadata, &self->f, 400, 0);
}

static void check_tx_flow(struct __test_metadata *_metadata, struct fab *f,
			  const struct pkt_spec *s, __u64 packets, __u64 bytes,
			  __u64 t)
{
	struct fabric_flow_key key;
	struct fabric_tx_flow tf;

	pkt_spec_key(s, &key);
	ASSERT_EQ(0, fab_tx_flow(f, &key, &tf));
	ASSERT_EQ(packets, tf.packets);
	ASSERT_EQ(bytes, tf.bytes);
	ASSERT_EQ(t, tf.last_seen_ns);
}

TEST_F(fab, tc_roce_tx_counters)
{
	struct fab_opts o = { 0 };
	struct fabric_dp_stats st, want_st = { .tx_flow_inserts = 2 };
	struct pkt_spec a, b;
	__u8 buf[PKT_MAX];
	__u32 la, lb;

	FAB_UP(&o);
	pkt_spec_init(&a, 4);
	a.opcode = RC(ROCE_OP_WRITE_ONLY);
	a.payload = 1024;
	la = build(_metadata, &a, buf, NULL);
	tx_expect(_metadata, &self->f, buf, la, RX_ROCE, 0);
	check_tx_flow(_metadata, &self->f, &a, 1, la, FAB_T0);

	fab_set_clock(&self->f, FAB_T0 + 55);
	tx_expect(_metadata, &self->f, buf, la, RX_ROCE, 0);
	check_tx_flow(_metadata, &self->f, &a, 2, 2 * la, FAB_T0 + 55);

	/* IPv6 CNP with CE, behind a VLAN tag */
	pkt_spec_init(&b, 6);
	b.nvlan = 1;
	b.opcode = ROCE_OPCODE_CNP;
	b.tos = 3;
	lb = build(_metadata, &b, buf, NULL);
	tx_expect(_metadata, &self->f, buf, lb, RX_ROCE, RX_CE | RX_CNP);
	check_tx_flow(_metadata, &self->f, &b, 1, lb, FAB_T0 + 55);

	ASSERT_EQ(2, fab_tx_flow_count(&self->f));
	ASSERT_EQ(0, fab_flow_count(&self->f));
	get_stats(_metadata, &self->f, &st);
	check_stats(_metadata, &st, &want_st);
}

TEST_F(fab, tc_other_classes)
{
	struct fab_opts o = { 0 };
	__u8 buf[PKT_MAX];
	struct pkt_spec s;
	__u32 len;

	FAB_UP(&o);
	pkt_spec_init(&s, 4);
	s.l4proto = PKT_IPPROTO_TCP;
	len = build(_metadata, &s, buf, NULL);
	tx_expect(_metadata, &self->f, buf, len, RX_NON_ROCE, 0);

	pkt_spec_init(&s, 0);
	len = build(_metadata, &s, buf, NULL);
	tx_expect(_metadata, &self->f, buf, len, RX_NON_ROCE, 0);

	pkt_spec_init(&s, 6);
	s.nvlan = 3;
	len = build(_metadata, &s, buf, NULL);
	tx_expect(_metadata, &self->f, buf, len, RX_UNPARSED, 0);

	pkt_spec_init(&s, 6);
	s.next = 1;
	s.ext[0] = PKT_EXT_ESP;
	len = build(_metadata, &s, buf, NULL);
	tx_expect(_metadata, &self->f, buf, len, RX_UNPARSED, 0);

	/* UDP length below its own header */
	pkt_spec_init(&s, 4);
	len = build(_metadata, &s, buf, NULL);
	buf[14 + 20 + 4] = 0;
	buf[14 + 20 + 5] = 4;
	tx_expect(_metadata, &self->f, buf, len, RX_MALFORMED, 0);

	ASSERT_EQ(0, fab_tx_flow_count(&self->f));
}

/* Receive and transmit sides of one port do not mix. */
TEST_F(fab, rx_tx_separate)
{
	struct fab_opts o = { 0 };
	struct fabric_port_counters pc;
	__u8 buf[PKT_MAX];
	struct pkt_spec s;
	__u32 len;

	FAB_UP(&o);
	pkt_spec_init(&s, 4);
	s.tos = 3;
	len = build(_metadata, &s, buf, NULL);
	rx_expect(_metadata, &self->f, buf, len, RX_ROCE, RX_CE);
	fab_set_clock(&self->f, FAB_T0 + 1);
	tx_expect(_metadata, &self->f, buf, len, RX_ROCE, RX_CE);
	get_port(_metadata, &self->f, &pc);
	ASSERT_EQ(FAB_T0, pc.rx_last_ns);
	ASSERT_EQ(FAB_T0 + 1, pc.tx_last_ns);
	ASSERT_EQ(1, fab_flow_count(&self->f));
	ASSERT_EQ(1, fab_tx_flow_count(&self->f));
}

TEST_HARNESS_MAIN
