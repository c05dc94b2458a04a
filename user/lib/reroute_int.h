/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internals shared by reroute.c (state, sequence) and reroute_load.c
 * (skeleton, pins, attachments). */
#ifndef FABRIC_REROUTE_INT_H
#define FABRIC_REROUTE_INT_H

#include <limits.h>

#include "reroute.h"

struct reroute_bpf;

/* The sequence of one verdict on one member, as reported so far. */
struct frr_track {
	bool		active;		/* a verdict is being followed */
	bool		replace_pending; /* the executor reported a replace */
	uint8_t		source;
	uint8_t		done;		/* bit per enum frr_stage reported */
	uint32_t	gen;
	uint64_t	verdict_ns;
	uint64_t	replaced_ns;	/* the executor's ack time */
	uint64_t	redirected0;	/* member's counter at the verdict */
};

struct frr {
	struct reroute_bpf	*skel;
	struct fabric_rr	*rr;		/* mmap of the map's element */
	size_t			rr_len;
	struct fnh_ctx		*nh;
	frr_event_cb		cb;
	void			*arg;
	char			pin_dir[PATH_MAX];
	bool			have[FABRIC_RR_MAX_GROUPS];
	struct fnh_group	grp[FABRIC_RR_MAX_GROUPS];
	struct frr_track	tr[FABRIC_RR_MAX_GROUPS][FABRIC_RR_MAX_MEMBERS];
	int			tc_if[FRR_MAX_ATTACH];
	int			n_tc;
	int			xdp_if[FRR_MAX_ATTACH];
	int			n_xdp;
	int			hash_if[FRR_MAX_ATTACH];
	int			n_hash;
	struct frr_stats	st;
};

uint64_t frr_now(void);
/* reroute_load.c */
int frr_load(struct frr *r, const char *pin_dir);
void frr_unload(struct frr *r);

#endif
