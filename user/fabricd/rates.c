// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-flow rates over a sliding window, and the top flows by each rate.
 *
 * Every tick we scan the flow table (through its mmap) for flows seen since
 * the previous tick, and diff their counters against what we kept for
 * them. The rate is an exponentially weighted moving average whose time
 * constant is [exporter] rate_window_s. Memory is bounded: at most
 * RATES_MAX_TRACKED flows are kept (the table is twice that, two copies);
 * flows active beyond that are counted, per tick, as untracked. A tick with
 * no new packets on any port skips the scan, so an idle node costs nothing.
 * The flow table is read a window at a time (flow_window.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "fabricd.h"
#include "flow_hash.h"
#include "flow_rows.h"
#include "flow_window.h"

#define RATES_MAX_TRACKED	16384
#define RATES_SLOTS		(2 * RATES_MAX_TRACKED)	/* power of two */
#define RATES_TOP		32
#define RATE_EPSILON		1e-3

struct rate_entry {
	struct fabric_flow_key	key;
	bool			used;
	__u64			first_seen_ns;
	__u64			c[RATE_N];
	float			rate[RATE_N];
};

struct fabricd_rates {
	struct rate_entry	*tab[2];
	int			cur;
	size_t			n;		/* entries in tab[cur] */
	__u64			last_ns;
	__u64			last_port_pkts;
	__u64			untracked;	/* at the last scan */
	__u64			scans;
	struct fabric_flow_window win;
	struct fabricd_top	top[RATE_N][RATES_TOP];
	unsigned int		ntop[RATE_N];
};

static const char *const rate_names[RATE_N] = {
	"bytes", "packets", "ce", "cnp", "gaps", "naks",
};

struct fabricd_rates *fabricd_rates_new(void)
{
	struct fabricd_rates *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->tab[0] = calloc(RATES_SLOTS, sizeof(struct rate_entry));
	r->tab[1] = calloc(RATES_SLOTS, sizeof(struct rate_entry));
	if (!r->tab[0] || !r->tab[1]) {
		fabricd_rates_free(r);
		return NULL;
	}
	return r;
}

void fabricd_rates_free(struct fabricd_rates *r)
{
	if (!r)
		return;
	free(r->tab[0]);
	free(r->tab[1]);
	fabric_flow_window_free(&r->win);
	free(r);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct rate_entry *slot_for(struct rate_entry *tab,
				   const struct fabric_flow_key *k, bool *found)
{
	__u32 i = fabric_flow_hash(k) & (RATES_SLOTS - 1);

	for (;; i = (i + 1) & (RATES_SLOTS - 1)) {
		if (!tab[i].used) {
			*found = false;
			return &tab[i];
		}
		if (!memcmp(&tab[i].key, k, sizeof(*k))) {
			*found = true;
			return &tab[i];
		}
	}
}

struct scan_ctx {
	struct fabricd_rates	*r;
	struct rate_entry	*old, *new;
	__u64			since_ns;
	double			dt, alpha;
	bool			baseline;
};

static void counters(const struct fabric_flow *f, __u64 *c)
{
	c[RATE_BYTES] = f->bytes;
	c[RATE_PACKETS] = f->packets;
	c[RATE_CE] = f->ce;
	c[RATE_CNP] = f->cnp;
	c[RATE_GAPS] = f->psn_gaps;
	c[RATE_NAKS] = (__u64)f->naks_seq + f->naks_rnr + f->naks_other;
}

static int scan_flow(const struct fabric_flow *f, void *arg)
{
	struct scan_ctx *s = arg;
	struct rate_entry *o, *e;
	bool found, was;
	__u64 c[RATE_N];
	int i;

	if (f->last_seen_ns < s->since_ns)
		return 0;
	e = slot_for(s->new, &f->key, &found);
	if (found)
		return 0;	/* a racing copy of the same key */
	if (s->r->n >= RATES_MAX_TRACKED) {
		s->r->untracked++;
		return 0;
	}
	counters(f, c);
	o = slot_for(s->old, &f->key, &was);
	was = was && o->first_seen_ns == f->first_seen_ns;
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->key = f->key;
	e->first_seen_ns = f->first_seen_ns;
	for (i = 0; i < RATE_N; i++) {
		/* a flow first seen during this tick: all of it is new */
		__u64 prev = was ? o->c[i] :
			     !s->baseline && f->first_seen_ns >= s->since_ns ? 0 : c[i];
		double inst = c[i] >= prev ? (c[i] - prev) / s->dt : 0;
		double old = was ? o->rate[i] : 0;

		if (s->baseline) {
			e->c[i] = c[i];
			continue;
		}

		e->c[i] = c[i];
		e->rate[i] = old + s->alpha * (inst - old);
	}
	if (was)
		o->first_seen_ns = ~0ULL;	/* moved */
	s->r->n++;
	return 0;
}

/* Idle flows keep a decaying rate until it is negligible. */
static void carry_idle(struct scan_ctx *s)
{
	struct rate_entry *o, *e;
	bool found, live;
	size_t i;
	int k;

	for (i = 0; i < RATES_SLOTS; i++) {
		o = &s->old[i];
		if (!o->used || o->first_seen_ns == ~0ULL)
			continue;
		live = false;
		for (k = 0; k < RATE_N; k++) {
			o->rate[k] *= 1 - s->alpha;
			if (o->rate[k] > RATE_EPSILON)
				live = true;
		}
		if (!live || s->r->n >= RATES_MAX_TRACKED)
			continue;
		e = slot_for(s->new, &o->key, &found);
		if (found)
			continue;
		*e = *o;
		s->r->n++;
	}
}

static void top_insert(struct fabricd_top *top, unsigned int *n, unsigned int k,
		       const struct rate_entry *e, int m)
{
	unsigned int i;

	if (e->rate[m] <= RATE_EPSILON)
		return;
	if (*n == k && top[k - 1].rate >= e->rate[m])
		return;
	i = *n < k ? (*n)++ : k - 1;
	while (i > 0 && top[i - 1].rate < e->rate[m]) {
		top[i] = top[i - 1];
		i--;
	}
	top[i].key = e->key;
	top[i].rate = e->rate[m];
	top[i].total = e->c[m];
}

static void select_top(struct fabricd_rates *r, unsigned int k)
{
	const struct rate_entry *tab = r->tab[r->cur];
	size_t i;
	int m;

	memset(r->ntop, 0, sizeof(r->ntop));
	for (i = 0; i < RATES_SLOTS; i++) {
		if (!tab[i].used)
			continue;
		for (m = 0; m < RATE_N; m++)
			top_insert(r->top[m], &r->ntop[m], k, &tab[i], m);
	}
}

struct port_sum {
	__u64	pkts;
};

static int sum_port(__u32 ifindex, const struct fabric_port_counters *pc, void *arg)
{
	struct port_sum *s = arg;

	s->pkts += pc->rx_packets;
	return 0;
}

void fabricd_rates_sample(struct fabricd *d)
{
	struct fabricd_rates *r = d->rates;
	struct port_sum ps = {};
	struct scan_ctx s;
	__u64 now = mono_ns();
	unsigned int k = d->cfg.top_k < RATES_TOP ? d->cfg.top_k : RATES_TOP;

	if (!r || !d->dp)
		return;
	s.baseline = !r->last_ns;
	if (s.baseline) {
		/* first tick: learn the counters of recent flows, no rates yet */
		r->last_ns = now - 1000000000ULL * d->cfg.rate_window_s;
		r->last_port_pkts = ~0ULL;
	}
	fabric_maps_for_each_port(&d->dp->maps, sum_port, &ps);
	if (ps.pkts == r->last_port_pkts && !r->n) {
		/* idle and nothing left to decay: touch nothing */
		r->last_ns = now;
		memset(r->ntop, 0, sizeof(r->ntop));
		return;
	}
	s.r = r;
	s.dt = (now - r->last_ns) / 1e9;
	if (s.dt <= 0)
		return;
	s.alpha = s.dt / d->cfg.rate_window_s;
	if (s.alpha > 1)
		s.alpha = 1;
	s.since_ns = r->last_ns;
	s.old = r->tab[r->cur];
	s.new = r->tab[!r->cur];
	memset(s.new, 0, RATES_SLOTS * sizeof(*s.new));
	r->n = 0;

	if (ps.pkts != r->last_port_pkts) {
		r->untracked = 0;
		fabric_flow_window_read(&d->dp->maps, &r->win, scan_flow, &s);
		r->scans++;
	}
	r->last_port_pkts = ps.pkts;
	carry_idle(&s);
	r->cur = !r->cur;
	r->last_ns = now;
	select_top(r, k);
}

struct json_object *fabricd_rates_json(const struct fabricd *d)
{
	const struct fabricd_rates *r = d->rates;
	struct json_object *o = json_object_new_object(), *top, *arr, *f;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	unsigned int i;
	int m;

	json_object_object_add(o, "window_s", json_object_new_uint64(d->cfg.rate_window_s));
	if (!r)
		return o;
	json_object_object_add(o, "tracked", json_object_new_uint64(r->n));
	json_object_object_add(o, "tracked_max", json_object_new_uint64(RATES_MAX_TRACKED));
	json_object_object_add(o, "untracked", json_object_new_uint64(r->untracked));
	top = json_object_new_object();
	for (m = 0; m < RATE_N; m++) {
		arr = json_object_new_array();
		for (i = 0; i < r->ntop[m]; i++) {
			const struct fabricd_top *t = &r->top[m][i];
			__u8 fam = fabric_flow_key_family(&t->key);

			f = json_object_new_object();
			json_object_object_add(f, "src", json_object_new_string(
				fabric_addr_str(fam, t->key.src, src, sizeof(src))));
			json_object_object_add(f, "dst", json_object_new_string(
				fabric_addr_str(fam, t->key.dst, dst, sizeof(dst))));
			json_object_object_add(f, "qp", json_object_new_uint64(fabric_flow_key_qp(&t->key)));
			json_object_object_add(f, "per_second", json_object_new_double(t->rate));
			json_object_object_add(f, "total", json_object_new_uint64(t->total));
			json_object_array_add(arr, f);
		}
		json_object_object_add(top, rate_names[m], arr);
	}
	json_object_object_add(o, "top", top);
	return o;
}
