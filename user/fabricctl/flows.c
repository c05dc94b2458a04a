// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fabricctl flows: the per-flow table, from the pinned maps. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabricctl.h"
#include "flow_rows.h"

int ctl_print_flows(struct ctl *ctl, struct fabric_flow_rows *rows, size_t top)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], b[5][16];
	size_t i, n = top && top < rows->n ? top : rows->n;
	struct json_object *arr;

	if (ctl->json) {
		arr = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(arr, fabric_flow_row_json(&rows->row[i]));
		ctl_print_json(ctl, arr);
		json_object_put(arr);
		return EXIT_OK;
	}
	printf("%-39s %-39s %8s %9s %9s %6s %6s %6s %6s %9s\n", "SRC", "DST",
	       "QP", "PACKETS", "BYTES", "GAPS", "NAKS", "CE", "CNP", "TX-PKTS");
	for (i = 0; i < n; i++) {
		const struct fabric_flow_row *r = &rows->row[i];
		__u8 fam = fabric_flow_key_family(&r->rx.key);

		ctl_human_count(r->rx.packets, b[0], sizeof(b[0]));
		ctl_human_count(r->rx.bytes, b[1], sizeof(b[1]));
		ctl_human_count(r->tx.packets, b[2], sizeof(b[2]));
		printf("%-39s %-39s %8u %9s %9s %6llu %6llu %6llu %6llu %9s\n",
		       fabric_addr_str(fam, r->rx.key.src, src, sizeof(src)),
		       fabric_addr_str(fam, r->rx.key.dst, dst, sizeof(dst)),
		       fabric_flow_key_qp(&r->rx.key), b[0], b[1],
		       (unsigned long long)r->rx.psn_gaps,
		       (unsigned long long)fabric_flow_row_naks(r),
		       (unsigned long long)r->rx.ce,
		       (unsigned long long)r->rx.cnp, b[2]);
	}
	if (!n)
		printf("(no flows)\n");
	return EXIT_OK;
}

int ctl_parse_flow_opts(int argc, char **argv, size_t *top,
			enum fabric_flow_sort *sort)
{
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 't' },
		{ "sort", required_argument, NULL, 's' },
		{}
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			*top = strtoul(optarg, &end, 10);
			if (*end || !*optarg)
				return ctl_usage_err("--top wants a number, got '%s'", optarg);
			break;
		case 's':
			if (fabric_flow_sort_parse(optarg, sort))
				return ctl_usage_err("--sort is bytes, packets, ce, cnp, gaps or naks, not '%s'",
						     optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_flows(struct ctl *ctl, int argc, char **argv)
{
	enum fabric_flow_sort sort = FABRIC_SORT_BYTES;
	struct fabric_flow_rows rows;
	struct fabric_maps m;
	size_t top = 0;
	int err;

	err = ctl_parse_flow_opts(argc, argv, &top, &sort);
	if (err)
		return err;
	if (optind < argc)
		return ctl_usage_err("flows: unexpected argument '%s'", argv[optind]);
	if (ctl_open_maps(ctl, &m))
		return EXIT_ERR;
	err = fabric_flow_rows_collect(&m, &rows);
	fabric_maps_close(&m);
	if (err) {
		ctl_err("cannot read the flow table: %s", strerror(-err));
		return EXIT_ERR;
	}
	fabric_flow_rows_sort(&rows, sort);
	err = ctl_print_flows(ctl, &rows, top);
	fabric_flow_rows_free(&rows);
	return err;
}
