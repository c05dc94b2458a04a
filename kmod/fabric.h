/* SPDX-License-Identifier: GPL-2.0 */
/* fabric.ko internals shared by its compilation units. */
#ifndef FABRIC_KMOD_H
#define FABRIC_KMOD_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <net/net_namespace.h>

#include "fabric_genl.h"
#include "failover.h"
#include "prober.h"

/* Member configuration: immutable after registration. */
struct fabric_member {
	u32 nh_id;
	u32 ifindex;
	u16 weight;
	u8 gw_family;			/* 0 (device route), AF_INET, AF_INET6 */
	union {
		__be32 gw4;
		struct in6_addr gw6;
	};
};

/* A route through the group: re-installed when the kernel deleted it
 * with the group (the group's last member lost its carrier). */
struct fabric_route {
	u8 family;			/* AF_INET, AF_INET6 */
	u8 plen;
	u32 table;
	union {
		__be32 dst4;
		struct in6_addr dst6;
	};
};

/* A policy transition waiting to be multicast by the executor work. */
struct fabric_note {
	u64 signal_ns;			/* time of the signal (or tick) */
	u8 path;
	u8 from, to, reason;		/* enum fabric_fo_state / _reason */
	u8 source;			/* enum fabric_source */
	u32 flags;			/* FABRIC_FO_TF_* */
};
#define FABRIC_NOTES_MAX	64

struct fabric_net;
struct netlink_ext_ack;

struct fabric_group {
	struct rcu_head rcu;		/* first: kfree_rcu() offset limit */
	struct fabric_net *fn;
	u32 id;
	u8 type;			/* enum fabric_group_type */
	u16 buckets;
	u32 idle_timer_s;
	bool has_idle_timer;
	u32 n_members;
	struct fabric_member members[FABRIC_MAX_MEMBERS];
	u32 n_routes;
	struct fabric_route routes[FABRIC_MAX_ROUTES];

	spinlock_t lock;		/* everything below; any context */
	bool dead;			/* being destroyed: no new work */
	bool synced;			/* programmed at least once */
	u32 installed;			/* member mask as last programmed */
	u32 flushed;			/* nexthops the kernel may have deleted
					 * (carrier loss) and not re-created */
	bool routes_lost;		/* the kernel group (and its routes) may
					 * be gone: install the routes after
					 * the next successful replace */
	u64 deadline;			/* hold-down expiry the timer is set to */
	u64 replaces, replace_errors, route_restores;
	struct fabric_fo_group fo;	/* the shared policy (common/) */
	struct fabric_fo_result res;	/* scratch of the policy calls */
	u32 n_notes;
	struct fabric_note notes[FABRIC_NOTES_MAX];

	struct hrtimer timer;		/* hold-down expiry -> fabric_fo_tick */
	struct delayed_work work;	/* the executor */
};

struct fabric_net {
	struct net *net;
	struct list_head node;		/* fabric_nets (main.c) */
	struct socket *rtnl_sock;	/* kernel NETLINK_ROUTE socket */
	struct mutex sock_lock;		/* one request in flight */
	u32 seq;
	struct mutex groups_lock;	/* add/del/teardown, SET_PARAMS */
	struct xarray groups;		/* id -> group; RCU readers */
	struct fabric_fo_config cfg;	/* thresholds for new groups (under
					 * groups_lock) */
	struct fabric_probers probers;	/* probe senders, reroute map */
};

/* statistics (FABRIC_STAT_*) */
extern atomic64_t fabric_stats[__FABRIC_STAT_MAX];
#define fabric_stat_inc(s)	atomic64_inc(&fabric_stats[s])

/* main.c */
extern struct workqueue_struct *fabric_wq;
extern unsigned int fabric_max_groups;
extern bool fabric_unloading;		/* read under fn->groups_lock */
struct fabric_net *fabric_net(struct net *net);
bool fabric_kfunc_available(void);
bool fabric_group_slot_get(void);
void fabric_group_slot_put(void);

/* group.c */
int fabric_group_add(struct fabric_net *fn, struct fabric_group *tmpl,
		     const struct fabric_fo_config *cfg,
		     struct netlink_ext_ack *extack);
int fabric_group_del(struct fabric_net *fn, u32 id);
void fabric_groups_teardown(struct fabric_net *fn);
void fabric_groups_kill(struct fabric_net *fn);
int fabric_group_set_config(struct fabric_group *g,
			    const struct fabric_fo_config *cfg);
int fabric_path_signal(struct fabric_net *fn, u32 group_id, u32 nh_id,
		       u32 signal, u64 lag_ns, u8 source);
int fabric_path_drain(struct fabric_net *fn, u32 group_id, u32 nh_id,
		      bool drain);
void fabric_dev_signal(struct fabric_net *fn, int ifindex, bool carrier);
void fabric_group_work(struct work_struct *work);

/* nhsock.c: nexthop programming through the kernel rtnetlink socket */
int fabric_nhsock_init(struct fabric_net *fn);
void fabric_nhsock_release(struct fabric_net *fn);
int fabric_nh_ensure_member(struct fabric_net *fn, const struct fabric_member *m,
			    char *errmsg, size_t errlen);
int fabric_nh_replace_group(struct fabric_net *fn, const struct fabric_group *g,
			    const struct fabric_member *const *act, u32 n,
			    bool create, char *errmsg, size_t errlen);
int fabric_nh_set_route(struct fabric_net *fn, const struct fabric_route *r,
			u32 nh_id, char *errmsg, size_t errlen);

/* genl.c */
int fabric_genl_init(void);
void fabric_genl_exit(void);
void fabric_genl_notify(struct fabric_group *g, const struct fabric_note *note,
			u64 done_ns, const u32 *active, u32 n_active, int err,
			const char *errmsg);

/* notifier.c */
int fabric_notifier_init(void);
void fabric_notifier_exit(void);

/* kfunc.c */
int fabric_kfunc_init(void);

/* carrier_hook.c */
void fabric_carrier_hook_init(void);
void fabric_carrier_hook_exit(void);
void fabric_carrier_linkwatch(int ifindex);

#endif
