/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Localisation of gray failures by tomography over paths that share
 * links: each path (an ordered list of link ids) is BAD (its detector
 * alarmed), CLEAN (its detector accepted H0) or UNKNOWN (undecided, or no
 * evidence). Links on clean paths are exonerated; the remaining links
 * that carry bad paths are candidates; the fewest candidates that explain
 * every bad path are chosen greedily (set cover), and each gets a
 * confidence. Documentation/gray.md explains the
 * rules.
 *
 * Pure C like common/failover.c (no libc, no kernel headers, no
 * allocation, no 64-bit division): usable in fabricd, a kernel module and
 * the unit tests.
 */
#ifndef FABRIC_LOCALIZE_H
#define FABRIC_LOCALIZE_H

#include "fabric_types.h"

#define LOC_MAX_LINKS	64
#define LOC_MAX_PATHS	256
#define LOC_MAX_HOPS	8
#define LOC_EINVAL	22

enum loc_state {
	LOC_UNKNOWN,
	LOC_CLEAN,
	LOC_BAD,
};

struct loc_path {
	__u16	link[LOC_MAX_HOPS];
	__u8	n_hops;		/* 1..LOC_MAX_HOPS */
	__u8	state;		/* enum loc_state */
	/*
	 * Bit h: this bad path is no evidence against link[h] (its loss
	 * exceeds what link[h]'s other paths show, so the excess is another
	 * link's). It still needs explaining by its other links. 0: none.
	 */
	__u8	excl;
	__u8	pad;
	__u32	loss_ppb;	/* the path's loss estimate (0: none) */
};

struct loc_cfg {
	__u32	min_paths;	/* decided paths a link needs for full
				 * confidence (2) */
	__u32	clean_veto;	/* clean paths that exonerate a link (1) */
};

struct loc_link {
	__u8	suspect;	/* chosen to explain bad paths */
	__u8	candidate;	/* carries bad paths, not exonerated */
	__u16	conf;		/* per mille, suspects only */
	__u16	n_paths;	/* paths through the link */
	__u16	n_bad, n_clean;
	__u16	n_unique;	/* bad paths no other candidate explains */
	__u32	loss_ppb;	/* least loss of its bad paths (0: none given) */
};

struct loc_result {
	__u32	n_suspects;
	__u32	n_bad;		/* bad paths */
	__u32	unexplained;	/* bad paths through exonerated links only */
};

#define LOC_PATH_WORDS	(LOC_MAX_PATHS / 64)

struct loc_pathset {
	__u64	w[LOC_PATH_WORDS];
};

/* Scratch space of loc_solve(), 2 KiB: too big for a kernel stack. */
struct loc_work {
	struct loc_pathset	cover[LOC_MAX_LINKS];	/* bad paths through each link */
};

void loc_cfg_default(struct loc_cfg *c);
/*
 * @links[0..n_links) is filled; -LOC_EINVAL on a bad count, hop count or
 * link id. O(n_links^2 * n_paths / 64 + n_links * n_paths * hops).
 */
int loc_solve(const struct loc_path *paths, __u32 n_paths, __u32 n_links,
	      const struct loc_cfg *cfg, struct loc_link *links,
	      struct loc_result *res, struct loc_work *work);

#endif
