// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * [int]: this node's INT roles and its flow classes (Documentation/int.md,
 * Documentation/configuration.md). Roles are per node: the fabric object
 * runs the same roles on every interface in [datapath] interfaces.
 */
#include <stdlib.h>
#include <string.h>

#include "config_ext.h"
#include "fabric_int.h"

#define I(f)	FCFG_FIELD(int_.f)

static int set_roles(struct fcfg_parse *p, const struct fcfg_key *k,
		     void *field, const char *v, char *why, size_t whylen)
{
	char *dup = strdup(v), *tok, *save = NULL;
	__u32 roles = 0;
	int rc = 0;

	if (!dup)
		return -1;
	for (tok = strtok_r(dup, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (!strcmp(tok, "source"))
			roles |= FABRIC_INT_ROLE_SOURCE;
		else if (!strcmp(tok, "transit"))
			roles |= FABRIC_INT_ROLE_TRANSIT;
		else if (!strcmp(tok, "sink"))
			roles |= FABRIC_INT_ROLE_SINK;
		else if (strcmp(tok, "none")) {
			snprintf(why, whylen, "\"%s\" is not a role", tok);
			rc = -1;
		}
	}
	free(dup);
	*(__u32 *)field = roles;
	return rc;
}

static int set_node(struct fcfg_parse *p, const struct fcfg_key *k,
		    void *field, const char *v, char *why, size_t whylen)
{
	if (fcfg_parse_u32(v, 0, 0xffffffffU, field))
		return -1;
	p->c->int_.node_id_line = p->line;
	return 0;
}

static const struct fcfg_key int_keys[] = {
	{ "int", "roles", FCFG_FUNC, I(roles), 0, 0,
	  "none, or any of source, transit and sink", set_roles },
	{ "int", "node_id", FCFG_FUNC, I(node_id), 0, 0,
	  "an integer from 0 to 4294967295 (below 1024 for per-hop histograms)",
	  set_node },
	{ "int", "udp_port", FCFG_U32, I(udp_port), 1, 65535,
	  "a UDP port from 1 to 65535, not 4791" },
	{ "int", "probe_port", FCFG_U32, I(probe_port), 1, 65535,
	  "a UDP port from 1 to 65535, not 4791" },
	{ "int", "mtu", FCFG_U32, I(mtu), 0, 65535,
	  "0 (the device's) or an IP MTU up to 65535" },
	{ "int", "domain_id", FCFG_U32, I(domain_id), 0, 65535,
	  "an integer from 0 to 65535" },
	{ "int", "mode", FCFG_FUNC, I(def), 0, 0, "off, probe or embed",
	  fcfg_int_set_mode },
	{ "int", "dscp", FCFG_FUNC, I(def), 0, 0,
	  "all, or DSCPs and ranges from 0 to 63 (\"26 46\", \"0-7\")",
	  fcfg_int_set_dscp },
	{ "int", "sample", FCFG_U32, I(def.sample), 1, 1U << 24,
	  "an integer from 1 (every packet) to 16777216" },
	{ "int", "max_hops", FCFG_U32, I(def.max_hops), 1, FABRIC_INT_MAX_HOPS,
	  "an integer from 1 to 8" },
	{ "int", "instructions", FCFG_FUNC, I(def.instr), 0, 0,
	  "an instruction bitmap of bits 0-5 (0x8000 node id ... 0x0400 egress time), such as 0xf000",
	  fcfg_int_set_instr },
	{ "int", "top_paths", FCFG_U32, I(top_paths), 1, FABRIC_INT_MAX_PATHS,
	  "an integer from 1 to 1024 (paths with a latency series of their own)" },
};
FCFG_KEYS(int_keys, 100);

static void int_defaults(struct fabricd_config *c)
{
	c->int_.udp_port = FABRIC_INT_UDP_PORT_DEFAULT;
	c->int_.probe_port = FABRIC_INT_PROBE_PORT_DEFAULT;
	fcfg_int_class_defaults(&c->int_.def, "default");
	c->int_.def.dscp.mask = ~0ULL;
	c->int_.top_paths = 10;
}

static void int_validate(struct fcfg_parse *p)
{
	struct fcfg_int *in = &p->c->int_;

	if (!in->node_id_line)
		in->node_id = p->c->node_id;
	if (in->udp_port == 4791 || in->udp_port == in->probe_port)
		fcfg_err(p, fcfg_key_line(p, "int", "udp_port"),
			 "[int] udp_port: expected a port other than 4791 and probe_port (%u), got %u",
			 in->probe_port, in->udp_port);
	if (in->probe_port == 4791)
		fcfg_err(p, fcfg_key_line(p, "int", "probe_port"),
			 "[int] probe_port: expected a port other than 4791, got 4791");
}

static const struct fcfg_section sec_int = {
	.name = "int", .order = 65, .defaults = int_defaults,
	.validate = int_validate,
};
FCFG_SECTION(sec_int);
