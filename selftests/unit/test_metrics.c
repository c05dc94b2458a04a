// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus text building blocks of user/lib/metrics.c and the listen
 * address parser of the exporter: exact output for escaping, numbers and
 * histograms, buffer growth, and every listen-address form. Also the top-K
 * flow selection of metrics_flows.c against a brute-force reference, and
 * the monotonic-to-Unix conversion of the *_timestamp_seconds gauges.
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
#include "metrics_int.h"

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

static __u64 lcg(__u64 *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 33;
}

static void flow_at(struct fabric_flow *f, unsigned int i, __u64 *rnd)
{
	memset(f, 0, sizeof(*f));
	f->key.qp_family = ((i + 1) << 8) | FABRIC_AF_INET;
	f->key.src[10] = f->key.src[11] = 0xff;
	f->key.src[12] = 10;
	f->key.src[15] = i & 0xff;
	f->key.src[14] = i >> 8;
	/* few distinct values: ties between flows are common */
	f->bytes = lcg(rnd) % 3000;
	f->ce = lcg(rnd) % 4 ? 0 : lcg(rnd) % 20;
	f->cnp = lcg(rnd) % 5 ? 0 : lcg(rnd) % 20;
	f->psn_gaps = lcg(rnd) % 6 ? 0 : lcg(rnd) % 20;
}

/* The k-th largest non-zero (or any, for bytes) value of one ranking. */
static __u64 kth(const struct fabric_flow *f, unsigned int n, unsigned int k,
		 int which, unsigned int *nonzero)
{
	__u64 v[2000], t;
	unsigned int i, j, m = 0;

	for (i = 0; i < n; i++) {
		__u64 x = which == 0 ? f[i].bytes : which == 1 ? f[i].ce :
			  which == 2 ? f[i].cnp : f[i].psn_gaps;

		if (which && !x)
			continue;
		v[m++] = x;
	}
	for (i = 0; i < m; i++)		/* descending, small n */
		for (j = i + 1; j < m; j++)
			if (v[j] > v[i]) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	*nonzero = m;
	return m >= k ? v[k - 1] : 0;
}

/*
 * A flow must be exported if it is strictly above the k-th value of some
 * ranking, may be if it ties it, and must not be otherwise; each ranking
 * contributes min(k, candidates) flows, and no flow appears twice.
 */
TEST(top_k_selection_matches_brute_force)
{
	static struct fabric_flow f[2000];
	const unsigned int n = 2000, k = 7;
	struct fabric_metrics_heap *hp = fabric_metrics_heap_new(k);
	struct fabric_metrics_row *rows;
	unsigned int i, j, nrows, cand[4], must = 0, round;
	__u64 rnd = 42, th[4];

	ASSERT_NE(NULL, hp);
	for (round = 0; round < 3; round++) {
		fabric_metrics_heap_reset(hp);
		for (i = 0; i < n; i++) {
			flow_at(&f[i], i, &rnd);
			fabric_metrics_heap_offer(hp, &f[i]);
		}
		for (j = 0; j < 4; j++)
			th[j] = kth(f, n, k, j, &cand[j]);
		nrows = fabric_metrics_heap_rows(hp, &rows);
		ASSERT_LE(nrows, 4 * k);
		for (i = 0; i < nrows; i++) {
			const struct fabric_flow *r = &rows[i].r.rx;
			__u64 v[4] = { r->bytes, r->ce, r->cnp, r->psn_gaps };
			bool ok = false;

			for (j = 0; j < 4; j++)
				ok = ok || (v[j] >= th[j] && (j == 0 || v[j]));
			ASSERT_TRUE(ok);
			if (i) {
				ASSERT_NE(0, memcmp(&r->key, &rows[i - 1].r.rx.key,
						    sizeof(r->key)));
				ASSERT_GE(rows[i - 1].r.rx.bytes, r->bytes);
			}
			ASSERT_NE(NULL, strstr(rows[i].labels, "src=\"10.0."));
		}
		/* every flow strictly above a threshold is in */
		for (i = 0; i < n; i++) {
			__u64 v[4] = { f[i].bytes, f[i].ce, f[i].cnp, f[i].psn_gaps };
			bool need = false, found = false;

			for (j = 0; j < 4; j++)
				need = need || (cand[j] > k ? v[j] > th[j] :
						(j == 0 || v[j]));
			if (!need)
				continue;
			must++;
			for (j = 0; j < nrows && !found; j++)
				found = !memcmp(&rows[j].r.rx.key, &f[i].key,
						sizeof(f[i].key));
			ASSERT_TRUE(found);
		}
	}
	ASSERT_GT(must, 0);
	fabric_metrics_heap_free(hp);
}

TEST(unix_timestamps_from_the_monotonic_clock)
{
	/* boot 1000 s ago at Unix time 1.7e9: an event at 500 s after boot */
	__s64 off = 1700000000LL * 1000000000LL - 1000LL * 1000000000LL;

	ASSERT_EQ(1699999500.25, fabric_metrics_unix_s(500250000000ULL, off));
	ASSERT_EQ(0, fabric_metrics_unix_s(0, off));	/* never: absent */
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
