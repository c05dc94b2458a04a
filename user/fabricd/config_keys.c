// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The registry of sections and key tables (gathered by the linker from
 * FCFG_SECTION/FCFG_KEYS, see config_ext.h), typed keys, and the messages
 * for keys that are unknown, misplaced or set twice.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_ext.h"

extern const struct fcfg_section *const __start_fcfg_sections[] __attribute__((weak));
extern const struct fcfg_section *const __stop_fcfg_sections[] __attribute__((weak));
extern const struct fcfg_keytab *const __start_fcfg_keytabs[] __attribute__((weak));
extern const struct fcfg_keytab *const __stop_fcfg_keytabs[] __attribute__((weak));

static int sec_cmp(const void *a, const void *b)
{
	const struct fcfg_section *x = *(const struct fcfg_section *const *)a;
	const struct fcfg_section *y = *(const struct fcfg_section *const *)b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int tab_cmp(const void *a, const void *b)
{
	const struct fcfg_keytab *x = *(const struct fcfg_keytab *const *)a;
	const struct fcfg_keytab *y = *(const struct fcfg_keytab *const *)b;
	int d;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	d = strcmp(x->file, y->file);
	if (d)
		return d;
	return x < y ? -1 : x > y;
}

const struct fcfg_registry *fcfg_registry(void)
{
	static struct fcfg_registry r;
	static bool done;
	const struct fcfg_keytab *tabs[FCFG_MAX_KEYS];
	const struct fcfg_section *const *s;
	const struct fcfg_keytab *const *t;
	int i, j, n_tabs = 0;

	if (done)
		return &r;
	for (s = __start_fcfg_sections; s && s < __stop_fcfg_sections; s++)
		if (r.n_sec < FCFG_MAX_SECTIONS)
			r.sec[r.n_sec++] = *s;
	qsort(r.sec, r.n_sec, sizeof(r.sec[0]), sec_cmp);
	for (i = 0; i < r.n_sec; i++)
		r.sec_name[i] = r.sec[i]->name;
	for (t = __start_fcfg_keytabs; t && t < __stop_fcfg_keytabs; t++)
		if (n_tabs < FCFG_MAX_KEYS)
			tabs[n_tabs++] = *t;
	qsort(tabs, n_tabs, sizeof(tabs[0]), tab_cmp);
	for (i = 0; i < n_tabs; i++)
		for (j = 0; j < tabs[i]->n; j++) {
			if (r.n_keys == FCFG_MAX_KEYS) {
				r.overflow++;
				continue;
			}
			r.key[r.n_keys++] = &tabs[i]->keys[j];
		}
	done = true;
	return &r;
}

int fcfg_parse_u32(const char *v, __u32 min, __u32 max, __u32 *out)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

int fcfg_parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

bool fcfg_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= FCFG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

bool fcfg_twice(struct fcfg_parse *p, int *seen, const char *name)
{
	if (*seen) {
		fcfg_err(p, p->line, "%s %s: set twice (first on line %d); keep one",
			 p->label, name, *seen);
		return true;
	}
	*seen = p->line;
	return false;
}

int fcfg_key_line(const struct fcfg_parse *p, const char *sec, const char *name)
{
	const struct fcfg_registry *r = fcfg_registry();
	int i;

	for (i = 0; i < r->n_keys; i++)
		if (!strcmp(r->key[i]->sec, sec) && !strcmp(r->key[i]->name, name))
			return p->seen[i];
	return 0;
}

static int find_key(const char *sec, const char *name)
{
	const struct fcfg_registry *r = fcfg_registry();
	int i;

	for (i = 0; i < r->n_keys; i++)
		if (!strcmp(r->key[i]->sec, sec) && !strcmp(r->key[i]->name, name))
			return i;
	return -1;
}

static bool named(const char *sec)
{
	const struct fcfg_registry *r = fcfg_registry();
	int i;

	for (i = 0; i < r->n_sec; i++)
		if (!strcmp(r->sec_name[i], sec))
			return r->sec[i]->begin != NULL;
	return false;
}

/* The section's keys: set()'s first, then the tables', in order. */
static int section_keys(const struct fcfg_section *s, const char **out, int max)
{
	const struct fcfg_registry *r = fcfg_registry();
	int i, n = 0;

	for (i = 0; s->set_keys && s->set_keys[i] && n < max; i++)
		out[n++] = s->set_keys[i];
	for (i = 0; i < r->n_keys && n < max; i++)
		if (!strcmp(r->key[i]->sec, s->name))
			out[n++] = r->key[i]->name;
	return n;
}

static void unknown_key(struct fcfg_parse *p, const char *name)
{
	const struct fcfg_registry *r = fcfg_registry();
	const char *cands[FCFG_MAX_KEYS + FCFG_ITEM_KEYS];
	const char *guess, *other = NULL;
	char list[512];
	size_t n = 0;
	int i, nc;

	nc = section_keys(p->sec, cands, sizeof(cands) / sizeof(cands[0]));
	guess = fcfg_closest(name, cands, nc);
	/* right key, wrong section? */
	for (i = 0; !guess && i < r->n_keys; i++)
		if (!strcmp(r->key[i]->name, name) && strcmp(r->key[i]->sec, p->sec->name))
			other = r->key[i]->sec;
	list[0] = '\0';
	for (i = 0; i < nc && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
			      cands[i]);
	if (guess)
		fcfg_err(p, p->line, "%s %s: unknown key; did you mean \"%s\"? (keys here: %s)",
			 p->label, name, guess, list);
	else if (other)
		fcfg_err(p, p->line, "%s %s: unknown key here; it belongs in [%s%s]",
			 p->label, name, other, named(other) ? " NAME" : "");
	else
		fcfg_err(p, p->line, "%s %s: unknown key (keys here: %s)",
			 p->label, name, list);
}

static int set_typed(const struct fcfg_key *k, void *field, const char *v)
{
	__u32 u;
	bool b;
	int i;

	switch (k->type) {
	case FCFG_U32:
		if (fcfg_parse_u32(v, k->min, k->max, &u))
			return -1;
		*(__u32 *)field = u;
		return 0;
	case FCFG_PMTU:
		if (fcfg_parse_u32(v, 0, 4096, &u) ||
		    (u && (u < 256 || (u & (u - 1)))))
			return -1;
		*(__u32 *)field = u;
		return 0;
	case FCFG_STR:
	case FCFG_ABSPATH:
		if (!*v || strlen(v) >= k->size ||
		    (k->type == FCFG_ABSPATH && *v != '/'))
			return -1;
		snprintf(field, k->size, "%s", v);
		return 0;
	case FCFG_BOOL:
		if (fcfg_parse_bool(v, &b))
			return -1;
		*(bool *)field = b;
		return 0;
	case FCFG_ENUM:
		for (i = 0; k->choices && k->choices[i]; i++)
			if (!strcmp(k->choices[i], v)) {
				*(__u32 *)field = i;
				return 0;
			}
		return -1;
	case FCFG_FUNC:
		break;
	}
	return -1;
}

/* One "key = value" inside a valid section. */
void fcfg_set_key(struct fcfg_parse *p, const char *name, const char *v)
{
	const struct fcfg_key *k;
	char why[160] = "";
	void *field;
	int i, rc;

	i = find_key(p->sec->name, name);
	if (i < 0) {
		if (!p->sec->set || !p->sec->set(p, name, v))
			unknown_key(p, name);
		return;
	}
	k = fcfg_registry()->key[i];
	if (fcfg_twice(p, &p->seen[i], name))
		return;
	field = (char *)(p->sec->begin ? p->item : (void *)p->c) + k->off;
	if (k->type == FCFG_FUNC)
		rc = k->set(p, k, field, v, why, sizeof(why));
	else
		rc = set_typed(k, field, v);
	if (rc < 0)
		fcfg_err(p, p->line, "%s %s: expected %s, got \"%s\"%s%s", p->label,
			 name, k->what, v, *why ? ": " : "", why);
}
