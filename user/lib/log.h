/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FABRIC_LOG_H
#define FABRIC_LOG_H

#include <stdarg.h>

enum fabric_log_level {
	FABRIC_LOG_ERR,
	FABRIC_LOG_WARN,
	FABRIC_LOG_INFO,
	FABRIC_LOG_DEBUG,
};

typedef void (*fabric_log_fn)(enum fabric_log_level level, const char *fmt,
			      va_list ap);

void fabric_log_set_level(enum fabric_log_level level);
enum fabric_log_level fabric_log_get_level(void);
void fabric_log_set_sink(fabric_log_fn fn);
void fabric_log(enum fabric_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)	fabric_log(FABRIC_LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	fabric_log(FABRIC_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	fabric_log(FABRIC_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	fabric_log(FABRIC_LOG_DEBUG, __VA_ARGS__)

#endif
