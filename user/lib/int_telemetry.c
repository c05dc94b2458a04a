// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reading the INT sink's maps and configuring the INT roles. The maps are
 * per-CPU: every read sums the CPUs, so a value is a consistent total only
 * up to packets counted while the CPUs are being read.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric.skel.h"
#include "int_telemetry.h"

static int open_one(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

int fint_open_pinned(const char *pin_dir, struct fint_maps *m)
{
	m->nodes_fd = open_one(pin_dir, "fab_int_nodes");
	m->xstats_fd = open_one(pin_dir, "fab_int_xstats");
	errno = 0;
	m->stats_fd = open_one(pin_dir, "fab_int_stats");
	m->hops_fd = open_one(pin_dir, "fab_int_hops");
	m->paths_fd = open_one(pin_dir, "fab_int_paths");
	m->other_fd = open_one(pin_dir, "fab_int_other");
	m->class_fd = open_one(pin_dir, "fab_int_class");
	m->ncpu = libbpf_num_possible_cpus();
	if (m->stats_fd < 0 || m->hops_fd < 0 || m->paths_fd < 0 ||
	    m->other_fd < 0 || m->ncpu <= 0) {
		int e = errno ? errno : ENOENT;

		fint_close(m);
		errno = e;
		return -1;
	}
	return 0;
}

void fint_close(struct fint_maps *m)
{
	int *fds[] = { &m->stats_fd, &m->hops_fd, &m->paths_fd, &m->other_fd,
		       &m->class_fd, &m->nodes_fd, &m->xstats_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Sum n u64 words of each CPU's copy (values are u64 arrays). */
static void sum_words(__u64 *out, const void *percpu, size_t size, int ncpu)
{
	size_t n = size / 8, i;
	int c;

	memset(out, 0, size);
	for (c = 0; c < ncpu; c++) {
		const __u64 *v = (const __u64 *)((const char *)percpu + c * size);

		for (i = 0; i < n; i++)
			out[i] += v[i];
	}
}

static int lookup_sum(int fd, const void *key, void *out, size_t size, int ncpu)
{
	void *buf = calloc(ncpu, size);
	int err;

	if (!buf)
		return -1;
	err = bpf_map_lookup_elem(fd, key, buf);
	if (!err)
		sum_words(out, buf, size, ncpu);
	free(buf);
	return err;
}

_Static_assert(sizeof(struct fabric_int_stats) % 8 == 0, "u64 words");
_Static_assert(sizeof(struct fabric_int_hist) % 8 == 0, "u64 words");
_Static_assert(sizeof(struct fabric_int_path) % 8 == 0, "u64 words");

int fint_read_stats(const struct fint_maps *m, struct fabric_int_stats *out)
{
	__u32 zero = 0;

	return lookup_sum(m->stats_fd, &zero, out, sizeof(*out), m->ncpu);
}

int fint_read_hop(const struct fint_maps *m, __u32 node, struct fabric_int_hist *out)
{
	if (node >= FABRIC_INT_MAX_NODES) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	return lookup_sum(m->hops_fd, &node, out, sizeof(*out), m->ncpu);
}

/* One node's histogram from a per-CPU copy; appended to out when it has samples. */
static int add_hop(struct fint_hop *out, int n, __u32 node, const void *percpu,
		   int ncpu)
{
	sum_words((__u64 *)&out[n].h, percpu, sizeof(out[n].h), ncpu);
	if (!out[n].h.count)
		return n;
	out[n].node = node;
	return n + 1;
}

#define FINT_BATCH	64

/* Without the index: every node id, FINT_BATCH per system call. */
static int read_hops_all(const struct fint_maps *m, struct fint_hop *out, int max)
{
	size_t size = sizeof(struct fabric_int_hist);
	__u32 keys[FINT_BATCH], count, token = 0, node, i;
	void *buf = calloc((size_t)FINT_BATCH * m->ncpu, size);
	int n = 0, err = 0;
	void *in = NULL;

	if (!buf)
		return -1;
	while (n < max && !err) {
		count = FINT_BATCH;
		err = bpf_map_lookup_batch(m->hops_fd, in, &token, keys, buf,
					   &count, NULL);
		if (err && errno != ENOENT)
			goto one_by_one;	/* a kernel without batch ops */
		for (i = 0; i < count && n < max; i++)
			n = add_hop(out, n, keys[i],
				    (char *)buf + i * m->ncpu * size, m->ncpu);
		in = &token;
	}
	free(buf);
	return n;

one_by_one:
	for (n = 0, node = 0; node < FABRIC_INT_MAX_NODES && n < max; node++) {
		if (bpf_map_lookup_elem(m->hops_fd, &node, buf)) {
			free(buf);
			return -1;
		}
		n = add_hop(out, n, node, buf, m->ncpu);
	}
	free(buf);
	return n;
}

int fint_read_hops(const struct fint_maps *m, struct fint_hop *out, int max)
{
	struct fabric_int_node_index ix;
	__u32 zero = 0, w, node;
	void *buf;
	__u64 bits;
	int n = 0;

	if (m->nodes_fd < 0 || bpf_map_lookup_elem(m->nodes_fd, &zero, &ix))
		return read_hops_all(m, out, max);
	buf = calloc(m->ncpu, sizeof(struct fabric_int_hist));
	if (!buf)
		return -1;
	for (w = 0; w < FABRIC_INT_MAX_NODES / 64; w++) {
		for (bits = ix.bits[w]; bits && n < max; bits &= bits - 1) {
			node = w * 64 + __builtin_ctzll(bits);
			if (bpf_map_lookup_elem(m->hops_fd, &node, buf)) {
				free(buf);
				return -1;
			}
			n = add_hop(out, n, node, buf, m->ncpu);
		}
	}
	free(buf);
	return n;
}

int fint_read_xstats(const struct fint_maps *m, struct fabric_int_xstats *out)
{
	__u32 zero = 0;

	if (m->xstats_fd < 0) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	return lookup_sum(m->xstats_fd, &zero, out, sizeof(*out), m->ncpu);
}

int fint_read_other(const struct fint_maps *m, struct fabric_int_path *out)
{
	__u32 zero = 0;
	int err = lookup_sum(m->other_fd, &zero, out, sizeof(*out), m->ncpu);

	/* last_seen_ns is a time, not a count: the latest CPU's, not a sum */
	return err;
}

static int by_count(const void *a, const void *b)
{
	const struct fint_path *x = a, *y = b;

	if (x->val.latency.count != y->val.latency.count)
		return x->val.latency.count > y->val.latency.count ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static void set_path(struct fint_path *out, const struct fabric_int_path_key *key,
		     const void *percpu, int ncpu)
{
	size_t size = sizeof(struct fabric_int_path);
	const struct fabric_int_path *v;
	int c;

	out->key = *key;
	sum_words((__u64 *)&out->val, percpu, size, ncpu);
	/* a time: the latest of the CPUs, not their sum */
	out->val.last_seen_ns = 0;
	for (c = 0; c < ncpu; c++) {
		v = (const void *)((const char *)percpu + c * size);
		if (v->last_seen_ns > out->val.last_seen_ns)
			out->val.last_seen_ns = v->last_seen_ns;
	}
}

/* FINT_BATCH paths per system call; -2 when the kernel cannot batch. */
static int read_paths_batch(const struct fint_maps *m, struct fint_path *out,
			    int max)
{
	size_t size = sizeof(struct fabric_int_path);
	struct fabric_int_path_key keys[FINT_BATCH];
	void *buf = calloc((size_t)FINT_BATCH * m->ncpu, size);
	__u32 count, token = 0, i;
	void *in = NULL;
	int n = 0, err = 0;

	if (!buf)
		return -1;
	while (n < max && !err) {
		count = FINT_BATCH;
		err = bpf_map_lookup_batch(m->paths_fd, in, &token, keys, buf,
					   &count, NULL);
		if (err && errno != ENOENT) {
			/* also ENOSPC: a bucket longer than a batch */
			free(buf);
			return -2;
		}
		for (i = 0; i < count && n < max; i++, n++)
			set_path(&out[n], &keys[i],
				 (char *)buf + i * m->ncpu * size, m->ncpu);
		in = &token;
	}
	free(buf);
	return n;
}

int fint_read_paths(const struct fint_maps *m, struct fint_path *out, int max)
{
	struct fabric_int_path_key key, next;
	void *buf, *prev = NULL;
	int n;

	n = read_paths_batch(m, out, max);
	if (n >= 0)
		goto sort;
	if (n == -1)
		return -1;
	buf = calloc(m->ncpu, sizeof(struct fabric_int_path));
	if (!buf)
		return -1;
	n = 0;
	while (n < max && !bpf_map_get_next_key(m->paths_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->paths_fd, &key, buf))
			continue;	/* deleted meanwhile */
		set_path(&out[n++], &key, buf, m->ncpu);
	}
	free(buf);
sort:
	qsort(out, n, sizeof(out[0]), by_count);
	return n;
}

static int quantile_bucket(const struct fabric_int_hist *h, double q)
{
	__u64 rank, seen = 0;
	int b;

	if (!h->count)
		return -1;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	/* the smallest bucket holding at least ceil(q * count) samples */
	rank = (__u64)(q * (double)h->count + 0.999999);
	if (!rank)
		rank = 1;
	for (b = 0; b < FABRIC_INT_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			return b;
	}
	return FABRIC_INT_HIST_BUCKETS - 1;
}

__u64 fint_quantile(const struct fabric_int_hist *h, double q)
{
	int b = quantile_bucket(h, q);

	return b < 0 ? 0 : fabric_int_bucket_le_ns(b);
}

__u64 fint_quantile_lo(const struct fabric_int_hist *h, double q)
{
	int b = quantile_bucket(h, q);

	return b <= 0 ? 0 : fabric_int_bucket_le_ns(b - 1);
}

const char *fint_path_str(const struct fabric_int_path_key *k, char *buf, size_t len)
{
	size_t n = 0;
	__u32 i;

	buf[0] = '\0';
	for (i = 0; i < k->hops && i < FABRIC_INT_MAX_HOPS && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%u", i ? ">" : "", k->node[i]);
	return buf;
}

int fint_configure(struct fabric_bpf *skel, const struct fabric_int_config *cfg,
		   const struct fabric_int_class *cls, int n_cls, const __u8 *dscp)
{
	int fd = bpf_map__fd(skel->maps.fab_int_class), i;
	__u32 key;

	for (i = 0; i < n_cls; i++) {
		key = dscp[i];
		if (key >= FABRIC_INT_CLASSES ||
		    bpf_map_update_elem(fd, &key, &cls[i], BPF_ANY))
			return -1;
	}
	/* roles last: the classes are in place when the roles start */
	memcpy(skel->data_int->int_cfg_raw, cfg, sizeof(*cfg));
	return 0;
}
