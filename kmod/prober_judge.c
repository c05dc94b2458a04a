// SPDX-License-Identifier: GPL-2.0
/*
 * The module's probe judge: where fabric.ko sends a slot's probes it can
 * also judge them, from a hard hrtimer, with the data path's judge
 * (common/probe_judge.h) on the data path's own entries. Departures and
 * answers are still stamped by tc egress and XDP into fabric_probe_paths
 * and fabric_probe_host; this timer replaces the slot's bpf_timer
 * (FABRIC_PROBE_F_KJUDGE in the entry's flags keeps that one off) and
 * declares a verdict exactly as bpf/probe_verdict.h does, with
 * FABRIC_RR_SRC_KMOD in the reroute map and kverdicts in the entry.
 *
 * The module cannot write the data path's ringbuf, so its verdicts are
 * genetlink notifications (PROBER_VERDICT on "events"): DOWN when it
 * declares one, CLEAR or UNDO when a later run finds that an answer in
 * XDP ended it. The timer queues them (a few per slot); a work item sends
 * them; what cannot be queued or sent is counted (notes_lost), and
 * fabricd resyncs from the verdict counter of PROBER_GET.
 *
 * Locking. The entries hold a struct bpf_spin_lock that BPF programs take
 * with bpf_spin_lock(). No kernel function that takes one is exported to
 * modules on 6.1 or 6.12 (__bpf_spin_lock_irqsave() is static inline in
 * kernel/bpf/helpers.c; copy_map_value_locked() is not exported), but the
 * lock is defined there as the architecture's spinlock on the same 4
 * bytes, taken with interrupts off: arch_spin_lock() where
 * CONFIG_QUEUED_SPINLOCKS or CONFIG_BPF_ARCH_SPINLOCK, else an atomic
 * exchange loop. judge_lock() does the same, with the same inline
 * primitives (whose slow paths, queued_spin_lock_slowpath or pv_ops, are
 * exported); the map's own record of its lock offset is checked first.
 *
 * Documentation/reroute.md, "Module judge".
 */
#include <linux/bpf.h>
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include "fabric.h"
#include "fabric_probe.h"
#include "fabric_reroute.h"
#include "probe_judge.h"

#define PATHS_MAP	"fabric_probe_paths"
#define HOST_MAP	"fabric_probe_host"

#if defined(CONFIG_QUEUED_SPINLOCKS) || defined(CONFIG_BPF_ARCH_SPINLOCK)
static_assert(sizeof(arch_spinlock_t) == sizeof(u32));

static void judge_lock(u32 *word, unsigned long *flags)
{
	local_irq_save(*flags);
	preempt_disable();
	arch_spin_lock((arch_spinlock_t *)word);
}

static void judge_unlock(u32 *word, unsigned long flags)
{
	arch_spin_unlock((arch_spinlock_t *)word);
	preempt_enable();
	local_irq_restore(flags);
}
#else
static void judge_lock(u32 *word, unsigned long *flags)
{
	atomic_t *l = (atomic_t *)word;

	local_irq_save(*flags);
	do {
		atomic_cond_read_relaxed(l, !VAL);
	} while (atomic_xchg(l, 1));
}

static void judge_unlock(u32 *word, unsigned long flags)
{
	atomic_set_release((atomic_t *)word, 0);
	local_irq_restore(flags);
}
#endif

/* Where the map says its bpf_spin_lock is (from the value's BTF). */
static int map_lock_off(const struct bpf_map *map)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return IS_ERR_OR_NULL(map->record) ? -1 : map->record->spin_lock_off;
#else
	return map->spin_lock_off;
#endif
}

static bool map_is(const struct bpf_map *map, const char *name, u32 value_size,
		   u32 entries, int lock_off)
{
	return map->map_type == BPF_MAP_TYPE_ARRAY &&
	       map->key_size == sizeof(u32) && map->value_size == value_size &&
	       map->max_entries == entries && map_lock_off(map) == lock_off &&
	       !strncmp(map->name, name, BPF_OBJ_NAME_LEN - 1);
}

static void *map_elem(struct bpf_map *map, u32 key)
{
	void *v;

	rcu_read_lock();
	v = map->ops->map_lookup_elem(map, &key);
	rcu_read_unlock();
	return v;	/* an array's element never moves while we hold it */
}

/* Another in-service path of the same group answered since p's run began. */
static bool judge_witnessed(struct fabric_judge *j)
{
	u32 i;

	for (i = 0; i < FABRIC_PROBE_SLOTS; i++) {
		struct fabric_probe_path *o = map_elem(j->paths, i);

		if (o && pj_witness(j->pv, o))
			return true;
	}
	return false;
}

static void judge_reroute(struct fabric_judge *j, u32 group, u32 member, u64 now)
{
	struct fabric_rr_ref *ref;
	unsigned long fl;
	int n = 0;

	rcu_read_lock();
	ref = rcu_dereference(j->fp->rr);
	if (ref)
		n = fabric_rr_declare_down(ref->rr, group, member, now,
					   FABRIC_RR_SRC_KMOD);
	rcu_read_unlock();
	if (n) {
		judge_lock(&j->pv->lock, &fl);
		j->pv->reroutes++;
		judge_unlock(&j->pv->lock, fl);
	}
}

/* Hard irq: queue a notification for the work item. */
static void judge_note(struct fabric_judge *j, u32 kind, u64 ns, u32 miss_run)
{
	unsigned long fl;
	bool queued = false;

	raw_spin_lock_irqsave(&j->note_lock, fl);
	if (j->note_n < FABRIC_JUDGE_NOTES) {
		j->notes[j->note_n++] = (struct fabric_judge_note){
			.ns = ns, .verdicts = j->st.verdicts, .kind = kind,
			.miss_run = miss_run };
		queued = true;
	}
	raw_spin_unlock_irqrestore(&j->note_lock, fl);
	if (!queued)
		atomic64_inc(&j->notes_lost);
	queue_work(system_wq, &j->note_work);
}

static void judge_note_work(struct work_struct *w)
{
	struct fabric_judge *j = container_of(w, struct fabric_judge, note_work);
	struct fabric_judge_note n[FABRIC_JUDGE_NOTES];
	unsigned long fl;
	u32 i, cnt;

	raw_spin_lock_irqsave(&j->note_lock, fl);
	cnt = j->note_n;
	memcpy(n, j->notes, cnt * sizeof(n[0]));
	j->note_n = 0;
	raw_spin_unlock_irqrestore(&j->note_lock, fl);
	for (i = 0; i < cnt; i++) {
		if (fabric_judge_notify(j->net, j->slot, &n[i]))
			atomic64_inc(&j->notes_lost);
		else
			atomic64_inc(&j->notes_sent);
	}
}

/* bpf/probe_verdict.h's probe_judge_path(), on this slot. Hard irq. */
static void judge_path(struct fabric_judge *j, u64 now, u64 lag)
{
	struct fabric_probe_path *p = j->pv;
	struct fabric_probe_host view;
	u32 group = 0, member = 0, flags = 0;
	unsigned long fl;
	struct pj_out out;
	bool declared = false;
	u32 ended = FABRIC_JV_NONE, run = 0;
	u64 ended_ns = 0;

	if (!READ_ONCE(p->cfg.ifindex))
		return;		/* the owner has not set the slot up */
	judge_lock(&j->hv->lock, &fl);
	pj_host_view(j->hv, p, &j->cfg, &view);
	judge_unlock(&j->hv->lock, fl);

	judge_lock(&p->lock, &fl);
	/* an owner that rewrote the entry dropped our flag: take it back */
	p->cfg.flags |= FABRIC_PROBE_F_KJUDGE;
	p->kjudge_runs++;
	pj_judge(p, &view, &j->cfg, now, lag, &out);
	if (j->down && p->verdict != FABRIC_PROBE_V_DOWN) {
		/* XDP's answer ended our verdict (pj_rx) */
		ended = p->false_verdicts != j->fv ? FABRIC_JV_UNDO : FABRIC_JV_CLEAR;
		ended_ns = p->ans_ns;
		run = p->miss_run;
		j->down = false;
	}
	judge_unlock(&p->lock, fl);
	if (ended)
		judge_note(j, ended, ended_ns, run);
	if (!out.candidate)
		return;
	if (!judge_witnessed(j)) {
		judge_lock(&p->lock, &fl);
		p->unwitnessed++;
		judge_unlock(&p->lock, fl);
		return;
	}
	judge_lock(&p->lock, &fl);
	if (p->verdict == FABRIC_PROBE_V_NONE && p->miss_run >= j->cfg.miss_k) {
		pj_declare(p, now);
		p->kverdicts++;
		group = p->cfg.group;
		member = p->cfg.member;
		flags = p->cfg.flags;
		run = p->miss_run;
		j->down = true;
		j->fv = p->false_verdicts;
		declared = true;
	}
	judge_unlock(&p->lock, fl);
	if (!declared)
		return;
	WRITE_ONCE(j->st.verdicts, j->st.verdicts + 1);
	if (flags & FABRIC_PROBE_F_REROUTE)
		judge_reroute(j, group, member, now);
	judge_note(j, FABRIC_JV_DOWN, now, run);
}

/*
 * Hard irq (HRTIMER_MODE_ABS_HARD): a softirq backlog does not delay it,
 * only a stalled CPU does, and a run more than stall_tol late judges
 * nothing (pj_judge), as the bpf_timer's would.
 */
static enum hrtimer_restart judge_tick(struct hrtimer *t)
{
	struct fabric_judge *j = container_of(t, struct fabric_judge, timer);
	u64 now = ktime_get_ns();
	s64 lag = now - ktime_to_ns(hrtimer_get_expires(t));

	if (lag < 0)
		lag = 0;
	hrtimer_forward_now(t, j->period);
	WRITE_ONCE(j->st.runs, j->st.runs + 1);
	WRITE_ONCE(j->st.lag_sum_ns, j->st.lag_sum_ns + lag);
	if (lag > j->st.lag_max_ns)
		WRITE_ONCE(j->st.lag_max_ns, lag);
	if (lag > j->cfg.stall_tol_ns)
		WRITE_ONCE(j->st.late, j->st.late + 1);
	judge_path(j, now, lag);
	return HRTIMER_RESTART;
}

/* The entry's judge flag, under its lock: claim (fails if taken) or drop. */
static bool judge_flag(struct fabric_judge *j, bool claim)
{
	struct fabric_probe_path *p = j->pv;
	unsigned long fl;
	bool ok = true;

	judge_lock(&p->lock, &fl);
	if (claim && (p->cfg.flags & FABRIC_PROBE_F_KJUDGE))
		ok = false;
	else if (claim)
		p->cfg.flags |= FABRIC_PROBE_F_KJUDGE;
	else
		p->cfg.flags &= ~FABRIC_PROBE_F_KJUDGE;
	judge_unlock(&p->lock, fl);
	return ok;
}

/*
 * A judge for slot, taking over jr's map references (jr->paths and
 * jr->host become NULL) on success. Not started yet.
 */
struct fabric_judge *fabric_judge_new(struct fabric_probers *fp, u32 slot,
				      struct fabric_judge_req *jr,
				      struct netlink_ext_ack *extack)
{
	struct fabric_judge *j;

	if (!map_is(jr->paths, PATHS_MAP, sizeof(struct fabric_probe_path),
		    FABRIC_PROBE_SLOTS, offsetof(struct fabric_probe_path, lock))) {
		NL_SET_ERR_MSG(extack,
			       "PATHS_FD is not the data path's fabric_probe_paths map");
		return ERR_PTR(-EINVAL);
	}
	if (!map_is(jr->host, HOST_MAP, sizeof(struct fabric_probe_host), 1,
		    offsetof(struct fabric_probe_host, lock))) {
		NL_SET_ERR_MSG(extack,
			       "HOST_FD is not the data path's fabric_probe_host map");
		return ERR_PTR(-EINVAL);
	}
	j = kzalloc(sizeof(*j), GFP_KERNEL);
	if (!j)
		return ERR_PTR(-ENOMEM);
	j->pv = map_elem(jr->paths, slot);
	j->hv = map_elem(jr->host, 0);
	if (!j->pv || !j->hv) {
		kfree(j);
		NL_SET_ERR_MSG(extack, "probe maps without the slot's entry");
		return ERR_PTR(-EINVAL);
	}
	j->paths = jr->paths;
	j->host = jr->host;
	j->cfg = jr->cfg;
	j->period = ns_to_ktime(jr->cfg.judge_ns);
	j->slot = slot;
	j->fp = fp;
	j->net = container_of(fp, struct fabric_net, probers)->net;
	raw_spin_lock_init(&j->note_lock);
	INIT_WORK(&j->note_work, judge_note_work);
	hrtimer_init(&j->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	j->timer.function = judge_tick;
	if (!judge_flag(j, true)) {
		kfree(j);
		NL_SET_ERR_MSG(extack, "fabric.ko already judges this slot of these maps");
		return ERR_PTR(-EBUSY);
	}
	jr->paths = jr->host = NULL;
	return j;
}

void fabric_judge_start(struct fabric_judge *j)
{
	hrtimer_start(&j->timer, ktime_add(ktime_get(), j->period),
		      HRTIMER_MODE_ABS_HARD);
}

/* Stop (waiting for a running tick), hand the slot back to the bpf_timer. */
void fabric_judge_free(struct fabric_judge *j)
{
	if (!j)
		return;
	hrtimer_cancel(&j->timer);
	cancel_work_sync(&j->note_work);	/* nothing queues it now */
	judge_flag(j, false);
	bpf_map_put(j->paths);
	bpf_map_put(j->host);
	kfree(j);
}
