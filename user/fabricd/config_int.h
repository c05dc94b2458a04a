/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* [int] of fabric.conf (config_int.c; Documentation/configuration.md). */
#ifndef FABRICD_CONFIG_INT_H
#define FABRICD_CONFIG_INT_H

#include <linux/types.h>

struct fcfg_int {
	__u32	roles;		/* FABRIC_INT_ROLE_* */
	__u32	node_id;
	int	node_id_line;	/* 0: [node] id */
	__u32	udp_port;
	__u32	probe_port;
	__u32	mtu;
	__u32	domain_id;
	__u32	mode;		/* FABRIC_INT_MODE_* of the classes below */
	__u64	dscp_mask;	/* the flow classes (DSCPs) it applies to */
	__u32	sample;		/* embed: 1 in N packets per flow */
	__u32	max_hops;
	__u32	instr;		/* instruction bitmap */
	__u32	top_paths;	/* path latency series exported */
};

#endif
