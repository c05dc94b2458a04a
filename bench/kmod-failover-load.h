/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bench/kmod-failover: busy-loop load and the executor's cgroup. */
#ifndef KMOD_FAILOVER_LOAD_H
#define KMOD_FAILOVER_LOAD_H

#include <stdbool.h>
#include <sys/types.h>

/* Make the executor's cgroup (cgroup2 at /sys/fs/cgroup, +cpu enabled)
 * and set its cpu.max ("max 100000", "20000 100000", ...). */
int load_cgroup_setup(const char *cpu_max);
int load_cgroup_enter(pid_t pid);
void load_cgroup_print(const char *label);

/* count busy loops: at nice, pinned round-robin to the online CPUs; or,
 * cotenant, at nice 0 in the executor's cgroup, unpinned. */
int load_start(int count, int nice, bool cotenant);
void load_stop(void);

#endif
