// SPDX-License-Identifier: GPL-2.0
/*
 * Registered groups: the configuration that is the source of truth, the
 * shared failover policy (common/failover.c, one struct fabric_fo_group per
 * group) and the executor work that makes the kernel's nexthop group match
 * the policy's member set.
 *
 * Signals (genetlink, netdev notifier, kfunc) may come from any context:
 * under g->lock (irq-safe) they call the policy, queue its transitions for
 * notification, re-arm the hold-down timer and queue g->work on the
 * high-priority workqueue. The timer (softirq) only calls fabric_fo_tick().
 * The work runs in process context without RTNL and talks rtnetlink
 * (nhsock.c).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/netdevice.h>
#include <net/netlink.h>

#include "fabric.h"

#define BIT32(p)	(1U << (p))

static void group_arm_timer(struct fabric_group *g);

/*
 * g->lock held, after a policy call that filled g->res: count and queue
 * its transitions, re-arm the timer, and kick the executor when the
 * member set or anything worth reporting changed.
 */
static void group_after_call(struct fabric_group *g, u8 source, u64 signal_ns)
{
	const struct fabric_fo_result *r = &g->res;
	u32 i;

	for (i = 0; i < r->n_trans; i++) {
		const struct fabric_fo_transition *t = &r->trans[i];
		struct fabric_note *n;

		fabric_stat_inc(FABRIC_STAT_TRANSITIONS);
		if (t->flags & FABRIC_FO_TF_KEPT)
			fabric_stat_inc(FABRIC_STAT_LAST_PATH_KEPT);
		if (t->flags & FABRIC_FO_TF_FLAP)
			fabric_stat_inc(FABRIC_STAT_FLAPS);
		if (g->n_notes == FABRIC_NOTES_MAX) {
			fabric_stat_inc(FABRIC_STAT_NOTES_LOST);
			continue;
		}
		n = &g->notes[g->n_notes++];
		/* A hold-down that expired lazily inside a signal call is
		 * reported as the timer's doing. */
		n->source = t->reason == FABRIC_FO_R_HOLD_EXPIRED ?
			    FABRIC_SRC_TIMER : source;
		n->signal_ns = signal_ns;
		n->path = t->path;
		n->from = t->from;
		n->to = t->to;
		n->reason = t->reason;
		n->flags = t->flags;
	}
	if (r->lost)
		atomic64_add(r->lost, &fabric_stats[FABRIC_STAT_NOTES_LOST]);
	group_arm_timer(g);
	if (!g->dead && (r->n_trans || r->changed))
		mod_delayed_work(fabric_wq, &g->work, 0);
}

/* g->lock held: one timer at the policy's next hold-down expiry. */
static void group_arm_timer(struct fabric_group *g)
{
	u64 next = fabric_fo_next_deadline(&g->fo);

	if (g->dead || next == g->deadline)
		return;
	g->deadline = next;
	if (next == FABRIC_FO_NEVER)
		hrtimer_try_to_cancel(&g->timer);
	else
		hrtimer_start(&g->timer, ns_to_ktime(next), HRTIMER_MODE_ABS_SOFT);
}

static enum hrtimer_restart group_timer_fn(struct hrtimer *t)
{
	struct fabric_group *g = container_of(t, struct fabric_group, timer);
	unsigned long flags;
	u64 now = ktime_get_ns();

	spin_lock_irqsave(&g->lock, flags);
	if (!g->dead) {
		g->deadline = FABRIC_FO_NEVER;	/* this expiry is consumed */
		fabric_fo_tick(&g->fo, now, &g->res);
		group_after_call(g, FABRIC_SRC_TIMER, now);
	}
	spin_unlock_irqrestore(&g->lock, flags);
	return HRTIMER_NORESTART;
}

int fabric_group_add(struct fabric_net *fn, struct fabric_group *tmpl,
		     const struct fabric_fo_config *cfg,
		     struct netlink_ext_ack *extack)
{
	struct fabric_group *g;
	u64 now = ktime_get_ns();
	u32 i, nocarrier = 0;
	int err;

	g = kmemdup(tmpl, sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->synced = false;
	g->dead = true;		/* not visible yet: queue nothing */
	g->installed = 0;
	g->routes_lost = true;	/* the first sync installs the routes */
	g->route_restores = 0;
	/* Nothing is known to exist yet: the first sync creates members. */
	g->flushed = BIT32(g->n_members) - 1;
	g->n_notes = 0;
	g->deadline = FABRIC_FO_NEVER;
	spin_lock_init(&g->lock);
	hrtimer_init(&g->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	g->timer.function = group_timer_fn;
	INIT_DELAYED_WORK(&g->work, fabric_group_work);
	if (fabric_fo_group_init(&g->fo, cfg, g->n_members, now)) {
		NL_SET_ERR_MSG(extack, "invalid thresholds");
		err = -EINVAL;
		goto free;
	}
	rcu_read_lock();
	for (i = 0; i < g->n_members; i++) {
		struct net_device *dev = dev_get_by_index_rcu(fn->net,
							      g->members[i].ifindex);

		if (!dev || !netif_running(dev) || !netif_carrier_ok(dev))
			nocarrier |= BIT32(i);
	}
	rcu_read_unlock();
	/* Members without carrier start DOWN (the policy keeps one if none
	 * has carrier); their nexthops may be gone. */
	if (nocarrier) {
		struct fabric_fo_event ev = {
			.now_ns = now, .paths = nocarrier,
			.signal = FABRIC_FO_SIG_CARRIER_DOWN,
		};

		fabric_fo_event(&g->fo, &ev, &g->res);
		group_after_call(g, FABRIC_SRC_CONFIG, now);
	}
	g->dead = false;

	mutex_lock(&fn->groups_lock);
	if (READ_ONCE(fabric_unloading)) {
		NL_SET_ERR_MSG(extack, "fabric.ko is being unloaded");
		err = -ESHUTDOWN;
		goto unlock;
	}
	/* The limit is global: one atomic count for every namespace. */
	if (!fabric_group_slot_get()) {
		NL_SET_ERR_MSG(extack, "too many groups (module parameter max_groups)");
		err = -ENOSPC;
		goto unlock;
	}
	err = xa_insert(&fn->groups, g->id, g, GFP_KERNEL);
	if (err) {
		fabric_group_slot_put();
		if (err == -EBUSY) {
			NL_SET_ERR_MSG(extack, "group already registered");
			err = -EEXIST;
		}
		goto unlock;
	}
	/* First sync: program the group as the policy wants it. */
	queue_delayed_work(fabric_wq, &g->work, 0);
unlock:
	mutex_unlock(&fn->groups_lock);
	if (!err)
		return 0;
free:
	kfree(g);
	return err;
}

/* Stop g for good: every signal is ignored from now on, and no timer or
 * replace runs after this returns. */
static void group_kill(struct fabric_group *g)
{
	unsigned long flags;

	spin_lock_irqsave(&g->lock, flags);
	g->dead = true;		/* nothing re-arms the timer or work now */
	spin_unlock_irqrestore(&g->lock, flags);
	hrtimer_cancel(&g->timer);
	cancel_delayed_work_sync(&g->work);
}

/* Caller holds fn->groups_lock and has removed g from fn->groups. */
static void group_destroy(struct fabric_group *g)
{
	group_kill(g);
	fabric_group_slot_put();
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

/* Unload: every group of fn dead, still registered (freed by the pernet
 * exit). */
void fabric_groups_kill(struct fabric_net *fn)
{
	struct fabric_group *g;
	unsigned long id;

	mutex_lock(&fn->groups_lock);
	xa_for_each(&fn->groups, id, g)
		group_kill(g);
	mutex_unlock(&fn->groups_lock);
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

int fabric_group_set_config(struct fabric_group *g,
			    const struct fabric_fo_config *cfg)
{
	unsigned long flags;
	int err;

	spin_lock_irqsave(&g->lock, flags);
	err = fabric_fo_set_config(&g->fo, cfg) ? -EINVAL : 0;
	spin_unlock_irqrestore(&g->lock, flags);
	return err;
}

static int group_member_index(const struct fabric_group *g, u32 nh_id)
{
	u32 i;

	for (i = 0; i < g->n_members; i++)
		if (g->members[i].nh_id == nh_id)
			return i;
	return -1;
}

int fabric_path_signal(struct fabric_net *fn, u32 group_id, u32 nh_id,
		       u32 signal, u64 lag_ns, u8 source)
{
	struct fabric_group *g;
	unsigned long flags;
	int err = -ENOENT, p;

	if (signal >= FABRIC_FO_SIG_MAX)
		return -EINVAL;
	fabric_stat_inc(FABRIC_STAT_EVENTS);
	rcu_read_lock();
	g = xa_load(&fn->groups, group_id);
	if (g) {
		spin_lock_irqsave(&g->lock, flags);
		p = group_member_index(g, nh_id);
		if (p >= 0 && g->dead) {
			fabric_stat_inc(FABRIC_STAT_EVENTS_DEAD);
			err = -ESHUTDOWN;
		} else if (p >= 0) {
			struct fabric_fo_event ev = {
				.now_ns = ktime_get_ns(), .lag_ns = lag_ns,
				.paths = BIT32(p), .signal = signal,
			};

			/* The kernel deletes nexthops on carrier loss,
			 * whoever reports it. */
			if (signal == FABRIC_FO_SIG_CARRIER_DOWN)
				g->flushed |= BIT32(p);
			err = fabric_fo_event(&g->fo, &ev, &g->res) ? -EINVAL : 0;
			if (!err)
				group_after_call(g, source, ev.now_ns);
		}
		spin_unlock_irqrestore(&g->lock, flags);
	}
	rcu_read_unlock();
	if (err == -ENOENT)
		fabric_stat_inc(FABRIC_STAT_UNKNOWN_PATH);
	return err == -ESHUTDOWN ? -ENOENT : err;
}

int fabric_path_drain(struct fabric_net *fn, u32 group_id, u32 nh_id,
		      bool drain)
{
	struct fabric_group *g;
	unsigned long flags;
	int err = -ENOENT, p;
	u64 now = ktime_get_ns();

	rcu_read_lock();
	g = xa_load(&fn->groups, group_id);
	if (g) {
		spin_lock_irqsave(&g->lock, flags);
		p = g->dead ? -1 : group_member_index(g, nh_id);
		if (p >= 0) {
			err = drain ? fabric_fo_drain(&g->fo, p, now, &g->res) :
				      fabric_fo_undrain(&g->fo, p, now, &g->res);
			/* The result is filled on 0 and on -EBUSY. */
			if (err != -FABRIC_FO_EINVAL)
				group_after_call(g, FABRIC_SRC_GENL, now);
		}
		spin_unlock_irqrestore(&g->lock, flags);
	}
	rcu_read_unlock();
	return err;
}

/* Carrier change on ifindex: every member on it, in every group. Called
 * from the netdev notifier (RTNL held): only updates state, queues work. */
void fabric_dev_signal(struct fabric_net *fn, int ifindex, bool carrier)
{
	struct fabric_group *g;
	unsigned long id, flags;
	u64 now = ktime_get_ns();
	u32 i, mask;

	rcu_read_lock();
	xa_for_each(&fn->groups, id, g) {
		spin_lock_irqsave(&g->lock, flags);
		mask = 0;
		for (i = 0; i < g->n_members; i++)
			if (g->members[i].ifindex == ifindex &&
			    g->fo.path[i].carrier != carrier)
				mask |= BIT32(i);
		if (mask && g->dead) {
			/* e.g. the events unregister_netdevice_notifier()
			 * replays at unload */
			atomic64_add(hweight32(mask),
				     &fabric_stats[FABRIC_STAT_EVENTS_DEAD]);
		} else if (mask) {
			struct fabric_fo_event ev = {
				.now_ns = now, .paths = mask,
				.signal = carrier ? FABRIC_FO_SIG_CARRIER_UP :
						    FABRIC_FO_SIG_CARRIER_DOWN,
			};

			atomic64_add(hweight32(mask),
				     &fabric_stats[FABRIC_STAT_EVENTS_CARRIER]);
			atomic64_add(hweight32(mask), &fabric_stats[FABRIC_STAT_EVENTS]);
			if (!carrier)
				g->flushed |= mask;
			fabric_fo_event(&g->fo, &ev, &g->res);
			group_after_call(g, FABRIC_SRC_CARRIER, now);
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

/*
 * Program mask into the kernel: re-create member nexthops that may be
 * missing (all of them on a retry), then replace the group. The replace
 * never creates: a group the kernel deleted (its last member went, by
 * carrier loss or any other way) took every route through it along, and
 * a create would hide that. On ENOENT the group is created and
 * *recreated tells the caller to put the routes back.
 */
static int group_program(struct fabric_group *g, u32 mask, u32 flushed,
			 u32 *created, bool *recreated, char *errmsg,
			 size_t errlen)
{
	const struct fabric_member *act[FABRIC_MAX_MEMBERS];
	bool retried = false;
	u32 i, n = 0;
	int err;

	for (i = 0; i < g->n_members; i++)
		if (mask & BIT32(i))
			act[n++] = &g->members[i];
retry:
	for (i = 0; i < g->n_members; i++) {
		if (!(mask & BIT32(i)) || (!retried && !(flushed & BIT32(i))))
			continue;
		err = fabric_nh_ensure_member(g->fn, &g->members[i], errmsg, errlen);
		if (!err)
			*created |= BIT32(i);
		else
			pr_debug("fabric: group %u: nexthop %u: %d %s\n",
				 g->id, g->members[i].nh_id, err, errmsg);
	}
	err = fabric_nh_replace_group(g->fn, g, act, n, false, errmsg, errlen);
	if (err == -ENOENT) {
		err = fabric_nh_replace_group(g->fn, g, act, n, true, errmsg, errlen);
		if (!err)
			*recreated = true;
	}
	if (err && !retried) {
		retried = true;
		goto retry;
	}
	return err;
}

/* Routes through g (immutable after registration), after g was
 * (re-)created: 0 if every one is in place. */
static int group_install_routes(struct fabric_group *g)
{
	char msg[128];
	int err, ret = 0;
	u32 i;

	for (i = 0; i < g->n_routes; i++) {
		err = fabric_nh_set_route(g->fn, &g->routes[i], g->id, msg, sizeof(msg));
		if (err) {
			fabric_stat_inc(FABRIC_STAT_ROUTE_ERRORS);
			pr_warn_ratelimited("fabric: group %u: route %u of %u: %d %s\n",
					    g->id, i + 1, g->n_routes, err, msg);
			ret = err;
		} else {
			fabric_stat_inc(FABRIC_STAT_ROUTES_INSTALLED);
		}
	}
	return ret;
}

/*
 * The kernel had deleted g after it was programmed, and the replace
 * created it anew. Its registered routes are re-installed by the caller;
 * without any, whatever routed through it is gone for good: say so.
 */
static void group_recreated(struct fabric_group *g)
{
	fabric_stat_inc(FABRIC_STAT_GROUPS_RECREATED);
	if (g->n_routes)
		return;
	fabric_stat_inc(FABRIC_STAT_ROUTES_UNKNOWN);
	pr_warn_ratelimited("fabric: group %u was deleted by the kernel and is re-created without routes: none were registered (FABRIC_A_ROUTES), so routes through it are lost\n",
			    g->id);
}

void fabric_group_work(struct work_struct *work)
{
	struct fabric_group *g = container_of(to_delayed_work(work),
					      struct fabric_group, work);
	struct fabric_note *notes;
	u32 active_ids[FABRIC_MAX_MEMBERS];
	u32 i, n_notes, want, install = 0, flushed, created = 0, n_act = 0;
	u64 t0 = 0, done = 0;
	unsigned long flags;
	bool need, routes, synced, recreated = false;
	char errmsg[128] = "";
	int err = 0, route_err = 0;

	notes = kmalloc_array(FABRIC_NOTES_MAX, sizeof(*notes), GFP_KERNEL);
	spin_lock_irqsave(&g->lock, flags);
	if (g->dead || !notes) {
		spin_unlock_irqrestore(&g->lock, flags);
		if (notes)
			kfree(notes);
		else if (!g->dead)	/* try again rather than lose events */
			queue_delayed_work(fabric_wq, &g->work, 1);
		return;
	}
	n_notes = g->n_notes;
	memcpy(notes, g->notes, n_notes * sizeof(*notes));
	g->n_notes = 0;
	want = fabric_fo_members(&g->fo);
	flushed = g->flushed;
	/*
	 * A nexthop the kernel deleted on carrier loss cannot be re-created
	 * while its device has no carrier (ENETDOWN): leave such members out.
	 * That happens to a last path the policy keeps; the kernel removed
	 * the group with it, and it is re-created when the carrier returns.
	 */
	for (i = 0; i < g->n_members; i++)
		if ((want & BIT32(i)) &&
		    !((flushed & BIT32(i)) && !g->fo.path[i].carrier))
			install |= BIT32(i);
	/*
	 * The kernel deletes a group, and every route through it, when its
	 * last member goes: every member installed last time may have been
	 * flushed since. Re-install the routes once the group is back.
	 */
	if (g->synced && !(g->installed & ~flushed))
		g->routes_lost = true;
	routes = g->routes_lost && g->n_routes;
	synced = g->synced;
	need = install && (!g->synced || install != g->installed ||
			   (install & flushed) || routes);
	spin_unlock_irqrestore(&g->lock, flags);

	if (!install)
		fabric_stat_inc(FABRIC_STAT_UNINSTALLABLE);
	if (need) {
		t0 = ktime_get_ns();
		err = group_program(g, install, flushed, &created, &recreated,
				    errmsg, sizeof(errmsg));
		done = ktime_get_ns();
		if (err) {
			fabric_stat_inc(FABRIC_STAT_REPLACE_ERRORS);
			pr_warn_ratelimited("fabric: replace of group %u failed: %d %s\n",
					    g->id, err, errmsg);
		} else {
			fabric_stat_inc(FABRIC_STAT_REPLACES);
			stat_replace_time(done - t0);
			if (recreated && synced)
				group_recreated(g);
			routes |= recreated && g->n_routes;
			if (routes)
				route_err = group_install_routes(g);
		}
	}

	spin_lock_irqsave(&g->lock, flags);
	g->flushed &= ~created;
	if (need && !err) {
		g->installed = install;
		g->synced = true;
		g->replaces++;
		if (routes && !route_err) {
			g->routes_lost = false;
			g->route_restores++;
		} else if (routes) {
			g->routes_lost = true;	/* with the retry below */
		}
	} else if (need) {
		g->replace_errors++;
	}
	if (!g->n_routes)
		g->routes_lost = false;
	install = g->synced ? g->installed : 0;
	/* kernel refused: try again later */
	if (!g->dead && need && (err || route_err))
		queue_delayed_work(fabric_wq, &g->work, HZ);
	spin_unlock_irqrestore(&g->lock, flags);

	for (i = 0; i < g->n_members; i++)
		if (install & BIT32(i))
			active_ids[n_act++] = g->members[i].nh_id;
	for (i = 0; i < n_notes; i++)
		fabric_genl_notify(g, &notes[i], need && !err ? done : 0,
				   active_ids, n_act, need ? err : 0, errmsg);
	kfree(notes);
}
