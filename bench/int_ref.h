/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reference model of the INT sink for the INT fuzzer: an independent
 * reading of P4.org INT v2.1 (INT-MD over UDP, NPT=1) and of the rules in
 * Documentation/int.md. It decides what the sink must do with a frame and
 * builds the frame it must leave, computing checksums from whole sums
 * rather than incrementally. It also encodes INT frames from scratch, to
 * seed the fuzzer without the data path's help. Shares only the constants
 * and layouts of common/fabric_int.h with the data path.
 */
#ifndef FABRIC_INT_REF_H
#define FABRIC_INT_REF_H

#include <stddef.h>
#include <linux/types.h>
#include "fabric_int.h"

enum int_ref_verdict {
	INT_REF_NOT_INT,	/* untouched, nothing counted */
	INT_REF_MALFORMED,	/* untouched, sink_malformed[bad]++ */
	INT_REF_STRIP,		/* out = the original frame, sink_stripped++ */
	INT_REF_DROP,		/* D bit: dropped, sink_probes++ */
};

struct int_ref_result {
	enum int_ref_verdict verdict;
	__u32	bad;		/* enum fabric_int_malformed */
	__u32	hops;
	__u32	out_len;	/* INT_REF_STRIP */
};

/* @out gets the stripped frame (at least @len bytes) for INT_REF_STRIP. */
void int_ref_sink(const __u8 *f, size_t len, __u16 port, __u8 *out,
		  struct int_ref_result *r);

/*
 * Encode: insert a shim, a metadata header and @hops hops of @hop_words
 * words (contents from @hopdata, newest first) after the UDP header of
 * the untagged IPv4/IPv6 UDP frame @f, rewriting dport to @port and
 * fixing lengths and checksums from scratch (a zero UDP checksum stays
 * zero). Returns the new length, 0 if it does not fit @cap.
 */
size_t int_ref_encode(const __u8 *f, size_t len, __u8 *out, size_t cap,
		      __u16 port, __u8 flags, __u16 instr, __u8 remaining,
		      __u32 hops, const __u32 *hopdata);

#endif
