/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * [gray] of fabric.conf and the links key of [path NAME] (config_gray.c;
 * Documentation/gray.md, Documentation/configuration.md).
 */
#ifndef FABRICD_CONFIG_GRAY_H
#define FABRICD_CONFIG_GRAY_H

#include <stdbool.h>
#include <linux/types.h>

#define FCFG_GRAY_LINKS		64	/* distinct link names */
#define FCFG_GRAY_HOPS		8	/* links per path */
#define FCFG_GRAY_PATHS		256	/* == FCFG_MAX_PATHS */
#define FCFG_GRAY_NAME		32	/* == FCFG_NAME_MAX */

enum fcfg_gray_action {
	FCFG_GRAY_DRAIN,
	FCFG_GRAY_MONITOR,
};

struct fcfg_gray {
	bool	enable;
	int	enable_line;
	__u32	action;			/* enum fcfg_gray_action */
	__u32	loss_threshold_ppm;
	__u32	delay_threshold_us;
	__u32	restore_clean_s;
	/* monitor_only: names, checked against the links once all is read */
	int	n_monitor;
	char	monitor[FCFG_GRAY_LINKS][FCFG_GRAY_NAME];
	int	monitor_line;
	/* every link a path's links key names, in order of appearance */
	int	n_links;
	char	link[FCFG_GRAY_LINKS][FCFG_GRAY_NAME];
	/* per [path] (config order): its links as indexes into link[] */
	__u8	path_n[FCFG_GRAY_PATHS];
	__u8	path_link[FCFG_GRAY_PATHS][FCFG_GRAY_HOPS];
};

#endif
