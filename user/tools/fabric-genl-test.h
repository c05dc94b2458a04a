/* SPDX-License-Identifier: GPL-2.0 */
/* fabric-genl-test's printer (fabric-genl-test-print.c). */
#ifndef FABRIC_GENL_TEST_H
#define FABRIC_GENL_TEST_H

#include <netlink/netlink.h>

/* Print one reply or event; arg, if not NULL, is an int counting events. */
int gt_print_cb(struct nl_msg *msg, void *arg);

#endif
