// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricctl events [-f]: the data path's recent events, kept by fabricd,
 * and with -f a live stream of new ones; the data-path reroute's stages
 * (type "reroute": detected, rerouted, replaced, cleared) and the gray
 * verdicts (types "gray_*") among them, in time order (fabricd merges its
 * sources: events_sort.c). JSON with -j: an array of event objects, or with
 * -f one event object per line, the same for every type (fabricd streams
 * each as {"event": {...}}; the wrapper is dropped here).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabricctl.h"

int ctl_daemon_connect(const char *path);
struct json_object *ctl_daemon_read(int fd, char **buf, size_t *len);
int ctl_daemon_send(int fd, const char *req);
void ctl_daemon_err(const char *path, int err);
void ctl_print_event(struct json_object *ev);

/* A data-path reroute stage (fabricd's reroute.c). */
static void print_reroute(struct json_object *ev)
{
	printf("%s %-8s %-10s %s/%s %.1f us after the verdict (generation %llu, %s",
	       ctl_jstr(ev, "time"), "reroute", ctl_jstr(ev, "stage"),
	       ctl_jstr(ev, "group"), ctl_jstr(ev, "path"),
	       ctl_ju64(ev, "since_verdict_ns") / 1e3,
	       (unsigned long long)ctl_ju64(ev, "generation"), ctl_jstr(ev, "source"));
	if (strcmp(ctl_jstr(ev, "stage"), "detected"))
		printf(", %llu packets moved", (unsigned long long)ctl_ju64(ev, "redirected"));
	printf(")\n");
}

/* A gray-failure verdict (fabricd's gray.c). */
static void print_gray(struct json_object *ev)
{
	struct json_object *paths = ctl_jget(ev, "paths");
	size_t i;

	printf("%s %-12s link %s: %s, loss %llu ppm, delay %llu us, confidence %.2f, paths",
	       ctl_jstr(ev, "time"), ctl_jstr(ev, "type"), ctl_jstr(ev, "link"),
	       ctl_jstr(ev, "kind"), (unsigned long long)ctl_ju64(ev, "loss_ppm"),
	       (unsigned long long)ctl_ju64(ev, "delay_us"),
	       json_object_get_double(ctl_jget(ev, "confidence")));
	for (i = 0; paths && i < json_object_array_length(paths); i++)
		printf("%s%s", i ? "," : " ",
		       json_object_get_string(json_object_array_get_idx(paths, i)));
	printf("\n");
}

static void show(struct ctl *ctl, struct json_object *ev, bool stream)
{
	if (!ctl->json && !strncmp(ctl_jstr(ev, "type"), "gray_", 5))
		print_gray(ev);
	else if (!ctl->json && !strcmp(ctl_jstr(ev, "type"), "reroute"))
		print_reroute(ev);
	else if (!ctl->json)
		ctl_print_event(ev);
	else if (stream)
		puts(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
}

int cmd_events(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "max", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 'S' },
		{}
	};
	struct json_object *o, *arr, *ok, *ev;
	const char *sock = NULL;
	bool follow = false;
	char req[128], *buf = NULL, *end;
	size_t len = 0, i;
	long max = -1;
	int c, fd, ret = EXIT_ERR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "fn:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 'n':
			max = strtol(optarg, &end, 10);
			if (*end || !*optarg || max < 0)
				return ctl_usage_err("--max wants a number, got '%s'", optarg);
			break;
		case 'S':
			sock = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ctl_usage_err("events: unexpected argument '%s'", argv[optind]);
	sock = ctl_socket_path(sock);
	if (max < 0)
		max = follow ? 10 : 0;

	fd = ctl_daemon_connect(sock);
	if (fd < 0) {
		ctl_daemon_err(sock, fd);
		return EXIT_ERR;
	}
	/* subscribe first: fabricd answers both before any new event */
	snprintf(req, sizeof(req), "%s{\"cmd\":\"events\",\"max\":%ld}\n",
		 follow ? "{\"cmd\":\"subscribe\"}\n" : "", max);
	if (ctl_daemon_send(fd, req)) {
		ctl_daemon_err(sock, -errno);
		goto out;
	}
	if (follow) {
		o = ctl_daemon_read(fd, &buf, &len);
		if (!o || !json_object_object_get_ex(o, "ok", &ok) ||
		    !json_object_get_boolean(ok)) {
			ctl_err("fabricd refused the subscription");
			json_object_put(o);
			goto out;
		}
		json_object_put(o);
	}
	o = ctl_daemon_read(fd, &buf, &len);
	if (!o || !json_object_object_get_ex(o, "events", &arr)) {
		ctl_err("fabricd sent no event list");
		json_object_put(o);
		goto out;
	}
	if (ctl->json && !follow) {
		ctl_print_json(ctl, arr);
	} else {
		for (i = 0; i < json_object_array_length(arr); i++)
			show(ctl, json_object_array_get_idx(arr, i), true);
		if (!ctl->json && !follow && !json_object_array_length(arr))
			printf("(no events)\n");
	}
	json_object_put(o);
	ret = EXIT_OK;
	while (follow) {
		o = ctl_daemon_read(fd, &buf, &len);
		if (!o) {
			ctl_err("fabricd closed the stream (stopped or restarted)");
			ret = EXIT_ERR;
			break;
		}
		if (json_object_object_get_ex(o, "event", &ev))
			show(ctl, ev, true);
		json_object_put(o);
	}
out:
	free(buf);
	close(fd);
	return ret;
}
