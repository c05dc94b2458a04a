/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-path failover policy: UP -> DOWN -> HOLDDOWN -> UP with exponential
 * hold-down (flap dampening). Pure C, no locking: callers serialise.
 * Interim home until the shared common/failover state machine lands; the
 * module only uses the functions below.
 */
#ifndef FABRIC_POLICY_H
#define FABRIC_POLICY_H

#include "fabric_types.h"

struct fabric_params {
	__u32 hold_ms;		/* first hold-down after a quiet period */
	__u32 hold_max_ms;	/* cap of the doubling */
	__u32 decay_ms;		/* a failure within this of the previous doubles */
};

struct fabric_path {
	__u8 state;		/* enum fabric_path_state */
	__u32 flaps;		/* UP/HOLDDOWN -> DOWN transitions */
	__u32 hold_ms;		/* hold-down the next recovery waits */
	__u64 last_down_ns;
	__u64 hold_until_ns;	/* valid in HOLDDOWN */
};

void fabric_path_init(struct fabric_path *p, const struct fabric_params *pp);
/* Feed a signal. Returns 1 when the state changed. *dampened is set when a
 * recovery was held back (failure during hold-down). */
int fabric_path_event(struct fabric_path *p, const struct fabric_params *pp,
		      __u8 event, __u64 now_ns, int *dampened);
/* Hold-down expiry: HOLDDOWN -> UP when due. Returns 1 on change. */
int fabric_path_tick(struct fabric_path *p, __u64 now_ns);

#endif
