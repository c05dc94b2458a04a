// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [gray_int]: INT hop latency as gray-failure evidence. The hops key maps
 * the INT node ids whose hops this node's sink records to the links of
 * [gray] (the paths' links keys): the sink keeps a histogram per node id,
 * holding the frames that node sent toward this sink, i.e. through its
 * egress port on the link to us (Documentation/gray.md, "INT hop
 * latency").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_ext.h"

#define GI(f)	FCFG_FIELD(gray_int.f)

/* hops = 21=l3-s1, 22=l3-s2 */
static int set_hops(struct fcfg_parse *p, const struct fcfg_key *k,
		    void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_gray_int *gi = &p->c->gray_int;
	char *dup = strdup(v), *tok, *save = NULL, *eq, *end;
	unsigned long node;
	int rc = 0, i;

	if (!dup)
		return -1;
	gi->n_hops = 0;
	gi->hops_line = p->line;
	for (tok = strtok_r(dup, ",", &save); tok && !rc;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		eq = strchr(tok, '=');
		if (!eq) {
			snprintf(why, whylen, "\"%s\" is not NODE=LINK", tok);
			rc = -1;
			break;
		}
		*eq++ = 0;
		errno = 0;
		node = strtoul(tok, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		while (*eq == ' ' || *eq == '\t')
			eq++;
		eq[strcspn(eq, " \t")] = 0;
		if (end == tok || *end || errno || node >= FABRIC_INT_MAX_NODES) {
			snprintf(why, whylen, "\"%s\" is not an INT node id from 0 to %d",
				 tok, FABRIC_INT_MAX_NODES - 1);
			rc = -1;
		} else if (!fcfg_valid_name(eq)) {
			snprintf(why, whylen, "\"%s\" is not a link name", eq);
			rc = -1;
		} else if (gi->n_hops == FCFG_GRAY_INT_HOPS) {
			snprintf(why, whylen, "more than %d hops", FCFG_GRAY_INT_HOPS);
			rc = -1;
		} else {
			for (i = 0; i < gi->n_hops; i++)
				if (gi->hop_node[i] == node) {
					snprintf(why, whylen, "node %lu is mapped twice", node);
					rc = -1;
				}
			gi->hop_node[gi->n_hops] = (__u32)node;
			snprintf(gi->hop_name[gi->n_hops++], sizeof(gi->hop_name[0]),
				 "%.31s", eq);
		}
	}
	free(dup);
	if (!rc && !gi->n_hops) {
		snprintf(why, whylen, "no hop");
		rc = -1;
	}
	return rc;
}

static int set_enable(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen)
{
	p->c->gray_int.enable_line = p->line;
	return fcfg_parse_bool(v, field) ? -1 : 0;
}

static const struct fcfg_key gray_int_keys[] = {
	{ "gray_int", "enable", FCFG_FUNC, GI(enable), 0, 0, "on or off", set_enable },
	{ "gray_int", "hops", FCFG_FUNC, GI(hop_node), 0, 0,
	  "comma-separated NODE=LINK: an INT node id whose hops this node's sink records, and the [gray] link (a name from the paths' links keys) its frames to this node cross (e.g. 21=l3-s1, 22=l3-s2)",
	  set_hops },
	{ "gray_int", "delay_threshold_us", FCFG_U32, GI(delay_threshold_us), 0, 4000000,
	  "a hop-latency shift in microseconds from 1 to 4000000, or 0 for [gray] delay_threshold_us" },
	{ "gray_int", "min_samples", FCFG_U32, GI(min_samples), 1, 100000,
	  "samples from 1 to 100000 behind one block median" },
};
FCFG_KEYS(gray_int_keys, 100);

static void gray_int_defaults(struct fabricd_config *c)
{
	c->gray_int.min_samples = 16;
}

static void gray_int_validate(struct fcfg_parse *p)
{
	struct fcfg_gray_int *gi = &p->c->gray_int;
	const struct fcfg_gray *g = &p->c->gray;
	int i, l;

	if (!gi->enable)
		return;
	if (!g->enable)
		fcfg_err(p, gi->enable_line, "[gray_int] enable: needs [gray] enable = on (its links, thresholds and actions)");
	if (!(p->c->int_.roles & FABRIC_INT_ROLE_SINK))
		fcfg_err(p, gi->enable_line, "[gray_int] enable: needs the sink role; expected sink in [int] roles");
	if (!gi->n_hops)
		fcfg_err(p, gi->enable_line, "[gray_int] enable: no hops; expected hops = NODE=LINK, ...");
	for (i = 0; i < gi->n_hops; i++) {
		for (l = 0; l < g->n_links; l++)
			if (!strcmp(g->link[l], gi->hop_name[i]))
				break;
		if (l == g->n_links)
			fcfg_err(p, gi->hops_line, "[gray_int] hops: \"%s\" is not a link of any [path]; expected names from the paths' links keys%s%s%s",
				 gi->hop_name[i], g->n_links ? " (e.g. " : "",
				 g->n_links ? g->link[0] : "", g->n_links ? ")" : "");
		else
			gi->hop_link[i] = (__u8)l;
	}
}

static const struct fcfg_section sec_gray_int = {
	.name = "gray_int", .order = 96, .defaults = gray_int_defaults,
	.validate = gray_int_validate,
};
FCFG_SECTION(sec_gray_int);
