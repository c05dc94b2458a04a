// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/gray's lab mode: the campaign on the 4-leaf lab with fabricd on
 * every leaf (Documentation/gray-bench.md).
 *
 *   gray --lab [-n N] [--seed S] [--fault-s S] [--gap-s S] [--clean-s S]
 *              [--settle-s S] [--minutes M] [--serial] [--dir DIR]
 *   gray --score DIR [--monitor-only LINKS] [-v]
 *   gray --schedule [same options as --lab]   print the schedule only
 *   gray --events DIR                          "T_NS lLEAF TYPE LINK" per event
 *   gray --clock                               "MONOTONIC_NS REALTIME_NS"
 *
 * --lab writes a seeded schedule, runs bench/gray_lab.sh on it (lab up,
 * fabricd on the leaves, RoCE traffic, faults through fault.sh with their
 * ground truth, stress, every leaf's events) and scores the result
 * (gray_score.c). The schedule: each fault with a random type and
 * severity, a window sized for them (--fault-s, 3 s; 0.5 % loss 2 s more,
 * 0.1 % five times as long, flapping three cycles of 200 ms down and up),
 * then --gap-s (1) seconds, and a random order
 * of the eight links: the player takes the first that no leaf holds
 * suspect or drained and that none of the last GL_REUSE faults used.
 * Injections never overlap; the next fault starts while the previous
 * links' detectors are still clearing (their tails overlap). --serial waits after every
 * fault until no leaf holds any link suspect or drained (the old
 * schedule, ~45 s per fault). --settle-s adds a fixed pause after every
 * fourth fault. Types: loss (0.1, 0.5, 1, 5 %), corruption (0.5, 1, 5 %),
 * delay (20-200 us, 50 us in a quarter of them), flapping. The middle
 * third of the faults runs under stress, and --clean-s fault-free
 * seconds, half of them stressed, come first. --minutes: start no fault
 * after that many minutes (the line's faults= counts the faults played).
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
	int serial;
	const char *dir;
};

static unsigned long long rng_state;

static unsigned int rnd(unsigned int n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)((rng_state >> 33) % n);
}

/* a fault's window: long enough for its expected detection, with margin */
static long window_ms(const struct gl_opts *o, int type, double sev)
{
	if (type == GL_LOSS || type == GL_CORRUPT) {
		if (sev < 0.5)
			return o->fault_s * 5000;	/* 0.1 %: p90 ~12 s on probes alone */
		if (sev < 1)
			return (o->fault_s + 2) * 1000;	/* 0.5 %: max ~2.5 s */
	}
	if (type == GL_FLAP)	/* three down/up cycles: each costs ~2 s under load */
		return o->fault_s * 400;
	return o->fault_s * 1000;
}

/* a random order of the links, the player's preference for one fault */
static void link_order(char *buf, size_t len)
{
	int v[GL_LINKS], i, j, t;
	size_t n = 0;

	for (i = 0; i < GL_LINKS; i++)
		v[i] = i;
	for (i = GL_LINKS - 1; i > 0; i--) {
		j = rnd(i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	for (i = 0; i < GL_LINKS && n < len; i++)
		n += snprintf(buf + n, len - n, "%sl%d-s%d", i ? "," : "", v[i] / 2 + 1,
			      v[i] % 2 + 1);
}

static void schedule(FILE *out, const struct gl_opts *o)
{
	static const double loss[] = { 0.1, 0.5, 1, 5 }, corrupt[] = { 0.5, 1, 5 };
	static const int delay[] = { 20, 30, 50, 50, 75, 100, 150, 200 };
	char links[64];
	int i;

	rng_state = o->seed * 2654435761ULL + 1;
	fprintf(out, "# bench/gray --lab: seed %ld, %ld faults%s\n", o->seed, o->faults,
		o->serial ? ", serial" : "");
	fprintf(out, "reuse %d\n", GL_REUSE);
	if (o->clean_s)
		fprintf(out, "clean %ld 0\nclean %ld 1\n", o->clean_s * 500, o->clean_s * 500);
	for (i = 0; i < o->faults; i++) {
		int k = rnd(10), stress = i >= o->faults / 3 && i < 2 * o->faults / 3, type;
		long gap = o->gap_s * 1000;
		double sev;

		link_order(links, sizeof(links));
		if (k < 4) {
			type = GL_LOSS;
			sev = loss[rnd(4)];
		} else if (k < 6) {
			type = GL_CORRUPT;
			sev = corrupt[rnd(3)];
		} else if (k < 9) {
			type = GL_DELAY;
			sev = delay[rnd(8)];
		} else {
			type = GL_FLAP;
			sev = 200;
		}
		if (i % 4 == 3)
			gap += o->settle_s * 1000;
		fprintf(out, "fault %d %s %s %g %ld %ld %d\n", i, gl_type_name(type), links, sev,
			window_ms(o, type, sev), gap, stress);
		if (o->serial)
			fprintf(out, "settle %d\n", GL_SETTLE_MAX_S);
	}
	fprintf(out, "settle %d\n", GL_SETTLE_MAX_S);
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
	struct gl_opts o = { .faults = 200, .seed = 1, .fault_s = 3, .gap_s = 1,
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
		if (!strcmp(argv[i], "--serial")) {
			o.serial = 1;
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
	if (o.faults < 1 || o.faults > 4000 || o.fault_s < 1 || o.gap_s < 0 || o.clean_s < 0 ||
	    o.settle_s < 0 || o.minutes < 0)
		goto usage;
	if (!strcmp(mode, "--schedule")) {
		schedule(stdout, &o);
		return 0;
	}
	return run_lab(&o);
usage:
	fprintf(stderr, "usage: gray --lab [-n N] [--seed S] [--fault-s S] [--gap-s S] "
		"[--clean-s S] [--settle-s S] [--minutes M] [--serial] [--dir DIR]\n"
		"       gray --schedule [same options]\n"
		"       gray --score DIR [--monitor-only LINKS] [-v]\n"
		"       gray --events DIR\n"
		"       gray --clock\n");
	return 2;
}
