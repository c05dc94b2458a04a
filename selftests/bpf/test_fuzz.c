// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Parser fuzz in `make check`: 200k mutated frames through fabric_xdp_rx
 * (and a third of them through fabric_tc_tx), each frame's port and flow
 * counter deltas compared with the independent reference decoder
 * (bench/fuzz_ref.c). bench/fuzz runs the same loop with 10M frames. The
 * seed is fixed so a failure replays: bench/fuzz -s SEED -n 200000 shows
 * the same frames. Documentation/fuzzing.md.
 */
#include <errno.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "fuzz_core.h"

#define FUZZ_SEED	0xfab0f022ULL
#define FUZZ_FRAMES	200000

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* About 2 s when the machine is idle; the margin is for a shared CPU. */
TEST_F_TIMEOUT(fuzz, parser_200k, 300)
{
	struct fuzz_opts o = {
		.seed = FUZZ_SEED,
		.frames = FUZZ_FRAMES,
		.max_reports = 10,
		.log = stdout,
	};
	struct fuzz_result r;
	int err;

	printf("# seed %#llx, %d frames\n", (unsigned long long)o.seed,
	       FUZZ_FRAMES);
	err = fuzz_run(&o, &r);
	if (err == -EPERM)
		SKIP(return, "loading BPF needs root/CAP_BPF (kernel refused)");
	ASSERT_EQ(0, err);
	printf("# fuzz: frames=%llu disagreements=%llu verdict_changes=%llu "
	       "crashes=%llu roce=%llu non_roce=%llu malformed=%llu "
	       "unparsed=%llu requests=%llu multibuf=%llu tc_runs=%llu\n",
	       (unsigned long long)r.frames,
	       (unsigned long long)r.disagreements,
	       (unsigned long long)r.verdict_changes,
	       (unsigned long long)r.crashes,
	       (unsigned long long)r.per_class[0],
	       (unsigned long long)r.per_class[1],
	       (unsigned long long)r.per_class[2],
	       (unsigned long long)r.per_class[3],
	       (unsigned long long)r.requests,
	       (unsigned long long)r.multibuf,
	       (unsigned long long)r.tc_runs);
	ASSERT_EQ(FUZZ_FRAMES, r.frames);
	/* every class and the PSN tracker were reached, or the fuzz is blind */
	ASSERT_LT(FUZZ_FRAMES / 10, r.per_class[0]);
	ASSERT_LT(FUZZ_FRAMES / 20, r.per_class[1]);
	ASSERT_LT(FUZZ_FRAMES / 20, r.per_class[2]);
	ASSERT_LT(FUZZ_FRAMES / 50, r.per_class[3]);
	ASSERT_LT(FUZZ_FRAMES / 10, r.requests);
	ASSERT_LT(FUZZ_FRAMES / 20, r.multibuf);
	ASSERT_LT(FUZZ_FRAMES / 5, r.tc_runs);
	EXPECT_EQ(0, r.disagreements);
	EXPECT_EQ(0, r.verdict_changes);
	EXPECT_EQ(0, r.crashes);
}

TEST_HARNESS_MAIN
