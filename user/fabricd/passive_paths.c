// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Passive evidence per failover path (Documentation/gray.md, "Passive
 * evidence"): once a tick, the data path's evidence charged to each
 * path's device (bpf/flow_path.h: PSN gaps and their missing PSNs, NAKs
 * (PSN sequence error), retransmissions; fabric_pathev) and the RoCE
 * packets the device sent, as deltas. fabricd keeps totals per (group,
 * path), so the exported counters only grow while a device comes and
 * goes, and exports them as fabric_path_passive_*_total.
 */
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "fabric.skel.h"
#include "fabricd.h"
#include "fabricd_int.h"
#include "failover.h"
#include "gray_monitor.h"
#include "log.h"
#include "metrics.h"
#include "passive_paths.h"

/* What one path's device has counted, summed over CPUs. */
struct pp_count {
	__u64	packets;	/* RoCE frames sent (port tx_roce_packets) */
	__u64	lost;
	__u64	naks;
	__u64	retransmits;
	__u64	fallback;
};

struct pp_path {
	__u32		ifindex;	/* of the last read, 0: none */
	struct pp_count	last;		/* raw counts at the last read */
	struct pp_count	total;		/* fabricd's totals */
};

static struct pp_path pp[FCFG_MAX_GROUPS][FCFG_GROUP_MAX_PATHS];
static __u64 pp_unattributed;	/* gap/NAK events left on their arrival port */
static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;

/* Evidence charged to @ifindex as a path, summed over CPUs. */
static int read_port(const struct fabricd *d, __u32 ifindex, struct pp_count *c)
{
	struct fabric_path_evidence *v;
	struct fabric_port_counters pc;
	int ncpus = libbpf_num_possible_cpus(), cpu, err = 0;

	memset(c, 0, sizeof(*c));
	if (!d->dp || !ifindex || ifindex >= FABRIC_PORT_SLOTS || ncpus <= 0)
		return -ENOENT;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(d->dp->skel->maps.fabric_pathev),
				&ifindex, v)) {
		err = -errno;
		goto out;
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		c->lost += v[cpu].lost;
		c->naks += v[cpu].naks_seq;
		c->retransmits += v[cpu].retransmits;
		c->fallback += v[cpu].fallback;
	}
	if (!fabric_maps_port(&d->dp->maps, ifindex, &pc))
		c->packets = pc.tx_roce_packets;
out:
	free(v);
	return err;
}

/* A counter that went backwards (maps removed, device renumbered) restarts. */
static __u64 delta(__u64 now, __u64 last)
{
	return now >= last ? now - last : 0;
}

/*
 * The loss this tick's evidence shows: a NAK and the retransmission it
 * causes, or a gap seen here, are often one loss seen twice; so the
 * largest of the three, and at least as many packets as losses.
 */
static void feed_gray(struct fabricd *d, int g, int p, const struct pp_count *dc,
		      __u64 now_ns)
{
	__u64 lost = dc->lost, packets = dc->packets;

	if (dc->naks > lost)
		lost = dc->naks;
	if (dc->retransmits > lost)
		lost = dc->retransmits;
	if (packets < lost)
		packets = lost;
	if (packets)
		gmon_passive(fabricd_gray_mon(d), g, p, packets, lost, now_ns);
}

/*
 * Once a tick: read every path's device and add what it counted since the
 * last read, and hand the deltas to the gray monitor. The first read of a
 * device only sets the baseline.
 */
void fo_passive_paths_tick(struct fabricd *d, __u32 (*ifindex_of)(int g, int p),
			   __u64 now_ns)
{
	int g, p;

	for (g = 0; g < d->cfg.n_groups && g < FCFG_MAX_GROUPS; g++) {
		for (p = 0; p < d->cfg.group[g].n_paths; p++) {
			struct pp_path *x = &pp[g][p];
			__u32 ifi = ifindex_of(g, p);
			struct pp_count c, dc = { 0 };

			if (read_port(d, ifi, &c)) {
				x->ifindex = 0;
				continue;
			}
			pthread_mutex_lock(&pp_lock);
			if (x->ifindex == ifi) {
				dc.packets = delta(c.packets, x->last.packets);
				dc.lost = delta(c.lost, x->last.lost);
				dc.naks = delta(c.naks, x->last.naks);
				dc.retransmits = delta(c.retransmits, x->last.retransmits);
				dc.fallback = delta(c.fallback, x->last.fallback);
				x->total.packets += dc.packets;
				x->total.lost += dc.lost;
				x->total.naks += dc.naks;
				x->total.retransmits += dc.retransmits;
				x->total.fallback += dc.fallback;
			}
			x->ifindex = ifi;
			x->last = c;
			pthread_mutex_unlock(&pp_lock);
			feed_gray(d, g, p, &dc, now_ns);
		}
	}
}

void fo_passive_paths_unattributed(void)
{
	__atomic_fetch_add(&pp_unattributed, 1, __ATOMIC_RELAXED);
}

void fo_passive_paths_reset(void)
{
	pthread_mutex_lock(&pp_lock);
	memset(pp, 0, sizeof(pp));
	pthread_mutex_unlock(&pp_lock);
}

static const struct {
	const char	*name;
	const char	*help;
	size_t		off;
} pp_families[] = {
	{ "fabric_path_passive_packets_total",
	  "RoCE packets sent by the path's device (the traffic its passive evidence is about).",
	  offsetof(struct pp_count, packets) },
	{ "fabric_path_passive_lost_total",
	  "PSNs missing in PSN gaps of flows whose requests leave by the path.",
	  offsetof(struct pp_count, lost) },
	{ "fabric_path_passive_naks_total",
	  "NAKs (PSN sequence error) answering requests that left by the path.",
	  offsetof(struct pp_count, naks) },
	{ "fabric_path_passive_retransmits_total",
	  "Retransmission episodes (request PSN went backwards) of flows that leave by the path.",
	  offsetof(struct pp_count, retransmits) },
	{ "fabric_path_passive_fallback_total",
	  "Evidence charged to the path's device as its arrival port because the flow's path was unknown or ambiguous.",
	  offsetof(struct pp_count, fallback) },
};

/* The exporter's extension hook: called under the exporter lock. */
int fo_passive_paths_metrics(struct fabric_metrics_buf *b, const struct fabricd *d)
{
	struct fabric_metrics_label l[2] = { { "group", NULL }, { "path", NULL } };
	unsigned int i;
	int g, p;

	if (!d->cfg.n_groups)
		return 0;
	pthread_mutex_lock(&pp_lock);
	for (i = 0; i < sizeof(pp_families) / sizeof(pp_families[0]); i++) {
		fabric_metrics_header(b, pp_families[i].name, pp_families[i].help,
				      "counter");
		for (g = 0; g < d->cfg.n_groups && g < FCFG_MAX_GROUPS; g++) {
			for (p = 0; p < d->cfg.group[g].n_paths; p++) {
				const struct pp_count *t = &pp[g][p].total;

				l[0].value = d->cfg.group[g].name;
				l[1].value = d->cfg.path_[d->cfg.group[g].path[p]].name;
				fabric_metrics_u64(b, pp_families[i].name, l, 2,
						   *(const __u64 *)((const char *)t +
								    pp_families[i].off));
			}
		}
	}
	pthread_mutex_unlock(&pp_lock);
	fabric_metrics_header(b, "fabric_passive_events_unattributed_total",
			      "Gap and NAK(seq) events whose flow's path was unknown, taken as evidence about their arrival port.",
			      "counter");
	fabric_metrics_u64(b, "fabric_passive_events_unattributed_total", NULL, 0,
			   __atomic_load_n(&pp_unattributed, __ATOMIC_RELAXED));
	return b->err;
}

/* The exporter's hook: the existing families, then these. */
int fabricd_extra_metrics_passive(struct fabric_metrics_buf *b, void *ctx)
{
	int err = fabricd_extra_metrics(b, ctx);

	if (err < 0)
		return err;
	return fo_passive_paths_metrics(b, ctx);
}

static const char *path_how_str(__u32 how)
{
	switch (how) {
	case FABRIC_PATH_FLOW:
		return "flow";
	case FABRIC_PATH_PAIR:
		return "pair";
	case FABRIC_PATH_AMBIGUOUS:
		return "ambiguous";
	default:
		return "none";
	}
}

/*
 * Where a gap or NAK event's evidence went: the path its flow takes, or
 * (path_how "none" or "ambiguous") its arrival port.
 */
void fo_passive_event_json(const struct fabric_event *ev, struct json_object *o)
{
	char ifn[IF_NAMESIZE];
	__u32 ifi = ev->path_ifindex ? ev->path_ifindex : ev->ifindex;

	if (!if_indextoname(ifi, ifn))
		snprintf(ifn, sizeof(ifn), "#%u", ifi);
	json_object_object_add(o, "path_ifindex", json_object_new_uint64(ifi));
	json_object_object_add(o, "path_ifname", json_object_new_string(ifn));
	json_object_object_add(o, "path_how",
			       json_object_new_string(path_how_str(ev->path_how)));
}
