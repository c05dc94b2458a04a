// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Join the receive table and the transmit table by flow key, sort, and turn
 * rows into JSON objects. The JSON keys are the stable schema documented in
 * Documentation/fabricctl-json.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "flow_rows.h"

static struct fabric_flow_row *rows_add(struct fabric_flow_rows *rows)
{
	struct fabric_flow_row *r;

	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 256;

		r = realloc(rows->row, cap * sizeof(*r));
		if (!r)
			return NULL;
		rows->row = r;
		rows->cap = cap;
	}
	r = &rows->row[rows->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

struct collect_ctx {
	const struct fabric_maps	*m;
	struct fabric_flow_rows		*rows;
};

static int collect_rx(const struct fabric_flow *f, void *arg)
{
	struct collect_ctx *c = arg;
	struct fabric_flow_row *r = rows_add(c->rows);

	if (!r)
		return -ENOMEM;
	r->rx = *f;
	r->has_rx = true;
	r->has_tx = !fabric_maps_tx_flow(c->m, &f->key, &r->tx);
	return 0;
}

static int collect_tx(const struct fabric_flow_key *key,
		      const struct fabric_tx_flow *tf, void *arg)
{
	struct collect_ctx *c = arg;
	struct fabric_flow_row *r;

	if (fabric_maps_find_flow(c->m, key))
		return 0;	/* joined with its rx row already */
	r = rows_add(c->rows);
	if (!r)
		return -ENOMEM;
	r->rx.key = *key;
	r->tx = *tf;
	r->has_tx = true;
	return 0;
}

int fabric_flow_rows_collect(const struct fabric_maps *m,
			     struct fabric_flow_rows *rows)
{
	struct collect_ctx c = { .m = m, .rows = rows };
	int err;

	memset(rows, 0, sizeof(*rows));
	err = fabric_maps_for_each_flow(m, collect_rx, &c);
	if (!err && m->tx_flows_fd >= 0)
		err = fabric_maps_for_each_tx_flow(m, collect_tx, &c);
	if (err)
		fabric_flow_rows_free(rows);
	return err;
}

void fabric_flow_rows_free(struct fabric_flow_rows *rows)
{
	free(rows->row);
	memset(rows, 0, sizeof(*rows));
}

__u64 fabric_flow_row_naks(const struct fabric_flow_row *r)
{
	return (__u64)r->rx.naks_seq + r->rx.naks_rnr + r->rx.naks_other;
}

static __u64 sort_value(const struct fabric_flow_row *r, enum fabric_flow_sort by)
{
	switch (by) {
	case FABRIC_SORT_PACKETS:
		return r->rx.packets + r->tx.packets;
	case FABRIC_SORT_CE:
		return r->rx.ce;
	case FABRIC_SORT_CNP:
		return r->rx.cnp;
	case FABRIC_SORT_GAPS:
		return r->rx.psn_gaps;
	case FABRIC_SORT_NAKS:
		return fabric_flow_row_naks(r);
	case FABRIC_SORT_BYTES:
	default:
		return r->rx.bytes + r->tx.bytes;
	}
}

static enum fabric_flow_sort sort_key;

static int cmp_rows(const void *a, const void *b)
{
	__u64 x = sort_value(a, sort_key), y = sort_value(b, sort_key);

	if (x != y)
		return x < y ? 1 : -1;
	return memcmp(&((const struct fabric_flow_row *)a)->rx.key,
		      &((const struct fabric_flow_row *)b)->rx.key,
		      sizeof(struct fabric_flow_key));
}

void fabric_flow_rows_sort(struct fabric_flow_rows *rows,
			   enum fabric_flow_sort by)
{
	sort_key = by;
	qsort(rows->row, rows->n, sizeof(*rows->row), cmp_rows);
}

int fabric_flow_sort_parse(const char *s, enum fabric_flow_sort *by)
{
	static const struct {
		const char *name;
		enum fabric_flow_sort by;
	} names[] = {
		{ "bytes", FABRIC_SORT_BYTES }, { "packets", FABRIC_SORT_PACKETS },
		{ "ce", FABRIC_SORT_CE }, { "cnp", FABRIC_SORT_CNP },
		{ "gaps", FABRIC_SORT_GAPS }, { "naks", FABRIC_SORT_NAKS },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*by = names[i].by;
			return 0;
		}
	}
	return -EINVAL;
}

const char *fabric_addr_str(__u8 family, const __u8 *addr, char *buf,
			    size_t len)
{
	if (family == FABRIC_AF_INET)
		return inet_ntop(AF_INET, addr + 12, buf, len);
	return inet_ntop(AF_INET6, addr, buf, len);
}

#define J_U64(obj, name, v) \
	json_object_object_add(obj, name, json_object_new_uint64(v))

struct json_object *fabric_flow_row_json(const struct fabric_flow_row *r)
{
	const struct fabric_flow *f = &r->rx;
	__u8 fam = fabric_flow_key_family(&f->key);
	struct json_object *o = json_object_new_object();
	char buf[INET6_ADDRSTRLEN];

	if (!o)
		return NULL;
	json_object_object_add(o, "src", json_object_new_string(
		fabric_addr_str(fam, f->key.src, buf, sizeof(buf))));
	json_object_object_add(o, "dst", json_object_new_string(
		fabric_addr_str(fam, f->key.dst, buf, sizeof(buf))));
	J_U64(o, "qp", fabric_flow_key_qp(&f->key));
	json_object_object_add(o, "family", json_object_new_string(
		fam == FABRIC_AF_INET ? "inet" : "inet6"));
	J_U64(o, "packets", f->packets);
	J_U64(o, "bytes", f->bytes);
	J_U64(o, "psn_gaps", f->psn_gaps);
	J_U64(o, "psn_missing", f->psn_missing);
	J_U64(o, "psn_dups", f->psn_dups);
	J_U64(o, "psn_rewinds", f->psn_rewinds);
	J_U64(o, "acks", f->acks);
	J_U64(o, "naks", fabric_flow_row_naks(r));
	J_U64(o, "naks_seq", f->naks_seq);
	J_U64(o, "naks_rnr", f->naks_rnr);
	J_U64(o, "naks_other", f->naks_other);
	J_U64(o, "ce", f->ce);
	J_U64(o, "ect", f->ect);
	J_U64(o, "cnp", f->cnp);
	J_U64(o, "truncated", f->truncated);
	if (r->has_rx)
		J_U64(o, "home_ifindex", f->ifindex);
	J_U64(o, "first_seen_ns", f->first_seen_ns);
	J_U64(o, "last_seen_ns", f->last_seen_ns);
	J_U64(o, "tx_packets", r->tx.packets);
	J_U64(o, "tx_bytes", r->tx.bytes);
	J_U64(o, "tx_last_seen_ns", r->tx.last_seen_ns);
	return o;
}

struct json_object *fabric_port_json(__u32 ifindex,
				     const struct fabric_port_counters *pc)
{
	struct json_object *o = json_object_new_object();
	char name[IF_NAMESIZE];

	if (!o)
		return NULL;
	J_U64(o, "ifindex", ifindex);
	if (if_indextoname(ifindex, name))
		json_object_object_add(o, "ifname", json_object_new_string(name));
	else
		json_object_object_add(o, "ifname", NULL);
#define P(field) J_U64(o, #field, pc->field)
	P(rx_packets); P(rx_bytes); P(rx_roce_packets); P(rx_roce_bytes);
	P(rx_ce); P(rx_cnp); P(rx_non_roce); P(rx_malformed); P(rx_unparsed);
	P(rx_last_ns);
	P(rx_evicted_flows); P(rx_evicted_packets); P(rx_evicted_bytes);
	P(rx_evicted_ce); P(rx_evicted_ect); P(rx_evicted_cnp);
	P(rx_evicted_acks); P(rx_evicted_naks_seq); P(rx_evicted_naks_rnr);
	P(rx_evicted_naks_other); P(rx_evicted_psn_gaps);
	P(rx_evicted_psn_missing); P(rx_evicted_psn_dups);
	P(rx_evicted_psn_rewinds);
	P(rx_away_packets); P(rx_away_bytes); P(rx_away_ce); P(rx_away_cnp);
	P(rx_foreign_packets); P(rx_foreign_bytes); P(rx_foreign_ce);
	P(rx_foreign_cnp); P(rx_truncated);
	P(tx_packets); P(tx_bytes); P(tx_roce_packets); P(tx_roce_bytes);
	P(tx_ce); P(tx_cnp); P(tx_non_roce); P(tx_malformed); P(tx_unparsed);
	P(tx_last_ns);
#undef P
	return o;
}

struct json_object *fabric_stats_json(const struct fabric_dp_stats *st)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
#define S(field) J_U64(o, #field, st->field)
	S(flow_inserts); S(flow_evictions); S(flow_insert_races);
	S(flow_unplaced); S(flow_psn_races);
	S(tx_flow_inserts); S(tx_flow_insert_errors); S(port_insert_errors);
	S(events_sent); S(events_lost); S(events_suppressed);
#undef S
	return o;
}
