/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Map layouts of the lab's tc-bpf fault injector (bpf/lab_fault.bpf.c),
 * shared with its writers (build/lab-fault, scripts/lab/fault.sh).
 *
 * lab_fault (the original map, 16 bytes, still written by older tools):
 * drop_pct percent of frames dropped, 100 = blackhole.
 * lab_fault_ext: finer modes, each independent of the others; a frame may
 * be delayed, then corrupted or lost.
 * lab_fault_stats: per-CPU counters of what the modes did.
 */
#ifndef FABRIC_LAB_FAULT_H
#define FABRIC_LAB_FAULT_H

#include "fabric_types.h"

#define LAB_FAULT_PPM		1000000U
/* The busy-wait never holds a frame longer than this. */
#define LAB_FAULT_DELAY_MAX_NS	1000000U

/* Which hook applies the ext modes; 0 means both. */
#define LAB_FAULT_DIR_IN	0x1U
#define LAB_FAULT_DIR_OUT	0x2U

struct lab_fault_cfg {
	__u32	drop_pct;	/* 0..100 */
	__u32	pad;
	__u64	dropped;	/* frames dropped (racy, diagnostic) */
};

struct lab_fault_ext {
	__u32	loss_ppm;	/* random loss, parts per million */
	__u32	corrupt_ppm;	/* IPv4/UDP frames with a byte flipped */
	__u32	delay_ns;	/* busy-wait per frame, <= LAB_FAULT_DELAY_MAX_NS */
	__u16	corrupt_off;	/* offset of the flipped byte in the UDP payload */
	__u8	dir;		/* LAB_FAULT_DIR_*, 0: both hooks */
	__u8	flags;		/* LAB_FAULT_F_* */
};

/* The delay spares echo-probe answers (IPv4/UDP from LAB_FAULT_ECHO_PORT). */
#define LAB_FAULT_F_DELAY_NO_ECHO	0x1U
#define LAB_FAULT_ECHO_PORT		3785	/* FABRIC_PROBE_PORT */

struct lab_fault_stats {
	__u64	lost;
	__u64	corrupted;
	__u64	corrupt_short;	/* chosen for corruption, too short: passed */
	__u64	delayed;
	__u64	delay_capped;	/* the delay asked exceeded the cap */
};

#endif
