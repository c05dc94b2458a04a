// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench/failover: sample series and percentiles (nearest rank). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "failover_bench.h"

void add(struct series *s, double v)
{
	if (s->n < MAXS)
		s->v[s->n++] = v;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double pct(struct series *s, double p)
{
	int i;

	if (!s->n)
		return NAN;
	qsort(s->v, s->n, sizeof(double), cmpd);
	i = (int)ceil(p / 100.0 * s->n) - 1;
	return s->v[i < 0 ? 0 : i];
}

void report(struct series *s)
{
	printf("  %-28s n=%-4d min=%-9.0f p50=%-9.0f p90=%-9.0f p99=%-9.0f max=%-9.0f",
	       s->name, s->n, pct(s, 0), pct(s, 50), pct(s, 90), pct(s, 99),
	       pct(s, 100));
	if (s->censored)
		printf(" (+%d never)", s->censored);
	printf("\n");
}
