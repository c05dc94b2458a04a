// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover: windows of steady traffic with no fault; every DOWN is
 * a false failover. Under stress, CPU hogs (one busy process per online
 * CPU, killed by pid) run throughout, and the detector is stalled every
 * 0.3-1.5 s for 5-30 ms: a signal to the engine's thread whose handler
 * sleeps, which is what a descheduled detector looks like (the kernel
 * keeps receiving and timestamping probe answers meanwhile).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "failover_bench.h"

#define MAX_HOGS	8

static volatile uint64_t stall_ns;
int stress_hogs;	/* 0: one per online CPU */

static void stall_handler(int sig)
{
	struct timespec ts = { 0, (long)stall_ns };

	(void)sig;
	while (nanosleep(&ts, &ts))
		;
}

int64_t thread_cpu_ns(pthread_t th)
{
	struct timespec ts;
	clockid_t cid;

	if (pthread_getcpuclockid(th, &cid) || clock_gettime(cid, &ts))
		return 0;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The engine's thread, and executor=bpf's sender thread. */
static int64_t detector_cpu_ns(void)
{
	return thread_cpu_ns(run.th) +
	       (fb_sender_on ? thread_cpu_ns(fb_sender_th) : 0);
}

static int hogs_start(pid_t *pid, int want)
{
	long n = want > 0 ? want : sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	if (n < 1)
		n = 1;
	if (n > MAX_HOGS)
		n = MAX_HOGS;
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			volatile uint64_t x = 0;

			for (;;)
				x++;
		}
	}
	return (int)n;
}

static void hogs_stop(pid_t *pid, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pid[i] <= 0)
			continue;
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
}

/* Prober and policy counters, for the window's account. */
struct pstat {
	struct fprobe_stats ps;
	uint64_t ignored_stalled[2], ignored_local[2];
};

static void pstat_take(struct pstat *s)
{
	const struct fprobe_stats *ps = ffe_probe_stats(run.e, 0);
	struct ffe_group_status gs;
	int p;

	memset(s, 0, sizeof(*s));
	if (ps)
		s->ps = *ps;
	if (ffe_group_status(run.e, 0, &gs))
		return;
	for (p = 0; p < 2; p++) {
		s->ignored_stalled[p] = gs.fo->path[p].st.ignored_stalled;
		s->ignored_local[p] = gs.fo->path[p].st.ignored_local;
	}
}

static void pstat_report(const struct pstat *a, const struct pstat *b)
{
	int p;

	printf("  prober: ticks %llu, skipped %llu, timer lateness max %llu us (whole run)\n",
	       (unsigned long long)(b->ps.ticks - a->ps.ticks),
	       (unsigned long long)(b->ps.ticks_skipped - a->ps.ticks_skipped),
	       (unsigned long long)b->ps.lateness_max_ns / 1000);
	for (p = 0; p < 2; p++) {
		const struct fprobe_path_stats *x = &a->ps.path[p], *y = &b->ps.path[p];

		printf("  path %d: sent %llu answered %llu late %llu missed %llu "
		       "(with lag %llu) send_errors %llu; policy ignored %llu as stalled, "
		       "%llu as local\n", p,
		       (unsigned long long)(y->sent - x->sent),
		       (unsigned long long)(y->answered - x->answered),
		       (unsigned long long)(y->late - x->late),
		       (unsigned long long)(y->missed - x->missed),
		       (unsigned long long)(y->stalled_misses - x->stalled_misses),
		       (unsigned long long)(y->send_errors - x->send_errors),
		       (unsigned long long)(b->ignored_stalled[p] - a->ignored_stalled[p]),
		       (unsigned long long)(b->ignored_local[p] - a->ignored_local[p]));
	}
}

/*
 * DOWN transitions since `from`: each printed with its reason and flags,
 * and how long until the path came back (DOWN -> HOLDDOWN).
 */
static uint32_t count_downs(uint32_t from)
{
	static struct ffe_event ev[4096];
	uint32_t n, i, j, c = 0;

	le_events(&run, from, ev, 4096, &n);
	for (i = 0; i < n; i++) {
		double back = -1;

		if (ev[i].to != FABRIC_FO_DOWN)
			continue;
		c++;
		for (j = i + 1; j < n; j++)
			if (ev[j].path == ev[i].path && ev[j].from == FABRIC_FO_DOWN) {
				back = (ev[j].time_ns - ev[i].time_ns) / 1e3;
				break;
			}
		printf("  false failover: path %u reason %s flags %#x at +%.3f s, "
		       "answering again after %.0f us\n", ev[i].path,
		       fabric_fo_reason_name(ev[i].reason), ev[i].flags,
		       ev[i].time_ns / 1e9, back);
	}
	return c;
}

void steady_window(const char *what, int seconds, bool stress,
		   struct steady_result *r)
{
	struct sigaction sa = { .sa_handler = stall_handler };
	pid_t hog[MAX_HOGS] = { 0 };
	uint64_t t_start, end, next_stall;
	struct pstat ps0, ps1;
	uint32_t cur, n;
	int n_hogs = 0;

	int64_t c0, c1;
	uint64_t v0;

	memset(r, 0, sizeof(*r));
	c0 = detector_cpu_ns();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	cur = le_events(&run, 0, NULL, 0, &n);
	v0 = fb_sender_on ? fb_verdicts() : 0;
	pstat_take(&ps0);
	if (stress)
		n_hogs = hogs_start(hog, stress_hogs);
	t_start = lt_now();
	end = t_start + seconds * 1000000000ULL;
	next_stall = t_start + 300000000ULL;
	while (lt_now() < end) {
		if (stress && lt_now() >= next_stall) {
			uint64_t ms = 5 + (uint64_t)(random() % 26);

			stall_ns = ms * 1000000ULL;
			pthread_kill(run.th, SIGUSR2);
			/* executor=bpf: the sender is what the verdict needs */
			if (fb_sender_on)
				pthread_kill(fb_sender_th, SIGUSR2);
			r->stalls++;
			if (ms > r->stall_ms_max)
				r->stall_ms_max = ms;
			next_stall = lt_now() + 300000000ULL +
				     (uint64_t)(random() % 1200) * 1000000ULL;
		}
		usleep(stress ? 20000 : 200000);
	}
	r->seconds = (lt_now() - t_start) / 1e9;
	c1 = detector_cpu_ns();
	r->engine_cpu_ns = c1 - c0;
	hogs_stop(hog, n_hogs);
	pstat_take(&ps1);
	r->engine_downs = r->downs = count_downs(cur);
	/* executor=bpf: a verdict reroutes before the engine hears of it */
	if (fb_sender_on) {
		usleep(20000);	/* let the engine read the ringbuf */
		r->kernel_verdicts = fb_verdicts() - v0;
		if (r->kernel_verdicts > r->downs)
			r->downs = r->kernel_verdicts;
	}
	printf("%s: %.0f s, %u false failovers (%.2f/min)", what, r->seconds,
	       r->downs, r->downs * 60.0 / r->seconds);
	if (fb_sender_on)
		printf(" [%u data-path verdicts, %u engine DOWNs]",
		       r->kernel_verdicts, r->engine_downs);
	if (stress)
		printf("; %d CPU hogs, %llu detector stalls of 5-30 ms", n_hogs,
		       (unsigned long long)r->stalls);
	printf("\n");
	if (fb_sender_on)
		fb_counters();
	else
		pstat_report(&ps0, &ps1);
}
