// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Scoring of a lab campaign (bench/gray --lab, --score DIR): the ground
 * truth written by selftests/lab/gray_lib.sh (DIR/truth) against the
 * events of every leaf's fabricd (DIR/events-lL.jsonl, `fabricctl -j
 * events -f`).
 *
 * An alarm is a gray_suspect event. It is a true positive when it comes
 * during a fault or up to 2 s after it; otherwise a false alarm, whose
 * rate is taken over the fault-free time (everything outside those
 * windows, the stress phase included). A fault is detected by its first
 * alarm, localised when that alarm names its link (either end's name:
 * lL-sS from leaf L, sS-lL from the others). Drains: a fault whose loss
 * or delay reaches the thresholds on a link not in monitor_only must be
 * drained (a gray_drain naming it during the fault) and every such drain
 * restored later (gray_restore from the same leaf); any other fault must
 * cause no drain. Flapping is a hard failure: it counts for precision
 * and detection, not for the drain score.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "gray_lab.h"

#define MAX_FAULTS	4096
static double loss_drain_pct = 0.1;	/* [gray] loss_threshold_ppm / 10^4 */
static double delay_drain_us = 50;	/* [gray] delay_threshold_us */

static struct gl_fault faults[MAX_FAULTS];
static int n_faults;
static struct gl_event *evs;
static int n_evs, cap_evs;
static long long first_ns, last_ns;
static long long real_off;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */

const char *gl_type_name(int type)
{
	static const char *const n[] = { "loss", "corrupt", "delay", "flap" };

	return type >= 0 && type <= GL_FLAP ? n[type] : "?";
}

/* "l3-s1" or "s1-l3" -> the physical link of leaf 3 and spine 1 */
int gl_link_id(const char *name)
{
	int l, s;
	char c;

	if (sscanf(name, "l%d-s%d%c", &l, &s, &c) == 2 ||
	    sscanf(name, "s%d-l%d%c", &s, &l, &c) == 2) {
		if (l >= 1 && l <= 4 && s >= 1 && s <= 2)
			return (l - 1) * 2 + s - 1;
	}
	return -1;
}

static int type_of(const char *s)
{
	int t;

	for (t = 0; t <= GL_FLAP; t++)
		if (!strcmp(s, gl_type_name(t)))
			return t;
	return -1;
}

static int read_truth(const char *dir)
{
	char path[4096], line[512], kind[16], type[16], link[16];
	long long a, b;
	FILE *f;
	int st;

	snprintf(path, sizeof(path), "%s/truth", dir);
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct gl_fault *x = &faults[n_faults];

		if (sscanf(line, "%15s", kind) != 1)
			continue;
		if (!strcmp(kind, "clean") && sscanf(line, "%*s %lld %lld %d", &a, &b, &st) == 3) {
			;	/* fault-free: only widens the time scored */
		} else if (!strcmp(kind, "fault") && n_faults < MAX_FAULTS &&
			   sscanf(line, "%*s %d %15s %15s %lf %lld %lld %d", &x->id, type, link,
				  &x->sev, &a, &b, &st) == 7) {
			x->type = type_of(type);
			x->link = gl_link_id(link);
			if (x->type < 0 || x->link < 0)
				goto bad;
			x->start_ns = a;
			x->end_ns = b;
			x->stress = st;
			x->detect_ns = -1;
			n_faults++;
		} else {
			goto bad;
		}
		if (!first_ns || a < first_ns)
			first_ns = a;
		if (b > last_ns)
			last_ns = b;
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, "%s: bad line: %s", path, line);
	fclose(f);
	return -1;
}

/* "2026-12-03T15:04:05.123Z" -> CLOCK_MONOTONIC ns (through DIR/clock) */
static long long wall_to_mono(const char *s)
{
	struct tm tm = { 0 };
	int ms = 0;
	char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!p)
		return -1;
	if (*p == '.')
		ms = atoi(p + 1);
	return ((long long)timegm(&tm) * 1000000000LL + ms * 1000000LL) - real_off;
}

static int read_events(const char *dir, int leaf)
{
	char path[4096], line[8192];
	struct json_object *top, *o, *v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events-l%d.jsonl", dir, leaf);
	f = fopen(path, "r");
	if (!f)
		return 0;	/* a leaf without events */
	while (fgets(line, sizeof(line), f)) {
		struct gl_event *e;
		const char *type;

		top = json_tokener_parse(line);
		if (!top)
			continue;
		/* older fabricd streamed gray events as {"event": {...}} */
		if (!json_object_object_get_ex(top, "event", &o))
			o = top;
		if (!json_object_object_get_ex(o, "type", &v) ||
		    strncmp((type = json_object_get_string(v)), "gray_", 5)) {
			json_object_put(top);
			continue;
		}
		if (n_evs == cap_evs) {
			cap_evs = cap_evs ? 2 * cap_evs : 256;
			evs = realloc(evs, cap_evs * sizeof(*evs));
			if (!evs)
				exit(1);
		}
		e = &evs[n_evs];
		memset(e, 0, sizeof(*e));
		snprintf(e->type, sizeof(e->type), "%s", type);
		e->leaf = leaf;
		e->link = json_object_object_get_ex(o, "link", &v) ?
			  gl_link_id(json_object_get_string(v)) : -1;
		if (json_object_object_get_ex(o, "ts_ns", &v))
			e->t_ns = json_object_get_int64(v);
		else if (json_object_object_get_ex(o, "time", &v))
			e->t_ns = wall_to_mono(json_object_get_string(v));
		else
			e->t_ns = -1;
		json_object_put(top);
		if (e->t_ns < 0) {
			fprintf(stderr, "%s: event without a usable time: %s", path, line);
			continue;
		}
		n_evs++;
	}
	fclose(f);
	return 0;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct gl_event *x = a, *y = b;

	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

static void load(const char *dir)
{
	char path[4096];
	FILE *f;
	int leaf;

	snprintf(path, sizeof(path), "%s/clock", dir);
	f = fopen(path, "r");
	if (f) {
		long long m, r;

		if (fscanf(f, "%lld %lld", &m, &r) == 2)
			real_off = r - m;
		fclose(f);
	}
	for (leaf = 1; leaf <= 4; leaf++)
		read_events(dir, leaf);
	qsort(evs, n_evs, sizeof(*evs), cmp_ev);
}

/* gray --events DIR: "T_NS lLEAF TYPE lX-sY" per gray event, by time */
int gray_events_dump(const char *dir)
{
	int i;

	load(dir);
	for (i = 0; i < n_evs; i++) {
		if (evs[i].link < 0)
			printf("%lld l%d %s ?\n", evs[i].t_ns, evs[i].leaf, evs[i].type);
		else
			printf("%lld l%d %s l%d-s%d\n", evs[i].t_ns, evs[i].leaf, evs[i].type,
			       evs[i].link / 2 + 1, evs[i].link % 2 + 1);
	}
	free(evs);
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* the fault whose injection window (plus grace) holds t, or NULL */
static struct gl_fault *fault_at(long long t)
{
	int i;

	for (i = 0; i < n_faults; i++)
		if (t >= faults[i].start_ns && t <= faults[i].end_ns + GL_GRACE_NS)
			return &faults[i];
	return NULL;
}

/* the fault an event naming @link at @t belongs to: its window or tail */
static struct gl_fault *owner(int link, long long t)
{
	int i;

	for (i = 0; i < n_faults; i++)
		if (faults[i].link == link && t >= faults[i].start_ns && t <= faults[i].tail_ns)
			return &faults[i];
	return NULL;
}

/*
 * The end of each fault's clearing tail: the first moment after the fault
 * (and its grace) when no leaf holds its link suspect or drained, by the
 * events; at most GL_TAIL_MAX_NS after the fault, and never past the next
 * fault on the same link.
 */
static void tails(void)
{
	int i, j, k, leaf;

	for (i = 0; i < n_faults; i++) {
		struct gl_fault *x = &faults[i];
		int s[5] = { 0 }, d[5] = { 0 }, busy = 0;
		long long lim = x->end_ns + GL_TAIL_MAX_NS, from = x->end_ns + GL_GRACE_NS;

		for (k = 0; k < n_faults; k++)
			if (faults[k].link == x->link && faults[k].start_ns > x->start_ns &&
			    faults[k].start_ns - 1 < lim)
				lim = faults[k].start_ns - 1;
		x->tail_ns = lim;
		for (j = 0; j < n_evs; j++) {
			struct gl_event *e = &evs[j];

			if (e->link != x->link || e->t_ns < x->start_ns)
				continue;
			if (e->t_ns > from && !busy) {
				x->tail_ns = from;	/* settled by the grace's end */
				break;
			}
			if (e->t_ns > lim)
				break;
			if (!strcmp(e->type, "gray_suspect"))
				s[e->leaf] = 1;
			else if (!strcmp(e->type, "gray_drain"))
				d[e->leaf] = 1;
			else if (!strcmp(e->type, "gray_clear") || !strcmp(e->type, "gray_restore"))
				s[e->leaf] = d[e->leaf] = 0;
			for (busy = 0, leaf = 1; leaf <= 4; leaf++)
				busy |= s[leaf] | d[leaf];
			if (!busy && e->t_ns > from) {
				x->tail_ns = e->t_ns;
				break;
			}
		}
		if (j == n_evs && !busy)
			x->tail_ns = from;
		if (x->tail_ns > lim)
			x->tail_ns = lim;
	}
}

static const char *p50(long long *v, int n, char *buf)
{
	if (!n)
		return "na";
	qsort(v, n, sizeof(*v), cmp_ll);
	snprintf(buf, 32, "%lld", v[n / 2] / 1000000);
	return buf;
}

static const char *ratio(long num, long den, char *buf)
{
	if (!den)
		return "na";
	snprintf(buf, 32, "%.4f", (double)num / den);
	return buf;
}

static int drain_expected(const struct gl_fault *f, const int *mon)
{
	if (mon[f->link])
		return 0;
	if (f->type == GL_LOSS || f->type == GL_CORRUPT)
		return f->sev >= loss_drain_pct;
	return f->type == GL_DELAY && f->sev >= delay_drain_us;
}

struct gl_tally {
	long alarms, tp, fa, fa_free, stray_drains, unscored;
};

/* a restore of this drain (same leaf and link) comes later */
static int restored_later(int i)
{
	int j;

	for (j = i + 1; j < n_evs; j++)
		if (!strcmp(evs[j].type, "gray_restore") && evs[j].leaf == evs[i].leaf &&
		    evs[j].link == evs[i].link)
			return 1;
	return 0;
}

/*
 * Every event to its fault: one naming a link during that link's fault or
 * its clearing tail belongs to that fault; an alarm naming any other link
 * is false (and counts per hour when no injection was active).
 */
static void match(struct gl_tally *t, int verbose)
{
	int i, k;

	for (i = 0; i < n_evs; i++) {
		struct gl_event *e = &evs[i];
		struct gl_fault *o = e->link >= 0 ? owner(e->link, e->t_ns) : NULL;
		struct gl_fault *act = fault_at(e->t_ns);
		int in_window = o && e->t_ns <= o->end_ns + GL_GRACE_NS;

		/* before the campaign (warm-up) or after it (teardown) */
		if (e->t_ns < first_ns || e->t_ns > last_ns) {
			t->unscored += !strcmp(e->type, "gray_suspect");
			continue;
		}
		if (!strcmp(e->type, "gray_drain")) {
			if (o && in_window)
				o->drained = 1;
			else if (o)
				o->late_drain = 1;
			if (o)
				o->restored += restored_later(i) ? 1 : -1000;
			if (!o) {
				t->stray_drains++;
				if (act)
					act->wrong_drain = 1;
			}
			continue;
		}
		if (strcmp(e->type, "gray_suspect"))
			continue;
		t->alarms++;
		if (o) {
			t->tp++;
			if (in_window) {
				o->named = 1;
				if (o->detect_ns < 0)
					o->detect_ns = e->t_ns - o->start_ns;
			}
		} else {
			t->fa++;
			t->fa_free += !act;
		}
		/* localisation: the first alarm after a fault begins */
		for (k = 0; k < n_faults; k++) {
			struct gl_fault *x = &faults[k];

			if (e->t_ns < x->start_ns || e->t_ns > x->end_ns + GL_GRACE_NS)
				continue;
			if (!x->strict_done) {
				x->strict_done = 1;
				x->strict = o == x;
			}
			if (!x->loc_done && (!o || o == x)) {
				x->loc_done = 1;
				x->localized = o == x;
			}
		}
		if (verbose)
			fprintf(stderr, "alarm t=%.3f l%d link=l%d-s%d fault=%d\n",
				(e->t_ns - first_ns) / 1e9, e->leaf, e->link / 2 + 1,
				e->link % 2 + 1, o ? o->id : -1);
	}
}

/* time inside no injection window (plus grace) */
static long long free_time(void)
{
	long long busy = 0, hi = first_ns;
	int i;

	/* the faults come in order and never overlap; their graces may */
	for (i = 0; i < n_faults; i++) {
		long long a = faults[i].start_ns, b = faults[i].end_ns + GL_GRACE_NS;

		if (a < hi)
			a = hi;
		if (b > a)
			busy += b - a;
		if (b > hi)
			hi = b;
	}
	return last_ns - first_ns - busy > 0 ? last_ns - first_ns - busy : 0;
}

int gray_score(const char *dir, const char *monitor_only, int verbose)
{
	const char *ppm = getenv("GL_LOSS_PPM"), *dus = getenv("GL_DELAY_US");
	long rec_n = 0, rec_hit = 0, r01_n = 0, r01_hit = 0, loc_n = 0, loc_ok = 0;
	long strict_ok = 0, named = 0, dr_n = 0, dr_ok = 0;
	long long d1[MAX_FAULTS], d01[MAX_FAULTS], dd[MAX_FAULTS], free_ns;
	int n1 = 0, n01 = 0, nd = 0, mon[GL_LINKS] = { 0 }, i;
	struct gl_tally t = { 0 };
	char b[11][32], name[16];
	const char *p;

	if (ppm && atoi(ppm) > 0)
		loss_drain_pct = atoi(ppm) / 1e4;
	if (dus && atoi(dus) > 0)
		delay_drain_us = atoi(dus);
	for (p = monitor_only; p && *p;) {
		int n = 0;

		while (*p == ',' || *p == ' ')
			p++;
		if (sscanf(p, "%15[^, ]%n", name, &n) == 1 && gl_link_id(name) >= 0)
			mon[gl_link_id(name)] = 1;
		p += n ? n : 1;
	}
	if (read_truth(dir))
		return -1;
	load(dir);
	tails();
	match(&t, verbose);

	for (i = 0; i < n_faults; i++) {
		struct gl_fault *x = &faults[i];
		int lossy = x->type == GL_LOSS || x->type == GL_CORRUPT;
		int big = (lossy && x->sev >= 0.5) || (x->type == GL_DELAY && x->sev >= 50);
		int small = lossy && x->sev < 0.5;
		int det = x->detect_ns >= 0, exp, ok;

		rec_n += big;
		rec_hit += big && det;
		r01_n += small;
		r01_hit += small && det;
		if (det) {
			loc_n++;
			loc_ok += x->localized;
			strict_ok += x->strict;
			named += x->named;
		}
		if (det && lossy && x->sev == 1.0)
			d1[n1++] = x->detect_ns;
		if (det && small)
			d01[n01++] = x->detect_ns;
		if (det && x->type == GL_DELAY && x->sev == 50)
			dd[nd++] = x->detect_ns;
		exp = drain_expected(x, mon);
		ok = exp ? x->drained && x->restored > 0 && !x->wrong_drain :
			   !x->drained && !x->late_drain && !x->wrong_drain;
		if (x->type != GL_FLAP) {
			dr_n++;
			dr_ok += ok;
		}
		printf("fault %d %s %s%d-s%d %g stress=%d detect_ms=%lld localized=%d named=%d "
		       "drain_expected=%d drained=%d restored=%d wrong_drain=%d tail_s=%.1f\n",
		       x->id, gl_type_name(x->type), "l", x->link / 2 + 1, x->link % 2 + 1,
		       x->sev, x->stress, det ? x->detect_ns / 1000000 : -1, det ? x->localized : 0,
		       x->named, x->type == GL_FLAP ? -1 : exp, x->drained || x->late_drain,
		       x->restored > 0, x->wrong_drain, (x->tail_ns - x->end_ns) / 1e9);
	}
	free_ns = free_time();
	printf("gray: faults=%d precision=%s recall=%s recall_01pct=%s localization=%s "
	       "detect_p50_ms_1pct=%s detect_p50_ms_01pct=%s delay_detect_p50_ms_50us=%s "
	       "false_alarms_per_hour=%s drains_correct=%s source=lab alarms=%ld "
	       "false_alarms=%ld fault_free_s=%lld named=%s localization_strict=%s "
	       "stray_drains=%ld unscored=%ld\n",
	       n_faults, ratio(t.tp, t.alarms, b[0]), ratio(rec_hit, rec_n, b[1]),
	       ratio(r01_hit, r01_n, b[2]), ratio(loc_ok, loc_n, b[3]),
	       p50(d1, n1, b[4]), p50(d01, n01, b[5]), p50(dd, nd, b[6]),
	       free_ns ? (snprintf(b[7], 32, "%.2f", t.fa_free * 3600e9 / free_ns), b[7]) : "na",
	       ratio(dr_ok, dr_n, b[8]), t.alarms, t.fa, free_ns / 1000000000LL,
	       ratio(named, loc_n, b[9]), ratio(strict_ok, loc_n, b[10]), t.stray_drains,
	       t.unscored);
	free(evs);
	return 0;
}
