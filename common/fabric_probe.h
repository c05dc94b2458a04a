/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Wire format of fabric's per-path echo probes (UDP). The sender puts this
 * payload in a datagram to FABRIC_PROBE_PORT on the path's peer; the
 * peer's XDP reflector (bpf/probe.bpf.c) swaps MACs, IPs and ports and
 * sends the frame back out with XDP_TX, payload untouched.
 */
#ifndef FABRIC_PROBE_H
#define FABRIC_PROBE_H

#include "fabric_types.h"

#define FABRIC_PROBE_PORT	3785	/* default; configurable both ends */
#define FABRIC_PROBE_MAGIC	0x46425052U	/* "FBPR", network order */

struct fabric_probe_msg {
	__be32	magic;
	__u32	path;		/* sender's path index, opaque to the peer */
	__u64	seq;		/* sender's sequence number */
	__u64	tx_ns;		/* sender's CLOCK_MONOTONIC at send */
};

#endif
