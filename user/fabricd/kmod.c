// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric.ko as the failover executor (Documentation/netlink-api.md).
 * fabricd registers each configured group (GROUP_ADD: members and the
 * thresholds), subscribes to the "events" multicast group for logs and
 * metrics, and keeps probing: its prober's verdicts go to the module as
 * PATH_EVENT (signal + lag). Carrier is the module's own (netdev
 * notifier). Drain and undrain are commands; state comes from GROUP_GET.
 *
 * Probe answers are forwarded only while they can matter: after a miss,
 * and after a transition of that path, the next recover_probes answers go
 * to the module (they reset its miss run and clear a soft failure); a
 * steady stream of answers on a healthy path would change nothing there.
 * Misses always go. PATH_EVENTs are sent without waiting for an ack on a
 * socket of their own; errors coming back on it are counted and logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fabric_genl.h"
#include "fabricd.h"
#include "failover.h"
#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

struct fo_kmod;

/* A GROUP_GET reply compared with a group's configuration. */
struct km_check {
	const struct km_grp	*g;
	bool			seen;
	char			diff[96];	/* the first difference, "" none */
};

struct km_grp {
	struct fo_kmod		*km;
	unsigned int		idx;
	struct ffe_group_cfg	cfg;
	struct fprobe		*probe;
	__u32			probe_path[FNH_MAX_MEMBERS];	/* probe -> path */
	__u32			path_probe[FNH_MAX_MEMBERS];	/* path -> probe + 1 */
	__u32			ok_left[FNH_MAX_MEMBERS];	/* answers to forward */
	bool			probing[FNH_MAX_MEMBERS];	/* prober enabled */
};

struct fo_kmod {
	struct fabricd		*d;
	struct nl_sock		*sk;	/* commands, acked */
	struct nl_sock		*ev;	/* "events" multicast */
	struct nl_sock		*pe;	/* PATH_EVENT, not waited for */
	int			family;
	unsigned int		n_groups;
	struct km_grp		g[FFE_MAX_GROUPS];
	struct fabric_fo_config	pol;
	int			last_err;	/* 1: waiting */
	char			last_msg[256];
	struct fo_view		*view;		/* GROUP_GET dump target */
	struct km_check		*check;		/* GROUP_GET: compare with config */
	__u64			pe_sent, pe_errors;
};

bool fo_kmod_present(void)
{
	return fabric_module_present();
}

static int km_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct fo_kmod *km = arg;
	struct nlattr *a;
	int len, rem;

	km->last_err = e->error;
	km->last_msg[0] = '\0';
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
		nla_for_each_attr(a, (struct nlattr *)(e + 1), len, rem)
			if (nla_type(a) == NLMSGERR_ATTR_MSG)
				snprintf(km->last_msg, sizeof(km->last_msg), "%s",
					 (char *)nla_data(a));
	}
	return NL_STOP;
}

static int km_ack_cb(struct nl_msg *msg, void *arg)
{
	((struct fo_kmod *)arg)->last_err = 0;
	return NL_STOP;
}

static int km_group_idx(const struct fo_kmod *km, __u32 id)
{
	unsigned int i;

	for (i = 0; i < km->n_groups; i++)
		if (km->g[i].cfg.nh.id == id)
			return i;
	return -1;
}

static int km_path_idx(const struct km_grp *g, __u32 nh)
{
	__u32 p;

	for (p = 0; p < g->cfg.n_paths; p++)
		if (g->cfg.path[p].nh.id == nh)
			return p;
	return -1;
}

static __u64 nla_u64_or0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

/* One GROUP_GET reply: fill the matching group of km->view. */
static int km_group_msg(struct fo_kmod *km, struct nlattr **tb)
{
	struct nlattr *st[FABRIC_GSTAT_MAX + 1], *m[FABRIC_MEMBER_A_MAX + 1], *a;
	struct fo_group_view *gv;
	int gi, pi, rem;

	if (!tb[FABRIC_A_GROUP_ID] || !km->view)
		return NL_SKIP;
	gi = km_group_idx(km, nla_get_u32(tb[FABRIC_A_GROUP_ID]));
	if (gi < 0)
		return NL_SKIP;
	gv = &km->view->g[gi];
	if (tb[FABRIC_A_GROUP_STATS] &&
	    !nla_parse_nested(st, FABRIC_GSTAT_MAX, tb[FABRIC_A_GROUP_STATS], NULL)) {
		gv->drain_refused = nla_u64_or0(st[FABRIC_GSTAT_DRAIN_REFUSED]);
		gv->exec_errors = nla_u64_or0(st[FABRIC_GSTAT_REPLACE_ERRORS]);
		gv->desired = nla_u64_or0(st[FABRIC_GSTAT_MEMBERS]);
		gv->installed = nla_u64_or0(st[FABRIC_GSTAT_INSTALLED]);
	}
	if (!tb[FABRIC_A_MEMBERS])
		return NL_OK;
	nla_for_each_nested(a, tb[FABRIC_A_MEMBERS], rem) {
		struct fo_path_view *pv;

		if (nla_parse_nested(m, FABRIC_MEMBER_A_MAX, a, NULL) ||
		    !m[FABRIC_MEMBER_A_NH_ID])
			continue;
		pi = km_path_idx(&km->g[gi], nla_get_u32(m[FABRIC_MEMBER_A_NH_ID]));
		if (pi < 0)
			continue;
		pv = &gv->path[pi];
		if (m[FABRIC_MEMBER_A_STATE])
			pv->state = nla_get_u8(m[FABRIC_MEMBER_A_STATE]);
		if (m[FABRIC_MEMBER_A_DRAINED])
			pv->drained = nla_get_u8(m[FABRIC_MEMBER_A_DRAINED]);
		if (m[FABRIC_MEMBER_A_CARRIER])
			pv->carrier = nla_get_u8(m[FABRIC_MEMBER_A_CARRIER]);
		if (m[FABRIC_MEMBER_A_ACTIVE])
			pv->installed = nla_get_u8(m[FABRIC_MEMBER_A_ACTIVE]);
		if (m[FABRIC_MEMBER_A_LAST_REASON])
			pv->last_reason = nla_get_u8(m[FABRIC_MEMBER_A_LAST_REASON]);
		pv->last_change_ns = nla_u64_or0(m[FABRIC_MEMBER_A_LAST_CHANGE_NS]);
		pv->hold_until_ns = nla_u64_or0(m[FABRIC_MEMBER_A_HOLD_UNTIL_NS]);
		pv->failovers = nla_u64_or0(m[FABRIC_MEMBER_A_FAILOVERS]);
		pv->restores = nla_u64_or0(m[FABRIC_MEMBER_A_RESTORES]);
		pv->flaps = nla_u64_or0(m[FABRIC_MEMBER_A_FLAPS]);
		pv->ignored_stalled = nla_u64_or0(m[FABRIC_MEMBER_A_IGNORED_STALLED]);
		pv->ignored_local = nla_u64_or0(m[FABRIC_MEMBER_A_IGNORED_LOCAL]);
		pv->kept = nla_u64_or0(m[FABRIC_MEMBER_A_KEPT]);
		pv->drains = nla_u64_or0(m[FABRIC_MEMBER_A_DRAINS]);
		gv->failovers += pv->failovers;
		gv->restores += pv->restores;
	}
	return NL_OK;
}

/* Up with carrier (IFF_RUNNING follows linkwatch, as the module does). */
static bool if_carrier(const char *ifname)
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
static void km_probe_set(struct km_grp *g, __u32 path, bool on)
{
	const struct ffe_path_cfg *pc = &g->cfg.path[path];
	int err;

	if (!g->path_probe[path] || g->probing[path] == on)
		return;
	g->probing[path] = on;
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

static void km_hist_add(struct ffe_hist *h, __u64 ns)
{
	__u32 i;

	for (i = 0; i < FFE_HIST_BUCKETS && ns > ffe_hist_bound_ns(i); i++)
		;
	h->count[i]++;
	h->sum_ns += ns;
	h->n++;
}

/* A module event: log, count, histogram; carrier gates our prober. */
static int km_event_msg(struct fo_kmod *km, struct nlattr **tb)
{
	struct fo_transition t = { 0 };
	struct km_grp *g;
	int gi, pi;

	if (!tb[FABRIC_A_GROUP_ID] || !tb[FABRIC_A_NH_ID])
		return NL_SKIP;
	gi = km_group_idx(km, nla_get_u32(tb[FABRIC_A_GROUP_ID]));
	if (gi < 0)
		return NL_SKIP;	/* not ours */
	g = &km->g[gi];
	pi = km_path_idx(g, nla_get_u32(tb[FABRIC_A_NH_ID]));
	if (pi < 0)
		return NL_SKIP;
	t.time_ns = nla_u64_or0(tb[FABRIC_A_TIMESTAMP_NS]);
	t.repair_ns = nla_u64_or0(tb[FABRIC_A_LATENCY_NS]);
	t.from = tb[FABRIC_A_OLD_STATE] ? nla_get_u8(tb[FABRIC_A_OLD_STATE]) : 0;
	t.to = tb[FABRIC_A_NEW_STATE] ? nla_get_u8(tb[FABRIC_A_NEW_STATE]) : 0;
	t.reason = tb[FABRIC_A_REASON] ? nla_get_u8(tb[FABRIC_A_REASON]) : 0;
	t.flags = tb[FABRIC_A_FLAGS] ? nla_get_u32(tb[FABRIC_A_FLAGS]) : 0;
	t.error = tb[FABRIC_A_ERROR] ? (int)nla_get_u32(tb[FABRIC_A_ERROR]) : 0;
	snprintf(t.group, sizeof(t.group), "%s", g->cfg.name);
	snprintf(t.path, sizeof(t.path), "%s", g->cfg.path[pi].name);
	if (t.repair_ns)
		km_hist_add(&km->d->fo->hist, t.repair_ns);
	if (t.reason == FABRIC_FO_R_CARRIER_DOWN)
		km_probe_set(g, pi, false);
	if (t.reason == FABRIC_FO_R_CARRIER_UP)
		km_probe_set(g, pi, true);
	g->ok_left[pi] = km->pol.recover_probes;
	fabricd_fo_record(km->d->fo, &t);
	return NL_OK;
}

/* Does a registered member match its configured nexthop? "" or what differs. */
static const char *km_member_diff(const struct fnh_member *nh, struct nlattr **m)
{
	struct nlattr *gw4 = m[FABRIC_MEMBER_A_GW4], *gw6 = m[FABRIC_MEMBER_A_GW6];

	if (!m[FABRIC_MEMBER_A_IFINDEX] ||
	    nla_get_u32(m[FABRIC_MEMBER_A_IFINDEX]) != nh->ifindex)
		return "device";
	if (!m[FABRIC_MEMBER_A_WEIGHT] ||
	    nla_get_u16(m[FABRIC_MEMBER_A_WEIGHT]) != (nh->weight ? nh->weight : 1))
		return "weight";
	if (nh->family == AF_INET ?
	    !gw4 || gw6 || memcmp(nla_data(gw4), &nh->gw.v4, 4) :
	    nh->family == AF_INET6 ?
	    !gw6 || gw4 || memcmp(nla_data(gw6), &nh->gw.v6, 16) :
	    gw4 || gw6)
		return "gateway";
	return "";
}

/*
 * The module's registration of a group against its configuration: type,
 * buckets, idle timer, and the member set with each member's device,
 * gateway and weight. Thresholds are not compared (SET_PARAMS on adopt).
 */
static int km_check_msg(struct km_check *c, struct nlattr **tb)
{
	const struct km_grp *g = c->g;
	struct nlattr *m[FABRIC_MEMBER_A_MAX + 1], *a;
	__u32 seen = 0, idle_s = (g->cfg.nh.idle_timer_ms + 999) / 1000;
	const char *d;
	int pi, rem;

	if (!tb[FABRIC_A_GROUP_ID] || nla_get_u32(tb[FABRIC_A_GROUP_ID]) != g->cfg.nh.id)
		return NL_SKIP;
	c->seen = true;
	if (idle_s > 3600)
		idle_s = 3600;
	if (!tb[FABRIC_A_GROUP_TYPE] ||
	    nla_get_u8(tb[FABRIC_A_GROUP_TYPE]) != FABRIC_GROUP_RES)
		snprintf(c->diff, sizeof(c->diff), "group type");
	else if (!tb[FABRIC_A_GROUP_BUCKETS] ||
		 nla_get_u16(tb[FABRIC_A_GROUP_BUCKETS]) != g->cfg.nh.buckets)
		snprintf(c->diff, sizeof(c->diff), "buckets");
	else if (!tb[FABRIC_A_GROUP_IDLE_TIMER] ||
		 nla_get_u32(tb[FABRIC_A_GROUP_IDLE_TIMER]) != idle_s)
		snprintf(c->diff, sizeof(c->diff), "idle timer");
	if (c->diff[0] || !tb[FABRIC_A_MEMBERS])
		goto out;
	nla_for_each_nested(a, tb[FABRIC_A_MEMBERS], rem) {
		if (nla_parse_nested(m, FABRIC_MEMBER_A_MAX, a, NULL) ||
		    !m[FABRIC_MEMBER_A_NH_ID])
			continue;
		pi = km_path_idx(g, nla_get_u32(m[FABRIC_MEMBER_A_NH_ID]));
		if (pi < 0 || (seen & (1U << pi))) {
			snprintf(c->diff, sizeof(c->diff), "member nexthop %u is not configured",
				 nla_get_u32(m[FABRIC_MEMBER_A_NH_ID]));
			goto out;
		}
		seen |= 1U << pi;
		d = km_member_diff(&g->cfg.path[pi].nh, m);
		if (*d) {
			snprintf(c->diff, sizeof(c->diff), "%s of path %s", d,
				 g->cfg.path[pi].name);
			goto out;
		}
	}
out:
	if (!c->diff[0] && seen != (1U << g->cfg.n_paths) - 1)
		snprintf(c->diff, sizeof(c->diff), "member set");
	return NL_OK;
}

static int km_valid_cb(struct nl_msg *msg, void *arg)
{
	struct fo_kmod *km = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[FABRIC_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, FABRIC_A_MAX, NULL))
		return NL_SKIP;
	if (gh->cmd == FABRIC_CMD_EVENT)
		return km_event_msg(km, tb);
	if (gh->cmd == FABRIC_CMD_GROUP_GET && km->check)
		return km_check_msg(km->check, tb);
	if (gh->cmd == FABRIC_CMD_GROUP_GET)
		return km_group_msg(km, tb);
	return NL_SKIP;
}

static struct nl_msg *km_msg(struct fo_kmod *km, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(16384);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, km->family, 0,
				flags, cmd, FABRIC_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* Send, read the answers; 0 or the kernel's -errno (message in last_msg). */
static int km_transact(struct fo_kmod *km, struct nl_msg *msg, bool dump)
{
	int err;

	if (!msg)
		return -ENOMEM;
	km->last_err = 1;
	km->last_msg[0] = '\0';
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	err = nl_send_auto(km->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return -EIO;
	while (km->last_err == 1) {
		err = nl_recvmsgs_default(km->sk);
		if (err < 0 && km->last_err == 1)
			return -EIO;
		if (dump && err == 0 && km->last_err == 1)
			km->last_err = 0;	/* NLMSG_DONE */
	}
	return km->last_err;
}

static int km_put_config(struct nl_msg *msg, const struct fabric_fo_config *c)
{
	struct nlattr *n = nla_nest_start(msg, FABRIC_A_CONFIG);

	if (!n || nla_put_u32(msg, FABRIC_CFG_PROBE_MISS_K, c->probe_miss_k) ||
	    nla_put_u32(msg, FABRIC_CFG_RECOVER_PROBES, c->recover_probes) ||
	    nla_put_u32(msg, FABRIC_CFG_GAP_BURSTS, c->gap_bursts) ||
	    nla_put_u64(msg, FABRIC_CFG_GAP_WINDOW_NS, c->gap_window_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_STALL_TOLERANCE_NS, c->stall_tolerance_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_LOCAL_WINDOW_NS, c->local_window_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_HOLD_BASE_NS, c->hold_base_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_HOLD_MAX_NS, c->hold_max_ns) ||
	    nla_put_u64(msg, FABRIC_CFG_HALF_LIFE_NS, c->half_life_ns))
		return -EMSGSIZE;
	nla_nest_end(msg, n);
	return 0;
}

static int km_group_add(struct fo_kmod *km, const struct km_grp *g)
{
	struct nl_msg *msg = km_msg(km, FABRIC_CMD_GROUP_ADD, 0);
	struct nlattr *ms, *m;
	__u32 p, idle_s;

	if (!msg)
		return -ENOMEM;
	idle_s = (g->cfg.nh.idle_timer_ms + 999) / 1000;
	if (nla_put_u32(msg, FABRIC_A_GROUP_ID, g->cfg.nh.id) ||
	    nla_put_u8(msg, FABRIC_A_GROUP_TYPE, FABRIC_GROUP_RES) ||
	    nla_put_u16(msg, FABRIC_A_GROUP_BUCKETS, g->cfg.nh.buckets) ||
	    nla_put_u32(msg, FABRIC_A_GROUP_IDLE_TIMER, idle_s > 3600 ? 3600 : idle_s))
		goto full;
	ms = nla_nest_start(msg, FABRIC_A_MEMBERS);
	if (!ms)
		goto full;
	for (p = 0; p < g->cfg.n_paths; p++) {
		const struct fnh_member *nh = &g->cfg.path[p].nh;

		m = nla_nest_start(msg, FABRIC_A_MEMBER);
		if (!m || nla_put_u32(msg, FABRIC_MEMBER_A_NH_ID, nh->id) ||
		    nla_put_u32(msg, FABRIC_MEMBER_A_IFINDEX, nh->ifindex) ||
		    nla_put_u16(msg, FABRIC_MEMBER_A_WEIGHT, nh->weight ? nh->weight : 1) ||
		    (nh->family == AF_INET &&
		     nla_put(msg, FABRIC_MEMBER_A_GW4, 4, &nh->gw.v4)) ||
		    (nh->family == AF_INET6 &&
		     nla_put(msg, FABRIC_MEMBER_A_GW6, 16, &nh->gw.v6)))
			goto full;
		nla_nest_end(msg, m);
	}
	nla_nest_end(msg, ms);
	if (km_put_config(msg, &km->pol))
		goto full;
	return km_transact(km, msg, false);
full:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int km_simple(struct fo_kmod *km, int cmd, __u32 group, __u32 nh)
{
	struct nl_msg *msg = km_msg(km, cmd, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FABRIC_A_GROUP_ID, group) ||
	    (nh && nla_put_u32(msg, FABRIC_A_NH_ID, nh))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return km_transact(km, msg, false);
}

/*
 * Is the group registered with the module (0, or -ENOENT), and does the
 * registration match the configuration (diff empty)?
 */
static int km_registered(struct fo_kmod *km, const struct km_grp *g,
			 char *diff, size_t len)
{
	struct km_check c = { .g = g };
	struct nl_msg *msg = km_msg(km, FABRIC_CMD_GROUP_GET, 0);
	int err;

	if (msg && nla_put_u32(msg, FABRIC_A_GROUP_ID, g->cfg.nh.id)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	km->check = &c;
	err = km_transact(km, msg, false);
	km->check = NULL;
	if (!err && !c.seen)
		snprintf(c.diff, sizeof(c.diff), "no reply");
	snprintf(diff, len, "%s", c.diff);
	return err;
}

static void km_probe_cb(void *arg, uint32_t pi, int verdict, uint64_t now,
			uint64_t lag)
{
	struct km_grp *g = arg;
	struct fo_kmod *km = g->km;
	__u32 path = g->probe_path[pi];
	struct nl_msg *msg;

	if (verdict == FPROBE_OK) {
		if (!g->ok_left[path])
			return;
		g->ok_left[path]--;
	} else if (!if_carrier(g->cfg.path[path].ifname)) {
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
	msg = km_msg(km, FABRIC_CMD_PATH_EVENT, 0);
	if (!msg)
		return;
	if (!nla_put_u32(msg, FABRIC_A_GROUP_ID, g->cfg.nh.id) &&
	    !nla_put_u32(msg, FABRIC_A_NH_ID, g->cfg.path[path].nh.id) &&
	    !nla_put_u8(msg, FABRIC_A_SIGNAL, verdict == FPROBE_OK ?
			FABRIC_SIG_PROBE_OK : FABRIC_SIG_PROBE_MISS) &&
	    !nla_put_u64(msg, FABRIC_A_LAG_NS, lag) &&
	    nl_send_auto(km->pe, msg) >= 0)
		km->pe_sent++;
	nlmsg_free(msg);
	(void)now;
}

/* Errors for the PATH_EVENTs (sent without waiting). */
static int km_pe_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct fo_kmod *km = arg;

	if (e->error && !km->pe_errors++)
		pr_warn("failover: fabric.ko refused a probe report: %s\n",
			strerror(-e->error));
	return NL_SKIP;
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
	g->probe = fprobe_open(&fc, pc, n);
	if (!g->probe)
		return -errno;
	for (p = 0; p < g->cfg.n_paths; p++)
		if (!if_carrier(g->cfg.path[p].ifname))
			km_probe_set(g, p, false);
	return fprobe_start(g->probe);
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

static struct nl_sock *km_sock(struct fo_kmod *km)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return sk;
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
	nl_socket_modify_cb(km->sk, NL_CB_VALID, NL_CB_CUSTOM, km_valid_cb, km);
	nl_socket_modify_err_cb(km->sk, NL_CB_CUSTOM, km_err_cb, km);
	nl_socket_modify_cb(km->sk, NL_CB_ACK, NL_CB_CUSTOM, km_ack_cb, km);
	nl_socket_disable_seq_check(km->ev);
	nl_socket_modify_cb(km->ev, NL_CB_VALID, NL_CB_CUSTOM, km_valid_cb, km);
	nl_socket_disable_seq_check(km->pe);
	nl_socket_modify_err_cb(km->pe, NL_CB_CUSTOM, km_pe_err_cb, km);
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
		if (ret == -NLE_NOMEM || ret == -NLE_MSG_OVERFLOW)
			pr_warn("failover: fabric.ko events overran; some were lost\n");
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

int fo_kmod_view(struct fo_kmod *km, struct fo_view *v)
{
	unsigned int i, p;
	int err;

	v->n_groups = km->n_groups;
	/* Backstop for a missed carrier event: follow the device's carrier. */
	for (i = 0; i < km->n_groups; i++)
		for (p = 0; p < km->g[i].cfg.n_paths; p++)
			km_probe_set(&km->g[i], p, if_carrier(km->g[i].cfg.path[p].ifname));
	for (i = 0; i < km->n_groups; i++) {
		const struct km_grp *g = &km->g[i];
		const struct fprobe_stats *ps = g->probe ? fprobe_stats(g->probe) : NULL;
		struct fo_group_view *gv = &v->g[i];

		snprintf(gv->name, sizeof(gv->name), "%s", g->cfg.name);
		gv->id = g->cfg.nh.id;
		gv->n_paths = g->cfg.n_paths;
		if (ps)
			v->probe_ticks_skipped += ps->ticks_skipped;
		for (p = 0; p < g->cfg.n_paths; p++) {
			const struct ffe_path_cfg *pc = &g->cfg.path[p];
			struct fo_path_view *pv = &gv->path[p];

			snprintf(pv->name, sizeof(pv->name), "%s", pc->name);
			snprintf(pv->dev, sizeof(pv->dev), "%s", pc->ifname);
			pv->nh_id = pc->nh.id;
			pv->gw_family = pc->nh.family;
			memcpy(pv->gw, &pc->nh.gw, sizeof(pv->gw));
			pv->probe = g->path_probe[p] != 0;
			if (!pv->probe || !ps)
				continue;
			pv->probe_sent = ps->path[g->path_probe[p] - 1].sent;
			pv->probe_answered = ps->path[g->path_probe[p] - 1].answered;
			pv->probe_missed = ps->path[g->path_probe[p] - 1].missed;
			pv->probe_late = ps->path[g->path_probe[p] - 1].late;
			pv->probe_send_errors = ps->path[g->path_probe[p] - 1].send_errors;
			pv->rtt_min_ns = ps->path[g->path_probe[p] - 1].rtt_min_ns;
			pv->rtt_max_ns = ps->path[g->path_probe[p] - 1].rtt_max_ns;
			pv->rtt_sum_ns = ps->path[g->path_probe[p] - 1].rtt_sum_ns;
		}
	}
	km->view = v;
	err = km_transact(km, km_msg(km, FABRIC_CMD_GROUP_GET, NLM_F_DUMP), true);
	km->view = NULL;
	for (i = 0; i < km->n_groups; i++)
		v->g[i].dirty = v->g[i].desired != v->g[i].installed;
	if (err)
		pr_debug("failover: GROUP_GET dump: %s\n", strerror(-err));
	return err;
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
