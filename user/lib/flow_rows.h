/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A flat view of the flow tables for display and export. */
#ifndef FABRIC_FLOW_ROWS_H
#define FABRIC_FLOW_ROWS_H

#include <json-c/json.h>

#include "fabric_dp.h"

struct fabric_flow_row {
	struct fabric_flow	rx;	/* rx.key is the flow key */
	struct fabric_tx_flow	tx;
	bool			has_rx;
	bool			has_tx;
};

enum fabric_flow_sort {
	FABRIC_SORT_BYTES,
	FABRIC_SORT_PACKETS,
	FABRIC_SORT_CE,
	FABRIC_SORT_CNP,
	FABRIC_SORT_GAPS,
	FABRIC_SORT_NAKS,
};

struct fabric_flow_rows {
	struct fabric_flow_row	*row;
	size_t			n;
	size_t			cap;
};

int fabric_flow_rows_collect(const struct fabric_maps *m,
			     struct fabric_flow_rows *rows);
void fabric_flow_rows_sort(struct fabric_flow_rows *rows,
			   enum fabric_flow_sort by);
void fabric_flow_rows_free(struct fabric_flow_rows *rows);
int fabric_flow_sort_parse(const char *s, enum fabric_flow_sort *by);
__u64 fabric_flow_row_naks(const struct fabric_flow_row *r);

const char *fabric_addr_str(__u8 family, const __u8 *addr, char *buf,
			    size_t len);
struct json_object *fabric_flow_row_json(const struct fabric_flow_row *r);
struct json_object *fabric_port_json(__u32 ifindex,
				     const struct fabric_port_counters *pc);
struct json_object *fabric_stats_json(const struct fabric_dp_stats *st);

#endif
