// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The probe judge (common/probe_judge.h): departures, answers, the
 * node-wide receive evidence and the judgement, at exact times and at
 * every boundary of the stall rule.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "probe_judge.h"

#define US	1000ULL
#define MS	1000000ULL
#define T0	(1ULL << 40)

static const struct fabric_probe_judge_cfg cfg = {
	.timeout_ns = 300 * US,
	.stall_tol_ns = 200 * US,
	.judge_ns = 100 * US,
	.miss_k = 3,
	.recover = 2,
};

static void setup(struct fabric_probe_path *p, struct fabric_probe_host *h)
{
	memset(p, 0, sizeof(*p));
	memset(h, 0, sizeof(*h));
	p->cfg.ifindex = 7;
	p->cfg.group = 1;
}

/* An answer in time elsewhere at t: the receive path was current. */
static void live_at(struct fabric_probe_host *h, __u64 t)
{
	pj_rx_host(h, &cfg, t - 2 * US, 2 * US, t);
}

TEST(cfg_check)
{
	struct fabric_probe_judge_cfg c = cfg;

	EXPECT_EQ(0, pj_cfg_check(&c));
	c.judge_ns = FABRIC_PROBE_JUDGE_MIN_NS - 1;
	EXPECT_EQ(-22, pj_cfg_check(&c));
	c = cfg;
	c.miss_k = 0;
	EXPECT_EQ(-22, pj_cfg_check(&c));
	c = cfg;
	c.timeout_ns = 0;
	EXPECT_EQ(-22, pj_cfg_check(&c));
	c = cfg;
	c.recover = 0;
	EXPECT_EQ(-22, pj_cfg_check(&c));
	c = cfg;
	c.stall_tol_ns = (1ULL << 40) + 1;
	EXPECT_EQ(-22, pj_cfg_check(&c));
}

TEST(answer_in_time_and_late)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	__u64 tx = 0, rtt = 0;

	setup(&p, &h);
	pj_tx(&p, 0, T0);
	pj_tx(&p, 1, T0 + 20 * US);
	EXPECT_EQ(2, p.tx_next);
	EXPECT_EQ(PJ_RX_OK, pj_rx(&p, &cfg, 0, T0 + 300 * US, &tx, &rtt));
	EXPECT_EQ(T0, tx);
	EXPECT_EQ(300 * US, rtt);		/* the boundary is in time */
	pj_rx_host(&h, &cfg, tx, rtt, T0 + 300 * US);
	EXPECT_EQ(T0 + 300 * US, h.rx_live_ns);
	EXPECT_EQ(PJ_RX_LATE, pj_rx(&p, &cfg, 1, T0 + 321 * US, &tx, &rtt));
	EXPECT_EQ(301 * US, rtt);
	pj_rx_host(&h, &cfg, tx, rtt, T0 + 321 * US);
	EXPECT_EQ(T0 + 300 * US, h.rx_live_ns);	/* a late one proves nothing */
	EXPECT_EQ(1, h.charges);
	EXPECT_EQ(1 * US, h.charge_ns);
	EXPECT_EQ(T0 + 20 * US, h.charge_from_ns);
	EXPECT_EQ(T0 + 321 * US, h.charge_to_ns);
	/* duplicate, never sent, and one from the future */
	EXPECT_EQ(PJ_RX_UNMATCHED, pj_rx(&p, &cfg, 1, T0 + MS, &tx, &rtt));
	EXPECT_EQ(PJ_RX_UNMATCHED, pj_rx(&p, &cfg, 5, T0 + MS, &tx, &rtt));
	EXPECT_EQ(PJ_RX_UNMATCHED, pj_rx(&p, &cfg, 1 + FABRIC_PROBE_RING,
					 T0 + MS, &tx, &rtt));
	EXPECT_EQ(3, p.unmatched);
	EXPECT_EQ(2, p.answered);
	EXPECT_EQ(1, p.late);
}

TEST(charge_windows_merge)
{
	struct fabric_probe_host h;

	memset(&h, 0, sizeof(h));
	pj_rx_host(&h, &cfg, T0, 1 * MS, T0 + MS);		/* 700 us over */
	pj_rx_host(&h, &cfg, T0 + 500 * US, 400 * US, T0 + 900 * US);
	EXPECT_EQ(T0, h.charge_from_ns);	/* touching: merged */
	EXPECT_EQ(T0 + MS, h.charge_to_ns);
	EXPECT_EQ(700 * US, h.charge_ns);	/* the worst stays */
	pj_rx_host(&h, &cfg, T0 + 2 * MS, 350 * US, T0 + 2 * MS + 350 * US);
	EXPECT_EQ(T0 + 2 * MS, h.charge_from_ns);	/* apart: a new window */
	EXPECT_EQ(50 * US, h.charge_ns);
	EXPECT_EQ(3, h.charges);
}

/* Overdue, then confirmed by a later answer in time; K makes a candidate. */
TEST(confirmed_misses)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct pj_out o;
	__u64 s;

	setup(&p, &h);
	for (s = 0; s < 3; s++)
		pj_tx(&p, s, T0 + s * 20 * US);
	pj_judge(&p, &h, &cfg, T0 + 300 * US - 1, 0, &o);	/* not due */
	EXPECT_EQ(0, o.missed);
	EXPECT_EQ(1, o.pending);
	EXPECT_EQ(0, p.judged);
	pj_judge(&p, &h, &cfg, T0 + 300 * US, 0, &o);	/* due, unproven */
	EXPECT_EQ(0, o.missed);
	EXPECT_EQ(0, o.stalled);
	live_at(&h, T0 + 300 * US);	/* proof exactly at the deadline */
	pj_judge(&p, &h, &cfg, T0 + 360 * US, 0, &o);
	EXPECT_EQ(1, o.missed);		/* probes 1, 2 still need proof */
	EXPECT_EQ(1, p.judged);
	EXPECT_EQ(T0 + 300 * US, p.miss_from_ns);
	live_at(&h, T0 + 350 * US);
	pj_judge(&p, &h, &cfg, T0 + 360 * US, 0, &o);
	EXPECT_EQ(2, o.missed);
	EXPECT_EQ(0, o.pending);
	EXPECT_EQ(3, p.miss_run);
	EXPECT_EQ(1, o.candidate);
	pj_declare(&p, T0 + 360 * US);
	EXPECT_EQ(FABRIC_PROBE_V_DOWN, p.verdict);
	pj_judge(&p, &h, &cfg, T0 + 400 * US, 0, &o);
	EXPECT_EQ(0, o.candidate);	/* once */
}

/* Unproven for exactly the tolerance: pending; one ns more: stalled. */
TEST(unproven_becomes_stalled)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct pj_out o;

	setup(&p, &h);
	pj_tx(&p, 0, T0);
	pj_judge(&p, &h, &cfg, T0 + 500 * US, 0, &o);
	EXPECT_EQ(0, o.stalled);
	EXPECT_EQ(1, o.pending);
	pj_judge(&p, &h, &cfg, T0 + 500 * US + 1, 0, &o);
	EXPECT_EQ(1, o.stalled);
	EXPECT_EQ(0, o.pending);
	EXPECT_EQ(0, p.missed);
	EXPECT_EQ(0, p.miss_run);
	/* proof that comes afterwards changes nothing */
	live_at(&h, T0 + MS);
	pj_judge(&p, &h, &cfg, T0 + MS, 0, &o);
	EXPECT_EQ(0, p.missed);
}

/* A charge above the tolerance excuses probes in flight during it. */
TEST(charge_excuses_in_flight)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct pj_out o;
	__u64 s;

	setup(&p, &h);
	for (s = 0; s < 4; s++)
		pj_tx(&p, s, T0 + s * 100 * US);
	/* an answer that left at 150 us came back at 1 ms: 550 us over */
	pj_rx_host(&h, &cfg, T0 + 150 * US, 850 * US, T0 + MS);
	live_at(&h, T0 + MS + 10 * US);
	pj_judge(&p, &h, &cfg, T0 + MS + 10 * US, 0, &o);
	/* every probe's flight [tx, tx + 300 us] touches [150 us, 1 ms] */
	EXPECT_EQ(4, o.stalled);
	EXPECT_EQ(0, o.missed);
	/* a charge of exactly the tolerance does not excuse */
	setup(&p, &h);
	pj_tx(&p, 0, T0);
	pj_rx_host(&h, &cfg, T0, 500 * US, T0 + 500 * US);
	EXPECT_EQ(200 * US, h.charge_ns);
	live_at(&h, T0 + 600 * US);
	pj_judge(&p, &h, &cfg, T0 + 600 * US, 0, &o);
	EXPECT_EQ(1, o.missed);
	/* a probe that left after the window closed is not excused */
	setup(&p, &h);
	pj_rx_host(&h, &cfg, T0, MS, T0 + MS);
	pj_tx(&p, 0, T0 + MS + 1);
	live_at(&h, T0 + 2 * MS);
	pj_judge(&p, &h, &cfg, T0 + 2 * MS, 0, &o);
	EXPECT_EQ(1, o.missed);
}

TEST(late_judge_judges_nothing)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct pj_out o;

	setup(&p, &h);
	pj_tx(&p, 0, T0);
	live_at(&h, T0 + MS);
	pj_judge(&p, &h, &cfg, T0 + MS, 200 * US + 1, &o);
	EXPECT_EQ(1, p.late_timer);
	EXPECT_EQ(0, o.missed);
	EXPECT_EQ(1, o.pending);
	pj_judge(&p, &h, &cfg, T0 + MS, 200 * US, &o);	/* boundary: on time */
	EXPECT_EQ(1, o.missed);
}

TEST(answers_reset_and_clear)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct pj_out o;
	__u64 s, tx, rtt;

	setup(&p, &h);
	for (s = 0; s < 3; s++)
		pj_tx(&p, s, T0 + s * US);
	live_at(&h, T0 + MS);
	pj_judge(&p, &h, &cfg, T0 + MS, 0, &o);
	pj_declare(&p, T0 + MS);
	pj_tx(&p, 3, T0 + 2 * MS);
	EXPECT_EQ(PJ_RX_OK, pj_rx(&p, &cfg, 3, T0 + 2 * MS + US, &tx, &rtt));
	EXPECT_EQ(0, p.miss_run);
	EXPECT_EQ(FABRIC_PROBE_V_DOWN, p.verdict);	/* recover = 2 */
	pj_tx(&p, 4, T0 + 3 * MS);
	EXPECT_EQ(PJ_RX_OK | PJ_RX_CLEARED,
		  pj_rx(&p, &cfg, 4, T0 + 3 * MS + US, &tx, &rtt));
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	EXPECT_EQ(1, p.verdicts);
}

TEST(ring_overrun_and_restart)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	__u64 s;

	setup(&p, &h);
	for (s = 0; s < FABRIC_PROBE_RING + 5; s++)
		pj_tx(&p, s, T0 + s * US);
	EXPECT_EQ(5, p.stalled);	/* the judge never ran: forgotten */
	EXPECT_EQ(5, p.judged);
	EXPECT_EQ(FABRIC_PROBE_RING + 5, p.tx_next);
	pj_tx(&p, 0, T0 + MS);	/* the sender restarted */
	EXPECT_EQ(0, p.judged);
	EXPECT_EQ(1, p.tx_next);
	EXPECT_EQ(FABRIC_PROBE_RING + 6, p.sent);
}

TEST(witness)
{
	struct fabric_probe_path p, o;

	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	p.cfg.ifindex = o.cfg.ifindex = 3;
	p.cfg.group = o.cfg.group = 2;
	p.miss_from_ns = T0;
	o.ans_ns = T0;
	EXPECT_EQ(1, pj_witness(&p, &o));
	EXPECT_EQ(0, pj_witness(&p, &p));		/* not itself */
	o.ans_ns = T0 - 1;
	EXPECT_EQ(0, pj_witness(&p, &o));		/* quiet since the run */
	o.ans_ns = T0;
	o.verdict = FABRIC_PROBE_V_DOWN;
	EXPECT_EQ(0, pj_witness(&p, &o));		/* down itself */
	o.verdict = FABRIC_PROBE_V_NONE;
	o.cfg.group = 3;
	EXPECT_EQ(0, pj_witness(&p, &o));		/* another group */
	o.cfg.group = 2;
	o.cfg.ifindex = 0;
	EXPECT_EQ(0, pj_witness(&p, &o));		/* unused slot */
}

/*
 * The false DOWN seen on a loaded 6.12 TCG guest (5 ms interval, 50 ms
 * timeout, K = 5): the path's answers sat behind a stalled vCPU while
 * another path's answers, processed on the other vCPU, proved the node's
 * receive path current; five misses were confirmed and declared, and the
 * answers came afterwards. The first answer to a probe counted missed
 * proves the link carried it: the miss is undone and the verdict that
 * rested on it goes at once, without waiting for `recover` answers.
 */
static const struct fabric_probe_judge_cfg guest_cfg = {
	.timeout_ns = 50 * MS,
	.stall_tol_ns = 100 * MS,
	.judge_ns = 5 * MS,
	.miss_k = 5,
	.recover = 3,
};

TEST(false_down_undone_by_late_answers)
{
	struct fabric_probe_path p, b;
	struct fabric_probe_host h;
	struct pj_out o;
	__u64 s, tx, rtt;
	int r;

	setup(&p, &h);
	memset(&b, 0, sizeof(b));
	b.cfg.ifindex = 8;
	b.cfg.group = 1;
	for (s = 0; s < 5; s++)
		pj_tx(&p, s, T0 + s * 5 * MS);
	/* the other path answers in time after all five deadlines */
	pj_rx_host(&h, &guest_cfg, T0 + 71 * MS, 1 * MS, T0 + 72 * MS);
	b.ans_ns = T0 + 72 * MS;
	pj_judge(&p, &h, &guest_cfg, T0 + 75 * MS, 0, &o);
	EXPECT_EQ(5, o.missed);
	ASSERT_EQ(1, o.candidate);
	ASSERT_EQ(1, pj_witness(&p, &b));
	pj_declare(&p, T0 + 75 * MS);
	/* then the held answers arrive, all of them */
	r = pj_rx(&p, &guest_cfg, 0, T0 + 80 * MS, &tx, &rtt);
	EXPECT_EQ(PJ_RX_LATE, r & 0xf);
	EXPECT_NE(0, r & PJ_RX_CLEARED);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	EXPECT_EQ(0, p.miss_run);
	for (s = 1; s < 5; s++)
		EXPECT_EQ(PJ_RX_LATE, pj_rx(&p, &guest_cfg, s, T0 + 80 * MS,
					    &tx, &rtt) & 0xf);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	EXPECT_EQ(1, p.verdicts);
	EXPECT_EQ(5, p.undone);
	EXPECT_EQ(1, p.false_verdicts);
}

/*
 * The per-CPU cases' start (guest_cfg): probe 0 answered in time on
 * CPU 1, the path's receive CPU, at 1 ms; probes 1..5 sent every 5 ms
 * from 5 ms on. Returns pj_rx's answer to probe 0.
 */
static int setup_on_cpu1(struct fabric_probe_path *p, struct fabric_probe_host *h)
{
	__u64 s, tx = 0, rtt = 0;
	int r;

	setup(p, h);
	pj_tx(p, 0, T0);
	r = pj_rx(p, &guest_cfg, 0, T0 + MS, &tx, &rtt);
	pj_rx_cpu(p, 1);
	pj_rx_host_cpu(h, &guest_cfg, tx, rtt, T0 + MS, 1);
	for (s = 1; s < 6; s++)
		pj_tx(p, s, T0 + s * 5 * MS);
	return r;
}

/*
 * The same guest run with the proof taken per receive CPU: the path's
 * answers are processed on CPU 1 (stalled), the other path's on CPU 0.
 * CPU 0's liveness proves nothing about CPU 1's backlog: the misses stay
 * pending, the held answers arrive late and their charge excuses the
 * rest, and no candidate is ever made.
 */
TEST(proof_from_the_paths_own_cpu)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h, v;
	struct pj_out o;
	__u64 s, tx = 0, rtt = 0, now;
	int candidates = 0;

	/* one answer in time on CPU 1 earlier: the path's receive CPU */
	ASSERT_EQ(PJ_RX_OK, setup_on_cpu1(&p, &h));
	/* CPU 0 keeps answering in time through CPU 1's stall */
	for (now = T0 + 60 * MS; now <= T0 + 95 * MS; now += 5 * MS) {
		pj_rx_host_cpu(&h, &guest_cfg, now - MS, MS, now, 0);
		pj_host_view(&h, &p, &guest_cfg, &v);
		pj_judge(&p, &v, &guest_cfg, now, 0, &o);
		candidates += o.candidate;
		EXPECT_EQ(0, o.missed);
	}
	EXPECT_EQ(T0 + MS, v.rx_live_ns);	/* CPU 1's, not CPU 0's */
	/* CPU 1 runs again: its backlog comes out, late */
	for (s = 1; s < 6; s++) {
		now = T0 + 96 * MS;
		EXPECT_EQ(PJ_RX_LATE, pj_rx(&p, &guest_cfg, s, now, &tx, &rtt));
		pj_rx_cpu(&p, 1);
		pj_rx_host_cpu(&h, &guest_cfg, tx, rtt, now, 1);
	}
	pj_host_view(&h, &p, &guest_cfg, &v);
	pj_judge(&p, &v, &guest_cfg, T0 + 100 * MS, 0, &o);
	candidates += o.candidate;
	EXPECT_EQ(0, candidates);
	EXPECT_EQ(0, p.missed);
	EXPECT_EQ(FABRIC_PROBE_V_NONE, p.verdict);
	/* a path with no answer yet takes the node-wide proof */
	setup(&p, &h);
	pj_rx_host_cpu(&h, &guest_cfg, T0, MS, T0 + MS, 3);
	pj_host_view(&h, &p, &guest_cfg, &v);
	EXPECT_EQ(T0 + MS, v.rx_live_ns);
	EXPECT_EQ(T0 + MS, h.rx_live_cpu[3]);
	EXPECT_EQ(0, h.rx_live_cpu[4]);
}

/* A blackhole on a path whose receive CPU is current is still found. */
TEST(blackhole_found_with_per_cpu_proof)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h, v;
	struct pj_out o;

	ASSERT_EQ(PJ_RX_OK, setup_on_cpu1(&p, &h));
	/* another path answers in time on the same CPU after the deadlines */
	pj_rx_host_cpu(&h, &guest_cfg, T0 + 79 * MS, MS, T0 + 80 * MS, 1);
	pj_host_view(&h, &p, &guest_cfg, &v);
	pj_judge(&p, &v, &guest_cfg, T0 + 80 * MS, 0, &o);
	EXPECT_EQ(5, o.missed);
	EXPECT_EQ(1, o.candidate);
}

/*
 * The path's CPU goes quiet (only this blackholed path answered there):
 * once it has been silent for stall_tol while the node answered, the
 * node-wide proof counts, before the probes would be dropped as stalled.
 */
TEST(quiet_cpu_falls_back_to_node_proof)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h, v;
	struct pj_out o;
	__u64 now;

	ASSERT_EQ(PJ_RX_OK, setup_on_cpu1(&p, &h));
	for (now = T0 + 60 * MS; now <= T0 + 101 * MS; now += 5 * MS) {
		pj_rx_host_cpu(&h, &guest_cfg, now - MS, MS, now, 0);
		pj_host_view(&h, &p, &guest_cfg, &v);
		pj_judge(&p, &v, &guest_cfg, now, 0, &o);
		EXPECT_EQ(0, o.missed);		/* silent < stall_tol: wait */
	}
	now = T0 + 102 * MS;
	pj_rx_host_cpu(&h, &guest_cfg, now - MS, MS, now, 0);
	pj_host_view(&h, &p, &guest_cfg, &v);
	EXPECT_EQ(now, v.rx_live_ns);
	pj_judge(&p, &v, &guest_cfg, now, 0, &o);
	EXPECT_EQ(5, o.missed);
	EXPECT_EQ(0, o.stalled);
	EXPECT_EQ(1, o.candidate);
}

/* An answer to a miss outside the verdict's run leaves the verdict. */
TEST(undo_outside_the_run_keeps_verdict)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct pj_out o;
	__u64 s, tx, rtt;

	setup(&p, &h);
	pj_tx(&p, 0, T0);
	live_at(&h, T0 + 400 * US);
	pj_judge(&p, &h, &cfg, T0 + 400 * US, 0, &o);
	EXPECT_EQ(1, o.missed);
	pj_tx(&p, 1, T0 + 500 * US);		/* answered: the run breaks */
	EXPECT_EQ(PJ_RX_OK, pj_rx(&p, &cfg, 1, T0 + 510 * US, &tx, &rtt));
	for (s = 2; s < 5; s++)
		pj_tx(&p, s, T0 + MS + s * US);
	live_at(&h, T0 + 2 * MS);
	pj_judge(&p, &h, &cfg, T0 + 2 * MS, 0, &o);
	ASSERT_EQ(1, o.candidate);
	pj_declare(&p, T0 + 2 * MS);
	/* probe 0's answer, very late: it was not part of the run */
	EXPECT_EQ(PJ_RX_LATE, pj_rx(&p, &cfg, 0, T0 + 3 * MS, &tx, &rtt) & 0xf);
	EXPECT_EQ(FABRIC_PROBE_V_DOWN, p.verdict);
	EXPECT_EQ(1, p.undone);
	EXPECT_EQ(0, p.false_verdicts);
}

/* Random departures, answers and judgements: the invariants hold. */
TEST(random_walk)
{
	struct fabric_probe_path p;
	struct fabric_probe_host h;
	struct pj_out o;
	__u64 now = T0, seq = 0, tx, rtt, x = 88172645463325252ULL;
	int i;

	setup(&p, &h);
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		now += (x >> 40) % (50 * US);
		switch (x % 4) {
		case 0:
		case 1:
			pj_tx(&p, seq++, now);
			break;
		case 2:
			if (seq && pj_rx(&p, &cfg, seq - 1 - ((x >> 8) % 8), now,
					 &tx, &rtt) != PJ_RX_UNMATCHED)
				pj_rx_host(&h, &cfg, tx, rtt, now);
			break;
		default:
			pj_judge(&p, &h, &cfg, now, (x >> 20) % (300 * US), &o);
			if (o.candidate)
				pj_declare(&p, now);
			ASSERT_LE(o.missed + o.stalled, FABRIC_PROBE_RING);
		}
		ASSERT_LE(p.judged, p.tx_next);
		ASSERT_LE(p.tx_next - p.judged, FABRIC_PROBE_RING);
		ASSERT_LE(p.answered + p.unmatched, p.sent + (__u64)i);
		ASSERT_LE(p.missed + p.stalled + p.answered, p.sent + p.late + p.stalled);
	}
	EXPECT_LT(0, p.missed);
	EXPECT_LT(0, p.stalled);
	EXPECT_LT(0, p.answered);
}

TEST_HARNESS_MAIN
