/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bench/gray's lab mode (bench/gray_lab.c, gray_score.c). */
#ifndef GRAY_LAB_H
#define GRAY_LAB_H

#define GL_LINKS	8	/* physical leaf-spine links: (leaf - 1) * 2 + spine - 1 */
#define GL_GRACE_NS	2000000000LL	/* an alarm this long after a fault still counts */

enum gl_type { GL_LOSS, GL_CORRUPT, GL_DELAY, GL_FLAP };

struct gl_fault {
	int id, type, link, stress;
	double sev;			/* percent, us (delay) or ms (flap) */
	long long start_ns, end_ns;	/* CLOCK_MONOTONIC */
	long long detect_ns;		/* first alarm - start; -1: none */
	int localized;			/* that alarm named this link */
	int named;			/* some alarm during it named this link */
	int drained, restored, wrong_drain;
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
