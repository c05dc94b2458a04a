// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus text building blocks of user/lib/metrics.c and the listen
 * address parser of the exporter: exact output for escaping, numbers and
 * histograms, buffer growth, and every listen-address form.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "kselftest_harness.h"

#include "exporter.h"
#include "metrics.h"

FIXTURE(buf) {
	struct fabric_metrics_buf b;
};

FIXTURE_SETUP(buf)
{
	fabric_metrics_buf_init(&self->b);
}

FIXTURE_TEARDOWN(buf)
{
	fabric_metrics_buf_free(&self->b);
}

TEST_F(buf, label_escaping)
{
	struct fabric_metrics_label l[2] = {
		{ "port", "a\\b\"c\nd" },
		{ "empty", "" },
	};

	fabric_metrics_u64(&self->b, "fabric_x_total", l, 2, 42);
	ASSERT_EQ(0, self->b.err);
	ASSERT_STREQ("fabric_x_total{port=\"a\\\\b\\\"c\\nd\",empty=\"\"} 42\n",
		     self->b.data);
	ASSERT_EQ(strlen(self->b.data), self->b.len);
}

TEST_F(buf, help_escaping_keeps_quotes)
{
	fabric_metrics_header(&self->b, "fabric_y", "say \"hi\"\\now\nnext",
			      "gauge");
	ASSERT_STREQ("# HELP fabric_y say \"hi\"\\\\now\\nnext\n"
		     "# TYPE fabric_y gauge\n", self->b.data);
}

TEST_F(buf, no_labels_no_braces)
{
	fabric_metrics_u64(&self->b, "fabric_z", NULL, 0, 18446744073709551615ULL);
	ASSERT_STREQ("fabric_z 18446744073709551615\n", self->b.data);
}

TEST_F(buf, doubles)
{
	fabric_metrics_double(&self->b, "a", NULL, 0, 0.1);
	fabric_metrics_double(&self->b, "b", NULL, 0, 1e-9);
	fabric_metrics_double(&self->b, "c", NULL, 0, NAN);
	fabric_metrics_double(&self->b, "d", NULL, 0, INFINITY);
	fabric_metrics_double(&self->b, "e", NULL, 0, -INFINITY);
	fabric_metrics_double(&self->b, "f", NULL, 0, 2.5);
	ASSERT_STREQ("a 0.1\nb 1e-09\nc NaN\nd +Inf\ne -Inf\nf 2.5\n",
		     self->b.data);
}

TEST_F(buf, histogram_is_cumulative_with_inf_equal_to_count)
{
	static const double bounds[] = { 0.0001, 0.001, 0.01 };
	static const __u64 counts[] = { 1, 2, 3 };
	struct fabric_metrics_label l = { "path", "p1" };

	/* one observation above the last bound: +Inf = count = 7 */
	fabric_metrics_histogram(&self->b, "fabric_failover_seconds",
				 "Detection to repair.", &l, 1, bounds, counts,
				 3, 0.5, 7);
	ASSERT_EQ(0, self->b.err);
	ASSERT_STREQ("# HELP fabric_failover_seconds Detection to repair.\n"
		     "# TYPE fabric_failover_seconds histogram\n"
		     "fabric_failover_seconds_bucket{path=\"p1\",le=\"0.0001\"} 1\n"
		     "fabric_failover_seconds_bucket{path=\"p1\",le=\"0.001\"} 3\n"
		     "fabric_failover_seconds_bucket{path=\"p1\",le=\"0.01\"} 6\n"
		     "fabric_failover_seconds_bucket{path=\"p1\",le=\"+Inf\"} 7\n"
		     "fabric_failover_seconds_sum{path=\"p1\"} 0.5\n"
		     "fabric_failover_seconds_count{path=\"p1\"} 7\n",
		     self->b.data);
}

TEST_F(buf, histogram_without_labels)
{
	static const double bounds[] = { 1 };
	static const __u64 counts[] = { 0 };

	fabric_metrics_histogram_series(&self->b, "h", NULL, 0, bounds, counts,
					1, 0, 0);
	ASSERT_STREQ("h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
		     "h_sum 0\nh_count 0\n", self->b.data);
}

TEST_F(buf, grows_and_resets)
{
	size_t want = 0;
	int i;

	for (i = 0; i < 5000; i++) {
		fabric_metrics_printf(&self->b, "fabric_line_%d %d\n", i, i);
		want += snprintf(NULL, 0, "fabric_line_%d %d\n", i, i);
	}
	ASSERT_EQ(0, self->b.err);
	ASSERT_EQ(want, self->b.len);
	ASSERT_EQ(want, strlen(self->b.data));
	ASSERT_NE(NULL, strstr(self->b.data, "\nfabric_line_4999 4999\n"));
	fabric_metrics_buf_reset(&self->b);
	ASSERT_EQ(0, self->b.len);
	fabric_metrics_printf(&self->b, "x %s\n", "y");
	ASSERT_STREQ("x y\n", self->b.data);
}

static int parse(const char *s, struct sockaddr_storage *ss, char *err)
{
	return fabric_listen_parse(s, ss, err, 256);
}

TEST(listen_forms)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char err[256], a[INET6_ADDRSTRLEN];

	ASSERT_EQ(0, parse("127.0.0.1:19471", &ss, err));
	ASSERT_EQ(AF_INET, ss.ss_family);
	ASSERT_EQ(19471, ntohs(s4->sin_port));
	ASSERT_EQ(htonl(INADDR_LOOPBACK), s4->sin_addr.s_addr);

	ASSERT_EQ(0, parse("[::1]:80", &ss, err));
	ASSERT_EQ(AF_INET6, ss.ss_family);
	ASSERT_EQ(80, ntohs(s6->sin6_port));
	inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
	ASSERT_STREQ("::1", a);

	/* bare port or ":port": every address, dual stack */
	ASSERT_EQ(0, parse(":0", &ss, err));
	ASSERT_EQ(AF_INET6, ss.ss_family);
	ASSERT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr));
	ASSERT_EQ(0, parse("9100", &ss, err));
	ASSERT_EQ(9100, ntohs(s6->sin6_port));
}

TEST(listen_errors_say_what_is_wrong)
{
	struct sockaddr_storage ss;
	char err[256];

	ASSERT_EQ(-EINVAL, parse("::1:80", &ss, err));
	ASSERT_NE(NULL, strstr(err, "brackets"));
	ASSERT_EQ(-EINVAL, parse("127.0.0.1:65536", &ss, err));
	ASSERT_NE(NULL, strstr(err, "0-65535"));
	ASSERT_EQ(-EINVAL, parse("127.0.0.1:", &ss, err));
	ASSERT_EQ(-EINVAL, parse("127.0.0.1:-1", &ss, err));
	ASSERT_EQ(-EINVAL, parse("[::1]80", &ss, err));
	ASSERT_NE(NULL, strstr(err, "[ipv6]:port"));
	ASSERT_EQ(-EINVAL, parse("[nothost]:80", &ss, err));
	ASSERT_NE(NULL, strstr(err, "cannot resolve"));
	ASSERT_EQ(-EINVAL, parse("", &ss, err));
}

TEST_HARNESS_MAIN
