/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What fabric-failover-test and fabric-reroute-test share: the engine's
 * command-line knobs, entering the lab node's netns, the event line and
 * the signal fd their loops poll.
 */
#ifndef LAB_DRIVER_COMMON_H
#define LAB_DRIVER_COMMON_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>

#include "failover_engine.h"

/* Long options every engine command takes (getopt_long vals below). */
#define DC_ENGINE_OPTS							\
	{ "ns", 1, NULL, 'n' }, { "leaf", 1, NULL, 'l' },		\
	{ "interval-us", 1, NULL, 'i' }, { "timeout-us", 1, NULL, 't' },\
	{ "stall-us", 1, NULL, 's' }, { "hold-ms", 1, NULL, 'h' },	\
	{ "no-probe", 0, NULL, 'P' }

struct dc_engine {
	const char *ns;
	int leaf;
	bool no_probe;
};

/* One of DC_ENGINE_OPTS into cfg/d: 1 taken, 0 not one of them. */
int dc_engine_opt(int c, const char *arg, struct ffe_cfg *cfg,
		  struct dc_engine *d);
/*
 * After parsing: the lab leaf's group (if --leaf), probes off with
 * --no-probe, then enter --ns. 0, or -1 with a message.
 */
int dc_engine_prepare(struct ffe_cfg *cfg, const struct dc_engine *d);
/* "event t=... group=... path=... from->to reason=..." */
void dc_print_event(const struct ffe_cfg *cfg, const struct ffe_event *ev);
/* Block SIGTERM, SIGINT (and SIGUSR1 if usr1); a signalfd for them. */
int dc_signalfd(bool usr1);

#endif
