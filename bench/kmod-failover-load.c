// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/kmod-failover: the CPU load of a phase, and the cgroup the
 * userspace executor lives in (bench/kmod-failover-load.h).
 *
 * Busy loops are forked children. Host load: pinned round-robin to the
 * vCPUs, at the phase's nice level, in the root cgroup. Co-tenants: nice
 * 0, unpinned, in the executor's cgroup, standing for the rest of what
 * that cgroup runs. The executor always runs in the cgroup v2 group
 * LOAD_CG (cpu.weight 100, i.e. the weight of one nice-0 task), which is
 * made afresh for each phase (so its cpu.stat is the phase's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kmod-failover-load.h"

#define LOAD_CG		"/sys/fs/cgroup/fabricd"
#define MAX_HOGS	16

static pid_t hogs[MAX_HOGS];
static int n_hogs;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int load_cgroup_setup(const char *cpu_max)
{
	int err;

	rmdir(LOAD_CG);		/* left from the last phase, empty by now */
	if (mkdir(LOAD_CG, 0755) && errno != EEXIST)
		return -errno;
	err = write_file(LOAD_CG "/cpu.max", cpu_max);
	if (err)
		fprintf(stderr, "kmod-failover-bench: %s/cpu.max: %s\n", LOAD_CG,
			strerror(-err));
	return err;
}

int load_cgroup_enter(pid_t pid)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_file(LOAD_CG "/cgroup.procs", buf);
}

/* cpu.stat of the executor's cgroup on one line, e.g. for the log. */
void load_cgroup_print(const char *label)
{
	char buf[512], *p;
	FILE *f = fopen(LOAD_CG "/cpu.stat", "re");
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("# load=%s executor cgroup cpu.stat: %s\n", label, buf);
}

int load_start(int count, int nice, bool cotenant)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	for (i = 0; i < count && n_hogs < MAX_HOGS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (!pid) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i % (ncpu > 0 ? ncpu : 1), &set);
			if (setpriority(PRIO_PROCESS, 0, cotenant ? 0 : nice))
				_exit(1);
			if (cotenant ? load_cgroup_enter(getpid()) :
			    sched_setaffinity(0, sizeof(set), &set))
				_exit(1);
			for (;;)
				__asm__ volatile("" ::: "memory");
		}
		hogs[n_hogs++] = pid;
	}
	return 0;
}

void load_stop(void)
{
	while (n_hogs) {
		pid_t pid = hogs[--n_hogs];

		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}
