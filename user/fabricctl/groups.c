// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricctl groups: fabricd's ECMP groups, their live members and recent
 * transitions. JSON with -j: fabricd's answer as is.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "fabricctl.h"

int ctl_socket_opt(int argc, char **argv, const char **sock)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{}
	};
	int c;

	optind = 1;
	*sock = NULL;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'S')
			return -1;
		*sock = optarg;
	}
	*sock = ctl_socket_path(*sock);
	return optind;
}

static void names(struct json_object *arr, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; arr && i < json_object_array_length(arr) && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "," : "",
			      json_object_get_string(json_object_array_get_idx(arr, i)));
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* Ask, and on failure say why; 0 or an exit code. */
int ctl_ask_or_explain(const char *sock, const char *req, struct json_object **out)
{
	int err = ctl_daemon_ask(sock, req, out);

	if (!err)
		return 0;
	if (err == -EREMOTEIO)
		ctl_err("%s", ctl_jstr(*out, "error"));
	else
		ctl_daemon_err(sock, err);
	return EXIT_ERR;
}

int cmd_groups(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL, *groups, *g, *rec, *t;
	const char *sock;
	char all[256], mem[256];
	size_t i, j, n;
	int ret, idx = ctl_socket_opt(argc, argv, &sock);

	if (idx < 0)
		return ctl_usage_err("groups: the only option is --socket PATH");
	if (idx < argc)
		return ctl_usage_err("groups: unexpected argument '%s'", argv[idx]);
	ret = ctl_ask_or_explain(sock, "{\"cmd\":\"groups\"}\n", &r);
	if (ret)
		goto out;
	groups = ctl_jget(r, "groups");
	n = groups ? json_object_array_length(groups) : 0;
	if (ctl->json) {
		ctl_print_json(ctl, r);
		goto out;
	}
	printf("executor %s\n", ctl_jstr(r, "executor"));
	if (!n) {
		printf("no groups configured ([group NAME] in fabricd's configuration)\n");
		goto out;
	}
	printf("%-16s %10s %-24s %-24s %-5s %9s %8s %6s\n", "GROUP", "ID", "PATHS",
	       "MEMBERS", "SYNC", "FAILOVERS", "RESTORES", "ERRORS");
	for (i = 0; i < n; i++) {
		g = json_object_array_get_idx(groups, i);
		names(ctl_jget(g, "paths"), all, sizeof(all));
		names(ctl_jget(g, "members"), mem, sizeof(mem));
		printf("%-16s %10llu %-24s %-24s %-5s %9llu %8llu %6llu\n", ctl_jstr(g, "name"),
		       ctl_ju64(g, "id"), all, mem,
		       json_object_get_boolean(ctl_jget(g, "in_sync")) ? "yes" : "no",
		       ctl_ju64(g, "failovers"), ctl_ju64(g, "restores"),
		       ctl_ju64(g, "executor_errors"));
		if (*ctl_jstr(g, "last_error"))
			printf("  last error: %s\n", ctl_jstr(g, "last_error"));
	}
	for (i = 0; i < n; i++) {
		g = json_object_array_get_idx(groups, i);
		rec = ctl_jget(g, "recent");
		if (!rec || !json_object_array_length(rec))
			continue;
		printf("\nrecent transitions of %s:\n", ctl_jstr(g, "name"));
		for (j = 0; j < json_object_array_length(rec); j++) {
			t = json_object_array_get_idx(rec, j);
			printf("  %s %-12s %s -> %s (%s)%s%s", ctl_jstr(t, "time"), ctl_jstr(t, "path"),
			       ctl_jstr(t, "from"), ctl_jstr(t, "to"), ctl_jstr(t, "reason"),
			       json_object_get_boolean(ctl_jget(t, "kept")) ? " kept: last path" : "",
			       json_object_get_boolean(ctl_jget(t, "flap")) ? " flap" : "");
			if (ctl_ju64(t, "repair_us"))
				printf(" repaired in %llu us", ctl_ju64(t, "repair_us"));
			if (*ctl_jstr(t, "error"))
				printf(" error: %s", ctl_jstr(t, "error"));
			printf("\n");
		}
	}
out:
	json_object_put(r);
	return ret;
}
