/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * [int] and [int_class NAME] of fabric.conf (config_int.c,
 * config_int_class.c; Documentation/configuration.md).
 */
#ifndef FABRICD_CONFIG_INT_H
#define FABRICD_CONFIG_INT_H

#include <linux/types.h>

#include "int_prober.h"

#define FCFG_INT_MAX_CLASSES	8	/* [int_class NAME] sections */
#define FCFG_INT_GROUPS_RAW	256

/* The DSCPs of a class, and where they were set. */
struct fcfg_dscp {
	__u64	mask;
	int	line;		/* 0: not set */
};

/* Probe-mode keys, in [int] and in each [int_class NAME]. */
struct fcfg_int_probe {
	__u32		rate;		/* rounds per second; 0: fabricd sends none */
	int		rate_line;
	int		n_targets;	/* probe_targets, then probe_groups' */
	struct fip_addr	target[FIP_MAX_TARGETS];
	int		targets_line;
	char		groups_raw[FCFG_INT_GROUPS_RAW];	/* resolved at the end */
	int		groups_line;
	__u16		sport_lo, sport_hi;	/* probe_sports; 0: one ephemeral */
	struct fip_addr	src4, src6;		/* probe_source */
	int		src_line;
};

/* One flow class: the [int] default class or an [int_class NAME]. */
struct fcfg_int_class {
	char			name[32];	/* "default" for [int] */
	int			line;		/* of the header; 0 for [int] */
	struct fcfg_dscp	dscp;
	__u32			mode;		/* FABRIC_INT_MODE_* */
	int			mode_line;
	__u32			sample;		/* embed: 1 in N packets per flow */
	__u32			max_hops;
	__u32			instr;		/* instruction bitmap */
	struct fcfg_int_probe	probe;
};

struct fcfg_int {
	__u32	roles;		/* FABRIC_INT_ROLE_* */
	__u32	node_id;
	int	node_id_line;	/* 0: [node] id */
	__u32	udp_port;
	__u32	probe_port;
	__u32	mtu;
	__u32	domain_id;
	__u32	top_paths;	/* path latency series exported */
	/*
	 * The default class ([int] mode, dscp, sample, ...: the DSCPs that no
	 * [int_class] lists), then the [int_class NAME] sections.
	 */
	struct fcfg_int_class	def;
	int			n_classes;
	struct fcfg_int_class	cls[FCFG_INT_MAX_CLASSES];
};

/* config_int_class.c: the probe keys' setters, shared by both sections. */
struct fcfg_parse;
struct fcfg_key;
int fcfg_int_set_dscp(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen);
int fcfg_int_set_instr(struct fcfg_parse *p, const struct fcfg_key *k,
		       void *field, const char *v, char *why, size_t whylen);
int fcfg_int_set_targets(struct fcfg_parse *p, const struct fcfg_key *k,
			 void *field, const char *v, char *why, size_t whylen);
int fcfg_int_set_groups(struct fcfg_parse *p, const struct fcfg_key *k,
			void *field, const char *v, char *why, size_t whylen);
int fcfg_int_set_sports(struct fcfg_parse *p, const struct fcfg_key *k,
			void *field, const char *v, char *why, size_t whylen);
int fcfg_int_set_source(struct fcfg_parse *p, const struct fcfg_key *k,
			void *field, const char *v, char *why, size_t whylen);
int fcfg_int_set_rate(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen);
int fcfg_int_set_mode(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen);
void fcfg_int_class_defaults(struct fcfg_int_class *c, const char *name);

#endif
