// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Who sends fabricd's probes when fabric.ko executes ([verdict]
 * probe_sender; Documentation/reroute.md, "Probe senders"). With the
 * module's prober, fabricd asks fabric.ko (genetlink PROBER_ADD) to send
 * every probed path's probes from an hrtimer, in fabricd's format and
 * with the slot numbering fabricd's own prober would use, and to judge
 * them from its hrtimer too (the judge follows the sender;
 * kprober_events.c); the data path stamps and matches them (verdict.c
 * writes the slots), and a verdict reaches the module's policy as
 * PATH_EVENTs. fabricd's prober
 * is opened beside it but not started: it is the fallback, started when
 * a module prober disappears (its device went away, the module is being
 * unloaded) or cannot be added. Probers are deleted (PROBER_DEL) when
 * failover stops: exit, a reload that restarts it, another executor.
 *
 * The gray monitor has no per-probe outcomes with the module sender; it
 * gets the data path's per-slot answered / confirmed-missed / stalled
 * counts at every tick instead, interleaved (no round trip: latency
 * inflation is not judged with this sender).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric.skel.h"
#include "fabric_genl.h"
#include "fabric_probe.h"
#include "fabricd.h"
#include "failover.h"
#include "gray_monitor.h"
#include "kmod.h"
#include "log.h"
#include "metrics.h"

/* What the status and the metrics show (the exporter reads it). */
static struct {
	pthread_mutex_t	lock;
	const char	*sender;	/* "kmod", "fabricd", "none" */
	char		why[400];	/* why not kmod */
	unsigned int	paths;		/* probers of the module in use */
	__u64		fallbacks;	/* kmod asked for, fabricd's used */
} ks = { .lock = PTHREAD_MUTEX_INITIALIZER, .sender = "none" };

static void ks_publish(const char *sender, unsigned int paths, bool fallback,
		       const char *why)
{
	pthread_mutex_lock(&ks.lock);
	ks.sender = sender;
	ks.paths = paths;
	ks.fallbacks += fallback;
	snprintf(ks.why, sizeof(ks.why), "%s", why ? why : "");
	pthread_mutex_unlock(&ks.lock);
}

/* fabricd's prober, started on the paths that have carrier. */
static void fabricd_sender(struct fo_kmod *km)
{
	unsigned int i, p;

	for (i = 0; i < km->n_groups; i++) {
		struct km_grp *g = &km->g[i];

		if (!g->probe || g->fprobe_started)
			continue;
		for (p = 0; p < g->cfg.n_paths; p++)
			if (g->path_probe[p])
				fprobe_enable(g->probe, g->path_probe[p] - 1,
					      g->probing[p]);
		if (!fprobe_start(g->probe))
			g->fprobe_started = true;
	}
}

/* The path's source address: configured, or the device's first one. */
static int src_addr(const struct ffe_path_cfg *pc, union fnh_addr *src)
{
	const struct fprobe_path_cfg *c = &pc->probe_cfg;
	static const union fnh_addr zero;
	struct ifaddrs *ifa, *i;
	int err = -EADDRNOTAVAIL;

	if (memcmp(&c->local, &zero, c->family == AF_INET ? 4 : 16)) {
		*src = c->local;
		return 0;
	}
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != c->family ||
		    strcmp(i->ifa_name, pc->ifname))
			continue;
		if (c->family == AF_INET) {
			src->v4 = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		} else {
			struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			src->v6 = *a;
		}
		err = 0;
		break;
	}
	freeifaddrs(ifa);
	return err;
}

static int prober_req(struct fo_kmod *km, int cmd, __u32 slot,
		      const struct km_grp *g, __u32 p)
{
	const struct fabricd_config *c = &km->d->cfg;
	struct nl_msg *msg = km_msg(km, cmd, 0);
	struct nlattr *n;
	union fnh_addr src;
	int err;

	if (!msg)
		return -ENOMEM;
	n = nla_nest_start(msg, FABRIC_A_PROBER);
	if (!n || nla_put_u32(msg, FABRIC_PROBER_A_SLOT, slot))
		goto full;
	if (cmd == FABRIC_CMD_PROBER_ADD) {
		const struct ffe_path_cfg *pc = &g->cfg.path[p];
		bool v4 = pc->probe_cfg.family == AF_INET;

		err = src_addr(pc, &src);
		if (err) {
			nlmsg_free(msg);
			snprintf(km->last_msg, sizeof(km->last_msg),
				 "no source address on %s", pc->ifname);
			return err;
		}
		if (nla_put_u32(msg, FABRIC_PROBER_A_IFINDEX, pc->nh.ifindex) ||
		    nla_put(msg, v4 ? FABRIC_PROBER_A_SRC4 : FABRIC_PROBER_A_SRC6,
			    v4 ? 4 : 16, &src) ||
		    nla_put(msg, v4 ? FABRIC_PROBER_A_DST4 : FABRIC_PROBER_A_DST6,
			    v4 ? 4 : 16, &pc->probe_cfg.peer) ||
		    nla_put_u16(msg, FABRIC_PROBER_A_DPORT, c->thr.probe_port) ||
		    nla_put_u64(msg, FABRIC_PROBER_A_INTERVAL_NS,
				(__u64)c->thr.probe_interval_us * 1000) ||
		    nla_put_u32(msg, FABRIC_PROBER_A_GROUP, g->idx) ||
		    nla_put_u32(msg, FABRIC_PROBER_A_MEMBER, p) ||
		    km_judge_put(km, msg))
			goto full;
	}
	nla_nest_end(msg, n);
	return km_transact(km, msg, false);
full:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static void probers_del(struct fo_kmod *km)
{
	unsigned int i, p;

	for (i = 0; i < km->n_groups; i++)
		for (p = 0; p < km->g[i].cfg.n_paths; p++)
			if (km->g[i].kprober[p]) {
				prober_req(km, FABRIC_CMD_PROBER_DEL,
					   km->g[i].path_probe[p] - 1 + km->g[i].probe_base,
					   &km->g[i], p);
				km->g[i].kprober[p] = false;
			}
	km->kprobers = 0;
	km_judge_reset(km, false);
}

/* Why the module's prober cannot be used, or NULL. */
static const char *why_not(const struct fo_kmod *km)
{
	const struct fabricd *d = km->d;

	if (d->cfg.verdict.probe_sender == FCFG_SENDER_FABRICD)
		return "[verdict] probe_sender = fabricd";
	if (!d->cfg.thr.probe_interval_us)
		return "no probes";
	if ((__u64)d->cfg.thr.probe_interval_us * 1000 < FABRIC_PROBER_MIN_INTERVAL_NS)
		return "probe_interval_us below the module prober's minimum";
	if (!d->cfg.verdict.kernel)
		return "[verdict] kernel = off: nobody would judge the module's probes";
	if (!d->dp || !d->dp->skel)
		return "no data path to judge the probes";
	if (km->next_slot > FABRIC_PROBER_SLOTS)
		return "more probed paths than probe slots";
	return NULL;
}

static bool dev_attached(const struct fabricd *d, __u32 ifindex)
{
	int i;

	for (i = 0; i < d->n_ifaces; i++)
		if ((__u32)d->iface[i].ifindex == ifindex)
			return true;
	return false;
}

/* PROBER_ADD for every probed path; all or none. */
static int probers_add(struct fo_kmod *km, char *why, size_t len)
{
	unsigned int i, p;
	int err;

	for (i = 0; i < km->n_groups; i++) {
		struct km_grp *g = &km->g[i];

		for (p = 0; p < g->cfg.n_paths; p++) {
			__u32 slot = g->probe_base + g->path_probe[p] - 1;

			if (!g->path_probe[p])
				continue;
			if (!dev_attached(km->d, g->cfg.path[p].nh.ifindex)) {
				snprintf(why, len, "path %s: %s is not in [datapath] interfaces, so its probes cannot be judged",
					 g->cfg.path[p].name, g->cfg.path[p].ifname);
				err = -ENODEV;
				goto undo;
			}
			err = prober_req(km, FABRIC_CMD_PROBER_ADD, slot, g, p);
			if (err == -EEXIST || err == -EBUSY) {
				/* left by a fabricd killed before it could delete it */
				prober_req(km, FABRIC_CMD_PROBER_DEL, slot, g, p);
				err = prober_req(km, FABRIC_CMD_PROBER_ADD, slot, g, p);
			}
			if (err) {
				snprintf(why, len, "PROBER_ADD for path %s: %s%s%s",
					 g->cfg.path[p].name, strerror(-err),
					 km->last_msg[0] ? ": " : "", km->last_msg);
				goto undo;
			}
			g->kprober[p] = true;
			km->kprobers++;
		}
	}
	km_judge_reset(km, true);
	return 0;
undo:
	probers_del(km);
	return err;
}

/* Called by fo_kmod_open once fabricd's probers are open (not started). */
void km_sender_start(struct fo_kmod *km)
{
	const char *why = why_not(km);
	bool asked = km->d->cfg.verdict.probe_sender == FCFG_SENDER_KMOD;
	char buf[400];

	km->want_kmod = !why;
	if (!why && !probers_add(km, buf, sizeof(buf))) {
		km->ksender = true;
		pr_info("probes: fabric.ko sends and judges the probes of %u paths (every %u us)\n",
			km->kprobers, km->d->cfg.thr.probe_interval_us);
		ks_publish("kmod", km->kprobers, false, NULL);
		return;
	}
	if (!why)
		why = buf;
	if (asked || km->want_kmod)
		pr_warn("probes: fabric.ko's prober not used (%s); fabricd sends\n", why);
	km->ksender = false;
	fabricd_sender(km);
	if (km->next_slot)
		ks_publish("fabricd", 0, asked || km->want_kmod, why);
	else
		ks_publish("none", 0, false, "no probed paths");
}

/* fabricd's engine executes: its prober sends (verdict.c calls this). */
void fabricd_probe_sender_engine(const struct fabricd *d, bool probes)
{
	bool asked = d->cfg.verdict.probe_sender == FCFG_SENDER_KMOD;

	if (!probes) {
		ks_publish("none", 0, false, "no probed paths");
		return;
	}
	if (asked)
		pr_warn("probes: [verdict] probe_sender = kmod, but fabric.ko does not execute (%s); fabricd sends\n",
			d->module_present ? "it cannot run the groups" : "not loaded");
	ks_publish("fabricd", 0, asked, "fabric.ko does not execute");
}

void km_sender_stop(struct fo_kmod *km)
{
	if (km->ksender)
		probers_del(km);
	km->ksender = false;
	ks_publish("none", 0, false, "failover stopped");
}

/* Is every module prober still there? (A device going away deletes its
 * prober; an unloading module deletes them all.) */
static bool probers_alive(struct fo_kmod *km, char *why, size_t len)
{
	unsigned int i, p;
	int err;

	for (i = 0; i < km->n_groups; i++)
		for (p = 0; p < km->g[i].cfg.n_paths; p++) {
			if (!km->g[i].kprober[p])
				continue;
			err = prober_req(km, FABRIC_CMD_PROBER_GET,
					 km->g[i].probe_base + km->g[i].path_probe[p] - 1,
					 &km->g[i], p);
			if (err) {
				snprintf(why, len, "the module's prober of path %s is gone (%s)",
					 km->g[i].cfg.path[p].name, strerror(-err));
				return false;
			}
		}
	return true;
}

/* The gray monitor's evidence with the module sender: the slot counters. */
static void gray_feed(struct fo_kmod *km, struct gmon *m)
{
	struct fabric_bpf *skel = km->d->dp ? km->d->dp->skel : NULL;
	struct fabric_probe_path pp;
	struct timespec ts;
	unsigned int i, p;
	__u64 now, a, l, s, n, k;
	__u32 slot;
	int fd;

	if (!m || !skel)
		return;
	fd = bpf_map__fd(skel->maps.fabric_probe_paths);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	for (i = 0; i < km->n_groups; i++)
		for (p = 0; p < km->g[i].cfg.n_paths; p++) {
			struct km_grp *g = &km->g[i];
			struct km_seen *sn = &g->seen[p];

			if (!g->kprober[p])
				continue;
			slot = g->probe_base + g->path_probe[p] - 1;
			if (bpf_map_lookup_elem(fd, &slot, &pp))
				continue;
			if (!sn->valid || pp.answered < sn->answered ||
			    pp.missed < sn->missed || pp.stalled < sn->stalled) {
				/* first look, or the slot was rewritten */
				*sn = (struct km_seen){ .valid = true,
					.answered = pp.answered, .missed = pp.missed,
					.stalled = pp.stalled };
				continue;
			}
			a = pp.answered - sn->answered;
			l = pp.missed - sn->missed;
			s = pp.stalled - sn->stalled;
			sn->answered = pp.answered;
			sn->missed = pp.missed;
			sn->stalled = pp.stalled;
			/* spread the misses among the answers, as they came */
			n = a + l;
			for (k = 0; k < n; k++)
				gmon_probe(m, i, p, (k + 1) * l / n > k * l / n ?
					   GMON_LOST : GMON_ANSWERED, 0, now);
			for (k = 0; k < s; k++)
				gmon_probe(m, i, p, GMON_STALLED, 0, now);
		}
}

/* fabricd's tick: fall back when a module prober went away; a reload
 * that changed probe_sender or [verdict] kernel takes effect here. */
void km_sender_tick(struct fo_kmod *km)
{
	char why[400];
	bool want;

	if (km->ksender && !probers_alive(km, why, sizeof(why))) {
		pr_warn("probes: %s; fabricd's prober takes over\n", why);
		probers_del(km);
		km->ksender = false;
		fabricd_sender(km);
		ks_publish("fabricd", 0, true, why);
		return;
	}
	if (km->ksender)
		km_judge_tick(km);
	want = !why_not(km);
	if (want != km->want_kmod) {
		pr_info("probes: [verdict] changed; choosing the sender again\n");
		if (km->ksender)
			probers_del(km);
		if (want) {
			unsigned int i;

			/* fabricd's prober pauses (its timer keeps ticking) */
			for (i = 0; i < km->n_groups; i++) {
				__u32 pi;

				for (pi = 0; km->g[i].probe && pi < km->g[i].cfg.n_paths; pi++)
					if (km->g[i].path_probe[pi])
						fprobe_enable(km->g[i].probe,
							      km->g[i].path_probe[pi] - 1, false);
			}
		}
		km_sender_start(km);
	}
	if (km->ksender)
		gray_feed(km, fabricd_gray_mon(km->d));
}

/* For `fabricctl status` (failover.kernel_verdict). */
void fabricd_probe_sender_json(struct json_object *o)
{
	pthread_mutex_lock(&ks.lock);
	json_object_object_add(o, "probe_sender", json_object_new_string(ks.sender));
	json_object_object_add(o, "module_probers", json_object_new_int(ks.paths));
	json_object_object_add(o, "sender_fallbacks", json_object_new_uint64(ks.fallbacks));
	if (ks.why[0])
		json_object_object_add(o, "sender_why", json_object_new_string(ks.why));
	pthread_mutex_unlock(&ks.lock);
	km_judge_json(o);
}

/* Under the exporter lock. */
void fabricd_probe_sender_metrics(struct fabric_metrics_buf *b)
{
	static const char *const senders[] = { "kmod", "fabricd", "none" };
	struct fabric_metrics_label l = { "sender", NULL };
	unsigned int i;

	pthread_mutex_lock(&ks.lock);
	fabric_metrics_header(b, "fabric_probe_sender",
			      "1 for the sender of fabricd's probes: kmod (fabric.ko's hrtimer), fabricd (its userspace prober) or none.",
			      "gauge");
	for (i = 0; i < 3; i++) {
		l.value = senders[i];
		fabric_metrics_u64(b, "fabric_probe_sender", &l, 1,
				   !strcmp(ks.sender, senders[i]));
	}
	fabric_metrics_header(b, "fabric_probe_sender_fallbacks_total",
			      "Times fabric.ko's prober was wanted but fabricd's prober sent instead.",
			      "counter");
	fabric_metrics_u64(b, "fabric_probe_sender_fallbacks_total", NULL, 0, ks.fallbacks);
	pthread_mutex_unlock(&ks.lock);
	km_judge_metrics(b);
}

/* The data path's slot of a path whose probes the module sends, or -1. */
int km_kprober_slot(const struct fo_kmod *km, unsigned int group, unsigned int path)
{
	const struct km_grp *g;

	if (!km || !km->ksender || group >= km->n_groups ||
	    path >= km->g[group].cfg.n_paths)
		return -1;
	g = &km->g[group];
	return g->kprober[path] ? (int)(g->probe_base + g->path_probe[path] - 1) : -1;
}
