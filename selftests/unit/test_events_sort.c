// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one-shot `events` reply (user/fabricd/events_sort.c): fabricd lists
 * each source's events in a block (data path, reroute, gray); the reply
 * must be in time order across them, stable for equal times, and must
 * neither free nor leak an event that a source's ring still holds.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "events_sort.h"

/* An event as fabricd's sources make them: its type and its ts_ns. */
static struct json_object *ev(const char *type, unsigned long long ts)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(ts));
	return o;
}

/* "type@ts type@ts ...": the array as the test reads it. */
static void order(struct json_object *arr, char *buf, size_t len)
{
	struct json_object *o, *x;
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < json_object_array_length(arr) && off < len; i++) {
		o = json_object_array_get_idx(arr, i);
		json_object_object_get_ex(o, "ts_ns", &x);
		off += snprintf(buf + off, len - off, "%s%s@%llu", i ? " " : "",
				json_object_get_string(json_object_object_get(o, "type")),
				(unsigned long long)json_object_get_uint64(x));
	}
}

/* Two sources interleaved in time, then a third: one time line. */
TEST(sources_interleaved)
{
	struct json_object *arr = json_object_new_array();
	char got[512];

	/* the data path's ring, oldest first */
	json_object_array_add(arr, ev("psn_gap", 1000));
	json_object_array_add(arr, ev("probe_verdict", 3000));
	json_object_array_add(arr, ev("nak", 5000));
	/* the reroute ring */
	json_object_array_add(arr, ev("reroute", 2000));
	json_object_array_add(arr, ev("reroute", 4000));
	/* the gray ring */
	json_object_array_add(arr, ev("gray_suspect", 1500));
	json_object_array_add(arr, ev("gray_drain", 6000));
	ASSERT_EQ(0, fabricd_events_sort(arr));
	order(arr, got, sizeof(got));
	EXPECT_STREQ("psn_gap@1000 gray_suspect@1500 reroute@2000 probe_verdict@3000 "
		     "reroute@4000 nak@5000 gray_drain@6000", got);
	json_object_put(arr);
}

/* Equal times keep the sources' order, and each source's own order. */
TEST(equal_times_stable)
{
	struct json_object *arr = json_object_new_array();
	char got[2048], want[2048];
	size_t off;
	int i;

	json_object_array_add(arr, ev("probe_verdict", 7000));
	json_object_array_add(arr, ev("silence", 7000));
	json_object_array_add(arr, ev("psn_gap", 9000));
	json_object_array_add(arr, ev("reroute", 7000));
	json_object_array_add(arr, ev("reroute", 7000));
	json_object_array_add(arr, ev("gray_drain", 7000));
	for (i = 0; i < 40; i++)
		json_object_array_add(arr, ev(i % 2 ? "gray_restore" : "gray_clear", 8000));
	ASSERT_EQ(0, fabricd_events_sort(arr));
	off = snprintf(want, sizeof(want), "probe_verdict@7000 silence@7000 "
		       "reroute@7000 reroute@7000 gray_drain@7000");
	for (i = 0; i < 40; i++)
		off += snprintf(want + off, sizeof(want) - off, " %s@8000",
				i % 2 ? "gray_restore" : "gray_clear");
	snprintf(want + off, sizeof(want) - off, " psn_gap@9000");
	order(arr, got, sizeof(got));
	EXPECT_STREQ(want, got);
	json_object_put(arr);
}

/* An event a ring still holds: after the reply is freed, it is intact. */
TEST(ring_reference_kept)
{
	struct json_object *arr = json_object_new_array();
	struct json_object *ring = ev("gray_suspect", 100);

	json_object_array_add(arr, ev("psn_gap", 200));
	json_object_array_add(arr, json_object_get(ring));	/* as gray.c does */
	ASSERT_EQ(0, fabricd_events_sort(arr));
	EXPECT_EQ(ring, json_object_array_get_idx(arr, 0));
	EXPECT_EQ(1, json_object_put(arr));	/* the array went */
	/* the ring's reference is the only one left: this put frees it */
	EXPECT_STREQ("gray_suspect", json_object_get_string(json_object_object_get(ring, "type")));
	EXPECT_EQ(1, json_object_put(ring));
}

TEST(empty_and_single)
{
	struct json_object *arr = json_object_new_array();
	char got[64];

	ASSERT_EQ(0, fabricd_events_sort(arr));
	EXPECT_EQ(0, (int)json_object_array_length(arr));
	json_object_array_add(arr, ev("nak", 5));
	ASSERT_EQ(0, fabricd_events_sort(arr));
	order(arr, got, sizeof(got));
	EXPECT_STREQ("nak@5", got);
	json_object_put(arr);
}

TEST_HARNESS_MAIN
