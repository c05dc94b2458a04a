/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's probe sender (kmod/prober.c, configured by kmod/genl_probe.c)
 * and its hold on the data path's reroute map (kmod/carrier_hook.c writes
 * carrier verdicts through it). Documentation/kmod.md, "Module prober".
 */
#ifndef FABRIC_KMOD_PROBER_H
#define FABRIC_KMOD_PROBER_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/hrtimer.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include "fabric_genl.h"
#include "fabric_probe.h"

struct net;
struct net_device;
struct sk_buff;
struct bpf_map;
struct fabric_rr;
struct fabric_net;
struct genl_info;
struct netlink_callback;
struct netlink_ext_ack;

/* What a PROBER_ADD asks for (validated by genl_probe.c). */
struct fabric_prober_cfg {
	u32 slot;		/* payload path field, < FABRIC_PROBER_SLOTS */
	u32 ifindex;
	u8 family;		/* AF_INET, AF_INET6 */
	union {
		__be32 v4;
		struct in6_addr v6;
	} src, dst;
	__be16 sport, dport;
	u64 interval_ns;
	u32 group, member;	/* the reroute map's indexes, for reports */
};

/* Counters of one prober; only its timer writes them. */
struct fabric_prober_stats {
	u64 sent, tx_errors, late, skipped, no_neigh, seq;
};

/* Counters of one judge; only its timer writes them. */
struct fabric_judge_stats {
	u64 runs, late, lag_max_ns, lag_sum_ns, verdicts;
};

/* A verdict waiting for the notification work (PROBER_VERDICT). */
struct fabric_judge_note {
	u64 ns;			/* the verdict's time, or the clearing answer's */
	u64 verdicts;		/* the judge's DOWN verdicts so far */
	u32 kind;		/* enum fabric_judge_verdict */
	u32 miss_run;
};

#define FABRIC_JUDGE_NOTES	8	/* queued between two work runs */

/*
 * The module's judge of one slot (kmod/prober_judge.c): a hard hrtimer
 * running common/probe_judge.h on the data path's own map entries, under
 * their bpf_spin_lock. Set up by PROBER_ADD with FABRIC_PROBER_A_JUDGE.
 * Its verdicts are multicast on "events" from a work item (the timer runs
 * in hard irq, where genetlink cannot send).
 */
struct fabric_judge {
	struct hrtimer timer;		/* hard, absolute */
	struct bpf_map *paths, *host;	/* held with bpf_map_get() */
	struct fabric_probe_path *pv;	/* this slot's entry */
	struct fabric_probe_host *hv;	/* the node-wide entry */
	struct fabric_probe_judge_cfg cfg;
	ktime_t period;
	u32 slot;
	struct fabric_judge_stats st;
	struct fabric_probers *fp;	/* for the reroute map */
	struct net *net;		/* fp's namespace: notifications */
	bool down;			/* our DOWN verdict stands (timer only) */
	u64 fv;				/* false_verdicts when we declared it */
	struct work_struct note_work;
	raw_spinlock_t note_lock;	/* notes[], note_n; timer and work */
	u32 note_n;
	struct fabric_judge_note notes[FABRIC_JUDGE_NOTES];
	atomic64_t notes_sent, notes_lost;
};

struct fabric_prober {
	struct hrtimer timer;		/* soft, absolute: the send tick */
	struct fabric_prober_cfg cfg;
	struct net_device *dev;		/* held (dev_hold) while we exist */
	struct sk_buff *tmpl;		/* the frame, L2 to payload */
	ktime_t interval;
	struct fabric_prober_stats st;
	struct fabric_judge *judge;	/* NULL: the bpf_timer judges */
};

/* What a PROBER_ADD asks of the judge (validated by genl_probe.c). */
struct fabric_judge_req {
	bool on;
	struct bpf_map *paths, *host;	/* references the request owns */
	struct fabric_probe_judge_cfg cfg;
};

/* The data path's reroute map, held with bpf_map_get(). */
struct fabric_rr_ref {
	struct bpf_map *map;
	struct fabric_rr *rr;		/* the array's element 0: never moves */
};

/* Per network namespace, embedded in struct fabric_net. */
struct fabric_probers {
	struct mutex lock;		/* slot[], rr updates; taken under RTNL
					 * by the notifier, so never take RTNL
					 * while holding it */
	struct fabric_prober *slot[FABRIC_PROBER_SLOTS];
	struct fabric_rr_ref __rcu *rr;
	bool stopped;			/* module unload: no new probers */
};

/* prober.c */
int fabric_probers_init(void);		/* module: device notifier */
void fabric_probers_exit(void);
void fabric_probers_net_init(struct fabric_net *fn);
void fabric_probers_net_exit(struct fabric_net *fn);
void fabric_probers_stop(struct fabric_net *fn);	/* unload, step 1 */
int fabric_prober_add(struct fabric_net *fn, const struct fabric_prober_cfg *c,
		      struct fabric_judge_req *jr, struct netlink_ext_ack *extack);
int fabric_prober_del(struct fabric_net *fn, u32 slot);
int fabric_prober_rr_set(struct fabric_net *fn, struct bpf_map *map,
			 struct netlink_ext_ack *extack);
/* carrier_hook.c: declare every member on ifindex down; any context */
u32 fabric_rr_carrier_down(struct fabric_net *fn, int ifindex, u64 now);

/* prober_judge.c */
struct fabric_judge *fabric_judge_new(struct fabric_probers *fp, u32 slot,
				      struct fabric_judge_req *jr,
				      struct netlink_ext_ack *extack);
void fabric_judge_start(struct fabric_judge *j);
void fabric_judge_free(struct fabric_judge *j);

/* genl_probe.c */
extern const struct nla_policy fabric_prober_policy[FABRIC_PROBER_A_MAX + 1];
int fabric_cmd_prober_add(struct sk_buff *skb, struct genl_info *info);
int fabric_cmd_prober_del(struct sk_buff *skb, struct genl_info *info);
int fabric_cmd_prober_get(struct sk_buff *skb, struct genl_info *info);
int fabric_dump_probers(struct sk_buff *skb, struct netlink_callback *cb);
int fabric_cmd_rr_map_set(struct sk_buff *skb, struct genl_info *info);
int fabric_judge_notify(struct net *net, u32 slot, const struct fabric_judge_note *n);

#endif
