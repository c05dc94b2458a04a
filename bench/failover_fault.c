// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover: fault injection on leaf 1's uplinks, each timed to a
 * few us (an ioctl or a map update), and what the flows saw:
 *   detection = engine's DOWN - injection
 *   repair    = group replace acked - injection
 *   outage    = per affected flow, its first packet through the other
 *               spine - injection (receiver's kernel timestamps); the
 *               affected flows are hot (>= 50 kpps each) from just before
 *               the injection until they have all moved
 *   restore   = failover_restore.c
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "failover_bench.h"

const char *kname[] = { "carrier", "blackhole", "gray5" };
struct series res_us = { .name = "resolution_us" };
struct series out_rx_us = { .name = "outage_to_receive_us" };
static int ioc[3];		/* ioctl sockets in s1, s2 */

static int open_ioc(int spine)
{
	char p[64];
	int self = open("/proc/self/ns/net", O_RDONLY), fd;

	snprintf(p, sizeof(p), "s%d", spine);
	if (lt_enter_ns(ns(p)))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setns(self, CLONE_NEWNET);
	close(self);
	return fd;
}

int fault_open(void)
{
	ioc[1] = open_ioc(1);
	ioc[2] = open_ioc(2);
	return ioc[1] < 0 || ioc[2] < 0 ? -1 : 0;
}

static int carrier(int spine, bool up, uint64_t *t)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "dn1");
	if (ioctl(ioc[spine], SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags = up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP;
	*t = lt_now();
	return ioctl(ioc[spine], SIOCSIFFLAGS, &ifr) ? -errno : 0;
}

struct fault_cfg { uint32_t pct, pad; uint64_t dropped; };

static int drop(int spine, uint32_t pct, uint64_t *t)
{
	char path[256];
	struct fault_cfg v = { .pct = pct };
	uint32_t zero = 0;
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/fs/bpf/%s-lab/l1-up%d/lab_fault", P, spine);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	*t = lt_now();
	ret = bpf_map_update_elem(fd, &zero, &v, BPF_ANY) ? -errno : 0;
	close(fd);
	return ret;
}

static void spine_route(int spine)
{
	/* The spine's own port went down: its static route went with it. */
	sh("ip -n %s route replace 10.1.1.0/24 via 10.2.1%d.1",
	   ns(spine == 1 ? "s1" : "s2"), spine);
}

void inject(enum kind k, int spine, bool on, uint64_t *t)
{
	int ret;

	if (k == K_CARRIER)
		ret = carrier(spine, !on, t);
	else
		ret = drop(spine, on ? (k == K_GRAY ? 5 : 100) : 0, t);
	if (ret)
		fprintf(stderr, "bench: inject %s: %s\n", kname[k], strerror(-ret));
	if (k == K_CARRIER && !on)
		spine_route(spine);
}

uint64_t lost_total(void)
{
	static struct lt_flow fl[LT_MAX_FLOWS];
	uint64_t s = 0;
	uint32_t i;

	lt_snapshot(tr, fl);
	for (i = 0; i < tr->cfg.flows; i++)
		s += fl[i].lost;
	return s;
}

/* Flows on spine (DSCP spine*10) right now. */
uint32_t flows_on(int spine, uint8_t *which)
{
	static struct lt_flow fl[LT_MAX_FLOWS];
	uint32_t i, n = 0;

	lt_snapshot(tr, fl);
	for (i = 0; i < tr->cfg.flows; i++) {
		which[i] = fl[i].path == spine * 10;
		n += which[i];
	}
	return n;
}

/* No flow where one was wanted: say where flow 0 is (once a second). */
void no_flows(void)
{
	static struct lt_flow fl[LT_MAX_FLOWS];
	static uint64_t last;
	uint64_t now = lt_now();

	if (now - last < 1000000000ULL)
		return;
	last = now;
	lt_snapshot(tr, fl);
	printf("  (no flow to fail: flow 0 on DSCP %u, received %llu, lost %llu)\n",
	       fl[0].path, (unsigned long long)fl[0].recv,
	       (unsigned long long)fl[0].lost);
}

/* First move of each marked flow off spine after t; how many moved. */
static uint32_t first_moves(const uint8_t *which, int spine, uint64_t t,
			    uint64_t until, uint64_t *when, uint64_t *res,
			    uint64_t *rx)
{
	uint32_t i, f, nm, n = 0;
	bool seen[LT_MAX_FLOWS] = { 0 };

	pthread_mutex_lock(&tr->lock);
	nm = tr->n_moves;
	for (i = 0; i < nm; i++) {
		struct lt_move *m = &tr->move[i];

		f = m->flow;
		if (m->t_ns < t || m->t_ns > until || !which[f] || seen[f] ||
		    m->from != spine * 10)
			continue;
		seen[f] = true;
		if (when)
			when[f] = m->tx_ns;
		if (res)
			res[f] = m->res_ns;
		if (rx)
			rx[f] = m->t_ns;
		n++;
	}
	pthread_mutex_unlock(&tr->lock);
	return n;
}

/*
 * Both executors move a member's flows at one instant (the data path's
 * reroute is per member; a group replace or the kernel's nexthop flush is
 * one operation), so the move lies after every marked flow's last send
 * before its move and no later than the first send of any of them on the
 * survivor: the union of their sends brackets it, at the spacing of the
 * sender's interleaved sends rather than one flow's. Each flow's outage
 * is the bracket's end; its resolution the bracket's width. A bracket
 * that is empty (some flow sent on the old path after another's first
 * send on the survivor) disproves the single instant: then each flow
 * keeps its own sends. Failover-bench.md "Outage and its resolution".
 */
struct series flow_res_us = { .name = "own_sends_resolution_us" };
uint32_t brackets, brackets_split;

void outages(struct series *s, const uint8_t *which, int spine, uint64_t t,
	     uint64_t until, const char *what)
{
	uint64_t when[LT_MAX_FLOWS] = { 0 }, res[LT_MAX_FLOWS] = { 0 };
	uint64_t rx[LT_MAX_FLOWS] = { 0 }, lo = 0, hi = ~0ULL;
	uint32_t f, moved = 0;
	bool one;

	first_moves(which, spine, t, until, when, res, rx);
	for (f = 0; f < tr->cfg.flows; f++) {
		if (!which[f] || !when[f] || !res[f])
			continue;
		moved++;
		if (when[f] - res[f] > lo)
			lo = when[f] - res[f];
		if (when[f] < hi)
			hi = when[f];
	}
	one = moved && lo <= hi;
	if (moved) {
		brackets++;
		brackets_split += !one;
	}
	if (what && moved)
		printf("  (%s: %u flow(s) moved, outage %.1f us, bracket %.1f us%s; own sends:",
		       what, moved, hi > t ? (hi - t) / 1e3 : 0.0,
		       one ? (hi - lo) / 1e3 : -1.0, one ? "" : " (empty: flows kept their own)");
	for (f = 0; f < tr->cfg.flows; f++) {
		uint64_t end, r;

		if (!which[f])
			continue;
		if (!when[f]) {
			s->censored++;
			continue;
		}
		end = one && res[f] ? hi : when[f];
		r = one && res[f] ? hi - lo : res[f];
		/* sent before the injection: counts as no outage */
		add(s, end > t ? (end - t) / 1e3 : 0);
		add(&out_rx_us, (rx[f] - t) / 1e3);
		if (r)
			add(&res_us, r / 1e3);
		if (res[f])
			add(&flow_res_us, res[f] / 1e3);
		if (what && res[f])
			printf(" flow %u +%.1f us res %.1f us", f,
			       when[f] > t ? (when[f] - t) / 1e3 : 0.0, res[f] / 1e3);
	}
	if (what && moved)
		printf(")\n");
}

/* Whether `cmd`'s output contains every one of the needles. */
static bool cmd_has(const char *cmd, const char *const *needle, int n)
{
	char out[4096];
	size_t len = 0, r;
	FILE *f = popen(cmd, "r");
	int i;

	if (!f)
		return false;
	while (len < sizeof(out) - 1 &&
	       (r = fread(out + len, 1, sizeof(out) - 1 - len, f)) > 0)
		len += r;
	out[len] = 0;
	pclose(f);
	for (i = 0; i < n; i++)
		if (!strstr(out, needle[i]))
			return false;
	return true;
}

char bench_fail[256];

/*
 * Before a measurement: l1's route to h2 through group 100, and the group
 * with both members. A series without them measures detection only (no
 * flow can move), so the bench stops there and says why rather than
 * print figures (the last full run lost the route: a group the kernel
 * deleted was re-created without it). Polls for up to 3 s: a restore's
 * second step may still be in flight.
 */
bool lab_intact(const char *when)
{
	static const char *const rt[] = { "\"nhid\":100" };
	static const char *const nh[] = { "\"id\":11", "\"id\":12" };
	char rcmd[256], ncmd[256];
	bool r_ok = false, n_ok = false;
	int i;

	snprintf(rcmd, sizeof(rcmd), "ip -n %s -j route show 10.1.2.0/24 2>/dev/null",
		 ns("l1"));
	snprintf(ncmd, sizeof(ncmd), "ip -n %s -j nexthop show id 100 2>/dev/null",
		 ns("l1"));
	for (i = 0; i < 60; i++) {
		r_ok = cmd_has(rcmd, rt, 1);
		n_ok = cmd_has(ncmd, nh, 2);
		if (r_ok && n_ok)
			return true;
		usleep(50000);
	}
	snprintf(bench_fail, sizeof(bench_fail),
		 "%s: l1 %s%s%s", when,
		 r_ok ? "" : "has no route 10.1.2.0/24 via group 100",
		 !r_ok && !n_ok ? " and " : "",
		 n_ok ? "" : "lacks a member of group 100 (want 11 and 12)");
	fprintf(stderr, "bench: FAIL: %s\n", bench_fail);
	printf("bench: FAIL: %s\n", bench_fail);
	sh("ip -n %s route show 10.1.2.0/24; ip -n %s nexthop show", ns("l1"),
	   ns("l1"));
	return false;
}

/* See failover_bench.h. */
bool wait_ev(uint32_t *cursor, int path, int to, uint64_t t,
	     uint64_t timeout_ns, struct ffe_event *out)
{
	static struct ffe_event ev[1024];
	uint64_t end = lt_now() + timeout_ns;
	uint32_t n, i;

	while (lt_now() < end) {
		uint32_t from = *cursor;

		le_events(&run, from, ev, 1024, &n);
		*cursor = from + n;
		for (i = 0; i < n; i++) {
			if (ev[i].path == (uint32_t)path && ev[i].to == to &&
			    ev[i].time_ns >= t) {
				*out = ev[i];
				return true;
			}
		}
		usleep(1000);
	}
	return false;
}

/* Keep the affected flows hot until each has moved (or max_ns). */
static void hot_until_moved(const uint8_t *which, uint32_t n, int spine,
			    uint64_t t, uint64_t max_ns)
{
	uint64_t end = t + max_ns;

	while (lt_now() < end &&
	       first_moves(which, spine, t, ~0ULL, NULL, NULL, NULL) < n)
		usleep(1000);
	usleep(5000);	/* packets behind the first ones: still resolved */
	lt_hot(tr, NULL);
}

void run_engine_series(enum kind k, int n_inj, struct engine_series *s)
{
	uint8_t which[LT_MAX_FLOWS];
	struct ffe_event ev;
	uint32_t cur, n, nf;
	uint64_t t, t0, l0;
	int i, spine, tries = 0;

	for (i = 0; i < n_inj && tries < 4 * n_inj; i++, tries++) {
		char when[64];

		spine = 1 + (i & 1);
		usleep(200000);
		snprintf(when, sizeof(when), "before %s injection %d", kname[k], i);
		if (!lab_intact(when))
			return;
		cur = le_events(&run, 0, NULL, 0, &n);
		/*
		 * A restore moves back only flows whose buckets the kernel
		 * saw idle; if every flow ended up on one spine, fail that
		 * one instead (and say so) rather than skip.
		 */
		if (!flows_on(spine, which)) {
			if (!flows_on(3 - spine, which)) {
				no_flows();
				i--;
				continue;
			}
			printf("  (%s %d: no flow on spine %d, failing spine %d)\n",
			       kname[k], i, spine, 3 - spine);
			spine = 3 - spine;
		}
		nf = flows_on(spine, which);
		lt_hot(tr, which);
		usleep(3000);
		l0 = lost_total();
		inject(k, spine, true, &t);
		if (!wait_ev(&cur, spine - 1, FABRIC_FO_DOWN, t,
			     k == K_GRAY ? 8000000000ULL : 2000000000ULL, &ev)) {
			lt_hot(tr, NULL);
			s->det.censored++;
			inject(k, spine, false, &t0);
			sleep(2);
			continue;
		}
		add(&s->det, (ev.time_ns - t) / 1e3);
		if (ev.repair_ns)
			add(&s->rep, (ev.time_ns + ev.repair_ns - t) / 1e3);
		hot_until_moved(which, nf, spine, t, 300000000ULL);
		if (k == K_BLACKHOLE && run.setup)
			fb_reroute_sample(spine - 1, t, &s->rr);
		usleep(100000);
		snprintf(when, sizeof(when), "%s %d spine %d", kname[k], i, spine);
		outages(&s->out, which, spine, t, lt_now(), when);
		add(&s->lost, (double)(lost_total() - l0));
		restore(k, spine, &cur, s);
	}
}

void kernel_series(enum kind k, int n, struct series *out, struct series *lost)
{
	uint8_t which[LT_MAX_FLOWS];
	uint64_t t, t0, l0;
	uint32_t nf;
	int i, spine, tries;

	for (i = 0, tries = 0; i < n && tries < 4 * n; i++, tries++) {
		spine = 1 + (i & 1);
		sh("ip -n %s nexthop replace id 11 via 10.2.11.2 dev up1", ns("l1"));
		sh("ip -n %s nexthop replace id 12 via 10.2.12.2 dev up2", ns("l1"));
		sh("ip -n %s nexthop replace id 100 group 11/12 type resilient", ns("l1"));
		sh("ip -n %s route replace 10.1.2.0/24 nhid 100", ns("l1"));
		sleep(1);
		/* busy buckets stay where the engine's run left them */
		if (!flows_on(spine, which))
			spine = 3 - spine;
		nf = flows_on(spine, which);
		if (!nf) {
			no_flows();
			i--;
			continue;
		}
		lt_hot(tr, which);
		usleep(3000);
		l0 = lost_total();
		inject(k, spine, true, &t);
		if (k == K_CARRIER)
			hot_until_moved(which, nf, spine, t, 300000000ULL);
		usleep(k == K_CARRIER ? 200000 : 1000000);
		lt_hot(tr, NULL);
		outages(out, which, spine, t, lt_now(), NULL);
		inject(k, spine, false, &t0);
		usleep(200000);
		add(lost, (double)(lost_total() - l0));
	}
}
