// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ringbuf events: consumed from the epoll loop, kept in a fixed ring of the
 * most recent ones, streamed to subscribers, and logged through a token
 * bucket so a burst of PSN gaps cannot flood the journal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "fabricd.h"
#include "failover.h"
#include "fabric_probe.h"
#include "flow_rows.h"
#include "log.h"
#include "loop.h"
#include "passive_paths.h"
#include "reroute_fabricd.h"

const char *fabric_event_type_str(__u16 type)
{
	switch (type) {
	case FABRIC_EV_PSN_GAP:
		return "psn_gap";
	case FABRIC_EV_NAK:
		return "nak";
	case FABRIC_EV_SILENCE:
		return "silence";
	case FABRIC_EV_PROBE_VERDICT:
		return "probe_verdict";
	default:
		return "unknown";
	}
}

static const char *nak_str(__u8 syndrome)
{
	if ((syndrome >> 5) == ROCE_AETH_RNR_NAK)
		return "RNR NAK";
	if ((syndrome >> 5) == ROCE_AETH_NAK)
		return (syndrome & 0x1f) == ROCE_NAK_PSN_SEQ_ERR ?
		       "NAK (PSN sequence error)" : "NAK";
	return "NAK";
}

/* Token bucket: cfg.event_log_burst lines per minute. */
static bool may_log(struct fabricd *d)
{
	__u64 now = fabricd_now_ms(), burst = d->cfg.event_log_burst, add;

	if (!burst)
		return false;
	add = (now - d->ev_log_tokens_ts) * burst / 60000;
	if (add) {
		d->ev_log_tokens = d->ev_log_tokens + add > burst ? burst :
				   d->ev_log_tokens + add;
		d->ev_log_tokens_ts = now;
	}
	if (!d->ev_log_tokens) {
		d->ev_log_suppressed++;
		return false;
	}
	d->ev_log_tokens--;
	return true;
}

static void log_event(struct fabricd *d, const struct fabric_event *ev)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];

	if (ev->type == FABRIC_EV_PROBE_VERDICT || !may_log(d))
		return;		/* verdict.c logs its own */
	if (!if_indextoname(ev->ifindex, ifn))
		snprintf(ifn, sizeof(ifn), "#%u", ev->ifindex);
	fabric_addr_str(ev->family, ev->src, src, sizeof(src));
	fabric_addr_str(ev->family, ev->dst, dst, sizeof(dst));
	if (ev->type == FABRIC_EV_PSN_GAP)
		pr_warn("%s: PSN gap %s -> %s qp %u: psn %u, expected %u, %u missing (flow: %u gaps)\n",
			ifn, src, dst, ev->qp, ev->psn, ev->expected_psn,
			ev->missing, ev->flow_gaps);
	else if (ev->type == FABRIC_EV_NAK)
		pr_warn("%s: %s %s -> %s qp %u: psn %u (flow: %u NAKs)\n", ifn,
			nak_str(ev->syndrome), src, dst, ev->qp, ev->psn,
			ev->flow_naks);
	else if (ev->type == FABRIC_EV_SILENCE)
		pr_warn("%s: silent: no RoCE frame for %u ms (timer %u us late; port: %u silences)\n",
			ifn, ev->missing / 1000, ev->expected_psn, ev->flow_gaps);
	else
		pr_warn("%s: unknown event type %u\n", ifn, ev->type);
}

static void event_in(struct fabricd *d, const struct fabric_event *ev, bool act)
{
	struct json_object *o;

	d->ev_ring[d->ev_head % FABRICD_EVENT_RING] = *ev;
	d->ev_head++;
	d->ev_total++;
	d->ev_by_type[ev->type < 3 ? ev->type : 0]++;
	fabric_metrics_count(&d->metrics.events_received, 1);
	log_event(d, ev);
	fabricd_fo_passive(d, ev);
	if (act)
		fabricd_verdict_event(d, ev);
	o = fabric_event_json(ev);
	if (o) {
		fabricd_control_broadcast(d, o);
		json_object_put(o);
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(struct fabric_event))
		event_in(ctx, data, true);
	return 0;
}

void fabricd_event_push(struct fabricd *d, const struct fabric_event *ev, bool act)
{
	event_in(d, ev, act);
}

int fabricd_events_open(struct fabricd *d)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = TAG_RINGBUF };

	d->rb = ring_buffer__new(d->dp->maps.events_fd, on_event, d, NULL);
	if (!d->rb) {
		pr_err("cannot open the event ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(d->rb), &e)) {
		pr_err("epoll: %s\n", strerror(errno));
		return -errno;
	}
	d->ev_log_tokens = d->cfg.event_log_burst;
	d->ev_log_tokens_ts = fabricd_now_ms();
	return 0;
}

void fabricd_events_close(struct fabricd *d)
{
	if (!d->rb)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, ring_buffer__epoll_fd(d->rb), NULL);
	ring_buffer__free(d->rb);
	d->rb = NULL;
}

int fabricd_events_poll(struct fabricd *d)
{
	int n;

	if (!d->rb)
		return 0;
	n = ring_buffer__consume(d->rb);
	if (n < 0 && n != -EINTR)
		pr_err("event ring buffer: %s\n", strerror(-n));
	if (d->ev_log_suppressed && d->ev_log_tokens) {
		pr_warn("%llu events were not logged (rate limit, [log] event_burst = %u per minute); `fabricctl events` shows them\n",
			(unsigned long long)d->ev_log_suppressed, d->cfg.event_log_burst);
		d->ev_log_suppressed = 0;
	}
	return n;
}

void fabricd_wall_time(__u64 mono_ns, bool usec, char *buf, size_t len)
{
	struct timespec mono, real;
	__s64 off;
	__u64 w;
	time_t secs;
	struct tm tm;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	off = ((__s64)real.tv_sec - mono.tv_sec) * 1000000000LL +
	      (real.tv_nsec - mono.tv_nsec);
	w = (__u64)((__s64)mono_ns + off);
	secs = (time_t)(w / 1000000000ULL);
	gmtime_r(&secs, &tm);
	if (usec)
		snprintf(buf + strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm), 12,
			 ".%06lluZ", (unsigned long long)(w / 1000 % 1000000));
	else
		snprintf(buf + strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm), 12,
			 ".%03lluZ", (unsigned long long)(w / 1000000 % 1000));
}

/* Event timestamps are CLOCK_MONOTONIC; add wall-clock time for humans. */
struct json_object *fabric_event_json(const struct fabric_event *ev)
{
	struct json_object *o = json_object_new_object();
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE], t[40];

	if (!o)
		return NULL;
	fabricd_wall_time(ev->ts_ns, false, t, sizeof(t));
	if (!if_indextoname(ev->ifindex, ifn))
		snprintf(ifn, sizeof(ifn), "#%u", ev->ifindex);

	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(ev->ts_ns));
	json_object_object_add(o, "type", json_object_new_string(fabric_event_type_str(ev->type)));
	json_object_object_add(o, "ifname", json_object_new_string(ifn));
	json_object_object_add(o, "ifindex", json_object_new_uint64(ev->ifindex));
	json_object_object_add(o, "node_id", json_object_new_uint64(ev->node_id));
	if (ev->type == FABRIC_EV_PROBE_VERDICT) {
		fabricd_verdict_json(ev, o);
		fabricd_kjudge_event_json(ev, o);
		return o;
	}
	if (ev->type == FABRIC_EV_SILENCE) {
		json_object_object_add(o, "quiet_us", json_object_new_uint64(ev->missing));
		json_object_object_add(o, "lag_us", json_object_new_uint64(ev->expected_psn));
		json_object_object_add(o, "port_silences", json_object_new_uint64(ev->flow_gaps));
		json_object_object_add(o, "declared", json_object_new_uint64(ev->psn));
		return o;
	}
	json_object_object_add(o, "src", json_object_new_string(
		fabric_addr_str(ev->family, ev->src, src, sizeof(src))));
	json_object_object_add(o, "dst", json_object_new_string(
		fabric_addr_str(ev->family, ev->dst, dst, sizeof(dst))));
	json_object_object_add(o, "qp", json_object_new_uint64(ev->qp));
	json_object_object_add(o, "psn", json_object_new_uint64(ev->psn));
	if (ev->type == FABRIC_EV_PSN_GAP) {
		json_object_object_add(o, "expected_psn", json_object_new_uint64(ev->expected_psn));
		json_object_object_add(o, "missing", json_object_new_uint64(ev->missing));
	} else {
		json_object_object_add(o, "syndrome", json_object_new_uint64(ev->syndrome));
	}
	json_object_object_add(o, "flow_gaps", json_object_new_uint64(ev->flow_gaps));
	json_object_object_add(o, "flow_naks", json_object_new_uint64(ev->flow_naks));
	fo_passive_event_json(ev, o);
	return o;
}

/* The last max events, oldest first. */
struct json_object *fabricd_events_json(const struct fabricd *d, unsigned int max)
{
	struct json_object *arr = json_object_new_array();
	unsigned int n = d->ev_head < FABRICD_EVENT_RING ? d->ev_head : FABRICD_EVENT_RING;
	unsigned int i;

	if (max && max < n)
		n = max;
	for (i = d->ev_head - n; i != d->ev_head; i++)
		json_object_array_add(arr, fabric_event_json(&d->ev_ring[i % FABRICD_EVENT_RING]));
	return arr;
}
