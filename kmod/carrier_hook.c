// SPDX-License-Identifier: GPL-2.0
/*
 * Carrier loss as the driver reports it: a kprobe on netif_carrier_off()
 * feeds CARRIER_DOWN to the policy at the driver's call, before linkwatch
 * (a workqueue, batched up to a second for some devices) runs the netdev
 * notifier. The notifier stays the authority for carrier up and the
 * fallback when the kprobe cannot be registered (CONFIG_KPROBES=n, the
 * symbol blacklisted or missing); it then finds the policy already
 * agreeing and changes nothing.
 *
 * With the data path's reroute map handed over (RR_MAP_SET, kmod/prober.c),
 * the handler first declares every member on the device down in that map
 * (fabric_rr_declare_down(): one CAS, no lock), so their flows move to
 * survivors with the next packet instead of after linkwatch and a replace.
 *
 * For the bench, the module keeps both times of the latest carrier loss
 * of one device: driver (kprobe) and linkwatch (notifier), read from
 * /sys/module/fabric/parameters/carrier_hook.
 *
 * The handler runs in the caller's context (process, softirq or hardirq,
 * preemption off); fabric_dev_signal() only takes the groups' irq-safe
 * spinlocks, arms an hrtimer and queues work.
 */
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/ptrace.h>
#include <linux/timekeeping.h>

#include "fabric.h"

static bool carrier_kprobe = true;
module_param(carrier_kprobe, bool, 0444);
MODULE_PARM_DESC(carrier_kprobe,
		 "see carrier loss at netif_carrier_off() (default on); off: linkwatch only");

static bool hook_on;
static int hook_err;
static atomic64_t hook_hits = ATOMIC64_INIT(0);	/* carrier on -> off calls */
static atomic64_t hook_calls = ATOMIC64_INIT(0);	/* every call */
/* The latest loss: its device, and when driver and linkwatch saw it. */
static atomic_t last_ifindex = ATOMIC_INIT(0);
static atomic64_t driver_ns = ATOMIC64_INIT(0);
static atomic64_t linkwatch_ns = ATOMIC64_INIT(0);
/* Members declared down in the data path's reroute map by the kprobe. */
static atomic64_t rr_declared = ATOMIC64_INIT(0);

static int carrier_off_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct fabric_net *fn;
	struct net_device *dev;
	u64 now;
	u32 n;

	dev = (struct net_device *)regs_get_kernel_argument(regs, 0);
	atomic64_inc(&hook_calls);
	/* already off: netif_carrier_off() will do nothing */
	if (!dev || !netif_carrier_ok(dev))
		return 0;
	atomic64_inc(&hook_hits);
	atomic_set(&last_ifindex, dev->ifindex);
	atomic64_set(&linkwatch_ns, 0);
	now = ktime_get_ns();
	atomic64_set(&driver_ns, now);
	fn = fabric_net(dev_net(dev));
	/* the data path first: the member's flows move with the next packet */
	n = fabric_rr_carrier_down(fn, dev->ifindex, now);
	if (n)
		atomic64_add(n, &rr_declared);
	fabric_dev_signal(fn, dev->ifindex, false);
	return 0;
}

static struct kprobe carrier_kp = {
	.symbol_name	= "netif_carrier_off",
	.pre_handler	= carrier_off_pre,
};

/* From the netdev notifier: linkwatch reports carrier off for ifindex. */
void fabric_carrier_linkwatch(int ifindex)
{
	if (atomic_read(&last_ifindex) == ifindex &&
	    !atomic64_read(&linkwatch_ns))
		atomic64_set(&linkwatch_ns, ktime_get_ns());
}

static int carrier_hook_get(char *buf, const struct kernel_param *kp)
{
	s64 d = atomic64_read(&driver_ns), l = atomic64_read(&linkwatch_ns);

	if (!hook_on)
		return sysfs_emit(buf, "off err=%d\n", hook_err);
	return sysfs_emit(buf, "kprobe calls=%lld hits=%lld ifindex=%d driver_ns=%lld linkwatch_ns=%lld delta_ns=%lld rr_declared=%lld\n",
			  (long long)atomic64_read(&hook_calls),
			  (long long)atomic64_read(&hook_hits),
			  atomic_read(&last_ifindex), (long long)d, (long long)l,
			  (long long)(d && l ? l - d : -1),
			  (long long)atomic64_read(&rr_declared));
}

static int carrier_hook_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops carrier_hook_ops = {
	.set	= carrier_hook_set,
	.get	= carrier_hook_get,
};
module_param_cb(carrier_hook, &carrier_hook_ops, NULL, 0444);
MODULE_PARM_DESC(carrier_hook,
		 "read-only: the kprobe's state and the latest carrier loss, driver vs linkwatch time");

void fabric_carrier_hook_init(void)
{
	if (!carrier_kprobe) {
		hook_err = -EPERM;
		return;
	}
	hook_err = register_kprobe(&carrier_kp);
	if (hook_err) {
		pr_warn("fabric: kprobe on netif_carrier_off unavailable (%d): carrier loss via linkwatch only\n",
			hook_err);
		return;
	}
	hook_on = true;
}

/* unregister_kprobe() waits for running handlers. */
void fabric_carrier_hook_exit(void)
{
	if (hook_on)
		unregister_kprobe(&carrier_kp);
	hook_on = false;
}
