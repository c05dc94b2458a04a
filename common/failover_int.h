/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helpers shared by the failover policy's own files (not an API). */
#ifndef FABRIC_FAILOVER_INT_H
#define FABRIC_FAILOVER_INT_H

#include "failover.h"

#define FO_UNIT		FABRIC_FO_PENALTY_UNIT
#define FO_BIT(p)	(1U << (p))

/*
 * Elapsed time as a signed difference clamped at 0: callers on several
 * CPUs may pass a now slightly older than a stored stamp.
 */
static inline __u64 fo_elapsed(__u64 now, __u64 then)
{
	__s64 d = (__s64)(now - then);

	return d > 0 ? (__u64)d : 0;
}

static inline __u32 fo_all_mask(const struct fabric_fo_group *g)
{
	return g->n_paths >= 32 ? ~0U : FO_BIT(g->n_paths) - 1;
}

#endif
