/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The probe judge: pure C on struct fabric_probe_path, shared by the BPF
 * data path (bpf/probe_verdict.h), fabric.ko (kmod/prober.c) and the unit
 * tests. No clock, no locks, no allocation: the caller passes the time,
 * holds the path's lock around pj_tx/pj_rx/pj_judge and the host entry's
 * lock around pj_rx_host (never both at once, as BPF allows one lock).
 *
 * The rule (Documentation/reroute.md, "Kernel-side probe verdict"):
 * a probe whose deadline (departure + timeout) passed without an answer
 * is a miss only once the receive path is known to have been current
 * after that deadline, i.e. some answer on this node came back in time
 * after it (host rx_live_ns). Until then it is pending; if that proof
 * does not come within stall_tol it is dropped as stalled. A late answer
 * (round trip above the timeout) proves a receive stall: it charges its
 * excess to every probe that was in flight during its trip, and
 * such probes are dropped as stalled, not counted as misses. A judge
 * that fires more than stall_tol late judges nothing.
 *
 * The proof is per receive CPU: a path's misses are confirmed only by an
 * answer in time on the CPU that processes this path's answers (the one
 * of its newest answer; node-wide until it has one, or once that CPU has
 * been silent for stall_tol while the node answered), since a stalled
 * vCPU holds its own backlog while the other CPUs run. And an answer to a
 * probe already counted missed undoes the miss: a DOWN verdict whose run
 * held that miss is withdrawn at once (false_verdicts).
 */
#ifndef FABRIC_PROBE_JUDGE_H
#define FABRIC_PROBE_JUDGE_H

#include "fabric_probe.h"

#define PJ_RING_MASK	(FABRIC_PROBE_RING - 1)

_Static_assert((FABRIC_PROBE_RING & PJ_RING_MASK) == 0,
	       "FABRIC_PROBE_RING must be a power of two");

/* pj_rx() results */
#define PJ_RX_UNMATCHED	0	/* unknown, duplicate or forgotten probe */
#define PJ_RX_OK	1	/* answered within the timeout */
#define PJ_RX_LATE	2	/* answered after it: a receive stall */
#define PJ_RX_CLEARED	0x10	/* flag: this answer cleared a DOWN verdict */
#define PJ_RX_UNDONE	0x20	/* flag: it answered a confirmed miss */

/* fabric_probe_tx.ans */
#define PJ_ANS_NONE	0
#define PJ_ANS_YES	1
#define PJ_ANS_MISSED	2

#define PJ_CPU_MASK	(FABRIC_PROBE_CPUS - 1)

_Static_assert((FABRIC_PROBE_CPUS & PJ_CPU_MASK) == 0,
	       "FABRIC_PROBE_CPUS must be a power of two");

struct pj_out {
	__u32	missed;		/* confirmed misses this run */
	__u32	stalled;	/* misses dropped as stalled this run */
	__u32	candidate;	/* miss_run >= K and no verdict yet */
	__u32	pending;	/* departures not judged yet */
};

static inline __s64 pj_since(__u64 now, __u64 then)
{
	return (__s64)(now - then);
}

/* A departure of probe seq at now. */
static inline void pj_tx(struct fabric_probe_path *p, __u64 seq, __u64 now)
{
	struct fabric_probe_tx *t = &p->ring[seq & PJ_RING_MASK];

	if (seq < p->judged) {
		/* the sender restarted its sequence: start over */
		p->judged = seq;
		p->tx_next = seq;
	}
	t->seq = seq;
	t->tx_ns = now;
	t->ans = 0;
	if (seq >= p->tx_next)
		p->tx_next = seq + 1;
	if (p->tx_next - p->judged > FABRIC_PROBE_RING) {
		/* the judge did not run for a whole ring: it was stalled */
		p->stalled += p->tx_next - FABRIC_PROBE_RING - p->judged;
		p->judged = p->tx_next - FABRIC_PROBE_RING;
	}
	p->sent++;
}

/*
 * An answer to probe seq at now. Returns PJ_RX_* and the round trip in
 * *rtt (for pj_rx_host), measured from the kernel's own departure stamp.
 */
static inline int pj_rx(struct fabric_probe_path *p,
			const struct fabric_probe_judge_cfg *cfg, __u64 seq,
			__u64 now, __u64 *tx, __u64 *rtt)
{
	struct fabric_probe_tx *t = &p->ring[seq & PJ_RING_MASK];
	__s64 d;
	int ret;

	if (t->seq != seq || t->ans == PJ_ANS_YES || seq >= p->tx_next) {
		p->unmatched++;
		return PJ_RX_UNMATCHED;
	}
	ret = 0;
	if (t->ans == PJ_ANS_MISSED) {
		/*
		 * The link carried it: the miss was our receive path's, not
		 * the link's. A verdict whose run held it (its deadline lies
		 * between the run's first miss and the verdict) is false.
		 */
		p->undone++;
		ret = PJ_RX_UNDONE;
		d = pj_since(t->tx_ns + cfg->timeout_ns, p->miss_from_ns);
		if (p->verdict != FABRIC_PROBE_V_NONE && d >= 0 &&
		    pj_since(p->verdict_ns, t->tx_ns + cfg->timeout_ns) >= 0) {
			p->verdict = FABRIC_PROBE_V_NONE;
			p->false_verdicts++;
			ret |= PJ_RX_CLEARED;
		}
	}
	t->ans = PJ_ANS_YES;
	p->answered++;
	if (pj_since(now, p->ans_ns) > 0)
		p->ans_ns = now;
	d = pj_since(now, t->tx_ns);
	*tx = t->tx_ns;
	*rtt = d > 0 ? (__u64)d : 0;
	if (*rtt > cfg->timeout_ns) {
		p->late++;
		ret |= PJ_RX_LATE;
	} else {
		ret |= PJ_RX_OK;
	}
	p->miss_run = 0;
	p->ok_run++;
	if (p->verdict != FABRIC_PROBE_V_NONE && p->ok_run >= cfg->recover) {
		p->verdict = FABRIC_PROBE_V_NONE;
		ret |= PJ_RX_CLEARED;
	}
	return ret;
}

/* The CPU that processed the path's answer (under the path's lock). */
static inline void pj_rx_cpu(struct fabric_probe_path *p, __u32 cpu)
{
	p->rx_cpu = cpu;
}

/* The node-wide part of an answer: liveness, or a stall to charge. */
static inline void pj_rx_host(struct fabric_probe_host *h,
			      const struct fabric_probe_judge_cfg *cfg,
			      __u64 tx, __u64 rtt, __u64 now)
{
	__u64 from = tx, excess;

	if (rtt <= cfg->timeout_ns) {
		if (pj_since(now, h->rx_live_ns) > 0)
			h->rx_live_ns = now;
		return;
	}
	/*
	 * The receive path was stuck somewhere in this answer's whole trip:
	 * every probe in flight during [tx, now] is charged. Merge with a
	 * window it touches.
	 */
	excess = rtt - cfg->timeout_ns;
	if (h->charge_to_ns && pj_since(from, h->charge_to_ns) <= 0) {
		if (pj_since(h->charge_from_ns, from) < 0)
			from = h->charge_from_ns;
		if (h->charge_ns > excess)
			excess = h->charge_ns;
	}
	h->charge_from_ns = from;
	if (pj_since(now, h->charge_to_ns) > 0)
		h->charge_to_ns = now;
	h->charge_ns = excess;
	h->charges++;
}

/* pj_rx_host() for an answer processed on cpu: also that CPU's liveness. */
static inline void pj_rx_host_cpu(struct fabric_probe_host *h,
				  const struct fabric_probe_judge_cfg *cfg,
				  __u64 tx, __u64 rtt, __u64 now, __u32 cpu)
{
	__u64 *live = &h->rx_live_cpu[cpu & PJ_CPU_MASK];

	if (rtt <= cfg->timeout_ns && pj_since(now, *live) > 0)
		*live = now;
	pj_rx_host(h, cfg, tx, rtt, now);
}

/*
 * What pj_judge() needs of the node-wide entry h to judge p (under h's
 * lock, p read without its lock): the stall window, and as rx_live_ns the
 * receive proof that counts for p, i.e. its receive CPU's.
 */
static inline void pj_host_view(const struct fabric_probe_host *h,
				const struct fabric_probe_path *p,
				const struct fabric_probe_judge_cfg *cfg,
				struct fabric_probe_host *view)
{
	__u64 cpu = h->rx_live_cpu[p->rx_cpu & PJ_CPU_MASK];

	/*
	 * A CPU silent for more than stall_tol while the node answered is
	 * taken as quiet, not stalled (the path's answers now land
	 * elsewhere, or only this blackholed path used it): node-wide proof.
	 */
	view->rx_live_ns = h->rx_live_ns;
	if (p->ans_ns && pj_since(h->rx_live_ns, cpu) <= (__s64)cfg->stall_tol_ns)
		view->rx_live_ns = cpu;
	view->charge_from_ns = h->charge_from_ns;
	view->charge_to_ns = h->charge_to_ns;
	view->charge_ns = h->charge_ns;
}

/*
 * Judge the path's overdue departures at now. lag is how late the
 * judge's timer fired; h a view of the node-wide entry (pj_host_view()).
 * Fills out.
 */
static inline void pj_judge(struct fabric_probe_path *p,
			    const struct fabric_probe_host *h,
			    const struct fabric_probe_judge_cfg *cfg,
			    __u64 now, __u64 lag, struct pj_out *out)
{
	__u64 q, deadline;
	__u32 i;

	out->missed = out->stalled = out->candidate = out->pending = 0;
	if (lag > cfg->stall_tol_ns) {
		p->late_timer++;
		out->pending = p->judged < p->tx_next;
		return;
	}
	for (i = 0; i < FABRIC_PROBE_RING; i++) {
		struct fabric_probe_tx *t;

		q = p->judged;
		if (q >= p->tx_next)
			break;
		t = &p->ring[q & PJ_RING_MASK];
		if (t->seq != q || t->ans) {
			p->judged = q + 1;
			continue;
		}
		deadline = t->tx_ns + cfg->timeout_ns;
		if (pj_since(now, deadline) < 0)
			break;
		if (h->charge_ns > cfg->stall_tol_ns &&
		    pj_since(h->charge_to_ns, t->tx_ns) >= 0 &&
		    pj_since(deadline, h->charge_from_ns) >= 0) {
			/* in flight while an answer was stuck: no evidence */
			p->stalled++;
			out->stalled++;
		} else if (pj_since(h->rx_live_ns, deadline) >= 0) {
			if (!p->miss_run)
				p->miss_from_ns = deadline;
			p->missed++;
			p->miss_run++;
			p->ok_run = 0;
			t->ans = PJ_ANS_MISSED;
			out->missed++;
		} else if (pj_since(now, deadline) > (__s64)cfg->stall_tol_ns) {
			/* the receive path never proved itself current */
			p->stalled++;
			out->stalled++;
		} else {
			break;	/* wait for proof one way or the other */
		}
		p->judged = q + 1;
	}
	out->pending = p->judged < p->tx_next;
	out->candidate = p->verdict == FABRIC_PROBE_V_NONE &&
			 cfg->miss_k && p->miss_run >= cfg->miss_k;
}

/*
 * Would other (another path of the same group, read without its lock)
 * witness against a group-wide cause? It must be in service and have
 * answered since p's miss run began.
 */
static inline int pj_witness(const struct fabric_probe_path *p,
			     const struct fabric_probe_path *other)
{
	return other != p && other->cfg.ifindex &&
	       other->cfg.group == p->cfg.group &&
	       other->verdict == FABRIC_PROBE_V_NONE &&
	       pj_since(other->ans_ns, p->miss_from_ns) >= 0;
}

static inline void pj_declare(struct fabric_probe_path *p, __u64 now)
{
	p->verdict = FABRIC_PROBE_V_DOWN;
	p->verdict_ns = now;
	p->verdicts++;
}

/* 0 or -22 (EINVAL): the settings the judge needs to be meaningful. */
static inline int pj_cfg_check(const struct fabric_probe_judge_cfg *cfg)
{
	if (!cfg->timeout_ns || !cfg->miss_k || !cfg->recover ||
	    cfg->judge_ns < FABRIC_PROBE_JUDGE_MIN_NS ||
	    cfg->timeout_ns > (1ULL << 40) || cfg->stall_tol_ns > (1ULL << 40) ||
	    cfg->judge_ns > (1ULL << 40))
		return -22;
	return 0;
}

#endif
