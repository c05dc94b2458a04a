/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fabricd: the daemon's state, shared by its parts. */
#ifndef FABRICD_H
#define FABRICD_H

#include <stdbool.h>
#include <time.h>
#include <json-c/json.h>

#include "config.h"
#include "fabric_abi.h"
#include "fabric_dp.h"
#include "metrics.h"

#ifndef FABRIC_VERSION
#define FABRIC_VERSION	"0.1.0"
#endif

#define FABRICD_EVENT_RING	256	/* recent events kept in memory */
#define FABRICD_MAX_CLIENTS	16
#define FABRICD_TICK_MS		1000

struct fabric_exporter;
struct ring_buffer;
struct fabricd_fo;

/* One attached interface, as fabricd attached it. */
struct fabricd_iface {
	char	name[IF_NAMESIZE];
	int	ifindex;
	bool	generic;	/* XDP in generic (skb) mode */
};

/* Sliding-window flow rates, see rates.c. */
enum fabricd_rate_metric {
	RATE_BYTES,
	RATE_PACKETS,
	RATE_CE,
	RATE_CNP,
	RATE_GAPS,
	RATE_NAKS,
	RATE_N,
};

struct fabricd_top {
	struct fabric_flow_key	key;
	double			rate;		/* per second */
	__u64			total;
};

struct fabricd_rates;

struct fabricd_client {
	int	fd;
	bool	subscribed;
	bool	root;
	unsigned int uid;	/* SO_PEERCRED, for the audit log */
	int	pid;
	char	in[1024];
	size_t	in_len;
};

struct fabricd {
	struct fabricd_config	cfg;
	const char		*config_path;
	struct fabric_dp	*dp;
	struct fabricd_iface	iface[FCFG_MAX_IFACES];
	int			n_ifaces;
	struct timespec		started;	/* CLOCK_MONOTONIC */
	time_t			started_wall;

	int			epfd;
	int			sigfd;
	int			timerfd;
	int			listenfd;
	struct ring_buffer	*rb;
	struct fabricd_client	client[FABRICD_MAX_CLIENTS];
	bool			stop;
	bool			reload;

	/* events: a bounded ring of the most recent, plus counters */
	struct fabric_event	ev_ring[FABRICD_EVENT_RING];
	unsigned int		ev_head;	/* next slot to write */
	__u64			ev_total;
	__u64			ev_by_type[3];
	__u64			ev_log_tokens_ts;	/* ms of the last refill */
	__u32			ev_log_tokens;
	__u64			ev_log_suppressed;

	struct fabricd_rates	*rates;

	bool			module_present;
	const char		*executor;
	struct fabricd_fo	*fo;		/* failover, see failover.h */

	/* Prometheus endpoint; src is handed to the exporter */
	struct fabric_exporter	*exporter;
	struct fabric_metrics_src metrics;
};

/* datapath.c */
int fabricd_dp_start(struct fabricd *d);
int fabricd_dp_reconcile(struct fabricd *d, const struct fabricd_config *old);
int fabricd_detach_all(const struct fabricd_config *c);
struct json_object *fabricd_ifaces_json(const struct fabricd *d);

/* events.c */
int fabricd_events_open(struct fabricd *d);
void fabricd_events_close(struct fabricd *d);
int fabricd_events_poll(struct fabricd *d);
struct json_object *fabric_event_json(const struct fabric_event *ev);
/* A CLOCK_MONOTONIC time as wall-clock ISO 8601 UTC, to the ms or the µs. */
void fabricd_wall_time(__u64 mono_ns, bool usec, char *buf, size_t len);
struct json_object *fabricd_events_json(const struct fabricd *d, unsigned int max);
const char *fabric_event_type_str(__u16 type);
/* An event not from the ringbuf (fabric.ko's judge); act: verdict.c acts on it */
void fabricd_event_push(struct fabricd *d, const struct fabric_event *ev, bool act);
void fabricd_kjudge_event_json(const struct fabric_event *ev, struct json_object *o);

/* rates.c */
struct fabricd_rates *fabricd_rates_new(void);
void fabricd_rates_free(struct fabricd_rates *r);
void fabricd_rates_sample(struct fabricd *d);
struct json_object *fabricd_rates_json(const struct fabricd *d);

/* control.c */
int fabricd_control_open(struct fabricd *d);
void fabricd_control_close(struct fabricd *d);
void fabricd_control_accept(struct fabricd *d);
void fabricd_control_io(struct fabricd *d, int slot);
void fabricd_control_broadcast(struct fabricd *d, struct json_object *ev);
struct json_object *fabricd_status_json(struct fabricd *d);
int fabricd_control_running(const char *sock_path);

/* logging.c */
void fabricd_log_init(void);

/* module.c */
bool fabric_module_present(void);

/* notify.c */
void fabricd_notify(const char *state);

/* main.c */
__u64 fabricd_now_ms(void);

/* gray.c: the gray-failure monitor (Documentation/gray.md) */
struct ffe;
struct gmon;
struct fabric_metrics_buf;
void fabricd_gray_attach(struct fabricd *d, struct ffe *eng);
void fabricd_gray_detach(struct fabricd *d);
void fabricd_gray_reload(struct fabricd *d);
void fabricd_gray_tick(struct fabricd *d);
/* For gmon_passive() (user/lib/gray_monitor.h); NULL while it is off. */
struct gmon *fabricd_gray_mon(struct fabricd *d);
void fabricd_gray_events_json(struct fabricd *d, struct json_object *arr,
			      unsigned int max);
struct json_object *fabricd_gray_paths_json(struct fabricd *d,
					    struct json_object *o);
int fabricd_gray_metrics(struct fabric_metrics_buf *b);

#endif
