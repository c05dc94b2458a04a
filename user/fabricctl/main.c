// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricctl: the operator CLI. iproute2 habits: `fabricctl [-j] [-p] OBJECT
 * [COMMAND] [ARGS]`, human tables by default, JSON with -j.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabricctl.h"
#include "log.h"

static const struct ctl_cmd commands[] = {
	{ "flows", cmd_flows, "flows [--top N] [--sort bytes|packets|ce|cnp|gaps|naks]" },
	{ "ports", cmd_ports, "ports" },
	{ "replay", cmd_replay, "replay [--flows N] [--read-pmtu N] [--hash-seed N] [--top N] [--sort KEY] [--int[=PORT]] FILE" },
	{ "status", cmd_status, "status [--socket PATH]" },
	{ "events", cmd_events, "events [-f] [--max N] [--socket PATH]" },
	{ "groups", cmd_groups, "groups [--socket PATH]" },
	{ "paths", cmd_paths, "paths [--socket PATH]" },
	{ "path", cmd_path, "path drain|undrain NAME [--socket PATH]" },
	{ "int", cmd_int, "int [show] | int probe DST [-n COUNT] [-r RATE] [--dscp D] [--sport P|LO-HI] [--source ADDR] [--port P]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: fabricctl [-j] [-p] [--pin-dir DIR] OBJECT [ARGS]\n"
		   "Objects:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].help);
	fprintf(f, "Options:\n"
		   "  -j, --json      JSON output\n"
		   "  -p, --pretty    indented JSON\n"
		   "  --pin-dir DIR   data path pins (default %s, or $FABRIC_PIN_DIR)\n"
		   "  -v              verbose\n",
		FABRIC_PIN_DIR);
}

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("fabricctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("fabricctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'fabricctl --help'.\n", stderr);
	return EXIT_USAGE;
}

int ctl_open_maps(struct ctl *ctl, struct fabric_maps *m)
{
	int err = fabric_maps_open_pinned(ctl->pin_dir, m);

	if (!err)
		return 0;
	if (err == -ENOENT)
		ctl_err("fabric data path not loaded (nothing pinned at %s): run `fabricd` or `make demo`",
			ctl->pin_dir);
	else if (err == -EPERM || err == -EACCES)
		ctl_err("cannot open %s: permission denied (the pins are root-only)",
			ctl->pin_dir);
	else
		ctl_err("cannot open the data path at %s: %s", ctl->pin_dir,
			strerror(-err));
	return err;
}

void ctl_print_json(struct ctl *ctl, struct json_object *o)
{
	int flags = ctl->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				  JSON_C_TO_STRING_PLAIN;

	puts(json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

const char *ctl_jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) && v ?
	       json_object_get_string(v) : "";
}

unsigned long long ctl_ju64(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ?
	       json_object_get_uint64(v) : 0;
}

struct json_object *ctl_jget(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

void ctl_human_count(__u64 v, char *buf, size_t len)
{
	static const char *const unit[] = { "", "K", "M", "G", "T", "P" };
	double d = v;
	int u = 0;

	if (v < 10000) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return;
	}
	while (d >= 1000 && u < 5) {
		d /= 1000;
		u++;
	}
	snprintf(buf, len, "%.1f%s", d, unit[u]);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct ctl ctl = { .pin_dir = fabric_pin_dir_default() };
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+jpvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.pretty = true;
			break;
		case 'P':
			ctl.pin_dir = optarg;
			break;
		case 'v':
			fabric_log_set_level(FABRIC_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			optind++;
			return commands[i].run(&ctl, argc - optind + 1,
					       argv + optind - 1);
		}
	}
	return ctl_usage_err("unknown object '%s'", argv[optind]);
}
