// SPDX-License-Identifier: GPL-2.0
/* Shared generic netlink plumbing of the "fabric" family's test clients. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "fabric_genl.h"
#include "genl_client.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct nl_sock *gc_sk;
char gc_msg[256];
static const char *gc_prog = "genl-client";
static int gc_family;
static int gc_err;	/* 1 while a request waits for its ack */

static int gc_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *a;
	int len, rem;

	gc_err = e->error;
	gc_msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
	nla_for_each_attr(a, (struct nlattr *)(e + 1), len, rem)
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(gc_msg, sizeof(gc_msg), "%s", (char *)nla_data(a));
		else if (nla_type(a) == NLMSGERR_ATTR_MISS_TYPE && !gc_msg[0])
			snprintf(gc_msg, sizeof(gc_msg), "missing attribute type %u",
				 nla_get_u32(a));
	return NL_STOP;
}

static int gc_ack_cb(struct nl_msg *msg, void *arg)
{
	gc_err = 0;
	return NL_STOP;
}

void gc_connect(const char *prog, nl_recvmsg_msg_cb_t valid_cb, void *arg)
{
	int one = 1;

	gc_prog = prog;
	gc_sk = nl_socket_alloc();
	if (!gc_sk || genl_connect(gc_sk)) {
		fprintf(stderr, "%s: cannot open a generic netlink socket\n", prog);
		exit(2);
	}
	setsockopt(nl_socket_get_fd(gc_sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(gc_sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	gc_family = genl_ctrl_resolve(gc_sk, FABRIC_GENL_NAME);
	if (gc_family < 0) {
		fprintf(stderr, "%s: family %s not found (module not loaded?)\n",
			prog, FABRIC_GENL_NAME);
		exit(3);
	}
	nl_socket_modify_cb(gc_sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, arg);
	nl_socket_modify_err_cb(gc_sk, NL_CB_CUSTOM, gc_err_cb, NULL);
	nl_socket_modify_cb(gc_sk, NL_CB_ACK, NL_CB_CUSTOM, gc_ack_cb, NULL);
}

struct nl_msg *gc_new_msg(int cmd, int flags, size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, gc_family, 0,
				 flags, cmd, FABRIC_GENL_VERSION)) {
		fprintf(stderr, "%s: out of memory\n", gc_prog);
		exit(2);
	}
	return msg;
}

int gc_transact(struct nl_msg *msg, int dump)
{
	int err;

	gc_err = 1;
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	err = nl_send_auto(gc_sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return -EIO;
	while (gc_err == 1) {
		err = nl_recvmsgs_default(gc_sk);
		if (err < 0 && gc_err == 1)
			return -EIO;
		if (dump && err == 0 && gc_err == 1)
			gc_err = 0;	/* NLMSG_DONE */
	}
	return gc_err;
}

int gc_report(int err, int quiet)
{
	if (!err) {
		if (!quiet)
			printf("ok\n");
		return 0;
	}
	printf("error %d %s: %s\n", -err, strerror(-err), gc_msg);
	return 1;
}
