// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric.ko's probe judge, seen from fabricd (Documentation/reroute.md,
 * "Module judge"). When the module sends a path's probes it also judges
 * them (the judge follows the sender): PROBER_ADD carries the data path's
 * probe maps and the [verdict] settings the BPF judge would get. The
 * module cannot write the data path's ringbuf, so its verdicts come as
 * PROBER_VERDICT notifications on the "events" group; each becomes the
 * same probe_verdict event a BPF verdict gives (judge "kmod"): a DOWN is
 * acted on (verdict.c tells the module's policy), a CLEAR or UNDO is
 * shown only, because the XDP answer that ended the verdict already
 * raised the data path's own event.
 *
 * A notification the module could not send, or that fabricd's socket
 * overran, is found by the 1 s PROBER_GET check: the module's verdict
 * counter ran ahead of the notifications. After an overrun at once, else
 * when the gap is still there one check later (a notification may be in
 * flight), fabricd counts the loss and, if the slot is still DOWN in the
 * data path, raises the verdict from the slot's own state.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric.skel.h"
#include "fabric_genl.h"
#include "fabric_probe.h"
#include "fabricd.h"
#include "kmod.h"
#include "log.h"
#include "metrics.h"

struct kj_slot {
	bool	ours;		/* a judged prober of this fabricd */
	bool	resync;		/* raise the verdict from the slot (tick) */
	__u64	seen;		/* module verdict counter as notified */
	__u64	suspect;	/* counter seen ahead at the last check */
	/* the module's figures at the last PROBER_GET */
	__u64	runs, late, verdicts, notes, notes_lost;
	/* the data path's slot at the last tick */
	bool	flag;		/* FABRIC_PROBE_F_KJUDGE */
	__u64	slot_runs, slot_kverdicts;
};

static struct {
	pthread_mutex_t	lock;
	bool		on;
	bool		overrun;	/* resync at the next check */
	__u64		kinds[4];	/* notifications by enum fabric_judge_verdict */
	__u64		resynced;	/* verdicts learnt from PROBER_GET */
	__u64		stale;		/* notifications already resynced */
	__u64		foreign;	/* for slots not ours */
	struct kj_slot	slot[FABRIC_PROBER_SLOTS];
} kj = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *const kind_names[] = { "none", "down", "clear", "undone" };

static struct nla_policy prober_pol[FABRIC_PROBER_A_MAX + 1] = {
	[FABRIC_PROBER_A_SLOT]			= { .type = NLA_U32 },
	[FABRIC_PROBER_A_VERDICT]		= { .type = NLA_U32 },
	[FABRIC_PROBER_A_VERDICT_NS]		= { .type = NLA_U64 },
	[FABRIC_PROBER_A_MISS_RUN]		= { .type = NLA_U32 },
	[FABRIC_PROBER_A_JUDGE]			= { .type = NLA_U32 },
	[FABRIC_PROBER_A_JUDGE_RUNS]		= { .type = NLA_U64 },
	[FABRIC_PROBER_A_JUDGE_LATE]		= { .type = NLA_U64 },
	[FABRIC_PROBER_A_JUDGE_VERDICTS]	= { .type = NLA_U64 },
	[FABRIC_PROBER_A_JUDGE_NOTES]		= { .type = NLA_U64 },
	[FABRIC_PROBER_A_JUDGE_NOTES_LOST]	= { .type = NLA_U64 },
};

static __u64 u64_or0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

/* The group and path of a slot of ours; false if none. */
static bool slot_path(const struct fo_kmod *km, __u32 slot, unsigned int *gi,
		      unsigned int *pi)
{
	unsigned int i, p;

	for (i = 0; i < km->n_groups; i++)
		for (p = 0; p < km->g[i].cfg.n_paths; p++)
			if (km->g[i].kprober[p] && km->g[i].path_probe[p] &&
			    km->g[i].probe_base + km->g[i].path_probe[p] - 1 == slot) {
				*gi = i;
				*pi = p;
				return true;
			}
	return false;
}

/* The judge's settings in a PROBER_ADD: the data path's maps and what the
 * BPF judge would get. */
int km_judge_put(struct fo_kmod *km, struct nl_msg *msg)
{
	struct fabric_bpf *skel = km->d->dp ? km->d->dp->skel : NULL;
	struct fcfg_verdict_eff e;

	if (!skel)
		return -ENODEV;
	fcfg_verdict_effective(&km->d->cfg, &e);
	if (nla_put_u32(msg, FABRIC_PROBER_A_JUDGE, 1) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_PATHS_FD,
			(__u32)bpf_map__fd(skel->maps.fabric_probe_paths)) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_HOST_FD,
			(__u32)bpf_map__fd(skel->maps.fabric_probe_host)) ||
	    nla_put_u64(msg, FABRIC_PROBER_A_TIMEOUT_NS, e.timeout_us * 1000) ||
	    nla_put_u64(msg, FABRIC_PROBER_A_STALL_TOL_NS, e.stall_tol_us * 1000) ||
	    nla_put_u64(msg, FABRIC_PROBER_A_JUDGE_NS, e.judge_us * 1000) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_MISS_K, e.miss_k) ||
	    nla_put_u32(msg, FABRIC_PROBER_A_RECOVER, e.recover))
		return -EMSGSIZE;
	return 0;
}

/* After PROBER_ADD of every path (on true) or their deletion. */
void km_judge_reset(struct fo_kmod *km, bool on)
{
	unsigned int i, p;

	pthread_mutex_lock(&kj.lock);
	memset(kj.slot, 0, sizeof(kj.slot));
	kj.on = on;
	kj.overrun = false;
	for (i = 0; on && i < km->n_groups; i++)
		for (p = 0; p < km->g[i].cfg.n_paths; p++)
			if (km->g[i].kprober[p] && km->g[i].path_probe[p])
				kj.slot[km->g[i].probe_base + km->g[i].path_probe[p] - 1].ours = true;
	pthread_mutex_unlock(&kj.lock);
}

static void push(struct fo_kmod *km, __u32 slot, __u32 mark, __u64 ns,
		 __u32 miss_run, __u64 verdicts, bool act)
{
	struct fabric_bpf *skel = km->d->dp ? km->d->dp->skel : NULL;
	struct fabric_event ev;
	unsigned int g, p;

	if (!slot_path(km, slot, &g, &p))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ns;
	ev.node_id = skel && skel->rodata ? skel->rodata->node_id : 0;
	ev.ifindex = km->g[g].cfg.path[p].nh.ifindex;
	ev.type = FABRIC_EV_PROBE_VERDICT;
	ev.qp = slot;
	ev.psn = mark == KM_EV_KJUDGE_DOWN || mark == KM_EV_KJUDGE_RESYNC ?
		 FABRIC_PROBE_V_DOWN : FABRIC_PROBE_V_NONE;
	ev.missing = miss_run;
	ev.flow_gaps = verdicts > 0xffffffffULL ? 0xffffffffU : (__u32)verdicts;
	ev.syndrome = mark;
	fabricd_event_push(km->d, &ev, act);
}

/* A PROBER_VERDICT notification (the "events" socket). */
int km_judge_msg(struct fo_kmod *km, struct nlattr **top)
{
	struct nlattr *tb[FABRIC_PROBER_A_MAX + 1];
	__u32 slot, kind, run;
	__u64 ns, verdicts;
	struct kj_slot *s;
	bool act = false, stale = false;

	if (!top[FABRIC_A_PROBER] ||
	    nla_parse_nested(tb, FABRIC_PROBER_A_MAX, top[FABRIC_A_PROBER], prober_pol) ||
	    !tb[FABRIC_PROBER_A_SLOT] || !tb[FABRIC_PROBER_A_VERDICT] ||
	    !tb[FABRIC_PROBER_A_VERDICT_NS])
		return NL_SKIP;
	slot = nla_get_u32(tb[FABRIC_PROBER_A_SLOT]);
	kind = nla_get_u32(tb[FABRIC_PROBER_A_VERDICT]);
	ns = nla_get_u64(tb[FABRIC_PROBER_A_VERDICT_NS]);
	run = tb[FABRIC_PROBER_A_MISS_RUN] ? nla_get_u32(tb[FABRIC_PROBER_A_MISS_RUN]) : 0;
	verdicts = u64_or0(tb[FABRIC_PROBER_A_JUDGE_VERDICTS]);
	if (slot >= FABRIC_PROBER_SLOTS || kind < FABRIC_JV_DOWN || kind > FABRIC_JV_UNDO)
		return NL_SKIP;
	pthread_mutex_lock(&kj.lock);
	s = &kj.slot[slot];
	if (!kj.on || !s->ours) {
		kj.foreign++;
		pthread_mutex_unlock(&kj.lock);
		return NL_OK;
	}
	if (kind == FABRIC_JV_DOWN) {
		stale = verdicts && verdicts <= s->seen;
		if (stale)
			kj.stale++;
		else
			s->seen = verdicts;
		act = !stale;
	}
	if (!stale)
		kj.kinds[kind]++;
	pthread_mutex_unlock(&kj.lock);
	if (!stale)
		push(km, slot, kind == FABRIC_JV_DOWN ? KM_EV_KJUDGE_DOWN :
		     kind == FABRIC_JV_CLEAR ? KM_EV_KJUDGE_CLEAR : KM_EV_KJUDGE_UNDO,
		     ns, run, verdicts, act);
	return NL_OK;
}

/* A PROBER_GET reply (km_sender_tick's check): the module's figures. */
int km_prober_msg(struct fo_kmod *km, struct nlattr **top)
{
	struct nlattr *tb[FABRIC_PROBER_A_MAX + 1];
	struct kj_slot *s;
	__u64 v;
	__u32 slot;

	(void)km;
	if (!top[FABRIC_A_PROBER] ||
	    nla_parse_nested(tb, FABRIC_PROBER_A_MAX, top[FABRIC_A_PROBER], prober_pol) ||
	    !tb[FABRIC_PROBER_A_SLOT] || !tb[FABRIC_PROBER_A_JUDGE] ||
	    !nla_get_u32(tb[FABRIC_PROBER_A_JUDGE]))
		return NL_OK;
	slot = nla_get_u32(tb[FABRIC_PROBER_A_SLOT]);
	if (slot >= FABRIC_PROBER_SLOTS)
		return NL_OK;
	v = u64_or0(tb[FABRIC_PROBER_A_JUDGE_VERDICTS]);
	pthread_mutex_lock(&kj.lock);
	s = &kj.slot[slot];
	s->runs = u64_or0(tb[FABRIC_PROBER_A_JUDGE_RUNS]);
	s->late = u64_or0(tb[FABRIC_PROBER_A_JUDGE_LATE]);
	s->verdicts = v;
	s->notes = u64_or0(tb[FABRIC_PROBER_A_JUDGE_NOTES]);
	s->notes_lost = u64_or0(tb[FABRIC_PROBER_A_JUDGE_NOTES_LOST]);
	if (kj.on && s->ours && v > s->seen) {
		if (kj.overrun || s->suspect == v) {
			kj.resynced += v - s->seen;
			s->seen = v;
			s->resync = true;
		} else {
			s->suspect = v;
		}
	}
	pthread_mutex_unlock(&kj.lock);
	return NL_OK;
}

/* fabricd's "events" socket overran: the next check resyncs at once. */
void km_judge_overrun(void)
{
	pthread_mutex_lock(&kj.lock);
	kj.overrun = true;
	pthread_mutex_unlock(&kj.lock);
}

/* After the check: raise the verdicts that were not notified. */
void km_judge_tick(struct fo_kmod *km)
{
	struct fabric_bpf *skel = km->d->dp ? km->d->dp->skel : NULL;
	struct fabric_probe_path pp;
	bool todo[FABRIC_PROBER_SLOTS];
	__u64 seen[FABRIC_PROBER_SLOTS];
	__u32 s;
	int fd;

	pthread_mutex_lock(&kj.lock);
	kj.overrun = false;
	for (s = 0; s < FABRIC_PROBER_SLOTS; s++) {
		todo[s] = kj.slot[s].resync;
		seen[s] = kj.slot[s].seen;
		kj.slot[s].resync = false;
	}
	pthread_mutex_unlock(&kj.lock);
	fd = skel ? bpf_map__fd(skel->maps.fabric_probe_paths) : -1;
	for (s = 0; fd >= 0 && s < FABRIC_PROBER_SLOTS; s++) {
		if (!kj.slot[s].ours || bpf_map_lookup_elem(fd, &s, &pp))
			continue;
		pthread_mutex_lock(&kj.lock);
		kj.slot[s].flag = pp.cfg.flags & FABRIC_PROBE_F_KJUDGE;
		kj.slot[s].slot_runs = pp.kjudge_runs;
		kj.slot[s].slot_kverdicts = pp.kverdicts;
		pthread_mutex_unlock(&kj.lock);
		if (!todo[s])
			continue;
		pr_warn("verdict: slot %u: fabric.ko's judge verdict #%llu was not notified; resynced from PROBER_GET (%s)\n",
			s, (unsigned long long)seen[s],
			pp.verdict == FABRIC_PROBE_V_DOWN ? "still down" : "already cleared");
		if (pp.verdict == FABRIC_PROBE_V_DOWN)
			push(km, s, KM_EV_KJUDGE_RESYNC, pp.verdict_ns, pp.miss_run,
			     seen[s], true);
	}
}

/* `fabricctl events` fields of a probe_verdict: which judge. */
void fabricd_kjudge_event_json(const struct fabric_event *ev, struct json_object *o)
{
	json_object_object_add(o, "judge", json_object_new_string(
		ev->syndrome ? "kmod" : "bpf"));
	if (ev->syndrome == KM_EV_KJUDGE_UNDO)
		json_object_object_add(o, "undone", json_object_new_boolean(true));
	if (ev->syndrome == KM_EV_KJUDGE_RESYNC)
		json_object_object_add(o, "resynced", json_object_new_boolean(true));
}

/* For `fabricctl status` (failover.kernel_verdict.kjudge). */
void km_judge_json(struct json_object *o)
{
	struct json_object *k = json_object_new_object(), *a, *e;
	__u32 s, i;

	if (!k)
		return;
	a = json_object_new_array();
	pthread_mutex_lock(&kj.lock);
	json_object_object_add(k, "on", json_object_new_boolean(kj.on));
	for (i = FABRIC_JV_DOWN; i <= FABRIC_JV_UNDO; i++)
		json_object_object_add(k, kind_names[i], json_object_new_uint64(kj.kinds[i]));
	json_object_object_add(k, "resynced", json_object_new_uint64(kj.resynced));
	json_object_object_add(k, "stale", json_object_new_uint64(kj.stale));
	json_object_object_add(k, "foreign", json_object_new_uint64(kj.foreign));
	for (s = 0; a && s < FABRIC_PROBER_SLOTS; s++) {
		const struct kj_slot *x = &kj.slot[s];

		if (!x->ours)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "slot", json_object_new_int(s));
		json_object_object_add(e, "runs", json_object_new_uint64(x->runs));
		json_object_object_add(e, "late", json_object_new_uint64(x->late));
		json_object_object_add(e, "verdicts", json_object_new_uint64(x->verdicts));
		json_object_object_add(e, "notes", json_object_new_uint64(x->notes));
		json_object_object_add(e, "notes_lost", json_object_new_uint64(x->notes_lost));
		json_object_object_add(e, "slot_kjudge", json_object_new_boolean(x->flag));
		json_object_object_add(e, "slot_kjudge_runs", json_object_new_uint64(x->slot_runs));
		json_object_object_add(e, "slot_kverdicts", json_object_new_uint64(x->slot_kverdicts));
		json_object_array_add(a, e);
	}
	pthread_mutex_unlock(&kj.lock);
	json_object_object_add(k, "slots", a);
	json_object_object_add(o, "kjudge", k);
}

/* Under the exporter lock. */
void km_judge_metrics(struct fabric_metrics_buf *b)
{
	struct fabric_metrics_label l[2] = { { "judge", "kmod" }, { "verdict", NULL } };
	__u64 lost = 0;
	__u32 i;

	pthread_mutex_lock(&kj.lock);
	fabric_metrics_header(b, "fabric_probe_verdicts_total",
			      "Verdicts of fabric.ko's probe judge that fabricd received, by kind: down, clear (recover answers), undone (an answer to a miss of the run withdrew it).",
			      "counter");
	for (i = FABRIC_JV_DOWN; i <= FABRIC_JV_UNDO; i++) {
		l[1].value = kind_names[i];
		fabric_metrics_u64(b, "fabric_probe_verdicts_total", l, 2, kj.kinds[i]);
	}
	fabric_metrics_header(b, "fabric_probe_kjudge_resynced_total",
			      "DOWN verdicts of fabric.ko's judge that fabricd learnt from PROBER_GET's counter instead of a notification.",
			      "counter");
	fabric_metrics_u64(b, "fabric_probe_kjudge_resynced_total", NULL, 0, kj.resynced);
	for (i = 0; i < FABRIC_PROBER_SLOTS; i++)
		lost += kj.slot[i].ours ? kj.slot[i].notes_lost : 0;
	fabric_metrics_header(b, "fabric_probe_kjudge_notes_lost",
			      "Verdict notifications fabric.ko's judges of fabricd's probers could not queue or send (as of the last PROBER_GET).",
			      "gauge");
	fabric_metrics_u64(b, "fabric_probe_kjudge_notes_lost", NULL, 0, lost);
	pthread_mutex_unlock(&kj.lock);
}
