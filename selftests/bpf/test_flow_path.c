// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Passive evidence by path (bpf/flow_path.h): tc egress learns the port a
 * flow's requests leave by; a NAK on the reverse flow, a PSN gap and a
 * retransmission on the flow are charged to that port, not to the port
 * they arrive on. Unknown and ambiguous paths fall back to the arrival
 * port and are counted. The ports are a veth pair in a private network
 * namespace (the harness runs each test in its own process); the
 * forward flow's own requests arrive on lo, as from a host.
 */
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "fab_check.h"

#define RC(op)		(ROCE_TRANSPORT_RC << 5 | (op))
#define NAK_SEQ		(ROCE_AETH_NAK << 5 | ROCE_NAK_PSN_SEQ_ERR)
#define MAX_EVENTS	16
#define SEC_NS		1000000000ULL

struct ev_log {
	int n;
	struct fabric_event ev[MAX_EVENTS];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct ev_log *log = ctx;

	if (size == sizeof(struct fabric_event) && log->n < MAX_EVENTS)
		memcpy(&log->ev[log->n++], data, size);
	return 0;
}

static void drain(struct __test_metadata *_metadata, struct fab *f,
		  struct ev_log *log)
{
	struct ring_buffer *rb;

	memset(log, 0, sizeof(*log));
	rb = ring_buffer__new(bpf_map__fd(f->skel->maps.fabric_events),
			      on_event, log, NULL);
	ASSERT_NE(NULL, rb);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

/* Two ports, A and B: a veth pair in a new netns. */
static void two_ports(struct __test_metadata *_metadata, __u32 *a, __u32 *b)
{
	if (unshare(CLONE_NEWNET))
		SKIP(return, "no network namespaces: %s", strerror(errno));
	ASSERT_EQ(0, system("ip link add bfp0 type veth peer name bfp1 && "
			    "ip link set bfp0 up && ip link set bfp1 up"));
	*a = if_nametoindex("bfp0");
	*b = if_nametoindex("bfp1");
	ASSERT_NE(0, *a);
	ASSERT_NE(0, *b);
	ASSERT_GT(FABRIC_PORT_SLOTS, *b);
}

/* The forward flow: 10.0.0.1 -> 10.0.0.2, QP 0x123, RC SEND ONLY. */
static void fwd_spec(struct pkt_spec *s, __u32 psn)
{
	pkt_spec_init(s, 4);
	s->psn = psn;
}

/* A NAK(PSN sequence error) of the reverse flow, to the requester's QP. */
static void nak_spec(struct pkt_spec *s, __u32 requester_qp)
{
	struct pkt_spec f;

	pkt_spec_init(&f, 4);
	pkt_spec_init(s, 4);
	memcpy(s->saddr, f.daddr, 16);
	memcpy(s->daddr, f.saddr, 16);
	s->qp = requester_qp;
	s->opcode = RC(ROCE_OP_ACKNOWLEDGE);
	s->syndrome = NAK_SEQ;
	s->psn = 7;
}

static void tc_send(struct __test_metadata *_metadata, struct fab *f,
		    const struct pkt_spec *s, __u32 ifindex)
{
	static __u8 buf[PKT_MAX];
	struct __sk_buff ctx = { .ifindex = ifindex };
	struct pkt_layout lay;
	size_t len = pkt_build(s, buf, sizeof(buf), &lay);
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = buf,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);

	ASSERT_NE(0, len);
	ASSERT_EQ(0, bpf_prog_test_run_opts(
			bpf_program__fd(f->skel->progs.fabric_tc_tx), &opts));
	ASSERT_EQ(FAB_TC_ACT_UNSPEC, opts.retval);
}

static void xdp_send_on(struct __test_metadata *_metadata, struct fab *f,
			const struct pkt_spec *s, __u32 ifindex)
{
	static __u8 buf[PKT_MAX];
	struct pkt_layout lay;
	size_t len = pkt_build(s, buf, sizeof(buf), &lay);
	__u32 ret;

	ASSERT_NE(0, len);
	ASSERT_EQ(0, fab_xdp_run_on(f, buf, len, ifindex, &ret));
	ASSERT_EQ(FAB_XDP_PASS, ret);
}

/* Per-CPU evidence of a port, summed. */
static void evidence(struct __test_metadata *_metadata, struct fab *f,
		     __u32 ifindex, struct fabric_path_evidence *out)
{
	int fd = bpf_map__fd(f->skel->maps.fabric_pathev);
	struct fabric_path_evidence *v;
	int cpu, i;

	v = calloc(f->ncpus, sizeof(*v));
	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, bpf_map_lookup_elem(fd, &ifindex, v));
	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < f->ncpus; cpu++)
		for (i = 0; i < (int)(sizeof(*out) / 8); i++)
			((__u64 *)out)[i] += ((__u64 *)&v[cpu])[i];
	free(v);
}

static void check_ev(struct __test_metadata *_metadata,
		     const struct fabric_path_evidence *got,
		     const struct fabric_path_evidence *want)
{
	CHECK_FIELD(got, want, gaps);
	CHECK_FIELD(got, want, lost);
	CHECK_FIELD(got, want, naks_seq);
	CHECK_FIELD(got, want, retransmits);
	CHECK_FIELD(got, want, attributed);
	CHECK_FIELD(got, want, fallback);
	CHECK_FIELD(got, want, ambiguous);
	CHECK_FIELD(got, want, learned);
}

/* @port's evidence is @want, @other's is all zero. */
static void charged_only(struct __test_metadata *_metadata, struct fab *f,
			 __u32 port, const struct fabric_path_evidence *want,
			 __u32 other)
{
	struct fabric_path_evidence got, none = {};

	evidence(_metadata, f, port, &got);
	FAB_CTX("port %u", port);
	check_ev(_metadata, &got, want);
	evidence(_metadata, f, other, &got);
	FAB_CTX("port %u", other);
	check_ev(_metadata, &got, &none);
}

/* The ringbuf holds exactly one event, of @type from @ifindex, charged
 * to @path_ifindex as @how says. */
static void one_event(struct __test_metadata *_metadata, struct fab *f,
		      __u16 type, __u32 ifindex, __u32 path_ifindex, __u8 how)
{
	struct ev_log log;

	drain(_metadata, f, &log);
	ASSERT_EQ(1, log.n);
	EXPECT_EQ(type, log.ev[0].type);
	EXPECT_EQ(ifindex, log.ev[0].ifindex);
	EXPECT_EQ(path_ifindex, log.ev[0].path_ifindex);
	EXPECT_EQ(how, log.ev[0].path_how);
}

static void fpath_on(struct fab *f, __u32 on)
{
	f->skel->bss->fpath_on = on;
}

/* The forward flow leaves on A, its NAK arrives on B: A is charged. */
TEST_F(fab, nak_charged_to_forward_egress)
{
	struct fab_opts o = { .event_interval_ns = 0 };
	struct fabric_path_evidence want = {};
	struct fabric_flow_key key;
	struct fabric_fpath fp;
	struct pkt_spec s;
	__u32 a, b;

	two_ports(_metadata, &a, &b);
	FAB_UP(&o);
	fpath_on(&self->f, 1);
	fwd_spec(&s, 100);
	tc_send(_metadata, &self->f, &s, a);
	tc_send(_metadata, &self->f, &s, a);	/* same tick: nothing new */
	pkt_spec_key(&s, &key);
	ASSERT_EQ(0, bpf_map_lookup_elem(bpf_map__fd(self->f.skel->maps.fabric_fpath),
					 &key, &fp));
	EXPECT_EQ(a, fp.ifindex);
	EXPECT_EQ(0, fp.changes);

	nak_spec(&s, 0x456);
	xdp_send_on(_metadata, &self->f, &s, b);

	want.learned = 1;
	want.naks_seq = 1;
	want.attributed = 1;
	charged_only(_metadata, &self->f, a, &want, b);
	one_event(_metadata, &self->f, FABRIC_EV_NAK, b, a, FABRIC_PATH_PAIR);
}

/* Gaps and retransmissions of the forward flow, arriving on lo: A. */
TEST_F(fab, gap_and_retransmit_charged_to_egress)
{
	struct fab_opts o = { .event_interval_ns = 0 };
	struct fabric_path_evidence got, want = {};
	struct pkt_spec s;
	__u32 a, b;

	two_ports(_metadata, &a, &b);
	FAB_UP(&o);
	fpath_on(&self->f, 1);
	fwd_spec(&s, 10);
	tc_send(_metadata, &self->f, &s, a);
	xdp_send_on(_metadata, &self->f, &s, FAB_LO_IFINDEX);	/* expect 11 */
	fwd_spec(&s, 15);					/* 4 missing */
	xdp_send_on(_metadata, &self->f, &s, FAB_LO_IFINDEX);
	fwd_spec(&s, 12);					/* go back */
	xdp_send_on(_metadata, &self->f, &s, FAB_LO_IFINDEX);
	fwd_spec(&s, 13);					/* same run */
	xdp_send_on(_metadata, &self->f, &s, FAB_LO_IFINDEX);

	want.learned = 1;
	want.gaps = 1;
	want.lost = 4;
	want.retransmits = 1;
	want.attributed = 2;
	charged_only(_metadata, &self->f, a, &want, FAB_LO_IFINDEX);
	one_event(_metadata, &self->f, FABRIC_EV_PSN_GAP, FAB_LO_IFINDEX, a,
		  FABRIC_PATH_FLOW);

	/* the flow moves to B: later evidence goes there */
	fab_set_clock(&self->f, FAB_T0 + 1000);
	fwd_spec(&s, 14);
	tc_send(_metadata, &self->f, &s, b);
	fwd_spec(&s, 30);
	xdp_send_on(_metadata, &self->f, &s, FAB_LO_IFINDEX);
	evidence(_metadata, &self->f, b, &got);
	EXPECT_EQ(1, got.gaps);
	EXPECT_EQ(1, got.attributed);
	evidence(_metadata, &self->f, a, &got);
	EXPECT_EQ(1, got.gaps);
}

/* Nothing learned: the arrival port is charged, as a counted fallback. */
TEST_F(fab, unknown_flow_falls_back)
{
	struct fab_opts o = { .event_interval_ns = 0 };
	struct fabric_path_evidence want = {};
	struct pkt_spec s;
	struct ev_log log;
	__u32 a, b;

	two_ports(_metadata, &a, &b);
	FAB_UP(&o);
	fpath_on(&self->f, 1);
	nak_spec(&s, 0x456);
	xdp_send_on(_metadata, &self->f, &s, b);
	fwd_spec(&s, 1);
	xdp_send_on(_metadata, &self->f, &s, b);
	fwd_spec(&s, 4);
	xdp_send_on(_metadata, &self->f, &s, b);

	want.naks_seq = 1;
	want.gaps = 1;
	want.lost = 2;
	want.fallback = 2;
	charged_only(_metadata, &self->f, b, &want, a);

	drain(_metadata, &self->f, &log);
	ASSERT_EQ(2, log.n);
	EXPECT_EQ(0, log.ev[0].path_ifindex);
	EXPECT_EQ(FABRIC_PATH_NONE, log.ev[0].path_how);
	EXPECT_EQ(0, log.ev[1].path_ifindex);
}

/*
 * Two QPs of one host pair leave by A and by B: a NAK cannot name its
 * QP pair's path, so it stays with its arrival port, counted ambiguous,
 * until the pair has used one port for FABRIC_FPATH_MIXED_NS.
 */
TEST_F(fab, mixed_pair_is_ambiguous)
{
	struct fab_opts o = { .event_interval_ns = 0 };
	struct fabric_path_evidence got;
	struct pkt_spec s;
	struct ev_log log;
	__u32 a, b;

	two_ports(_metadata, &a, &b);
	FAB_UP(&o);
	fpath_on(&self->f, 1);
	fwd_spec(&s, 1);
	tc_send(_metadata, &self->f, &s, a);
	s.qp = 0x124;
	tc_send(_metadata, &self->f, &s, b);
	nak_spec(&s, 0x456);
	xdp_send_on(_metadata, &self->f, &s, b);
	evidence(_metadata, &self->f, b, &got);
	EXPECT_EQ(1, got.naks_seq);
	EXPECT_EQ(1, got.fallback);
	EXPECT_EQ(1, got.ambiguous);
	EXPECT_EQ(0, got.attributed);

	/* later the pair's requests leave by A only: the switch from B is
	 * one more change, so the pair is clear one MIXED_NS after it */
	fab_set_clock(&self->f, FAB_T0 + 2 * SEC_NS);
	fwd_spec(&s, 2);
	tc_send(_metadata, &self->f, &s, a);
	nak_spec(&s, 0x456);
	xdp_send_on(_metadata, &self->f, &s, b);
	fab_set_clock(&self->f, FAB_T0 + 2 * SEC_NS + FABRIC_FPATH_MIXED_NS);
	fwd_spec(&s, 3);
	tc_send(_metadata, &self->f, &s, a);
	nak_spec(&s, 0x456);
	xdp_send_on(_metadata, &self->f, &s, b);
	evidence(_metadata, &self->f, a, &got);
	EXPECT_EQ(1, got.naks_seq);
	EXPECT_EQ(1, got.attributed);
	evidence(_metadata, &self->f, b, &got);
	EXPECT_EQ(2, got.ambiguous);

	drain(_metadata, &self->f, &log);
	ASSERT_EQ(3, log.n);
	EXPECT_EQ(0, log.ev[0].path_ifindex);
	EXPECT_EQ(FABRIC_PATH_AMBIGUOUS, log.ev[0].path_how);
	EXPECT_EQ(FABRIC_PATH_AMBIGUOUS, log.ev[1].path_how);
	EXPECT_EQ(a, log.ev[2].path_ifindex);
	EXPECT_EQ(FABRIC_PATH_PAIR, log.ev[2].path_how);
}

/* Off (the default): tc learns nothing and XDP charges nothing. */
TEST_F(fab, off_by_default)
{
	struct fab_opts o = { .event_interval_ns = 0 };
	struct fabric_path_evidence want = {};
	struct fabric_flow_key next;
	struct pkt_spec s;
	struct ev_log log;
	__u32 a, b;

	two_ports(_metadata, &a, &b);
	FAB_UP(&o);
	fwd_spec(&s, 1);
	tc_send(_metadata, &self->f, &s, a);
	nak_spec(&s, 0x456);
	xdp_send_on(_metadata, &self->f, &s, b);
	EXPECT_EQ(-ENOENT, bpf_map_get_next_key(bpf_map__fd(self->f.skel->maps.fabric_fpath),
					   NULL, &next));
	charged_only(_metadata, &self->f, a, &want, b);
	drain(_metadata, &self->f, &log);
	ASSERT_EQ(1, log.n);
	EXPECT_EQ(0, log.ev[0].path_ifindex);
	EXPECT_EQ(0, log.ev[0].path_how);
}

TEST_HARNESS_MAIN
