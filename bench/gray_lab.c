// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/gray's lab mode: the campaign on the 4-leaf lab with fabricd on
 * every leaf (Documentation/gray.md, "Campaign benchmark").
 *
 *   gray --lab [-n N] [--seed S] [--fault-s S] [--gap-s S] [--clean-s S]
 *              [--settle-s S] [--minutes M] [--dir DIR]
 *   gray --score DIR [--monitor-only LINKS] [-v]
 *   gray --schedule [same options as --lab]   print the schedule only
 *   gray --events DIR                          "T_NS lLEAF TYPE LINK" per event
 *   gray --clock                               "MONOTONIC_NS REALTIME_NS"
 *
 * --lab writes a seeded schedule, runs bench/gray_lab.sh on it (lab up,
 * fabricd on the leaves, RoCE traffic, faults through fault.sh with their
 * ground truth, stress, every leaf's events) and scores the result
 * (gray_score.c). The schedule: faults in blocks of four on the four
 * links of one spine, in random order, each followed by --gap-s seconds
 * and then as long as it takes (at most 90 s) until no leaf holds any
 * link suspect or drained: faults never overlap in the detectors' view
 * (two drained links on different spines would also leave some leaf
 * without a path to another, and the last-path rule would refuse the
 * second drain). --settle-s adds a fixed pause after each block. Types:
 * loss (0.1, 0.5, 1, 5 %), corruption (0.5, 1, 5 %), delay (20-200 us,
 * 50 us in a quarter of them), flapping. A 0.1 % fault lasts 15 s, the
 * others --fault-s. The middle third of the faults runs under stress,
 * and --clean-s fault-free seconds, half of them stressed, come first.
 * --minutes: start no fault after that many minutes (the line's faults=
 * counts the faults played).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "gray_lab.h"

struct gl_opts {
	long faults, seed, fault_s, gap_s, clean_s, settle_s, minutes;
	const char *dir;
};

static unsigned long long rng_state;

static unsigned int rnd(unsigned int n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)((rng_state >> 33) % n);
}

static void shuffle(int *v, int n)
{
	int i, j, t;

	for (i = n - 1; i > 0; i--) {
		j = rnd(i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void schedule(FILE *out, const struct gl_opts *o)
{
	static const double loss[] = { 0.1, 0.5, 1, 5 }, corrupt[] = { 0.5, 1, 5 };
	static const int delay[] = { 20, 30, 50, 50, 75, 100, 150, 200 };
	int i, spine, order[4] = { 0, 1, 2, 3 };

	rng_state = o->seed * 2654435761ULL + 1;
	spine = rnd(2);
	fprintf(out, "# bench/gray --lab: seed %ld, %ld faults\n", o->seed, o->faults);
	if (o->clean_s)
		fprintf(out, "clean %ld 0\nclean %ld 1\n", o->clean_s * 500, o->clean_s * 500);
	for (i = 0; i < o->faults; i++) {
		int k = rnd(10), stress = i >= o->faults / 3 && i < 2 * o->faults / 3;
		long dur = o->fault_s * 1000, gap = o->gap_s * 1000;
		const char *type;
		double sev;

		if (i % 4 == 0) {
			spine ^= 1;
			shuffle(order, 4);
		}
		if (k < 4) {
			type = "loss";
			sev = loss[rnd(4)];
		} else if (k < 6) {
			type = "corrupt";
			sev = corrupt[rnd(3)];
		} else if (k < 9) {
			type = "delay";
			sev = delay[rnd(8)];
		} else {
			type = "flap";
			sev = 200;
		}
		if (sev == 0.1)
			dur = 15000;
		if (i % 4 == 3)
			gap += o->settle_s * 1000;
		fprintf(out, "fault %d %s l%d-s%d %g %ld %ld %d\n", i, type, order[i % 4] + 1,
			spine + 1, sev, dur, gap, stress);
	}
}

static void clock_line(FILE *out)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	fprintf(out, "%lld %lld\n", m.tv_sec * 1000000000LL + m.tv_nsec,
		r.tv_sec * 1000000000LL + r.tv_nsec);
}

/* ROOT and BUILD from /proc/self/exe = BUILD/bench/gray, BUILD in ROOT */
static int paths(char *root, char *build, size_t len)
{
	char exe[PATH_MAX], *s;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int i;

	if (n < 0)
		return -errno;
	exe[n] = 0;
	for (i = 0; i < 2 && (s = strrchr(exe, '/')); i++)
		*s = 0;
	snprintf(build, len, "%s", exe);
	if (getenv("GRAY_ROOT")) {
		snprintf(root, len, "%s", getenv("GRAY_ROOT"));
		return 0;
	}
	s = strrchr(exe, '/');
	if (!s)
		return -EINVAL;
	*s = 0;
	snprintf(root, len, "%s", exe);
	return 0;
}

static int run_lab(const struct gl_opts *o)
{
	char root[PATH_MAX], build[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32];
	char tmpl[] = "/tmp/gray-lab.XXXXXX";
	FILE *f;
	pid_t pid;
	int st;

	if (paths(root, build, sizeof(root)))
		return 1;
	if (o->dir) {
		snprintf(dir, sizeof(dir), "%s", o->dir);
		if (mkdir(dir, 0755) && errno != EEXIST) {
			perror(dir);
			return 1;
		}
	} else if (mkdtemp(tmpl)) {
		snprintf(dir, sizeof(dir), "%s", tmpl);
	} else {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/schedule", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	schedule(f, o);
	fclose(f);
	snprintf(path, sizeof(path), "%s/bench/gray_lab.sh", root);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		setenv("BUILD", build, 1);
		if (o->minutes) {
			char dl[32];

			snprintf(dl, sizeof(dl), "%ld", (long)time(NULL) + o->minutes * 60);
			setenv("GL_DEADLINE", dl, 1);
		}
		execl("/bin/bash", "bash", path, dir, (char *)NULL);
		perror(path);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "gray: the lab campaign failed (logs in %s)\n", dir);
		return 1;
	}
	fprintf(stderr, "gray: campaign files in %s\n", dir);
	return gray_score(dir, getenv("GL_MONITOR_ONLY"), !!getenv("GRAY_DEBUG")) ? 1 : 0;
}

int gray_lab_main(int argc, char **argv)
{
	struct gl_opts o = { .faults = 200, .seed = 1, .fault_s = 5, .gap_s = 4,
			     .clean_s = 120, .settle_s = 0 };
	const char *mode = argv[1], *mon = NULL;
	int i, verbose = 0;

	if (!strcmp(mode, "--clock")) {
		clock_line(stdout);
		return 0;
	}
	if (!strcmp(mode, "--events") && argc == 3)
		return gray_events_dump(argv[2]);
	if (!strcmp(mode, "--score")) {
		if (argc < 3)
			goto usage;
		for (i = 3; i < argc; i++) {
			if (!strcmp(argv[i], "-v"))
				verbose = 1;
			else if (!strcmp(argv[i], "--monitor-only") && i + 1 < argc)
				mon = argv[++i];
			else
				goto usage;
		}
		return gray_score(argv[2], mon, verbose) ? 1 : 0;
	}
	for (i = 2; i < argc; i++) {
		long *v = NULL;

		if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			o.dir = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--faults"))
			v = &o.faults;
		else if (!strcmp(argv[i], "--seed"))
			v = &o.seed;
		else if (!strcmp(argv[i], "--fault-s"))
			v = &o.fault_s;
		else if (!strcmp(argv[i], "--gap-s"))
			v = &o.gap_s;
		else if (!strcmp(argv[i], "--clean-s"))
			v = &o.clean_s;
		else if (!strcmp(argv[i], "--settle-s"))
			v = &o.settle_s;
		else if (!strcmp(argv[i], "--minutes"))
			v = &o.minutes;
		if (!v || i + 1 >= argc)
			goto usage;
		*v = atol(argv[++i]);
	}
	if (o.faults < 1 || o.faults > 4000 || o.fault_s < 1 || o.gap_s < 3 || o.clean_s < 0 ||
	    o.settle_s < 0 || o.minutes < 0)
		goto usage;
	if (!strcmp(mode, "--schedule")) {
		schedule(stdout, &o);
		return 0;
	}
	return run_lab(&o);
usage:
	fprintf(stderr, "usage: gray --lab [-n N] [--seed S] [--fault-s S] [--gap-s S] "
		"[--clean-s S] [--settle-s S] [--minutes M] [--dir DIR]\n"
		"       gray --schedule [same options]\n"
		"       gray --score DIR [--monitor-only LINKS] [-v]\n"
		"       gray --events DIR\n"
		"       gray --clock\n");
	return 2;
}
