// SPDX-License-Identifier: GPL-2.0
/*
 * fabric.ko: kernel-side fast failover for ECMP nexthop groups.
 * See Documentation/kmod.md for the design and unload semantics.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "fabric.h"

unsigned int fabric_max_groups = 1024;
module_param_named(max_groups, fabric_max_groups, uint, 0444);
MODULE_PARM_DESC(max_groups, "maximum registered groups, all namespaces (default 1024)");

atomic64_t fabric_stats[__FABRIC_STAT_MAX];
struct workqueue_struct *fabric_wq;
static unsigned int fabric_net_id __read_mostly;

/* Every namespace's state, so that unload can stop all groups before the
 * notifier goes (fabric_exit). */
static LIST_HEAD(fabric_nets);
static DEFINE_MUTEX(fabric_nets_lock);
bool fabric_unloading;

/* Registered groups of all namespaces: one global count, so that
 * max_groups holds whatever namespace lock a registration takes. */
static atomic_t fabric_ngroups = ATOMIC_INIT(0);

bool fabric_group_slot_get(void)
{
	if (atomic_fetch_add_unless(&fabric_ngroups, 1, fabric_max_groups) >=
	    fabric_max_groups)
		return false;
	atomic64_inc(&fabric_stats[FABRIC_STAT_GROUPS]);
	return true;
}

void fabric_group_slot_put(void)
{
	atomic64_dec(&fabric_stats[FABRIC_STAT_GROUPS]);
	atomic_dec(&fabric_ngroups);
}

struct fabric_net *fabric_net(struct net *net)
{
	return net_generic(net, fabric_net_id);
}

static int __net_init fabric_net_init(struct net *net)
{
	struct fabric_net *fn = fabric_net(net);
	int err;

	fn->net = net;
	mutex_init(&fn->sock_lock);
	mutex_init(&fn->groups_lock);
	xa_init(&fn->groups);
	fabric_fo_config_default(&fn->cfg);
	fabric_probers_net_init(fn);
	err = fabric_nhsock_init(fn);
	if (err)
		return err;
	mutex_lock(&fabric_nets_lock);
	list_add(&fn->node, &fabric_nets);
	mutex_unlock(&fabric_nets_lock);
	return 0;
}

static void __net_exit fabric_net_exit(struct net *net)
{
	struct fabric_net *fn = fabric_net(net);

	mutex_lock(&fabric_nets_lock);
	list_del(&fn->node);
	mutex_unlock(&fabric_nets_lock);
	fabric_groups_teardown(fn);	/* cancels every group's work */
	fabric_probers_net_exit(fn);
	fabric_nhsock_release(fn);
	xa_destroy(&fn->groups);
}

static struct pernet_operations fabric_net_ops = {
	.init	= fabric_net_init,
	.exit	= fabric_net_exit,
	.id	= &fabric_net_id,
	.size	= sizeof(struct fabric_net),
};

static int __init fabric_init(void)
{
	int err;

	fabric_wq = alloc_workqueue("fabric", WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	if (!fabric_wq)
		return -ENOMEM;
	err = register_pernet_subsys(&fabric_net_ops);
	if (err)
		goto err_wq;
	err = fabric_notifier_init();
	if (err)
		goto err_pernet;
	err = fabric_probers_init();
	if (err)
		goto err_notifier;
	fabric_kfunc_init();	/* optional: reported by FABRIC_A_KFUNC */
	err = fabric_genl_init();
	if (err)
		goto err_probers;
	fabric_carrier_hook_init();	/* optional: parameters/carrier_hook */
	pr_info("fabric: loaded (genl family %s v%d, kfunc %s)\n", FABRIC_GENL_NAME,
		FABRIC_GENL_VERSION, fabric_kfunc_available() ? "available" : "unavailable");
	return 0;

err_probers:
	fabric_probers_exit();
err_notifier:
	fabric_notifier_exit();
err_pernet:
	unregister_pernet_subsys(&fabric_net_ops);
err_wq:
	destroy_workqueue(fabric_wq);
	return err;
}

/*
 * Stop every group of every namespace before the notifier goes:
 * unregister_netdevice_notifier() replays GOING_DOWN, DOWN and UNREGISTER
 * for every device, and a live group would take that for carrier loss on
 * all its members and reprogram the kernel group on its way out. Dead
 * groups ignore every signal (counted in FABRIC_STAT_EVENTS_DEAD).
 */
static void fabric_kill_all(void)
{
	struct fabric_net *fn;

	/* A GROUP_ADD checks this under its namespace's groups_lock, which
	 * fabric_groups_kill() takes after: it either sees the flag or its
	 * group is killed here. */
	WRITE_ONCE(fabric_unloading, true);
	mutex_lock(&fabric_nets_lock);
	list_for_each_entry(fn, &fabric_nets, node) {
		fabric_groups_kill(fn);
		fabric_probers_stop(fn);
	}
	mutex_unlock(&fabric_nets_lock);
}

static void __exit fabric_exit(void)
{
	/* Groups dead first (no replace from now on), then no new commands,
	 * then no carrier signals. kfunc callers hold a module reference, so
	 * none is running. Then every namespace's groups are freed and the
	 * sockets released. */
	fabric_carrier_hook_exit();
	fabric_kill_all();
	fabric_genl_exit();
	fabric_probers_exit();
	fabric_notifier_exit();
	unregister_pernet_subsys(&fabric_net_ops);
	rcu_barrier();		/* kfree_rcu() of groups */
	destroy_workqueue(fabric_wq);
	pr_info("fabric: unloaded (signals for dead groups ignored: %lld)\n",
		(long long)atomic64_read(&fabric_stats[FABRIC_STAT_EVENTS_DEAD]));
}

module_init(fabric_init);
module_exit(fabric_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fabric: fast failover of ECMP nexthop groups");
MODULE_VERSION("0.1");
