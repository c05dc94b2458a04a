// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lab's fault injector (bpf/lab_fault.bpf.c) under BPF_PROG_TEST_RUN:
 * every mode does what it says to the frames it is given, and only to
 * them. Loss is random: the bounds are six standard deviations wide, so a
 * correct injector fails them about once in 10^9 runs. The delay is
 * checked from below only (a busy-wait never ends early); how much longer
 * it takes depends on the load.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "pktgen.h"
#include "lab_fault.h"
#include "lab_fault.skel.h"

/* TC_ACT_UNSPEC: the injector passes a frame on to the next filter */
#define TC_OK		(-1)
#define TC_SHOT		2
#define LO		1

FIXTURE(lf) {
	struct lab_fault_bpf *skel;
	__u8 pkt[256], out[256];
	__u32 len;
	struct pkt_layout lay;
};

FIXTURE_SETUP(lf)
{
	struct pkt_spec s;

	self->skel = lab_fault_bpf__open_and_load();
	ASSERT_NE(NULL, self->skel);
	pkt_spec_init(&s, 4);
	s.payload = 64;
	self->len = pkt_build(&s, self->pkt, sizeof(self->pkt), &self->lay);
	ASSERT_NE(0, self->len);
}

FIXTURE_TEARDOWN(lf)
{
	lab_fault_bpf__destroy(self->skel);
}

/* Runs @repeat times; returns the program's verdict, the mean run time. */
static int run(struct __test_metadata *_metadata, FIXTURE_DATA(lf) *self,
	       const void *pkt, __u32 len, bool ingress, int repeat,
	       __u32 *duration)
{
	struct __sk_buff ctx = {
		.ifindex = LO,
		.ingress_ifindex = ingress ? LO : 0,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .data_out = self->out, .data_size_out = sizeof(self->out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = repeat);

	EXPECT_EQ(0, bpf_prog_test_run_opts(
			bpf_program__fd(self->skel->progs.lab_fault_drop), &o));
	if (duration)
		*duration = o.duration;
	return o.retval;
}

static void set_ext(struct __test_metadata *_metadata, FIXTURE_DATA(lf) *self,
		    const struct lab_fault_ext *x)
{
	__u32 zero = 0;

	ASSERT_EQ(0, bpf_map_update_elem(bpf_map__fd(self->skel->maps.lab_fault_ext),
					 &zero, x, BPF_ANY));
}

static void stats(struct __test_metadata *_metadata, FIXTURE_DATA(lf) *self,
		  struct lab_fault_stats *sum)
{
	int n = libbpf_num_possible_cpus(), i;
	struct lab_fault_stats st[n];
	__u32 zero = 0;

	ASSERT_EQ(0, bpf_map_lookup_elem(bpf_map__fd(self->skel->maps.lab_fault_stats),
					 &zero, st));
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		sum->lost += st[i].lost;
		sum->corrupted += st[i].corrupted;
		sum->corrupt_short += st[i].corrupt_short;
		sum->delayed += st[i].delayed;
		sum->delay_capped += st[i].delay_capped;
	}
}

/* Run one frame @n times, one test run each: how many were dropped. */
static int drops(struct __test_metadata *_metadata, FIXTURE_DATA(lf) *self, int n)
{
	int i, d = 0;

	for (i = 0; i < n; i++)
		d += run(_metadata, self, self->pkt, self->len, true, 1, NULL) == TC_SHOT;
	return d;
}

TEST_F(lf, off_by_default)
{
	struct lab_fault_stats st;

	EXPECT_EQ(0, drops(_metadata, self, 1000));
	EXPECT_EQ(0, memcmp(self->pkt, self->out, self->len));
	stats(_metadata, self, &st);
	EXPECT_EQ(0, st.lost + st.corrupted + st.corrupt_short + st.delayed);
}

TEST_F(lf, drop_pct_legacy_map)
{
	struct lab_fault_cfg c = { .drop_pct = 100 }, back;
	__u32 zero = 0;
	int fd = bpf_map__fd(self->skel->maps.lab_fault);

	ASSERT_EQ(16, sizeof(c));	/* bench/failover and older tools write 16 bytes */
	ASSERT_EQ(0, bpf_map_update_elem(fd, &zero, &c, BPF_ANY));
	EXPECT_EQ(100, drops(_metadata, self, 100));
	ASSERT_EQ(0, bpf_map_lookup_elem(fd, &zero, &back));
	EXPECT_EQ(100, back.dropped);
}

TEST_F(lf, loss_rate)
{
	struct lab_fault_ext x = { .loss_ppm = 50000 };	/* 5 % */
	struct lab_fault_stats st;
	int d;

	set_ext(_metadata, self, &x);
	/* 20000 * 0.05 = 1000, sd 30.8 */
	d = drops(_metadata, self, 20000);
	EXPECT_GE(d, 815);
	EXPECT_LE(d, 1185);
	stats(_metadata, self, &st);
	EXPECT_EQ(d, st.lost);
	x.loss_ppm = LAB_FAULT_PPM;
	set_ext(_metadata, self, &x);
	EXPECT_EQ(200, drops(_metadata, self, 200));
	x.loss_ppm = 0;
	set_ext(_metadata, self, &x);
	EXPECT_EQ(0, drops(_metadata, self, 200));
}

/* 0.1 %: the resolution the gray-failure campaign needs. */
TEST_F(lf, loss_rate_small)
{
	struct lab_fault_ext x = { .loss_ppm = 1000 };
	int d;

	set_ext(_metadata, self, &x);
	/* 100000 * 0.001 = 100, sd 10 */
	d = drops(_metadata, self, 100000);
	EXPECT_GE(d, 40);
	EXPECT_LE(d, 160);
}

TEST_F(lf, corrupt_flips_one_payload_byte)
{
	struct lab_fault_ext x = { .corrupt_ppm = LAB_FAULT_PPM, .corrupt_off = 5 };
	__u32 at = self->lay.l4 + 8 + 5, i;
	struct lab_fault_stats st;

	set_ext(_metadata, self, &x);
	EXPECT_EQ(TC_OK, run(_metadata, self, self->pkt, self->len, true, 1, NULL));
	for (i = 0; i < self->len; i++) {
		__u8 want = i == at ? (__u8)~self->pkt[i] : self->pkt[i];

		EXPECT_EQ(want, self->out[i]);
	}
	stats(_metadata, self, &st);
	EXPECT_EQ(1, st.corrupted);
	EXPECT_EQ(0, st.lost);
}

TEST_F(lf, corrupt_leaves_non_udp_and_short_frames)
{
	struct lab_fault_ext x = { .corrupt_ppm = LAB_FAULT_PPM };
	struct lab_fault_stats st;
	struct pkt_layout lay;
	struct pkt_spec s;
	__u8 arp[128];
	__u32 len;

	set_ext(_metadata, self, &x);
	pkt_spec_init(&s, 0);
	len = pkt_build(&s, arp, sizeof(arp), &lay);
	ASSERT_NE(0, len);
	EXPECT_EQ(TC_OK, run(_metadata, self, arp, len, true, 1, NULL));
	EXPECT_EQ(0, memcmp(arp, self->out, len));
	pkt_spec_init(&s, 4);
	s.l4proto = PKT_IPPROTO_TCP;
	len = pkt_build(&s, arp, sizeof(arp), &lay);
	ASSERT_NE(0, len);
	EXPECT_EQ(TC_OK, run(_metadata, self, arp, len, true, 1, NULL));
	EXPECT_EQ(0, memcmp(arp, self->out, len));
	/* offset past the end of the frame */
	x.corrupt_off = 9000;
	set_ext(_metadata, self, &x);
	EXPECT_EQ(TC_OK, run(_metadata, self, self->pkt, self->len, true, 1, NULL));
	EXPECT_EQ(0, memcmp(self->pkt, self->out, self->len));
	stats(_metadata, self, &st);
	EXPECT_EQ(0, st.corrupted);
	EXPECT_EQ(3, st.corrupt_short);
}

TEST_F(lf, delay_busy_waits)
{
	struct lab_fault_ext x = { .delay_ns = 200000 };
	struct lab_fault_stats st;
	__u32 dur;

	set_ext(_metadata, self, &x);
	EXPECT_EQ(TC_OK, run(_metadata, self, self->pkt, self->len, true, 5, &dur));
	EXPECT_GE(dur, 200000);
	stats(_metadata, self, &st);
	EXPECT_EQ(5, st.delayed);
	EXPECT_EQ(0, st.delay_capped);
}

TEST_F(lf, delay_is_capped)
{
	struct lab_fault_ext x = { .delay_ns = 50 * LAB_FAULT_DELAY_MAX_NS };
	struct lab_fault_stats st;
	__u32 dur;

	set_ext(_metadata, self, &x);
	EXPECT_EQ(TC_OK, run(_metadata, self, self->pkt, self->len, true, 1, &dur));
	EXPECT_GE(dur, LAB_FAULT_DELAY_MAX_NS);
	stats(_metadata, self, &st);
	EXPECT_EQ(1, st.delayed);
	EXPECT_EQ(1, st.delay_capped);
}

TEST_F(lf, direction_mask)
{
	struct lab_fault_ext x = { .loss_ppm = LAB_FAULT_PPM, .dir = LAB_FAULT_DIR_IN };

	set_ext(_metadata, self, &x);
	EXPECT_EQ(TC_SHOT, run(_metadata, self, self->pkt, self->len, true, 1, NULL));
	EXPECT_EQ(TC_OK, run(_metadata, self, self->pkt, self->len, false, 1, NULL));
	x.dir = LAB_FAULT_DIR_OUT;
	set_ext(_metadata, self, &x);
	EXPECT_EQ(TC_OK, run(_metadata, self, self->pkt, self->len, true, 1, NULL));
	EXPECT_EQ(TC_SHOT, run(_metadata, self, self->pkt, self->len, false, 1, NULL));
	x.dir = 0;
	set_ext(_metadata, self, &x);
	EXPECT_EQ(TC_SHOT, run(_metadata, self, self->pkt, self->len, true, 1, NULL));
	EXPECT_EQ(TC_SHOT, run(_metadata, self, self->pkt, self->len, false, 1, NULL));
}

TEST_HARNESS_MAIN
