// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [int_class NAME]: an INT flow class of its own (its DSCPs, mode,
 * sampling and probes), beside the default class of [int]; and the keys
 * both share. Documentation/configuration.md, Documentation/int.md
 * ("Modes and classes", "Probe mode").
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config_ext.h"
#include "fabric_int.h"

#define C(f)	FCFG_ITEM(struct fcfg_int_class, f)

static const char *const int_modes[] = { "off", "probe", "embed", NULL };

void fcfg_int_class_defaults(struct fcfg_int_class *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->mode = FABRIC_INT_MODE_PROBE;
	c->sample = 64;
	c->max_hops = FABRIC_INT_MAX_HOPS;
	c->instr = FABRIC_INT_I_DEFAULT;
	c->probe.rate = 10;
}

/* field: the class */
int fcfg_int_set_mode(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_int_class *c = field;
	int i;

	for (i = 0; int_modes[i]; i++)
		if (!strcmp(v, int_modes[i])) {
			c->mode = i;
			c->mode_line = p->line;
			return 0;
		}
	return -1;
}

/* field: the class. "all", or DSCPs 0-63 and ranges: "26 46", "0-7" */
int fcfg_int_set_dscp(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_dscp *d = &((struct fcfg_int_class *)field)->dscp;
	char *dup, *tok, *save = NULL, *dash;
	__u64 mask = 0;
	__u32 lo, hi;
	int rc = 0;

	d->line = p->line;
	if (!strcmp(v, "all")) {
		d->mask = ~0ULL;
		return 0;
	}
	dup = strdup(v);
	if (!dup)
		return -1;
	for (tok = strtok_r(dup, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		dash = strchr(tok, '-');
		if (dash)
			*dash++ = '\0';
		if (fcfg_parse_u32(tok, 0, 63, &lo) ||
		    fcfg_parse_u32(dash ? dash : tok, lo, 63, &hi)) {
			rc = -1;
			continue;
		}
		for (; lo <= hi; lo++)
			mask |= 1ULL << lo;
	}
	free(dup);
	if (!mask)
		rc = -1;
	d->mask = mask;
	return rc;
}

int fcfg_int_set_instr(struct fcfg_parse *p, const struct fcfg_key *k,
		       void *field, const char *v, char *why, size_t whylen)
{
	char *end;
	unsigned long x = strtoul(v, &end, 0);

	if (!*v || *end || !x || x > 0xffff)
		return -1;
	if (x & ~FABRIC_INT_I_SUPPORTED) {
		snprintf(why, whylen, "bits 0x%04lx are not supported",
			 x & ~(unsigned long)FABRIC_INT_I_SUPPORTED);
		return -1;
	}
	*(__u32 *)field = x;
	return 0;
}

/* field: the class's probe settings, for all the probe_* keys */
int fcfg_int_set_rate(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_int_probe *pr = field;

	pr->rate_line = p->line;
	return fcfg_parse_u32(v, 0, FIP_MAX_RATE, &pr->rate);
}

int fcfg_int_set_targets(struct fcfg_parse *p, const struct fcfg_key *k,
			 void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_int_probe *pr = field;
	char *dup = strdup(v), *tok, *save = NULL;
	int rc = 0;

	if (!dup)
		return -1;
	pr->targets_line = p->line;
	for (tok = strtok_r(dup, " \t,", &save); tok && !rc;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (pr->n_targets == FIP_MAX_TARGETS) {
			snprintf(why, whylen, "at most %d targets", FIP_MAX_TARGETS);
			rc = -1;
		} else if (fip_parse_addr(tok, &pr->target[pr->n_targets])) {
			snprintf(why, whylen, "\"%s\" is not an address", tok);
			rc = -1;
		} else {
			pr->n_targets++;
		}
	}
	free(dup);
	return rc;
}

int fcfg_int_set_groups(struct fcfg_parse *p, const struct fcfg_key *k,
			void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_int_probe *pr = field;

	if (strlen(v) >= sizeof(pr->groups_raw))
		return -1;
	snprintf(pr->groups_raw, sizeof(pr->groups_raw), "%s", v);
	pr->groups_line = p->line;
	return 0;
}

int fcfg_int_set_sports(struct fcfg_parse *p, const struct fcfg_key *k,
			void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_int_probe *pr = field;

	return fip_parse_ports(v, &pr->sport_lo, &pr->sport_hi);
}

/* One address per family: "10.1.1.2", "10.1.1.2 2001:db8:1::2" */
int fcfg_int_set_source(struct fcfg_parse *p, const struct fcfg_key *k,
			void *field, const char *v, char *why, size_t whylen)
{
	struct fcfg_int_probe *pr = field;
	char *dup = strdup(v), *tok, *save = NULL;
	struct fip_addr a, *slot;
	int rc = 0;

	if (!dup)
		return -1;
	pr->src_line = p->line;
	for (tok = strtok_r(dup, " \t,", &save); tok && !rc;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (fip_parse_addr(tok, &a)) {
			snprintf(why, whylen, "\"%s\" is not an address", tok);
			rc = -1;
			break;
		}
		slot = a.family == AF_INET ? &pr->src4 : &pr->src6;
		if (slot->family) {
			snprintf(why, whylen, "one address per family");
			rc = -1;
		}
		*slot = a;
	}
	free(dup);
	return rc;
}

static void *class_begin(struct fcfg_parse *p, const char *name)
{
	struct fcfg_int *in = &p->c->int_;
	struct fcfg_int_class *c;
	int i;

	if (!strcmp(name, "default")) {
		fcfg_err(p, p->line, "[int_class default]: \"default\" is the class of [int]; set its keys there or pick another name");
		return NULL;
	}
	for (i = 0; i < in->n_classes; i++)
		if (!strcmp(in->cls[i].name, name)) {
			fcfg_err(p, p->line, "[int_class %s]: defined twice (line %d); class names must be unique",
				 name, in->cls[i].line);
			return NULL;
		}
	if (in->n_classes == FCFG_INT_MAX_CLASSES) {
		fcfg_err(p, p->line, "[int_class %s]: too many INT classes (at most %d)",
			 name, FCFG_INT_MAX_CLASSES);
		return NULL;
	}
	c = &in->cls[in->n_classes++];
	fcfg_int_class_defaults(c, name);
	c->line = p->line;
	return c;
}

#define PROBE_KEYS(sec, field)						\
	{ sec, "probe_rate", FCFG_FUNC, field, 0, 0,			\
	  "probe rounds per second from 0 (fabricd sends none) to 10000", \
	  fcfg_int_set_rate },						\
	{ sec, "probe_targets", FCFG_FUNC, field, 0, 0,			\
	  "IPv4 or IPv6 addresses to probe (\"10.1.2.2 2001:db8:2::2\")", \
	  fcfg_int_set_targets },					\
	{ sec, "probe_groups", FCFG_FUNC, field, 0, 0,			\
	  "names of [group NAME] sections whose routes to probe",	\
	  fcfg_int_set_groups },					\
	{ sec, "probe_sports", FCFG_FUNC, field, 0, 0,			\
	  "a UDP source port or a range such as 49152-49167",		\
	  fcfg_int_set_sports },					\
	{ sec, "probe_source", FCFG_FUNC, field, 0, 0,			\
	  "a source address, at most one IPv4 and one IPv6",		\
	  fcfg_int_set_source }

static const struct fcfg_key int_class_keys[] = {
	{ "int_class", "dscp", FCFG_FUNC, 0, 0, 0, 0,
	  "all, or DSCPs and ranges from 0 to 63 (\"26 46\", \"0-7\")",
	  fcfg_int_set_dscp },
	{ "int_class", "mode", FCFG_FUNC, 0, 0, 0, 0, "off, probe or embed",
	  fcfg_int_set_mode },
	{ "int_class", "sample", FCFG_U32, C(sample), 1, 1U << 24,
	  "an integer from 1 (every packet) to 16777216" },
	{ "int_class", "max_hops", FCFG_U32, C(max_hops), 1, FABRIC_INT_MAX_HOPS,
	  "an integer from 1 to 8" },
	{ "int_class", "instructions", FCFG_FUNC, C(instr), 0, 0,
	  "an instruction bitmap of bits 0-5 (0x8000 node id ... 0x0400 egress time), such as 0xf000",
	  fcfg_int_set_instr },
	PROBE_KEYS("int_class", C(probe)),
};
FCFG_KEYS(int_class_keys, 100);

static const struct fcfg_key int_probe_keys[] = {
	PROBE_KEYS("int", FCFG_FIELD(int_.def.probe)),
};
FCFG_KEYS(int_probe_keys, 110);

/* The first host of a route's prefix: the far end the probes go to. */
static void route_target(const struct fcfg_route *r, struct fip_addr *t)
{
	int len = r->family == AF_INET ? 4 : 16, i;

	t->family = r->family;
	memcpy(t->addr, r->dst, len);
	if (r->plen >= 8 * len - 1)
		return;		/* /32, /31, /128, /127: the address given */
	for (i = len - 1; i >= 0 && ++t->addr[i] == 0; i--)
		;
}

static const char *lbl(const struct fcfg_int_class *c, char *b, size_t n)
{
	if (c->line)
		snprintf(b, n, "[int_class %s]", c->name);
	else
		snprintf(b, n, "[int]");
	return b;
}

static void resolve_groups(struct fcfg_parse *p, struct fcfg_int_class *c)
{
	struct fcfg_int_probe *pr = &c->probe;
	struct fabricd_config *cfg = p->c;
	const char *names[FCFG_MAX_GROUPS], *guess;
	char *dup, *tok, *save = NULL, l[64];
	int i, j;

	if (!pr->groups_raw[0])
		return;
	for (i = 0; i < cfg->n_groups; i++)
		names[i] = cfg->group[i].name;
	dup = strdup(pr->groups_raw);
	if (!dup)
		return;
	for (tok = strtok_r(dup, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		for (i = 0; i < cfg->n_groups; i++)
			if (!strcmp(cfg->group[i].name, tok))
				break;
		if (i == cfg->n_groups) {
			guess = fcfg_closest(tok, names, cfg->n_groups);
			fcfg_err(p, pr->groups_line, "%s probe_groups: no [group %s] section%s%s%s",
				 lbl(c, l, sizeof(l)), tok, guess ? "; did you mean \"" : "",
				 guess ? guess : "", guess ? "\"?" : "");
			continue;
		}
		if (!cfg->group[i].n_routes) {
			fcfg_err(p, pr->groups_line, "%s probe_groups: [group %s] has no routes to probe; give it routes, or list addresses in probe_targets",
				 lbl(c, l, sizeof(l)), tok);
			continue;
		}
		for (j = 0; j < cfg->group[i].n_routes; j++) {
			if (pr->n_targets == FIP_MAX_TARGETS) {
				fcfg_err(p, pr->groups_line, "%s probe_groups: more than %d targets with probe_targets; probe fewer groups",
					 lbl(c, l, sizeof(l)), FIP_MAX_TARGETS);
				goto out;
			}
			route_target(&cfg->group[i].route[j], &pr->target[pr->n_targets++]);
		}
	}
out:
	free(dup);
}

static __u64 class_rate(const struct fcfg_int_class *c)
{
	if (c->mode != FABRIC_INT_MODE_PROBE)
		return 0;
	return (__u64)c->probe.rate * c->probe.n_targets;
}

static void check_class(struct fcfg_parse *p, struct fcfg_int_class *c)
{
	char l[64];

	resolve_groups(p, c);
	if (c->mode != FABRIC_INT_MODE_PROBE && c->probe.n_targets)
		fcfg_err(p, c->probe.targets_line ? c->probe.targets_line : c->probe.groups_line,
			 "%s probe_targets: fabricd sends probes for mode probe only, and this class is %s; set mode = probe or remove the probe keys",
			 lbl(c, l, sizeof(l)), int_modes[c->mode]);
}

/* After [group]s (order 70), whose routes probe_groups names. */
static void int_class_validate(struct fcfg_parse *p)
{
	struct fcfg_int *in = &p->c->int_;
	struct fcfg_int_class *c, *o;
	__u64 total, overlap;
	char l[64];
	int i, j;

	check_class(p, &in->def);
	total = class_rate(&in->def);
	for (i = 0; i < in->n_classes; i++) {
		c = &in->cls[i];
		check_class(p, c);
		total += class_rate(c);
		if (!c->dscp.line) {
			fcfg_err(p, c->line, "[int_class %s] dscp: missing; expected the DSCPs of this class, such as 26",
				 c->name);
			continue;
		}
		for (j = 0; j < i; j++) {
			o = &in->cls[j];
			overlap = c->dscp.mask & o->dscp.mask;
			if (overlap)
				fcfg_err(p, c->dscp.line, "[int_class %s] dscp: DSCP %d is also in [int_class %s] (line %d); a DSCP belongs to one class",
					 c->name, __builtin_ctzll(overlap), o->name, o->dscp.line);
		}
		/* [int] dscp = all (the default) means all the other DSCPs */
		overlap = c->dscp.mask & in->def.dscp.mask;
		if (in->def.dscp.mask != ~0ULL && overlap)
			fcfg_err(p, c->dscp.line, "[int_class %s] dscp: DSCP %d is also in [int] dscp (line %d); a DSCP belongs to one class",
				 c->name, __builtin_ctzll(overlap), in->def.dscp.line);
	}
	if (total > FIP_MAX_RATE) {
		for (i = -1, c = &in->def; i < in->n_classes; c = &in->cls[++i])
			if (class_rate(c))
				break;
		fcfg_err(p, c->probe.rate_line ? c->probe.rate_line : c->line,
			 "%s probe_rate: fabricd would send %llu probes per second over all classes (probe_rate x targets); lower probe_rate to stay within %d",
			 lbl(c, l, sizeof(l)), (unsigned long long)total, FIP_MAX_RATE);
	}
}

static const struct fcfg_section sec_int_class = {
	.name = "int_class", .order = 75, .begin = class_begin,
	.validate = int_class_validate,
};
FCFG_SECTION(sec_int_class);
