// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricctl int: what the INT sink recorded (paths, their hops, per-hop
 * and per-path p50/p99) and the INT counters; fabricctl int probe: the
 * probe-mode generator (Documentation/int.md, "Probe mode").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fabricctl.h"
#include "int_prober.h"
#include "int_telemetry.h"
#include "replay_int.h"

#define MAX_SHOW_PATHS	FABRIC_INT_MAX_PATHS

static const char *const bad_names[FABRIC_INT_BAD_MAX] = {
	[FABRIC_INT_BAD_SHORT] = "short", [FABRIC_INT_BAD_SHIM] = "shim",
	[FABRIC_INT_BAD_VERSION] = "version", [FABRIC_INT_BAD_LENGTH] = "length",
	[FABRIC_INT_BAD_HOP_ML] = "hop_ml", [FABRIC_INT_BAD_INSTR] = "instr",
	[FABRIC_INT_BAD_TOO_LONG] = "too_long", [FABRIC_INT_BAD_PENDING] = "pending",
	[FABRIC_INT_BAD_L3] = "l3",
};

/* Bucket counts in full, so that a client can difference two readings. */
static struct json_object *hist_json(const struct fabric_int_hist *h)
{
	struct json_object *o = json_object_new_object(), *b;
	int i;

	json_object_object_add(o, "count", json_object_new_uint64(h->count));
	json_object_object_add(o, "sum_ns", json_object_new_uint64(h->sum_ns));
	json_object_object_add(o, "p50_ns", json_object_new_uint64(fint_quantile(h, 0.5)));
	json_object_object_add(o, "p99_ns", json_object_new_uint64(fint_quantile(h, 0.99)));
	json_object_object_add(o, "p50_lo_ns", json_object_new_uint64(fint_quantile_lo(h, 0.5)));
	json_object_object_add(o, "p99_lo_ns", json_object_new_uint64(fint_quantile_lo(h, 0.99)));
	b = json_object_new_array();
	for (i = 0; i < FABRIC_INT_HIST_BUCKETS; i++)
		json_object_array_add(b, json_object_new_uint64(h->bucket[i]));
	json_object_object_add(o, "buckets", b);
	return o;
}

static struct json_object *stats_json(const struct fabric_int_stats *s)
{
	struct json_object *o = json_object_new_object(), *bad;
	int i;

#define F(x)	json_object_object_add(o, #x, json_object_new_uint64(s->x))
	F(src_candidates); F(src_instrumented); F(src_sampled_out);
	F(src_skipped_mtu); F(src_skipped_l3); F(src_probes); F(src_errors);
	F(transit_pushed); F(transit_completed); F(transit_e_set);
	F(transit_m_set); F(transit_skipped); F(transit_errors);
	F(sink_stripped); F(sink_probes); F(sink_e_bit); F(sink_m_bit);
	F(sink_path_overflow); F(sink_node_range); F(sink_errors);
#undef F
	bad = json_object_new_object();
	for (i = 0; i < FABRIC_INT_BAD_MAX; i++)
		json_object_object_add(bad, bad_names[i],
				       json_object_new_uint64(s->sink_malformed[i]));
	json_object_object_add(o, "sink_malformed", bad);
	return o;
}

/* "12.3us": a bucket bound, or ">1.07s" for the unbounded bucket */
static const char *fmt_ns(__u64 ns, char *b, size_t len)
{
	if (ns == ~0ULL)
		snprintf(b, len, ">1.07s");
	else if (ns < 10000)
		snprintf(b, len, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(b, len, "%.1fus", ns / 1e3);
	else
		snprintf(b, len, "%.1fms", ns / 1e6);
	return b;
}

static __u64 malformed_total(const struct fabric_int_stats *s)
{
	__u64 t = 0;
	int i;

	for (i = 0; i < FABRIC_INT_BAD_MAX; i++)
		t += s->sink_malformed[i];
	return t;
}

int ctl_int_show(struct ctl *ctl, const struct fint_maps *m)
{
	struct fabric_int_stats st;
	struct fabric_int_hist h, nodes_h;
	struct fabric_int_path other;
	struct json_object *root = NULL, *jpaths = NULL, *jnodes = NULL, *jh_le;
	struct fint_path *paths;
	char pb[FABRIC_INT_MAX_HOPS * 12], b1[24], b2[24];
	int n, i, j;
	__u32 node;

	paths = calloc(MAX_SHOW_PATHS, sizeof(*paths));
	if (!paths)
		return EXIT_ERR;
	if (fint_read_stats(m, &st) || fint_read_other(m, &other) ||
	    (n = fint_read_paths(m, paths, MAX_SHOW_PATHS)) < 0) {
		ctl_err("cannot read the INT maps: %s", strerror(errno));
		free(paths);
		return EXIT_ERR;
	}
	if (ctl->json) {
		root = json_object_new_object();
		jpaths = json_object_new_array();
		jnodes = json_object_new_array();
		json_object_object_add(root, "stats", stats_json(&st));
		jh_le = json_object_new_array();
		for (i = 0; i < FABRIC_INT_HIST_BUCKETS - 1; i++)
			json_object_array_add(jh_le, json_object_new_uint64(fabric_int_bucket_le_ns(i)));
		json_object_object_add(root, "bucket_le_ns", jh_le);
	} else {
		printf("INT source: instrumented %llu, probes %llu, sampled out %llu, skipped (MTU) %llu\n",
		       (unsigned long long)st.src_instrumented,
		       (unsigned long long)st.src_probes,
		       (unsigned long long)st.src_sampled_out,
		       (unsigned long long)st.src_skipped_mtu);
		printf("INT transit: pushed %llu, completed %llu, skipped %llu\n",
		       (unsigned long long)st.transit_pushed,
		       (unsigned long long)st.transit_completed,
		       (unsigned long long)st.transit_skipped);
		printf("INT sink: stripped %llu, probes %llu, malformed %llu, path overflow %llu\n",
		       (unsigned long long)st.sink_stripped,
		       (unsigned long long)st.sink_probes,
		       (unsigned long long)malformed_total(&st),
		       (unsigned long long)st.sink_path_overflow);
	}
	for (i = 0; i < n; i++) {
		const struct fint_path *p = &paths[i];
		struct json_object *jp = NULL, *jh = NULL;

		fint_path_str(&p->key, pb, sizeof(pb));
		if (ctl->json) {
			jp = json_object_new_object();
			jh = json_object_new_array();
			json_object_object_add(jp, "path", json_object_new_string(pb));
			json_object_object_add(jp, "latency", hist_json(&p->val.latency));
			json_object_object_add(jp, "e_bit", json_object_new_uint64(p->val.e_bit));
			json_object_object_add(jp, "m_bit", json_object_new_uint64(p->val.m_bit));
		} else {
			printf("\nPATH %s  packets %llu  p50 %s  p99 %s\n", pb,
			       (unsigned long long)p->val.latency.count,
			       fmt_ns(fint_quantile(&p->val.latency, 0.5), b1, sizeof(b1)),
			       fmt_ns(fint_quantile(&p->val.latency, 0.99), b2, sizeof(b2)));
			printf("  %-4s %-10s %12s %10s %10s\n", "HOP", "NODE",
			       "PACKETS", "P50", "P99");
		}
		/* the hop histograms are per node, shared by its paths */
		for (j = 0; j < (int)p->key.hops && j < FABRIC_INT_MAX_HOPS; j++) {
			node = p->key.node[j];
			if (fint_read_hop(m, node, &h))
				memset(&h, 0, sizeof(h));
			if (ctl->json) {
				struct json_object *o = hist_json(&h);

				json_object_object_add(o, "hop", json_object_new_int(j + 1));
				json_object_object_add(o, "node", json_object_new_uint64(node));
				json_object_array_add(jh, o);
			} else {
				printf("  %-4d %-10u %12llu %10s %10s\n", j + 1, node,
				       (unsigned long long)h.count,
				       fmt_ns(fint_quantile(&h, 0.5), b1, sizeof(b1)),
				       fmt_ns(fint_quantile(&h, 0.99), b2, sizeof(b2)));
			}
		}
		if (ctl->json) {
			json_object_object_add(jp, "hops", jh);
			json_object_array_add(jpaths, jp);
		}
	}
	if (!ctl->json && !n)
		printf("\nno INT path recorded (is a sink configured, and is INT traffic arriving?)\n");
	if (ctl->json) {
		for (node = 0; node < FABRIC_INT_MAX_NODES; node++) {
			struct json_object *o;

			if (fint_read_hop(m, node, &nodes_h) || !nodes_h.count)
				continue;
			o = hist_json(&nodes_h);
			json_object_object_add(o, "node", json_object_new_uint64(node));
			json_object_array_add(jnodes, o);
		}
		json_object_object_add(root, "paths", jpaths);
		json_object_object_add(root, "nodes", jnodes);
		json_object_object_add(root, "other", hist_json(&other.latency));
		ctl_print_json(ctl, root);
		json_object_put(root);
	} else if (other.latency.count) {
		printf("\nOTHER (path table full)  packets %llu  p50 %s  p99 %s\n",
		       (unsigned long long)other.latency.count,
		       fmt_ns(fint_quantile(&other.latency, 0.5), b1, sizeof(b1)),
		       fmt_ns(fint_quantile(&other.latency, 0.99), b2, sizeof(b2)));
	}
	free(paths);
	return EXIT_OK;
}

/* The probe generator: int_prober.c, the code fabricd's probes use. */
static int probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "dscp", required_argument, NULL, 'd' },
		{ "sport", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'P' },
		{ "source", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long count = 100, rate = 100, dscp = 0,
		      port = FABRIC_INT_PROBE_PORT_DEFAULT, sent;
	struct fip_spec spec = {};
	struct fip_stream st;
	struct fip_addr src;
	char why[160];
	int c, err;

	optind = 0;	/* glibc: re-initialise after main's getopt */
	while ((c = getopt_long(argc, argv, "n:r:", opts, NULL)) != -1) {
		char *end;
		unsigned long v = 0;

		if (c == '?')
			return EXIT_USAGE;
		if (c == 's') {
			if (fip_parse_ports(optarg, &spec.sport_lo, &spec.sport_hi))
				return ctl_usage_err("int probe: --sport wants a port or a range LO-HI, not '%s'",
						     optarg);
			continue;
		}
		if (c == 'S') {
			if (fip_parse_addr(optarg, &src))
				return ctl_usage_err("int probe: --source wants an address, not '%s'",
						     optarg);
			if (src.family == AF_INET)
				spec.src4 = src;
			else
				spec.src6 = src;
			continue;
		}
		v = strtoul(optarg, &end, 0);
		if (*end || !*optarg)
			return ctl_usage_err("int probe: bad number '%s'", optarg);
		switch (c) {
		case 'n': count = v; break;
		case 'r': rate = v; break;
		case 'd': dscp = v; break;
		case 'P': port = v; break;
		}
	}
	if (optind != argc - 1)
		return ctl_usage_err("int probe: expected one destination address");
	if (!rate || rate > FIP_MAX_RATE || dscp > 63 || !port || port > 65535)
		return ctl_usage_err("int probe: --rate 1-%d, --dscp 0-63, --port 1-65535",
				     FIP_MAX_RATE);
	if (fip_parse_addr(argv[optind], &spec.target[0]))
		return ctl_usage_err("int probe: '%s' is not an IPv4 or IPv6 address", argv[optind]);
	snprintf(spec.name, sizeof(spec.name), "fabricctl");
	spec.n_targets = 1;
	spec.rate = rate;
	spec.dscp = dscp;
	spec.dport = port;
	err = fip_open(&st, &spec, why, sizeof(why));
	if (err) {
		ctl_err("int probe: %s%s", why,
			err == -EPERM || err == -EACCES ?
			" (a --sport range needs CAP_NET_RAW; run as root or give one port)" : "");
		return EXIT_ERR;
	}
	sent = fip_run(&st, count);
	fip_close(&st);
	printf("sent %lu of %lu probes\n", sent, count);
	if (st.errors)
		ctl_err("int probe: %llu failed, the last with %s",
			(unsigned long long)st.errors, strerror(st.last_errno));
	return sent == count ? EXIT_OK : EXIT_ERR;
}

int cmd_int(struct ctl *ctl, int argc, char **argv)
{
	struct fint_maps m;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "probe"))
		return probe(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "show"))
		return ctl_usage_err("int: unknown command '%s' (show, probe)", argv[1]);
	if (fint_open_pinned(ctl->pin_dir, &m)) {
		ctl_err("cannot open the INT maps in %s: %s (is fabricd running with this pin_dir?)",
			ctl->pin_dir, strerror(errno));
		return EXIT_ERR;
	}
	rc = ctl_int_show(ctl, &m);
	fint_close(&m);
	return rc;
}

int replay_int_setup(struct fabric_dp *dp, const char *port)
{
	struct fabric_int_config cfg = {
		.roles = FABRIC_INT_ROLE_SINK,
		.udp_port = FABRIC_INT_UDP_PORT_DEFAULT,
		.probe_port = FABRIC_INT_PROBE_PORT_DEFAULT,
	};
	char *end;
	unsigned long v;

	if (port) {
		v = strtoul(port, &end, 10);
		if (*end || !v || v > 65535 || v == 4791)
			return ctl_usage_err("--int wants a UDP port from 1 to 65535, not 4791");
		cfg.udp_port = v;
	}
	if (fint_configure(dp->skel, &cfg, NULL, 0, NULL)) {
		ctl_err("cannot configure the replay's INT sink");
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int replay_int_report(struct ctl *ctl, struct fabric_dp *dp)
{
	struct fint_maps m;

	if (fint_from_skel(dp->skel, &m)) {
		ctl_err("the replay's INT maps are missing");
		return EXIT_ERR;
	}
	if (!ctl->json)
		printf("\n");
	return ctl_int_show(ctl, &m);
}
