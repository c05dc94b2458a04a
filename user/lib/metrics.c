// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus text format 0.0.4 building blocks: a growable buffer, HELP and
 * TYPE lines, samples with escaped labels, histograms. The fabric-specific
 * metric set is in metrics_render.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

void fabric_metrics_buf_init(struct fabric_metrics_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void fabric_metrics_buf_reset(struct fabric_metrics_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_reserve(struct fabric_metrics_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->err)
		return b->err;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 16384;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

static void buf_put(struct fabric_metrics_buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_puts(struct fabric_metrics_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void fabric_metrics_printf(struct fabric_metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data ? b->data + b->len : NULL,
		      b->data ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if (b->data && b->len + n < b->cap) {
		b->len += n;
		return;
	}
	if (buf_reserve(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* HELP text escapes backslash and newline; label values also quotes. */
static void escape(struct fabric_metrics_buf *b, const char *v, bool quote)
{
	const char *run = v;

	for (; *v; v++) {
		const char *rep;

		if (*v == '\\')
			rep = "\\\\";
		else if (*v == '\n')
			rep = "\\n";
		else if (*v == '"' && quote)
			rep = "\\\"";
		else
			continue;
		buf_put(b, run, v - run);
		buf_puts(b, rep);
		run = v + 1;
	}
	buf_put(b, run, v - run);
}

void fabric_metrics_escape(struct fabric_metrics_buf *b, const char *v)
{
	escape(b, v, true);
}

void fabric_metrics_header(struct fabric_metrics_buf *b, const char *name,
			   const char *help, const char *type)
{
	buf_puts(b, "# HELP ");
	buf_puts(b, name);
	buf_puts(b, " ");
	escape(b, help, false);
	buf_puts(b, "\n# TYPE ");
	buf_puts(b, name);
	buf_puts(b, " ");
	buf_puts(b, type);
	buf_puts(b, "\n");
}

static void labels_put(struct fabric_metrics_buf *b,
		       const struct fabric_metrics_label *l, unsigned int n,
		       const char *le)
{
	unsigned int i;

	if (!n && !le)
		return;
	buf_puts(b, "{");
	for (i = 0; i < n; i++) {
		if (i)
			buf_puts(b, ",");
		buf_puts(b, l[i].name);
		buf_puts(b, "=\"");
		fabric_metrics_escape(b, l[i].value ? l[i].value : "");
		buf_puts(b, "\"");
	}
	if (le) {
		buf_puts(b, n ? ",le=\"" : "le=\"");
		buf_puts(b, le);
		buf_puts(b, "\"");
	}
	buf_puts(b, "}");
}

/* Shortest text that reads back as the same double, Go-style specials. */
static const char *fmt_double(double v, char *s, size_t len)
{
	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	snprintf(s, len, "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, len, "%.17g", v);
	return s;
}

void fabric_metrics_u64(struct fabric_metrics_buf *b, const char *name,
			const struct fabric_metrics_label *labels,
			unsigned int nlabels, __u64 value)
{
	buf_puts(b, name);
	labels_put(b, labels, nlabels, NULL);
	fabric_metrics_printf(b, " %llu\n", (unsigned long long)value);
}

void fabric_metrics_double(struct fabric_metrics_buf *b, const char *name,
			   const struct fabric_metrics_label *labels,
			   unsigned int nlabels, double value)
{
	char s[32];

	buf_puts(b, name);
	labels_put(b, labels, nlabels, NULL);
	buf_puts(b, " ");
	buf_puts(b, fmt_double(value, s, sizeof(s)));
	buf_puts(b, "\n");
}

static void suffixed(struct fabric_metrics_buf *b, const char *name,
		     const char *suffix)
{
	buf_puts(b, name);
	buf_puts(b, suffix);
}

void fabric_metrics_histogram_series(struct fabric_metrics_buf *b,
				     const char *name,
				     const struct fabric_metrics_label *labels,
				     unsigned int nlabels, const double *bounds,
				     const __u64 *counts, unsigned int n,
				     double sum, __u64 count)
{
	__u64 cum = 0;
	unsigned int i;
	char s[32];

	for (i = 0; i < n; i++) {
		cum += counts[i];
		suffixed(b, name, "_bucket");
		labels_put(b, labels, nlabels, fmt_double(bounds[i], s, sizeof(s)));
		fabric_metrics_printf(b, " %llu\n", (unsigned long long)cum);
	}
	/* +Inf must equal _count, whatever the finite buckets add up to */
	suffixed(b, name, "_bucket");
	labels_put(b, labels, nlabels, "+Inf");
	fabric_metrics_printf(b, " %llu\n", (unsigned long long)count);
	suffixed(b, name, "_sum");
	labels_put(b, labels, nlabels, NULL);
	buf_puts(b, " ");
	buf_puts(b, fmt_double(sum, s, sizeof(s)));
	buf_puts(b, "\n");
	suffixed(b, name, "_count");
	labels_put(b, labels, nlabels, NULL);
	fabric_metrics_printf(b, " %llu\n", (unsigned long long)count);
}

void fabric_metrics_histogram(struct fabric_metrics_buf *b, const char *name,
			      const char *help,
			      const struct fabric_metrics_label *labels,
			      unsigned int nlabels, const double *bounds,
			      const __u64 *counts, unsigned int n, double sum,
			      __u64 count)
{
	fabric_metrics_header(b, name, help, "histogram");
	fabric_metrics_histogram_series(b, name, labels, nlabels, bounds,
					counts, n, sum, count);
}
