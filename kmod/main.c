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

struct fabric_net *fabric_net(struct net *net)
{
	return net_generic(net, fabric_net_id);
}

static int __net_init fabric_net_init(struct net *net)
{
	struct fabric_net *fn = fabric_net(net);

	fn->net = net;
	mutex_init(&fn->sock_lock);
	mutex_init(&fn->groups_lock);
	xa_init(&fn->groups);
	fabric_fo_config_default(&fn->cfg);
	return fabric_nhsock_init(fn);
}

static void __net_exit fabric_net_exit(struct net *net)
{
	struct fabric_net *fn = fabric_net(net);

	fabric_groups_teardown(fn);	/* cancels every group's work */
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
	fabric_kfunc_init();	/* optional: reported by FABRIC_A_KFUNC */
	err = fabric_genl_init();
	if (err)
		goto err_notifier;
	pr_info("fabric: loaded (genl family %s v%d, kfunc %s)\n", FABRIC_GENL_NAME,
		FABRIC_GENL_VERSION, fabric_kfunc_available() ? "available" : "unavailable");
	return 0;

err_notifier:
	fabric_notifier_exit();
err_pernet:
	unregister_pernet_subsys(&fabric_net_ops);
err_wq:
	destroy_workqueue(fabric_wq);
	return err;
}

static void __exit fabric_exit(void)
{
	/* No new commands, then no new carrier signals. kfunc callers hold a
	 * module reference, so none is running. Then every namespace's groups
	 * are torn down (work cancelled) and the sockets released. */
	fabric_genl_exit();
	fabric_notifier_exit();
	unregister_pernet_subsys(&fabric_net_ops);
	rcu_barrier();		/* kfree_rcu() of groups */
	destroy_workqueue(fabric_wq);
	pr_info("fabric: unloaded\n");
}

module_init(fabric_init);
module_exit(fabric_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fabric: fast failover of ECMP nexthop groups");
MODULE_VERSION("0.1");
