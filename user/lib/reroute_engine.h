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
/* Around one policy result of group gi: before and after executing it. */
void frr_engine_before(struct frr *r, uint32_t gi,
		       const struct fabric_fo_result *res);
void frr_engine_after(struct frr *r, uint32_t gi,
		      const struct fabric_fo_result *res, int err);

#endif
