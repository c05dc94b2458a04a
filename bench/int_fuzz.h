/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The INT sink fuzzer, shared by bench/int and selftests/bpf/test_int_fuzz:
 * INT frames encoded by the reference (bench/int_ref.c), most of them then
 * mutated, go through fabric_xdp_rx with the sink role; the verdict, the
 * frame it leaves and the counters it moves must be what the reference
 * says. Deterministic for a given seed.
 */
#ifndef FABRIC_INT_FUZZ_H
#define FABRIC_INT_FUZZ_H

#include <stdio.h>
#include <linux/types.h>
#include "fabric_int.h"

struct int_fuzz_opts {
	__u64	seed;
	__u64	frames;
	int	max_reports;	/* disagreements printed in full */
	FILE	*log;		/* lines start with "# " */
};

struct int_fuzz_result {
	__u64	frames;
	__u64	disagreements;
	__u64	crashes;	/* test_run failed */
	__u64	mutated;
	__u64	not_int, stripped, dropped, malformed;
	__u64	bad[FABRIC_INT_BAD_MAX];
	double	seconds;
};

/* 0, or -errno when the data path could not be set up. */
int int_fuzz_run(const struct int_fuzz_opts *o, struct int_fuzz_result *r);

#endif
