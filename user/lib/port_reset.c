// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Zero one port's counters. Call it before the data path is attached to
 * the interface, so no CPU is counting into the entry while it is
 * overwritten.
 */
#include <errno.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "port_reset.h"

int fabric_port_reset(const struct fabric_maps *m, __u32 ifindex)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct fabric_port_counters *zero;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	if (ifindex >= FABRIC_PORT_SLOTS) {
		if (bpf_map_delete_elem(m->ports_hi_fd, &ifindex) && errno != ENOENT)
			return -errno;
		return 0;
	}
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(m->ports_fd, &ifindex, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}
