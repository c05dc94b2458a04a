/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * [gray_int] of fabric.conf (config_gray_int.c): INT hop latency as
 * gray-failure evidence (Documentation/gray.md, "INT hop latency").
 */
#ifndef FABRICD_CONFIG_GRAY_INT_H
#define FABRICD_CONFIG_GRAY_INT_H

#include <stdbool.h>
#include <linux/types.h>

#define FCFG_GRAY_INT_HOPS	32	/* == GINT_MAX_HOPS */

struct fcfg_gray_int {
	bool	enable;
	int	enable_line;
	__u32	delay_threshold_us;	/* 0: [gray] delay_threshold_us */
	__u32	min_samples;		/* samples behind one block median */
	/* hops: INT node id -> link (an index into [gray]'s link names) */
	int	n_hops;
	__u32	hop_node[FCFG_GRAY_INT_HOPS];
	char	hop_name[FCFG_GRAY_INT_HOPS][32];
	__u8	hop_link[FCFG_GRAY_INT_HOPS];	/* resolved by validate */
	int	hops_line;
};

#endif
