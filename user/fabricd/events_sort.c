// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The `events` reply in time order across its sources (events_sort.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "events_sort.h"

struct ev_key {
	uint64_t		ts;
	size_t			pos;	/* the tie-break that makes it stable */
	struct json_object	*ev;
};

static int ev_key_cmp(const void *a, const void *b)
{
	const struct ev_key *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int fabricd_events_sort(struct json_object *arr)
{
	size_t n = json_object_array_length(arr), i;
	struct json_object *ts;
	struct ev_key *k;

	if (n < 2)
		return 0;
	k = calloc(n, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		k[i].ev = json_object_array_get_idx(arr, i);
		k[i].pos = i;
		if (json_object_object_get_ex(k[i].ev, "ts_ns", &ts))
			k[i].ts = json_object_get_uint64(ts);
	}
	qsort(k, n, sizeof(*k), ev_key_cmp);
	/* each slot's put drops the old reference: hold one for the move */
	for (i = 0; i < n; i++)
		json_object_get(k[i].ev);
	for (i = 0; i < n; i++)
		json_object_array_put_idx(arr, i, k[i].ev);
	free(k);
	return 0;
}
