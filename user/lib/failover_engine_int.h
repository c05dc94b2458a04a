/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The failover engine's insides, shared by its files:
 *   failover_engine.c         lifecycle, loop (fds, dispatch, timer)
 *   failover_engine_exec.c    policy result -> replace, event log, hooks
 *   failover_engine_carrier.c verdict source: rtnetlink carrier
 *   failover_engine_probe.c   verdict source: echo probes
 *   failover_engine_worker.c  replaces in a thread, with a deadline
 *   failover_engine_status.c  read-only accessors
 * A verdict source is one struct ffe_source in ffe_sources[] (see
 * failover_engine.c): its fds, what to do when one is readable, and
 * calls of ffe_verdict() with what it concluded.
 */
#ifndef FABRIC_FAILOVER_ENGINE_INT_H
#define FABRIC_FAILOVER_ENGINE_INT_H

#include "failover_engine.h"

struct nl_sock;
struct ffe_worker;

/* One replace, as the worker runs it. */
struct ffe_job {
	uint32_t group;
	struct fnh_group nh;
	uint32_t want, before, held;
	bool reconcile, blind, done;
	uint64_t t_detect;
	int ret;			/* fnh_apply() */
	uint64_t t_start_ns, t_done_ns;
	char msg[256];			/* fnh_error() when ret < 0 */
};

#define FFE_REPLACE_DEADLINE_NS	250000000ULL

struct ffe_grp {
	struct ffe *e;
	uint32_t idx;
	struct ffe_group_cfg cfg;
	struct fabric_fo_group fo;
	struct fprobe *probe;
	uint32_t probe_path[FNH_MAX_MEMBERS];	/* probe index -> path */
	uint32_t path_probe[FNH_MAX_MEMBERS];	/* path -> probe index+1 */
	uint32_t probe_base;	/* probe index 0's node-wide slot */
	uint32_t installed;
	bool dirty;
	uint64_t settle_at;	/* second step of a blind restore, 0 none */
	int last_error;
	char last_error_msg[256];
	uint64_t failovers, restores, exec_errors;
	uint64_t neigh_unstuck;	/* stale neighbour entries cleared */
	uint64_t neigh_waits;	/* restores held for an unresolved gateway */
	uint64_t resolve_since[FNH_MAX_MEMBERS];
	uint64_t replace_timeouts;	/* replaces past their deadline */
};

struct ffe {
	struct ffe_cfg cfg;
	struct fnh_ctx *nh;
	struct nl_sock *mon;		/* carrier source */
	int tfd;			/* hold-down expiry and retries */
	int ioc;			/* ioctl socket for link flags */
	struct ffe_grp grp[FFE_MAX_GROUPS];
	struct ffe_hist hist;
	struct ffe_event log[FFE_LOG_LEN];
	uint64_t log_n;
	struct fabric_fo_result res;	/* scratch */
	struct ffe_hook hook[FFE_MAX_HOOKS];
	uint32_t n_hooks;
	struct ffe_worker *worker;	/* replaces, with a deadline */
	ffe_probe_obs probe_obs;	/* ffe_probe_observer() */
	void *probe_obs_arg;
};

/*
 * A verdict source. open() runs once per engine after the groups are set
 * up (per-group state lives in struct ffe_grp), start() when the engine
 * starts running, resync() when the engine may have missed signals, and
 * dispatch() for every readable fd: it returns true when the fd was its.
 */
struct ffe_source {
	const char *name;
	int (*open)(struct ffe *e);
	void (*close)(struct ffe *e);
	void (*start)(struct ffe *e);
	void (*resync)(struct ffe *e);
	int (*fds)(const struct ffe *e, int *fds, int max);
	bool (*dispatch)(struct ffe *e, int fd);
};

extern const struct ffe_source ffe_src_carrier;
extern const struct ffe_source ffe_src_probe;
extern const struct ffe_source ffe_src_worker;

/* Run a replace in the worker: 0 done (*job has the result), -ETIMEDOUT
 * (still running: ffe_replace_late() gets it), -EBUSY (one is). */
int ffe_worker_run(struct ffe *e, struct ffe_job *job);
bool ffe_worker_busy(const struct ffe *e);
void ffe_replace_late(struct ffe *e, const struct ffe_job *job);

uint64_t ffe_now(void);
/* One signal for paths (bit = path) of a group, from any source. */
void ffe_verdict(struct ffe_grp *g, uint32_t paths, uint32_t signal,
		 uint64_t now, uint64_t lag);
/* Act on a policy result in e->res (or a pending retry). */
void ffe_apply(struct ffe_grp *g, const struct fabric_fo_result *res,
	       uint64_t t_detect);
int ffe_execute(struct ffe_grp *g, bool reconcile);
void ffe_arm(struct ffe *e);
void ffe_resync(struct ffe *e);

#endif
