/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A port's counters belong to one interface: the one the data path was
 * attached to. The ports maps are keyed by ifindex, and the kernel may give
 * a deleted interface's ifindex to a new one; so before attaching to an
 * interface that does not already carry the data path, its counters start
 * over from zero. Prometheus sees a counter reset (same name) or a new
 * label set (another name), never one interface's counts under another.
 */
#ifndef FABRIC_PORT_RESET_H
#define FABRIC_PORT_RESET_H

#include "fabric_dp.h"

/* Zero ifindex's per-port counters on every CPU. 0 or -errno. */
int fabric_port_reset(const struct fabric_maps *m, __u32 ifindex);

#endif
