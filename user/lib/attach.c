// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attach the data path to interfaces: XDP at ingress (native, falling back
 * to generic) and cls_bpf at clsact egress. Both attachments are netlink
 * ones, so they outlive the process that made them, like `ip link set xdp`
 * and `tc filter add`. We only ever replace or remove our own programs.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "fabric_dp.h"
#include "log.h"

static int prog_name(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	int fd, err = 0;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		err = -errno;
	else
		snprintf(name, len, "%s", info.name);
	close(fd);
	return err;
}

static const char *ifname(int ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "#%d", ifindex);
	return buf;
}

static int xdp_attach(struct fabric_dp *dp, int ifindex,
		      enum fabric_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_xdp_attach_opts, a);
	char name[BPF_OBJ_NAME_LEN] = "", ifn[IF_NAMESIZE];
	__u32 flags = 0;
	int err, old_fd = -1;

	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (q.prog_id) {
		err = prog_name(q.prog_id, name, sizeof(name));
		if (err)
			return err;
		if (strcmp(name, FABRIC_XDP_PROG_NAME) &&
		    strcmp(name, FABRIC_XDP_PLACEHOLDER_NAME)) {
			pr_err("%s already runs XDP program %u (%s); fabric does not replace other programs\n",
			       ifname(ifindex, ifn), q.prog_id, name);
			return -EBUSY;
		}
		/* replace our older copy atomically, in the mode it has */
		old_fd = bpf_prog_get_fd_by_id(q.prog_id);
		if (old_fd < 0)
			return -errno;
		a.old_prog_fd = old_fd;
		flags = XDP_FLAGS_REPLACE | (q.attach_mode == XDP_ATTACHED_SKB ?
					     XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
		err = bpf_xdp_attach(ifindex, fabric_dp_xdp_fd(dp), flags, &a);
		close(old_fd);
		goto out;
	}

	if (mode != FABRIC_XDP_GENERIC) {
		err = bpf_xdp_attach(ifindex, fabric_dp_xdp_fd(dp),
				     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
				     NULL);
		if (!err || mode == FABRIC_XDP_NATIVE)
			goto out;
		pr_info("%s: native XDP unavailable (%s), using generic XDP\n",
			ifname(ifindex, ifn), strerror(-err));
	}
	err = bpf_xdp_attach(ifindex, fabric_dp_xdp_fd(dp),
			     XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
out:
	if (err)
		pr_err("%s: cannot attach XDP: %s\n", ifname(ifindex, ifn),
		       strerror(-err));
	return err;
}

static void tc_hook_init(struct bpf_tc_hook *hook, int ifindex)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_EGRESS;
}

static int tc_attach(struct fabric_dp *dp, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FABRIC_TC_HANDLE,
		    .priority = FABRIC_TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	char ifn[IF_NAMESIZE];
	struct bpf_tc_hook hook;
	int err;

	tc_hook_init(&hook, ifindex);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_err("%s: cannot create clsact qdisc: %s\n",
		       ifname(ifindex, ifn), strerror(-err));
		return err;
	}
	opts.prog_fd = fabric_dp_tc_fd(dp);
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_err("%s: cannot attach tc egress: %s\n", ifname(ifindex, ifn),
		       strerror(-err));
	return err;
}

int fabric_dp_attach(struct fabric_dp *dp, int ifindex, enum fabric_xdp_mode mode)
{
	int err;

	err = xdp_attach(dp, ifindex, mode);
	if (err)
		return err;
	err = tc_attach(dp, ifindex);
	if (err)
		fabric_detach(ifindex);
	return err;
}

static int tc_query_ours(int ifindex, bool *ours)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FABRIC_TC_HANDLE,
		    .priority = FABRIC_TC_PRIORITY);
	char name[BPF_OBJ_NAME_LEN] = "";
	struct bpf_tc_hook hook;
	int err;

	*ours = false;
	tc_hook_init(&hook, ifindex);
	err = bpf_tc_query(&hook, &opts);
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err)
		return err;
	if (!prog_name(opts.prog_id, name, sizeof(name)))
		*ours = !strcmp(name, FABRIC_TC_PROG_NAME);
	return 0;
}

int fabric_attached(int ifindex, bool *xdp, bool *tc, bool *xdp_generic)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[BPF_OBJ_NAME_LEN] = "";
	int err;

	*xdp = *tc = false;
	if (xdp_generic)
		*xdp_generic = false;
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (q.prog_id && !prog_name(q.prog_id, name, sizeof(name)) &&
	    !strcmp(name, FABRIC_XDP_PROG_NAME)) {
		*xdp = true;
		if (xdp_generic)
			*xdp_generic = q.attach_mode == XDP_ATTACHED_SKB;
	}
	return tc_query_ours(ifindex, tc);
}

int fabric_detach(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FABRIC_TC_HANDLE,
		    .priority = FABRIC_TC_PRIORITY);
	LIBBPF_OPTS(bpf_xdp_attach_opts, a);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	bool xdp, tc, generic;
	struct bpf_tc_hook hook;
	char ifn[IF_NAMESIZE];
	int err, ret = 0;

	err = fabric_attached(ifindex, &xdp, &tc, &generic);
	if (err)
		return err;
	if (xdp && !bpf_xdp_query(ifindex, 0, &q)) {
		a.old_prog_fd = bpf_prog_get_fd_by_id(q.prog_id);
		err = bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE |
				     (generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE),
				     &a);
		if (a.old_prog_fd >= 0)
			close(a.old_prog_fd);
		if (err) {
			pr_err("%s: cannot detach XDP: %s\n", ifname(ifindex, ifn),
			       strerror(-err));
			ret = err;
		}
	}
	if (tc) {
		tc_hook_init(&hook, ifindex);
		err = bpf_tc_detach(&hook, &opts);
		if (err) {
			pr_err("%s: cannot detach tc egress: %s\n",
			       ifname(ifindex, ifn), strerror(-err));
			ret = err;
		}
	}
	return ret;
}

int fabric_xdp_mode_parse(const char *s, enum fabric_xdp_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = FABRIC_XDP_AUTO;
	else if (!strcmp(s, "native"))
		*mode = FABRIC_XDP_NATIVE;
	else if (!strcmp(s, "generic"))
		*mode = FABRIC_XDP_GENERIC;
	else
		return -EINVAL;
	return 0;
}
