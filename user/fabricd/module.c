// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Is fabric.ko loaded? It registers the "fabric" generic netlink family. */
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fabric_genl.h"
#include "fabricd.h"

bool fabric_module_present(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	bool present = false;

	if (!sk)
		return false;
	if (!genl_connect(sk))
		present = genl_ctrl_resolve(sk, FABRIC_GENL_NAME) >= 0;
	nl_socket_free(sk);
	return present;
}
