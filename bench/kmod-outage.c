// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kmod-outage: per-flow outage in the guest with fabric.ko doing
 * everything: its hrtimer sends the probes, its hrtimer judges them
 * (judge=kmod; the data path's bpf_timer for judge=bpf, same settings,
 * same run), the verdict or the carrier kprobe declares the member down
 * in the reroute map and the tc filter moves its flows, and the module's
 * executor replaces group 100. This program plays fabricd's part between
 * them (a verdict to the policy as PATH_EVENTs, the override withdrawn
 * once the group agrees) and measures; bench/kmod-outage-guest.sh builds
 * the lab. Outage per flow: injection to the member's move, bracketed by
 * the sends of all its flows (Documentation/failover-bench.md, "Outage
 * and its resolution").
 *   kmod-outage [-n N] [-i interval_us] [-t timeout_us] [-s stall_us]
 *               [-j judge_us] [-k K] [-r recover] [-J kmod,bpf]
 *               [-f flows] [-p pps] [-H hot_pps]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/utsname.h>

#include "kmod-outage.h"
#include "fabric_probe.h"

#define KP	"/fabric/bin/fabric-kprober"
#define GENL	"/fabric/bin/fabric-genl-test"

static const char *kind_name[] = { "blackhole", "carrier" };
static struct kbo k = {
	.interval_ns = 2000000, .timeout_ns = 40000000, .stall_ns = 100000000,
	.judge_ns = 2000000, .miss_k = 3, .recover = 3,
};
struct lt *tr;	/* failover_bench.h's name for the traffic */

struct phase {
	const char *judge;
	struct series out[KBO_KINDS], det, rr, res;
	uint32_t injections[KBO_KINDS], skipped, brackets, split;
	uint64_t verdicts, expected;
};

static int sh_run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Group 100's members as `ip nexthop` prints them ("1/2"), "" if gone. */
static void kbo_members(char *out, size_t len)
{
	char line[512], *g;
	FILE *f = popen("/usr/sbin/ip nexthop show id 100 2>/dev/null", "r");

	out[0] = 0;
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (g = strstr(line, "group "))) {
		g += 6;
		g[strcspn(g, " \n")] = 0;
		snprintf(out, len, "%s", g);
	}
	pclose(f);
}

static bool wait_members(const char *want, int secs)
{
	uint64_t end = lt_now() + secs * 1000000000ULL;
	char m[64];

	do {
		kbo_members(m, sizeof(m));
		if (!strcmp(m, want))
			return true;
		usleep(20000);
	} while (lt_now() < end);
	fprintf(stderr, "kmod-outage: group 100 is {%s}, not {%s}\n", m, want);
	return false;
}

static uint64_t slot_field(uint32_t s, size_t off)
{
	struct fabric_probe_path p;

	if (kbo_slot(s, &p))
		return 0;
	return *(uint64_t *)((char *)&p + off);
}
#define SLOT(s, f)	slot_field(s, __builtin_offsetof(struct fabric_probe_path, f))

static uint32_t kbo_flows_on(int spine, uint8_t *which)
{
	static struct lt_flow fl[LT_MAX_FLOWS];
	uint32_t i, n = 0;

	lt_snapshot(tr, fl);
	for (i = 0; i < tr->cfg.flows; i++) {
		which[i] = lt_spine(fl[i].path) == spine;
		n += which[i];
	}
	return n;
}

/*
 * Each marked flow's first move off spine after t: its send time and the
 * send time of its previous packet (lo). Returns how many moved.
 */
static uint32_t kbo_moves(const uint8_t *which, int spine, uint64_t t,
		      uint64_t *first, uint64_t *prev)
{
	uint32_t i, n = 0;

	pthread_mutex_lock(&tr->lock);
	for (i = 0; i < tr->n_moves; i++) {
		const struct lt_move *m = &tr->move[i];

		if (m->t_ns < t || !which[m->flow] || first[m->flow] ||
		    lt_spine(m->from) != spine)
			continue;
		first[m->flow] = m->tx_ns;
		prev[m->flow] = m->tx_ns - m->res_ns;
		n++;
	}
	pthread_mutex_unlock(&tr->lock);
	return n;
}

/*
 * The member moves all its flows at one instant (one reroute map entry,
 * one replace, one nexthop flush), so the move lies after the latest of
 * their last sends on the old path and no later than the earliest first
 * send on the survivor; every flow's outage ends at that bracket's end.
 * An empty bracket disproves the one instant: each flow keeps its own.
 */
static void kbo_outages(struct phase *ph, enum kbo_kind kind, const uint8_t *which,
		    int spine, uint64_t t)
{
	uint64_t first[LT_MAX_FLOWS] = { 0 }, prev[LT_MAX_FLOWS] = { 0 };
	uint64_t lo = 0, hi = ~0ULL, end;
	uint32_t f, n;
	bool one;

	n = kbo_moves(which, spine, t, first, prev);
	for (f = 0; f < tr->cfg.flows; f++) {
		if (!first[f])
			continue;
		if (prev[f] > lo)
			lo = prev[f];
		if (first[f] < hi)
			hi = first[f];
	}
	one = n && lo <= hi;
	ph->brackets += n > 0;
	ph->split += n && !one;
	for (f = 0; f < tr->cfg.flows; f++) {
		if (!which[f])
			continue;
		if (!first[f]) {
			ph->out[kind].censored++;
			continue;
		}
		end = one ? hi : first[f];
		add(&ph->out[kind], end > t ? (end - t) / 1e3 : 0);
	}
	if (one)
		add(&ph->res, (hi - lo) / 1e3);
	printf("  (%s %s spine %d: %u flow(s) moved, outage %.1f us, bracket %.1f us%s)\n",
	       ph->judge, kind_name[kind], spine, n, n && hi > t ? (hi - t) / 1e3 : 0.0,
	       one ? (hi - lo) / 1e3 : -1.0, n && !one ? " (empty: own sends)" : "");
}

/* One fault on the spine that carries flows, measured, then repaired. */
static int injection(struct phase *ph, enum kbo_kind kind, int i)
{
	uint8_t which[LT_MAX_FLOWS];
	uint64_t first[LT_MAX_FLOWS], prev[LT_MAX_FLOWS], t, t0, v0, end;
	struct frr_member_state st;
	int spine = 1 + (i & 1), p;
	bool found = false;
	uint32_t nf;

	if (!wait_members("1/2", 10))
		return -1;
	/* both members in the group: no override may remain (a false
	 * verdict's, which fabricd would have withdrawn) */
	frr_poll(k.rr);
	frr_restored(k.rr, 0, 0);
	frr_restored(k.rr, 0, 1);
	if (!kbo_flows_on(spine, which))
		spine = 3 - spine;
	nf = kbo_flows_on(spine, which);
	if (!nf) {
		ph->skipped++;
		return 0;
	}
	p = spine - 1;
	v0 = SLOT(p, verdicts);
	lt_hot(tr, which);
	usleep(3000);
	if (kbo_inject(kind, spine, true, &t))
		return -1;
	ph->injections[kind]++;
	/* hot until every affected flow has moved (or 5 s) */
	end = t + 5000000000ULL;
	do {
		memset(first, 0, sizeof(first));
		if (kbo_moves(which, spine, t, first, prev) >= nf)
			break;
		usleep(1000);
	} while (lt_now() < end);
	usleep(5000);
	lt_hot(tr, NULL);
	kbo_outages(ph, kind, which, spine, t);
	/* the verdict (or the kprobe's declaration), from the map */
	end = lt_now() + 10000000000ULL;
	do {
		frr_poll(k.rr);
		found = !frr_member(k.rr, 0, p, &st) && st.down && st.verdict_ns >= t &&
			(kind == KBO_CARRIER || st.source != FABRIC_RR_SRC_CARRIER);
		if (found)
			break;
		usleep(20000);
	} while (lt_now() < end);
	if (found && kind == KBO_BLACKHOLE) {
		add(&ph->det, (st.verdict_ns - t) / 1e3);
		if (st.first_tx_ns >= st.verdict_ns)
			add(&ph->rr, (st.first_tx_ns - st.verdict_ns) / 1e3);
	} else if (!found) {
		ph->det.censored += kind == KBO_BLACKHOLE;
		printf("  (%s %s spine %d: no verdict in 10 s)\n", ph->judge,
		       kind_name[kind], spine);
	}
	/* fabricd's part: the verdict to the policy, then the override
	 * withdrawn once the kernel's group agrees */
	if (kind == KBO_BLACKHOLE && found)
		sh_run(GENL " event 100 %d probe-miss >/dev/null", spine);
	if (found || kind == KBO_CARRIER) {
		if (!wait_members(spine == 1 ? "2" : "1", 10))
			return -1;
		frr_poll(k.rr);
		frr_replaced(k.rr, 0, lt_now());
	}
	/* the path returns: the judge clears, the policy holds it down */
	kbo_inject(kind, spine, false, &t0);
	if (kind == KBO_BLACKHOLE && found) {
		end = lt_now() + 10000000000ULL;
		while (lt_now() < end) {
			struct fabric_probe_path pp;

			if (!kbo_slot(p, &pp) && pp.verdict != FABRIC_PROBE_V_DOWN)
				break;
			usleep(20000);
		}
		sh_run(GENL " event 100 %d probe-ok >/dev/null", spine);
	}
	if (!wait_members("1/2", 20))
		return -1;
	frr_restored(k.rr, 0, p);
	ph->expected += SLOT(p, verdicts) > v0;
	return 0;
}

static void line(const struct utsname *u, struct phase *ph)
{
	uint32_t i;

	for (i = 0; i < KBO_KINDS; i++)
		report(&ph->out[i]);
	report(&ph->det);
	report(&ph->rr);
	report(&ph->res);
	printf("  brackets %u, empty %u, spines without flows %u\n", ph->brackets,
	       ph->split, ph->skipped);
	for (i = 0; i < 2; i++) {
		struct fabric_probe_path p;

		if (kbo_slot(i, &p))
			continue;
		printf("  slot %u (since boot): sent %llu answered %llu late %llu missed %llu"
		       " stalled %llu undone %llu verdicts %llu false_verdicts %llu"
		       " kverdicts %llu kjudge_runs %llu\n", i,
		       (unsigned long long)p.sent, (unsigned long long)p.answered,
		       (unsigned long long)p.late, (unsigned long long)p.missed,
		       (unsigned long long)p.stalled, (unsigned long long)p.undone,
		       (unsigned long long)p.verdicts, (unsigned long long)p.false_verdicts,
		       (unsigned long long)p.kverdicts, (unsigned long long)p.kjudge_runs);
	}
	printf("kmod-outage: kernel=%s judge=%s blackhole_outage_p50_us=%.0f"
	       " blackhole_outage_p99_us=%.0f carrier_outage_p50_us=%.0f"
	       " carrier_outage_p99_us=%.0f reroute_us_p50=%.0f blackhole_detect_us_p50=%.0f"
	       " resolution_us_p50=%.0f false_verdicts=%llu samples=%d\n",
	       u->release, ph->judge, pct(&ph->out[0], 50), pct(&ph->out[0], 99),
	       pct(&ph->out[1], 50), pct(&ph->out[1], 99), pct(&ph->rr, 50),
	       pct(&ph->det, 50), pct(&ph->res, 50),
	       (unsigned long long)(ph->verdicts - ph->expected),
	       ph->out[0].n + ph->out[1].n);
	fflush(stdout);
}

static int probers(const char *judge, bool on)
{
	char extra[256] = "";
	int s, err = 0;

	if (!on) {
		for (s = 0; s < 2; s++)
			sh_run(KP " del %d >/dev/null", s);
		return 0;
	}
	if (!strcmp(judge, "kmod"))
		snprintf(extra, sizeof(extra),
			 " judge " KBO_PIN " timeout-ns %llu stall-tol-ns %llu judge-ns %llu"
			 " miss-k %u recover %u", (unsigned long long)k.timeout_ns,
			 (unsigned long long)k.stall_ns, (unsigned long long)k.judge_ns,
			 k.miss_k, k.recover);
	for (s = 0; s < 2 && !err; s++)
		err = sh_run(KP " add %d dev up%d src 10.2.1%d.1 dst 10.2.1%d.2 interval-ns %llu"
			  " group 0 member %d%s >/dev/null", s, s + 1, s + 1, s + 1,
			  (unsigned long long)k.interval_ns, s, extra);
	return err;
}

static int phase_run(struct phase *ph, int n, const struct utsname *u)
{
	uint64_t v0, a0, a1, end;
	int i, err = 0;

	for (i = 0; i < KBO_KINDS; i++)
		ph->out[i].name = kind_name[i][0] == 'b' ? "blackhole_outage_us" :
			"carrier_outage_us";
	ph->det.name = "blackhole_detect_us";
	ph->rr.name = "reroute_us";
	ph->res.name = "resolution_us";
	if (probers(ph->judge, true)) {
		fprintf(stderr, "kmod-outage: PROBER_ADD failed (judge=%s)\n", ph->judge);
		return -1;
	}
	/* both paths answer this phase's probes before the first fault */
	a0 = SLOT(0, answered);
	a1 = SLOT(1, answered);
	end = lt_now() + 30000000000ULL;
	while ((SLOT(0, answered) < a0 + 20 || SLOT(1, answered) < a1 + 20) &&
	       lt_now() < end)
		usleep(50000);
	v0 = SLOT(0, verdicts) + SLOT(1, verdicts);
	for (i = 0; i < n && !err; i++) {
		err = injection(ph, KBO_BLACKHOLE, i);
		if (!err)
			err = injection(ph, KBO_CARRIER, i);
	}
	ph->verdicts = SLOT(0, verdicts) + SLOT(1, verdicts) - v0;
	sh_run(KP " list | sed 's/^/# /'");
	probers(ph->judge, false);
	line(u, ph);
	return err;
}

int main(int argc, char **argv)
{
	struct lt_cfg lc = {
		.src_ns = "kbn-h1", .dst_ns = "kbn-h2", .flows = 8, .pps = 4000,
		.payload = 64, .hot_pps = 20000, .hot_rt = 1,
	};
	static struct phase ph[2];
	char judges[64] = "kmod,bpf", *j, *save;
	struct utsname u;
	int c, n = 5, np = 0, err = 0;

	while ((c = getopt(argc, argv, "n:i:t:s:j:k:r:J:f:p:H:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'i': k.interval_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 't': k.timeout_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 's': k.stall_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 'j': k.judge_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 'k': k.miss_k = atoi(optarg); break;
		case 'r': k.recover = atoi(optarg); break;
		case 'J': snprintf(judges, sizeof(judges), "%s", optarg); break;
		case 'f': lc.flows = atoi(optarg); break;
		case 'p': lc.pps = atoi(optarg); break;
		case 'H': lc.hot_pps = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: see bench/kmod-outage.c\n");
			return 2;
		}
	}
	uname(&u);
	inet_pton(AF_INET, "10.1.2.2", &lc.dst);
	err = kbo_spines_setup();
	if (!err)
		err = kbo_dp_setup(&k);
	if (!err)
		err = sh_run(KP " rr-map " KBO_PIN "/" FABRIC_RR_MAP " >/dev/null") ? -EIO : 0;
	if (err) {
		fprintf(stderr, "kmod-outage: setup: %s\n", strerror(-err));
		return 1;
	}
	tr = lt_start(&lc);
	if (!tr) {
		fprintf(stderr, "kmod-outage: traffic did not start\n");
		return 1;
	}
	for (c = 0; c < 300 && !lt_all_flowing(tr); c++)
		usleep(100000);
	if (!lt_all_flowing(tr)) {
		fprintf(stderr, "kmod-outage: not every flow arrives\n");
		return 1;
	}
	printf("# judge settings: interval %llu us, timeout %llu us, stall_tol %llu us,"
	       " judge period %llu us, K %u, recover %u; %u flows, %u pps, hot %u pps\n",
	       (unsigned long long)k.interval_ns / 1000, (unsigned long long)k.timeout_ns / 1000,
	       (unsigned long long)k.stall_ns / 1000, (unsigned long long)k.judge_ns / 1000,
	       k.miss_k, k.recover, lc.flows, lc.pps, lc.hot_pps);
	for (j = strtok_r(judges, ",", &save); j && np < 2 && !err;
	     j = strtok_r(NULL, ",", &save)) {
		ph[np].judge = j;
		err = phase_run(&ph[np++], n, &u);
	}
	lt_stop(tr);
	frr_close(k.rr);
	if (err)
		printf("kmod-outage: FAILED kernel=%s (see above)\n", u.release);
	return err ? 1 : 0;
}
