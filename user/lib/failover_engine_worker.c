// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Failover engine: the replace worker. A replace is an rtnetlink request
 * that the kernel handles inside sendmsg() under RTNL, so it blocks for
 * as long as anything else holds RTNL (a namespace teardown held it for
 * 17.7 s once): no socket timeout can bound it. The engine's thread
 * therefore hands every replace to this worker thread and waits for it
 * at most replace_deadline_ns. In time (the normal case), nothing
 * differs from a replace in the engine's own thread but a thread wakeup.
 * Late, the engine raises an alarm (counted, and an event with
 * -ETIMEDOUT), leaves the group dirty and goes back to its loop; the
 * worker finishes on its own and reports through an eventfd (this
 * file's fd as a verdict source), and the engine then takes the result
 * and retries whatever changed meanwhile.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "failover_engine_int.h"

struct ffe_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;
	bool started, quit;
	bool busy;		/* a job is queued or running */
	bool abandoned;		/* its waiter gave up: report by efd */
	bool test_stalled;
	struct ffe_job job;
};

static void *ffe_worker_main(void *arg)
{
	struct ffe *e = arg;
	struct ffe_worker *w = e->worker;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->quit && !(w->busy && !w->job.done))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		pthread_mutex_unlock(&w->mu);
		/* test hook: the first replace after the install blocks */
		if (e->cfg.test_replace_stall_ns && !w->job.reconcile &&
		    !w->test_stalled) {
			struct timespec ts = {
				.tv_sec = e->cfg.test_replace_stall_ns / 1000000000ULL,
				.tv_nsec = e->cfg.test_replace_stall_ns % 1000000000ULL,
			};

			w->test_stalled = true;
			while (nanosleep(&ts, &ts))
				;
		}
		w->job.t_start_ns = ffe_now();
		w->job.ret = fnh_apply(e->nh, &w->job.nh, w->job.want,
				       w->job.reconcile);
		w->job.t_done_ns = ffe_now();
		if (w->job.ret < 0)
			snprintf(w->job.msg, sizeof(w->job.msg), "%s",
				 fnh_error(e->nh));
		pthread_mutex_lock(&w->mu);
		w->job.done = true;
		if (w->abandoned) {
			ssize_t wr = write(w->efd, &one, sizeof(one));

			(void)wr;	/* only fails when the counter saturates */
		} else {
			pthread_cond_broadcast(&w->cv);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int worker_open(struct ffe *e)
{
	struct ffe_worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	if (!w)
		return -ENOMEM;
	e->worker = w;
	pthread_mutex_init(&w->mu, NULL);
	/* the deadline is on CLOCK_MONOTONIC, like every time here */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		return -errno;
	/* Signals are the caller's business: none for this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->th, NULL, ffe_worker_main, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	w->started = true;
	return 0;
}

/* Waits for a replace still blocked in the kernel: nothing else is safe
 * (it uses the engine's netlink socket). */
static void worker_close(struct ffe *e)
{
	struct ffe_worker *w = e->worker;

	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
	}
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	e->worker = NULL;
}

bool ffe_worker_busy(const struct ffe *e)
{
	return e->worker && e->worker->busy;
}

int ffe_worker_run(struct ffe *e, struct ffe_job *job)
{
	struct ffe_worker *w = e->worker;
	uint64_t dl = e->cfg.replace_deadline_ns ? e->cfg.replace_deadline_ns :
		      FFE_REPLACE_DEADLINE_NS;
	struct timespec ts;
	int ret = 0;

	if (w->busy)
		return -EBUSY;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += dl / 1000000000ULL;
	ts.tv_nsec += dl % 1000000000ULL;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	w->job = *job;
	w->job.done = false;
	w->busy = true;
	w->abandoned = false;
	pthread_cond_broadcast(&w->cv);
	while (!w->job.done && !ret)
		ret = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	if (w->job.done) {
		*job = w->job;
		w->busy = false;
		ret = 0;
	} else {
		w->abandoned = true;
		ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&w->mu);
	return ret;
}

static int worker_fds(const struct ffe *e, int *fds, int max)
{
	if (max < 1 || !e->worker)
		return 0;
	fds[0] = e->worker->efd;
	return 1;
}

static bool worker_dispatch(struct ffe *e, int fd)
{
	struct ffe_worker *w = e->worker;
	struct ffe_job job;
	uint64_t v;
	bool done;

	if (!w || fd != w->efd)
		return false;
	if (read(w->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return true;
	pthread_mutex_lock(&w->mu);
	done = w->busy && w->abandoned && w->job.done;
	if (done) {
		job = w->job;
		w->busy = false;
	}
	pthread_mutex_unlock(&w->mu);
	if (done)
		ffe_replace_late(e, &job);
	return true;
}

const struct ffe_source ffe_src_worker = {
	.name		= "replace-worker",
	.open		= worker_open,
	.close		= worker_close,
	.fds		= worker_fds,
	.dispatch	= worker_dispatch,
};
