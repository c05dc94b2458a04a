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
#include <net/net_namespace.h>

#include "fabric_genl.h"
#include "policy.h"

struct fabric_member {
	u32 nh_id;
	u32 ifindex;
	u16 weight;
	u8 gw_family;			/* 0 (device route), AF_INET, AF_INET6 */
	union {
		__be32 gw4;
		struct in6_addr gw6;
	};
	struct fabric_path path;	/* policy state */
	bool active;			/* in the kernel group as last sent */
	bool carrier_up;		/* last carrier state seen */
	/* pending notification of a state change (work sends it) */
	bool notify;
	u8 notify_old;
	u8 notify_reason;
	u64 signal_ns;
};

struct fabric_net;
struct netlink_ext_ack;

struct fabric_group {
	struct fabric_net *fn;
	u32 id;
	u8 type;			/* enum fabric_group_type */
	u16 buckets;
	u32 idle_timer_s;
	bool has_idle_timer;
	bool synced;			/* programmed at least once */
	bool dead;			/* being destroyed: no new work */
	spinlock_t lock;		/* members' state; taken from any context */
	u32 n_members;
	struct fabric_member members[FABRIC_MAX_MEMBERS];
	struct delayed_work work;
	struct rcu_head rcu;
};

struct fabric_net {
	struct net *net;
	struct socket *rtnl_sock;	/* kernel NETLINK_ROUTE socket */
	struct mutex sock_lock;		/* one request in flight */
	u32 seq;
	struct mutex groups_lock;	/* add/del/teardown of groups */
	struct xarray groups;		/* id -> group; RCU readers */
};

/* statistics (FABRIC_STAT_*) */
extern atomic64_t fabric_stats[__FABRIC_STAT_MAX];
#define fabric_stat_inc(s)	atomic64_inc(&fabric_stats[s])

/* main.c */
extern struct workqueue_struct *fabric_wq;
extern unsigned int fabric_max_groups;
struct fabric_net *fabric_net(struct net *net);
bool fabric_kfunc_available(void);

/* group.c */
int fabric_group_add(struct fabric_net *fn, struct fabric_group *tmpl,
		     struct netlink_ext_ack *extack);
int fabric_group_del(struct fabric_net *fn, u32 id);
void fabric_groups_teardown(struct fabric_net *fn);
int fabric_path_signal(struct fabric_net *fn, u32 group_id, u32 nh_id,
		       u8 event, u8 reason);
void fabric_dev_signal(struct fabric_net *fn, int ifindex, bool carrier);
void fabric_group_work(struct work_struct *work);

/* nhsock.c: nexthop programming through the kernel rtnetlink socket */
int fabric_nhsock_init(struct fabric_net *fn);
void fabric_nhsock_release(struct fabric_net *fn);
int fabric_nh_ensure_member(struct fabric_net *fn, const struct fabric_member *m,
			    char *errmsg, size_t errlen);
int fabric_nh_replace_group(struct fabric_net *fn, const struct fabric_group *g,
			    const struct fabric_member *const *act, u32 n,
			    char *errmsg, size_t errlen);

/* genl.c */
int fabric_genl_init(void);
void fabric_genl_exit(void);
struct fabric_note {
	u32 nh_id;
	u8 old_state, new_state, reason;
	u64 signal_ns;
	u64 latency_ns;		/* 0: no replace was needed or it failed */
};
void fabric_genl_notify(struct fabric_net *fn, u32 group_id,
			const struct fabric_note *note, const u32 *active,
			u32 n_active, int err, const char *errmsg);

/* notifier.c */
int fabric_notifier_init(void);
void fabric_notifier_exit(void);

/* kfunc.c */
int fabric_kfunc_init(void);

#endif
