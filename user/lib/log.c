// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Leveled logging for the library and its programs; stderr by default. */
#include <stdio.h>

#include "log.h"

static enum fabric_log_level log_level = FABRIC_LOG_WARN;
static fabric_log_fn log_sink;

void fabric_log_set_level(enum fabric_log_level level)
{
	log_level = level;
}

enum fabric_log_level fabric_log_get_level(void)
{
	return log_level;
}

void fabric_log_set_sink(fabric_log_fn fn)
{
	log_sink = fn;
}

void fabric_log(enum fabric_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	if (log_sink)
		log_sink(level, fmt, ap);
	else
		vfprintf(stderr, fmt, ap);
	va_end(ap);
}
