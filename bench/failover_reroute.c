// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover: reroute_us, the data path's reaction (bpf/reroute*):
 * from a verdict to the first packet the data path redirects to a
 * survivor, both stamped in the reroute map (Documentation/reroute.md,
 * "Measuring reroute time"). The engine with the reroute runs as
 * build/fabric-reroute-test on leaf 1; each round marks the flows on a
 * member hot (50 kpps each), declares the member down as a kernel-side
 * detector does, reads verdict_ns and first_tx_ns back, and clears it.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "failover_bench.h"

static char rr_bin[512], rr_pin[256];

/* One line of a command's output, or "" */
static int rr_cmd(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rr_cmd(char *out, size_t len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *f;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	rc = pclose(f);
	return rc;
}

static uint64_t field(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

int reroute_run(const char *build, int n, struct series *s, char *why,
		size_t len)
{
	char line[512];
	uint8_t which[LT_MAX_FLOWS];
	pid_t pid;
	int i, spine, tries, ready = 0;

	snprintf(rr_bin, sizeof(rr_bin), "%s/fabric-reroute-test", build);
	snprintf(rr_pin, sizeof(rr_pin), "/sys/fs/bpf/%s-rr", P);
	if (access(rr_bin, X_OK)) {
		snprintf(why, len, "%s not built", rr_bin);
		return -1;
	}
	sh("mkdir -p %s", rr_pin);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(rr_bin, rr_bin, "engine", "--ns", ns("l1"), "--leaf", "1",
		      "--pin", rr_pin, "--hold-ms", "200", (char *)NULL);
		_exit(127);
	}
	/* ready when the map answers */
	for (i = 0; i < 500 && !ready; i++) {
		usleep(20000);
		ready = !rr_cmd(line, sizeof(line), "%s show --pin %s --group 0 --path 0 2>/dev/null",
				rr_bin, rr_pin) && strstr(line, "member");
	}
	if (!ready) {
		snprintf(why, len, "fabric-reroute-test engine did not start");
		goto out;
	}
	sleep(1);
	for (i = 0, tries = 0; i < n && tries < 4 * n; i++, tries++) {
		uint64_t v, ft;
		int k;

		spine = 1 + (i & 1);
		usleep(300000);
		if (!flows_on(spine, which)) {
			i--;
			continue;
		}
		lt_hot(tr, which);
		usleep(3000);
		if (rr_cmd(line, sizeof(line), "%s declare --pin %s --group 0 --path %d",
			   rr_bin, rr_pin, spine - 1)) {
			lt_hot(tr, NULL);
			continue;
		}
		for (k = 0, ft = 0; k < 100 && !ft; k++) {
			usleep(2000);
			rr_cmd(line, sizeof(line), "%s show --pin %s --group 0 --path %d",
			       rr_bin, rr_pin, spine - 1);
			ft = field(line, "first_tx_ns=");
		}
		v = field(line, "verdict_ns=");
		lt_hot(tr, NULL);
		if (ft && v && ft >= v)
			add(s, (ft - v) / 1e3);
		else
			s->censored++;
		rr_cmd(line, sizeof(line), "%s clear --pin %s --group 0 --path %d",
		       rr_bin, rr_pin, spine - 1);
	}
out:
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	sh("rm -rf %s", rr_pin);
	return s->n ? 0 : -1;
}
