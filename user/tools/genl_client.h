/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink side the guest's "fabric" family clients share
 * (fabric-genl-test, fabric-kprober): one socket with extended acks, the
 * family resolved, and request/ack round trips whose kernel error and
 * extack message are kept for printing.
 */
#ifndef FABRIC_GENL_CLIENT_H
#define FABRIC_GENL_CLIENT_H

#include <stddef.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

extern struct nl_sock *gc_sk;
/* The kernel's extack message (or missing attribute) of the last error. */
extern char gc_msg[256];

/*
 * Open the socket and resolve the family; valid_cb gets every reply and
 * notification. Exits 2 without a socket, 3 without the family (module
 * not loaded). prog prefixes the messages.
 */
void gc_connect(const char *prog, nl_recvmsg_msg_cb_t valid_cb, void *arg);
/* A request of the family; size 0 for libnl's default. Exits 2 on ENOMEM. */
struct nl_msg *gc_new_msg(int cmd, int flags, size_t size);
/* Send with NLM_F_ACK, consume the replies; 0 or the kernel's -errno. */
int gc_transact(struct nl_msg *msg, int dump);
/* "ok" (unless quiet) and 0, or "error <errno> <name>: <extack>" and 1. */
int gc_report(int err, int quiet);

#endif
