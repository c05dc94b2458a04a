/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bench/kmod-outage, guest side (Documentation/kmod.md, Benchmark,
 * "Outage with the module doing everything"):
 *   kmod-outage.c     options, the judge phases, injections, the line
 *   kmod-outage-dp.c  leaf 1's data path and the spines
 */
#ifndef KMOD_OUTAGE_H
#define KMOD_OUTAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "failover_bench.h"	/* struct series, add(), pct(), report() */
#include "reroute.h"

#define KBO_PIN		"/sys/fs/bpf/kbo"
#define KBO_OBJ		"/fabric/bin/kmod_outage.bpf.o"
#define KBO_PROBE_OBJ	"/fabric/bpf/probe.bpf.o"

enum kbo_kind { KBO_BLACKHOLE, KBO_CARRIER, KBO_KINDS };

struct kbo {
	struct frr *rr;
	int ifx[2];			/* up1, up2 */
	uint64_t interval_ns, timeout_ns, stall_ns, judge_ns;
	uint32_t miss_k, recover;
};

struct fabric_probe_path;
int kbo_dp_setup(struct kbo *k);
int kbo_slot(uint32_t slot, struct fabric_probe_path *p);
int kbo_spines_setup(void);
int kbo_inject(enum kbo_kind kind, int spine, bool on, uint64_t *t);

#endif
