// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [verdict]: the kernel-side probe verdict (Documentation/reroute.md,
 * "Kernel-side probe verdict"; Documentation/configuration.md). The data
 * path judges the probes fabricd sends; every value left at 0 follows
 * the matching [thresholds] key, so one set of numbers describes both
 * judges unless the operator wants them apart.
 */
#include <stdio.h>

#include "config.h"

#include "config_ext.h"
#include "fabric_genl.h"
#include "fabric_probe.h"

#define V(f)	FCFG_FIELD(verdict.f)

#define JUDGE_MIN_US	(FABRIC_PROBE_JUDGE_MIN_NS / 1000)
#define JUDGE_MAX_US	1000000U

static int set_judge(struct fcfg_parse *p, const struct fcfg_key *k,
		     void *field, const char *v, char *why, size_t whylen)
{
	__u32 us;

	if (fcfg_parse_u32(v, 0, JUDGE_MAX_US, &us))
		return -1;
	if (us && us < JUDGE_MIN_US) {
		snprintf(why, whylen,
			 "the judge timer cannot run more often than every %llu us",
			 (unsigned long long)JUDGE_MIN_US);
		return -1;
	}
	*(__u32 *)field = us;
	return 0;
}

static const char *const senders[] = { "auto", "fabricd", "kmod", NULL };

static const struct fcfg_key verdict_keys[] = {
	{ "verdict", "kernel", FCFG_BOOL, V(kernel), 0, 0,
	  "on or off (judge fabricd's probes in the data path)" },
	{ "verdict", "judge_us", FCFG_FUNC, V(judge_us), 0, 0,
	  "0 (the probe interval) or an integer from 20 to 1000000 (microseconds)",
	  set_judge },
	{ "verdict", "timeout_us", FCFG_U32, V(timeout_us), 0, 10000000,
	  "0 (the prober's timeout) or an integer from 1 to 10000000 (microseconds)" },
	{ "verdict", "miss_k", FCFG_U32, V(miss_k), 0, 1000,
	  "0 (probe_miss_threshold) or an integer from 1 to 1000 (confirmed misses in a row)" },
	{ "verdict", "recover", FCFG_U32, V(recover), 0, 1000,
	  "0 (recover_probes) or an integer from 1 to 1000 (answers in a row)" },
	{ "verdict", "probe_sender", FCFG_ENUM, V(probe_sender), 0, 0,
	  "auto (fabric.ko's prober when fabric.ko executes, else fabricd's), fabricd or kmod",
	  NULL, senders },
};
FCFG_KEYS(verdict_keys, 100);

void fcfg_verdict_effective(const struct fabricd_config *c,
			    struct fcfg_verdict_eff *e)
{
	const struct fcfg_thresholds *t = &c->thr;
	const struct fcfg_verdict *v = &c->verdict;

	e->timeout_us = v->timeout_us ? v->timeout_us :
			t->probe_timeout_us ? t->probe_timeout_us :
			3ULL * t->probe_interval_us;
	e->judge_us = v->judge_us ? v->judge_us : t->probe_interval_us;
	if (e->judge_us < JUDGE_MIN_US)
		e->judge_us = JUDGE_MIN_US;
	e->stall_tol_us = t->stall_tolerance_us;
	e->miss_k = v->miss_k ? v->miss_k : t->probe_miss_threshold;
	e->recover = v->recover ? v->recover : t->recover_probes;
}

/*
 * The data path remembers FABRIC_PROBE_RING departures per path: with a
 * timeout of that many intervals or more, a departure is forgotten before
 * its deadline and a dead path ends as "stalled", never as a miss. The
 * effective timeout counts: a [verdict] timeout_us overrides [thresholds].
 */
static void ring_validate(struct fcfg_parse *p)
{
	const struct fabricd_config *c = p->c;
	__u64 limit = (__u64)FABRIC_PROBE_RING * c->thr.probe_interval_us;
	struct fcfg_verdict_eff e;
	const char *sec = "verdict", *key = "timeout_us";
	int line;

	if (!c->verdict.kernel || !c->thr.probe_interval_us)
		return;
	fcfg_verdict_effective(c, &e);
	if (e.timeout_us < limit)
		return;
	if (!c->verdict.timeout_us) {
		sec = "thresholds";
		key = c->thr.probe_timeout_us ? "probe_timeout_us" : "probe_interval_us";
	}
	line = fcfg_key_line(p, sec, key);
	fcfg_err(p, line, "[%s] %s: a %llu us timeout is %llu probe intervals, but the data path remembers %d departures per path, so a dead path would never be judged down; set [verdict] timeout_us or [thresholds] probe_timeout_us below %llu us, or kernel = off",
		 sec, key, (unsigned long long)e.timeout_us,
		 (unsigned long long)(e.timeout_us / c->thr.probe_interval_us),
		 FABRIC_PROBE_RING, (unsigned long long)limit);
}

static void verdict_defaults(struct fabricd_config *c)
{
	c->verdict.kernel = true;
}

/*
 * The module sends and judges, but the data path stamps and matches its
 * probes. So probe_sender = kmod needs probes and the kernel-side verdict.
 */
static void verdict_validate(struct fcfg_parse *p)
{
	const struct fabricd_config *c = p->c;
	int line = fcfg_key_line(p, "verdict", "probe_sender");

	ring_validate(p);
	if (c->verdict.probe_sender != FCFG_SENDER_KMOD)
		return;
	if (!c->verdict.kernel)
		fcfg_err(p, line, "[verdict] probe_sender = kmod: fabric.ko's prober and judge need the data path to stamp and match its probes, but [verdict] kernel = off; set kernel = on, or probe_sender = fabricd");
	if (!c->thr.probe_interval_us)
		fcfg_err(p, line, "[verdict] probe_sender = kmod: no probes ([thresholds] probe_interval_us = 0); set probe_interval_us, or remove probe_sender");
	else if ((__u64)c->thr.probe_interval_us * 1000 < FABRIC_PROBER_MIN_INTERVAL_NS)
		fcfg_err(p, line, "[verdict] probe_sender = kmod: fabric.ko's prober cannot send more often than every %llu us; raise [thresholds] probe_interval_us, or set probe_sender = fabricd",
			 (unsigned long long)(FABRIC_PROBER_MIN_INTERVAL_NS / 1000));
}

static const struct fcfg_section sec_verdict = {
	.name = "verdict", .order = 66, .defaults = verdict_defaults,
	.validate = verdict_validate,
};
FCFG_SECTION(sec_verdict);
