// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabric.conf's plain sections: [node], [datapath], [exporter], [control],
 * [log] and [thresholds], their keys, defaults and cross-key rules.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_ext.h"
#include "exporter.h"
#include "metrics.h"

static int set_ifaces(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen)
{
	char *dup = strdup(v), *tok, *save = NULL;
	struct fabricd_config *c = p->c;
	int i;

	if (!dup)
		return 1;
	c->n_ifaces = 0;
	for (tok = strtok_r(dup, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		struct fcfg_iface *ifc;

		if (strlen(tok) >= IF_NAMESIZE) {
			fcfg_err(p, p->line, "[datapath] interfaces: \"%s\" is longer than an interface name can be (%d)",
				 tok, IF_NAMESIZE - 1);
			continue;
		}
		for (i = 0; i < c->n_ifaces; i++)
			if (!strcmp(c->iface[i].name, tok))
				break;
		if (i < c->n_ifaces) {
			fcfg_err(p, p->line, "[datapath] interfaces: \"%s\" is listed twice", tok);
			continue;
		}
		if (c->n_ifaces == FCFG_MAX_IFACES) {
			fcfg_err(p, p->line, "[datapath] interfaces: at most %d interfaces",
				 FCFG_MAX_IFACES);
			break;
		}
		ifc = &c->iface[c->n_ifaces];
		ifc->ifindex = if_nametoindex(tok);
		if (!ifc->ifindex) {
			fcfg_err(p, p->line, "[datapath] interfaces: no interface \"%s\" in this network namespace; expected %s",
				 tok, k->what);
			continue;
		}
		snprintf(ifc->name, sizeof(ifc->name), "%s", tok);
		c->n_ifaces++;
	}
	free(dup);
	return 1;
}

static int set_xdp_mode(struct fcfg_parse *p, const struct fcfg_key *k,
			void *field, const char *v, char *why, size_t whylen)
{
	return fabric_xdp_mode_parse(v, field) ? -1 : 0;
}

/* Weak: fabricd still validates roughly if built without the exporter. */
#pragma weak fabric_listen_parse

static int set_listen(struct fcfg_parse *p, const struct fcfg_key *k,
		      void *field, const char *v, char *why, size_t whylen)
{
	struct sockaddr_storage ss;

	if (strlen(v) >= k->size)
		return -1;
	if (strcmp(v, "off")) {
		if (fabric_listen_parse) {
			if (fabric_listen_parse(v, &ss, why, whylen))
				return -1;
		} else if (!strrchr(v, ':')) {
			snprintf(why, whylen, "no port");
			return -1;
		}
	}
	snprintf(field, k->size, "%s", v);
	return 0;
}

#define T(f)	FCFG_FIELD(thr.f)

static const struct fcfg_key core_keys[] = {
	{ "node", "id", FCFG_U32, FCFG_FIELD(node_id), 0, 0xffffffffU,
	  "an integer from 0 to 4294967295" },
	{ "datapath", "interfaces", FCFG_FUNC, FCFG_FIELD(iface), 0, 0,
	  "space-separated names of interfaces in this network namespace",
	  set_ifaces },
	{ "datapath", "flows", FCFG_U32, FCFG_FIELD(flows), 8, 1U << 26,
	  "a positive integer from 8 to 67108864" },
	{ "datapath", "tx_flows", FCFG_U32, FCFG_FIELD(tx_flows), 1, 1U << 24,
	  "a positive integer from 1 to 16777216" },
	{ "datapath", "pin_dir", FCFG_ABSPATH, FCFG_FIELD(pin_dir), 0, 0,
	  "an absolute path on bpffs, such as /sys/fs/bpf/fabric" },
	{ "datapath", "xdp_mode", FCFG_FUNC, FCFG_FIELD(xdp_mode), 0, 0,
	  "auto, native or generic", set_xdp_mode },
	{ "datapath", "read_pmtu", FCFG_PMTU, FCFG_FIELD(read_pmtu), 0, 0,
	  "0 (unknown), 256, 512, 1024, 2048 or 4096" },
	{ "datapath", "event_interval_ms", FCFG_U32, FCFG_FIELD(event_interval_ms), 0, 60000,
	  "an integer from 0 to 60000 (milliseconds)" },
	{ "exporter", "listen", FCFG_FUNC, FCFG_FIELD(listen), 0, 0,
	  "HOST:PORT, [IPV6]:PORT, :PORT, or off", set_listen },
	{ "exporter", "top_k", FCFG_U32, FCFG_FIELD(top_k), 1, FABRIC_METRICS_MAX_TOP_K,
	  "an integer from 1 to 10000" },
	{ "exporter", "rate_window_s", FCFG_U32, FCFG_FIELD(rate_window_s), 1, 3600,
	  "an integer from 1 to 3600 (seconds)" },
	{ "control", "socket", FCFG_ABSPATH, FCFG_FIELD(socket_path), 0, 0,
	  "an absolute path of at most 107 bytes" },
	{ "log", "event_burst", FCFG_U32, FCFG_FIELD(event_log_burst), 0, 100000,
	  "an integer from 0 to 100000 (events logged per minute)" },
	{ "thresholds", "probe_interval_us", FCFG_U32, T(probe_interval_us), 10, 10000000,
	  "an integer from 10 to 10000000 (microseconds)" },
	{ "thresholds", "probe_miss_threshold", FCFG_U32, T(probe_miss_threshold), 1, 1000,
	  "an integer from 1 to 1000 (probes missed in a row)" },
	{ "thresholds", "psn_gap_burst", FCFG_U32, T(psn_gap_burst), 1, 1000000,
	  "an integer from 1 to 1000000 (flows with PSN gaps or NAKs on a path within one event interval)" },
	{ "thresholds", "silence_ms", FCFG_U32, T(silence_ms), 0, 600000,
	  "0 (off) or an integer from 10 to 600000 (milliseconds)" },
	{ "thresholds", "holddown_ms", FCFG_U32, T(holddown_ms), 1, 600000,
	  "an integer from 1 to 600000 (milliseconds)" },
	{ "thresholds", "holddown_max_ms", FCFG_U32, T(holddown_max_ms), 1, 600000,
	  "an integer from 1 to 600000 (milliseconds), not below holddown_ms" },
	{ "thresholds", "probe_timeout_us", FCFG_U32, T(probe_timeout_us), 0, 10000000,
	  "an integer from 0 (3 probe intervals) to 10000000 (microseconds)" },
	{ "thresholds", "recover_probes", FCFG_U32, T(recover_probes), 1, 1000,
	  "an integer from 1 to 1000 (probes answered in a row)" },
	{ "thresholds", "stall_tolerance_us", FCFG_U32, T(stall_tolerance_us), 0, 1000000,
	  "an integer from 0 to 1000000 (microseconds)" },
	{ "thresholds", "half_life_ms", FCFG_U32, T(half_life_ms), 1, 3600000,
	  "an integer from 1 to 3600000 (milliseconds)" },
	{ "thresholds", "probe_port", FCFG_U32, T(probe_port), 1, 65535,
	  "a UDP port from 1 to 65535" },
};
FCFG_KEYS(core_keys, 0);

bool fabricd_listen_enabled(const struct fabricd_config *c)
{
	return c->listen[0] && strcmp(c->listen, "off");
}

const char *fcfg_xdp_mode_str(enum fabric_xdp_mode m)
{
	return m == FABRIC_XDP_NATIVE ? "native" :
	       m == FABRIC_XDP_GENERIC ? "generic" : "auto";
}

static void datapath_defaults(struct fabricd_config *c)
{
	c->flows = FABRIC_DEFAULT_FLOWS;
	c->tx_flows = FABRIC_DEFAULT_TX_FLOWS;
	snprintf(c->pin_dir, sizeof(c->pin_dir), "%s", FABRIC_PIN_DIR);
	c->xdp_mode = FABRIC_XDP_AUTO;
	c->event_interval_ms = FABRIC_DEFAULT_EVENT_INTERVAL_NS / 1000000;
}

static void exporter_defaults(struct fabricd_config *c)
{
	snprintf(c->listen, sizeof(c->listen), "%s", FABRIC_EXPORTER_DEFAULT_LISTEN);
	c->top_k = FABRIC_METRICS_DEFAULT_TOP_K;
	c->rate_window_s = 10;
}

static void control_defaults(struct fabricd_config *c)
{
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", FABRICD_DEFAULT_SOCKET);
}

static void log_defaults(struct fabricd_config *c)
{
	c->event_log_burst = 20;
}

static void thresholds_defaults(struct fabricd_config *c)
{
	c->thr.probe_interval_us = 1000;
	c->thr.probe_miss_threshold = 5;
	c->thr.psn_gap_burst = 16;
	c->thr.silence_ms = 0;
	c->thr.holddown_ms = 1000;
	c->thr.holddown_max_ms = 60000;
	c->thr.probe_timeout_us = 0;
	c->thr.recover_probes = 3;
	c->thr.stall_tolerance_us = 200;
	c->thr.half_life_ms = 10000;
	c->thr.probe_port = 3785;
}

static void thresholds_validate(struct fcfg_parse *p)
{
	struct fabricd_config *c = p->c;
	int line;

	if (c->thr.holddown_max_ms < c->thr.holddown_ms) {
		line = fcfg_key_line(p, "thresholds", "holddown_max_ms");
		if (!line)
			line = fcfg_key_line(p, "thresholds", "holddown_ms");
		fcfg_err(p, line, "[thresholds] holddown_max_ms: expected at least holddown_ms (%u), got %u",
			 c->thr.holddown_ms, c->thr.holddown_max_ms);
	}
	/* VM and host scheduling stalls reach 30 ms: below 10 ms nearly
	 * every stall would read as a dead path. */
	if (c->thr.silence_ms && c->thr.silence_ms < 10)
		fcfg_err(p, fcfg_key_line(p, "thresholds", "silence_ms"),
			 "[thresholds] silence_ms: expected 0 (off) or at least 10 ms, got %u: shorter silences happen whenever a sender or this host is descheduled (2-30 ms on VMs)",
			 c->thr.silence_ms);
}

static const struct fcfg_section sec_node = { .name = "node", .order = 10 };
static const struct fcfg_section sec_datapath = {
	.name = "datapath", .order = 20, .defaults = datapath_defaults,
};
static const struct fcfg_section sec_exporter = {
	.name = "exporter", .order = 30, .defaults = exporter_defaults,
};
static const struct fcfg_section sec_control = {
	.name = "control", .order = 40, .defaults = control_defaults,
};
static const struct fcfg_section sec_log = {
	.name = "log", .order = 50, .defaults = log_defaults,
};
static const struct fcfg_section sec_thresholds = {
	.name = "thresholds", .order = 60, .defaults = thresholds_defaults,
	.validate = thresholds_validate,
};
FCFG_SECTION(sec_node);
FCFG_SECTION(sec_datapath);
FCFG_SECTION(sec_exporter);
FCFG_SECTION(sec_control);
FCFG_SECTION(sec_log);
FCFG_SECTION(sec_thresholds);
