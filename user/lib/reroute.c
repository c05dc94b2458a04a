// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Data-path reroute: mirror groups into the shared map, declare and
 * withdraw overrides, and follow each verdict through its stages
 * (detected, rerouted, replaced, cleared). See reroute.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "log.h"
#include "reroute_int.h"

uint64_t frr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t frr_hist_bound_ns(uint32_t i)
{
	return i < FRR_HIST_BUCKETS ? (1000ULL << i) : ~0ULL;
}

const char *frr_stage_name(uint32_t stage)
{
	static const char *const n[FRR_STAGES] = {
		"detected", "rerouted", "replaced", "cleared",
	};

	return stage < FRR_STAGES ? n[stage] : "unknown";
}

const char *frr_source_name(uint32_t source)
{
	static const char *const n[] = {
		"engine", "bpf", "kmod", "carrier", "admin",
	};

	return source < sizeof(n) / sizeof(n[0]) ? n[source] : "unknown";
}

struct frr *frr_open(const char *pin_dir, frr_event_cb cb, void *arg)
{
	struct frr *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return NULL;
	r->cb = cb;
	r->arg = arg;
	err = frr_load(r, pin_dir);
	if (!err) {
		r->nh = fnh_open();
		if (!r->nh)
			err = -errno ? -errno : -ENOMEM;
	}
	if (err) {
		frr_close(r);
		errno = -err;
		return NULL;
	}
	return r;
}

void frr_close(struct frr *r)
{
	if (!r)
		return;
	frr_unload(r);
	fnh_close(r->nh);
	free(r);
}

static void hist_add(struct frr_hist *h, uint64_t ns)
{
	uint32_t i;

	for (i = 0; i < FRR_HIST_BUCKETS && ns > frr_hist_bound_ns(i); i++)
		;
	h->count[i]++;
	h->sum_ns += ns;
	h->n++;
}

static struct fabric_rr_member *frr_mb(struct frr *r, uint32_t gi, uint32_t pi)
{
	return &r->rr->grp[gi].m[pi];
}

static void emit(struct frr *r, uint32_t gi, uint32_t pi, uint32_t stage,
		 uint64_t t)
{
	struct frr_track *tr = &r->tr[gi][pi];
	struct frr_event ev = {
		.time_ns = t, .verdict_ns = tr->verdict_ns, .group = gi,
		.path = pi, .gen = tr->gen, .stage = stage, .source = tr->source,
		.redirected = frr_mb(r, gi, pi)->redirected - tr->redirected0,
	};

	if (tr->done & (1U << stage))
		return;
	tr->done |= 1U << stage;
	r->st.stage[stage]++;
	if (stage != FRR_DETECTED)
		hist_add(&r->st.lat[stage], t > tr->verdict_ns ? t - tr->verdict_ns : 0);
	if (r->cb)
		r->cb(r->arg, &ev);
}

/* Follow a verdict word that says "down" (a new generation starts a new
 * sequence). */
static void adopt(struct frr *r, uint32_t gi, uint32_t pi, uint64_t word,
		  uint64_t now)
{
	struct frr_track *tr = &r->tr[gi][pi];
	uint32_t gen = fabric_rr_gen(word);

	if (tr->active && tr->gen == gen)
		return;
	memset(tr, 0, sizeof(*tr));
	tr->active = true;
	tr->gen = gen;
	tr->source = (word >> FABRIC_RR_V_SRC_SHIFT) & FABRIC_RR_V_SRC_MASK;
	tr->verdict_ns = fabric_rr_time(word, now);
	tr->redirected0 = frr_mb(r, gi, pi)->redirected;
	emit(r, gi, pi, FRR_DETECTED, tr->verdict_ns);
}

/* The first packet of the tracked verdict left on a survivor? */
static void check_rerouted(struct frr *r, uint32_t gi, uint32_t pi, uint64_t now)
{
	struct frr_track *tr = &r->tr[gi][pi];
	uint64_t f = frr_mb(r, gi, pi)->first_tx;

	if (tr->active && (f & FABRIC_RR_F_VALID) && fabric_rr_gen(f) == tr->gen)
		emit(r, gi, pi, FRR_REROUTED, fabric_rr_time(f, now));
}

/* The clear protocol of common/fabric_reroute.h. */
static bool clear_override(struct frr *r, uint32_t gi, uint32_t pi, uint64_t now)
{
	struct fabric_rr_member *mb = frr_mb(r, gi, pi);
	uint32_t slot = fabric_rr_slot(gi, pi), w = slot / 64;
	uint64_t bit = 1ULL << (slot % 64), v = mb->verdict;

	if (!(v & FABRIC_RR_V_DOWN))
		return false;
	if (__sync_val_compare_and_swap(&mb->verdict, v, v & ~FABRIC_RR_V_DOWN) != v)
		return false;
	mb->cleared_ns = now;
	__sync_fetch_and_and(&r->rr->down[w], ~bit);
	if (__atomic_load_n(&mb->verdict, __ATOMIC_SEQ_CST) & FABRIC_RR_V_DOWN)
		__sync_fetch_and_or(&r->rr->down[w], bit);
	__sync_fetch_and_add(&r->rr->cleared, 1);
	return true;
}

static int mac_of(int ifindex, uint8_t *mac)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (fd < 0 || !if_indextoname(ifindex, ifr.ifr_name))
		goto out;
	if (!ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		ret = 0;
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* IPv4 neighbour MAC from /proc/net/arp (this netns), complete entries. */
static int arp_of(int ifindex, const uint8_t *gw, uint8_t *mac)
{
	char line[256], ip[64], hw[64], dev[IF_NAMESIZE + 8], want[INET_ADDRSTRLEN];
	char ifn[IF_NAMESIZE];
	unsigned int type, flags, b[6], i;
	FILE *f;
	int ret = -1;

	if (!if_indextoname(ifindex, ifn) || !inet_ntop(AF_INET, gw, want, sizeof(want)))
		return -1;
	f = fopen("/proc/net/arp", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s 0x%x 0x%x %63s %*s %23s", ip, &type, &flags, hw, dev) != 5)
			continue;
		if (strcmp(ip, want) || strcmp(dev, ifn) || !(flags & 0x2))
			continue;
		if (sscanf(hw, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
			continue;
		for (i = 0; i < 6; i++)
			mac[i] = (uint8_t)b[i];
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static void set_member(struct frr *r, uint32_t gi, uint32_t pi,
		       const struct fnh_member *m, const struct fnh_member *b,
		       uint8_t backup)
{
	struct fabric_rr_member *mb = frr_mb(r, gi, pi);
	uint32_t slot = fabric_rr_slot(gi, pi);

	if (mb->nh_id != m->id || mb->ifindex != m->ifindex) {
		/* a different nexthop now: nothing of the old one applies */
		__atomic_store_n(&mb->verdict, 0, __ATOMIC_SEQ_CST);
		__sync_fetch_and_and(&r->rr->down[slot / 64], ~(1ULL << (slot % 64)));
		mb->first_tx = 0;
		memset(&r->tr[gi][pi], 0, sizeof(r->tr[gi][pi]));
	}
	mb->nh_id = m->id;
	mb->ifindex = m->ifindex;
	mb->family = m->family;		/* AF_INET/AF_INET6 == FABRIC_AF_* */
	memset(mb->gw, 0, sizeof(mb->gw));
	memcpy(mb->gw, &m->gw, m->family == AF_INET ? 4 : 16);
	mb->backup = backup;
	memset(mb->backup_gw, 0, sizeof(mb->backup_gw));
	memset(mb->backup_dmac, 0, 6);
	memset(mb->backup_smac, 0, 6);
	if (!b) {
		mb->backup_ifindex = 0;
		mb->backup_family = 0;
		return;
	}
	mb->backup_ifindex = b->ifindex;
	mb->backup_family = b->family;
	memcpy(mb->backup_gw, &b->gw, b->family == AF_INET ? 4 : 16);
	/* the XDP step's fallback when the kernel's entry is missing */
	if (b->family == AF_INET && !arp_of(b->ifindex, mb->backup_gw, mb->backup_dmac) &&
	    mac_of(b->ifindex, mb->backup_smac))
		memset(mb->backup_dmac, 0, 6);
}

/* Rebuild the per-port slot index word by word: readers see whole words. */
static void rebuild_ports(struct frr *r)
{
	static uint64_t port[FABRIC_RR_PORTS][FABRIC_RR_SLOTS / 64];
	uint32_t g, i, p, w;

	memset(port, 0, sizeof(port));
	for (g = 0; g < FABRIC_RR_MAX_GROUPS; g++) {
		if (!r->have[g])
			continue;
		for (i = 0; i < r->grp[g].n_members; i++) {
			p = r->grp[g].m[i].ifindex;
			if (p < FABRIC_RR_PORTS)
				port[p][fabric_rr_slot(g, i) / 64] |=
					1ULL << (fabric_rr_slot(g, i) % 64);
		}
	}
	for (p = 0; p < FABRIC_RR_PORTS; p++)
		for (w = 0; w < FABRIC_RR_SLOTS / 64; w++)
			if (r->rr->port[p][w] != port[p][w])
				__atomic_store_n(&r->rr->port[p][w], port[p][w],
						 __ATOMIC_RELEASE);
}

int frr_mirror(struct frr *r, uint32_t gi, const struct fnh_group *nh)
{
	struct fabric_rr_group *g;
	uint32_t i, n, b;

	if (gi >= FABRIC_RR_MAX_GROUPS || !nh->n_members)
		return -EINVAL;
	n = nh->n_members;
	if (n > FABRIC_RR_MAX_MEMBERS) {
		r->st.not_mirrored += n - FABRIC_RR_MAX_MEMBERS;
		n = FABRIC_RR_MAX_MEMBERS;
	}
	g = &r->rr->grp[gi];
	__atomic_store_n(&g->flags, 0, __ATOMIC_SEQ_CST);	/* readers: skip */
	for (i = 0; i < n; i++) {
		if (nh->m[i].ifindex >= FABRIC_RR_PORTS)
			r->st.not_mirrored++;
		/* the next member round the ring: survivors share the load
		 * of several failures instead of one taking all */
		b = (i + 1) % n;
		set_member(r, gi, i, &nh->m[i], b != i ? &nh->m[b] : NULL,
			   b != i ? b : FABRIC_RR_NO_BACKUP);
	}
	for (; i < FABRIC_RR_MAX_MEMBERS; i++)
		if (g->m[i].nh_id) {
			struct fnh_member none = { 0 };

			set_member(r, gi, i, &none, NULL, FABRIC_RR_NO_BACKUP);
		}
	g->n_routes = 0;
	for (i = 0; i < nh->n_routes && i < FABRIC_RR_MAX_ROUTES; i++) {
		struct fabric_rr_route *rt = &g->route[i];

		memset(rt, 0, sizeof(*rt));
		rt->family = nh->r[i].family;
		rt->plen = nh->r[i].plen;
		memcpy(rt->addr, &nh->r[i].dst, nh->r[i].family == AF_INET ? 4 : 16);
		g->n_routes = i + 1;
	}
	g->nhg_id = nh->id;
	g->n_members = n;
	g->gen++;
	r->grp[gi] = *nh;
	r->grp[gi].n_members = n;
	r->have[gi] = true;
	rebuild_ports(r);
	if (r->rr->n_groups < gi + 1)
		r->rr->n_groups = gi + 1;
	__atomic_store_n(&g->flags, FABRIC_RR_G_VALID, __ATOMIC_SEQ_CST);
	return 0;
}

void frr_declare(struct frr *r, uint32_t gi, uint32_t pi, uint64_t verdict_ns)
{
	uint64_t word;

	if (gi >= FABRIC_RR_MAX_GROUPS || pi >= FABRIC_RR_MAX_MEMBERS || !r->have[gi])
		return;
	fabric_rr_declare_down(r->rr, gi, pi, verdict_ns, FABRIC_RR_SRC_ENGINE);
	word = __atomic_load_n(&frr_mb(r, gi, pi)->verdict, __ATOMIC_SEQ_CST);
	if (word & FABRIC_RR_V_DOWN)
		adopt(r, gi, pi, word, frr_now());
}

int frr_sync(struct frr *r, uint32_t gi)
{
	struct fnh_state st;
	uint32_t i, k;
	uint64_t now;
	bool present;
	int err;

	if (gi >= FABRIC_RR_MAX_GROUPS || !r->have[gi])
		return -EINVAL;
	for (i = 0; i < r->grp[gi].n_members; i++)
		if (r->tr[gi][i].replace_pending)
			break;
	if (i == r->grp[gi].n_members)
		return 0;
	err = fnh_group_read(r->nh, r->grp[gi].id, &st);
	if (err) {
		r->st.sync_errors++;
		return err;
	}
	now = frr_now();
	for (i = 0; i < r->grp[gi].n_members; i++) {
		struct frr_track *tr = &r->tr[gi][i];

		if (!tr->replace_pending)
			continue;
		present = false;
		for (k = 0; st.exists && k < st.n; k++)
			if (st.ids[k] == r->grp[gi].m[i].id)
				present = true;
		/* an absent group is not agreement: its routes are gone too,
		 * and the executor is about to re-create it */
		if (present || !st.exists)
			continue;
		tr->replace_pending = false;
		check_rerouted(r, gi, i, now);
		emit(r, gi, i, FRR_REPLACED, tr->replaced_ns);
		if (clear_override(r, gi, i, now))
			emit(r, gi, i, FRR_CLEARED, now);
		tr->active = false;
	}
	return 0;
}

void frr_replaced(struct frr *r, uint32_t gi, uint64_t done_ns)
{
	uint32_t i;

	if (gi >= FABRIC_RR_MAX_GROUPS || !r->have[gi])
		return;
	for (i = 0; i < r->grp[gi].n_members; i++) {
		struct frr_track *tr = &r->tr[gi][i];
		uint64_t word = frr_mb(r, gi, i)->verdict;

		if (!(word & FABRIC_RR_V_DOWN))
			continue;
		adopt(r, gi, i, word, done_ns);
		if (!(tr->done & (1U << FRR_REPLACED))) {
			tr->replace_pending = true;
			tr->replaced_ns = done_ns;
		}
	}
	frr_sync(r, gi);
}

void frr_restored(struct frr *r, uint32_t gi, uint32_t pi)
{
	uint64_t now = frr_now();

	if (gi >= FABRIC_RR_MAX_GROUPS || pi >= FABRIC_RR_MAX_MEMBERS || !r->have[gi])
		return;
	/* a verdict the group never agreed with (a kept last path): the
	 * policy has the member back, the data path must not move it */
	if (clear_override(r, gi, pi, now)) {
		check_rerouted(r, gi, pi, now);
		emit(r, gi, pi, FRR_CLEARED, now);
	}
	r->tr[gi][pi].active = false;
	r->tr[gi][pi].replace_pending = false;
}

void frr_poll(struct frr *r)
{
	uint64_t now = frr_now(), word;
	uint32_t g, i;
	bool pending;

	for (g = 0; g < FABRIC_RR_MAX_GROUPS; g++) {
		if (!r->have[g])
			continue;
		pending = false;
		for (i = 0; i < r->grp[g].n_members; i++) {
			word = __atomic_load_n(&frr_mb(r, g, i)->verdict, __ATOMIC_SEQ_CST);
			if (word & FABRIC_RR_V_DOWN)
				adopt(r, g, i, word, now);
			check_rerouted(r, g, i, now);
			pending |= r->tr[g][i].replace_pending;
		}
		if (pending)
			frr_sync(r, g);
	}
}

int frr_member(const struct frr *r, uint32_t gi, uint32_t pi,
	       struct frr_member_state *st)
{
	const struct fabric_rr_member *mb;
	uint64_t now = frr_now(), v, f;

	if (gi >= FABRIC_RR_MAX_GROUPS || pi >= FABRIC_RR_MAX_MEMBERS)
		return -EINVAL;
	mb = &r->rr->grp[gi].m[pi];
	v = __atomic_load_n(&mb->verdict, __ATOMIC_SEQ_CST);
	f = mb->first_tx;
	memset(st, 0, sizeof(*st));
	st->down = !!(v & FABRIC_RR_V_DOWN);
	st->gen = fabric_rr_gen(v);
	st->source = (v >> FABRIC_RR_V_SRC_SHIFT) & FABRIC_RR_V_SRC_MASK;
	st->verdict_ns = v ? fabric_rr_time(v, now) : 0;
	if ((f & FABRIC_RR_F_VALID) && v && fabric_rr_gen(f) == st->gen)
		st->first_tx_ns = fabric_rr_time(f, now);
	st->cleared_ns = mb->cleared_ns;
	st->redirected = mb->redirected;
	st->redirect_errors = mb->redirect_errors;
	return 0;
}

const struct frr_stats *frr_stats(const struct frr *r)
{
	return &r->st;
}
