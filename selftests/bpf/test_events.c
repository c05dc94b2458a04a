// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ringbuf events: PSN-gap and NAK records field by field, the per-flow rate
 * limit (events_suppressed), a full ringbuf (events_lost) and the real
 * clock when no override is set.
 */
#include <time.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "fab_check.h"

#define RC(op)		(ROCE_TRANSPORT_RC << 5 | (op))
#define MAX_EVENTS	128
#define MS		1000000ULL

struct ev_log {
	int n;
	struct fabric_event ev[MAX_EVENTS];
	int bad_size;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct ev_log *log = ctx;

	if (size != sizeof(struct fabric_event)) {
		log->bad_size++;
		return 0;
	}
	if (log->n < MAX_EVENTS)
		memcpy(&log->ev[log->n], data, size);
	log->n++;
	return 0;
}

/* Drain the ringbuf into @log; returns the records consumed. */
static int drain(struct __test_metadata *_metadata, struct fab *f,
		 struct ev_log *log)
{
	struct ring_buffer *rb;
	int n;

	memset(log, 0, sizeof(*log));
	rb = ring_buffer__new(bpf_map__fd(f->skel->maps.fabric_events),
			      on_event, log, NULL);
	ASSERT_NE(NULL, rb);
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	ASSERT_EQ(0, log->bad_size);
	ASSERT_EQ(n, log->n);
	return n;
}

static void want_event(struct fabric_event *w, const struct pkt_spec *s,
		       __u16 type, __u64 ts, __u32 node)
{
	struct fabric_flow_key key;

	pkt_spec_key(s, &key);
	memset(w, 0, sizeof(*w));
	w->ts_ns = ts;
	w->node_id = node;
	w->ifindex = FAB_LO_IFINDEX;
	w->type = type;
	w->family = s->ipver == 4 ? FABRIC_AF_INET : FABRIC_AF_INET6;
	w->qp = s->qp;
	memcpy(w->src, key.src, 16);
	memcpy(w->dst, key.dst, 16);
	w->psn = s->psn;
}

static void check_event(struct __test_metadata *_metadata,
			const struct fabric_event *got,
			const struct fabric_event *want)
{
	CHECK_FIELD(got, want, ts_ns);
	CHECK_FIELD(got, want, node_id);
	CHECK_FIELD(got, want, ifindex);
	CHECK_FIELD(got, want, type);
	CHECK_FIELD(got, want, family);
	CHECK_FIELD(got, want, syndrome);
	CHECK_FIELD(got, want, qp);
	CHECK_FIELD(got, want, psn);
	CHECK_FIELD(got, want, expected_psn);
	CHECK_FIELD(got, want, missing);
	CHECK_FIELD(got, want, flow_gaps);
	CHECK_FIELD(got, want, flow_naks);
	CHECK_FIELD(got, want, pad);
	ASSERT_EQ(0, memcmp(got, want, sizeof(*got))) ON_FAIL;
}

static void send_psn(struct __test_metadata *_metadata, struct fab *f,
		     struct pkt_spec *s, __u32 psn)
{
	s->psn = psn;
	xdp_send(_metadata, f, s);
}

TEST_F(fab, gap_event_fields)
{
	struct fab_opts o = { .node_id = 0xfab1, .event_interval_ns = 0 };
	struct fabric_event want;
	struct ev_log log;
	struct pkt_spec s;

	FAB_UP(&o);
	pkt_spec_init(&s, 6);
	s.qp = 0xabcdef;
	send_psn(_metadata, &self->f, &s, 10);
	fab_set_clock(&self->f, FAB_T0 + 777);
	send_psn(_metadata, &self->f, &s, 15);		/* 11..14 lost */
	fab_set_clock(&self->f, FAB_T0 + 999);
	send_psn(_metadata, &self->f, &s, 0x800015);	/* behind: no event */
	send_psn(_metadata, &self->f, &s, 18);		/* 16, 17 lost */

	ASSERT_EQ(2, drain(_metadata, &self->f, &log));
	want_event(&want, &s, FABRIC_EV_PSN_GAP, FAB_T0 + 777, 0xfab1);
	want.psn = 15;
	want.expected_psn = 11;
	want.missing = 4;
	want.flow_gaps = 1;
	check_event(_metadata, &log.ev[0], &want);
	want.ts_ns = FAB_T0 + 999;
	want.psn = 18;
	want.expected_psn = 16;
	want.missing = 2;
	want.flow_gaps = 2;
	check_event(_metadata, &log.ev[1], &want);
}

/* After a READ without a known PMTU the slack is not reported missing. */
TEST_F(fab, gap_event_after_read)
{
	struct fab_opts o = { .event_interval_ns = 0 };
	struct fabric_event want;
	struct ev_log log;
	struct pkt_spec s;

	FAB_UP(&o);
	pkt_spec_init(&s, 4);
	s.opcode = RC(ROCE_OP_READ_REQUEST);
	s.dma_len = 1024;				/* up to 4 PSNs */
	send_psn(_metadata, &self->f, &s, 0xfffffe);
	s.opcode = RC(ROCE_OP_SEND_ONLY);
	send_psn(_metadata, &self->f, &s, 5);		/* 2..4 lost */
	ASSERT_EQ(1, drain(_metadata, &self->f, &log));
	want_event(&want, &s, FABRIC_EV_PSN_GAP, FAB_T0, 0);
	want.psn = 5;
	want.expected_psn = 0xffffff;
	want.missing = 3;
	want.flow_gaps = 1;
	check_event(_metadata, &log.ev[0], &want);
}

TEST_F(fab, nak_event_fields)
{
	struct fab_opts o = { .node_id = 3, .event_interval_ns = 0 };
	static const __u8 syn[] = { 0x00, 0x60, 0x1f, 0x2c, 0x40, 0x63, 0xe0 };
	struct fabric_dp_stats st, want_st = { .flow_inserts = 1 };
	struct fabric_event want;
	struct ev_log log;
	struct pkt_spec s;
	unsigned int i;
	__u32 naks = 0;
	int n = 0;

	FAB_UP(&o);
	pkt_spec_init(&s, 4);
	s.opcode = RC(ROCE_OP_ACKNOWLEDGE);
	for (i = 0; i < sizeof(syn); i++) {
		fab_set_clock(&self->f, FAB_T0 + i);
		s.syndrome = syn[i];
		send_psn(_metadata, &self->f, &s, 0x100 + i);
	}
	ASSERT_EQ(3, drain(_metadata, &self->f, &log));
	for (i = 0; i < sizeof(syn); i++) {
		__u8 class = syn[i] >> 5;

		if (class != 1 && class != 3)
			continue;		/* ACKs and reserved: no event */
		FAB_CTX("syndrome 0x%02x", syn[i]);
		s.syndrome = syn[i];
		s.psn = 0x100 + i;
		want_event(&want, &s, FABRIC_EV_NAK, FAB_T0 + i, 3);
		want.syndrome = syn[i];
		want.expected_psn = s.psn;
		want.flow_naks = ++naks;
		check_event(_metadata, &log.ev[n++], &want);
	}
	want_st.events_sent = 3;
	get_stats(_metadata, &self->f, &st);
	check_stats(_metadata, &st, &want_st);
}

/* One event per flow per event_interval_ns; the counters still count. */
TEST_F(fab, rate_limit_per_flow)
{
	struct fab_opts o = { .event_interval_ns = 10 * MS };
	struct fabric_dp_stats st, want_st = { .flow_inserts = 2 };
	struct fabric_flow got;
	struct pkt_spec a, b;
	struct ev_log log;

	FAB_UP(&o);
	pkt_spec_init(&a, 4);
	pkt_spec_init(&b, 4);
	pkt_spec_flow(&b, 1);
	send_psn(_metadata, &self->f, &a, 0);
	send_psn(_metadata, &self->f, &b, 0);
	send_psn(_metadata, &self->f, &a, 2);		/* sent */
	fab_set_clock(&self->f, FAB_T0 + 3 * MS);
	send_psn(_metadata, &self->f, &a, 4);		/* suppressed */
	send_psn(_metadata, &self->f, &b, 2);		/* other flow: sent */
	fab_set_clock(&self->f, FAB_T0 + 8 * MS);
	send_psn(_metadata, &self->f, &a, 6);		/* suppressed */
	fab_set_clock(&self->f, FAB_T0 + 21 * MS);
	send_psn(_metadata, &self->f, &a, 8);		/* sent again */
	send_psn(_metadata, &self->f, &a, 10);		/* suppressed */

	ASSERT_EQ(3, drain(_metadata, &self->f, &log));
	ASSERT_EQ(FAB_T0, log.ev[0].ts_ns);
	ASSERT_EQ(2, log.ev[0].psn);
	ASSERT_EQ(FAB_T0 + 3 * MS, log.ev[1].ts_ns);
	ASSERT_EQ(b.saddr[3], log.ev[1].src[15]);
	ASSERT_EQ(FAB_T0 + 21 * MS, log.ev[2].ts_ns);
	ASSERT_EQ(8, log.ev[2].psn);
	ASSERT_EQ(4, log.ev[2].flow_gaps);

	want_st.events_sent = 3;
	want_st.events_suppressed = 3;
	get_stats(_metadata, &self->f, &st);
	check_stats(_metadata, &st, &want_st);
	get_flow(_metadata, &self->f, &a, &got);
	ASSERT_EQ(5, got.psn_gaps);
	ASSERT_EQ(5, got.psn_missing);
}

/*
 * A full ringbuf drops events and counts them. Each record takes its size
 * plus the kernel's 8-byte header, rounded up to 8: a 4 KiB ringbuf holds
 * 4096 / 88 = 46 of them.
 */
TEST_F(fab, ringbuf_full_counts_lost)
{
	struct fab_opts o = { .event_interval_ns = 0, .ringbuf_size = 4096 };
	const __u32 rec = (sizeof(struct fabric_event) + 8 + 7) & ~7U;
	const __u32 fits = 4096 / rec, naks = 60;
	struct fabric_dp_stats st, want_st = { .flow_inserts = 1 };
	struct ev_log log;
	struct pkt_spec s;
	__u32 i;

	FAB_UP(&o);
	ASSERT_LT(fits, naks);
	pkt_spec_init(&s, 6);
	s.opcode = RC(ROCE_OP_ACKNOWLEDGE);
	s.syndrome = 0x60;
	for (i = 0; i < naks; i++)
		send_psn(_metadata, &self->f, &s, i);

	want_st.events_sent = fits;
	want_st.events_lost = naks - fits;
	get_stats(_metadata, &self->f, &st);
	check_stats(_metadata, &st, &want_st);

	ASSERT_EQ(fits, drain(_metadata, &self->f, &log));
	ASSERT_EQ(fits - 1, log.ev[fits - 1].psn);
	ASSERT_EQ(fits, log.ev[fits - 1].flow_naks);

	/* drained: room again */
	send_psn(_metadata, &self->f, &s, naks);
	ASSERT_EQ(1, drain(_metadata, &self->f, &log));
	ASSERT_EQ(naks, log.ev[0].psn);
	ASSERT_EQ(naks + 1, log.ev[0].flow_naks);
	want_st.events_sent++;
	get_stats(_metadata, &self->f, &st);
	check_stats(_metadata, &st, &want_st);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Without an override the data path stamps CLOCK_MONOTONIC. */
static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Events carry the precise clock; flow and port stamps the coarse one. */
TEST_F(fab, real_clock)
{
	struct fab_opts o = { .event_interval_ns = 0 };
	struct fabric_port_counters pc;
	struct fabric_flow got;
	struct ev_log log;
	struct pkt_spec s;
	__u64 t0, t1, c0, c1;

	FAB_UP(&o);
	fab_set_clock(&self->f, 0);
	pkt_spec_init(&s, 4);
	c0 = coarse_ns();
	t0 = mono_ns();
	send_psn(_metadata, &self->f, &s, 1);
	send_psn(_metadata, &self->f, &s, 3);
	t1 = mono_ns();
	c1 = coarse_ns();

	ASSERT_EQ(1, drain(_metadata, &self->f, &log));
	ASSERT_LE(t0, log.ev[0].ts_ns);
	ASSERT_GE(t1, log.ev[0].ts_ns);
	get_flow(_metadata, &self->f, &s, &got);
	ASSERT_LE(c0, got.first_seen_ns);
	ASSERT_LE(got.first_seen_ns, got.last_seen_ns);
	ASSERT_GE(c1, got.last_seen_ns);
	get_port(_metadata, &self->f, &pc);
	ASSERT_EQ(got.last_seen_ns, pc.rx_last_ns);
}

TEST_HARNESS_MAIN
