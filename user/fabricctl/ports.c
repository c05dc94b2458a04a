// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fabricctl ports: per-port counters, summed over CPUs. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "fabricctl.h"
#include "flow_rows.h"

struct ports_ctx {
	struct ctl		*ctl;
	struct json_object	*arr;
	int			n;
};

static int print_port(__u32 ifindex, const struct fabric_port_counters *pc,
		      void *arg)
{
	struct ports_ctx *c = arg;
	char name[IF_NAMESIZE], b[9][16];

	if (c->ctl->json) {
		json_object_array_add(c->arr, fabric_port_json(ifindex, pc));
		return 0;
	}
	if (!c->n++)
		printf("%-12s %9s %9s %9s %7s %7s %9s %9s %9s %9s %9s\n", "PORT",
		       "RX-PKTS", "RX-BYTES", "RX-ROCE", "RX-CE", "RX-CNP",
		       "NON-ROCE", "MALFORMED", "EVICTED", "TX-PKTS", "TX-ROCE");
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "#%u", ifindex);
	ctl_human_count(pc->rx_packets, b[0], 16);
	ctl_human_count(pc->rx_bytes, b[1], 16);
	ctl_human_count(pc->rx_roce_packets, b[2], 16);
	ctl_human_count(pc->rx_ce, b[3], 16);
	ctl_human_count(pc->rx_cnp, b[4], 16);
	ctl_human_count(pc->rx_non_roce, b[5], 16);
	ctl_human_count(pc->rx_malformed, b[6], 16);
	ctl_human_count(pc->tx_packets, b[7], 16);
	/* packets of flows evicted from the table (and packets with no slot) */
	ctl_human_count(pc->rx_evicted_packets, b[8], 16);
	printf("%-12s %9s %9s %9s %7s %7s %9s %9s %9s %9s %9llu\n", name, b[0],
	       b[1], b[2], b[3], b[4], b[5], b[6], b[8], b[7],
	       (unsigned long long)pc->tx_roce_packets);
	return 0;
}

int cmd_ports(struct ctl *ctl, int argc, char **argv)
{
	struct ports_ctx c = { .ctl = ctl };
	struct fabric_maps m;
	int err;

	if (argc > 1)
		return ctl_usage_err("ports: unexpected argument '%s'", argv[1]);
	if (ctl_open_maps(ctl, &m))
		return EXIT_ERR;
	if (ctl->json)
		c.arr = json_object_new_array();
	err = fabric_maps_for_each_port(&m, print_port, &c);
	fabric_maps_close(&m);
	if (err) {
		ctl_err("cannot read port counters: %s", strerror(-err));
		json_object_put(c.arr);
		return EXIT_ERR;
	}
	if (ctl->json) {
		ctl_print_json(ctl, c.arr);
		json_object_put(c.arr);
	} else if (!c.n) {
		printf("(no ports have seen traffic)\n");
	}
	return EXIT_OK;
}
