// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Log sink: on a terminal, "fabricd: warning: ..."; under systemd (or when
 * stderr is not a terminal) every line starts with a "<N>" syslog priority,
 * which journald turns into the entry's priority.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "fabricd.h"
#include "log.h"

static bool journal;

static void sink(enum fabric_log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { 3, 4, 6, 7 };
	static const char *const name[] = { "error: ", "warning: ", "", "debug: " };
	char buf[2048], *line, *save = NULL;
	size_t len;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	len = strlen(buf);
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	/* one prefixed line per line, so journald keeps the priority */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (journal)
			fprintf(stderr, "<%d>%s\n", prio[level], line);
		else
			fprintf(stderr, "fabricd: %s%s\n", name[level], line);
	}
}

/*
 * Until fabric_dp_load() installs the library's own: interface probes made
 * before the load would otherwise print libbpf's expected netlink errors.
 */
static int early_libbpf_print(enum libbpf_print_level level, const char *fmt,
			      va_list ap)
{
	char buf[512];

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!strstr(buf, "Kernel error message"))
		fabric_log(FABRIC_LOG_WARN, "libbpf: %s", buf);
	return 0;
}

void fabricd_log_init(void)
{
	libbpf_set_print(early_libbpf_print);
	const char *js = getenv("JOURNAL_STREAM");

	journal = (js && *js) || !isatty(STDERR_FILENO);
	setvbuf(stderr, NULL, _IOLBF, 0);
	fabric_log_set_sink(sink);
}
