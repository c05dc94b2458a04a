/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fabric.ko as fabricd's executor: state shared by kmod.c (registration,
 * probes, passive signals), kmod_nl.c (requests) and kmod_reply.c (replies
 * and events). Documentation/netlink-api.md.
 */
#ifndef FABRICD_KMOD_H
#define FABRICD_KMOD_H

#include <stdbool.h>
#include <linux/types.h>

#include "failover.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

struct nl_msg;
struct nl_sock;
struct nlattr;
struct fnh_ctx;

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
	__u32			probe_base;	/* node-wide slot of probe 0 */
	bool			fprobe_started;	/* fabricd's prober runs */
	bool			kprober[FNH_MAX_MEMBERS];	/* module's runs */
	struct km_seen {
		bool	valid;
		__u64	answered, missed, stalled;
	}			seen[FNH_MAX_MEMBERS];	/* slot counters, gray */
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
	__u64			passive_sent;	/* gap, silence, proof of life */
	__u32			next_slot;	/* probed paths so far */
	unsigned int		kprobers;	/* module probers added */
	bool			ksender;	/* the module sends the probes */
	bool			want_kmod;	/* as [verdict] said at last look */
};

/* kmod.c */
bool km_if_carrier(const char *ifname);
void km_probe_set(struct km_grp *g, __u32 path, bool on);

/* kmod_nl.c: requests to the module */
struct nl_sock *km_sock(struct fo_kmod *km);
void km_set_callbacks(struct fo_kmod *km);
struct nl_msg *km_msg(struct fo_kmod *km, int cmd, int flags);
int km_transact(struct fo_kmod *km, struct nl_msg *msg, bool dump);
int km_put_config(struct nl_msg *msg, const struct fabric_fo_config *c);
int km_group_add(struct fo_kmod *km, const struct km_grp *g);
int km_simple(struct fo_kmod *km, int cmd, __u32 group, __u32 nh);
int km_path_event(struct fo_kmod *km, const struct km_grp *g, __u32 path,
		  int signal, __u64 lag_ns);

/* kprober.c: who sends the probes ([verdict] probe_sender) */
struct fabric_metrics_buf;
struct json_object;
void km_sender_start(struct fo_kmod *km);
void km_sender_stop(struct fo_kmod *km);
void km_sender_tick(struct fo_kmod *km);
int km_kprober_slot(const struct fo_kmod *km, unsigned int group, unsigned int path);
void fabricd_probe_sender_engine(const struct fabricd *d, bool probes);
void fabricd_probe_sender_json(struct json_object *o);
void fabricd_probe_sender_metrics(struct fabric_metrics_buf *b);

/* kprober_events.c: fabric.ko's judge of the module's probes */
/* fabric_event.syndrome of a probe_verdict raised from it (0: the data path's) */
#define KM_EV_KJUDGE_DOWN	1
#define KM_EV_KJUDGE_CLEAR	2
#define KM_EV_KJUDGE_UNDO	3
#define KM_EV_KJUDGE_RESYNC	4	/* a DOWN learnt from PROBER_GET */
int km_judge_put(struct fo_kmod *km, struct nl_msg *msg);
void km_judge_reset(struct fo_kmod *km, bool on);
int km_judge_msg(struct fo_kmod *km, struct nlattr **tb);
int km_prober_msg(struct fo_kmod *km, struct nlattr **tb);
void km_judge_overrun(void);
void km_judge_tick(struct fo_kmod *km);
void km_judge_json(struct json_object *o);
void km_judge_metrics(struct fabric_metrics_buf *b);

/* kmod_reply.c: replies and events */
int km_valid_cb(struct nl_msg *msg, void *arg);
int km_registered(struct fo_kmod *km, const struct km_grp *g, char *diff,
		  size_t len);

#endif
