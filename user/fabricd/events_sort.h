/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FABRICD_EVENTS_SORT_H
#define FABRICD_EVENTS_SORT_H

#include <json-c/json.h>

/*
 * Sorts the one-shot `events` reply, which lists the data path's events,
 * then the reroute stages, then the gray verdicts, by "ts_ns" (every kind
 * has it, CLOCK_MONOTONIC); events of the same time keep their order.
 * Returns 0, or -ENOMEM with @arr left as it was.
 */
int fabricd_events_sort(struct json_object *arr);

#endif
