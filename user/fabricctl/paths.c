// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricctl paths: every path of fabricd's groups with its live state, the
 * last transition (when and why) and its counters.
 * fabricctl path drain|undrain NAME: manual maintenance, root only; fabricd
 * logs every attempt with the caller's uid and pid.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fabricctl.h"

static void since(struct json_object *p, char *buf, size_t len)
{
	struct json_object *v = ctl_jget(p, "since_s");
	double s;

	if (!v) {
		snprintf(buf, len, "-");
		return;
	}
	s = json_object_get_double(v);
	if (s < 100)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 6000)
		snprintf(buf, len, "%.0fm", s / 60);
	else
		snprintf(buf, len, "%.1fh", s / 3600);
}

/* The gray-failure monitor's view of a path: off, clean, suspect, drained. */
static const char *gray_state(struct json_object *p)
{
	struct json_object *g = ctl_jget(p, "gray");

	return g ? ctl_jstr(g, "state") : "-";
}

/* Why paths are suspect or drained: the link and its evidence. */
static void print_gray_why(struct json_object *arr)
{
	size_t i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		struct json_object *w = ctl_jget(ctl_jget(p, "gray"), "why");

		if (!w)
			continue;
		printf("%s: gray %s: link %s, %s, loss %llu ppm, delay %lld us, confidence %.2f%s\n",
		       ctl_jstr(p, "name"), gray_state(p), ctl_jstr(w, "link"),
		       ctl_jstr(w, "kind"), (unsigned long long)ctl_ju64(w, "loss_ppm"),
		       (long long)json_object_get_int64(ctl_jget(w, "delay_us")),
		       json_object_get_double(ctl_jget(w, "confidence")),
		       json_object_get_boolean(ctl_jget(w, "drained")) ? "" :
		       " (not drained: below the threshold, or monitor-only)");
	}
}

static void print_paths(struct json_object *arr)
{
	size_t i, n = json_object_array_length(arr);
	char st[32], ago[16], rtt[16];

	printf("%-12s %-12s %-8s %-16s %-9s %-7s %-17s %9s %8s %5s %10s %8s %8s %-8s\n",
	       "PATH", "GROUP", "DEV", "GATEWAY", "STATE", "SINCE", "REASON", "INSTALLED",
	       "FAILOVER", "FLAPS", "PROBES", "MISSED", "RTT", "GRAY");
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		struct json_object *pr = ctl_jget(p, "probe"), *c = ctl_jget(p, "counters");
		const char *state = ctl_jstr(p, "state");

		snprintf(st, sizeof(st), "%s%s", !strcmp(state, "up") ? "UP" :
			 !strcmp(state, "down") ? "DOWN" : !strcmp(state, "holddown") ?
			 "HOLDDOWN" : state,
			 json_object_get_boolean(ctl_jget(p, "drained")) ? "*" : "");
		since(p, ago, sizeof(ago));
		if (ctl_jget(pr, "rtt_avg_us"))
			snprintf(rtt, sizeof(rtt), "%.1fus",
				 json_object_get_double(ctl_jget(pr, "rtt_avg_us")));
		else
			snprintf(rtt, sizeof(rtt), "-");
		printf("%-12s %-12s %-8s %-16s %-9s %-7s %-17s %9s %8llu %5llu ",
		       ctl_jstr(p, "name"), ctl_jstr(p, "group"), ctl_jstr(p, "dev"), ctl_jstr(p, "gateway"),
		       st, ago, ctl_jstr(p, "reason"),
		       json_object_get_boolean(ctl_jget(p, "installed")) ?
		       (json_object_get_boolean(ctl_jget(p, "kept")) ? "kept" : "yes") : "no",
		       ctl_ju64(c, "failovers"), ctl_ju64(c, "flaps"));
		if (json_object_get_boolean(ctl_jget(pr, "enabled")))
			printf("%10llu %8llu %8s", ctl_ju64(pr, "sent"), ctl_ju64(pr, "missed"), rtt);
		else
			printf("%10s %8s %8s", "off", "-", "-");
		printf(" %-8s\n", gray_state(p));
	}
	printf("(* drained; \"kept\": down, but the last usable member, so still installed)\n");
	print_gray_why(arr);
}

int cmd_paths(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL, *arr;
	const char *sock;
	int ret, idx = ctl_socket_opt(argc, argv, &sock);

	if (idx < 0)
		return ctl_usage_err("paths: the only option is --socket PATH");
	if (idx < argc)
		return ctl_usage_err("paths: unexpected argument '%s'", argv[idx]);
	ret = ctl_ask_or_explain(sock, "{\"cmd\":\"paths\"}\n", &r);
	if (ret)
		goto out;
	arr = ctl_jget(r, "paths");
	if (ctl->json)
		ctl_print_json(ctl, r);
	else if (!arr || !json_object_array_length(arr))
		printf("no paths: no [group NAME] in fabricd's configuration\n");
	else
		print_paths(arr);
out:
	json_object_put(r);
	return ret;
}

int cmd_path(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL, *req, *known;
	const char *sock, *verb, *name;
	int err, ret = EXIT_ERR, idx = ctl_socket_opt(argc, argv, &sock);
	char list[512] = "";
	size_t i, n = 0;

	if (idx < 0)
		return ctl_usage_err("path: the only option is --socket PATH");
	if (argc - idx != 2)
		return ctl_usage_err("usage: fabricctl path drain|undrain NAME");
	verb = argv[idx];
	name = argv[idx + 1];
	if (strcmp(verb, "drain") && strcmp(verb, "undrain"))
		return ctl_usage_err("path: unknown command '%s' (drain, undrain)", verb);
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(verb));
	json_object_object_add(req, "path", json_object_new_string(name));
	snprintf(list, sizeof(list), "%s\n", json_object_to_json_string_ext(req,
		 JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	err = ctl_daemon_ask(sock, list, &r);
	list[0] = '\0';
	if (err == -EREMOTEIO) {
		known = ctl_jget(r, "known_paths");
		for (i = 0; known && i < json_object_array_length(known) && n < sizeof(list); i++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      json_object_get_string(json_object_array_get_idx(known, i)));
		if (!strcmp(ctl_jstr(r, "code"), "ENOENT"))
			ctl_err("%s: unknown path \"%s\"; known paths: %s", verb, name,
				n ? list : "none (no [group] configured)");
		else
			ctl_err("%s", ctl_jstr(r, "error"));
		if (ctl->json)
			ctl_print_json(ctl, r);
	} else if (err) {
		ctl_daemon_err(sock, err);
	} else {
		if (ctl->json)
			ctl_print_json(ctl, r);
		else
			printf("%s\n", ctl_jstr(r, "message"));
		ret = EXIT_OK;
	}
	json_object_put(r);
	return ret;
}
