// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd's side of the kernel-side probe verdict (bpf/probe_verdict.h,
 * Documentation/reroute.md "Kernel-side probe verdict"). fabricd owns the
 * probe slots: one per probed path of its groups, numbered as the
 * engine's prober numbers its probes (ffe_probe_slot()). The data path
 * stamps the probes, matches the answers and judges misses on its own
 * timer; a DOWN verdict has already moved the member's flows (the
 * reroute map) when its ringbuf event arrives here. This file turns the
 * event into policy evidence, so that hysteresis, the local and last-path
 * rules and the hold-down decide and the executor replaces the group:
 *
 *   DOWN  -> "detected" at once (frr_poll), then probe misses up to the
 *            policy's probe_miss_threshold; if the policy keeps the
 *            member, the override is withdrawn: the policy has the last
 *            word on where traffic goes.
 *   clear -> answers up to recover_probes (the hold-down still runs).
 *
 * With fabric.ko as the executor the data path judges only when the
 * module sends the probes (kprober.c): its verdicts then go to the
 * module's policy as PATH_EVENTs, and the module replaces the group.
 * With fabricd's prober, fabricd's own judge reports to the module.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric.skel.h"
#include "fabric_genl.h"
#include "fabric_probe.h"
#include "fabricd.h"
#include "failover.h"
#include "kmod.h"
#include "log.h"
#include "reroute_fabricd.h"

struct vd_slot {
	bool	used;
	int	group, path;
	char	name[FCFG_NAME_MAX];
};

static struct {
	struct fabricd	*d;
	bool		running;	/* between start and stop */
	bool		want;		/* [verdict] kernel as last acted on */
	bool		on;		/* slots written, judge on */
	bool		reroute;	/* slots carry FABRIC_PROBE_F_REROUTE */
	bool		kmod;		/* slots are fabric.ko's probers' */
	int		n;
	struct vd_slot	slot[FABRIC_PROBE_SLOTS];
	/* counters since start, for the log and the status */
	__u64		downs, clears, withdrawn, foreign, silences;
} vd;

static int paths_fd(const struct fabricd *d)
{
	return d->dp && d->dp->skel ?
	       bpf_map__fd(d->dp->skel->maps.fabric_probe_paths) : -1;
}

/* Write a fresh slot (state and counters zero; the kernel cancels a
 * running timer on update). cfg NULL: unused. */
static int slot_write(int fd, __u32 slot, const struct fabric_probe_path_cfg *cfg)
{
	struct fabric_probe_path p;

	memset(&p, 0, sizeof(p));
	if (cfg)
		p.cfg = *cfg;
	return bpf_map_update_elem(fd, &slot, &p, 0) ? -errno : 0;
}

static bool dev_attached(const struct fabricd *d, __u32 ifindex)
{
	int i;

	for (i = 0; i < d->n_ifaces; i++)
		if ((__u32)d->iface[i].ifindex == ifindex)
			return true;
	return false;
}

/* The judge's settings; [verdict] values of 0 follow [thresholds]. */
static void judge_settings(struct fabricd *d)
{
	const struct fcfg_thresholds *t = &d->cfg.thr;
	const struct fcfg_verdict *v = &d->cfg.verdict;
	struct fabric_bpf *skel = d->dp ? d->dp->skel : NULL;
	__u64 timeout_us, judge_us;

	if (!skel || !skel->bss || !skel->data)
		return;
	/* a silence alarm is a verdict too (bpf/silence.h) */
	skel->bss->silence_reroute = vd.running && vd.want && vd.reroute &&
				     d->fo && d->fo->eng;
	/* off: left alone, another owner (fabric.ko's prober) may use it */
	if (!vd.on)
		return;
	timeout_us = v->timeout_us ? v->timeout_us :
		     t->probe_timeout_us ? t->probe_timeout_us :
		     3ULL * t->probe_interval_us;
	judge_us = v->judge_us ? v->judge_us : t->probe_interval_us;
	if (t->probe_interval_us &&
	    timeout_us >= (__u64)FABRIC_PROBE_RING * t->probe_interval_us)
		pr_warn("verdict: a %llu us timeout keeps more than %d probes per path in flight, and the data path remembers %d: unanswered probes will end as stalled, never as misses; set a timeout below %llu us\n",
			(unsigned long long)timeout_us, FABRIC_PROBE_RING,
			FABRIC_PROBE_RING,
			(unsigned long long)FABRIC_PROBE_RING * t->probe_interval_us);
	if (judge_us * 1000 < FABRIC_PROBE_JUDGE_MIN_NS)
		judge_us = FABRIC_PROBE_JUDGE_MIN_NS / 1000;
	skel->data->probe_timeout_ns = timeout_us * 1000;
	skel->data->probe_stall_tol_ns = (__u64)t->stall_tolerance_us * 1000;
	skel->data->probe_judge_ns = judge_us * 1000;
	skel->data->probe_miss_k = v->miss_k ? v->miss_k : t->probe_miss_threshold;
	skel->data->probe_recover = v->recover ? v->recover : t->recover_probes;
	skel->data->probe_judge_timer = 1;
	skel->bss->probe_verdict_port = htons(t->probe_port);
}

static const char *why_off(const struct fabricd *d)
{
	if (!d->cfg.verdict.kernel)
		return "[verdict] kernel = off";
	if (!d->fo || (!d->fo->eng && !(d->fo->km && d->fo->km->ksender)))
		return d->fo && d->fo->km ?
		       "fabric.ko executes, fabricd's prober judges and reports to it" :
		       "no failover";
	if (!d->cfg.thr.probe_interval_us)
		return "no probes";
	if (paths_fd(d) < 0)
		return "no data path";
	return NULL;
}

static void slots_open(struct fabricd *d)
{
	struct fabric_probe_path_cfg cfg;
	const char *why;
	int fd, g, p, s, err;

	why = why_off(d);
	if (why) {
		if (d->cfg.n_groups)
			pr_info("verdict: kernel-side probe verdict off (%s)\n", why);
		return;
	}
	fd = paths_fd(d);
	for (g = 0; g < d->cfg.n_groups; g++) {
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			const struct fcfg_path *cp = &d->cfg.path_[d->cfg.group[g].path[p]];

			s = d->fo->eng ? ffe_probe_slot(d->fo->eng, g, p) :
			    km_kprober_slot(d->fo->km, g, p);
			if (s < 0)
				continue;
			if (s >= FABRIC_PROBE_SLOTS) {
				pr_warn("verdict: path %s: more than %d probed paths; fabricd's prober alone judges it\n",
					cp->name, FABRIC_PROBE_SLOTS);
				continue;
			}
			memset(&cfg, 0, sizeof(cfg));
			cfg.ifindex = cp->dev[0] ? if_nametoindex(cp->dev) : (__u32)cp->ifindex;
			cfg.group = g;
			cfg.member = p;
			cfg.flags = vd.reroute ? FABRIC_PROBE_F_REROUTE : 0;
			if (!cfg.ifindex || !dev_attached(d, cfg.ifindex)) {
				pr_warn("verdict: path %s: its device is not in [datapath] interfaces; fabricd's prober alone judges it\n",
					cp->name);
				continue;
			}
			err = slot_write(fd, s, &cfg);
			if (err) {
				pr_warn("verdict: path %s: slot %d: %s\n", cp->name, s,
					strerror(-err));
				continue;
			}
			vd.slot[s] = (struct vd_slot){ .used = true, .group = g, .path = p };
			snprintf(vd.slot[s].name, sizeof(vd.slot[s].name), "%s", cp->name);
			vd.n++;
		}
	}
	if (!vd.n)
		return;
	vd.on = true;
	vd.kmod = !d->fo->eng;
	judge_settings(d);
	pr_info("verdict: the data path judges the probes of %d paths%s\n", vd.n,
		vd.reroute ? " and reroutes at a verdict" : "");
}

static void slots_close(struct fabricd *d)
{
	int fd = paths_fd(d), s;

	if (vd.on && d->dp && d->dp->skel && d->dp->skel->bss)
		d->dp->skel->bss->probe_verdict_port = 0;
	vd.on = false;
	judge_settings(d);
	for (s = 0; s < FABRIC_PROBE_SLOTS; s++) {
		if (vd.slot[s].used && fd >= 0)
			slot_write(fd, s, NULL);
		vd.slot[s].used = false;
	}
	vd.n = 0;
	vd.kmod = false;
}

/* After the executor started (reroute: the data-path reroute runs). */
void fabricd_verdict_start(struct fabricd *d, bool reroute)
{
	fabricd_verdict_stop(d);
	vd.d = d;
	vd.running = true;
	vd.reroute = reroute;
	vd.want = d->cfg.verdict.kernel;
	slots_open(d);
	if (d->fo && d->fo->eng)
		fabricd_probe_sender_engine(d, d->cfg.thr.probe_interval_us &&
					    d->cfg.n_paths);
}

/* Slots cleared, the judge off: exit, reload, another executor. */
void fabricd_verdict_stop(struct fabricd *d)
{
	slots_close(d);
	vd.running = false;
	vd.downs = vd.clears = vd.withdrawn = vd.foreign = vd.silences = 0;
}

/*
 * fabricd's tick: a reload that changed only [verdict] (failover keeps
 * running) takes effect here, and so does a reloaded data path, whose
 * fresh programs start with the judge off.
 */
void fabricd_verdict_sync(struct fabricd *d)
{
	struct fo_kmod *km = d->fo ? d->fo->km : NULL;

	if (km)
		km_sender_tick(km);
	if (vd.running && (d->cfg.verdict.kernel != vd.want ||
			   (km && vd.on != km->ksender))) {
		vd.want = d->cfg.verdict.kernel;
		slots_close(d);
		slots_open(d);
	}
	judge_settings(d);
}

static double since_us(__u64 ts_ns)
{
	struct timespec now;
	__u64 t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
	return t > ts_ns ? (t - ts_ns) / 1e3 : 0;
}

/* One signal, count times while it can still change something. */
static void feed(struct ffe *e, int g, int p, __u32 sig, __u32 count, __u64 ts)
{
	struct ffe_group_status st;
	__u32 i;

	for (i = 0; i < count; i++) {
		if (ffe_group_status(e, g, &st))
			return;
		if (sig == FABRIC_FO_SIG_PROBE_MISS &&
		    st.fo->path[p].state == FABRIC_FO_DOWN)
			return;
		if (sig == FABRIC_FO_SIG_PROBE_OK && !st.fo->path[p].soft_fail &&
		    !st.fo->path[p].miss_run && st.fo->path[p].state != FABRIC_FO_DOWN)
			return;
		ffe_path_signal(e, g, p, sig, ts, 0);
	}
}

/*
 * After the policy had the data path's verdict: if it keeps the member
 * (local, last path kept, drained ...), the data path must not move it;
 * if the kernel group no longer holds it, the override goes after the
 * read-back. Otherwise the replace in flight will clear it.
 */
static void reconcile(struct fabricd *d, int g, int p, const char *name)
{
	struct ffe_group_status st;

	if (ffe_group_status(d->fo->eng, g, &st))
		return;
	if (st.desired & (1U << p)) {
		vd.withdrawn++;
		pr_info("verdict: path %s: the policy keeps it in the group; override withdrawn\n",
			name);
		fabricd_reroute_restored(d, g, p);
	} else if (!(st.installed & (1U << p))) {
		fabricd_reroute_replaced(d, g);
	}
	fabricd_fo_refresh(d);
}

/* A silence alarm that declared members down (psn: how many). */
static void silence_verdict(struct fabricd *d, const struct fabric_event *ev)
{
	int g, p;

	if (!ev->psn || !vd.running || !d->fo || !d->fo->eng)
		return;
	vd.silences++;
	fabricd_reroute_poll(d);
	for (g = 0; g < d->cfg.n_groups; g++)
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			const struct fcfg_path *cp = &d->cfg.path_[d->cfg.group[g].path[p]];
			__u32 ifi = cp->dev[0] ? if_nametoindex(cp->dev) : (__u32)cp->ifindex;

			if (ifi == ev->ifindex)
				reconcile(d, g, p, cp->name);
		}
}

/*
 * fabric.ko executes: the verdict goes to its policy as the same run of
 * signals, on the PATH_EVENT socket; the module's transition event then
 * drives the replace and the reroute stages (kmod_reply.c).
 */
static void kmod_verdict(struct fabricd *d, const struct fabric_event *ev,
			 int g, int p, const char *name)
{
	struct fo_kmod *km = d->fo->km;
	bool down = ev->psn == FABRIC_PROBE_V_DOWN;
	__u32 i, n = down ? km->pol.probe_miss_k : km->pol.recover_probes;

	if (down) {
		vd.downs++;
		pr_info("verdict: path %s down in the data path (%u confirmed misses; read %.1f us after it); told fabric.ko\n",
			name, ev->missing, since_us(ev->ts_ns));
		fabricd_reroute_poll(d);
	} else {
		vd.clears++;
		pr_info("verdict: path %s answers again in the data path; told fabric.ko\n",
			name);
	}
	for (i = 0; i < (n ? n : 1); i++)
		fo_kmod_signal(km, g, p, down ? FABRIC_SIG_PROBE_MISS :
			       FABRIC_SIG_PROBE_OK, 0);
}

void fabricd_verdict_event(struct fabricd *d, const struct fabric_event *ev)
{
	struct ffe_group_status st;
	const char *name;
	struct ffe *e;
	__u32 bit;
	int g, p;

	if (ev->type == FABRIC_EV_SILENCE)
		silence_verdict(d, ev);
	if (ev->type != FABRIC_EV_PROBE_VERDICT)
		return;
	if (!vd.on || ev->qp >= FABRIC_PROBE_SLOTS || !vd.slot[ev->qp].used ||
	    !d->fo || (!d->fo->eng && !d->fo->km)) {
		vd.foreign++;
		return;
	}
	e = d->fo->eng;
	g = vd.slot[ev->qp].group;
	p = vd.slot[ev->qp].path;
	bit = 1U << p;
	name = vd.slot[ev->qp].name;
	if (!e) {
		kmod_verdict(d, ev, g, p, name);
		return;
	}
	if (ev->psn == FABRIC_PROBE_V_DOWN) {
		vd.downs++;
		pr_info("verdict: path %s down in the data path (%u confirmed misses; read %.1f us after it)\n",
			name, ev->missing, since_us(ev->ts_ns));
		/* the data path declared it: report "detected" now, not at the tick */
		fabricd_reroute_poll(d);
		/* the kernel's run is a full run of misses for the policy */
		feed(e, g, p, FABRIC_FO_SIG_PROBE_MISS,
		     d->cfg.thr.probe_miss_threshold, ev->ts_ns);
		reconcile(d, g, p, name);
		return;
	}
	vd.clears++;
	pr_info("verdict: path %s answers again in the data path\n", name);
	feed(e, g, p, FABRIC_FO_SIG_PROBE_OK, d->cfg.thr.recover_probes, ev->ts_ns);
	if (!ffe_group_status(e, g, &st) && (st.desired & bit))
		fabricd_reroute_restored(d, g, p);
	fabricd_fo_refresh(d);
}

/* `fabricctl events` fields of a FABRIC_EV_PROBE_VERDICT. */
void fabricd_verdict_json(const struct fabric_event *ev, struct json_object *o)
{
	const struct vd_slot *s = ev->qp < FABRIC_PROBE_SLOTS ? &vd.slot[ev->qp] : NULL;

	json_object_object_add(o, "slot", json_object_new_uint64(ev->qp));
	if (s && s->used)
		json_object_object_add(o, "path", json_object_new_string(s->name));
	json_object_object_add(o, "verdict", json_object_new_string(
		ev->psn == FABRIC_PROBE_V_DOWN ? "down" : "up"));
	json_object_object_add(o, "misses", json_object_new_uint64(ev->missing));
	json_object_object_add(o, "verdicts", json_object_new_uint64(ev->flow_gaps));
}

/* The data path's counters of each judged slot (whoever sends). */
static struct json_object *slots_json(void)
{
	struct json_object *a = json_object_new_array(), *o;
	struct fabric_probe_path pp;
	int fd = vd.d ? paths_fd(vd.d) : -1;
	__u32 s;

	for (s = 0; a && fd >= 0 && s < FABRIC_PROBE_SLOTS; s++) {
		if (!vd.slot[s].used || bpf_map_lookup_elem(fd, &s, &pp))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "slot", json_object_new_int(s));
		json_object_object_add(o, "path", json_object_new_string(vd.slot[s].name));
		json_object_object_add(o, "sent", json_object_new_uint64(pp.sent));
		json_object_object_add(o, "answered", json_object_new_uint64(pp.answered));
		json_object_object_add(o, "missed", json_object_new_uint64(pp.missed));
		json_object_object_add(o, "stalled", json_object_new_uint64(pp.stalled));
		json_object_object_add(o, "verdicts", json_object_new_uint64(pp.verdicts));
		json_object_object_add(o, "down", json_object_new_boolean(
			pp.verdict == FABRIC_PROBE_V_DOWN));
		json_object_array_add(a, o);
	}
	return a;
}

/* For `fabricctl status`. */
struct json_object *fabricd_verdict_status_json(void)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "slots", slots_json());
	json_object_object_add(o, "kernel", json_object_new_boolean(vd.on));
	json_object_object_add(o, "paths", json_object_new_int(vd.n));
	json_object_object_add(o, "reroute", json_object_new_boolean(vd.on && vd.reroute));
	json_object_object_add(o, "downs", json_object_new_uint64(vd.downs));
	json_object_object_add(o, "clears", json_object_new_uint64(vd.clears));
	json_object_object_add(o, "withdrawn", json_object_new_uint64(vd.withdrawn));
	json_object_object_add(o, "foreign", json_object_new_uint64(vd.foreign));
	json_object_object_add(o, "silence_verdicts", json_object_new_uint64(vd.silences));
	json_object_object_add(o, "executor_fabric_ko", json_object_new_boolean(vd.on && vd.kmod));
	fabricd_probe_sender_json(o);
	return o;
}
