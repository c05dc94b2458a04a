// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See driver_common.h. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>

#include "driver_common.h"
#include "lab_engine.h"
#include "lab_traffic.h"

int dc_engine_opt(int c, const char *arg, struct ffe_cfg *cfg,
		  struct dc_engine *d)
{
	switch (c) {
	case 'n': d->ns = arg; break;
	case 'l': d->leaf = atoi(arg); break;
	case 'i': cfg->probe_interval_ns = strtoull(arg, NULL, 0) * 1000; break;
	case 't': cfg->probe_timeout_ns = strtoull(arg, NULL, 0) * 1000; break;
	case 's': cfg->policy.stall_tolerance_ns = strtoull(arg, NULL, 0) * 1000; break;
	case 'h': cfg->policy.hold_base_ns = strtoull(arg, NULL, 0) * 1000000; break;
	case 'P': d->no_probe = true; break;
	default: return 0;
	}
	return 1;
}

int dc_engine_prepare(struct ffe_cfg *cfg, const struct dc_engine *d)
{
	if (d->leaf)
		le_lab_leaf(cfg, d->leaf, !d->no_probe);
	if (d->no_probe)
		cfg->probe_interval_ns = 0;
	if (d->ns && lt_enter_ns(d->ns)) {
		fprintf(stderr, "engine: cannot enter netns %s\n", d->ns);
		return -1;
	}
	return 0;
}

void dc_print_event(const struct ffe_cfg *cfg, const struct ffe_event *ev)
{
	const struct ffe_group_cfg *g = &cfg->group[ev->group];

	printf("event t=%llu group=%s path=%s %s->%s reason=%s flags=%u "
	       "members=0x%x repair_ns=%llu err=%d\n",
	       (unsigned long long)ev->time_ns, g->name, g->path[ev->path].name,
	       fabric_fo_state_name(ev->from), fabric_fo_state_name(ev->to),
	       fabric_fo_reason_name(ev->reason), ev->flags, ev->members,
	       (unsigned long long)ev->repair_ns, ev->error);
	fflush(stdout);
}

int dc_signalfd(bool usr1)
{
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	if (usr1)
		sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	return signalfd(-1, &ss, SFD_CLOEXEC);
}
