/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fabricd's configuration: one INI file (inih). Documentation/configuration.md
 * describes every section and key. Parsing never touches the system beyond
 * reading the file and looking interface names up.
 *
 * Sections and keys are defined in config_core.c, config_group.c and
 * config_path.c; a new one goes in a file of its own (config_ext.h says
 * how) with its values in one member of struct fabricd_config below.
 */
#ifndef FABRICD_CONFIG_H
#define FABRICD_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>

#include "fabric_dp.h"
#include "config_int.h"
#include "config_gray.h"
#include "config_verdict.h"
#include "config_gray_int.h"

#define FABRICD_DEFAULT_CONFIG		"/etc/fabric/fabric.conf"
#define FABRICD_DEFAULT_SOCKET		"/run/fabric/fabricd.sock"

#define FCFG_MAX_IFACES		64
#define FCFG_MAX_GROUPS		8	/* FFE_MAX_GROUPS */
#define FCFG_MAX_PATHS		256
#define FCFG_GROUP_MAX_PATHS	16	/* FABRIC_FO_MAX_PATHS */
#define FCFG_NAME_MAX		32
#define FCFG_MAX_ERRORS		32
#define FCFG_MAX_ROUTES		8	/* FNH_MAX_ROUTES */

struct fcfg_iface {
	char	name[IF_NAMESIZE];
	int	ifindex;
};

struct fcfg_path {
	char	name[FCFG_NAME_MAX];
	int	line;			/* of the [path NAME] header */
	char	dev[IF_NAMESIZE];
	int	ifindex;
	int	gw_family;		/* 0: no gateway, AF_INET, AF_INET6 */
	__u8	gateway[16];
	__u32	nexthop_id;
	__u32	weight;
	bool	probe;			/* probe this path (default on) */
	int	peer_family;		/* 0: probe the gateway */
	__u8	probe_peer[16];
	int	group;			/* index of its group, -1 none */
	int	dev_line, ifindex_line, nhid_line, gw_line;
};

struct fcfg_route {
	int	family;
	__u8	dst[16];
	__u8	plen;
};

struct fcfg_group {
	char	name[FCFG_NAME_MAX];
	int	line;
	__u32	id;
	int	id_line;
	int	n_paths;
	int	path[FCFG_GROUP_MAX_PATHS];	/* index into config paths[] */
	char	*paths_raw;		/* resolved after the whole file is read */
	int	paths_line;
	__u32	buckets;		/* resilient group buckets */
	__u32	idle_timer_ms;
	__u32	unbalanced_timer_ms;
	int	n_routes;
	struct fcfg_route route[FCFG_MAX_ROUTES];
};

struct fcfg_thresholds {
	__u32	probe_interval_us;
	__u32	probe_miss_threshold;
	__u32	psn_gap_burst;
	__u32	silence_ms;		/* 0: silence detection off */
	__u32	holddown_ms;
	__u32	holddown_max_ms;
	__u32	probe_timeout_us;	/* 0: 3 x probe_interval_us */
	__u32	recover_probes;
	__u32	stall_tolerance_us;
	__u32	half_life_ms;
	__u32	probe_port;
};

struct fabricd_config {
	char			path[PATH_MAX];
	/* [node] */
	__u32			node_id;
	/* [datapath] */
	struct fcfg_iface	iface[FCFG_MAX_IFACES];
	int			n_ifaces;
	__u32			flows;
	__u32			tx_flows;
	char			pin_dir[256];
	enum fabric_xdp_mode	xdp_mode;
	__u32			read_pmtu;
	__u32			event_interval_ms;
	/* [exporter] */
	char			listen[128];	/* "" or "off": disabled */
	__u32			top_k;
	__u32			rate_window_s;
	/* [control] */
	char			socket_path[108];
	/* [log] */
	__u32			event_log_burst;	/* events logged per minute */
	/* [thresholds] */
	struct fcfg_thresholds	thr;
	/* [group NAME], [path NAME] */
	struct fcfg_group	group[FCFG_MAX_GROUPS];
	int			n_groups;
	struct fcfg_path	path_[FCFG_MAX_PATHS];
	int			n_paths;
	/* Sections and keys from other files (config_ext.h): one member each. */
	struct fcfg_int		int_;		/* [int] */
	struct fcfg_gray	gray;		/* [gray], [path] links */
	struct fcfg_verdict	verdict;	/* [verdict] */
	struct fcfg_gray_int	gray_int;	/* [gray_int] */
};

/* Messages, each "FILE:LINE: [section] key: what is expected". */
struct fcfg_errors {
	char	msg[FCFG_MAX_ERRORS][320];
	int	line[FCFG_MAX_ERRORS];
	int	n;
	int	dropped;
};

void fabricd_config_defaults(struct fabricd_config *c);
/*
 * Parse and validate path into c (defaults first). Returns 0, or -1 with
 * every problem found in errs. -ENOENT-like "cannot open" is an error too.
 */
int fabricd_config_load(const char *path, struct fabricd_config *c,
			struct fcfg_errors *errs);
void fabricd_config_free(struct fabricd_config *c);
void fcfg_errors_print(const struct fcfg_errors *errs, FILE *f);
bool fabricd_listen_enabled(const struct fabricd_config *c);
const char *fcfg_xdp_mode_str(enum fabric_xdp_mode m);

#endif
