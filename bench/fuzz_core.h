/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The parser fuzzer's loop, shared by bench/fuzz and selftests/bpf/test_fuzz:
 * every frame goes through fabric_xdp_rx with BPF_PROG_TEST_RUN, and the
 * port and flow counter deltas it caused are compared with what the
 * reference decoder (fuzz_ref.h) says they must be.
 */
#ifndef FABRIC_FUZZ_CORE_H
#define FABRIC_FUZZ_CORE_H

#include <stdio.h>
#include <linux/types.h>

struct fuzz_opts {
	__u64		seed;
	__u64		frames;
	const char	**pcaps;	/* extra seed captures */
	int		npcaps;
	int		max_reports;	/* disagreements printed in full */
	FILE		*log;		/* reports and progress; lines start "# " */
};

struct fuzz_result {
	__u64	frames;
	__u64	disagreements;
	__u64	verdict_changes;	/* not XDP_PASS, or the bytes changed */
	__u64	crashes;		/* test_run errors, kernel WARN/BUG/oops */
	__u64	per_class[4];		/* enum ref_class */
	__u64	mutated;		/* frames with at least one mutation */
	__u64	multibuf;		/* XDP runs with the frame in two buffers */
	__u64	tc_runs;		/* frames also run through tc egress */
	__u64	requests;		/* RoCE requests: PSN tracking ran */
	__u64	new_flows;
	__u64	corpus;			/* seed frames, built and captured */
	double	seconds;
};

/* 0, or -errno when the data path could not be set up (not a finding). */
int fuzz_run(const struct fuzz_opts *o, struct fuzz_result *r);

#endif
