// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [group NAME]: a nexthop group, its member [path NAME]s (resolved once
 * the whole file is read, so paths may follow their group), its resilient
 * group timers and the prefixes routed through it.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config_ext.h"

static const char *const group_keys[] = { "id", "paths", "buckets",
					  "idle_timer_ms", "unbalanced_timer_ms",
					  "routes", NULL };

static int key_index(const char *const *list, const char *name)
{
	int i;

	for (i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return i;
	return -1;
}

static void *group_begin(struct fcfg_parse *p, const char *name)
{
	struct fabricd_config *c = p->c;
	struct fcfg_group *g;
	int i;

	for (i = 0; i < c->n_groups; i++)
		if (!strcmp(c->group[i].name, name)) {
			fcfg_err(p, p->line, "[group %s]: defined twice; group names must be unique",
				 name);
			return NULL;
		}
	if (c->n_groups == FCFG_MAX_GROUPS) {
		fcfg_err(p, p->line, "[group %s]: too many group sections (at most %d)",
			 name, FCFG_MAX_GROUPS);
		return NULL;
	}
	g = &c->group[c->n_groups++];
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->line = p->line;
	g->buckets = 128;
	g->idle_timer_ms = 120000;
	return g;
}

/* "10.1.2.0/24 2001:db8::/64": prefixes routed through the group. */
static void set_routes(struct fcfg_parse *p, struct fcfg_group *g, const char *v)
{
	char *dup = strdup(v), *tok, *save = NULL, *sl;
	struct fcfg_route *r;
	__u32 plen;

	if (!dup)
		return;
	for (tok = strtok_r(dup, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (g->n_routes == FCFG_MAX_ROUTES) {
			fcfg_err(p, p->line, "%s routes: at most %d prefixes",
				 p->label, FCFG_MAX_ROUTES);
			break;
		}
		r = &g->route[g->n_routes];
		sl = strchr(tok, '/');
		if (sl)
			*sl++ = '\0';
		if (inet_pton(AF_INET, tok, r->dst) == 1)
			r->family = AF_INET;
		else if (inet_pton(AF_INET6, tok, r->dst) == 1)
			r->family = AF_INET6;
		else
			r->family = 0;
		if (!r->family || !sl ||
		    fcfg_parse_u32(sl, 0, r->family == AF_INET ? 32 : 128, &plen)) {
			fcfg_err(p, p->line, "%s routes: expected prefixes such as 10.1.2.0/24 or 2001:db8::/64, got \"%s%s%s\"",
				 p->label, tok, sl ? "/" : "", sl ? sl : "");
			continue;
		}
		r->plen = plen;
		g->n_routes++;
	}
	free(dup);
}

static bool group_set(struct fcfg_parse *p, const char *name, const char *v)
{
	struct fcfg_group *g = p->item;
	int k = key_index(group_keys, name);

	if (k < 0)
		return false;
	if (fcfg_twice(p, &p->item_line[k], name))
		return true;
	switch (k) {
	case 0:
		g->id_line = p->line;
		if (fcfg_parse_u32(v, 1, 0xffffffffU, &g->id))
			fcfg_err(p, p->line, "%s id: expected a nexthop group id from 1 to 4294967295, got \"%s\"",
				 p->label, v);
		break;
	case 1:
		g->paths_line = p->line;
		g->paths_raw = strdup(v);
		break;
	case 2:
		if (fcfg_parse_u32(v, 1, 65535, &g->buckets))
			fcfg_err(p, p->line, "%s buckets: expected an integer from 1 to 65535 (resilient group buckets), got \"%s\"",
				 p->label, v);
		break;
	case 3:
		if (fcfg_parse_u32(v, 0, 3600000, &g->idle_timer_ms))
			fcfg_err(p, p->line, "%s idle_timer_ms: expected an integer from 0 to 3600000 (milliseconds), got \"%s\"",
				 p->label, v);
		break;
	case 4:
		if (fcfg_parse_u32(v, 0, 3600000, &g->unbalanced_timer_ms))
			fcfg_err(p, p->line, "%s unbalanced_timer_ms: expected an integer from 0 (never) to 3600000 (milliseconds), got \"%s\"",
				 p->label, v);
		break;
	case 5:
		set_routes(p, g, v);
		break;
	}
	return true;
}

static int find_path(const struct fabricd_config *c, const char *name)
{
	int i;

	for (i = 0; i < c->n_paths; i++)
		if (!strcmp(c->path_[i].name, name))
			return i;
	return -1;
}

static void resolve_paths(struct fcfg_parse *p, struct fcfg_group *g)
{
	struct fabricd_config *c = p->c;
	const char *names[FCFG_MAX_PATHS];
	char *tok, *save = NULL;
	int i, j, ntok = 0;

	if (!g->paths_raw) {
		fcfg_err(p, g->line, "[group %s] paths: missing; expected the names of its [path NAME] sections",
			 g->name);
		return;
	}
	for (i = 0; i < c->n_paths; i++)
		names[i] = c->path_[i].name;
	for (tok = strtok_r(g->paths_raw, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		ntok++;
		i = find_path(c, tok);
		if (i < 0) {
			const char *guess = fcfg_closest(tok, names, c->n_paths);

			fcfg_err(p, g->paths_line, "[group %s] paths: no [path %s] section%s%s%s",
				 g->name, tok, guess ? "; did you mean \"" : "",
				 guess ? guess : "", guess ? "\"?" : "");
			continue;
		}
		for (j = 0; j < g->n_paths; j++)
			if (g->path[j] == i)
				break;
		if (j < g->n_paths) {
			fcfg_err(p, g->paths_line, "[group %s] paths: \"%s\" is listed twice",
				 g->name, tok);
			continue;
		}
		if (c->path_[i].group >= 0) {
			fcfg_err(p, g->paths_line, "[group %s] paths: [path %s] already belongs to [group %s]; a path is in one group",
				 g->name, tok, c->group[c->path_[i].group].name);
			continue;
		}
		c->path_[i].group = g - c->group;
		if (g->n_paths == FCFG_GROUP_MAX_PATHS) {
			fcfg_err(p, g->paths_line, "[group %s] paths: at most %d paths per group",
				 g->name, FCFG_GROUP_MAX_PATHS);
			break;
		}
		g->path[g->n_paths++] = i;
	}
	if (!ntok)
		fcfg_err(p, g->paths_line, "[group %s] paths: expected at least one path name",
			 g->name);
}

static void group_validate(struct fcfg_parse *p)
{
	struct fabricd_config *c = p->c;
	int i, j;

	for (i = 0; i < c->n_groups; i++) {
		struct fcfg_group *g = &c->group[i];

		if (!g->id_line)
			fcfg_err(p, g->line, "[group %s] id: missing; expected the nexthop group id (1-4294967295)",
				 g->name);
		for (j = 0; j < i && g->id; j++)
			if (c->group[j].id == g->id)
				fcfg_err(p, g->id_line, "[group %s] id: %u is already used by [group %s] on line %d; expected a unique id",
					 g->name, g->id, c->group[j].name,
					 c->group[j].id_line);
		for (j = 0; j < c->n_paths && g->id; j++)
			if (c->path_[j].nexthop_id == g->id)
				fcfg_err(p, g->id_line, "[group %s] id: %u is the nexthop_id of [path %s]; groups and nexthops share one id space",
					 g->name, g->id, c->path_[j].name);
		resolve_paths(p, g);
	}
}

static void group_free(struct fabricd_config *c)
{
	int i;

	for (i = 0; i < c->n_groups; i++) {
		free(c->group[i].paths_raw);
		c->group[i].paths_raw = NULL;
	}
}

static const struct fcfg_section sec_group = {
	.name = "group", .order = 70, .begin = group_begin, .set = group_set,
	.set_keys = group_keys, .validate = group_validate, .free = group_free,
};
FCFG_SECTION(sec_group);
