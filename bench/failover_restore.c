// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/failover: a path's return. The fault is cleared, the engine takes
 * the path back after its hold-down, and the group gets it back in two
 * replace steps; a gap is a sequence number some flow never received
 * between clearing the fault and 50 ms after the second step, at the base
 * rate (all flows hot at once, 4 x 50 kpps, overload this 2-vCPU VM's
 * softirq and lose packets on every path).
 *
 * A loss is a restore's only if a path lost it: the receiver's socket
 * overflowing (its thread not run for tens of ms on a loaded VM), the
 * sender's refusing a send, or a device queue overflowing drops packets
 * whatever the paths do, so h2's UDP RcvbufErrors, h1's SndbufErrors and
 * the lab devices' drops are taken over the same window, and a gap they
 * cover is counted apart. A hold-down that flaps grew (a gray fault's verdicts
 * come and go) may outlast the first 10 s: the bench then waits for the
 * hold-down the policy reports, and counts the restores that still did
 * not come. Documentation/failover-bench.md, "Restore".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failover_bench.h"

static uint64_t flow_lost(uint32_t f)
{
	uint64_t l;

	pthread_mutex_lock(&tr->lock);
	l = tr->flow[f].lost;
	pthread_mutex_unlock(&tr->lock);
	return l;
}

/* Sum of one column (by its header) of a `Udp:` pair in ns's /proc/net/snmp. */
static uint64_t udp_counter(const char *node, const char *col)
{
	char cmd[128], hdr[512] = "", line[512];
	uint64_t v = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/snmp", ns(node));
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *hs, *vs, *h, *x;

		if (strncmp(line, "Udp: ", 5))
			continue;
		if (!hdr[0]) {
			snprintf(hdr, sizeof(hdr), "%s", line);
			continue;
		}
		h = strtok_r(hdr, " \n", &hs);
		x = strtok_r(line, " \n", &vs);
		while (h && x) {
			if (!strcmp(h, col))
				v = strtoull(x, NULL, 10);
			h = strtok_r(NULL, " \n", &hs);
			x = strtok_r(NULL, " \n", &vs);
		}
		break;
	}
	pclose(f);
	return v;
}

/* rx + tx drops of every device of the lab's nodes (/proc/net/dev). */
static uint64_t dev_drops(void)
{
	static const char *const node[] = { "h1", "l1", "s1", "s2", "l2", "h2" };
	unsigned long long rx_drop, tx_drop;
	char cmd[128], line[512];
	uint64_t v = 0;
	unsigned int i;
	FILE *f;

	for (i = 0; i < sizeof(node) / sizeof(node[0]); i++) {
		snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/dev", ns(node[i]));
		f = popen(cmd, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *c = strchr(line, ':');

			/* rx: bytes packets errs drop ...; tx: the 9th on */
			if (c && sscanf(c + 1, "%*u %*u %*u %llu %*u %*u %*u %*u %*u %*u %*u %llu",
					&rx_drop, &tx_drop) == 2)
				v += rx_drop + tx_drop;
		}
		pclose(f);
	}
	return v;
}

/* Packets dropped outside the paths under test: the receiver's socket,
 * the sender's, and any device of the lab. */
struct drops {
	uint64_t rcvbuf, sndbuf, dev;
};

static void drops_take(struct drops *d)
{
	d->rcvbuf = udp_counter("h2", "RcvbufErrors");
	d->sndbuf = udp_counter("h1", "SndbufErrors");
	d->dev = dev_drops();
}

/* The policy's view of path p: state, penalty, hold-down left (ns). */
static uint64_t path_report(int p, const char *pfx)
{
	struct ffe_group_status gs;
	const struct fabric_fo_path *fp;
	uint64_t now = lt_now(), left = 0;

	if (!run.e || ffe_group_status(run.e, 0, &gs))
		return 0;
	fp = &gs.fo->path[p];
	if (fp->state == FABRIC_FO_HOLDDOWN && fp->hold_until_ns > now)
		left = fp->hold_until_ns - now;
	printf("%spath %d %s, penalty %u, hold-down %.0f ms left (next one would be "
	       "%.0f ms), installed %#x desired %#x", pfx, p,
	       fabric_fo_state_name(fp->state), fp->penalty, left / 1e6,
	       fabric_fo_hold_ns(gs.fo, p, now) / 1e6, gs.installed, gs.desired);
	return left;
}

/* Where a restore's gap fell: arrival gaps of 20 ms or more since t0. */
static void restore_gap_report(enum kind k, int spine, uint64_t missing,
			       const struct drops *d, uint64_t t0, uint64_t t_up)
{
	uint32_t i;

	printf("  (%s restore of spine %d: %llu packets missing; dropped by the receiver's "
	       "socket %llu, the sender's %llu, the lab's devices %llu; UP at +%.3f ms",
	       kname[k], spine, (unsigned long long)missing,
	       (unsigned long long)d->rcvbuf, (unsigned long long)d->sndbuf,
	       (unsigned long long)d->dev, t_up ? (t_up - t0) / 1e6 : -1.0);
	pthread_mutex_lock(&tr->lock);
	for (i = 0; i < tr->n_gaps; i++) {
		const struct lt_gap *g = &tr->gap[i];

		if (g->t_ns < t0)
			continue;
		printf("; flow %u quiet %.1f ms until +%.3f ms, %llu lost, on spine %d",
		       g->flow, g->gap_ns / 1e6, (g->t_ns - t0) / 1e6,
		       (unsigned long long)g->lost, lt_spine(g->path));
	}
	pthread_mutex_unlock(&tr->lock);
	printf(")\n");
	path_report(0, "    ");
	path_report(1, "; ");
	printf("\n");
	if (run.setup)
		fb_rr_report();
}

void restore(enum kind k, int spine, uint32_t *cur, struct engine_series *s)
{
	uint64_t l0[LT_MAX_FLOWS], t0, missing = 0, settle, left;
	struct drops d0, d1;
	struct ffe_event ev;
	uint32_t f;
	bool up;

	for (f = 0; f < tr->cfg.flows; f++)
		l0[f] = flow_lost(f);
	drops_take(&d0);
	inject(k, spine, false, &t0);
	up = wait_ev(cur, spine - 1, FABRIC_FO_UP, t0, 10000000000ULL, &ev);
	if (!up) {
		printf("  (%s restore of spine %d: not UP after 10 s: ", kname[k], spine);
		left = path_report(spine - 1, "");
		printf(")\n");
		/* a hold-down grown by flaps: the policy says how long */
		if (left)
			up = wait_ev(cur, spine - 1, FABRIC_FO_UP, t0,
				     left + 1000000000ULL, &ev);
		if (up)
			s->restore_late++;
	}
	if (!up) {
		fprintf(stderr, "bench: path %d not restored\n", spine);
		s->restore_timeouts++;
	} else {
		add(&s->restore_ms, (ev.time_ns - t0) / 1e6);
	}
	/* Through the second step: the configured idle timer plus 250 ms. */
	settle = (up ? ev.time_ns : lt_now()) +
		 run.cfg.group[0].nh.idle_timer_ms * 1000000ULL + 250000000ULL;
	while ((int64_t)(settle + 50000000ULL - lt_now()) > 0)
		usleep(5000);
	/* a flow whose count fell: packets counted lost before the window
	 * arrived in it (reordered at the move), not a gap of the restore */
	for (f = 0; f < tr->cfg.flows; f++) {
		int64_t dl = (int64_t)(flow_lost(f) - l0[f]);

		if (dl > 0)
			missing += dl;
	}
	drops_take(&d1);
	d1.rcvbuf -= d0.rcvbuf;
	d1.sndbuf -= d0.sndbuf;
	d1.dev -= d0.dev;
	s->restores++;
	s->restore_rx_drops += d1.rcvbuf + d1.sndbuf + d1.dev;
	if (missing) {
		s->restore_gaps++;
		if (missing <= d1.rcvbuf + d1.sndbuf + d1.dev)
			s->restore_rx_gaps++;
		restore_gap_report(k, spine, missing, &d1, t0, up ? ev.time_ns : 0);
	}
	add(&s->restore_lost, (double)missing);
}
