/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bench/gray's lab mode (bench/gray_lab.c, gray_score.c). */
#ifndef GRAY_LAB_H
#define GRAY_LAB_H

#define GL_LINKS	8	/* physical leaf-spine links: (leaf - 1) * 2 + spine - 1 */
#define GL_GRACE_NS	2000000000LL	/* an alarm this long after a fault still counts */
#define GL_REUSE	3		/* faults before a link is used again */
#define GL_SETTLE_MAX_S	90		/* the longest wait for a link to settle */
#define GL_TAIL_MAX_NS	(GL_SETTLE_MAX_S * 1000000000LL)

enum gl_type { GL_LOSS, GL_CORRUPT, GL_DELAY, GL_FLAP };

struct gl_fault {
	int id, type, link, stress;
	double sev;			/* percent, us (delay) or ms (flap) */
	long long start_ns, end_ns;	/* CLOCK_MONOTONIC */
	long long tail_ns;		/* end of its clearing tail (gray_score.c) */
	long long detect_ns;		/* first alarm naming its link - start; -1 */
	int localized;			/* the first alarm of no other fault named it */
	int strict;			/* the first alarm after its start named it */
	int named;			/* some alarm during it named this link */
	int loc_done, strict_done;
	int drained, late_drain, restored, wrong_drain;
};

struct gl_event {
	long long t_ns;
	int leaf, link;			/* link: GL_LINKS-based id, -1 unknown */
	char type[24];
};

int gray_lab_main(int argc, char **argv);
int gray_score(const char *dir, const char *monitor_only, int verbose);
int gray_events_dump(const char *dir);
int gl_link_id(const char *name);
const char *gl_type_name(int type);

#endif
