/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Driving the INT roles of the fabric skeleton with BPF_PROG_TEST_RUN, and
 * building and checking INT frames: shared by selftests/bpf/test_int*,
 * the INT fuzzer and bench/int.
 */
#ifndef FABRIC_INT_LIB_H
#define FABRIC_INT_LIB_H

#include <stddef.h>
#include "fabric_abi.h"
#include "fabric_int.h"
#include "fabric_probe.h"	/* the skeleton's .bss has probe settings */
#include "fabric.skel.h"

#define INT_XDP_PASS_	2
#define INT_XDP_DROP_	1
#define INT_TC_UNSPEC_	((__u32)-1)
#define INT_FRAME_MAX	4096

struct int_node {
	struct fabric_bpf *skel;
	int	xdp_fd, tc_fd, ncpus;
};

/* Load fabric with only its XDP and tc programs; 0 or -errno. */
int int_open(struct int_node *n);
void int_close(struct int_node *n);
void int_config(struct int_node *n, __u32 roles, __u32 node_id, __u32 mtu);
void int_clock(struct int_node *n, __u64 ns);
int int_class(struct int_node *n, __u32 dscp, __u8 mode, __u8 max_hops,
	      __u16 instr, __u32 sample_n);

/* Run once; the frame the program left goes to out (INT_FRAME_MAX bytes). */
int int_xdp(struct int_node *n, const void *in, __u32 len, void *out,
	    __u32 *out_len, __u32 *retval);
int int_tc(struct int_node *n, const void *in, __u32 len, void *out,
	   __u32 *out_len, __u32 *retval);

/* Per-CPU values summed; a missing entry reads as zeroes (-ENOENT). */
int int_read_stats(struct int_node *n, struct fabric_int_stats *st);
int int_read_hop(struct int_node *n, __u32 node, struct fabric_int_hist *h);
int int_read_path(struct int_node *n, const struct fabric_int_path_key *k,
		  struct fabric_int_path *p);
int int_read_path_other(struct int_node *n, struct fabric_int_path *p);
int int_path_count(struct int_node *n);
/* Zero the counters, histograms and the path table. */
void int_reset(struct int_node *n);

/*
 * A RoCEv2 RC WRITE ONLY frame (pktgen), IPv4 or IPv6, with @payload data
 * bytes, DSCP @dscp and BTH PSN @psn; @csum: a valid UDP checksum instead
 * of 0. Returns the length.
 */
size_t int_build_roce(__u8 *buf, int ipver, int csum, __u8 dscp, __u32 psn,
		      __u32 payload);
/* A UDP datagram to @dport with a struct fabric_int_probe payload. */
size_t int_build_probe(__u8 *buf, int ipver, __u8 dscp, __u16 dport);

/* Frame checks: 1 when valid. UDP checksum 0 is valid on IPv4 only. */
int int_udp_csum_ok(const __u8 *f, size_t len);
int int_ipv4_csum_ok(const __u8 *f, size_t len);
void int_udp_csum_set(__u8 *f, size_t len);
/* UDP header offset of an untagged IPv4/IPv6 frame, 0 if not UDP. */
size_t int_l4_off(const __u8 *f, size_t len);

#endif
