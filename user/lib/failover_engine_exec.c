// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Failover engine: a policy result -> the nexthop executor, the event log
 * and the hooks. See failover_engine.h and Documentation/failover.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/timerfd.h>

#include "failover_engine_int.h"

uint64_t ffe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t ffe_hist_bound_ns(uint32_t i)
{
	return i < FFE_HIST_BUCKETS ? (1000ULL << i) : ~0ULL;
}

static void ffe_hist_add(struct ffe_hist *h, uint64_t ns)
{
	uint32_t i;

	for (i = 0; i < FFE_HIST_BUCKETS && ns > ffe_hist_bound_ns(i); i++)
		;
	h->count[i]++;
	h->sum_ns += ns;
	h->n++;
}

static void ffe_record(struct ffe *e, const struct ffe_event *ev)
{
	e->log[e->log_n % FFE_LOG_LEN] = *ev;
	e->log_n++;
	if (e->cfg.on_event)
		e->cfg.on_event(e->cfg.arg, ev);
}

int ffe_hook_add(struct ffe *e, const struct ffe_hook *h)
{
	if (e->n_hooks >= FFE_MAX_HOOKS)
		return -ENOSPC;
	e->hook[e->n_hooks++] = *h;
	return 0;
}

static void ffe_hooks_verdict(struct ffe_grp *g, uint64_t now)
{
	struct ffe *e = g->e;
	uint32_t i, want = fabric_fo_members(&g->fo);

	for (i = 0; i < e->n_hooks; i++)
		if (e->hook[i].verdict)
			e->hook[i].verdict(e->hook[i].arg, g->idx, want,
					   g->installed, now);
}

static void ffe_hooks_replaced(struct ffe_grp *g, const struct ffe_replace *r)
{
	struct ffe *e = g->e;
	uint32_t i;

	for (i = 0; i < e->n_hooks; i++)
		if (e->hook[i].replaced)
			e->hook[i].replaced(e->hook[i].arg, r);
}

/*
 * The kernel marks a resilient bucket busy only while the group has more
 * than one member (nexthop_num_path() is 1 otherwise, so no path is
 * selected and no bucket touched). After running on one member, every
 * bucket looks idle, and re-adding a member would move busy flows. So a
 * restore onto a single-member group goes in two steps: first with an
 * idle timer so long that no bucket counts as idle (the member joins
 * with no buckets, and the kernel starts tracking again), then, once
 * the real idle timer has passed, with the configured timer: only
 * buckets idle by then migrate.
 */
#define FFE_BLIND_IDLE_MS	3600000U
#define FFE_SETTLE_MARGIN_NS	250000000ULL

static uint32_t ffe_popcount(uint32_t m)
{
	return (uint32_t)__builtin_popcount(m);
}

/*
 * A member returning with its gateway unresolved would take its flows
 * into the neighbour queue: they wait for ARP/ND (a receive gap), and
 * beyond unres_qlen_bytes they are dropped (a sequence gap). So a joining
 * member whose gateway is not resolved waits (the kernel is asked to
 * resolve it; the group is retried every FFE_RETRY_NS) for up to
 * FFE_NEIGH_WAIT_NS, then joins anyway. Never holds back the last one.
 */
#define FFE_NEIGH_WAIT_NS	200000000ULL

static uint32_t ffe_hold_unresolved(struct ffe_grp *g, uint32_t want,
				    uint32_t before)
{
	uint32_t p, held = 0, join = want & ~before;
	uint64_t now = ffe_now();

	for (p = 0; p < g->cfg.n_paths; p++) {
		const struct fnh_member *m = &g->cfg.path[p].nh;

		if (!(join & (1U << p))) {
			g->resolve_since[p] = 0;
			continue;
		}
		if (fnh_neigh_resolve(m->ifindex, m->family, &m->gw) != 0) {
			g->resolve_since[p] = 0;
			continue;	/* resolved, or no telling: join */
		}
		if (!g->resolve_since[p])
			g->resolve_since[p] = now;
		if (now - g->resolve_since[p] >= FFE_NEIGH_WAIT_NS)
			continue;
		held |= 1U << p;
	}
	if (!(want & ~held))
		return 0;
	if (held)
		g->neigh_waits++;
	return held;
}

/* A replace's result, in time or late: the group's state and hooks. */
static int ffe_replace_finish(struct ffe_grp *g, const struct ffe_job *j)
{
	struct ffe_replace r = {
		.group = g->idx, .before = j->before, .desired = j->want | j->held,
		.t_detect_ns = j->t_detect, .reconcile = j->reconcile,
		.t_start_ns = j->t_start_ns, .t_done_ns = j->t_done_ns,
	};

	if (j->ret < 0) {
		g->dirty = true;
		g->exec_errors++;
		g->last_error = j->ret;
		snprintf(g->last_error_msg, sizeof(g->last_error_msg), "%s",
			 j->msg);
		r.after = j->before;
		r.error = j->ret;
		ffe_hooks_replaced(g, &r);
		return j->ret;
	}
	g->installed = (uint32_t)j->ret;
	g->settle_at = j->blind ? ffe_now() + g->cfg.nh.idle_timer_ms * 1000000ULL +
				  FFE_SETTLE_MARGIN_NS : 0;
	/* A wanted member left out (no carrier yet, or its gateway still
	 * resolving), or the policy moved on meanwhile: try again later. */
	g->dirty = g->installed != (j->want | j->held) ||
		   g->installed != fabric_fo_members(&g->fo);
	if (g->installed & ~j->before)
		g->restores++;
	if (j->before & ~g->installed)
		g->failovers++;
	r.after = g->installed;
	ffe_hooks_replaced(g, &r);
	return 0;
}

/* Install g->fo.members; remember failures for a retry. */
static int ffe_replace(struct ffe_grp *g, bool reconcile, uint64_t t_detect)
{
	struct ffe_job j = {
		.group = g->idx, .before = g->installed, .nh = g->cfg.nh,
		.reconcile = reconcile, .t_detect = t_detect,
	};
	int ret;

	if (ffe_worker_busy(g->e)) {
		g->dirty = true;	/* after the blocked one */
		return -EBUSY;
	}
	j.want = fabric_fo_members(&g->fo);
	j.held = reconcile ? 0 : ffe_hold_unresolved(g, j.want, j.before);
	j.want &= ~j.held;
	j.blind = !reconcile && (j.want & ~j.before) &&
		  ffe_popcount(j.before) == 1;
	if (j.blind)
		j.nh.idle_timer_ms = FFE_BLIND_IDLE_MS;
	ret = ffe_worker_run(g->e, &j);
	if (ret == -ETIMEDOUT) {
		/* The alarm: counted, and the transitions that wanted this
		 * replace carry the error. The result comes later. */
		g->replace_timeouts++;
		g->dirty = true;
		g->last_error = ret;
		snprintf(g->last_error_msg, sizeof(g->last_error_msg),
			 "replace blocked for more than %llu ms (RTNL busy?)",
			 (unsigned long long)(g->e->cfg.replace_deadline_ns ?
					      g->e->cfg.replace_deadline_ns :
					      FFE_REPLACE_DEADLINE_NS) / 1000000);
		return ret;
	}
	if (ret)
		return ret;
	return ffe_replace_finish(g, &j);
}

void ffe_replace_late(struct ffe *e, const struct ffe_job *job)
{
	if (job->group >= e->cfg.n_groups)
		return;
	/* a failover or restore that took this long still counts */
	if (!ffe_replace_finish(&e->grp[job->group], job) && job->t_detect)
		ffe_hist_add(&e->hist, job->t_done_ns > job->t_detect ?
				       job->t_done_ns - job->t_detect : 1);
	ffe_arm(e);
}

int ffe_execute(struct ffe_grp *g, bool reconcile)
{
	return ffe_replace(g, reconcile, 0);
}

void ffe_arm(struct ffe *e)
{
	struct itimerspec its = { 0 };
	uint64_t next = FABRIC_FO_NEVER, d, now = ffe_now();
	uint32_t i;

	for (i = 0; i < e->cfg.n_groups; i++) {
		d = fabric_fo_next_deadline(&e->grp[i].fo);
		if (e->grp[i].dirty && now + FFE_RETRY_NS < d)
			d = now + FFE_RETRY_NS;
		if (e->grp[i].settle_at && e->grp[i].settle_at < d)
			d = e->grp[i].settle_at;
		if (d < next)
			next = d;
	}
	if (next != FABRIC_FO_NEVER) {
		if (!next)
			next = 1;
		its.it_value.tv_sec = next / 1000000000ULL;
		its.it_value.tv_nsec = next % 1000000000ULL;
	}
	timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Act on one policy result: execute, log transitions with repair time. */
void ffe_apply(struct ffe_grp *g, const struct fabric_fo_result *res,
	       uint64_t t_detect)
{
	struct ffe *e = g->e;
	uint64_t repair = 0;
	int err = 0;
	uint32_t i;

	if (res->changed)
		ffe_hooks_verdict(g, t_detect);
	if (res->changed || g->dirty) {
		err = ffe_replace(g, false, res->changed ? t_detect : 0);
		if (!err && res->changed) {
			repair = ffe_now() - t_detect;
			if (!repair)
				repair = 1;
			ffe_hist_add(&e->hist, repair);
		}
	}
	for (i = 0; i < res->n_trans; i++) {
		const struct fabric_fo_transition *t = &res->trans[i];
		struct ffe_event ev = {
			.time_ns = t->time_ns, .group = g->idx, .path = t->path,
			.from = t->from, .to = t->to, .reason = t->reason,
			.flags = t->flags, .members = g->installed,
			.repair_ns = repair, .error = err,
		};
		uint32_t pi = g->path_probe[t->path];

		ffe_record(e, &ev);
		/* A path without carrier cannot answer: stop probing it. */
		if (pi && t->reason == FABRIC_FO_R_CARRIER_DOWN)
			fprobe_enable(g->probe, pi - 1, false);
	}
	if (res->changed || g->dirty || res->n_trans)
		ffe_arm(e);
}

void ffe_verdict(struct ffe_grp *g, uint32_t paths, uint32_t signal,
		 uint64_t now, uint64_t lag)
{
	struct fabric_fo_event ev = {
		.now_ns = now, .lag_ns = lag, .paths = paths, .signal = signal,
	};

	if (fabric_fo_event(&g->fo, &ev, &g->e->res))
		return;
	ffe_apply(g, &g->e->res, now);
}
