/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fabricd's failover: which executor runs the groups of the configuration
 * (fabric.ko when its genetlink family resolves, else fabricd's own
 * failover engine), and one read-only view of their state for the control
 * socket and the Prometheus exporter. Documentation/failover.md.
 */
#ifndef FABRICD_FAILOVER_H
#define FABRICD_FAILOVER_H

#include <pthread.h>
#include <stdbool.h>
#include <net/if.h>

#include "config.h"
#include "failover_engine.h"

#define FO_MAX_FDS	(FFE_MAX_GROUPS + 4)
#define FO_RECENT	64	/* transitions kept for `fabricctl groups` */

struct fabricd;
struct fo_kmod;

struct fo_path_view {
	char	name[FCFG_NAME_MAX];
	char	dev[IF_NAMESIZE];
	__u32	nh_id;
	int	gw_family;
	__u8	gw[16];
	bool	probe;
	__u8	state;		/* enum fabric_fo_state */
	bool	drained, carrier, installed;
	__u8	last_reason;	/* enum fabric_fo_reason */
	__u64	last_change_ns;	/* CLOCK_MONOTONIC, 0: never */
	__u64	hold_until_ns;	/* in HOLDDOWN */
	__u64	failovers, restores, flaps, ignored_stalled, ignored_local;
	__u64	kept, drains;
	/* fabricd's prober (both executors) */
	__u64	probe_sent, probe_answered, probe_missed, probe_late;
	__u64	probe_send_errors, rtt_min_ns, rtt_max_ns, rtt_sum_ns;
	__u64	probe_tx_stamped, probe_tx_fallback;	/* how RTTs were timed */
};

struct fo_group_view {
	char	name[FCFG_NAME_MAX];
	__u32	id;
	__u32	n_paths;
	__u32	desired;	/* the policy's member set, bit = path */
	__u32	installed;	/* in the kernel group as last programmed */
	bool	dirty;		/* desired not installed yet */
	__u64	failovers, restores, exec_errors, drain_refused;
	__u64	replace_timeouts, neigh_unstuck, neigh_waits;	/* engine only */
	char	last_error[256];
	struct fo_path_view path[FCFG_GROUP_MAX_PATHS];
};

struct fo_transition {
	__u64	time_ns;	/* CLOCK_MONOTONIC of the signal */
	__u64	repair_ns;	/* signal -> replace acked; 0 none */
	char	group[FCFG_NAME_MAX], path[FCFG_NAME_MAX];
	__u8	from, to, reason;
	__u32	flags;		/* FABRIC_FO_TF_* */
	int	error;
};

struct fo_view {
	bool			module;		/* fabric.ko executes */
	__u32			n_groups;
	struct fo_group_view	g[FCFG_MAX_GROUPS];
	struct ffe_hist		hist;		/* detection -> repair */
	__u64			transitions;
	__u64			probe_ticks_skipped;
};

struct fabricd_fo {
	bool			module;
	bool			fallback;	/* fabric.ko present, not usable */
	char			why[200];	/* why the executor is what it is */
	struct ffe		*eng;		/* userspace executor */
	struct fo_kmod		*km;		/* fabric.ko executor */
	int			fd[FO_MAX_FDS];
	int			nfds;
	/* owned by the main thread */
	struct fo_view		live;
	struct fo_transition	recent[FO_RECENT];
	__u64			n_recent;
	struct ffe_hist		hist;		/* module mode: from its events */
	__u64			transitions;
	bool			changed;	/* refresh the snapshot */
	/* the exporter thread reads the snapshot under lock */
	pthread_mutex_t		lock;
	struct fo_view		snap;
};

/* failover.c: executor selection, lifecycle, dispatch, drain */
int fabricd_fo_init(struct fabricd *d);
int fabricd_fo_start(struct fabricd *d);
void fabricd_fo_stop(struct fabricd *d);
void fabricd_fo_free(struct fabricd *d);
int fabricd_fo_reload(struct fabricd *d, const struct fabricd_config *old);
void fabricd_fo_dispatch(struct fabricd *d, unsigned int idx);
void fabricd_fo_tick(struct fabricd *d);
int fabricd_fo_drain(struct fabricd *d, const char *path, bool on,
		     char *msg, size_t len);

/* failover_passive.c: data-path events and traffic as signals */
struct fabric_event;
/* events.c: a data-path event -> the passive signal of its port's paths */
void fabricd_fo_passive(struct fabricd *d, const struct fabric_event *ev);
void fo_passive_sync(struct fabricd *d);
void fo_passive_tick(struct fabricd *d);
void fo_passive_reset(void);

/* failover_view.c: the recent log and the published view */
void fabricd_fo_record(struct fabricd_fo *fo, const struct fo_transition *t);
void fo_on_engine_event(void *arg, const struct ffe_event *ev);
const char *fabricd_fo_executor(const struct fabricd *d);
void fabricd_fo_refresh(struct fabricd *d);

/* failover_out.c: JSON for the control socket, metrics for the exporter */
struct json_object *fabricd_fo_groups_json(struct fabricd *d);
struct json_object *fabricd_fo_paths_json(struct fabricd *d);
struct json_object *fabricd_fo_status_json(struct fabricd *d);
struct json_object *fabricd_fo_known_paths(const struct fabricd *d);
struct fabric_metrics_buf;
int fabricd_fo_metrics(struct fabric_metrics_buf *b, void *ctx);

/* kmod.c: fabric.ko as the executor */
bool fo_kmod_present(void);
struct fo_kmod *fo_kmod_open(struct fabricd *d, char *why, size_t len);
void fo_kmod_close(struct fo_kmod *km);
int fo_kmod_fds(struct fo_kmod *km, int *fds, int max);
void fo_kmod_dispatch(struct fo_kmod *km, int fd);
int fo_kmod_view(struct fo_kmod *km, struct fo_view *v);
int fo_kmod_drain(struct fo_kmod *km, unsigned int group, unsigned int path,
		  bool on, char *msg, size_t len);
void fo_kmod_signal(struct fo_kmod *km, unsigned int group, unsigned int path,
		    int signal, __u64 lag_ns);

/* neigh.c: clear a path's INCOMPLETE/FAILED neighbour entry */
int fabricd_neigh_unstick(int ifindex, int family, const void *addr);

/* failover_cfg.c: config -> engine/module, shared by both executors */
void fo_policy_from_cfg(const struct fabricd_config *c,
			struct fabric_fo_config *pol);
void fo_group_from_cfg(const struct fabricd_config *c, int gi,
		       struct ffe_group_cfg *g);
/* Everything that decides how groups are run, comparable with memcmp. */
struct ffe_cfg *fo_engine_cfg(const struct fabricd_config *c);

#endif
