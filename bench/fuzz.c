// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/fuzz: mutated frames through fabric_xdp_rx (BPF_PROG_TEST_RUN),
 * every frame's counter deltas checked against an independent decoder.
 * Documentation/fuzzing.md.
 *
 *	fuzz [-n FRAMES] [-s SEED] [-r REPORTS] [PCAP...]
 *
 * Prints one line; every value but frames must be 0:
 *	fuzz: frames= disagreements= verdict_changes= crashes= ...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_core.h"

#define DEFAULT_FRAMES	10000000ULL
#define DEFAULT_SEED	0xfab0f022ULL

static void usage(void)
{
	fprintf(stderr, "usage: fuzz [-n FRAMES] [-s SEED] [-r REPORTS] [PCAP...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct fuzz_opts o = {
		.seed = DEFAULT_SEED,
		.frames = DEFAULT_FRAMES,
		.max_reports = 10,
		.log = stderr,
	};
	struct fuzz_result r;
	int c, err;

	while ((c = getopt(argc, argv, "n:s:r:h")) != -1) {
		switch (c) {
		case 'n':
			o.frames = strtoull(optarg, NULL, 0);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			o.max_reports = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	o.pcaps = (const char **)argv + optind;
	o.npcaps = argc - optind;

	err = fuzz_run(&o, &r);
	if (err) {
		fprintf(stderr, "fuzz: setup failed: %s\n", strerror(-err));
		return 1;
	}
	printf("fuzz: frames=%llu disagreements=%llu verdict_changes=%llu "
	       "crashes=%llu seed=%#llx corpus=%llu mutated=%llu roce=%llu "
	       "non_roce=%llu malformed=%llu unparsed=%llu requests=%llu "
	       "new_flows=%llu multibuf=%llu tc_runs=%llu ns_per_frame=%.0f\n",
	       (unsigned long long)r.frames,
	       (unsigned long long)r.disagreements,
	       (unsigned long long)r.verdict_changes,
	       (unsigned long long)r.crashes, (unsigned long long)o.seed,
	       (unsigned long long)r.corpus, (unsigned long long)r.mutated,
	       (unsigned long long)r.per_class[0],
	       (unsigned long long)r.per_class[1],
	       (unsigned long long)r.per_class[2],
	       (unsigned long long)r.per_class[3],
	       (unsigned long long)r.requests,
	       (unsigned long long)r.new_flows,
	       (unsigned long long)r.multibuf,
	       (unsigned long long)r.tc_runs,
	       r.frames ? r.seconds * 1e9 / r.frames : 0.0);
	return r.disagreements || r.verdict_changes || r.crashes;
}
