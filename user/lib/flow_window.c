// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Windowed reads of the flow table, by BPF_MAP_LOOKUP_BATCH into a reused
 * buffer rather than by mmap() windows. Both keep the resident set bounded,
 * but a fresh mapping pays for every page on its first touch (a hypervisor
 * trap per page on the development VMs: ~70-130 ms per scan of a 128 MiB
 * table, against ~35 ms for the copy), and a scrape would pay it again each
 * time. The copy is as racy as a read of the mapping; slots being rewritten
 * carry the BUSY tag and are skipped as they are there.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <bpf/bpf.h>

#include "flow_window.h"

static int window_alloc(struct fabric_flow_window *w)
{
	if (w->sets)
		return 0;
	w->sets = malloc((size_t)FABRIC_FLOW_WINDOW_SETS * sizeof(*w->sets));
	w->keys = malloc((size_t)FABRIC_FLOW_WINDOW_SETS * sizeof(*w->keys));
	if (w->sets && w->keys)
		return 0;
	fabric_flow_window_free(w);
	return -ENOMEM;
}

void fabric_flow_window_free(struct fabric_flow_window *w)
{
	free(w->sets);
	free(w->keys);
	w->sets = NULL;
	w->keys = NULL;
}

/* Copy sets [first, first + *n) into w->sets; *n is what was copied. */
static int copy_window(const struct fabric_maps *m,
		       struct fabric_flow_window *w, __u32 first, __u32 *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = first - 1, out = 0, cnt = *n;
	int err;

	/* in_batch is the last index of the previous batch */
	err = bpf_map_lookup_batch(m->flows_fd, first ? &in : NULL, &out,
				   w->keys, w->sets, &cnt, &opts);
	if (err && errno != ENOENT)
		return -errno;
	*n = cnt;
	return 0;
}

int fabric_flow_window_read(const struct fabric_maps *m,
			    struct fabric_flow_window *w, fabric_flow_cb cb,
			    void *ctx)
{
	__u32 s, n;
	int err;

	if (m->sets)
		return fabric_maps_for_each_flow(m, cb, ctx);
	err = window_alloc(w);
	if (err)
		return err;
	for (s = 0; s < m->nsets; s += n) {
		struct fabric_maps v = *m;

		n = m->nsets - s < FABRIC_FLOW_WINDOW_SETS ?
		    m->nsets - s : FABRIC_FLOW_WINDOW_SETS;
		err = copy_window(m, w, s, &n);
		if (err)
			return err;
		if (!n)
			return -EIO;	/* the table shrank under us */
		v.sets = w->sets;
		v.nsets = n;
		v.sets_len = (size_t)n * sizeof(*w->sets);
		err = fabric_maps_for_each_flow(&v, cb, ctx);
		if (err)
			return err;
	}
	return 0;
}

int fabric_flow_window_for_each(const struct fabric_maps *m, fabric_flow_cb cb,
				void *ctx)
{
	struct fabric_flow_window w = {};
	int err;

	err = fabric_flow_window_read(m, &w, cb, ctx);
	fabric_flow_window_free(&w);
	return err;
}

void fabric_maps_unmap_flows(struct fabric_maps *m)
{
	if (m->sets)
		munmap(m->sets, m->sets_len);
	m->sets = NULL;
}
