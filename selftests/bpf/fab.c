// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Shared fixture of the bpf selftests; see fab.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fab.h"
#include "flow_hash.h"

int fab_open(struct fab *f, const struct fab_opts *o)
{
	struct fabric_bpf *skel;
	int err;

	memset(f, 0, sizeof(*f));
	f->nsets = o->nsets ? o->nsets : 16;
	f->ncpus = libbpf_num_possible_cpus();
	if (f->ncpus <= 0)
		return -EINVAL;

	skel = fabric_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->node_id = o->node_id;
	skel->rodata->flow_set_mask = f->nsets - 1;
	skel->rodata->event_interval_ns = o->event_interval_ns;
	skel->rodata->read_pmtu = o->read_pmtu;
	f->seed = o->hash_seed ? o->hash_seed : FABRIC_HASH_SEED;
	skel->rodata->flow_hash_seed = f->seed;
	skel->rodata->replay_truncated = o->replay_truncated;
	err = bpf_map__set_max_entries(skel->maps.fabric_flows, f->nsets);
	if (!err && o->ringbuf_size)
		err = bpf_map__set_max_entries(skel->maps.fabric_events,
					       o->ringbuf_size);
	if (!err)
		err = fabric_bpf__load(skel);
	if (err) {
		fabric_bpf__destroy(skel);
		return err;
	}
	f->skel = skel;
	fab_set_clock(f, FAB_T0);
	return 0;
}

void fab_close(struct fab *f)
{
	fabric_bpf__destroy(f->skel);
	f->skel = NULL;
}

void fab_set_clock(struct fab *f, __u64 ns)
{
	f->skel->bss->clock_override_ns = ns;
}

static int prog_run(struct bpf_program *prog, const void *pkt, __u32 len,
		    __u32 *retval, void *out, __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out_len ? *out_len : 0,
		.repeat = 1,
	);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return -errno;
	if (retval)
		*retval = opts.retval;
	if (out_len)
		*out_len = opts.data_size_out;
	return 0;
}

int fab_xdp_run(struct fab *f, const void *pkt, __u32 len, __u32 *retval,
		void *out, __u32 *out_len)
{
	return prog_run(f->skel->progs.fabric_xdp_rx, pkt, len, retval, out,
			out_len);
}

/* One XDP test run with an explicit context: linear size and ingress. */
static int xdp_run_ctx(struct fab *f, const void *pkt, __u32 len,
		       struct xdp_md *ctx, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = len,
		.ctx_in = ctx,
		.ctx_size_in = sizeof(*ctx),
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.fabric_xdp_rx),
				   &opts))
		return -errno;
	*retval = opts.retval;
	return 0;
}

int fab_xdp_run_linear(struct fab *f, const void *pkt, __u32 len,
		       __u32 linear, __u32 *retval)
{
	struct xdp_md ctx = { .data_end = linear };

	return xdp_run_ctx(f, pkt, len, &ctx, retval);
}

int fab_xdp_run_on(struct fab *f, const void *pkt, __u32 len, __u32 ifindex,
		   __u32 *retval)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };

	return xdp_run_ctx(f, pkt, len, &ctx, retval);
}

int fab_tc_run(struct fab *f, const void *pkt, __u32 len, __u32 *retval,
	       void *out, __u32 *out_len)
{
	return prog_run(f->skel->progs.fabric_tc_tx, pkt, len, retval, out,
			out_len);
}

/* Per-CPU values are u64 counters only: sum them word by word. */
static int percpu_sum(struct fab *f, struct bpf_map *map, const void *key,
		      void *sum, size_t size)
{
	size_t words = size / sizeof(__u64), stride = (size + 7) / 8;
	__u64 *vals, *acc = sum;
	int err, cpu;
	size_t i;

	memset(sum, 0, size);
	vals = calloc(f->ncpus, stride * 8);
	if (!vals)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(map), key, vals);
	if (err) {
		err = -errno;
		goto out;
	}
	for (cpu = 0; cpu < f->ncpus; cpu++)
		for (i = 0; i < words; i++)
			acc[i] += vals[cpu * stride + i];
out:
	free(vals);
	return err;
}

/* Like the library: counters are sums, the *_last_ns times maxima. */
int fab_port(struct fab *f, __u32 ifindex, struct fabric_port_counters *pc)
{
	struct fabric_port_counters *v;
	int err, cpu;

	memset(pc, 0, sizeof(*pc));
	v = calloc(f->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = percpu_sum(f, f->skel->maps.fabric_ports, &ifindex, pc,
			 sizeof(*pc));
	if (!err && bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fabric_ports),
					&ifindex, v))
		err = -errno;
	if (!err) {
		pc->rx_last_ns = pc->tx_last_ns = 0;
		for (cpu = 0; cpu < f->ncpus; cpu++) {
			if (v[cpu].rx_last_ns > pc->rx_last_ns)
				pc->rx_last_ns = v[cpu].rx_last_ns;
			if (v[cpu].tx_last_ns > pc->tx_last_ns)
				pc->tx_last_ns = v[cpu].tx_last_ns;
		}
	}
	free(v);
	return err;
}

int fab_stats(struct fab *f, struct fabric_dp_stats *st)
{
	__u32 zero = 0;

	return percpu_sum(f, f->skel->maps.fabric_stats, &zero, st,
			  sizeof(*st));
}

static int set_read(struct fab *f, __u32 idx, struct fabric_flow_set *set)
{
	if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fabric_flows), &idx,
				set))
		return -errno;
	return 0;
}

static void flow_of(const struct fabric_flow_set *set, int w,
		    struct fabric_flow *out)
{
	const struct fabric_flow_slot *s = &set->slot[w];
	const struct fabric_flow_cold *c = &set->cold[w];

	memset(out, 0, sizeof(*out));
	out->key = s->key;
	out->ifindex = s->ifindex;
	out->next_psn = (__u32)s->psn_state;
	out->read_slack = (__u32)(s->psn_state >> 32);
	out->packets = s->packets;
	out->bytes = s->bytes;
	out->first_seen_ns = c->first_seen_ns;
	out->last_seen_ns = s->last_seen_ns;
	out->ce = s->ce;
	out->ect = s->ect;
	out->cnp = s->cnp;
	out->acks = s->acks;
	out->naks_seq = s->naks_seq;
	out->psn_gaps = c->psn_gaps;
	out->psn_missing = c->psn_missing;
	out->psn_dups = s->psn_dups;
	out->psn_rewinds = c->psn_rewinds;
	out->naks_rnr = c->naks_rnr;
	out->naks_other = c->naks_other;
	out->truncated = c->truncated;
}

int fab_flow_find(struct fab *f, const struct fabric_flow_key *key,
		  struct fabric_flow *out)
{
	__u32 hash = fabric_flow_hash_seeded(key, f->seed);
	__u32 tag = fabric_flow_tag(hash);
	struct fabric_flow_set set;
	int err, w;

	err = set_read(f, fabric_flow_set_index(hash, f->nsets - 1), &set);
	if (err)
		return err;
	for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
		if (fabric_own_tag(set.slot[w].own) != tag ||
		    memcmp(&set.slot[w].key, key, sizeof(*key)))
			continue;
		if (out)
			flow_of(&set, w, out);
		return w;
	}
	return -ENOENT;
}

int fab_flow_for_each(struct fab *f,
		      int (*cb)(const struct fabric_flow *fl, __u32 own, void *ctx),
		      void *ctx)
{
	struct fabric_flow_set set;
	struct fabric_flow fl;
	int n = 0, err, w;
	__u32 i;

	for (i = 0; i < f->nsets; i++) {
		err = set_read(f, i, &set);
		if (err)
			return err;
		for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
			if (fabric_own_tag(set.slot[w].own) == FABRIC_TAG_EMPTY)
				continue;
			n++;
			if (!cb)
				continue;
			flow_of(&set, w, &fl);
			err = cb(&fl, set.slot[w].own, ctx);
			if (err)
				return err;
		}
	}
	return n;
}

int fab_flow_count(struct fab *f)
{
	return fab_flow_for_each(f, NULL, NULL);
}

int fab_tx_flow(struct fab *f, const struct fabric_flow_key *key,
		struct fabric_tx_flow *out)
{
	if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fabric_tx_flows),
				key, out))
		return -errno;
	return 0;
}

int fab_tx_flow_count(struct fab *f)
{
	int fd = bpf_map__fd(f->skel->maps.fabric_tx_flows), n = 0;
	struct fabric_flow_key k, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static int fab_on_event(void *ctx, void *data, size_t size)
{
	struct fab_ev_log *log = ctx;

	if (size == sizeof(struct fabric_event) && log->n < FAB_MAX_EVENTS)
		memcpy(&log->ev[log->n], data, size);
	log->n++;
	return 0;
}

int fab_drain_events(struct fab *f, struct fab_ev_log *log)
{
	struct ring_buffer *rb;

	memset(log, 0, sizeof(*log));
	rb = ring_buffer__new(bpf_map__fd(f->skel->maps.fabric_events),
			      fab_on_event, log, NULL);
	if (!rb)
		return -1;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return log->n;
}

void fab_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

__u64 fab_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
