/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The data-path reroute (reroute.h) driven by a failover executor. */
#ifndef FABRIC_REROUTE_ENGINE_H
#define FABRIC_REROUTE_ENGINE_H

#include "failover.h"
#include "reroute.h"

struct ffe_group_cfg;

/* Mirror an engine group (paths in order; ifindex from the name). */
int frr_mirror_cfg(struct frr *r, uint32_t gi, const struct ffe_group_cfg *cfg);
/* tc egress filter on every path's device (once per device). */
int frr_attach_cfg(struct frr *r, const struct ffe_group_cfg *cfg);
/*
 * The executor's two moments: the policy changed the desired member set
 * (before the replace), and a replace returned (err: its result).
 */
void frr_engine_verdict(struct frr *r, uint32_t gi, uint32_t desired,
			uint32_t installed, uint64_t now);
void frr_engine_replaced(struct frr *r, uint32_t gi, uint32_t before,
			 uint32_t after, uint64_t done_ns, int err);

struct ffe;
struct ffe_cfg;
/*
 * Mirror every group of the userspace engine, attach the tc egress
 * filter to their devices if tc, and add the engine hooks that call the
 * two functions above. Call after ffe_open(), in its namespace.
 */
int frr_engine_attach(struct frr *r, struct ffe *e,
		      const struct ffe_cfg *cfg, bool tc);

#endif
