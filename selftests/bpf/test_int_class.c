// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * INT flow classes (Documentation/int.md, "Modes and classes") under
 * BPF_PROG_TEST_RUN: every DSCP has its own mode, sampling, hop budget and
 * bitmap in fab_int_class. Embed classes with different N side by side, a
 * probe-mode class whose RoCE leaves byte for byte as it came, an off
 * class; probes get the hop budget and bitmap of their DSCP's class.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "kselftest_harness.h"
#include "int_lib.h"

#define DSCP_EMBED4	26	/* embed, 1 in 4 */
#define DSCP_EMBED1	10	/* embed, every packet */
#define DSCP_PROBE	0	/* probe mode: RoCE untouched */
#define DSCP_OFF	46	/* no entry written: off */

FIXTURE(intcls) {
	struct int_node n;
	__u8 in[INT_FRAME_MAX], out[INT_FRAME_MAX];
};

FIXTURE_SETUP(intcls)
{
	int err = int_open(&self->n);

	if (err == -EPERM)
		SKIP(return, "loading BPF needs root/CAP_BPF");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, int_class(&self->n, DSCP_EMBED4, FABRIC_INT_MODE_EMBED, 0, 0, 4));
	ASSERT_EQ(0, int_class(&self->n, DSCP_EMBED1, FABRIC_INT_MODE_EMBED, 2,
			       FABRIC_INT_I_NODE_ID | FABRIC_INT_I_HOP_LATENCY, 1));
	ASSERT_EQ(0, int_class(&self->n, DSCP_PROBE, FABRIC_INT_MODE_PROBE, 5, 0, 64));
	int_config(&self->n, FABRIC_INT_ROLE_SOURCE, 1, 0);
}

FIXTURE_TEARDOWN(intcls)
{
	if (self->n.skel)
		int_close(&self->n);
}

static const struct fabric_int_md *md_of(const __u8 *f, __u32 len)
{
	size_t l4 = int_l4_off(f, len);

	return (const void *)(f + l4 + 8 + FABRIC_INT_SHIM_LEN);
}

/* 16 RoCE packets (PSN 100-115) of each class through the source. */
TEST_F(intcls, each_class_its_own_mode_and_sample)
{
	static const struct { __u8 dscp; int ipver; __u32 grown; } c[] = {
		{ DSCP_EMBED4, 4, 4 }, { DSCP_EMBED4, 6, 4 },
		{ DSCP_EMBED1, 4, 16 }, { DSCP_EMBED1, 6, 16 },
		{ DSCP_PROBE, 4, 0 }, { DSCP_PROBE, 6, 0 },
		{ DSCP_OFF, 4, 0 }, { DSCP_OFF, 6, 0 },
	};
	struct fabric_int_stats st;
	__u32 psn, rv, len, len_in, grown, i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		grown = 0;
		for (psn = 100; psn < 116; psn++) {
			len_in = int_build_roce(self->in, c[i].ipver, 0, c[i].dscp, psn, 64);
			ASSERT_LT(0, len_in);
			ASSERT_EQ(0, int_tc(&self->n, self->in, len_in, self->out, &len, &rv));
			if (len != len_in) {
				grown++;
				/* the class's bitmap and hop budget */
				if (c[i].dscp == DSCP_EMBED1) {
					EXPECT_EQ(2, md_of(self->out, len)->remaining);
					EXPECT_EQ(2, md_of(self->out, len)->hop_ml);
				} else {
					EXPECT_EQ(FABRIC_INT_MAX_HOPS, md_of(self->out, len)->remaining);
					EXPECT_EQ(4, md_of(self->out, len)->hop_ml);
				}
				EXPECT_EQ(FABRIC_INT_VERSION << 4, md_of(self->out, len)->ver_flags);
			} else {
				EXPECT_EQ(0, memcmp(self->in, self->out, len));
			}
		}
		EXPECT_EQ(c[i].grown, grown) TH_LOG("DSCP %u IPv%d", c[i].dscp, c[i].ipver);
	}
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(64, st.src_candidates);	/* the two embed classes */
	EXPECT_EQ(40, st.src_instrumented);
	EXPECT_EQ(24, st.src_sampled_out);
	EXPECT_EQ(0, st.src_probes);
	EXPECT_EQ(0, st.src_errors);
}

/* A probe takes its DSCP's class: hop budget, bitmap, and the D bit. */
TEST_F(intcls, probe_takes_its_class)
{
	static const struct { __u8 dscp; __u8 remaining, hop_ml; } c[] = {
		{ DSCP_PROBE, 5, 4 }, { DSCP_EMBED1, 2, 2 },
	};
	const struct fabric_int_md *md;
	struct fabric_int_stats st;
	__u32 rv, len, len_in, i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		len_in = int_build_probe(self->in, 4, c[i].dscp,
					 FABRIC_INT_PROBE_PORT_DEFAULT);
		ASSERT_LT(0, len_in);
		ASSERT_EQ(0, int_tc(&self->n, self->in, len_in, self->out, &len, &rv));
		ASSERT_EQ(len_in + FABRIC_INT_SHIM_LEN + FABRIC_INT_MD_LEN, len);
		md = md_of(self->out, len);
		EXPECT_EQ(FABRIC_INT_VERSION << 4 | FABRIC_INT_FLAG_D, md->ver_flags);
		EXPECT_EQ(c[i].remaining, md->remaining);
		EXPECT_EQ(c[i].hop_ml, md->hop_ml);
	}
	ASSERT_EQ(0, int_read_stats(&self->n, &st));
	EXPECT_EQ(2, st.src_probes);
	EXPECT_EQ(0, st.src_candidates);
}

/* Changing one class (as a reload does) leaves the others as they were. */
TEST_F(intcls, one_class_changes_alone)
{
	__u32 rv, len, len_in;

	ASSERT_EQ(0, int_class(&self->n, DSCP_EMBED4, FABRIC_INT_MODE_PROBE, 0, 0, 4));
	len_in = int_build_roce(self->in, 4, 0, DSCP_EMBED4, 100, 64);
	ASSERT_EQ(0, int_tc(&self->n, self->in, len_in, self->out, &len, &rv));
	EXPECT_EQ(len_in, len);
	EXPECT_EQ(0, memcmp(self->in, self->out, len));
	len_in = int_build_roce(self->in, 4, 0, DSCP_EMBED1, 101, 64);
	ASSERT_EQ(0, int_tc(&self->n, self->in, len_in, self->out, &len, &rv));
	EXPECT_EQ(len_in + FABRIC_INT_SHIM_LEN + FABRIC_INT_MD_LEN, len);
}

TEST_HARNESS_MAIN
