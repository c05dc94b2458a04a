// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric.ko as the failover executor (Documentation/netlink-api.md).
 * fabricd registers each configured group (GROUP_ADD: members, routes and
 * the thresholds), subscribes to the "events" multicast group for logs and
 * metrics, and keeps probing: its prober's verdicts, and the data path's
 * passive signals (gap bursts, silence; failover.c), go to the module as
 * PATH_EVENT (signal + lag). Carrier is the module's own (netdev
 * notifier). Drain and undrain are commands; state comes from GROUP_GET.
 * Requests are built in kmod_nl.c, replies and events read in
 * kmod_reply.c.
 *
 * Probe answers are forwarded only while they can matter: after a miss, a
 * passive signal, or a transition of that path, the next recover_probes
 * answers go
 * to the module (they reset its miss run and clear a soft failure); a
 * steady stream of answers on a healthy path would change nothing there.
 * Misses always go. PATH_EVENTs are sent without waiting for an ack on a
 * socket of their own; errors coming back on it are counted and logged.
 * fabric.ko's prober may send instead of fabricd's (kprober.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fabric_genl.h"
#include "fabricd.h"
#include "failover.h"
#include "gray_monitor.h"
#include "kmod.h"
#include "log.h"

bool fo_kmod_present(void)
{
	return fabric_module_present();
}

/* Up with carrier (IFF_RUNNING follows linkwatch, as the module does). */
bool km_if_carrier(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	if (fd < 0)
		return true;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	close(fd);
	return up;
}

/*
 * Probe a path only while it has carrier: a path without carrier cannot
 * answer (its carrier is the module's own signal). When probing resumes,
 * the next answers are forwarded, and a neighbour entry left INCOMPLETE
 * by probes sent into the dead link is cleared (neigh.c).
 */
void km_probe_set(struct km_grp *g, __u32 path, bool on)
{
	const struct ffe_path_cfg *pc = &g->cfg.path[path];
	int err;

	if (!g->path_probe[path] || g->probing[path] == on)
		return;
	g->probing[path] = on;
	if (!g->km->ksender)
		fprobe_enable(g->probe, g->path_probe[path] - 1, on);
	if (!on)
		return;
	g->ok_left[path] = g->km->pol.recover_probes;
	err = fabricd_neigh_unstick(pc->nh.ifindex, pc->probe_cfg.family,
				    &pc->probe_cfg.peer);
	if (err > 0)
		pr_info("failover: path %s: cleared a stale neighbour entry on %s\n",
			pc->name, pc->ifname);
	else if (err < 0)
		pr_debug("failover: path %s: neighbour check: %s\n", pc->name,
			 strerror(-err));
}

static void km_probe_cb(void *arg, uint32_t pi, int verdict, uint64_t now,
			uint64_t lag)
{
	struct km_grp *g = arg;
	struct fo_kmod *km = g->km;
	__u32 path = g->probe_path[pi];

	gmon_probe(fabricd_gray_mon(km->d), g->idx, path, verdict == FPROBE_OK ?
		   GMON_ANSWERED : lag > km->pol.stall_tolerance_ns ? GMON_STALLED :
		   GMON_LOST, 0, now);
	if (verdict == FPROBE_OK) {
		if (!g->ok_left[path])
			return;
		g->ok_left[path]--;
	} else if (!km_if_carrier(g->cfg.path[path].ifname)) {
		/*
		 * Lost with the carrier, which the module handles; sent
		 * before its event reached us. As evidence it would mark
		 * the path soft-failed, and a carrier return alone would
		 * then not restore it.
		 */
		km_probe_set(g, path, false);
		return;
	} else {
		g->ok_left[path] = km->pol.recover_probes;
	}
	km_path_event(km, g, path, verdict == FPROBE_OK ? FABRIC_SIG_PROBE_OK :
		      FABRIC_SIG_PROBE_MISS, lag);
}

static int km_probe_open(struct fo_kmod *km, struct km_grp *g)
{
	const struct fabricd_config *c = &km->d->cfg;
	struct fprobe_path_cfg pc[FPROBE_MAX_PATHS];
	struct fprobe_cfg fc = {
		.interval_ns = (__u64)c->thr.probe_interval_us * 1000,
		.timeout_ns = c->thr.probe_timeout_us ?
			      (__u64)c->thr.probe_timeout_us * 1000 :
			      3ULL * c->thr.probe_interval_us * 1000,
		.port = c->thr.probe_port, .cb = km_probe_cb, .arg = g,
		.path_base = km->next_slot,
	};
	__u32 p, n = 0;

	for (p = 0; p < g->cfg.n_paths; p++) {
		if (!g->cfg.path[p].probe)
			continue;
		pc[n] = g->cfg.path[p].probe_cfg;
		snprintf(pc[n].ifname, sizeof(pc[n].ifname), "%s", g->cfg.path[p].ifname);
		g->probe_path[n] = p;
		g->path_probe[p] = n + 1;
		g->ok_left[p] = km->pol.recover_probes;
		g->probing[p] = true;
		n++;
	}
	if (!n)
		return 0;
	g->probe_base = km->next_slot;
	km->next_slot += n;
	g->probe = fprobe_open(&fc, pc, n);
	if (!g->probe)
		return -errno;
	for (p = 0; p < g->cfg.n_paths; p++)
		if (!km_if_carrier(g->cfg.path[p].ifname))
			km_probe_set(g, p, false);
	/* started by km_sender_start() unless the module sends (kprober.c) */
	return 0;
}

/*
 * Register a group. Adopt the module's registration when it matches the
 * configuration (a fabricd restart: the module kept running the group);
 * replace it when it differs. Before a fresh registration the group and
 * its routes are installed the way the userspace executor would, so the
 * routes exist (the module manages the group, not routes).
 */
static int km_register(struct fo_kmod *km, struct km_grp *g, struct fnh_ctx *nh,
		       char *why, size_t len)
{
	char diff[384];
	int err;

	err = km_registered(km, g, diff, sizeof(diff));
	if (!err && !diff[0]) {
		struct nl_msg *msg = km_msg(km, FABRIC_CMD_SET_PARAMS, 0);

		if (msg && (nla_put_u32(msg, FABRIC_A_GROUP_ID, g->cfg.nh.id) ||
			    km_put_config(msg, &km->pol))) {
			nlmsg_free(msg);
			msg = NULL;
		}
		err = km_transact(km, msg, false);
		if (!err) {
			pr_info("failover: group %s (%u) already registered with fabric.ko; adopted\n",
				g->cfg.name, g->cfg.nh.id);
			return 0;
		}
		snprintf(diff, sizeof(diff), "its thresholds were refused: %s%s%s",
			 strerror(-err), km->last_msg[0] ? ": " : "", km->last_msg);
		err = 0;
	}
	if (!err) {
		pr_info("failover: group %s (%u) registered with fabric.ko differs (%s); replacing it\n",
			g->cfg.name, g->cfg.nh.id, diff);
		km_simple(km, FABRIC_CMD_GROUP_DEL, g->cfg.nh.id, 0);
	}
	if (nh) {
		err = fnh_apply(nh, &g->cfg.nh, (1U << g->cfg.n_paths) - 1, true);
		if (err < 0)
			pr_warn("failover: installing group %s: %s\n", g->cfg.name,
				fnh_error(nh));
	}
	err = km_group_add(km, g);
	if (err)
		snprintf(why, len, "GROUP_ADD %s: %s%s%s", g->cfg.name, strerror(-err),
			 km->last_msg[0] ? ": " : "", km->last_msg);
	return err;
}

struct fo_kmod *fo_kmod_open(struct fabricd *d, char *why, size_t len)
{
	struct fo_kmod *km = calloc(1, sizeof(*km));
	struct fnh_ctx *nh;
	unsigned int i, p;
	int grp, err;

	if (!km) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	km->d = d;
	fo_policy_from_cfg(&d->cfg, &km->pol);
	km->sk = km_sock(km);
	km->ev = km_sock(km);
	km->pe = km_sock(km);
	if (!km->sk || !km->ev || !km->pe) {
		snprintf(why, len, "cannot open generic netlink sockets");
		goto err;
	}
	km->family = genl_ctrl_resolve(km->sk, FABRIC_GENL_NAME);
	grp = genl_ctrl_resolve_grp(km->sk, FABRIC_GENL_NAME, FABRIC_GENL_MCGRP_EVENTS);
	if (km->family < 0 || grp < 0) {
		snprintf(why, len, "the \"%s\" family or its \"%s\" group did not resolve",
			 FABRIC_GENL_NAME, FABRIC_GENL_MCGRP_EVENTS);
		goto err;
	}
	km_set_callbacks(km);
	if (nl_socket_add_membership(km->ev, grp) || nl_socket_set_nonblocking(km->ev) ||
	    nl_socket_set_nonblocking(km->pe)) {
		snprintf(why, len, "cannot subscribe to the module's events");
		goto err;
	}
	nl_socket_set_buffer_size(km->ev, 1 << 20, 0);

	nh = fnh_open();
	km->n_groups = d->cfg.n_groups;
	for (i = 0; i < km->n_groups; i++) {
		struct km_grp *g = &km->g[i];

		g->km = km;
		g->idx = i;
		fo_group_from_cfg(&d->cfg, i, &g->cfg);
		g->cfg.nh.n_members = g->cfg.n_paths;
		for (p = 0; p < g->cfg.n_paths; p++) {
			g->cfg.path[p].nh.ifindex = if_nametoindex(g->cfg.path[p].ifname);
			g->cfg.nh.m[p] = g->cfg.path[p].nh;
		}
		if (km_register(km, g, nh, why, len)) {
			fnh_close(nh);
			goto err;
		}
		if (d->cfg.thr.probe_interval_us) {
			err = km_probe_open(km, g);
			if (err) {
				snprintf(why, len, "probes for group %s: %s", g->cfg.name,
					 strerror(-err));
				fnh_close(nh);
				goto err;
			}
		}
	}
	fnh_close(nh);
	km_sender_start(km);
	return km;
err:
	fo_kmod_close(km);
	return NULL;
}

/* The module keeps running the groups: fabricd's stop changes nothing. */
void fo_kmod_close(struct fo_kmod *km)
{
	unsigned int i;

	if (!km)
		return;
	if (km->sk && km->family > 0)
		km_sender_stop(km);
	for (i = 0; i < FFE_MAX_GROUPS; i++)
		fprobe_close(km->g[i].probe);
	if (km->sk)
		nl_socket_free(km->sk);
	if (km->ev)
		nl_socket_free(km->ev);
	if (km->pe)
		nl_socket_free(km->pe);
	free(km);
}

int fo_kmod_fds(struct fo_kmod *km, int *fds, int max)
{
	unsigned int i;
	int n = 0;

	if (n < max)
		fds[n++] = nl_socket_get_fd(km->ev);
	if (n < max)
		fds[n++] = nl_socket_get_fd(km->pe);
	for (i = 0; i < km->n_groups && n < max; i++)
		if (km->g[i].probe)
			fds[n++] = fprobe_fd(km->g[i].probe);
	return n;
}

void fo_kmod_dispatch(struct fo_kmod *km, int fd)
{
	unsigned int i;
	int ret;

	if (fd == nl_socket_get_fd(km->ev)) {
		ret = nl_recvmsgs_default(km->ev);
		if (ret == -NLE_NOMEM || ret == -NLE_MSG_OVERFLOW) {
			pr_warn("failover: fabric.ko events overran; some were lost\n");
			km_judge_overrun();
		}
		return;
	}
	if (fd == nl_socket_get_fd(km->pe)) {
		nl_recvmsgs_default(km->pe);
		return;
	}
	for (i = 0; i < km->n_groups; i++)
		if (km->g[i].probe && fd == fprobe_fd(km->g[i].probe)) {
			fprobe_run(km->g[i].probe);
			return;
		}
}

int fo_kmod_drain(struct fo_kmod *km, unsigned int group, unsigned int path,
		  bool on, char *msg, size_t len)
{
	int err;

	if (group >= km->n_groups || path >= km->g[group].cfg.n_paths)
		return -ENOENT;
	err = km_simple(km, on ? FABRIC_CMD_PATH_DRAIN : FABRIC_CMD_PATH_UNDRAIN,
			km->g[group].cfg.nh.id, km->g[group].cfg.path[path].nh.id);
	msg[0] = '\0';
	if (err && err != -EBUSY && km->last_msg[0])
		snprintf(msg, len, "fabric.ko: %s: %s", strerror(-err), km->last_msg);
	/* the transition arrives as an event; pick up ours now */
	nl_recvmsgs_default(km->ev);
	return err;
}

/*
 * A passive signal (PSN-gap/NAK burst, silence, or clean traffic as proof
 * of life on a path without probes) from fabricd's data path, for the
 * module's policy. Gap bursts and silence are evidence: they also re-arm
 * the forwarding of the next probe answers, which then clear the soft
 * failure they may cause.
 */
void fo_kmod_signal(struct fo_kmod *km, unsigned int group, unsigned int path,
		    int signal, __u64 lag_ns)
{
	struct km_grp *g;

	if (group >= km->n_groups || path >= km->g[group].cfg.n_paths)
		return;
	g = &km->g[group];
	if (signal != FABRIC_SIG_PROBE_OK)
		g->ok_left[path] = km->pol.recover_probes;
	if (!km_path_event(km, g, path, signal, lag_ns))
		km->passive_sent++;
}
