/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers shared by build/fabric-failover-test and bench/failover: build
 * a failover engine config from command-line specs (or the lab's default
 * leaf), and run the engine in a thread inside a network namespace.
 */
#ifndef LAB_ENGINE_H
#define LAB_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "failover_engine.h"

/* "name=g,id=100,buckets=32,idle-ms=1000,unbalanced-ms=0,route=P/L" */
int le_parse_group(struct ffe_cfg *cfg, const char *spec);
/* "name=s1,dev=up1,id=11,via=ADDR[,probe=ADDR][,src=ADDR][,weight=N]" */
int le_parse_path(struct ffe_cfg *cfg, const char *spec);
/* The lab's leaf L (1|2): group L*100 over up1/up2, probing the spines. */
void le_lab_leaf(struct ffe_cfg *cfg, int leaf, bool probe);
/* Defaults for everything but groups. */
void le_defaults(struct ffe_cfg *cfg);

#define LE_MAX_EVENTS	65536

struct le_runner {
	struct ffe_cfg cfg;
	const char *ns;
	struct ffe *e;
	pthread_t th;
	volatile int stop;
	volatile int ready;	/* 1 ok, <0 -errno */
	int install_err;
	pthread_mutex_t lock;
	struct ffe_event ev[LE_MAX_EVENTS];
	uint32_t n_ev;
	uint64_t cpu_ns;	/* thread CPU time at stop */
	/*
	 * Optional, run in the engine's thread and netns: setup after
	 * ffe_open() and before ffe_install() (nonzero fails le_run());
	 * extra fds it filled in (up to LE_MAX_XFDS) polled beside the
	 * engine's, xfd_ready() called when one is readable; teardown
	 * after the loop, in the thread (it may ffe_close() r->e and set it
	 * NULL: detaching needs the netns). The bench's executor=bpf lives here.
	 */
	int (*setup)(struct le_runner *r);
	void (*xfd_ready)(struct le_runner *r, int fd);
	void (*teardown)(struct le_runner *r);
	void *arg;
	int rt_prio;		/* > 0: the engine thread runs SCHED_FIFO */
	/* > 0: the engine thread (and the threads it starts) only on
	 * CPUs other than this one */
	int avoid_cpu;
	int xfd[4];
	int n_xfd;
};

#define LE_MAX_XFDS	4

/* Start the engine in a thread that entered ns; waits until installed. */
int le_run(struct le_runner *r);
void le_stop(struct le_runner *r);
/* Copy events with index >= from; returns the new total. */
uint32_t le_events(struct le_runner *r, uint32_t from, struct ffe_event *out,
		   uint32_t max, uint32_t *n);

#endif
