// SPDX-License-Identifier: GPL-2.0
/*
 * Registered groups: the configuration that is the source of truth, the
 * per-path policy state, and the executor work that makes the kernel's
 * nexthop group match it.
 *
 * Signals (genetlink, netdev notifier, kfunc) may come from any context:
 * they only update policy state under g->lock (irq-safe) and queue
 * g->work on the high-priority workqueue. The work runs in process
 * context without RTNL and talks rtnetlink (nhsock.c).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/netdevice.h>
#include <net/netlink.h>

#include "fabric.h"

extern struct fabric_params fabric_params;
extern spinlock_t fabric_params_lock;

static void params_snapshot(struct fabric_params *pp)
{
	unsigned long flags;

	spin_lock_irqsave(&fabric_params_lock, flags);
	*pp = fabric_params;
	spin_unlock_irqrestore(&fabric_params_lock, flags);
}

int fabric_group_add(struct fabric_net *fn, struct fabric_group *tmpl,
		     struct netlink_ext_ack *extack)
{
	struct fabric_params pp;
	struct fabric_group *g;
	u32 i;
	int err;

	params_snapshot(&pp);
	g = kmemdup(tmpl, sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->synced = false;
	g->dead = false;
	spin_lock_init(&g->lock);
	INIT_DELAYED_WORK(&g->work, fabric_group_work);
	rcu_read_lock();
	for (i = 0; i < g->n_members; i++) {
		struct fabric_member *m = &g->members[i];
		struct net_device *dev = dev_get_by_index_rcu(fn->net, m->ifindex);

		fabric_path_init(&m->path, &pp);
		m->active = false;
		m->notify = false;
		m->carrier_up = dev && netif_running(dev) && netif_carrier_ok(dev);
		/* A member without carrier starts DOWN; it is added back
		 * once the carrier comes up (after hold-down). */
		if (!m->carrier_up)
			m->path.state = FABRIC_PATH_DOWN;
	}
	rcu_read_unlock();

	mutex_lock(&fn->groups_lock);
	if (atomic64_read(&fabric_stats[FABRIC_STAT_GROUPS]) >= fabric_max_groups) {
		NL_SET_ERR_MSG(extack, "too many groups (module parameter max_groups)");
		err = -ENOSPC;
		goto unlock;
	}
	err = xa_insert(&fn->groups, g->id, g, GFP_KERNEL);
	if (err) {
		if (err == -EBUSY) {
			NL_SET_ERR_MSG(extack, "group already registered");
			err = -EEXIST;
		}
		goto unlock;
	}
	atomic64_inc(&fabric_stats[FABRIC_STAT_GROUPS]);
	/* First sync: program the group as configured. */
	queue_delayed_work(fabric_wq, &g->work, 0);
unlock:
	mutex_unlock(&fn->groups_lock);
	if (err)
		kfree(g);
	return err;
}

/* Caller holds fn->groups_lock and has removed g from fn->groups. */
static void group_destroy(struct fabric_group *g)
{
	unsigned long flags;

	spin_lock_irqsave(&g->lock, flags);
	g->dead = true;		/* no signal re-queues the work from now on */
	spin_unlock_irqrestore(&g->lock, flags);
	cancel_delayed_work_sync(&g->work);
	atomic64_dec(&fabric_stats[FABRIC_STAT_GROUPS]);
	kfree_rcu(g, rcu);	/* kfunc/notifier readers may still look */
}

int fabric_group_del(struct fabric_net *fn, u32 id)
{
	struct fabric_group *g;

	mutex_lock(&fn->groups_lock);
	g = xa_erase(&fn->groups, id);
	if (g)
		group_destroy(g);
	mutex_unlock(&fn->groups_lock);
	return g ? 0 : -ENOENT;
}

void fabric_groups_teardown(struct fabric_net *fn)
{
	struct fabric_group *g;
	unsigned long id;

	mutex_lock(&fn->groups_lock);
	xa_for_each(&fn->groups, id, g) {
		xa_erase(&fn->groups, id);
		group_destroy(g);
	}
	mutex_unlock(&fn->groups_lock);
}

static struct fabric_member *group_member(struct fabric_group *g, u32 nh_id)
{
	u32 i;

	for (i = 0; i < g->n_members; i++)
		if (g->members[i].nh_id == nh_id)
			return &g->members[i];
	return NULL;
}

/* g->lock held. */
static void member_signal(struct fabric_group *g, struct fabric_member *m,
			  const struct fabric_params *pp, u8 event, u8 reason,
			  u64 now)
{
	u8 old = m->path.state;
	int dampened;

	atomic64_inc(&fabric_stats[FABRIC_STAT_EVENTS]);
	if (!fabric_path_event(&m->path, pp, event, now, &dampened))
		return;
	atomic64_inc(&fabric_stats[FABRIC_STAT_TRANSITIONS]);
	if (dampened)
		atomic64_inc(&fabric_stats[FABRIC_STAT_DAMPENED]);
	if (!m->notify) {
		m->notify = true;
		m->notify_old = old;
	}
	m->notify_reason = reason;
	m->signal_ns = now;
	if (!g->dead)
		mod_delayed_work(fabric_wq, &g->work, 0);
}

int fabric_path_signal(struct fabric_net *fn, u32 group_id, u32 nh_id,
		       u8 event, u8 reason)
{
	struct fabric_params pp;
	struct fabric_member *m;
	struct fabric_group *g;
	unsigned long flags;
	int err = -ENOENT;

	params_snapshot(&pp);
	rcu_read_lock();
	g = xa_load(&fn->groups, group_id);
	if (g) {
		spin_lock_irqsave(&g->lock, flags);
		m = g->dead ? NULL : group_member(g, nh_id);
		if (m) {
			member_signal(g, m, &pp, event, reason, ktime_get_ns());
			err = 0;
		}
		spin_unlock_irqrestore(&g->lock, flags);
	}
	rcu_read_unlock();
	if (err)
		atomic64_inc(&fabric_stats[FABRIC_STAT_UNKNOWN_PATH]);
	return err;
}

/* Carrier change on ifindex: every member on it, in every group. Called
 * from the netdev notifier (RTNL held): only queues work. */
void fabric_dev_signal(struct fabric_net *fn, int ifindex, bool carrier)
{
	struct fabric_params pp;
	struct fabric_group *g;
	unsigned long id, flags;
	u64 now = ktime_get_ns();
	u32 i;

	params_snapshot(&pp);
	rcu_read_lock();
	xa_for_each(&fn->groups, id, g) {
		spin_lock_irqsave(&g->lock, flags);
		for (i = 0; i < g->n_members && !g->dead; i++) {
			if (g->members[i].ifindex != ifindex ||
			    g->members[i].carrier_up == carrier)
				continue;
			g->members[i].carrier_up = carrier;
			atomic64_inc(&fabric_stats[FABRIC_STAT_EVENTS_CARRIER]);
			member_signal(g, &g->members[i], &pp,
				      carrier ? FABRIC_EV_UP : FABRIC_EV_DOWN,
				      FABRIC_REASON_CARRIER, now);
		}
		spin_unlock_irqrestore(&g->lock, flags);
	}
	rcu_read_unlock();
}

static void stat_replace_time(u64 ns)
{
	u64 max = atomic64_read(&fabric_stats[FABRIC_STAT_REPLACE_NS_MAX]);

	atomic64_set(&fabric_stats[FABRIC_STAT_REPLACE_NS_LAST], ns);
	while (ns > max) {
		u64 seen = atomic64_cmpxchg(&fabric_stats[FABRIC_STAT_REPLACE_NS_MAX], max, ns);

		if (seen == max)
			break;
		max = seen;
	}
}

void fabric_group_work(struct work_struct *work)
{
	struct fabric_group *g = container_of(to_delayed_work(work),
					      struct fabric_group, work);
	const struct fabric_member *act[FABRIC_MAX_MEMBERS];
	struct fabric_note notes[FABRIC_MAX_MEMBERS];
	u32 active_ids[FABRIC_MAX_MEMBERS];
	u32 i, n_act = 0, n_notes = 0;
	u64 now = ktime_get_ns(), next_due = 0, t0 = 0, dt = 0;
	unsigned long flags;
	bool need = false, retried = false, kept = false;
	char errmsg[128] = "";
	int err = 0;

	spin_lock_irqsave(&g->lock, flags);
	if (g->dead) {
		spin_unlock_irqrestore(&g->lock, flags);
		return;
	}
	for (i = 0; i < g->n_members; i++) {
		struct fabric_member *m = &g->members[i];
		bool want;

		if (fabric_path_tick(&m->path, now)) {
			atomic64_inc(&fabric_stats[FABRIC_STAT_TRANSITIONS]);
			if (!m->notify) {
				m->notify = true;
				m->notify_old = FABRIC_PATH_HOLDDOWN;
			}
			m->notify_reason = FABRIC_REASON_HOLDDOWN;
			m->signal_ns = now;
		}
		if (m->path.state == FABRIC_PATH_HOLDDOWN &&
		    (!next_due || m->path.hold_until_ns < next_due))
			next_due = m->path.hold_until_ns;
		want = m->path.state == FABRIC_PATH_UP;
		if (want)
			act[n_act++] = m;
		if (want != m->active)
			need = true;
		if (m->notify) {
			notes[n_notes].nh_id = m->nh_id;
			notes[n_notes].old_state = m->notify_old;
			notes[n_notes].new_state = m->path.state;
			notes[n_notes].reason = m->notify_reason;
			notes[n_notes].signal_ns = m->signal_ns;
			n_notes++;
			m->notify = false;
		}
	}
	if (!g->synced)
		need = true;
	if (need && !n_act) {
		/* Every path failed at once: most likely a local problem.
		 * Never withdraw the last path on such evidence. */
		need = false;
		kept = true;
	}
	spin_unlock_irqrestore(&g->lock, flags);

	if (kept)
		atomic64_inc(&fabric_stats[FABRIC_STAT_LAST_PATH_KEPT]);
	if (need) {
		t0 = ktime_get_ns();
retry:
		for (i = 0; i < n_act; i++) {
			if (act[i]->active && g->synced && !retried)
				continue;
			/* Members the kernel flushed on carrier loss. */
			err = fabric_nh_ensure_member(g->fn, act[i], errmsg, sizeof(errmsg));
			if (err)
				pr_debug("fabric: group %u: nexthop %u: %d %s\n",
					 g->id, act[i]->nh_id, err, errmsg);
		}
		err = fabric_nh_replace_group(g->fn, g, act, n_act, errmsg, sizeof(errmsg));
		if (err && !retried) {
			retried = true;
			goto retry;
		}
		dt = ktime_get_ns() - t0;
		if (err) {
			atomic64_inc(&fabric_stats[FABRIC_STAT_REPLACE_ERRORS]);
			pr_warn_ratelimited("fabric: replace of group %u failed: %d %s\n",
					    g->id, err, errmsg);
		} else {
			atomic64_inc(&fabric_stats[FABRIC_STAT_REPLACES]);
			stat_replace_time(dt);
		}
		spin_lock_irqsave(&g->lock, flags);
		if (!err) {
			for (i = 0; i < g->n_members; i++)
				g->members[i].active = false;
			for (i = 0; i < n_act; i++)
				((struct fabric_member *)act[i])->active = true;
			g->synced = true;
		}
		spin_unlock_irqrestore(&g->lock, flags);
	}

	for (i = 0; i < n_act; i++)
		active_ids[i] = act[i]->nh_id;
	for (i = 0; i < n_notes; i++) {
		notes[i].latency_ns = need && !err ? t0 + dt - notes[i].signal_ns : 0;
		fabric_genl_notify(g->fn, g->id, &notes[i], active_ids, n_act,
				   need ? err : 0, errmsg);
	}

	spin_lock_irqsave(&g->lock, flags);
	if (!g->dead) {
		if (err)	/* kernel refused: try again later */
			queue_delayed_work(fabric_wq, &g->work, HZ);
		else if (next_due)
			queue_delayed_work(fabric_wq, &g->work,
					   nsecs_to_jiffies(next_due - now) + 1);
	}
	spin_unlock_irqrestore(&g->lock, flags);
}
