/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FABRICCTL_H
#define FABRICCTL_H

#include <stdbool.h>
#include <json-c/json.h>

#include "fabric_dp.h"

/* Exit codes, as documented in fabricctl(8) */
#define EXIT_OK		0
#define EXIT_ERR	1
#define EXIT_USAGE	2

struct ctl {
	bool		json;
	bool		pretty;
	const char	*pin_dir;
};

struct ctl_cmd {
	const char	*name;
	int		(*run)(struct ctl *ctl, int argc, char **argv);
	const char	*help;
};

int cmd_flows(struct ctl *ctl, int argc, char **argv);
int cmd_ports(struct ctl *ctl, int argc, char **argv);
int cmd_replay(struct ctl *ctl, int argc, char **argv);
int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_events(struct ctl *ctl, int argc, char **argv);
int cmd_groups(struct ctl *ctl, int argc, char **argv);
int cmd_paths(struct ctl *ctl, int argc, char **argv);
int cmd_path(struct ctl *ctl, int argc, char **argv);
int cmd_int(struct ctl *ctl, int argc, char **argv);

/* status.c: fabricd's control socket */
const char *ctl_socket_path(const char *opt);
int ctl_daemon_ask(const char *path, const char *req, struct json_object **out);
void ctl_daemon_err(const char *path, int err);
/* groups.c: --socket PATH as the only option; optind or -1 (usage error) */
int ctl_socket_opt(int argc, char **argv, const char **sock);
/* groups.c: ask fabricd, or explain on stderr why it can't answer */
int ctl_ask_or_explain(const char *sock, const char *req, struct json_object **out);

/* main.c: fields of fabricd's replies; a missing key reads as "" or 0 */
const char *ctl_jstr(struct json_object *o, const char *k);
unsigned long long ctl_ju64(struct json_object *o, const char *k);
struct json_object *ctl_jget(struct json_object *o, const char *k);

int ctl_open_maps(struct ctl *ctl, struct fabric_maps *m);
void ctl_print_json(struct ctl *ctl, struct json_object *o);
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ctl_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_human_count(__u64 v, char *buf, size_t len);

#endif
