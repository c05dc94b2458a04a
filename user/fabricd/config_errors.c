// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Configuration errors: every problem is collected, not just the first,
 * each naming the file, the line, the section and key and what is
 * expected, and they are reported in file order. "Did you mean" guesses
 * come from a small edit distance.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "config_ext.h"

void fcfg_err(struct fcfg_parse *p, int line, const char *fmt, ...)
{
	struct fcfg_errors *e = p->errs;
	char *m;
	int n;
	va_list ap;

	if (e->n >= FCFG_MAX_ERRORS) {
		e->dropped++;
		return;
	}
	e->line[e->n] = line;
	m = e->msg[e->n++];
	n = line > 0 ? snprintf(m, sizeof(e->msg[0]), "%s:%d: ", p->c->path, line) :
		       snprintf(m, sizeof(e->msg[0]), "%s: ", p->c->path);
	va_start(ap, fmt);
	vsnprintf(m + n, sizeof(e->msg[0]) - n, fmt, ap);
	va_end(ap);
}

void fcfg_errors_print(const struct fcfg_errors *errs, FILE *f)
{
	int i;

	for (i = 0; i < errs->n; i++)
		fprintf(f, "%s\n", errs->msg[i]);
	if (errs->dropped)
		fprintf(f, "(%d more errors not shown)\n", errs->dropped);
}

/* Report in file order; insertion sort keeps equal lines in order. */
void fcfg_errors_sort(struct fcfg_errors *e)
{
	char tmp[sizeof(e->msg[0])];
	int i, j, l;

	for (i = 1; i < e->n; i++) {
		l = e->line[i];
		memcpy(tmp, e->msg[i], sizeof(tmp));
		for (j = i; j > 0 && e->line[j - 1] > l; j--) {
			e->line[j] = e->line[j - 1];
			memcpy(e->msg[j], e->msg[j - 1], sizeof(tmp));
		}
		e->line[j] = l;
		memcpy(e->msg[j], tmp, sizeof(tmp));
	}
}

/* Edit distance for "did you mean"; short words only. */
static int distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), i, j;
	int d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			int sub = d[i - 1][j - 1] + (tolower(a[i - 1]) != tolower(b[j - 1]));
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;

			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

const char *fcfg_closest(const char *word, const char *const *cands, int n)
{
	const char *best = NULL;
	int i, bd = 3, dd;

	for (i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		dd = distance(word, cands[i]);
		if (dd < bd) {
			bd = dd;
			best = cands[i];
		}
	}
	/* a distance of 2 on a 3-letter word is noise */
	if (best && bd > 1 && strlen(word) < 5)
		return NULL;
	return best;
}
