// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricctl replay: run every frame of a pcap/pcapng capture through the
 * data path's own XDP program with BPF_PROG_TEST_RUN, then show its flow
 * table. There is no second parser: what replay reports is what the XDP
 * program would have counted on the wire. The capture's timestamps drive
 * the program's clock.
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabricctl.h"
#include "replay_int.h"
#include "flow_rows.h"
#include "flow_hash.h"

#define ETH_MIN_FRAME	14

int ctl_print_flows(struct ctl *ctl, struct fabric_flow_rows *rows, size_t top);
int ctl_parse_flow_opts(int argc, char **argv, size_t *top,
			enum fabric_flow_sort *sort);

struct replay_totals {
	__u64	frames;
	__u64	too_short;	/* below the 14 bytes BPF_PROG_TEST_RUN takes */
	__u64	snapped;	/* cut by the capture's snaplen */
	__u64	run_errors;
	bool	int_sink;	/* --int: a probe is recorded and dropped */
};

static int run_frame(struct fabric_dp *dp, const struct pcap_pkthdr *h,
		     const u_char *frame, struct replay_totals *t)
{
	__u32 retval;
	int err;

	t->frames++;
	if (h->caplen < h->len)
		t->snapped++;
	if (h->caplen < ETH_MIN_FRAME) {
		t->too_short++;
		return 0;
	}
	err = fabric_dp_run_xdp(dp, frame, h->caplen, &retval);
	if (err) {
		t->run_errors++;
		return err;
	}
	if (retval != 2 /* XDP_PASS */ && !(t->int_sink && retval == 1)) {
		ctl_err("the data path returned %u instead of XDP_PASS on frame %llu",
			retval, (unsigned long long)t->frames);
		return -EPROTO;
	}
	return 0;
}

static int replay_file(struct fabric_dp *dp, const char *path,
		       struct replay_totals *t)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const u_char *frame;
	struct pcap_pkthdr *h;
	pcap_t *p;
	int rc, err = 0, dlt;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
						    errbuf);
	if (!p) {
		ctl_err("%s: not a readable pcap or pcapng capture: %s", path, errbuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(p);
	if (dlt != DLT_EN10MB) {
		ctl_err("%s: link type %s (%s) is not supported; capture on an Ethernet interface (tcpdump -i IFACE, not -i any)",
			path, pcap_datalink_val_to_name(dlt) ?: "unknown",
			pcap_datalink_val_to_description(dlt) ?: "?");
		pcap_close(p);
		return -EPROTONOSUPPORT;
	}
	while ((rc = pcap_next_ex(p, &h, &frame)) == 1) {
		__u64 ns = (__u64)h->ts.tv_sec * 1000000000ULL + h->ts.tv_usec;

		fabric_dp_set_clock(dp, ns ? ns : 1);
		err = run_frame(dp, h, frame, t);
		if (err) {
			ctl_err("%s: frame %llu: cannot run the XDP program: %s",
				path, (unsigned long long)t->frames, strerror(-err));
			break;
		}
	}
	if (!err && rc == PCAP_ERROR) {
		ctl_err("%s: capture is damaged after %llu frames: %s", path,
			(unsigned long long)t->frames, pcap_geterr(p));
		err = -EIO;
	}
	pcap_close(p);
	return err;
}

static int port_totals(__u32 ifindex, const struct fabric_port_counters *pc,
		       void *arg)
{
	struct fabric_port_counters *sum = arg;

	sum->rx_packets += pc->rx_packets;
	sum->rx_roce_packets += pc->rx_roce_packets;
	sum->rx_non_roce += pc->rx_non_roce;
	sum->rx_malformed += pc->rx_malformed;
	sum->rx_unparsed += pc->rx_unparsed;
	sum->rx_truncated += pc->rx_truncated;
	return 0;
}

int cmd_replay(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flows", required_argument, NULL, 'F' },
		{ "read-pmtu", required_argument, NULL, 'M' },
		{ "top", required_argument, NULL, 't' },
		{ "sort", required_argument, NULL, 's' },
		{ "hash-seed", required_argument, NULL, 'H' },
		{ "int", optional_argument, NULL, 'I' },
		{}
	};
	enum fabric_flow_sort sort = FABRIC_SORT_BYTES;
	struct fabric_port_counters sum = {};
	struct replay_totals t = {};
	struct fabric_flow_rows rows;
	struct fabric_dp_opts opts;
	struct fabric_dp *dp;
	const char *int_port = NULL;
	size_t top = 0;
	char *end;
	int c, err;

	fabric_dp_opts_init(&opts);
	/* a replay is reproducible: fixed seed, unless asked otherwise */
	opts.hash_seed = FABRIC_HASH_SEED;
	/* a capture's cut RoCE frames still count, with their IP length */
	opts.replay_truncated = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			opts.flows = strtoul(optarg, &end, 10);
			if (*end || !opts.flows)
				return ctl_usage_err("--flows wants a positive number");
			break;
		case 'M':
			opts.read_pmtu = strtoul(optarg, &end, 10);
			if (*end)
				return ctl_usage_err("--read-pmtu wants a number");
			break;
		case 't':
			top = strtoul(optarg, &end, 10);
			if (*end)
				return ctl_usage_err("--top wants a number");
			break;
		case 'H':
			opts.hash_seed = strtoul(optarg, &end, 0);
			if (*end || !opts.hash_seed)
				return ctl_usage_err("--hash-seed wants a non-zero number");
			break;
		case 'I':
			t.int_sink = true;
			int_port = optarg;
			break;
		case 's':
			if (fabric_flow_sort_parse(optarg, &sort))
				return ctl_usage_err("--sort is bytes, packets, ce, cnp, gaps or naks");
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return ctl_usage_err("replay wants exactly one capture file");

	if (fabric_dp_load(&opts, &dp))
		return EXIT_ERR;
	if (t.int_sink && replay_int_setup(dp, int_port)) {
		fabric_dp_close(dp);
		return EXIT_ERR;
	}
	err = replay_file(dp, argv[optind], &t);
	if (err)
		goto out;
	err = fabric_flow_rows_collect(&dp->maps, &rows);
	if (err) {
		ctl_err("cannot read the flow table: %s", strerror(-err));
		goto out;
	}
	fabric_flow_rows_sort(&rows, sort);
	if (!ctl->json) {
		fabric_maps_for_each_port(&dp->maps, port_totals, &sum);
		printf("%llu frames: %llu RoCEv2, %llu other, %llu malformed, %llu unparsed",
		       (unsigned long long)t.frames,
		       (unsigned long long)sum.rx_roce_packets,
		       (unsigned long long)sum.rx_non_roce,
		       (unsigned long long)(sum.rx_malformed + t.too_short),
		       (unsigned long long)sum.rx_unparsed);
		if (t.snapped)
			printf(" (%llu cut by the capture's snaplen)",
			       (unsigned long long)t.snapped);
		if (sum.rx_truncated)
			printf("; %llu truncated RoCEv2 frames counted with their IP length",
			       (unsigned long long)sum.rx_truncated);
		printf("\n");
	}
	if (!t.int_sink || !ctl->json)
		ctl_print_flows(ctl, &rows, top);
	fabric_flow_rows_free(&rows);
	if (t.int_sink && replay_int_report(ctl, dp))
		err = -EIO;
out:
	fabric_dp_close(dp);
	return err ? EXIT_ERR : EXIT_OK;
}
