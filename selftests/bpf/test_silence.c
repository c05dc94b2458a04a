// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Silence detection: the lazy per-port bpf_timer. Frames go through
 * BPF_PROG_TEST_RUN (ingress: this netns's lo, ifindex 1) with the real
 * clock; the timer is a real hrtimer, so its callback runs while the test
 * sleeps, and the test reads what it did: the port's entry in
 * fabric_silence and the FABRIC_EV_SILENCE records in the ringbuf.
 *
 * Timing is kept loose on purpose (silence of 100 ms, waits of several
 * times that): the assertions are about what happens, not how fast.
 */
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "fab_check.h"
#include "fabric_reroute.h"

#define MS		1000000ULL
#define SILENCE_NS	(100 * MS)

static void port_entry(struct __test_metadata *_metadata, struct fab *f,
		       __u32 ifindex, struct fabric_silence_port *out)
{
	ASSERT_EQ(0, bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fabric_silence),
					 &ifindex, out));
}

/* Real clock, silence_ns as given, lo watched (or not). */
static void silence_up(struct __test_metadata *_metadata, struct fab *f,
		       __u64 silence, bool watch)
{
	fab_set_clock(f, 0);
	f->skel->bss->silence_ns = silence;
	f->skel->bss->silence_watch[FAB_LO_IFINDEX] = watch;
}

static void send_roce(struct __test_metadata *_metadata, struct fab *f,
		      __u32 n)
{
	struct pkt_spec s;
	__u32 i;

	pkt_spec_init(&s, 4);
	for (i = 0; i < n; i++) {
		s.psn = i;
		xdp_send(_metadata, f, &s);
	}
}

TEST_F(fab, off_by_default)
{
	struct fab_opts o = { 0 };
	struct fabric_silence_port sp;

	FAB_UP(&o);
	ASSERT_EQ(0, self->f.skel->bss->silence_ns);
	self->f.skel->bss->silence_watch[FAB_LO_IFINDEX] = 1;
	fab_set_clock(&self->f, 0);
	send_roce(_metadata, &self->f, 10);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(0, sp.armed);
	EXPECT_EQ(0, sp.arms);
	EXPECT_EQ(0, sp.last_rx_ns);
}

TEST_F(fab, unwatched_port_never_arms)
{
	struct fab_opts o = { 0 };
	struct fabric_silence_port sp;

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, false);
	send_roce(_metadata, &self->f, 10);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(0, sp.armed);
	EXPECT_EQ(0, sp.arms);
}

/* Only RoCE means "traffic is expected": ARP, TCP, other UDP don't arm. */
TEST_F(fab, non_roce_does_not_arm)
{
	struct fab_opts o = { 0 };
	struct fabric_silence_port sp;
	struct pkt_spec s;

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, true);
	pkt_spec_init(&s, 4);
	s.dport = 4792;
	xdp_send(_metadata, &self->f, &s);
	pkt_spec_init(&s, 4);
	s.l4proto = PKT_IPPROTO_TCP;
	xdp_send(_metadata, &self->f, &s);
	pkt_spec_init(&s, 0);
	xdp_send(_metadata, &self->f, &s);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(0, sp.armed);
	EXPECT_EQ(0, sp.arms);
}

/* A busy port arms once, not per frame; then silence raises one event. */
TEST_F(fab, arm_once_then_alarm)
{
	struct fab_opts o = { .node_id = 9 };
	struct fabric_silence_port sp;
	struct fabric_dp_stats st;
	struct fab_ev_log log;
	__u64 t0 = fab_mono_ns();

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, true);
	self->f.skel->data->silence_lag_max_ns = 0;	/* judge lag here, not there */
	send_roce(_metadata, &self->f, 200);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(1, sp.armed);
	EXPECT_EQ(1, sp.arms);
	EXPECT_NE(0, sp.last_rx_ns);
	EXPECT_EQ(0, sp.alarms);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));

	fab_msleep(4 * SILENCE_NS / MS);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(0, sp.armed);
	EXPECT_EQ(1, sp.alarms);
	EXPECT_EQ(0, sp.arm_errors);
	ASSERT_EQ(1, fab_drain_events(&self->f, &log));
	EXPECT_EQ(FABRIC_EV_SILENCE, log.ev[0].type);
	EXPECT_EQ(FAB_LO_IFINDEX, log.ev[0].ifindex);
	EXPECT_EQ(9, log.ev[0].node_id);
	EXPECT_EQ(0, log.ev[0].qp);
	EXPECT_EQ(0, log.ev[0].family);
	EXPECT_EQ(1, log.ev[0].flow_gaps);
	/* quiet for at least the threshold, in microseconds */
	EXPECT_GE(log.ev[0].missing, SILENCE_NS / 1000);
	EXPECT_GT(log.ev[0].ts_ns, t0 + SILENCE_NS);
	get_stats(_metadata, &self->f, &st);
	EXPECT_EQ(1, st.events_sent);

	/* disarmed: no more events while the port stays quiet */
	fab_msleep(3 * SILENCE_NS / MS);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));

	/* traffic returns: armed again, once */
	send_roce(_metadata, &self->f, 20);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(1, sp.armed);
	EXPECT_EQ(2, sp.arms);
}

/*
 * Frames every 10 ms keep a 100 ms timer from ever alarming. A round in
 * which this thread itself was descheduled for half the threshold proves
 * nothing (the port really was quiet), so it is run again, up to 5 times.
 */
TEST_F(fab, busy_port_never_alarms)
{
	struct fab_opts o = { 0 };
	struct fabric_silence_port before, sp;
	__u64 last, t, gap = 0;
	struct fab_ev_log log;
	int i, round;

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, true);
	for (round = 0; round < 5; round++) {
		fab_drain_events(&self->f, &log);
		port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &before);
		gap = 0;
		last = fab_mono_ns();
		for (i = 0; i < 60; i++) {
			send_roce(_metadata, &self->f, 1);
			fab_msleep(10);
			t = fab_mono_ns();
			if (t - last > gap)
				gap = t - last;
			last = t;
		}
		port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
		if (gap < SILENCE_NS / 2)
			break;
		TH_LOG("round %d: this thread stalled %llu ms, again", round,
		       (unsigned long long)(gap / MS));
	}
	ASSERT_LT(gap, SILENCE_NS / 2);
	EXPECT_EQ(1, sp.armed);
	/* armed once by the first frame of a quiet port, never again */
	EXPECT_EQ(before.armed ? 0 : 1, sp.arms - before.arms);
	EXPECT_EQ(0, sp.alarms - before.alarms);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));
	self->f.skel->bss->silence_ns = 0;	/* let the timer die */
	fab_msleep(2 * SILENCE_NS / MS);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(0, sp.armed);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));
}

/*
 * A check that fires later than silence_lag_max_ns is not trusted: it
 * re-checks instead (counted in late). With a 1 ns bound every check is
 * late; lifting the bound lets the next one alarm.
 */
TEST_F(fab, late_check_rechecks)
{
	struct fab_opts o = { 0 };
	struct fabric_silence_port sp;
	struct fab_ev_log log;

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, true);
	self->f.skel->data->silence_lag_max_ns = 1;
	send_roce(_metadata, &self->f, 5);
	fab_msleep(3 * SILENCE_NS / MS);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(1, sp.armed);
	EXPECT_EQ(0, sp.alarms);
	EXPECT_GT(sp.late, 0);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));

	self->f.skel->data->silence_lag_max_ns = 0;
	fab_msleep(SILENCE_NS / MS);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(0, sp.armed);
	EXPECT_EQ(1, sp.alarms);
	ASSERT_EQ(1, fab_drain_events(&self->f, &log));
	EXPECT_EQ(FABRIC_EV_SILENCE, log.ev[0].type);
}

/* Unwatching a port (fabricd dropped the path) disarms without an alarm. */
TEST_F(fab, unwatch_disarms_quietly)
{
	struct fab_opts o = { 0 };
	struct fabric_silence_port sp;
	struct fab_ev_log log;

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, true);
	send_roce(_metadata, &self->f, 5);
	self->f.skel->bss->silence_watch[FAB_LO_IFINDEX] = 0;
	fab_msleep(3 * SILENCE_NS / MS);
	port_entry(_metadata, &self->f, FAB_LO_IFINDEX, &sp);
	EXPECT_EQ(0, sp.armed);
	EXPECT_EQ(0, sp.alarms);
	ASSERT_EQ(0, fab_drain_events(&self->f, &log));
}

/*
 * Group 0 in the reroute map: member 0 on lo (the port that goes quiet),
 * member 1 on ifindex 2, whose silence entry says it received at
 * witness_rx (0: never).
 */
static void rr_group(struct __test_metadata *_metadata, struct fab *f,
		     __u64 witness_rx)
{
	struct fabric_silence_port sp = { 0 };
	static struct fabric_rr rr;
	__u32 zero = 0, two = 2;

	memset(&rr, 0, sizeof(rr));
	rr.n_groups = 1;
	rr.grp[0].flags = FABRIC_RR_G_VALID;
	rr.grp[0].n_members = 2;
	rr.grp[0].m[0].ifindex = FAB_LO_IFINDEX;
	rr.grp[0].m[1].ifindex = 2;
	rr.port[FAB_LO_IFINDEX][0] = 1ULL << fabric_rr_slot(0, 0);
	rr.port[2][0] = 1ULL << fabric_rr_slot(0, 1);
	ASSERT_EQ(0, bpf_map_update_elem(bpf_map__fd(f->skel->maps.fabric_reroute),
					 &zero, &rr, 0));
	sp.last_rx_ns = witness_rx;
	ASSERT_EQ(0, bpf_map_update_elem(bpf_map__fd(f->skel->maps.fabric_silence),
					 &two, &sp, 0));
	f->skel->bss->silence_watch[2] = 1;
	f->skel->bss->silence_reroute = 1;
}

static __u64 rr_verdict(struct __test_metadata *_metadata, struct fab *f,
			__u32 m)
{
	static struct fabric_rr rr;
	__u32 zero = 0;

	EXPECT_EQ(0, bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fabric_reroute),
					 &zero, &rr));
	return rr.grp[0].m[m].verdict;
}

/*
 * The alarm of a busy port that went quiet while another member's port
 * received: the member is declared down (source bpf), the event says so.
 * The witness's last receive is put in the future so that it stays
 * recent however long this test is descheduled.
 */
TEST_F(fab, silence_declares_member_down)
{
	struct fab_opts o = { 0 };
	struct fab_ev_log log;
	__u64 w;

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, true);
	self->f.skel->data->silence_lag_max_ns = 0;
	rr_group(_metadata, &self->f, fab_mono_ns() + 3600ULL * 1000 * MS);
	send_roce(_metadata, &self->f, 20);
	fab_msleep(4 * SILENCE_NS / MS);
	ASSERT_EQ(1, fab_drain_events(&self->f, &log));
	EXPECT_EQ(FABRIC_EV_SILENCE, log.ev[0].type);
	EXPECT_EQ(1, log.ev[0].psn);	/* members declared */
	w = rr_verdict(_metadata, &self->f, 0);
	EXPECT_NE(0, w & FABRIC_RR_V_DOWN);
	EXPECT_EQ(FABRIC_RR_SRC_BPF, (w >> FABRIC_RR_V_SRC_SHIFT) & FABRIC_RR_V_SRC_MASK);
	EXPECT_EQ(0, rr_verdict(_metadata, &self->f, 1));
}

/* No witness (the other port never received): an event, no verdict. */
TEST_F(fab, silence_without_witness_declares_nothing)
{
	struct fab_opts o = { 0 };
	struct fab_ev_log log;

	FAB_UP(&o);
	silence_up(_metadata, &self->f, SILENCE_NS, true);
	self->f.skel->data->silence_lag_max_ns = 0;
	rr_group(_metadata, &self->f, 0);
	send_roce(_metadata, &self->f, 20);
	fab_msleep(4 * SILENCE_NS / MS);
	ASSERT_EQ(1, fab_drain_events(&self->f, &log));
	EXPECT_EQ(FABRIC_EV_SILENCE, log.ev[0].type);
	EXPECT_EQ(0, log.ev[0].psn);
	EXPECT_EQ(0, rr_verdict(_metadata, &self->f, 0));
}

TEST_HARNESS_MAIN
