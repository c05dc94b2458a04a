/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixed-width types for code shared by BPF programs, fabric.ko and
 * userspace. BPF objects get them from vmlinux.h, everyone else from the
 * kernel's uapi header.
 */
#ifndef FABRIC_TYPES_H
#define FABRIC_TYPES_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#endif
