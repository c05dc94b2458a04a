// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [path NAME]: one path of a group, its device, gateway and nexthop
 * object, its weight, and how it is probed.
 */
#include <arpa/inet.h>
#include <string.h>

#include "config_ext.h"

static const char *const path_keys[] = { "dev", "ifindex", "gateway",
					 "nexthop_id", "weight", "probe",
					 "probe_peer", NULL };

static void *path_begin(struct fcfg_parse *p, const char *name)
{
	struct fabricd_config *c = p->c;
	struct fcfg_path *pa;
	int i;

	for (i = 0; i < c->n_paths; i++)
		if (!strcmp(c->path_[i].name, name)) {
			fcfg_err(p, p->line, "[path %s]: defined twice; path names must be unique",
				 name);
			return NULL;
		}
	if (c->n_paths == FCFG_MAX_PATHS) {
		fcfg_err(p, p->line, "[path %s]: too many path sections (at most %d)",
			 name, FCFG_MAX_PATHS);
		return NULL;
	}
	pa = &c->path_[c->n_paths++];
	snprintf(pa->name, sizeof(pa->name), "%s", name);
	pa->line = p->line;
	pa->weight = 1;
	pa->probe = true;
	pa->group = -1;
	return pa;
}

static bool path_set(struct fcfg_parse *p, const char *name, const char *v)
{
	struct fcfg_path *pa = p->item;
	int k;
	__u32 u;

	for (k = 0; path_keys[k] && strcmp(path_keys[k], name); k++)
		;
	if (!path_keys[k])
		return false;
	if (fcfg_twice(p, &p->item_line[k], name))
		return true;
	switch (k) {
	case 0:	/* dev */
		pa->dev_line = p->line;
		if (!*v || strlen(v) >= IF_NAMESIZE || !(pa->ifindex = if_nametoindex(v))) {
			fcfg_err(p, p->line, "%s dev: expected an interface in this network namespace, got \"%s\" (no such device)",
				 p->label, v);
			break;
		}
		snprintf(pa->dev, sizeof(pa->dev), "%s", v);
		break;
	case 1:	/* ifindex */
		pa->ifindex_line = p->line;
		if (fcfg_parse_u32(v, 1, 0x7fffffff, &u) || !if_indextoname(u, pa->dev)) {
			fcfg_err(p, p->line, "%s ifindex: expected the index of an interface in this network namespace, got \"%s\" (no such device)",
				 p->label, v);
			pa->dev[0] = '\0';
			break;
		}
		pa->ifindex = u;
		break;
	case 2:	/* gateway */
		pa->gw_line = p->line;
		if (inet_pton(AF_INET, v, pa->gateway) == 1)
			pa->gw_family = AF_INET;
		else if (inet_pton(AF_INET6, v, pa->gateway) == 1)
			pa->gw_family = AF_INET6;
		else
			fcfg_err(p, p->line, "%s gateway: expected an IPv4 or IPv6 address, got \"%s\"",
				 p->label, v);
		break;
	case 3:	/* nexthop_id */
		pa->nhid_line = p->line;
		if (fcfg_parse_u32(v, 1, 0xffffffffU, &pa->nexthop_id))
			fcfg_err(p, p->line, "%s nexthop_id: expected a nexthop id from 1 to 4294967295, got \"%s\"",
				 p->label, v);
		break;
	case 4:	/* weight */
		if (fcfg_parse_u32(v, 1, 256, &pa->weight))
			fcfg_err(p, p->line, "%s weight: expected an integer from 1 to 256, got \"%s\"",
				 p->label, v);
		break;
	case 5:	/* probe */
		if (fcfg_parse_bool(v, &pa->probe))
			fcfg_err(p, p->line, "%s probe: expected on or off, got \"%s\"",
				 p->label, v);
		break;
	case 6:	/* probe_peer */
		if (inet_pton(AF_INET, v, pa->probe_peer) == 1)
			pa->peer_family = AF_INET;
		else if (inet_pton(AF_INET6, v, pa->probe_peer) == 1)
			pa->peer_family = AF_INET6;
		else
			fcfg_err(p, p->line, "%s probe_peer: expected the IPv4 or IPv6 address of the probe reflector, got \"%s\"",
				 p->label, v);
		break;
	}
	return true;
}

static void path_validate(struct fcfg_parse *p)
{
	struct fabricd_config *c = p->c;
	int i, j;

	for (i = 0; i < c->n_paths; i++) {
		struct fcfg_path *pa = &c->path_[i];

		if (pa->dev_line && pa->ifindex_line)
			fcfg_err(p, pa->ifindex_line, "[path %s] ifindex: set either dev or ifindex, not both",
				 pa->name);
		else if (!pa->dev_line && !pa->ifindex_line)
			fcfg_err(p, pa->line, "[path %s] dev: missing; expected the path's outgoing interface (dev = NAME or ifindex = N)",
				 pa->name);
		if (!pa->nhid_line)
			fcfg_err(p, pa->line, "[path %s] nexthop_id: missing; expected the id of the path's nexthop object (1-4294967295)",
				 pa->name);
		if (!pa->gw_line)
			fcfg_err(p, pa->line, "[path %s] gateway: missing; expected the IPv4 or IPv6 next hop (fabricd re-creates the path's nexthop from it)",
				 pa->name);
		if (pa->peer_family && pa->gw_family &&
		    pa->peer_family != pa->gw_family)
			fcfg_err(p, pa->line, "[path %s] probe_peer: expected an address of the gateway's family",
				 pa->name);
		for (j = 0; j < i && pa->nexthop_id; j++)
			if (c->path_[j].nexthop_id == pa->nexthop_id)
				fcfg_err(p, pa->nhid_line, "[path %s] nexthop_id: %u is already used by [path %s] on line %d; expected a unique id",
					 pa->name, pa->nexthop_id, c->path_[j].name,
					 c->path_[j].nhid_line);
	}
}

static const struct fcfg_section sec_path = {
	.name = "path", .order = 80, .begin = path_begin, .set = path_set,
	.set_keys = path_keys, .validate = path_validate,
};
FCFG_SECTION(sec_path);
