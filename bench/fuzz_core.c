// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The parser fuzzer's loop; see fuzz_core.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric_dp.h"
#include "fuzz_core.h"
#include "fuzz_gen.h"
#include "fuzz_ref.h"

#define XDP_PASS_	2
#define TC_ACT_UNSPEC_	0xffffffffU	/* -1: the next tc filter runs */
#define LO_IFINDEX	1		/* test_run's ingress device: lo */
#define T0_NS		1000000000000ULL
#define FLOWS		4096		/* small: random keys force evictions */

struct fuzz {
	const struct fuzz_opts	*o;
	struct fuzz_result	*r;
	struct fabric_dp	*dp;
	struct fuzz_gen		*gen;
	int			xdp_fd;
	int			tc_fd;
	__u64			rng;	/* which hooks and buffer layouts */
	int			kmsg_fd;
	struct fabric_port_counters	port;	/* as of the last frame */
	struct fabric_dp_stats		stats;
	__u8			out[FUZZ_FRAME_MAX + 64];
	char			diff[512];	/* names of the fields that differ */
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void diff_add(struct fuzz *z, const char *field, __u64 got, __u64 want)
{
	size_t n = strlen(z->diff);

	if (n < sizeof(z->diff) - 1)
		snprintf(z->diff + n, sizeof(z->diff) - n, " %s=%llu(want %llu)",
			 field, (unsigned long long)got, (unsigned long long)want);
}

#define CMP(z, got, want, field) do {					\
	if ((__u64)(got)->field != (__u64)(want)->field)		\
		diff_add(z, #field, (got)->field, (want)->field);	\
} while (0)

static void cmp_port(struct fuzz *z, const struct fabric_port_counters *g,
		     const struct fabric_port_counters *w)
{
	CMP(z, g, w, rx_packets);
	CMP(z, g, w, rx_bytes);
	CMP(z, g, w, rx_roce_packets);
	CMP(z, g, w, rx_roce_bytes);
	CMP(z, g, w, rx_ce);
	CMP(z, g, w, rx_cnp);
	CMP(z, g, w, rx_non_roce);
	CMP(z, g, w, rx_malformed);
	CMP(z, g, w, rx_unparsed);
	CMP(z, g, w, rx_last_ns);
	CMP(z, g, w, tx_packets);
	CMP(z, g, w, tx_bytes);
	CMP(z, g, w, tx_roce_packets);
	CMP(z, g, w, tx_roce_bytes);
	CMP(z, g, w, tx_ce);
	CMP(z, g, w, tx_cnp);
	CMP(z, g, w, tx_non_roce);
	CMP(z, g, w, tx_malformed);
	CMP(z, g, w, tx_unparsed);
	CMP(z, g, w, tx_last_ns);
}

static void cmp_tx_flow(struct fuzz *z, const struct fabric_tx_flow *g,
			const struct fabric_tx_flow *w)
{
	CMP(z, g, w, packets);
	CMP(z, g, w, bytes);
	CMP(z, g, w, last_seen_ns);
}

static void cmp_flow(struct fuzz *z, const struct fabric_flow *g,
		     const struct fabric_flow *w)
{
	CMP(z, g, w, next_psn);
	CMP(z, g, w, packets);
	CMP(z, g, w, bytes);
	CMP(z, g, w, first_seen_ns);
	CMP(z, g, w, last_seen_ns);
	CMP(z, g, w, read_slack);
	CMP(z, g, w, psn_gaps);
	CMP(z, g, w, psn_missing);
	CMP(z, g, w, psn_dups);
	CMP(z, g, w, psn_rewinds);
	CMP(z, g, w, acks);
	CMP(z, g, w, naks_seq);
	CMP(z, g, w, naks_rnr);
	CMP(z, g, w, naks_other);
	CMP(z, g, w, ce);
	CMP(z, g, w, ect);
	CMP(z, g, w, cnp);
}

/* What the port counters must read after a frame of @len bytes. */
static void port_want(const struct ref_pkt *p, enum ref_class cls, __u32 len,
		      __u64 now, struct fabric_port_counters *w)
{
	w->rx_packets++;
	w->rx_bytes += len;
	w->rx_last_ns = now;
	switch (cls) {
	case REF_ROCE:
		w->rx_roce_packets++;
		w->rx_roce_bytes += len;
		w->rx_ce += p->ecn == 3;
		w->rx_cnp += p->opcode == ROCE_OPCODE_CNP;
		break;
	case REF_NON_ROCE:
		w->rx_non_roce++;
		break;
	case REF_MALFORMED:
		w->rx_malformed++;
		break;
	case REF_UNPARSED:
		w->rx_unparsed++;
		break;
	}
}

/* The same at tc egress. */
static void port_want_tx(const struct ref_pkt *p, __u32 len, __u64 now,
			 struct fabric_port_counters *w)
{
	w->tx_packets++;
	w->tx_bytes += len;
	w->tx_last_ns = now;
	switch (p->cls) {
	case REF_ROCE:
		w->tx_roce_packets++;
		w->tx_roce_bytes += len;
		w->tx_ce += p->ecn == 3;
		w->tx_cnp += p->opcode == ROCE_OPCODE_CNP;
		break;
	case REF_NON_ROCE:
		w->tx_non_roce++;
		break;
	case REF_MALFORMED:
		w->tx_malformed++;
		break;
	case REF_UNPARSED:
		w->tx_unparsed++;
		break;
	}
}

/* What the flow record must read after the frame, given the one before. */
static void flow_want(struct fuzz *z, const struct ref_pkt *p, __u32 len,
		      __u64 now, struct fabric_flow *w)
{
	struct ref_psn st;

	w->packets++;
	w->bytes += len;
	w->last_seen_ns = now;
	if (!w->first_seen_ns)
		w->first_seen_ns = now;
	if (p->ecn == 3)
		w->ce++;
	else if (p->ecn)
		w->ect++;
	if (p->opcode == ROCE_OPCODE_CNP)
		w->cnp++;
	switch (p->ack) {
	case REF_ACK:
		w->acks++;
		break;
	case REF_NAK_SEQ:
		w->naks_seq++;
		break;
	case REF_NAK_RNR:
		w->naks_rnr++;
		break;
	case REF_NAK_OTHER:
		w->naks_other++;
		break;
	case REF_NO_ACK:
		break;
	}
	if (!p->request)
		return;
	z->r->requests++;
	st.valid = w->next_psn & FABRIC_PSN_VALID;
	st.rewound = w->next_psn & FABRIC_PSN_REWOUND;
	st.expected = w->next_psn & ROCE_PSN_MASK;
	st.slack = w->read_slack;
	ref_psn_step(&st, p);
	w->psn_gaps += st.gaps;
	w->psn_missing += st.missing;
	w->psn_dups += st.dups;
	w->psn_rewinds += st.rewinds;
	w->next_psn = FABRIC_PSN_VALID | (st.rewound ? FABRIC_PSN_REWOUND : 0) |
		      st.expected;
	w->read_slack = st.slack;
}

static void report(struct fuzz *z, __u64 i, const struct fuzz_frame *f,
		   const struct ref_pkt *p, const char *what)
{
	FILE *log = z->o->log;
	__u32 k;

	if (!log || z->r->disagreements + z->r->verdict_changes +
		    z->r->crashes > (__u64)z->o->max_reports)
		return;
	fprintf(log, "# frame %llu (seed %#llx): %s; reference: %s (%s);%s\n#  ",
		(unsigned long long)i, (unsigned long long)z->o->seed, what,
		ref_class_name(p->cls), p->why, z->diff);
	for (k = 0; k < f->len && k < 128; k++)
		fprintf(log, "%02x%s", f->data[k], k % 32 == 31 ? "\n#  " : "");
	fprintf(log, "%s\n", f->len > 128 ? " ..." : "");
}

static __u64 zrnd(struct fuzz *z)
{
	__u64 x = (z->rng += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Run @prog on the frame; for XDP with @linear < len, only @linear bytes
 * are in the linear area and the rest in a fragment (xdp.frags).
 */
static int prog_run(struct fuzz *z, int fd, const struct fuzz_frame *f,
		    __u32 linear, __u32 *retval, __u32 *out_len)
{
	struct xdp_md ctx = { .data_end = linear };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->data,
		.data_size_in = f->len,
		.data_out = z->out,
		.data_size_out = sizeof(z->out),
		.repeat = 1,
	);

	if (linear < f->len) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return 0;
}

/* Run one hook; false when it failed or did not pass the frame untouched. */
/*
 * BPF_PROG_TEST_RUN refuses an skb whose EtherType promises an IPv4 or
 * IPv6 header that the frame is too short to hold; the stack never sends
 * one, so such a frame has no tc egress run to check.
 */
static bool tc_refused(const struct fuzz_frame *f)
{
	__u32 type = f->data[12] << 8 | f->data[13];

	return (type == 0x0800 && f->len < 14 + 20) ||
	       (type == 0x86dd && f->len < 14 + 40);
}

static bool hook_ok(struct fuzz *z, __u64 i, const struct fuzz_frame *f,
		    const struct ref_pkt *p, int fd, __u32 linear, __u32 pass,
		    const char *hook, bool *ran)
{
	__u32 ret = 0, out_len = 0;
	char what[64];
	int err;

	err = prog_run(z, fd, f, linear, &ret, &out_len);
	if (err == -EINVAL && fd == z->tc_fd && tc_refused(f)) {
		*ran = false;
		return true;
	}
	*ran = true;
	if (err) {
		z->r->crashes++;
		snprintf(z->diff, sizeof(z->diff), " errno=%d linear=%u", -err,
			 linear);
		snprintf(what, sizeof(what), "%s: BPF_PROG_TEST_RUN failed", hook);
		report(z, i, f, p, what);
		return false;
	}
	if (ret != pass || out_len != f->len || memcmp(z->out, f->data, f->len)) {
		z->r->verdict_changes++;
		snprintf(z->diff, sizeof(z->diff), " retval=%#x out_len=%u linear=%u",
			 ret, out_len, linear);
		snprintf(what, sizeof(what), "%s: verdict or bytes changed", hook);
		report(z, i, f, p, what);
		return false;
	}
	return true;
}

static int run_frame(struct fuzz *z, __u64 i, const struct fuzz_frame *f)
{
	struct fabric_tx_flow tx_before = {}, tx_got, tx_want;
	struct fabric_flow before = {}, want, got;
	struct fabric_port_counters pw = z->port;
	const struct fabric_flow *cur = NULL;
	__u64 now = T0_NS + i * 1000, mode = zrnd(z) % 8;
	__u32 linear = f->len;
	bool tc = mode >= 5, tx_had = false, ran;
	enum ref_class cls;
	struct fabric_dp_stats st;
	struct ref_pkt p;

	ref_decode(f->data, f->len, &p);
	z->r->per_class[p.cls]++;
	/* 1 in 8: a multi-buffer frame, headers in or across the first buffer */
	if (mode == 0 && f->len > FUZZ_FRAME_MIN) {
		linear = FUZZ_FRAME_MIN + zrnd(z) % (f->len - FUZZ_FRAME_MIN);
		z->r->multibuf++;
	}
	if (p.cls == REF_ROCE) {
		cur = fabric_maps_find_flow(&z->dp->maps, &p.key);
		if (cur)
			before = *cur;
		else
			before.key = p.key;
		if (tc)
			tx_had = !fabric_maps_tx_flow(&z->dp->maps, &p.key,
						      &tx_before);
	}
	fabric_dp_set_clock(z->dp, now);
	z->diff[0] = 0;
	if (!hook_ok(z, i, f, &p, z->xdp_fd, linear, XDP_PASS_, "xdp", &ran) ||
	    (tc && !hook_ok(z, i, f, &p, z->tc_fd, f->len, TC_ACT_UNSPEC_, "tc",
			    &tc))) {
		/* reported; start the next frame from what the maps say */
		if (fabric_maps_port(&z->dp->maps, LO_IFINDEX, &z->port) ||
		    fabric_maps_stats(&z->dp->maps, &z->stats))
			return -EIO;
		return 0;
	}
	z->r->tc_runs += tc;

	if (fabric_maps_port(&z->dp->maps, LO_IFINDEX, &z->port) ||
	    fabric_maps_stats(&z->dp->maps, &st))
		return -EIO;
	/*
	 * Headers that run past the first buffer may leave a frame
	 * unparsed (Documentation/datapath.md); only then.
	 */
	cls = p.cls;
	if (linear < f->len && linear < p.hdr_end &&
	    z->port.rx_unparsed != pw.rx_unparsed)
		cls = REF_UNPARSED;
	port_want(&p, cls, f->len, now, &pw);
	if (tc)
		port_want_tx(&p, f->len, now, &pw);
	cmp_port(z, &z->port, &pw);
	if (cls == REF_ROCE) {
		cur = fabric_maps_find_flow(&z->dp->maps, &p.key);
		if (!cur) {
			strcat(z->diff, " flow=missing");
		} else {
			got = *cur;
			want = before;
			flow_want(z, &p, f->len, now, &want);
			cmp_flow(z, &got, &want);
		}
		if (st.flow_inserts - z->stats.flow_inserts != !before.packets)
			diff_add(z, "flow_inserts_delta",
				 st.flow_inserts - z->stats.flow_inserts,
				 !before.packets);
		z->r->new_flows += !before.packets;
	} else {
		if (st.flow_inserts != z->stats.flow_inserts)
			diff_add(z, "flow_inserts_delta",
				 st.flow_inserts - z->stats.flow_inserts, 0);
		if (st.events_sent + st.events_lost + st.events_suppressed !=
		    z->stats.events_sent + z->stats.events_lost +
		    z->stats.events_suppressed)
			diff_add(z, "events_delta", 1, 0);
	}
	if (tc && p.cls == REF_ROCE) {
		if (fabric_maps_tx_flow(&z->dp->maps, &p.key, &tx_got)) {
			strcat(z->diff, " tx_flow=missing");
		} else {
			tx_want = tx_had ? tx_before : (struct fabric_tx_flow){};
			tx_want.packets++;
			tx_want.bytes += f->len;
			tx_want.last_seen_ns = now;
			cmp_tx_flow(z, &tx_got, &tx_want);
		}
	}
	z->stats = st;
	if (z->diff[0]) {
		z->r->disagreements++;
		snprintf(z->diff + strlen(z->diff), sizeof(z->diff) - strlen(z->diff),
			 " linear=%u tc=%d", linear, tc);
		report(z, i, f, &p, "counters disagree");
	}
	return 0;
}

/* Kernel messages of a WARN, BUG or oops while the fuzzer ran. */
static __u64 kmsg_problems(struct fuzz *z)
{
	static const char *const bad[] = { "WARNING:", "BUG:", "Oops",
					   "general protection", "RIP:" };
	char rec[2048];
	__u64 n = 0;
	ssize_t len;
	unsigned int k;

	if (z->kmsg_fd < 0)
		return 0;
	while ((len = read(z->kmsg_fd, rec, sizeof(rec) - 1)) > 0 ||
	       (len < 0 && errno == EPIPE)) {
		if (len <= 0)
			continue;
		rec[len] = 0;
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			if (!strstr(rec, bad[k]))
				continue;
			n++;
			if (z->o->log)
				fprintf(z->o->log, "# kernel: %s", rec);
			break;
		}
	}
	return n;
}

static int setup(struct fuzz *z)
{
	struct fabric_dp_opts dopts;
	int i, n, err;

	z->gen = fuzz_gen_new(z->o->seed);
	if (!z->gen)
		return -ENOMEM;
	for (i = 0; i < z->o->npcaps; i++) {
		n = fuzz_gen_add_pcap(z->gen, z->o->pcaps[i]);
		if (n < 0) {
			if (z->o->log)
				fprintf(z->o->log, "# %s: cannot read (%d)\n",
					z->o->pcaps[i], n);
			return n;
		}
	}
	z->r->corpus = fuzz_gen_corpus_size(z->gen);

	fabric_dp_opts_init(&dopts);
	dopts.flows = FLOWS;
	dopts.pin_dir = NULL;
	err = fabric_dp_load(&dopts, &z->dp);
	if (err)
		return err;
	z->xdp_fd = fabric_dp_xdp_fd(z->dp);
	z->tc_fd = fabric_dp_tc_fd(z->dp);
	z->rng = z->o->seed ^ 0x5eed5eed5eed5eedULL;
	if (fabric_maps_port(&z->dp->maps, LO_IFINDEX, &z->port) ||
	    fabric_maps_stats(&z->dp->maps, &z->stats))
		return -EIO;
	z->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (z->kmsg_fd >= 0)
		lseek(z->kmsg_fd, 0, SEEK_END);
	return 0;
}

int fuzz_run(const struct fuzz_opts *o, struct fuzz_result *r)
{
	struct fuzz *z = calloc(1, sizeof(*z));
	struct fuzz_frame f;
	double t0;
	__u64 i;
	int err, m;

	if (!z)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	z->o = o;
	z->r = r;
	z->kmsg_fd = -1;
	err = setup(z);
	if (err)
		goto out;
	t0 = mono_s();
	for (i = 0; i < o->frames; i++) {
		fuzz_gen_next(z->gen, &f, &m);
		r->mutated += m > 0;
		err = run_frame(z, i, &f);
		if (err)
			goto out;
		r->frames++;
	}
	r->seconds = mono_s() - t0;
	r->crashes += kmsg_problems(z);
out:
	if (z->kmsg_fd >= 0)
		close(z->kmsg_fd);
	fabric_dp_close(z->dp);
	fuzz_gen_free(z->gen);
	free(z);
	return err;
}
