// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Parse fabric.conf with inih. inih tells the handler nothing about line
 * numbers in Debian's build, so we feed it through our own line reader:
 * that reader counts lines, validates section headers (inih never shows
 * the handler an empty section) and swallows over-long lines, which inih
 * would otherwise split into bogus ones.
 *
 * Sections and keys are defined elsewhere (config_ext.h); this file only
 * drives the parse and the sections' hooks.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <string.h>

#include "config_ext.h"

#define LINE_MAX_LEN	512

void fabricd_config_defaults(struct fabricd_config *c)
{
	const struct fcfg_registry *r = fcfg_registry();
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < r->n_sec; i++)
		if (r->sec[i]->defaults)
			r->sec[i]->defaults(c);
}

void fabricd_config_free(struct fabricd_config *c)
{
	const struct fcfg_registry *r = fcfg_registry();
	int i;

	for (i = 0; i < r->n_sec; i++)
		if (r->sec[i]->free)
			r->sec[i]->free(c);
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct fcfg_parse *p = user;

	if (p->sec)
		fcfg_set_key(p, name, value);
	else if (!p->bad)
		fcfg_err(p, p->line, "%s: key outside any section; put it under its [section] header",
			 name);
	return 1;	/* errors are ours to report; keep parsing */
}

static void unknown_section(struct fcfg_parse *p, const char *name)
{
	const struct fcfg_registry *r = fcfg_registry();
	const char *guess = fcfg_closest(name, r->sec_name, r->n_sec);
	char list[256];
	size_t n = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < r->n_sec && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s[%s%s]",
			      !i ? "" : i == r->n_sec - 1 ? " or " : ", ",
			      r->sec_name[i], r->sec[i]->begin ? " NAME" : "");
	fcfg_err(p, p->line, "[%s]: unknown section%s%s%s expected %s",
		 name, guess ? " (did you mean [" : "", guess ? guess : "",
		 guess ? "]?);" : ";", list);
}

static void start_section(struct fcfg_parse *p, const struct fcfg_section *s,
			  const char *rest)
{
	const struct fcfg_registry *r = fcfg_registry();
	int i;

	if (!s->begin) {
		snprintf(p->label, sizeof(p->label), "[%s]", s->name);
		if (*rest) {
			fcfg_err(p, p->line, "[%s %s]: [%s] takes no name",
				 s->name, rest, s->name);
			p->bad = true;
			return;
		}
		p->sec = s;
		return;
	}
	snprintf(p->label, sizeof(p->label), "[%s %s]", s->name, rest);
	if (!*rest || !fcfg_valid_name(rest)) {
		fcfg_err(p, p->line, "[%s%s%s]: expected [%s NAME], NAME of 1-%d letters, digits, '_', '.' or '-'",
			 s->name, *rest ? " " : "", rest, s->name,
			 FCFG_NAME_MAX - 1);
		p->bad = true;
		return;
	}
	memset(p->item_line, 0, sizeof(p->item_line));
	p->item = s->begin(p, rest);
	if (!p->item) {
		p->bad = true;
		return;
	}
	/* each item has its own keys */
	for (i = 0; i < r->n_keys; i++)
		if (!strcmp(r->key[i]->sec, s->name))
			p->seen[i] = 0;
	p->sec = s;
}

/* A "[...]" line: set the current section. Malformed ones are inih's. */
static void section_header(struct fcfg_parse *p, char *s)
{
	const struct fcfg_registry *r = fcfg_registry();
	char *end = strchr(s, ']'), *name, *rest;
	size_t i;

	p->sec = NULL;
	p->item = NULL;
	p->bad = true;
	if (!end)
		return;
	*end = '\0';
	name = s + 1;
	while (isspace((unsigned char)*name))
		name++;
	rest = name;
	while (*rest && !isspace((unsigned char)*rest))
		rest++;
	if (*rest)
		*rest++ = '\0';
	while (isspace((unsigned char)*rest))
		rest++;
	for (i = strlen(rest); i && isspace((unsigned char)rest[i - 1]); i--)
		rest[i - 1] = '\0';

	for (i = 0; i < (size_t)r->n_sec; i++)
		if (!strcmp(name, r->sec_name[i]))
			break;
	if (i == (size_t)r->n_sec) {
		unknown_section(p, name);
		return;
	}
	p->bad = false;
	start_section(p, r->sec[i], rest);
}

static char *reader(char *str, int num, void *stream)
{
	struct fcfg_parse *p = stream;
	size_t len;
	char *s;
	int ch;

	if (!fgets(str, num, p->f))
		return NULL;
	p->line++;
	len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(p->f)) {
		while ((ch = fgetc(p->f)) != EOF && ch != '\n')
			;
		fcfg_err(p, p->line, "line too long (more than %d bytes)", num - 2);
		str[0] = '\0';	/* an empty line to inih */
		return str;
	}
	s = str;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[') {
		char copy[LINE_MAX_LEN];

		snprintf(copy, sizeof(copy), "%s", s);
		section_header(p, copy);
	}
	return str;
}

static void syntax_error(struct fcfg_parse *p, int line)
{
	char buf[LINE_MAX_LEN] = "";
	FILE *f = fopen(p->c->path, "r");
	int n = 0;
	size_t len;

	while (f && n < line && fgets(buf, sizeof(buf), f))
		n++;
	if (f)
		fclose(f);
	len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (buf[strspn(buf, " \t")] == '[')
		fcfg_err(p, line, "syntax error: expected \"[section]\" with a closing bracket, got \"%s\"",
			 buf);
	else
		fcfg_err(p, line, "syntax error: expected \"[section]\", \"key = value\" or a comment, got \"%s\"",
			 buf);
}

int fabricd_config_load(const char *path, struct fabricd_config *c,
			struct fcfg_errors *errs)
{
	const struct fcfg_registry *r = fcfg_registry();
	struct fcfg_parse p = { .c = c, .errs = errs };
	int rc, i;

	fabricd_config_defaults(c);
	memset(errs, 0, sizeof(*errs));
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (r->overflow)
		fcfg_err(&p, 0, "internal: %d configuration keys beyond FCFG_MAX_KEYS (%d)",
			 r->overflow, FCFG_MAX_KEYS);
	p.f = fopen(path, "r");
	if (!p.f) {
		fcfg_err(&p, 0, "cannot open the configuration: %s%s", strerror(errno),
			 errno == ENOENT ? " (copy packaging/fabric.conf.example, or pass -c FILE)" : "");
		return -1;
	}
	rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	if (rc > 0)
		syntax_error(&p, rc);
	else if (rc < 0)
		fcfg_err(&p, 0, "cannot parse: out of memory");
	for (i = 0; i < r->n_sec; i++)
		if (r->sec[i]->validate)
			r->sec[i]->validate(&p);
	fcfg_errors_sort(errs);
	return errs->n || errs->dropped ? -1 : 0;
}
