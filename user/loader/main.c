// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric-loader: load, attach, detach and unpin the data path without the
 * daemon. A thin command over user/lib; fabricd uses the same calls.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric_dp.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: fabric-loader load [OPTIONS] IFACE...\n"
		"       fabric-loader unload [--pin-dir DIR] [IFACE...]\n"
		"       fabric-loader status [IFACE...]\n"
		"Options:\n"
		"  --pin-dir DIR     pin directory (default %s, or $FABRIC_PIN_DIR)\n"
		"  --flows N         receive flow-table capacity (default %u)\n"
		"  --tx-flows N      transmit flow-table capacity (default %u)\n"
		"  --node-id N       node id stamped on events\n"
		"  --read-pmtu N     path MTU for READ PSN accounting (0: unknown)\n"
		"  --hash-seed N     fixed flow-table hash seed (default: random per\n"
		"                    load; a reused pinned table keeps its own)\n"
		"  --xdp-mode MODE   auto | native | generic (default auto)\n"
		"  -v                verbose\n",
		FABRIC_PIN_DIR, FABRIC_DEFAULT_FLOWS, FABRIC_DEFAULT_TX_FLOWS);
}

static int parse_u32(const char *opt, const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v > 0xffffffffUL) {
		fprintf(stderr, "fabric-loader: %s wants a number, got '%s'\n",
			opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int iface_index(const char *name)
{
	int ifindex = if_nametoindex(name);

	if (!ifindex)
		fprintf(stderr, "fabric-loader: no interface '%s' in this network namespace\n",
			name);
	return ifindex;
}

static int cmd_load(struct fabric_dp_opts *opts, enum fabric_xdp_mode mode,
		    int argc, char **argv)
{
	struct fabric_dp *dp;
	int i, err, ifindex;

	if (!argc) {
		fprintf(stderr, "fabric-loader: load needs at least one interface\n");
		return 2;
	}
	for (i = 0; i < argc; i++)
		if (!iface_index(argv[i]))
			return 1;
	err = fabric_dp_load(opts, &dp);
	if (err)
		return 1;
	for (i = 0; i < argc; i++) {
		ifindex = iface_index(argv[i]);
		err = fabric_dp_attach(dp, ifindex, mode);
		if (err)
			break;
		printf("%s: attached (xdp ingress, tc egress)\n", argv[i]);
	}
	if (dp->reused)
		printf("reused pinned maps in %s: counters continue\n", opts->pin_dir);
	fabric_dp_close(dp);
	return err ? 1 : 0;
}

/* Every interface in the namespace that runs one of our programs. */
static int for_each_attached(int (*fn)(int ifindex, const char *name))
{
	struct if_nameindex *ifs, *it;
	bool xdp, tc;
	int ret = 0;

	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index; it++) {
		if (fabric_attached(it->if_index, &xdp, &tc, NULL))
			continue;
		if ((xdp || tc) && fn(it->if_index, it->if_name))
			ret = -1;
	}
	if_freenameindex(ifs);
	return ret;
}

static int detach_one(int ifindex, const char *name)
{
	int err = fabric_detach(ifindex);

	if (!err)
		printf("%s: detached\n", name);
	return err;
}

static int cmd_unload(const char *pin_dir, int argc, char **argv)
{
	int i, ifindex, ret = 0;

	if (argc) {
		for (i = 0; i < argc; i++) {
			ifindex = iface_index(argv[i]);
			if (!ifindex || detach_one(ifindex, argv[i]))
				ret = 1;
		}
	} else if (for_each_attached(detach_one)) {
		ret = 1;
	}
	if (fabric_unpin(pin_dir))
		ret = 1;
	return ret;
}

static int status_one(int ifindex, const char *name)
{
	bool xdp, tc, generic;

	if (fabric_attached(ifindex, &xdp, &tc, &generic))
		return -1;
	printf("%-16s xdp %-8s tc-egress %s\n", name,
	       xdp ? (generic ? "generic" : "native") : "-", tc ? "yes" : "-");
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	int i, ifindex;

	if (!argc)
		return for_each_attached(status_one) ? 1 : 0;
	for (i = 0; i < argc; i++) {
		ifindex = iface_index(argv[i]);
		if (!ifindex || status_one(ifindex, argv[i]))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "flows", required_argument, NULL, 'F' },
		{ "tx-flows", required_argument, NULL, 'T' },
		{ "node-id", required_argument, NULL, 'N' },
		{ "read-pmtu", required_argument, NULL, 'M' },
		{ "hash-seed", required_argument, NULL, 'S' },
		{ "xdp-mode", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum fabric_xdp_mode mode = FABRIC_XDP_AUTO;
	struct fabric_dp_opts opts;
	const char *cmd;
	int c;

	fabric_dp_opts_init(&opts);
	opts.pin_dir = fabric_pin_dir_default();
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			opts.pin_dir = optarg;
			break;
		case 'F':
			if (parse_u32("--flows", optarg, &opts.flows))
				return 2;
			break;
		case 'T':
			if (parse_u32("--tx-flows", optarg, &opts.tx_flows))
				return 2;
			break;
		case 'N':
			if (parse_u32("--node-id", optarg, &opts.node_id))
				return 2;
			break;
		case 'M':
			if (parse_u32("--read-pmtu", optarg, &opts.read_pmtu))
				return 2;
			break;
		case 'S':
			if (parse_u32("--hash-seed", optarg, &opts.hash_seed))
				return 2;
			break;
		case 'X':
			if (fabric_xdp_mode_parse(optarg, &mode)) {
				fprintf(stderr, "fabric-loader: --xdp-mode is auto, native or generic\n");
				return 2;
			}
			break;
		case 'v':
			fabric_log_set_level(FABRIC_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	/* getopt permutes: options may follow the command */
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;

	if (!strcmp(cmd, "load"))
		return cmd_load(&opts, mode, argc, argv);
	if (!strcmp(cmd, "unload"))
		return cmd_unload(opts.pin_dir, argc, argv);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc, argv);
	fprintf(stderr, "fabric-loader: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
