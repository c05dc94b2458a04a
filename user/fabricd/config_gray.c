// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [gray]: the gray-failure monitor's switch, action, thresholds and
 * monitor-only links; and in every [path NAME] the links key, the ordered
 * links the path crosses (Documentation/gray.md).
 */
#include <stdlib.h>
#include <string.h>

#include "config_ext.h"

#define G(f)	FCFG_FIELD(gray.f)

_Static_assert(FCFG_GRAY_PATHS == FCFG_MAX_PATHS, "one links entry per path");
_Static_assert(FCFG_GRAY_NAME == FCFG_NAME_MAX, "link names are names");

static int link_index(struct fcfg_gray *g, const char *name, bool add)
{
	int i;

	for (i = 0; i < g->n_links; i++)
		if (!strcmp(g->link[i], name))
			return i;
	if (!add || g->n_links == FCFG_GRAY_LINKS)
		return -1;
	snprintf(g->link[g->n_links], FCFG_GRAY_NAME, "%.31s", name);
	return g->n_links++;
}

/* Split "a, b c" into names; -1 with why on a bad one. */
static int split_names(const char *v, char (*out)[FCFG_GRAY_NAME], int max,
		       int *n, char *why, size_t whylen)
{
	char *dup = strdup(v), *tok, *save = NULL;
	int rc = 0, i;

	*n = 0;
	if (!dup)
		return -1;
	for (tok = strtok_r(dup, " \t,", &save); tok && !rc;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (!fcfg_valid_name(tok)) {
			snprintf(why, whylen, "\"%s\" is not a link name (letters, digits, '_', '.', '-', at most %d characters)",
				 tok, FCFG_GRAY_NAME - 1);
			rc = -1;
		} else if (*n == max) {
			snprintf(why, whylen, "more than %d links", max);
			rc = -1;
		} else {
			for (i = 0; i < *n; i++)
				if (!strcmp(out[i], tok)) {
					snprintf(why, whylen, "\"%s\" is named twice", tok);
					rc = -1;
				}
			snprintf(out[(*n)++], FCFG_GRAY_NAME, "%.31s", tok);
		}
	}
	free(dup);
	if (!rc && !*n) {
		snprintf(why, whylen, "no link named");
		rc = -1;
	}
	return rc;
}

/* [path NAME] links = l1-s1, s1-l3 */
static int set_links(struct fcfg_parse *p, const struct fcfg_key *k,
		     void *field, const char *v, char *why, size_t whylen)
{
	char names[FCFG_GRAY_HOPS][FCFG_GRAY_NAME];
	struct fcfg_gray *g = &p->c->gray;
	struct fcfg_path *pa = p->item;
	int pi = (int)(pa - p->c->path_), n, i, l;

	if (split_names(v, names, FCFG_GRAY_HOPS, &n, why, whylen))
		return -1;
	for (i = 0; i < n; i++) {
		l = link_index(g, names[i], true);
		if (l < 0) {
			snprintf(why, whylen, "more than %d distinct links in all paths",
				 FCFG_GRAY_LINKS);
			return -1;
		}
		g->path_link[pi][i] = (__u8)l;
	}
	g->path_n[pi] = (__u8)n;
	return 0;
}

static int set_monitor(struct fcfg_parse *p, const struct fcfg_key *k,
		       void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_gray *g = &p->c->gray;

	g->monitor_line = p->line;
	if (!strcmp(v, "none")) {
		g->n_monitor = 0;
		return 0;
	}
	return split_names(v, g->monitor, FCFG_GRAY_LINKS, &g->n_monitor, why,
			   whylen);
}

static int set_enable(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen)
{
	p->c->gray.enable_line = p->line;
	return fcfg_parse_bool(v, field) ? -1 : 0;
}

static const char *const gray_actions[] = { "drain", "monitor", NULL };

static const struct fcfg_key gray_keys[] = {
	{ "gray", "enable", FCFG_FUNC, G(enable), 0, 0, "on or off", set_enable },
	{ "gray", "action", FCFG_ENUM, G(action), 0, 0,
	  "drain (take the paths of a lossy or slow link out of their groups) or monitor (report only)",
	  NULL, gray_actions },
	{ "gray", "loss_threshold_ppm", FCFG_U32, G(loss_threshold_ppm), 1, 999999,
	  "a loss ratio in parts per million from 1 to 999999 (1000 = 0.1 %)" },
	{ "gray", "delay_threshold_us", FCFG_U32, G(delay_threshold_us), 1, 4000000,
	  "a latency shift in microseconds from 1 to 4000000" },
	{ "gray", "restore_clean_s", FCFG_U32, G(restore_clean_s), 0, 86400,
	  "seconds from 0 to 86400 a drained link must stay clean before its paths return" },
	{ "gray", "monitor_only", FCFG_FUNC, G(monitor), 0, 0,
	  "none, or a comma-separated list of link names from the paths' links keys",
	  set_monitor },
	{ "path", "links", FCFG_FUNC, 0, 0, 0, 0,
	  "the comma-separated, ordered names of the links the path crosses (e.g. l1-s1, s1-l3), at most 8",
	  set_links },
};
FCFG_KEYS(gray_keys, 100);

static void gray_defaults(struct fabricd_config *c)
{
	c->gray.action = FCFG_GRAY_DRAIN;
	c->gray.loss_threshold_ppm = 1000;
	c->gray.delay_threshold_us = 50;
	c->gray.restore_clean_s = 30;
}

static void gray_validate(struct fcfg_parse *p)
{
	struct fcfg_gray *g = &p->c->gray;
	int i, with = 0;

	for (i = 0; i < g->n_monitor; i++)
		if (link_index(g, g->monitor[i], false) < 0)
			fcfg_err(p, g->monitor_line, "[gray] monitor_only: \"%s\" is not a link of any [path]; expected names from the paths' links keys%s%s%s",
				 g->monitor[i], g->n_links ? " (e.g. " : "",
				 g->n_links ? g->link[0] : "", g->n_links ? ")" : "");
	for (i = 0; i < p->c->n_paths; i++)
		with += g->path_n[i] > 0;
	if (g->enable && !with)
		fcfg_err(p, g->enable_line, "[gray] enable: no [path] has a links key; expected links = NAME, NAME in each path to watch (the links it crosses, in order)");
}

static const struct fcfg_section sec_gray = {
	.name = "gray", .order = 95, .defaults = gray_defaults,
	.validate = gray_validate,
};
FCFG_SECTION(sec_gray);
