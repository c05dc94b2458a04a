/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Assertions shared by the bpf selftests. Include after kselftest_harness.h:
 * the helpers take the harness's _metadata and compare every field, so a
 * counter that moves when it shouldn't fails the test.
 */
#ifndef FABRIC_SELFTEST_FAB_CHECK_H
#define FABRIC_SELFTEST_FAB_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fab.h"
#include "pktgen.h"

/*
 * What a loop in a test is checking, printed only when a check fails:
 * FAB_CTX("opcode 0x%x", op).
 */
static char fab_ctx[160];
#define FAB_CTX(...) snprintf(fab_ctx, sizeof(fab_ctx), __VA_ARGS__)
#define ON_FAIL TH_LOG("while checking: %s", fab_ctx[0] ? fab_ctx : "-")

/* Fixture: the skeleton is loaded by FAB_UP() with per-test options. */
FIXTURE(fab) {
	struct fab f;
};

FIXTURE_SETUP(fab)
{
}

FIXTURE_TEARDOWN(fab)
{
	if (self->f.skel)
		fab_close(&self->f);
}

#define FAB_UP(opts) do {						\
	int __err = fab_open(&self->f, (opts));				\
	if (__err == -EPERM)						\
		SKIP(return, "loading BPF needs root/CAP_BPF");		\
	ASSERT_EQ(0, __err);						\
} while (0)

#define CHECK_FIELD(got, want, field) \
	EXPECT_EQ((__u64)(want)->field, (__u64)(got)->field) ON_FAIL

static inline void check_port(struct __test_metadata *_metadata,
			      const struct fabric_port_counters *got,
			      const struct fabric_port_counters *want)
{
	CHECK_FIELD(got, want, rx_packets);
	CHECK_FIELD(got, want, rx_bytes);
	CHECK_FIELD(got, want, rx_roce_packets);
	CHECK_FIELD(got, want, rx_roce_bytes);
	CHECK_FIELD(got, want, rx_ce);
	CHECK_FIELD(got, want, rx_cnp);
	CHECK_FIELD(got, want, rx_non_roce);
	CHECK_FIELD(got, want, rx_malformed);
	CHECK_FIELD(got, want, rx_unparsed);
	CHECK_FIELD(got, want, rx_last_ns);
	CHECK_FIELD(got, want, rx_evicted_flows);
	CHECK_FIELD(got, want, rx_evicted_packets);
	CHECK_FIELD(got, want, rx_evicted_bytes);
	CHECK_FIELD(got, want, rx_truncated);
	CHECK_FIELD(got, want, tx_packets);
	CHECK_FIELD(got, want, tx_bytes);
	CHECK_FIELD(got, want, tx_roce_packets);
	CHECK_FIELD(got, want, tx_roce_bytes);
	CHECK_FIELD(got, want, tx_ce);
	CHECK_FIELD(got, want, tx_cnp);
	CHECK_FIELD(got, want, tx_non_roce);
	CHECK_FIELD(got, want, tx_malformed);
	CHECK_FIELD(got, want, tx_unparsed);
	CHECK_FIELD(got, want, tx_last_ns);
	ASSERT_EQ(0, memcmp(got, want, sizeof(*got))) ON_FAIL;
}

static inline void check_stats(struct __test_metadata *_metadata,
			       const struct fabric_dp_stats *got,
			       const struct fabric_dp_stats *want)
{
	CHECK_FIELD(got, want, flow_inserts);
	CHECK_FIELD(got, want, flow_evictions);
	CHECK_FIELD(got, want, flow_insert_races);
	CHECK_FIELD(got, want, flow_unplaced);
	CHECK_FIELD(got, want, flow_psn_races);
	CHECK_FIELD(got, want, tx_flow_inserts);
	CHECK_FIELD(got, want, tx_flow_insert_errors);
	CHECK_FIELD(got, want, port_insert_errors);
	CHECK_FIELD(got, want, events_sent);
	CHECK_FIELD(got, want, events_lost);
	CHECK_FIELD(got, want, events_suppressed);
	ASSERT_EQ(0, memcmp(got, want, sizeof(*got))) ON_FAIL;
}

static inline void check_flow(struct __test_metadata *_metadata,
			      const struct fabric_flow *got,
			      const struct fabric_flow *want)
{
	ASSERT_EQ(0, memcmp(&got->key, &want->key, sizeof(got->key))) ON_FAIL;
	CHECK_FIELD(got, want, next_psn);
	CHECK_FIELD(got, want, packets);
	CHECK_FIELD(got, want, bytes);
	CHECK_FIELD(got, want, first_seen_ns);
	CHECK_FIELD(got, want, last_seen_ns);
	CHECK_FIELD(got, want, read_slack);
	CHECK_FIELD(got, want, psn_gaps);
	CHECK_FIELD(got, want, psn_missing);
	CHECK_FIELD(got, want, psn_dups);
	CHECK_FIELD(got, want, psn_rewinds);
	CHECK_FIELD(got, want, acks);
	CHECK_FIELD(got, want, naks_seq);
	CHECK_FIELD(got, want, naks_rnr);
	CHECK_FIELD(got, want, naks_other);
	CHECK_FIELD(got, want, ce);
	CHECK_FIELD(got, want, ect);
	CHECK_FIELD(got, want, cnp);
	CHECK_FIELD(got, want, truncated);
	CHECK_FIELD(got, want, ifindex);
	ASSERT_EQ(0, memcmp(got, want, sizeof(*got))) ON_FAIL;
}

/* A flow record as the data path creates it for @s at time @t. */
static inline void flow_want(struct fabric_flow *w, const struct pkt_spec *s,
			     __u64 packets, __u64 bytes, __u64 t)
{
	memset(w, 0, sizeof(*w));
	pkt_spec_key(s, &w->key);
	w->ifindex = FAB_LO_IFINDEX;
	w->packets = packets;
	w->bytes = bytes;
	w->first_seen_ns = t;
	w->last_seen_ns = t;
}

/* Build @s; assert it fit. */
static inline __u32 build(struct __test_metadata *_metadata,
			  const struct pkt_spec *s, __u8 *buf,
			  struct pkt_layout *lay)
{
	struct pkt_layout tmp;
	size_t n = pkt_build(s, buf, PKT_MAX, lay ? lay : &tmp);

	ASSERT_NE(0, n) ON_FAIL;
	return n;
}

/* Length of the frame @s builds. */
static inline __u32 spec_len(struct __test_metadata *_metadata,
			     const struct pkt_spec *s)
{
	static __u8 buf[PKT_MAX];

	return build(_metadata, s, buf, NULL);
}

/* Run XDP: the monitor must pass the frame on byte for byte. */
static inline void xdp_pass(struct __test_metadata *_metadata, struct fab *f,
			    const __u8 *pkt, __u32 len)
{
	static __u8 out[PKT_MAX];
	__u32 ret = ~0U, out_len = sizeof(out);

	ASSERT_EQ(0, fab_xdp_run(f, pkt, len, &ret, out, &out_len)) ON_FAIL;
	ASSERT_EQ(FAB_XDP_PASS, ret) ON_FAIL;
	ASSERT_EQ(len, out_len) ON_FAIL;
	ASSERT_EQ(0, memcmp(pkt, out, len)) ON_FAIL;
}

static inline void tc_ok(struct __test_metadata *_metadata, struct fab *f,
			 const __u8 *pkt, __u32 len)
{
	static __u8 out[PKT_MAX];
	__u32 ret = ~0U, out_len = sizeof(out);

	ASSERT_EQ(0, fab_tc_run(f, pkt, len, &ret, out, &out_len)) ON_FAIL;
	ASSERT_EQ(FAB_TC_ACT_UNSPEC, ret) ON_FAIL;
	ASSERT_EQ(len, out_len) ON_FAIL;
	ASSERT_EQ(0, memcmp(pkt, out, len)) ON_FAIL;
}

/* Build @s and run it through XDP; returns the frame length. */
static inline __u32 xdp_send(struct __test_metadata *_metadata, struct fab *f,
			     const struct pkt_spec *s)
{
	static __u8 buf[PKT_MAX];
	__u32 len = build(_metadata, s, buf, NULL);

	xdp_pass(_metadata, f, buf, len);
	return len;
}

static inline void get_flow(struct __test_metadata *_metadata, struct fab *f,
			    const struct pkt_spec *s, struct fabric_flow *out)
{
	struct fabric_flow_key key;

	pkt_spec_key(s, &key);
	ASSERT_LE(0, fab_flow_find(f, &key, out)) ON_FAIL;
}

static inline void get_port(struct __test_metadata *_metadata, struct fab *f,
			    struct fabric_port_counters *pc)
{
	ASSERT_EQ(0, fab_port(f, FAB_LO_IFINDEX, pc)) ON_FAIL;
}

static inline void get_stats(struct __test_metadata *_metadata, struct fab *f,
			     struct fabric_dp_stats *st)
{
	ASSERT_EQ(0, fab_stats(f, st)) ON_FAIL;
}

enum rx_class {
	RX_ROCE,
	RX_ROCE_CUT,	/* replay: a RoCE frame cut short, IP length's bytes */
	RX_NON_ROCE,
	RX_MALFORMED,
	RX_UNPARSED,
};

#define RX_CE	1	/* rx_expect() flags for RX_ROCE */
#define RX_CNP	2

/* The frame's length by its IP header: L2 headers + IP total length. */
static inline __u32 frame_ip_len(const __u8 *pkt)
{
	__u32 off = 12;
	__u16 proto = pkt[off] << 8 | pkt[off + 1];

	while (proto == 0x8100 || proto == 0x88a8) {
		off += 4;
		proto = pkt[off] << 8 | pkt[off + 1];
	}
	off += 2;
	if (proto == 0x0800)
		return off + (pkt[off + 2] << 8 | pkt[off + 3]);
	return off + 40 + (pkt[off + 4] << 8 | pkt[off + 5]);
}

/*
 * Run @pkt through XDP and check that exactly the counters of @cls moved:
 * the port's rx counters and, for anything but RoCE, no flow and no stats.
 * RoCE frames may insert one flow; the caller checks the record.
 */
static inline void rx_expect(struct __test_metadata *_metadata, struct fab *f,
			     const __u8 *pkt, __u32 len, enum rx_class cls,
			     int flags)
{
	struct fabric_port_counters before, after;
	struct fabric_dp_stats st0, st1;
	int flows0, flows1;

	fab_port(f, FAB_LO_IFINDEX, &before);
	get_stats(_metadata, f, &st0);
	flows0 = fab_flow_count(f);
	ASSERT_LE(0, flows0) ON_FAIL;

	xdp_pass(_metadata, f, pkt, len);

	get_port(_metadata, f, &after);
	get_stats(_metadata, f, &st1);
	flows1 = fab_flow_count(f);
	before.rx_packets++;
	before.rx_bytes += cls == RX_ROCE_CUT ? frame_ip_len(pkt) : len;
	before.rx_last_ns = f->skel->bss->clock_override_ns;
	switch (cls) {
	case RX_ROCE:
	case RX_ROCE_CUT:
		before.rx_roce_packets++;
		before.rx_roce_bytes += cls == RX_ROCE_CUT ? frame_ip_len(pkt) :
							    len;
		before.rx_ce += !!(flags & RX_CE);
		before.rx_cnp += !!(flags & RX_CNP);
		before.rx_truncated += cls == RX_ROCE_CUT;
		break;
	case RX_NON_ROCE:
		before.rx_non_roce++;
		break;
	case RX_MALFORMED:
		before.rx_malformed++;
		break;
	case RX_UNPARSED:
		before.rx_unparsed++;
		break;
	}
	check_port(_metadata, &after, &before);
	if (cls == RX_ROCE || cls == RX_ROCE_CUT) {
		ASSERT_GE(flows1, flows0) ON_FAIL;
		ASSERT_GE(flows0 + 1, flows1) ON_FAIL;
		return;
	}
	ASSERT_EQ(flows0, flows1) ON_FAIL;
	check_stats(_metadata, &st1, &st0);
}

static inline void rx_expect_spec(struct __test_metadata *_metadata,
				  struct fab *f, const struct pkt_spec *s,
				  enum rx_class cls, int flags)
{
	static __u8 buf[PKT_MAX];
	__u32 len = build(_metadata, s, buf, NULL);

	rx_expect(_metadata, f, buf, len, cls, flags);
}

/* tc egress counterpart of rx_expect(); RoCE may insert one tx flow. */
static inline void tx_expect(struct __test_metadata *_metadata, struct fab *f,
			     const __u8 *pkt, __u32 len, enum rx_class cls,
			     int flags)
{
	struct fabric_port_counters before, after;
	struct fabric_dp_stats st0, st1;
	int flows0, flows1, rx_flows0;

	fab_port(f, FAB_LO_IFINDEX, &before);
	get_stats(_metadata, f, &st0);
	flows0 = fab_tx_flow_count(f);
	rx_flows0 = fab_flow_count(f);

	tc_ok(_metadata, f, pkt, len);

	get_port(_metadata, f, &after);
	get_stats(_metadata, f, &st1);
	flows1 = fab_tx_flow_count(f);
	before.tx_packets++;
	before.tx_bytes += len;
	before.tx_last_ns = f->skel->bss->clock_override_ns;
	switch (cls) {
	case RX_ROCE:
	case RX_ROCE_CUT:	/* tc never sees a replay */
		before.tx_roce_packets++;
		before.tx_roce_bytes += len;
		before.tx_ce += !!(flags & RX_CE);
		before.tx_cnp += !!(flags & RX_CNP);
		break;
	case RX_NON_ROCE:
		before.tx_non_roce++;
		break;
	case RX_MALFORMED:
		before.tx_malformed++;
		break;
	case RX_UNPARSED:
		before.tx_unparsed++;
		break;
	}
	check_port(_metadata, &after, &before);
	ASSERT_EQ(rx_flows0, fab_flow_count(f)) ON_FAIL;
	if (cls == RX_ROCE) {
		ASSERT_GE(flows1, flows0) ON_FAIL;
		ASSERT_GE(flows0 + 1, flows1) ON_FAIL;
		return;
	}
	ASSERT_EQ(flows0, flows1) ON_FAIL;
	check_stats(_metadata, &st1, &st0);
}

#endif
