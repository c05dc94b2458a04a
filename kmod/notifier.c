// SPDX-License-Identifier: GPL-2.0
/*
 * Carrier loss and recovery on member devices. Runs under RTNL: it only
 * updates policy state and queues work (never sends netlink here, never
 * flushes work here).
 */
#include <linux/netdevice.h>

#include "fabric.h"

static int fabric_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	bool carrier;

	switch (event) {
	case NETDEV_UP:
	case NETDEV_CHANGE:
		carrier = netif_running(dev) && netif_carrier_ok(dev);
		break;
	case NETDEV_DOWN:
	case NETDEV_GOING_DOWN:
	case NETDEV_UNREGISTER:
		carrier = false;
		break;
	default:
		return NOTIFY_DONE;
	}
	if (!carrier)
		fabric_carrier_linkwatch(dev->ifindex);
	fabric_dev_signal(fabric_net(dev_net(dev)), dev->ifindex, carrier);
	return NOTIFY_DONE;
}

static struct notifier_block fabric_netdev_nb = {
	.notifier_call = fabric_netdev_event,
};

int fabric_notifier_init(void)
{
	return register_netdevice_notifier(&fabric_netdev_nb);
}

void fabric_notifier_exit(void)
{
	unregister_netdevice_notifier(&fabric_netdev_nb);
}
