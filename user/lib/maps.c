// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Read the data path's maps: from pins (fabricctl, fabricd after a restart)
 * or from a freshly loaded object. The flow table is read through mmap, so a
 * scrape of a million flows costs no syscall per flow.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric_dp.h"
#include "flow_hash.h"
#include "log.h"

static int open_pin(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	return fd;
}

/* The table's hash seed, from fabric_flow_meta (0 if it has none). */
static __u32 read_seed(int meta_fd)
{
	struct fabric_flow_meta meta = {};
	__u32 zero = 0;

	if (meta_fd < 0 || bpf_map_lookup_elem(meta_fd, &zero, &meta))
		return 0;
	return meta.hash_seed;
}

int fabric_maps_mmap_flows(struct fabric_maps *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *mem;

	if (bpf_obj_get_info_by_fd(m->flows_fd, &info, &len))
		return -errno;
	if (info.value_size != sizeof(struct fabric_flow_set)) {
		pr_err("flow table has %u-byte sets, this build expects %zu: "
		       "fabric versions differ; unload and reload the data path\n",
		       info.value_size, sizeof(struct fabric_flow_set));
		return -EPROTO;
	}
	m->nsets = info.max_entries;
	m->sets_len = (size_t)info.max_entries * info.value_size;
	mem = mmap(NULL, m->sets_len, PROT_READ, MAP_SHARED, m->flows_fd, 0);
	if (mem == MAP_FAILED) {
		pr_err("cannot map the flow table: %s\n", strerror(errno));
		return -errno;
	}
	m->sets = mem;
	return 0;
}

int fabric_maps_open_pinned(const char *pin_dir, struct fabric_maps *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->flows_fd = m->tx_flows_fd = m->ports_fd = m->ports_hi_fd =
		m->stats_fd = m->events_fd = -1;
	m->own_fds = true;
	m->flows_fd = open_pin(pin_dir, "fabric_flows");
	if (m->flows_fd < 0) {
		err = m->flows_fd;
		goto fail;
	}
	m->tx_flows_fd = open_pin(pin_dir, "fabric_tx_flows");
	m->ports_fd = open_pin(pin_dir, "fabric_ports");
	m->ports_hi_fd = open_pin(pin_dir, "fabric_ports_hi");
	m->stats_fd = open_pin(pin_dir, "fabric_stats");
	m->events_fd = open_pin(pin_dir, "fabric_events");
	if (m->tx_flows_fd < 0 || m->ports_fd < 0 || m->ports_hi_fd < 0 ||
	    m->stats_fd < 0 || m->events_fd < 0) {
		err = -ENOENT;
		goto fail;
	}
	err = open_pin(pin_dir, "fabric_flow_meta");
	if (err < 0) {
		pr_err("no fabric_flow_meta in %s: the data path predates this "
		       "fabricctl; reload it\n", pin_dir);
		goto fail;
	}
	m->hash_seed = read_seed(err);
	close(err);
	err = fabric_maps_mmap_flows(m);
	if (err)
		goto fail;
	return 0;
fail:
	fabric_maps_close(m);
	return err;
}

void fabric_maps_close(struct fabric_maps *m)
{
	if (m->sets)
		munmap(m->sets, m->sets_len);
	m->sets = NULL;
	if (m->own_fds) {
		if (m->flows_fd >= 0)
			close(m->flows_fd);
		if (m->tx_flows_fd >= 0)
			close(m->tx_flows_fd);
		if (m->ports_fd >= 0)
			close(m->ports_fd);
		if (m->ports_hi_fd >= 0)
			close(m->ports_hi_fd);
		if (m->stats_fd >= 0)
			close(m->stats_fd);
		if (m->events_fd >= 0)
			close(m->events_fd);
	}
	m->flows_fd = m->tx_flows_fd = m->ports_fd = m->ports_hi_fd =
		m->stats_fd = m->events_fd = -1;
}

/*
 * A slot may be rewritten by the data path while we copy it: the tag is
 * read before and after the copy, and a slot whose tag changed is skipped.
 * References held by updaters change only the low bits of the word.
 */
bool fabric_maps_read_flow(const struct fabric_maps *m, __u32 set, __u32 way,
			   struct fabric_flow *out)
{
	const struct fabric_flow_set *fs = &m->sets[set];
	const struct fabric_flow_slot *s = &fs->slot[way];
	const struct fabric_flow_cold *c = &fs->cold[way];
	__u32 tag = fabric_own_tag(__atomic_load_n(&s->own, __ATOMIC_ACQUIRE));
	__u64 psn;

	if (tag == FABRIC_TAG_EMPTY || tag == FABRIC_TAG_BUSY)
		return false;
	out->key = s->key;
	out->ifindex = s->ifindex;
	psn = __atomic_load_n(&s->psn_state, __ATOMIC_RELAXED);
	out->next_psn = (__u32)psn;
	out->read_slack = (__u32)(psn >> 32);
	out->packets = __atomic_load_n(&s->packets, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
	out->first_seen_ns = c->first_seen_ns;
	out->last_seen_ns = __atomic_load_n(&s->last_seen_ns, __ATOMIC_RELAXED);
	out->ce = __atomic_load_n(&s->ce, __ATOMIC_RELAXED);
	out->ect = __atomic_load_n(&s->ect, __ATOMIC_RELAXED);
	out->cnp = __atomic_load_n(&s->cnp, __ATOMIC_RELAXED);
	out->acks = __atomic_load_n(&s->acks, __ATOMIC_RELAXED);
	out->naks_seq = __atomic_load_n(&s->naks_seq, __ATOMIC_RELAXED);
	out->psn_gaps = __atomic_load_n(&c->psn_gaps, __ATOMIC_RELAXED);
	out->psn_missing = __atomic_load_n(&c->psn_missing, __ATOMIC_RELAXED);
	out->psn_dups = __atomic_load_n(&s->psn_dups, __ATOMIC_RELAXED);
	out->psn_rewinds = __atomic_load_n(&c->psn_rewinds, __ATOMIC_RELAXED);
	out->naks_rnr = __atomic_load_n(&c->naks_rnr, __ATOMIC_RELAXED);
	out->naks_other = __atomic_load_n(&c->naks_other, __ATOMIC_RELAXED);
	out->truncated = __atomic_load_n(&c->truncated, __ATOMIC_RELAXED);
	return fabric_own_tag(__atomic_load_n(&s->own, __ATOMIC_ACQUIRE)) == tag;
}

int fabric_maps_for_each_flow(const struct fabric_maps *m, fabric_flow_cb cb,
			      void *ctx)
{
	struct fabric_flow f;
	__u32 s, w;
	int err;

	for (s = 0; s < m->nsets; s++) {
		for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
			if (!fabric_maps_read_flow(m, s, w, &f))
				continue;
			err = cb(&f, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

/* 0 and the flow in @out, or -ENOENT. */
int fabric_maps_get_flow(const struct fabric_maps *m,
			 const struct fabric_flow_key *k, struct fabric_flow *out)
{
	__u32 hash = fabric_flow_hash_seeded(k, m->hash_seed);
	__u32 w, set, tag = fabric_flow_tag(hash);

	if (!m->nsets || !m->sets)
		return -ENOENT;
	set = fabric_flow_set_index(hash, m->nsets - 1);
	for (w = 0; w < FABRIC_FLOW_WAYS; w++) {
		const struct fabric_flow_slot *s = &m->sets[set].slot[w];

		if (fabric_own_tag(__atomic_load_n(&s->own, __ATOMIC_ACQUIRE)) != tag ||
		    memcmp(&s->key, k, sizeof(*k)))
			continue;
		if (fabric_maps_read_flow(m, set, w, out) &&
		    !memcmp(&out->key, k, sizeof(*k)))
			return 0;
	}
	return -ENOENT;
}

const struct fabric_flow *fabric_maps_find_flow(const struct fabric_maps *m,
						const struct fabric_flow_key *k)
{
	static __thread struct fabric_flow snap;

	return fabric_maps_get_flow(m, k, &snap) ? NULL : &snap;
}

int fabric_maps_tx_flow(const struct fabric_maps *m,
			const struct fabric_flow_key *key,
			struct fabric_tx_flow *out)
{
	if (bpf_map_lookup_elem(m->tx_flows_fd, key, out))
		return -errno;
	return 0;
}

int fabric_maps_for_each_tx_flow(const struct fabric_maps *m,
				 fabric_tx_flow_cb cb, void *ctx)
{
	struct fabric_flow_key key, next;
	struct fabric_tx_flow tf;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(m->tx_flows_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->tx_flows_fd, &key, &tf))
			continue;	/* evicted meanwhile */
		err = cb(&key, &tf, ctx);
		if (err)
			return err;
	}
	return 0;
}

static void sum_u64(__u64 *acc, const __u64 *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		acc[i] += v[i];
}

static void port_sum(struct fabric_port_counters *sum,
		     const struct fabric_port_counters *vals, int ncpu)
{
	const size_t nfields = sizeof(*sum) / sizeof(__u64);
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpu; cpu++) {
		__u64 rx_last = sum->rx_last_ns, tx_last = sum->tx_last_ns;

		sum_u64((__u64 *)sum, (const __u64 *)&vals[cpu], nfields);
		/* times are maxima, not sums */
		sum->rx_last_ns = rx_last > vals[cpu].rx_last_ns ?
				  rx_last : vals[cpu].rx_last_ns;
		sum->tx_last_ns = tx_last > vals[cpu].tx_last_ns ?
				  tx_last : vals[cpu].tx_last_ns;
	}
}

/* One port's counters, summed over CPUs; -ENOENT if it has none. */
int fabric_maps_port(const struct fabric_maps *m, __u32 ifindex,
		     struct fabric_port_counters *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0, fd;
	struct fabric_port_counters *vals;

	if (ncpu <= 0)
		return ncpu;
	fd = ifindex < FABRIC_PORT_SLOTS ? m->ports_fd : m->ports_hi_fd;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &ifindex, vals))
		err = -errno;
	else
		port_sum(out, vals, ncpu);
	free(vals);
	return err;
}

/* Array slots of ports that never saw a packet are skipped. */
int fabric_maps_for_each_port(const struct fabric_maps *m, fabric_port_cb cb,
			      void *ctx)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct fabric_port_counters sum, *vals;
	__u32 key, next, *prev = NULL;

	if (ncpu <= 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 1; key < FABRIC_PORT_SLOTS && !err; key++) {
		if (bpf_map_lookup_elem(m->ports_fd, &key, vals))
			continue;
		port_sum(&sum, vals, ncpu);
		if (sum.rx_packets || sum.tx_packets)
			err = cb(key, &sum, ctx);
	}
	while (!err && m->ports_hi_fd >= 0 &&
	       !bpf_map_get_next_key(m->ports_hi_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->ports_hi_fd, &key, vals))
			continue;
		port_sum(&sum, vals, ncpu);
		err = cb(key, &sum, ctx);
	}
	free(vals);
	return err;
}

int fabric_maps_stats(const struct fabric_maps *m, struct fabric_dp_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), cpu;
	struct fabric_dp_stats *vals;
	__u32 zero = 0;

	if (ncpu <= 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(m->stats_fd, &zero, vals)) {
		free(vals);
		return -errno;
	}
	for (cpu = 0; cpu < ncpu; cpu++)
		sum_u64((__u64 *)out, (const __u64 *)&vals[cpu],
			sizeof(*out) / sizeof(__u64));
	free(vals);
	return 0;
}
