// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * INT data path (Documentation/int.md) under BPF_PROG_TEST_RUN: source ->
 * transit -> transit -> sink gives back the original frame byte for byte,
 * with every checksum valid on every link; the sink's histograms and path
 * table; RemainingHopCnt and the E bit; the MTU rule (source skip, transit
 * M bit); probes; sampling; every malformed class passes untouched and is
 * counted; frames that are not INT are never changed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "kselftest_harness.h"
#include "int_lib.h"

#define T0		1000000000000ULL
#define DSCP_ROCE	26
#define NODE_A		11
#define NODE_B		22
#define NODE_SINK	99
#define LAT_A		1500
#define LAT_B		70000

FIXTURE(intdp) {
	struct int_node n;
	__u8 orig[INT_FRAME_MAX], wire[INT_FRAME_MAX], out[INT_FRAME_MAX];
	__u32 orig_len, wire_len, out_len;
};

FIXTURE_SETUP(intdp)
{
	int err = int_open(&self->n);

	if (err == -EPERM)
		SKIP(return, "loading BPF needs root/CAP_BPF");
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(intdp)
{
	if (self->n.skel)
		int_close(&self->n);
}

/* Every link's frame must be a valid one: both checksums. */
static int frame_valid(const __u8 *f, __u32 len)
{
	size_t l4 = int_l4_off(f, len);

	if (!l4 || !int_ipv4_csum_ok(f, len))
		return 0;
	if (!f[l4 + 6] && !f[l4 + 7])
		return 1;		/* no UDP checksum: nothing to check */
	return int_udp_csum_ok(f, len);
}

/*
 * Source, then @nhops transits (A, B), leaving the frame on the wire
 * before the sink in self->wire. Returns the number of stages that failed.
 */
static int to_sink(struct __test_metadata *_metadata,
		   FIXTURE_DATA(intdp) *self, int nhops, __u32 transit_mtu)
{
	static const __u32 node[2] = { NODE_A, NODE_B };
	static const __u64 lat[2] = { LAT_A, LAT_B };
	__u8 tmp[INT_FRAME_MAX];
	__u32 rv, tlen;
	int i;

	int_config(&self->n, FABRIC_INT_ROLE_SOURCE, 1, 0);
	int_clock(&self->n, T0);
	EXPECT_EQ(0, int_tc(&self->n, self->orig, self->orig_len, self->wire,
			    &self->wire_len, &rv));
	EXPECT_EQ(INT_TC_UNSPEC_, rv);
	EXPECT_TRUE(frame_valid(self->wire, self->wire_len));
	for (i = 0; i < nhops; i++) {
		int_config(&self->n, FABRIC_INT_ROLE_TRANSIT, node[i], transit_mtu);
		int_clock(&self->n, T0 + 100000 * (i + 1));
		EXPECT_EQ(0, int_xdp(&self->n, self->wire, self->wire_len, tmp,
				     &tlen, &rv));
		EXPECT_EQ(INT_XDP_PASS_, rv);
		/* inside the node too, the frame stays consistent */
		EXPECT_TRUE(frame_valid(tmp, tlen)) TH_LOG("hop %d, after XDP", i);
		int_clock(&self->n, T0 + 100000 * (i + 1) + lat[i]);
		EXPECT_EQ(0, int_tc(&self->n, tmp, tlen, self->wire,
				    &self->wire_len, &rv));
		EXPECT_EQ(INT_TC_UNSPEC_, rv);
		EXPECT_TRUE(frame_valid(self->wire, self->wire_len));
	}
	int_config(&self->n, FABRIC_INT_ROLE_SINK, NODE_SINK, 0);
	return __test_passed(_metadata) ? 0 : 1;
}

static void sink(struct __test_metadata *_metadata, FIXTURE_DATA(intdp) *self,
		 __u32 want_rv)
{
	__u32 rv;

	ASSERT_EQ(0, int_xdp(&self->n, self->wire, self->wire_len, self->out,
			     &self->out_len, &rv));
	EXPECT_EQ(want_rv, rv);
}

static const struct fabric_int_md *md_of(const __u8 *f, __u32 len)
{
	size_t l4 = int_l4_off(f, len);

	return (const void *)(f + l4 + 8 + FABRIC_INT_SHIM_LEN);
}

TEST_F(intdp, roundtrip_byte_exact)
{
	static const struct { int ipver, csum; __u32 payload; } cases[] = {
		{ 4, 0, 256 }, { 4, 1, 256 }, { 6, 1, 256 }, { 6, 0, 256 },
		{ 4, 1, 1 }, { 6, 1, 3 }, { 4, 1, 0 }, { 6, 1, 1024 },
	};
	struct fabric_int_path_key key = { .hops = 2, .node = { NODE_A, NODE_B } };
	struct fabric_int_stats st;
	struct fabric_int_hist h;
	struct fabric_int_path p;
	unsigned int c;

	ASSERT_EQ(0, int_class(&self->n, DSCP_ROCE, FABRIC_INT_MODE_EMBED, 0, 0, 1));
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct fabric_int_md *md;
		size_t l4;

		printf("# case %u: IPv%d, UDP checksum %s, %u bytes\n", c,
		       cases[c].ipver, cases[c].csum ? "on" : "off",
		       cases[c].payload);
		int_reset(&self->n);
		self->orig_len = int_build_roce(self->orig, cases[c].ipver,
						cases[c].csum, DSCP_ROCE, 5,
						cases[c].payload);
		ASSERT_LT(0, self->orig_len);
		ASSERT_EQ(0, to_sink(_metadata, self, 2, 0));

		/* on the wire before the sink: 16 + 2 hops of 16 bytes */
		ASSERT_EQ(self->orig_len + 16 + 32, self->wire_len);
		l4 = int_l4_off(self->wire, self->wire_len);
		EXPECT_EQ(FABRIC_INT_UDP_PORT_DEFAULT,
			  self->wire[l4 + 2] << 8 | self->wire[l4 + 3]);
		EXPECT_EQ(ROCE_V2_UDP_PORT,
			  self->wire[l4 + 10] << 8 | self->wire[l4 + 11]);
		md = md_of(self->wire, self->wire_len);
		EXPECT_EQ(FABRIC_INT_VERSION << 4, md->ver_flags);
		EXPECT_EQ(FABRIC_INT_MAX_HOPS - 2, md->remaining);
		EXPECT_EQ(4, md->hop_ml);
		/* newest hop first: B, then A; B's latency as measured */
		EXPECT_EQ(htonl(NODE_B), *(__u32 *)(md + 1));
		EXPECT_EQ(htonl(LAT_B), *((__u32 *)(md + 1) + 2));
		EXPECT_EQ(htonl(NODE_A), *((__u32 *)(md + 1) + 4));
		EXPECT_EQ(htonl(LAT_A), *((__u32 *)(md + 1) + 6));
		/* ports: ingress and egress ifindex (lo in test runs) */
		EXPECT_EQ(htonl(1 << 16 | 1), *((__u32 *)(md + 1) + 1));

		sink(_metadata, self, INT_XDP_PASS_);
		ASSERT_EQ(self->orig_len, self->out_len);
		EXPECT_EQ(0, memcmp(self->orig, self->out, self->orig_len));

		ASSERT_EQ(0, int_read_stats(&self->n, &st));
		EXPECT_EQ(1, st.src_instrumented);
		EXPECT_EQ(2, st.transit_pushed);
		EXPECT_EQ(2, st.transit_completed);
		EXPECT_EQ(1, st.sink_stripped);
		EXPECT_EQ(0, st.sink_errors + st.transit_errors + st.src_errors);
		ASSERT_EQ(0, int_read_hop(&self->n, NODE_A, &h));
		EXPECT_EQ(1, h.count);
		EXPECT_EQ(LAT_A, h.sum_ns);
		EXPECT_EQ(1, h.bucket[fabric_int_bucket(LAT_A)]);
		ASSERT_EQ(0, int_read_hop(&self->n, NODE_B, &h));
		EXPECT_EQ(1, h.count);
		EXPECT_EQ(1, h.bucket[fabric_int_bucket(LAT_B)]);
		ASSERT_EQ(0, int_read_path(&self->n, &key, &p));
		EXPECT_EQ(1, p.latency.count);
		EXPECT_EQ(LAT_A + LAT_B, p.latency.sum_ns);
		EXPECT_EQ(1, int_path_count(&self->n));
		if (!__test_passed(_metadata))
			return;
	}
}

TEST_F(intdp, remaining_hop_count_e_bit)
{
	struct fabric_int_path_key key = { .hops = 1, .node = { NODE_A } };
	struct fabric_int_stats st;
	struct fabric_int_path p;

	ASSERT_EQ(0, int_class(&self->n, DSCP_ROCE, FABRIC_INT_MODE_EMBED, 1, 0, 1));
	self->orig_len = int_build_roce(self->orig, 6, 1, DSCP_ROCE, 9, 100);
	ASSERT_EQ(0, to_sink(_metadata, self, 2, 0));
	EXPECT_EQ(self->orig_len + 16 + 16, self->wire_len);
	EXPECT_EQ(FABRIC_INT_VERSION << 4 | FABRIC_INT_FLAG_E,
		  md_of(self->wire, self->wire_len)->ver_flags);
	EXPECT_EQ(0, md_of(self->wire, self->wire_len)->remaining);
	sink(_metadata, self, INT_XDP_PASS_);
	ASSERT_EQ(self->orig_len, self->out_len);
	EXPECT_EQ(0, memcmp(self->orig, self->out, self->orig_len));
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(1, st.transit_pushed);
	EXPECT_EQ(1, st.transit_e_set);
	EXPECT_EQ(1, st.sink_e_bit);
	ASSERT_EQ(0, int_read_path(&self->n, &key, &p));
	EXPECT_EQ(1, p.e_bit);
	EXPECT_EQ(LAT_A, p.latency.sum_ns);
}

TEST_F(intdp, mtu_rule)
{
	struct fabric_int_stats st;
	__u32 rv, len, iplen;

	ASSERT_EQ(0, int_class(&self->n, DSCP_ROCE, FABRIC_INT_MODE_EMBED, 2, 0, 1));
	self->orig_len = int_build_roce(self->orig, 4, 1, DSCP_ROCE, 1, 500);
	iplen = self->orig_len - 14;

	/* source: INT with room for 2 hops (16 + 32) would not fit */
	int_config(&self->n, FABRIC_INT_ROLE_SOURCE, 1, iplen + 47);
	ASSERT_EQ(0, int_tc(&self->n, self->orig, self->orig_len, self->out,
			    &len, &rv));
	ASSERT_EQ(self->orig_len, len);
	EXPECT_EQ(0, memcmp(self->orig, self->out, len));
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(1, st.src_skipped_mtu);
	EXPECT_EQ(0, st.src_instrumented);
	int_config(&self->n, FABRIC_INT_ROLE_SOURCE, 1, iplen + 48);
	ASSERT_EQ(0, int_tc(&self->n, self->orig, self->orig_len, self->out,
			    &len, &rv));
	EXPECT_EQ(self->orig_len + 16, len);

	/* a transit whose link is smaller sets M and adds nothing */
	int_reset(&self->n);
	ASSERT_EQ(0, to_sink(_metadata, self, 2, iplen + 16 + 15));
	EXPECT_EQ(self->orig_len + 16, self->wire_len);
	EXPECT_EQ(FABRIC_INT_VERSION << 4 | FABRIC_INT_FLAG_M,
		  md_of(self->wire, self->wire_len)->ver_flags);
	sink(_metadata, self, INT_XDP_PASS_);
	ASSERT_EQ(self->orig_len, self->out_len);
	EXPECT_EQ(0, memcmp(self->orig, self->out, self->orig_len));
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(2, st.transit_m_set);
	EXPECT_EQ(0, st.transit_pushed);
	EXPECT_EQ(1, st.sink_m_bit);
	EXPECT_EQ(1, st.sink_stripped);
}

/* One mutation of a valid two-hop INT frame per malformed class. */
TEST_F(intdp, malformed_untouched)
{
	__u8 bad[INT_FRAME_MAX];
	struct fabric_int_stats st;
	__u32 blen, rv, k;
	size_t l4;

	ASSERT_EQ(0, int_class(&self->n, DSCP_ROCE, FABRIC_INT_MODE_EMBED, 0, 0, 1));
	/* no data: BTH, RETH and ICRC (32 bytes) follow the stack */
	self->orig_len = int_build_roce(self->orig, 4, 1, DSCP_ROCE, 5, 0);
	ASSERT_EQ(0, to_sink(_metadata, self, 2, 0));
	l4 = int_l4_off(self->wire, self->wire_len);

	for (k = 0; k < FABRIC_INT_BAD_MAX; k++) {
		__u8 *shim, *md;

		memcpy(bad, self->wire, self->wire_len);
		blen = self->wire_len;
		shim = bad + l4 + 8;
		md = shim + 4;
		switch (k) {
		case FABRIC_INT_BAD_SHORT:
			shim[1] += 3 * 4;	/* three more hops than there are bytes for */
			break;
		case FABRIC_INT_BAD_SHIM:
			shim[0] = FABRIC_INT_SHIM_BYTE0(FABRIC_INT_TYPE_MX, 1);
			break;
		case FABRIC_INT_BAD_VERSION:
			md[0] = 1 << 4;
			break;
		case FABRIC_INT_BAD_LENGTH:
			shim[1] += 1;
			break;
		case FABRIC_INT_BAD_HOP_ML:
			md[2] = 5;
			break;
		case FABRIC_INT_BAD_INSTR:
			md[5] |= 0x80;		/* bit 8, buffer occupancy */
			break;
		case FABRIC_INT_BAD_TOO_LONG:
			md[2] = 1;		/* node id only: 1 word a hop */
			md[4] = 0x80;
			md[5] = 0;
			shim[1] = 3 + 9;	/* nine hops, bytes for all */
			break;
		case FABRIC_INT_BAD_PENDING:
			md[0] |= FABRIC_INT_FLAG_PENDING;
			break;
		case FABRIC_INT_BAD_L3:
			bad[20] |= 0x20;	/* more fragments */
			break;
		}
		int_reset(&self->n);
		ASSERT_EQ(0, int_xdp(&self->n, bad, blen, self->out,
				     &self->out_len, &rv));
		EXPECT_EQ(INT_XDP_PASS_, rv) TH_LOG("class %u", k);
		ASSERT_EQ(blen, self->out_len) TH_LOG("class %u", k);
		EXPECT_EQ(0, memcmp(bad, self->out, blen)) TH_LOG("class %u", k);
		ASSERT_EQ(0, int_read_stats(&self->n, &st));
		EXPECT_EQ(1, st.sink_malformed[k]) TH_LOG("class %u", k);
		EXPECT_EQ(0, st.sink_stripped) TH_LOG("class %u", k);
		EXPECT_EQ(0, int_path_count(&self->n)) TH_LOG("class %u", k);
	}
	/* a frame cut inside the stack, lengths saying so too: short */
	memcpy(bad, self->wire, self->wire_len);
	blen = l4 + 8 + 4 + 12 + 8;
	bad[l4 + 4] = 0;
	bad[l4 + 5] = 8 + 4 + 12 + 8;
	bad[16] = 0;
	bad[17] = blen - 14;
	int_reset(&self->n);
	ASSERT_EQ(0, int_xdp(&self->n, bad, blen, self->out, &self->out_len, &rv));
	ASSERT_EQ(blen, self->out_len);
	EXPECT_EQ(0, memcmp(bad, self->out, blen));
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(1, st.sink_malformed[FABRIC_INT_BAD_SHORT]);
}

/* Not INT: RoCE, other UDP, a RoCE class in probe mode, all roles on. */
TEST_F(intdp, non_int_untouched)
{
	static const __u32 roles[] = {
		FABRIC_INT_ROLE_SOURCE | FABRIC_INT_ROLE_TRANSIT,
		FABRIC_INT_ROLE_SINK, FABRIC_INT_ROLE_TRANSIT,
	};
	struct fabric_int_stats st, zero = {};
	__u8 f[3][INT_FRAME_MAX];
	__u32 flen[3], rv, i, r;

	ASSERT_EQ(0, int_class(&self->n, DSCP_ROCE, FABRIC_INT_MODE_PROBE, 0, 0, 1));
	flen[0] = int_build_roce(f[0], 4, 0, DSCP_ROCE, 1, 64);
	flen[1] = int_build_roce(f[1], 6, 1, 0, 1, 64);
	flen[2] = int_build_probe(f[2], 4, 0, 5000);
	for (r = 0; r < 3; r++) {
		int_config(&self->n, roles[r], 5, 0);
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(0, int_xdp(&self->n, f[i], flen[i], self->out,
					     &self->out_len, &rv));
			EXPECT_EQ(INT_XDP_PASS_, rv);
			ASSERT_EQ(flen[i], self->out_len);
			EXPECT_EQ(0, memcmp(f[i], self->out, flen[i]));
			ASSERT_EQ(0, int_tc(&self->n, f[i], flen[i], self->out,
					    &self->out_len, &rv));
			ASSERT_EQ(flen[i], self->out_len);
			EXPECT_EQ(0, memcmp(f[i], self->out, flen[i]));
		}
	}
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(0, memcmp(&zero, &st, sizeof(st)));
}

TEST_F(intdp, probe_recorded_and_dropped)
{
	struct fabric_int_path_key key = { .hops = 2, .node = { NODE_A, NODE_B } };
	struct fabric_int_stats st;
	struct fabric_int_path p;

	self->orig_len = int_build_probe(self->orig, 6, DSCP_ROCE,
					 FABRIC_INT_PROBE_PORT_DEFAULT);
	ASSERT_EQ(0, to_sink(_metadata, self, 2, 0));
	EXPECT_EQ(FABRIC_INT_VERSION << 4 | FABRIC_INT_FLAG_D,
		  md_of(self->wire, self->wire_len)->ver_flags);
	sink(_metadata, self, INT_XDP_DROP_);
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(1, st.src_probes);
	EXPECT_EQ(1, st.sink_probes);
	EXPECT_EQ(0, st.sink_stripped);
	ASSERT_EQ(0, int_read_path(&self->n, &key, &p));
	EXPECT_EQ(LAT_A + LAT_B, p.latency.sum_ns);
}

TEST_F(intdp, sampling_one_in_n)
{
	struct fabric_int_stats st;
	__u32 psn, rv, len, grown = 0;

	ASSERT_EQ(0, int_class(&self->n, DSCP_ROCE, FABRIC_INT_MODE_EMBED, 0, 0, 4));
	int_config(&self->n, FABRIC_INT_ROLE_SOURCE, 1, 0);
	for (psn = 100; psn < 116; psn++) {
		self->orig_len = int_build_roce(self->orig, 4, 0, DSCP_ROCE, psn, 8);
		ASSERT_EQ(0, int_tc(&self->n, self->orig, self->orig_len,
				    self->out, &len, &rv));
		grown += len != self->orig_len;
	}
	EXPECT_EQ(4, grown);
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(16, st.src_candidates);
	EXPECT_EQ(4, st.src_instrumented);
	EXPECT_EQ(12, st.src_sampled_out);
}

/* More paths than the table holds: the rest count as overflow. */
TEST_F(intdp, path_table_bounded)
{
	struct fabric_int_stats st;
	struct fabric_int_path other;
	__u8 tmp[INT_FRAME_MAX];
	__u32 i, rv, tlen, extra = 5;

	ASSERT_EQ(0, int_class(&self->n, DSCP_ROCE, FABRIC_INT_MODE_EMBED, 0, 0, 1));
	self->orig_len = int_build_roce(self->orig, 4, 0, DSCP_ROCE, 1, 0);
	int_config(&self->n, FABRIC_INT_ROLE_SOURCE, 1, 0);
	ASSERT_EQ(0, int_tc(&self->n, self->orig, self->orig_len, self->wire,
			    &self->wire_len, &rv));
	for (i = 0; i < FABRIC_INT_MAX_PATHS + extra; i++) {
		int_config(&self->n, FABRIC_INT_ROLE_TRANSIT, 2000 + i, 0);
		ASSERT_EQ(0, int_xdp(&self->n, self->wire, self->wire_len, tmp,
				     &tlen, &rv));
		ASSERT_EQ(0, int_tc(&self->n, tmp, tlen, self->out,
				    &self->out_len, &rv));
		int_config(&self->n, FABRIC_INT_ROLE_SINK, 1, 0);
		ASSERT_EQ(0, int_xdp(&self->n, self->out, self->out_len, tmp,
				     &tlen, &rv));
		ASSERT_EQ(self->orig_len, tlen);
	}
	EXPECT_EQ(FABRIC_INT_MAX_PATHS, int_path_count(&self->n));
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(extra, st.sink_path_overflow);
	EXPECT_EQ(FABRIC_INT_MAX_PATHS + extra, st.sink_node_range);
	ASSERT_EQ(0, int_read_path_other(&self->n, &other));
	EXPECT_EQ(extra, other.latency.count);
}

TEST_HARNESS_MAIN
