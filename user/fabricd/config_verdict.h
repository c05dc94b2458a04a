/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* [verdict] of fabric.conf (config_verdict.c; Documentation/configuration.md). */
#ifndef FABRICD_CONFIG_VERDICT_H
#define FABRICD_CONFIG_VERDICT_H

#include <stdbool.h>
#include <linux/types.h>

/* probe_sender: who sends the probes (Documentation/reroute.md). */
enum fcfg_probe_sender {
	FCFG_SENDER_AUTO,	/* fabric.ko's prober when it executes */
	FCFG_SENDER_FABRICD,	/* fabricd's userspace prober */
	FCFG_SENDER_KMOD,	/* fabric.ko's prober, fabricd's as fallback */
};

/* The kernel-side probe verdict; 0 means "as [thresholds] says". */
struct fcfg_verdict {
	bool	kernel;		/* judge fabricd's probes in the data path */
	__u32	judge_us;	/* judge timer period; 0: the probe interval */
	__u32	timeout_us;	/* 0: the prober's timeout */
	__u32	miss_k;		/* 0: probe_miss_threshold */
	__u32	recover;	/* 0: recover_probes */
	__u32	probe_sender;	/* enum fcfg_probe_sender */
};

/* The judge's settings as both judges get them ([verdict] over
 * [thresholds]; Documentation/configuration.md, "[verdict]"). */
struct fcfg_verdict_eff {
	__u64	timeout_us;	/* answer deadline */
	__u64	judge_us;	/* judge timer period, >= the judge minimum */
	__u64	stall_tol_us;
	__u32	miss_k, recover;
};

struct fabricd_config;
void fcfg_verdict_effective(const struct fabricd_config *c,
			    struct fcfg_verdict_eff *e);

#endif
