// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "fabric_genl.h"
#include "policy.h"

#define NSEC_PER_MSEC_U64 1000000ULL

void fabric_path_init(struct fabric_path *p, const struct fabric_params *pp)
{
	p->state = FABRIC_PATH_UP;
	p->flaps = 0;
	p->hold_ms = pp->hold_ms;
	p->last_down_ns = 0;
	p->hold_until_ns = 0;
}

static void path_down(struct fabric_path *p, const struct fabric_params *pp,
		      __u64 now)
{
	__u32 next;

	/* A failure soon after the previous one doubles the hold-down; a
	 * quiet period resets it. */
	if (p->last_down_ns && now - p->last_down_ns < pp->decay_ms * NSEC_PER_MSEC_U64) {
		next = p->hold_ms * 2;
		if (next < p->hold_ms || next > pp->hold_max_ms)
			next = pp->hold_max_ms;
	} else {
		next = pp->hold_ms;
	}
	p->hold_ms = next;
	p->last_down_ns = now;
	p->flaps++;
	p->state = FABRIC_PATH_DOWN;
}

int fabric_path_event(struct fabric_path *p, const struct fabric_params *pp,
		      __u8 event, __u64 now, int *dampened)
{
	*dampened = 0;
	switch (event) {
	case FABRIC_EV_DOWN:
		if (p->state == FABRIC_PATH_DOWN)
			return 0;
		if (p->state == FABRIC_PATH_HOLDDOWN)
			*dampened = 1;
		path_down(p, pp, now);
		return 1;
	case FABRIC_EV_UP:
		if (p->state != FABRIC_PATH_DOWN)
			return 0;
		p->state = FABRIC_PATH_HOLDDOWN;
		p->hold_until_ns = now + (__u64)p->hold_ms * NSEC_PER_MSEC_U64;
		return 1;
	}
	return 0;
}

int fabric_path_tick(struct fabric_path *p, __u64 now)
{
	if (p->state != FABRIC_PATH_HOLDDOWN || (__s64)(now - p->hold_until_ns) < 0)
		return 0;
	p->state = FABRIC_PATH_UP;
	return 1;
}
