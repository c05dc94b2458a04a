/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Layout of the frame bench/datapath feeds to its programs: Ethernet,
 * IPv4 without options, UDP, BTH. The driver and the memory floor write and
 * read the BTH at these fixed offsets instead of parsing.
 */
#ifndef FABRIC_BENCH_H
#define FABRIC_BENCH_H

#define BENCH_BTH_OFF		(14 + 20 + 8)
#define BENCH_QP_OFF		(BENCH_BTH_OFF + 4)
#define BENCH_PSN_OFF		(BENCH_BTH_OFF + 8)

enum bench_mode {
	BENCH_MODE_SEQ,		/* flows 0..n-1 in turn, one packet each */
	BENCH_MODE_BURST,	/* a random flow per 16 packets, PSNs in order */
	BENCH_MODE_RANDOM,	/* a random flow per packet, fixed PSN */
	BENCH_MODE_HOT,		/* one flow, PSNs in order */
};

#define BENCH_BURST		16

#endif
