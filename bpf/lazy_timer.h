/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A lazy bpf_timer in a map value: armed by the first event that needs it
 * (one compare-and-swap of an "armed" word, so concurrent CPUs arm it
 * once), re-armed by its own callback while there is work, and left
 * disarmed otherwise. Used by the silence timer (silence.h) and the probe
 * judge (probe_verdict.h).
 */
#ifndef FABRIC_LAZY_TIMER_H
#define FABRIC_LAZY_TIMER_H

#include "fabric_state.h"

/* Start the timer delay ns ahead (at least min_ns) and note when it is
 * due; a failure disarms it and is counted. */
static __always_inline void lazy_timer_start(struct bpf_timer *t, __u64 delay,
					     __u64 min_ns, __u64 *deadline,
					     __u32 *armed, __u64 *errors)
{
	if (delay < min_ns)
		delay = min_ns;
	*deadline = bpf_ktime_get_ns() + delay;
	if (bpf_timer_start(t, delay, 0)) {
		__sync_fetch_and_add(errors, 1);
		*armed = 0;
	}
}

/*
 * Disarmed -> armed: returns 1 for the one caller that won the flip, after
 * setting the timer up (bpf_timer_init is -EBUSY once initialised; the
 * callback stays set); it then starts it with lazy_timer_start().
 */
static __always_inline int lazy_timer_claim(struct bpf_timer *t, void *map,
					    void *cb, __u32 *armed)
{
	if (*armed || __sync_val_compare_and_swap(armed, 0, 1) != 0)
		return 0;
	bpf_timer_init(t, map, CLOCK_MONOTONIC_);
	bpf_timer_set_callback(t, cb);
	return 1;
}

#endif
