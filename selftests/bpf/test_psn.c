// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Request-PSN tracking through the XDP program: wraparound at 2^24, gaps,
 * duplicates and go-back-N retransmissions, READ requests that consume
 * several PSNs (lenient without a PMTU, exact with one), non-requests.
 */
#include "kselftest_harness.h"
#include "fab_check.h"

#define RC(op)	(ROCE_TRANSPORT_RC << 5 | (op))
#define UD(op)	(ROCE_TRANSPORT_UD << 5 | (op))

struct step {
	__u8	opcode;
	__u32	psn;
	__u32	dma_len;
};

#define SEND(p)		{ RC(ROCE_OP_SEND_ONLY), (p), 0 }
#define WRITE(p)	{ RC(ROCE_OP_WRITE_MIDDLE), (p), 0 }
#define READ(p, l)	{ RC(ROCE_OP_READ_REQUEST), (p), (l) }

/* Counters a sequence should leave in the flow record. */
struct psn_want {
	__u32	next_psn;
	__u32	read_slack;
	__u32	gaps, missing, dups, rewinds;
	__u32	acks, cnp;
	__u64	events;
};

static void run_steps(struct __test_metadata *_metadata, struct fab *f,
		      const struct step *st, int n, const struct psn_want *pw)
{
	struct fabric_dp_stats stats, want_st = { .flow_inserts = 1 };
	struct fabric_flow got, want;
	struct pkt_spec s;
	__u64 bytes = 0;
	int i;

	pkt_spec_init(&s, 4);
	for (i = 0; i < n; i++) {
		s.opcode = st[i].opcode;
		s.psn = st[i].psn;
		s.dma_len = st[i].dma_len;
		bytes += xdp_send(_metadata, f, &s);
	}
	get_flow(_metadata, f, &s, &got);
	flow_want(&want, &s, n, bytes, FAB_T0);
	want.next_psn = pw->next_psn;
	want.read_slack = pw->read_slack;
	want.psn_gaps = pw->gaps;
	want.psn_missing = pw->missing;
	want.psn_dups = pw->dups;
	want.psn_rewinds = pw->rewinds;
	want.acks = pw->acks;
	want.cnp = pw->cnp;
	check_flow(_metadata, &got, &want);
	want_st.events_sent = pw->events;
	get_stats(_metadata, f, &stats);
	check_stats(_metadata, &stats, &want_st);
}

#define RUN(o, steps, ...) do {						\
	const struct psn_want __pw = { __VA_ARGS__ };			\
	FAB_UP(o);							\
	run_steps(_metadata, &self->f, steps,				\
		  sizeof(steps) / sizeof(steps[0]), &__pw);		\
} while (0)

#define V(psn)	(FABRIC_PSN_VALID | (psn))

TEST_F(fab, in_order)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(1000), WRITE(1001), WRITE(1002), SEND(1003), SEND(1004),
	};

	RUN(&o, st, .next_psn = V(1005));
}

TEST_F(fab, first_packet_sets_expectation)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = { SEND(0xabcdef) };

	RUN(&o, st, .next_psn = V(0xabcdf0));
}

TEST_F(fab, wraparound_no_gap)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(0xfffffe), SEND(0xffffff), SEND(0), SEND(1),
	};

	RUN(&o, st, .next_psn = V(2));
}

TEST_F(fab, wraparound_gap)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = { SEND(0xfffffd), SEND(2) };

	/* 0xfffffe, 0xffffff, 0, 1 missing */
	RUN(&o, st, .next_psn = V(3), .gaps = 1, .missing = 4, .events = 1);
}

TEST_F(fab, gaps)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(10), SEND(11), SEND(15), SEND(16), SEND(18), SEND(19),
		SEND(1019),
	};

	RUN(&o, st, .next_psn = V(1020), .gaps = 3, .missing = 3 + 1 + 999,
	    .events = 3);
}

/* A jump of less than half the PSN space is a gap... */
TEST_F(fab, just_under_half_is_gap)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(0), SEND(0x7fffff), SEND(0x800000),
	};

	/* 0x7fffff is ahead by 0x7ffffe; 0x800000 is then right on time */
	RUN(&o, st, .next_psn = V(0x800001), .gaps = 1, .missing = 0x7ffffe,
	    .events = 1);
}

/* ...one of half or more reads as going backwards. */
TEST_F(fab, half_space_backwards)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = { SEND(0x100), SEND(0x900101) };

	/* 0x900101 - 0x101 = 0x900000 >= 2^23: behind, not ahead */
	RUN(&o, st, .next_psn = V(0x101) | FABRIC_PSN_REWOUND, .dups = 1,
	    .rewinds = 1);
}

TEST_F(fab, duplicate)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(5), SEND(6), SEND(6), SEND(7),
	};

	RUN(&o, st, .next_psn = V(8), .dups = 1, .rewinds = 1);
}

/* Go-back-N: the requester replays from the NAKed PSN, twice. */
TEST_F(fab, go_back_n)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(100), SEND(101), SEND(102), SEND(103), SEND(104),
		SEND(102), SEND(103), SEND(104), SEND(105), SEND(106),
		SEND(104), SEND(105), SEND(106), SEND(107),
	};

	RUN(&o, st, .next_psn = V(108), .dups = 3 + 3, .rewinds = 2);
}

/* A run of duplicates still behind the expectation is one rewind. */
TEST_F(fab, rewind_flag_kept)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(100), SEND(101), SEND(102), SEND(99), SEND(100),
	};

	RUN(&o, st, .next_psn = V(103) | FABRIC_PSN_REWOUND, .dups = 2,
	    .rewinds = 1);
}

TEST_F(fab, retransmission_across_wrap)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(0xfffffe), SEND(0xffffff), SEND(0), SEND(1),
		SEND(0xffffff), SEND(0), SEND(1), SEND(2),
	};

	RUN(&o, st, .next_psn = V(3), .dups = 3, .rewinds = 1);
}

/*
 * read_pmtu unknown: a READ of 4096 bytes consumes one PSN and may consume
 * up to 4096 / 256 - 1 = 15 more; none of them is a gap.
 */
TEST_F(fab, read_lenient_full_slack)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = { READ(50, 4096), SEND(66), SEND(67) };

	RUN(&o, st, .next_psn = V(68));
}

TEST_F(fab, read_lenient_less_used)
{
	struct fab_opts o = { 0 };
	/* the real PMTU was 4096: one response, next request right after */
	static const struct step st[] = { READ(50, 4096), SEND(51) };

	RUN(&o, st, .next_psn = V(52));
}

TEST_F(fab, read_lenient_beyond_slack)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = { READ(50, 4096), SEND(70) };

	/* responses use 50..65, so 66..69 are missing */
	RUN(&o, st, .next_psn = V(71), .gaps = 1, .missing = 4, .events = 1);
}

TEST_F(fab, read_lenient_slack_pending)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = { SEND(1), READ(2, 1000) };

	RUN(&o, st, .next_psn = V(3), .read_slack = 3);
}

TEST_F(fab, read_lenient_slack_consumed_once)
{
	struct fab_opts o = { 0 };
	/* the slack applies to the request right after the READ only */
	static const struct step st[] = {
		READ(0xfffff0, 4096), SEND(0xfffff8), SEND(0xfffffb),
	};

	RUN(&o, st, .next_psn = V(0xfffffc), .gaps = 1, .missing = 2,
	    .events = 1);
}

TEST_F(fab, read_lenient_back_to_back)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		READ(0xfffffa, 1024), READ(0xfffffe, 1024), READ(2, 256),
		SEND(3),
	};

	RUN(&o, st, .next_psn = V(4));
}

TEST_F(fab, read_exact_pmtu)
{
	struct fab_opts o = { .read_pmtu = 1024 };
	static const struct step st[] = {
		READ(0xfffffe, 4096), SEND(2), READ(3, 0), READ(4, 1025),
		SEND(6),
	};

	RUN(&o, st, .next_psn = V(7));
}

TEST_F(fab, read_exact_pmtu_gap)
{
	struct fab_opts o = { .read_pmtu = 1024 };
	/* the READ used 100..103: 104 is expected, 105 is one missing */
	static const struct step st[] = { READ(100, 4096), SEND(105) };

	RUN(&o, st, .next_psn = V(106), .gaps = 1, .missing = 1, .events = 1);
}

TEST_F(fab, read_exact_pmtu_early)
{
	struct fab_opts o = { .read_pmtu = 1024 };
	/* with the PMTU known, a request inside the READ's PSNs is behind */
	static const struct step st[] = { READ(100, 4096), SEND(102) };

	RUN(&o, st, .next_psn = V(104) | FABRIC_PSN_REWOUND, .dups = 1,
	    .rewinds = 1);
}

/* Responses, ACKs, CNPs and UD never touch the request PSN state. */
TEST_F(fab, non_requests_not_tracked)
{
	struct fab_opts o = { 0 };
	static const struct step st[] = {
		SEND(10),
		{ RC(ROCE_OP_READ_RESPONSE_FIRST), 500, 0 },
		{ RC(ROCE_OP_READ_RESPONSE_LAST), 501, 0 },
		{ RC(ROCE_OP_ACKNOWLEDGE), 3, 0 },
		{ ROCE_OPCODE_CNP, 0, 0 },
		{ UD(ROCE_OP_SEND_ONLY), 900, 0 },
		SEND(11),
	};

	RUN(&o, st, .next_psn = V(12), .acks = 1, .cnp = 1);
}

TEST_HARNESS_MAIN
