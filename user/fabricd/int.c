// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fabricd's INT: [int] of the configuration into the loaded data path. */
#include "fabricd.h"
#include "fabricd_int.h"
#include "failover.h"
#include "int_telemetry.h"
#include "log.h"

int fabricd_int_start(struct fabricd *d)
{
	const struct fcfg_int *in = &d->cfg.int_;
	struct fabric_int_class cls[FABRIC_INT_CLASSES] = {};
	__u8 dscp[FABRIC_INT_CLASSES];
	struct fabric_int_config cfg = {
		.roles = in->roles,
		.node_id = in->node_id,
		.udp_port = in->udp_port,
		.probe_port = in->probe_port,
		.mtu = in->mtu,
		.domain_id = in->domain_id,
	};
	int i, n = 0;

	for (i = 0; i < FABRIC_INT_CLASSES; i++) {
		dscp[n] = i;
		if (in->dscp_mask & (1ULL << i)) {
			cls[n].mode = in->mode;
			cls[n].max_hops = in->max_hops;
			cls[n].instr = in->instr;
			cls[n].sample_n = in->sample;
		}
		n++;	/* every class: one left out of the list is off */
	}
	if (fint_configure(d->dp->skel, &cfg, cls, n, dscp)) {
		pr_err("[int]: cannot write the INT classes: %m\n");
		return -1;
	}
	if (in->roles)
		pr_info("INT: node %u, roles%s%s%s, %s on %d DSCP(s)\n", in->node_id,
			in->roles & FABRIC_INT_ROLE_SOURCE ? " source" : "",
			in->roles & FABRIC_INT_ROLE_TRANSIT ? " transit" : "",
			in->roles & FABRIC_INT_ROLE_SINK ? " sink" : "",
			in->mode == FABRIC_INT_MODE_EMBED ? "embed" :
			in->mode == FABRIC_INT_MODE_PROBE ? "probe" : "off",
			__builtin_popcountll(in->dscp_mask));
	return 0;
}

int fabricd_extra_metrics(struct fabric_metrics_buf *b, void *ctx)
{
	struct fabricd *d = ctx;
	struct fint_maps m;
	int err;

	err = fabricd_fo_metrics(b, d->fo);
	if (err < 0 || !d->dp || fint_from_skel(d->dp->skel, &m))
		return err;
	return fint_metrics_render(b, &m, d->cfg.int_.top_paths);
}
