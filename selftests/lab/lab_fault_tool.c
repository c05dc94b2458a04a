// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * build/lab-fault: set or read one port's lab fault injector
 * (bpf/lab_fault.bpf.c), pinned in DIR by scripts/lab/lab.sh or lab4.sh.
 *
 *   lab-fault --pin DIR [--drop-pct N] [--loss-ppm N] [--corrupt-ppm N]
 *             [--corrupt-off N] [--delay-us N] [--dir in|out|both]
 *             [--delay-no-echo 0|1]  (the delay spares echo-probe answers)
 *   lab-fault --pin DIR --clear      every mode off
 *   lab-fault --pin DIR --show       settings and counters
 *
 * A set starts from the current settings and changes the options given.
 * It prints the CLOCK_MONOTONIC time in ns taken right before the map
 * update that makes the change (for ext modes, the last of at most two
 * updates: drop-pct is written first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab_fault.h"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int map_fd(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "lab-fault: %s: %s\n", path, strerror(errno));
	return fd;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: lab-fault --pin DIR [--drop-pct N] [--loss-ppm N] [--corrupt-ppm N]\n"
		"                 [--corrupt-off N] [--delay-us N] [--dir in|out|both]\n"
		"                 [--delay-no-echo 0|1]\n"
		"       lab-fault --pin DIR --clear | --show\n");
	exit(2);
}

static long num(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "lab-fault: bad value '%s' (0..%ld)\n", s, max);
		exit(2);
	}
	return v;
}

static int show(int fd_cfg, int fd_ext, int fd_st)
{
	struct lab_fault_stats sum = { 0 }, *st;
	struct lab_fault_cfg cfg;
	struct lab_fault_ext x;
	__u32 zero = 0;
	int ncpu, i;

	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return 1;
	st = calloc(ncpu, sizeof(*st));
	if (!st)
		return 1;
	if (bpf_map_lookup_elem(fd_cfg, &zero, &cfg) ||
	    bpf_map_lookup_elem(fd_ext, &zero, &x) ||
	    bpf_map_lookup_elem(fd_st, &zero, st)) {
		fprintf(stderr, "lab-fault: lookup: %s\n", strerror(errno));
		free(st);
		return 1;
	}
	for (i = 0; i < ncpu; i++) {
		sum.lost += st[i].lost;
		sum.corrupted += st[i].corrupted;
		sum.corrupt_short += st[i].corrupt_short;
		sum.delayed += st[i].delayed;
		sum.delay_capped += st[i].delay_capped;
	}
	free(st);
	printf("drop_pct=%u dropped=%llu loss_ppm=%u corrupt_ppm=%u corrupt_off=%u "
	       "delay_ns=%u dir=%s lost=%llu corrupted=%llu corrupt_short=%llu "
	       "delayed=%llu delay_capped=%llu\n",
	       cfg.drop_pct, (unsigned long long)cfg.dropped, x.loss_ppm,
	       x.corrupt_ppm, x.corrupt_off, x.delay_ns,
	       x.dir == LAB_FAULT_DIR_IN ? "in" : x.dir == LAB_FAULT_DIR_OUT ? "out" : "both",
	       (unsigned long long)sum.lost, (unsigned long long)sum.corrupted,
	       (unsigned long long)sum.corrupt_short, (unsigned long long)sum.delayed,
	       (unsigned long long)sum.delay_capped);
	return 0;
}

int main(int argc, char **argv)
{
	int fd_cfg = -1, fd_ext = -1, fd_st = -1, i, ret = 1;
	int set_drop = 0, set_ext = 0, do_show = 0, clear = 0;
	struct lab_fault_cfg cfg = { 0 };
	struct lab_fault_ext x = { 0 };
	const char *pin = NULL;
	unsigned long long t = 0;
	__u32 zero = 0;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--show")) {
			do_show = 1;
			continue;
		}
		if (!strcmp(o, "--clear")) {
			clear = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(o, "--pin"))
			pin = v;
		else if (!strcmp(o, "--drop-pct"))
			cfg.drop_pct = num(v, 100), set_drop = 1;
		else if (!strcmp(o, "--loss-ppm"))
			x.loss_ppm = num(v, LAB_FAULT_PPM), set_ext |= 1;
		else if (!strcmp(o, "--corrupt-ppm"))
			x.corrupt_ppm = num(v, LAB_FAULT_PPM), set_ext |= 2;
		else if (!strcmp(o, "--corrupt-off"))
			x.corrupt_off = num(v, 9000), set_ext |= 4;
		else if (!strcmp(o, "--delay-us"))
			x.delay_ns = num(v, LAB_FAULT_DELAY_MAX_NS / 1000) * 1000, set_ext |= 8;
		else if (!strcmp(o, "--delay-no-echo")) {
			x.flags = num(v, 1) ? LAB_FAULT_F_DELAY_NO_ECHO : 0;
			set_ext |= 32;
		} else if (!strcmp(o, "--dir")) {
			set_ext |= 16;
			if (!strcmp(v, "in"))
				x.dir = LAB_FAULT_DIR_IN;
			else if (!strcmp(v, "out"))
				x.dir = LAB_FAULT_DIR_OUT;
			else if (!strcmp(v, "both"))
				x.dir = 0;
			else
				usage();
		} else
			usage();
	}
	if (!pin || (!set_drop && !set_ext && !do_show && !clear))
		usage();
	fd_cfg = map_fd(pin, "lab_fault");
	fd_ext = map_fd(pin, "lab_fault_ext");
	fd_st = map_fd(pin, "lab_fault_stats");
	if (fd_cfg < 0 || fd_ext < 0 || fd_st < 0)
		goto out;
	if (do_show) {
		ret = show(fd_cfg, fd_ext, fd_st);
		goto out;
	}
	if (clear) {
		struct lab_fault_ext none = { 0 };

		cfg.drop_pct = 0;
		t = now_ns();
		if (bpf_map_update_elem(fd_cfg, &zero, &cfg, BPF_ANY) ||
		    bpf_map_update_elem(fd_ext, &zero, &none, BPF_ANY))
			goto fail;
		printf("%llu\n", t);
		ret = 0;
		goto out;
	}
	if (set_ext) {
		struct lab_fault_ext cur;

		if (bpf_map_lookup_elem(fd_ext, &zero, &cur))
			goto fail;
		if (!(set_ext & 1))
			x.loss_ppm = cur.loss_ppm;
		if (!(set_ext & 2))
			x.corrupt_ppm = cur.corrupt_ppm;
		if (!(set_ext & 4))
			x.corrupt_off = cur.corrupt_off;
		if (!(set_ext & 8))
			x.delay_ns = cur.delay_ns;
		if (!(set_ext & 16))
			x.dir = cur.dir;
		if (!(set_ext & 32))
			x.flags = cur.flags;
	}
	if (set_drop) {
		t = now_ns();
		if (bpf_map_update_elem(fd_cfg, &zero, &cfg, BPF_ANY))
			goto fail;
	}
	if (set_ext) {
		t = now_ns();
		if (bpf_map_update_elem(fd_ext, &zero, &x, BPF_ANY))
			goto fail;
	}
	printf("%llu\n", t);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "lab-fault: %s: %s\n", pin, strerror(errno));
out:
	if (fd_cfg >= 0)
		close(fd_cfg);
	if (fd_ext >= 0)
		close(fd_ext);
	if (fd_st >= 0)
		close(fd_st);
	return ret;
}
