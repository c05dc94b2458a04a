// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kernel-side probe verdict (bpf/probe_verdict.h). Departures go through
 * the tc program and answers through XDP with BPF_PROG_TEST_RUN (netns lo,
 * ifindex 1); the judge runs from the fabric_probe_judge program (test
 * run) at the clock override, so every step is deterministic. One test lets the
 * real bpf_timer judge, with a tolerance so wide that no stall of this
 * process can matter, and polls for the outcome.
 */
#include <arpa/inet.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "fab_check.h"
#include "fabric_probe.h"
#include "fabric_reroute.h"

#define US		1000ULL
#define MS		1000000ULL
#define PORT		FABRIC_PROBE_PORT

/* eth + IPv4 + UDP + probe; answer: from the probe port, else to it. */
static __u32 probe_frame(__u8 *buf, __u32 path, __u64 seq, int answer,
			 __u32 magic)
{
	struct fabric_probe_msg m = {
		.magic = htonl(magic), .path = path, .seq = seq, .tx_ns = 42,
	};
	__u8 *ip = buf + 14, *udp = ip + 20;
	__u16 ulen = 8 + sizeof(m), tot = 20 + ulen;

	memset(buf, 0, 14 + tot);
	memset(buf, 0x02, 12);
	buf[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10; ip[15] = 1;
	ip[16] = 10; ip[19] = 2;
	udp[0] = (answer ? PORT : 40000) >> 8;
	udp[1] = (answer ? PORT : 40000) & 0xff;
	udp[2] = (answer ? 40000 : PORT) >> 8;
	udp[3] = (answer ? 40000 : PORT) & 0xff;
	udp[4] = ulen >> 8;
	udp[5] = ulen & 0xff;
	memcpy(udp + 8, &m, sizeof(m));
	return 14 + tot;
}

static void depart(struct __test_metadata *_metadata, struct fab *f,
		   __u32 path, __u64 seq)
{
	__u8 buf[128];
	__u32 len = probe_frame(buf, path, seq, 0, FABRIC_PROBE_MAGIC);

	tc_ok(_metadata, f, buf, len);
}

static void answer(struct __test_metadata *_metadata, struct fab *f,
		   __u32 path, __u64 seq)
{
	__u8 buf[128];
	__u32 len = probe_frame(buf, path, seq, 1, FABRIC_PROBE_MAGIC);

	xdp_pass(_metadata, f, buf, len);
}

static void get_path(struct __test_metadata *_metadata, struct fab *f,
		     __u32 slot, struct fabric_probe_path *p)
{
	ASSERT_EQ(0, bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fabric_probe_paths),
					 &slot, p));
}

static void get_host(struct __test_metadata *_metadata, struct fab *f,
		     struct fabric_probe_host *h)
{
	__u32 zero = 0;

	ASSERT_EQ(0, bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fabric_probe_host),
					 &zero, h));
}

/* Slot on lo, in a group; the map update leaves timer and lock alone. */
static void set_slot(struct __test_metadata *_metadata, struct fab *f,
		     __u32 slot, __u32 group)
{
	struct fabric_probe_path p = { 0 };

	p.cfg.ifindex = FAB_LO_IFINDEX;
	p.cfg.group = group;
	p.cfg.member = slot;
	ASSERT_EQ(0, bpf_map_update_elem(bpf_map__fd(f->skel->maps.fabric_probe_paths),
					 &slot, &p, 0));
}

static void judge(struct __test_metadata *_metadata, struct fab *f)
{
	static __u8 frame[64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = 1);

	ASSERT_EQ(0, bpf_prog_test_run_opts(
		bpf_program__fd(f->skel->progs.fabric_probe_judge), &opts));
	ASSERT_EQ(FAB_XDP_PASS, opts.retval);
}

/* The judge runs only when the test says so, at the test's clock. */
static void verdict_up(struct __test_metadata *_metadata, struct fab *f)
{
	f->skel->bss->probe_verdict_port = htons(PORT);
	f->skel->data->probe_judge_timer = 0;
	/* 300 us timeout, 200 us tolerance, K 3, recover 3 (the defaults) */
	ASSERT_EQ(300 * US, f->skel->data->probe_timeout_ns);
	ASSERT_EQ(3, f->skel->data->probe_miss_k);
	set_slot(_metadata, f, 0, 1);
	set_slot(_metadata, f, 1, 1);
}

TEST_F(fab, off_by_default)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;

	FAB_UP(&o);
	set_slot(_metadata, &self->f, 0, 1);
	depart(_metadata, &self->f, 0, 0);
	answer(_metadata, &self->f, 0, 0);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(0, p.sent);
	EXPECT_EQ(0, p.answered);
	EXPECT_EQ(0, p.armed);
	EXPECT_EQ(0, self->f.skel->bss->probe_verdict_foreign);
}

/* Departures stamped at tc, answers matched at XDP; the frames pass. */
TEST_F(fab, answers_update_state)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	__u64 t0 = FAB_T0, s;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	for (s = 0; s < 5; s++)
		depart(_metadata, &self->f, 0, s);
	fab_set_clock(&self->f, t0 + 20 * US);
	for (s = 0; s < 5; s++)
		answer(_metadata, &self->f, 0, s);
	answer(_metadata, &self->f, 0, 3);	/* duplicate */
	answer(_metadata, &self->f, 0, 9);	/* never sent */
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(5, p.sent);
	EXPECT_EQ(5, p.tx_next);
	EXPECT_EQ(5, p.answered);
	EXPECT_EQ(0, p.late);
	EXPECT_EQ(2, p.unmatched);
	EXPECT_EQ(5, p.ok_run);
	EXPECT_EQ(t0 + 20 * US, p.ans_ns);
	EXPECT_EQ(t0, p.ring[2].tx_ns);
	EXPECT_EQ(1, p.ring[2].ans);
	EXPECT_EQ(0, p.armed);
	get_host(_metadata, &self->f, &h);
	EXPECT_EQ(t0 + 20 * US, h.rx_live_ns);
	EXPECT_EQ(0, h.charges);
	/* a late answer is proof of life and proof of a stall */
	depart(_metadata, &self->f, 0, 5);
	fab_set_clock(&self->f, t0 + 20 * US + 5 * MS);
	answer(_metadata, &self->f, 0, 5);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(1, p.late);
	EXPECT_EQ(6, p.answered);
	get_host(_metadata, &self->f, &h);
	EXPECT_EQ(1, h.charges);
	EXPECT_EQ(5 * MS - 300 * US, h.charge_ns);
	EXPECT_EQ(t0 + 20 * US, h.rx_live_ns);
}

/* Not ours: wrong magic, unknown slot, slot of another port. */
TEST_F(fab, foreign_probes_ignored)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	__u8 buf[128];
	__u32 len;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	len = probe_frame(buf, 0, 0, 1, 0x12345678);
	xdp_pass(_metadata, &self->f, buf, len);
	len = probe_frame(buf, FABRIC_PROBE_SLOTS + 3, 0, 1, FABRIC_PROBE_MAGIC);
	xdp_pass(_metadata, &self->f, buf, len);
	answer(_metadata, &self->f, 7, 0);	/* slot 7 unconfigured */
	EXPECT_EQ(2, self->f.skel->bss->probe_verdict_foreign);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(0, p.unmatched);
	EXPECT_EQ(0, p.answered);
}

/* Path 0 blackholed, path 1 answering in time: K misses, one verdict. */
TEST_F(fab, blackhole_verdict)
{
	struct fab_opts o = { .node_id = 5 };
	struct fabric_probe_path p;
	struct fab_ev_log log;
	__u64 t = FAB_T0, s;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	for (s = 0; s < 4; s++) {
		fab_set_clock(&self->f, t + s * 20 * US);
		depart(_metadata, &self->f, 0, s);
		depart(_metadata, &self->f, 1, s);
		fab_set_clock(&self->f, t + s * 20 * US + 5 * US);
		answer(_metadata, &self->f, 1, s);
	}
	/* 350 us: probe 0 is overdue, but no answer came in time after it */
	fab_set_clock(&self->f, t + 350 * US);
	judge(_metadata, &self->f);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(0, p.missed);
	EXPECT_EQ(0, p.judged);
	/* path 1 answers at 600 us: probes 0..3 of path 0 are misses */
	fab_set_clock(&self->f, t + 595 * US);
	depart(_metadata, &self->f, 1, 4);
	fab_set_clock(&self->f, t + 600 * US);
	answer(_metadata, &self->f, 1, 4);
	judge(_metadata, &self->f);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(4, p.missed);
	EXPECT_EQ(4, p.miss_run);
	EXPECT_EQ(0, p.stalled);
	EXPECT_EQ(FABRIC_PROBE_V_DOWN, p.verdict);
	EXPECT_EQ(1, p.verdicts);
	EXPECT_EQ(t + 600 * US, p.verdict_ns);
	EXPECT_EQ(t + 300 * US, p.miss_from_ns);
	ASSERT_EQ(1, fab_drain_events(&self->f, &log));
	EXPECT_EQ(FABRIC_EV_PROBE_VERDICT, log.ev[0].type);
	EXPECT_EQ(0, log.ev[0].qp);
	EXPECT_EQ(FABRIC_PROBE_V_DOWN, log.ev[0].psn);
	EXPECT_EQ(5, log.ev[0].node_id);
	EXPECT_EQ(FAB_LO_IFINDEX, log.ev[0].ifindex);
	get_path(_metadata, &self->f, 1, &p);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	EXPECT_EQ(0, p.missed);

	/* the verdict stands; judging again adds nothing */
	judge(_metadata, &self->f);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));
	/* answers again: three in a row clear it, with one event */
	for (s = 10; s < 13; s++) {
		fab_set_clock(&self->f, t + MS + s * US);
		depart(_metadata, &self->f, 0, s);
		answer(_metadata, &self->f, 0, s);
	}
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	EXPECT_EQ(0, p.miss_run);
	ASSERT_EQ(1, fab_drain_events(&self->f, &log));
	EXPECT_EQ(FABRIC_PROBE_V_NONE, log.ev[0].psn);
}

/*
 * Nothing answers in time anywhere (our own receive stalled): overdue
 * probes wait for proof, and without it they are dropped as stalled.
 */
TEST_F(fab, receive_stall_no_verdict)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	struct fab_ev_log log;
	__u64 t = FAB_T0, s;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	for (s = 0; s < 5; s++) {
		fab_set_clock(&self->f, t + s * 20 * US);
		depart(_metadata, &self->f, 0, s);
		depart(_metadata, &self->f, 1, s);
	}
	fab_set_clock(&self->f, t + 450 * US);
	judge(_metadata, &self->f);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(0, p.missed);
	EXPECT_EQ(0, p.stalled);
	fab_set_clock(&self->f, t + 10 * MS);
	judge(_metadata, &self->f);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(0, p.missed);
	EXPECT_EQ(5, p.stalled);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	get_path(_metadata, &self->f, 1, &p);
	EXPECT_EQ(5, p.stalled);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));
}

/*
 * The old false failover: path 0's answers sit in a stalled receive queue
 * and come late, path 1 answers in time right after. The late answer
 * charges its stall to every probe that was in flight: no misses.
 */
TEST_F(fab, late_answers_charge_in_flight)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct fab_ev_log log;
	__u64 t = FAB_T0, s;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	for (s = 0; s < 6; s++) {
		fab_set_clock(&self->f, t + s * 20 * US);
		depart(_metadata, &self->f, 0, s);
		depart(_metadata, &self->f, 1, s);
	}
	/* 3 ms later the queue drains: path 0's probe 5 late, 0..4 lost */
	fab_set_clock(&self->f, t + 3 * MS);
	answer(_metadata, &self->f, 0, 5);
	depart(_metadata, &self->f, 1, 6);
	answer(_metadata, &self->f, 1, 6);
	judge(_metadata, &self->f);
	get_host(_metadata, &self->f, &h);
	EXPECT_EQ(1, h.charges);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(1, p.late);
	EXPECT_EQ(0, p.missed);
	EXPECT_EQ(5, p.stalled);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	get_path(_metadata, &self->f, 1, &p);
	EXPECT_EQ(0, p.missed);
	EXPECT_EQ(6, p.stalled);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));
}

/* With FABRIC_PROBE_F_REROUTE the verdict declares the member down. */
TEST_F(fab, verdict_declares_member_down)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	static struct fabric_rr rr;
	int fd;
	__u32 zero = 0, slot;
	__u64 t = FAB_T0, s, w;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	fd = bpf_map__fd(self->f.skel->maps.fabric_reroute);
	memset(&rr, 0, sizeof(rr));
	rr.n_groups = 2;
	rr.grp[1].flags = FABRIC_RR_G_VALID;
	rr.grp[1].n_members = 2;
	ASSERT_EQ(0, bpf_map_update_elem(fd, &zero, &rr, 0));
	for (slot = 0; slot < 2; slot++) {
		memset(&p, 0, sizeof(p));
		p.cfg.ifindex = FAB_LO_IFINDEX;
		p.cfg.group = 1;
		p.cfg.member = slot;
		p.cfg.flags = FABRIC_PROBE_F_REROUTE;
		ASSERT_EQ(0, bpf_map_update_elem(bpf_map__fd(self->f.skel->maps.fabric_probe_paths),
						 &slot, &p, 0));
	}
	for (s = 0; s < 3; s++) {
		fab_set_clock(&self->f, t + s * 20 * US);
		depart(_metadata, &self->f, 0, s);
	}
	fab_set_clock(&self->f, t + 500 * US);
	depart(_metadata, &self->f, 1, 0);
	answer(_metadata, &self->f, 1, 0);
	judge(_metadata, &self->f);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(FABRIC_PROBE_V_DOWN, p.verdict);
	EXPECT_EQ(1, p.reroutes);
	ASSERT_EQ(0, bpf_map_lookup_elem(fd, &zero, &rr));
	w = rr.grp[1].m[0].verdict;
	EXPECT_NE(0, w & FABRIC_RR_V_DOWN);
	EXPECT_EQ(FABRIC_RR_SRC_BPF, (w >> FABRIC_RR_V_SRC_SHIFT) & FABRIC_RR_V_SRC_MASK);
	EXPECT_EQ(t + 500 * US, fabric_rr_time(w, t + 500 * US));
	EXPECT_EQ(1, rr.declared);
	EXPECT_EQ(1ULL << fabric_rr_slot(1, 0), rr.down[0]);
	EXPECT_EQ(0, rr.grp[1].m[1].verdict);
}

/* A group of one has no witness: misses count, the verdict is held. */
TEST_F(fab, no_witness_no_verdict)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	struct fab_ev_log log;
	__u64 t = FAB_T0, s;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	set_slot(_metadata, &self->f, 1, 2);	/* path 1: another group */
	for (s = 0; s < 4; s++) {
		fab_set_clock(&self->f, t + s * 20 * US);
		depart(_metadata, &self->f, 0, s);
	}
	fab_set_clock(&self->f, t + 400 * US);
	depart(_metadata, &self->f, 1, 0);
	answer(_metadata, &self->f, 1, 0);
	judge(_metadata, &self->f);
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_EQ(4, p.missed);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	EXPECT_LE(1, p.unwitnessed);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));
}

/* A judge that fires later than the tolerance judges nothing. */
TEST_F(fab, late_judge_skips)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	__u64 t = FAB_T0;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	/* only the real timer measures its own lateness: force it late */
	self->f.skel->data->probe_judge_timer = 1;
	self->f.skel->data->probe_stall_tol_ns = 0;
	self->f.skel->data->probe_timeout_ns = 1;
	fab_set_clock(&self->f, 0);
	depart(_metadata, &self->f, 0, 0);
	(void)t;
	/* the timer runs every 100 us; any lateness above 0 is too late */
	for (int i = 0; i < 200; i++) {
		get_path(_metadata, &self->f, 0, &p);
		if (p.late_timer)
			break;
		fab_msleep(5);
	}
	get_path(_metadata, &self->f, 0, &p);
	EXPECT_LT(0, p.late_timer);
	EXPECT_EQ(0, p.missed);
	self->f.skel->bss->probe_verdict_port = 0;	/* let the timer die */
}

/*
 * The real bpf_timer: three probes of path 0 unanswered, path 1 answers in
 * time after their deadlines; the timer reaches the verdict by itself.
 * The tolerance is 1 s so that no stall of this test can matter.
 */
TEST_F(fab, timer_judges)
{
	struct fab_opts o = { 0 };
	struct fabric_probe_path p;
	struct timespec ts = { 0, 2 * MS };
	struct fab_ev_log log;
	int i;

	FAB_UP(&o);
	verdict_up(_metadata, &self->f);
	self->f.skel->data->probe_judge_timer = 1;
	self->f.skel->data->probe_stall_tol_ns = 1000 * MS;
	fab_set_clock(&self->f, 0);
	for (i = 0; i < 3; i++) {
		depart(_metadata, &self->f, 0, i);
		depart(_metadata, &self->f, 1, i);
		answer(_metadata, &self->f, 1, i);
	}
	nanosleep(&ts, NULL);		/* > 300 us timeout */
	depart(_metadata, &self->f, 1, 3);
	answer(_metadata, &self->f, 1, 3);
	for (i = 0; i < 300; i++) {
		get_path(_metadata, &self->f, 0, &p);
		if (p.verdict == FABRIC_PROBE_V_DOWN)
			break;
		fab_msleep(5);
	}
	EXPECT_EQ(FABRIC_PROBE_V_DOWN, p.verdict);
	EXPECT_EQ(3, p.missed);
	EXPECT_EQ(0, p.timer_errors);
	ASSERT_EQ(1, fab_drain_events(&self->f, &log));
	EXPECT_EQ(FABRIC_EV_PROBE_VERDICT, log.ev[0].type);
	/* nothing in flight any more: the timer stops */
	for (i = 0; i < 300; i++) {
		get_path(_metadata, &self->f, 0, &p);
		if (!p.armed)
			break;
		fab_msleep(5);
	}
	EXPECT_EQ(0, p.armed);
}

TEST_HARNESS_MAIN
