// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * INT sink fuzz in `make check`: 200k INT frames, most of them mutated,
 * through fabric_xdp_rx with the sink role; each frame's verdict, the
 * bytes it leaves and the counters it moves are compared with the
 * reference model (bench/int_ref.c). bench/int runs 1M with another seed.
 * The seed is fixed, so a failure replays.
 */
#include <errno.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "int_fuzz.h"

#define FUZZ_SEED	0x1a7f0022ULL
#define FUZZ_FRAMES	200000

FIXTURE(int_fuzz) {
	int unused;
};

FIXTURE_SETUP(int_fuzz)
{
}

FIXTURE_TEARDOWN(int_fuzz)
{
}

/* About 1 s on an idle machine; the margin is for a shared CPU. */
TEST_F_TIMEOUT(int_fuzz, sink_200k, 300)
{
	struct int_fuzz_opts o = {
		.seed = FUZZ_SEED,
		.frames = FUZZ_FRAMES,
		.max_reports = 10,
		.log = stdout,
	};
	struct int_fuzz_result r;
	int err, k;

	err = int_fuzz_run(&o, &r);
	if (err == -EPERM)
		SKIP(return, "loading BPF needs root/CAP_BPF (kernel refused)");
	ASSERT_EQ(0, err);
	printf("# fuzz_frames=%llu fuzz_disagreements=%llu crashes=%llu "
	       "mutated=%llu stripped=%llu dropped=%llu malformed=%llu "
	       "not_int=%llu\n",
	       (unsigned long long)r.frames, (unsigned long long)r.disagreements,
	       (unsigned long long)r.crashes, (unsigned long long)r.mutated,
	       (unsigned long long)r.stripped, (unsigned long long)r.dropped,
	       (unsigned long long)r.malformed, (unsigned long long)r.not_int);
	ASSERT_EQ(FUZZ_FRAMES, r.frames);
	/* every verdict and every malformed class was reached */
	ASSERT_LT(FUZZ_FRAMES / 10, r.stripped);
	ASSERT_LT(FUZZ_FRAMES / 50, r.dropped);
	ASSERT_LT(FUZZ_FRAMES / 50, r.not_int);
	for (k = 0; k < FABRIC_INT_BAD_MAX; k++)
		EXPECT_LT(FUZZ_FRAMES / 1000, r.bad[k]) TH_LOG("class %d", k);
	EXPECT_EQ(0, r.disagreements);
	EXPECT_EQ(0, r.crashes);
}

TEST_HARNESS_MAIN
