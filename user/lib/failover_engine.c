// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Failover engine: signals -> fabric_fo state machine -> nexthop executor.
 * See failover_engine.h and Documentation/failover.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>

#include "failover_engine.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000
#endif

struct ffe_grp {
	struct ffe *e;
	uint32_t idx;
	struct ffe_group_cfg cfg;
	struct fabric_fo_group fo;
	struct fprobe *probe;
	uint32_t probe_path[FNH_MAX_MEMBERS];	/* probe index -> path */
	uint32_t path_probe[FNH_MAX_MEMBERS];	/* path -> probe index+1 */
	uint32_t installed;
	bool dirty;
	uint64_t settle_at;	/* second step of a blind restore, 0 none */
	int last_error;
	char last_error_msg[256];
	uint64_t failovers, restores, exec_errors;
};

struct ffe {
	struct ffe_cfg cfg;
	struct fnh_ctx *nh;
	struct nl_sock *mon;
	int tfd;			/* hold-down expiry and retries */
	int ioc;			/* ioctl socket for link flags */
	struct ffe_grp grp[FFE_MAX_GROUPS];
	struct ffe_hist hist;
	struct ffe_event log[FFE_LOG_LEN];
	uint64_t log_n;
	struct fabric_fo_result res;	/* scratch */
};

static uint64_t ffe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t ffe_hist_bound_ns(uint32_t i)
{
	return i < FFE_HIST_BUCKETS ? (1000ULL << i) : ~0ULL;
}

static void ffe_hist_add(struct ffe_hist *h, uint64_t ns)
{
	uint32_t i;

	for (i = 0; i < FFE_HIST_BUCKETS && ns > ffe_hist_bound_ns(i); i++)
		;
	h->count[i]++;
	h->sum_ns += ns;
	h->n++;
}

static void ffe_record(struct ffe *e, const struct ffe_event *ev)
{
	e->log[e->log_n % FFE_LOG_LEN] = *ev;
	e->log_n++;
	if (e->cfg.on_event)
		e->cfg.on_event(e->cfg.arg, ev);
}

/*
 * The kernel marks a resilient bucket busy only while the group has more
 * than one member (nexthop_num_path() is 1 otherwise, so no path is
 * selected and no bucket touched). After running on one member, every
 * bucket looks idle, and re-adding a member would move busy flows. So a
 * restore onto a single-member group goes in two steps: first with an
 * idle timer so long that no bucket counts as idle (the member joins
 * with no buckets, and the kernel starts tracking again), then, once
 * the real idle timer has passed, with the configured timer: only
 * buckets idle by then migrate.
 */
#define FFE_BLIND_IDLE_MS	3600000U
#define FFE_SETTLE_MARGIN_NS	250000000ULL

static uint32_t ffe_popcount(uint32_t m)
{
	return (uint32_t)__builtin_popcount(m);
}

/* Install g->fo.members; remember failures for a retry. */
static int ffe_execute(struct ffe_grp *g, bool reconcile)
{
	uint32_t want = fabric_fo_members(&g->fo), before = g->installed;
	struct fnh_group nh = g->cfg.nh;
	bool blind = !reconcile && (want & ~before) &&
		     ffe_popcount(before) == 1;
	int ret;

	if (blind)
		nh.idle_timer_ms = FFE_BLIND_IDLE_MS;
	ret = fnh_apply(g->e->nh, &nh, want, reconcile);
	if (ret < 0) {
		g->dirty = true;
		g->exec_errors++;
		g->last_error = ret;
		snprintf(g->last_error_msg, sizeof(g->last_error_msg), "%s",
			 fnh_error(g->e->nh));
		return ret;
	}
	g->installed = (uint32_t)ret;
	g->settle_at = blind ? ffe_now() + g->cfg.nh.idle_timer_ms * 1000000ULL +
			       FFE_SETTLE_MARGIN_NS : 0;
	/* A wanted member left out (no carrier yet): try again later. */
	g->dirty = g->installed != want;
	if (g->installed & ~before)
		g->restores++;
	if (before & ~g->installed)
		g->failovers++;
	return 0;
}

static void ffe_arm(struct ffe *e)
{
	struct itimerspec its = { 0 };
	uint64_t next = FABRIC_FO_NEVER, d, now = ffe_now();
	uint32_t i;

	for (i = 0; i < e->cfg.n_groups; i++) {
		d = fabric_fo_next_deadline(&e->grp[i].fo);
		if (e->grp[i].dirty && now + FFE_RETRY_NS < d)
			d = now + FFE_RETRY_NS;
		if (e->grp[i].settle_at && e->grp[i].settle_at < d)
			d = e->grp[i].settle_at;
		if (d < next)
			next = d;
	}
	if (next != FABRIC_FO_NEVER) {
		if (!next)
			next = 1;
		its.it_value.tv_sec = next / 1000000000ULL;
		its.it_value.tv_nsec = next % 1000000000ULL;
	}
	timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Act on one policy result: execute, log transitions with repair time. */
static void ffe_apply(struct ffe_grp *g, const struct fabric_fo_result *res,
		      uint64_t t_detect)
{
	struct ffe *e = g->e;
	uint64_t repair = 0;
	int err = 0;
	uint32_t i;

	if (res->changed || g->dirty) {
		err = ffe_execute(g, false);
		if (!err && res->changed) {
			repair = ffe_now() - t_detect;
			if (!repair)
				repair = 1;
			ffe_hist_add(&e->hist, repair);
		}
	}
	for (i = 0; i < res->n_trans; i++) {
		const struct fabric_fo_transition *t = &res->trans[i];
		struct ffe_event ev = {
			.time_ns = t->time_ns, .group = g->idx, .path = t->path,
			.from = t->from, .to = t->to, .reason = t->reason,
			.flags = t->flags, .members = g->installed,
			.repair_ns = repair, .error = err,
		};
		uint32_t pi = g->path_probe[t->path];

		ffe_record(e, &ev);
		/* A path without carrier cannot answer: stop probing it. */
		if (pi && t->reason == FABRIC_FO_R_CARRIER_DOWN)
			fprobe_enable(g->probe, pi - 1, false);
	}
	if (res->changed || g->dirty || res->n_trans)
		ffe_arm(e);
}

static void ffe_signal(struct ffe_grp *g, uint32_t paths, uint32_t signal,
		       uint64_t now, uint64_t lag)
{
	struct fabric_fo_event ev = {
		.now_ns = now, .lag_ns = lag, .paths = paths, .signal = signal,
	};

	if (fabric_fo_event(&g->fo, &ev, &g->e->res))
		return;
	ffe_apply(g, &g->e->res, now);
}

static void ffe_probe_cb(void *arg, uint32_t pi, int verdict, uint64_t now,
			 uint64_t lag)
{
	struct ffe_grp *g = arg;

	ffe_signal(g, 1U << g->probe_path[pi],
		   verdict == FPROBE_OK ? FABRIC_FO_SIG_PROBE_OK :
					  FABRIC_FO_SIG_PROBE_MISS, now, lag);
}

static void ffe_carrier(struct ffe *e, uint32_t ifindex, bool up, uint64_t now)
{
	uint32_t i, p, mask;

	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		mask = 0;
		for (p = 0; p < g->cfg.n_paths; p++)
			if (g->cfg.path[p].nh.ifindex == ifindex &&
			    g->fo.path[p].carrier != up)
				mask |= 1U << p;
		if (!mask)
			continue;
		if (up) {
			for (p = 0; p < g->cfg.n_paths; p++)
				if ((mask & (1U << p)) && g->path_probe[p])
					fprobe_enable(g->probe,
						      g->path_probe[p] - 1, true);
		}
		ffe_signal(g, mask, up ? FABRIC_FO_SIG_CARRIER_UP :
					 FABRIC_FO_SIG_CARRIER_DOWN, now, 0);
	}
}

static bool ffe_if_carrier(struct ffe *e, const char *ifname)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(e->ioc, SIOCGIFFLAGS, &ifr))
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

/* After a netlink overrun (or at start): read every path's carrier. */
static void ffe_resync(struct ffe *e)
{
	uint64_t now = ffe_now();
	uint32_t i, p;

	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		for (p = 0; p < g->cfg.n_paths; p++)
			ffe_carrier(e, g->cfg.path[p].nh.ifindex,
				    ffe_if_carrier(e, g->cfg.path[p].ifname), now);
	}
}

static int ffe_link_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct ffe *e = arg;
	struct ifinfomsg *ifi;
	bool up;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return NL_SKIP;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return NL_SKIP;
	ifi = nlmsg_data(nlh);
	up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
	     (ifi->ifi_flags & IFF_LOWER_UP);
	ffe_carrier(e, ifi->ifi_index, up, ffe_now());
	return NL_OK;
}

static int ffe_group_setup(struct ffe *e, uint32_t gi)
{
	struct ffe_grp *g = &e->grp[gi];
	struct fprobe_path_cfg pc[FPROBE_MAX_PATHS];
	struct fprobe_cfg fc = { 0 };
	uint32_t p, n = 0;

	g->e = e;
	g->idx = gi;
	g->cfg = e->cfg.group[gi];
	if (!g->cfg.n_paths || g->cfg.n_paths > FNH_MAX_MEMBERS ||
	    g->cfg.n_paths > FABRIC_FO_MAX_PATHS)
		return -EINVAL;
	g->cfg.nh.n_members = g->cfg.n_paths;
	for (p = 0; p < g->cfg.n_paths; p++) {
		struct ffe_path_cfg *pcfg = &g->cfg.path[p];

		pcfg->nh.ifindex = if_nametoindex(pcfg->ifname);
		if (!pcfg->nh.ifindex)
			return -ENODEV;
		g->cfg.nh.m[p] = pcfg->nh;
		if (!pcfg->probe || !e->cfg.probe_interval_ns)
			continue;
		pc[n] = pcfg->probe_cfg;
		snprintf(pc[n].ifname, sizeof(pc[n].ifname), "%s", pcfg->ifname);
		if (!pc[n].family)
			pc[n].family = pcfg->nh.family;
		g->probe_path[n] = p;
		g->path_probe[p] = n + 1;
		n++;
	}
	if (fabric_fo_group_init(&g->fo, &e->cfg.policy, g->cfg.n_paths,
				 ffe_now()))
		return -EINVAL;
	g->installed = fabric_fo_members(&g->fo);
	if (!n)
		return 0;
	fc.interval_ns = e->cfg.probe_interval_ns;
	fc.timeout_ns = e->cfg.probe_timeout_ns ? e->cfg.probe_timeout_ns :
			3 * e->cfg.probe_interval_ns;
	fc.port = e->cfg.probe_port;
	fc.cb = ffe_probe_cb;
	fc.arg = g;
	g->probe = fprobe_open(&fc, pc, n);
	return g->probe ? 0 : -errno;
}

struct ffe *ffe_open(const struct ffe_cfg *cfg)
{
	struct ffe *e;
	uint32_t i;
	int err = -ENOMEM;

	if (!cfg->n_groups || cfg->n_groups > FFE_MAX_GROUPS) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->ioc = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	e->nh = fnh_open();
	e->mon = nl_socket_alloc();
	if (e->tfd < 0 || e->ioc < 0 || !e->nh || !e->mon)
		goto err;
	nl_socket_disable_seq_check(e->mon);
	nl_socket_modify_cb(e->mon, NL_CB_VALID, NL_CB_CUSTOM, ffe_link_cb, e);
	if (nl_connect(e->mon, NETLINK_ROUTE) ||
	    nl_socket_add_membership(e->mon, RTNLGRP_LINK) ||
	    nl_socket_set_nonblocking(e->mon)) {
		err = -EIO;
		goto err;
	}
	nl_socket_set_buffer_size(e->mon, 1 << 20, 0);
	for (i = 0; i < cfg->n_groups; i++) {
		err = ffe_group_setup(e, i);
		if (err)
			goto err;
	}
	ffe_resync(e);
	return e;
err:
	ffe_close(e);
	errno = -err;
	return NULL;
}

void ffe_close(struct ffe *e)
{
	uint32_t i;

	if (!e)
		return;
	for (i = 0; i < FFE_MAX_GROUPS; i++)
		fprobe_close(e->grp[i].probe);
	if (e->mon)
		nl_socket_free(e->mon);
	fnh_close(e->nh);
	if (e->tfd >= 0)
		close(e->tfd);
	if (e->ioc >= 0)
		close(e->ioc);
	free(e);
}

int ffe_install(struct ffe *e)
{
	uint32_t i;
	int ret = 0;

	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		if (!e->cfg.no_install && ffe_execute(g, true) && !ret)
			ret = g->last_error;
		if (g->probe)
			fprobe_start(g->probe);
	}
	ffe_arm(e);
	return ret;
}

int ffe_fds(const struct ffe *e, int *fds, int max)
{
	int n = 0;
	uint32_t i;

	if (n < max)
		fds[n++] = nl_socket_get_fd(e->mon);
	if (n < max)
		fds[n++] = e->tfd;
	for (i = 0; i < e->cfg.n_groups && n < max; i++)
		if (e->grp[i].probe)
			fds[n++] = fprobe_fd(e->grp[i].probe);
	return n;
}

static void ffe_timer(struct ffe *e)
{
	uint64_t exp, now = ffe_now();
	uint32_t i;

	if (read(e->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	for (i = 0; i < e->cfg.n_groups; i++) {
		struct ffe_grp *g = &e->grp[i];

		fabric_fo_tick(&g->fo, now, &e->res);
		if (e->res.changed || e->res.n_trans || g->dirty)
			ffe_apply(g, &e->res, now);
		/* Second step of a blind restore: the real idle timer. */
		if (g->settle_at && (int64_t)(now - g->settle_at) >= 0 &&
		    ffe_execute(g, false))
			g->settle_at = now + FFE_RETRY_NS;
	}
	ffe_arm(e);
}

void ffe_dispatch(struct ffe *e, int fd)
{
	uint32_t i;
	int ret;

	if (fd == nl_socket_get_fd(e->mon)) {
		ret = nl_recvmsgs_default(e->mon);
		if (ret == -NLE_NOMEM || ret == -NLE_MSG_OVERFLOW)
			ffe_resync(e);
		return;
	}
	if (fd == e->tfd) {
		ffe_timer(e);
		return;
	}
	for (i = 0; i < e->cfg.n_groups; i++) {
		if (e->grp[i].probe && fd == fprobe_fd(e->grp[i].probe)) {
			fprobe_run(e->grp[i].probe);
			return;
		}
	}
}

int ffe_drain(struct ffe *e, uint32_t group, uint32_t path, bool on)
{
	struct ffe_grp *g;
	uint64_t now = ffe_now();
	int ret;

	if (group >= e->cfg.n_groups)
		return -EINVAL;
	g = &e->grp[group];
	ret = on ? fabric_fo_drain(&g->fo, path, now, &e->res) :
		   fabric_fo_undrain(&g->fo, path, now, &e->res);
	if (ret)
		return ret;
	ffe_apply(g, &e->res, now);
	return 0;
}

int ffe_path_signal(struct ffe *e, uint32_t group, uint32_t path,
		    uint32_t signal, uint64_t now, uint64_t lag)
{
	struct ffe_grp *g;

	if (group >= e->cfg.n_groups)
		return -EINVAL;
	g = &e->grp[group];
	if (path >= g->cfg.n_paths ||
	    (signal != FABRIC_FO_SIG_GAP_BURST &&
	     signal != FABRIC_FO_SIG_SILENCE &&
	     signal != FABRIC_FO_SIG_PROBE_OK))
		return -EINVAL;
	ffe_signal(g, 1U << path, signal, now, lag);
	return 0;
}

uint32_t ffe_n_groups(const struct ffe *e)
{
	return e->cfg.n_groups;
}

int ffe_group_status(const struct ffe *e, uint32_t group,
		     struct ffe_group_status *st)
{
	const struct ffe_grp *g;

	if (group >= e->cfg.n_groups)
		return -EINVAL;
	g = &e->grp[group];
	memset(st, 0, sizeof(*st));
	st->name = g->cfg.name;
	st->nhg_id = g->cfg.nh.id;
	st->n_paths = g->cfg.n_paths;
	st->desired = fabric_fo_members(&g->fo);
	st->installed = g->installed;
	st->dirty = g->dirty;
	st->last_error = g->last_error;
	memcpy(st->last_error_msg, g->last_error_msg, sizeof(st->last_error_msg));
	st->failovers = g->failovers;
	st->restores = g->restores;
	st->exec_errors = g->exec_errors;
	st->fo = &g->fo;
	st->paths = g->cfg.path;
	return 0;
}

const struct ffe_hist *ffe_hist(const struct ffe *e)
{
	return &e->hist;
}

uint32_t ffe_log(const struct ffe *e, struct ffe_event *out, uint32_t max)
{
	uint64_t first = e->log_n > FFE_LOG_LEN ? e->log_n - FFE_LOG_LEN : 0;
	uint32_t n = 0;

	if (e->log_n - first > max)
		first = e->log_n - max;
	for (; first < e->log_n; first++)
		out[n++] = e->log[first % FFE_LOG_LEN];
	return n;
}

const struct fprobe_stats *ffe_probe_stats(const struct ffe *e, uint32_t group)
{
	if (group >= e->cfg.n_groups || !e->grp[group].probe)
		return NULL;
	return fprobe_stats(e->grp[group].probe);
}

int ffe_find_path(const struct ffe *e, const char *name, uint32_t *group,
		  uint32_t *path)
{
	uint32_t i, p;

	for (i = 0; i < e->cfg.n_groups; i++)
		for (p = 0; p < e->grp[i].cfg.n_paths; p++)
			if (!strcmp(e->grp[i].cfg.path[p].name, name)) {
				*group = i;
				*path = p;
				return 0;
			}
	return -ENOENT;
}
