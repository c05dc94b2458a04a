// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Parse fabric.conf with inih. inih tells the handler nothing about line
 * numbers in Debian's build, so we feed it through our own line reader:
 * that reader counts lines, validates section headers (inih never shows
 * the handler an empty section) and swallows over-long lines, which inih
 * would otherwise split into bogus ones.
 *
 * Every problem is collected, not just the first, and each message names
 * the file, the line, the section and key, and what is expected.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "exporter.h"
#include "metrics.h"

#define LINE_MAX_LEN	512

enum sec_kind {
	SEC_NONE,	/* before the first header */
	SEC_BAD,	/* an invalid header: its keys are not reported again */
	SEC_NODE,
	SEC_DATAPATH,
	SEC_EXPORTER,
	SEC_CONTROL,
	SEC_LOG,
	SEC_THRESHOLDS,
	SEC_GROUP,
	SEC_PATH,
};

static const char *const sec_names[] = {
	[SEC_NODE] = "node", [SEC_DATAPATH] = "datapath",
	[SEC_EXPORTER] = "exporter", [SEC_CONTROL] = "control",
	[SEC_LOG] = "log", [SEC_THRESHOLDS] = "thresholds",
	[SEC_GROUP] = "group", [SEC_PATH] = "path",
};
#define N_SECS	(sizeof(sec_names) / sizeof(sec_names[0]))

enum key_type {
	K_U32,
	K_STR,		/* any non-empty text up to the field size */
	K_ABSPATH,
	K_IFACES,
	K_XDP_MODE,
	K_LISTEN,
	K_PMTU,
};

struct key_def {
	enum sec_kind	sec;
	const char	*name;
	enum key_type	type;
	size_t		off;
	size_t		size;
	__u32		min, max;
	const char	*what;		/* "expected ..." */
};

#define C(f)	offsetof(struct fabricd_config, f), sizeof(((struct fabricd_config *)0)->f)
#define T(f)	offsetof(struct fabricd_config, thr.f), sizeof(__u32)

static const struct key_def keys[] = {
	{ SEC_NODE, "id", K_U32, C(node_id), 0, 0xffffffffU,
	  "an integer from 0 to 4294967295" },
	{ SEC_DATAPATH, "interfaces", K_IFACES, C(iface), 0, 0,
	  "space-separated names of interfaces in this network namespace" },
	{ SEC_DATAPATH, "flows", K_U32, C(flows), 8, 1U << 26,
	  "a positive integer from 8 to 67108864" },
	{ SEC_DATAPATH, "tx_flows", K_U32, C(tx_flows), 1, 1U << 24,
	  "a positive integer from 1 to 16777216" },
	{ SEC_DATAPATH, "pin_dir", K_ABSPATH, C(pin_dir), 0, 0,
	  "an absolute path on bpffs, such as /sys/fs/bpf/fabric" },
	{ SEC_DATAPATH, "xdp_mode", K_XDP_MODE, C(xdp_mode), 0, 0,
	  "auto, native or generic" },
	{ SEC_DATAPATH, "read_pmtu", K_PMTU, C(read_pmtu), 0, 0,
	  "0 (unknown), 256, 512, 1024, 2048 or 4096" },
	{ SEC_DATAPATH, "event_interval_ms", K_U32, C(event_interval_ms), 0, 60000,
	  "an integer from 0 to 60000 (milliseconds)" },
	{ SEC_EXPORTER, "listen", K_LISTEN, C(listen), 0, 0,
	  "HOST:PORT, [IPV6]:PORT, :PORT, or off" },
	{ SEC_EXPORTER, "top_k", K_U32, C(top_k), 1, FABRIC_METRICS_MAX_TOP_K,
	  "an integer from 1 to 10000" },
	{ SEC_EXPORTER, "rate_window_s", K_U32, C(rate_window_s), 1, 3600,
	  "an integer from 1 to 3600 (seconds)" },
	{ SEC_CONTROL, "socket", K_ABSPATH, C(socket_path), 0, 0,
	  "an absolute path of at most 107 bytes" },
	{ SEC_LOG, "event_burst", K_U32, C(event_log_burst), 0, 100000,
	  "an integer from 0 to 100000 (events logged per minute)" },
	{ SEC_THRESHOLDS, "probe_interval_us", K_U32, T(probe_interval_us), 10, 10000000,
	  "an integer from 10 to 10000000 (microseconds)" },
	{ SEC_THRESHOLDS, "probe_miss_threshold", K_U32, T(probe_miss_threshold), 1, 1000,
	  "an integer from 1 to 1000 (probes missed in a row)" },
	{ SEC_THRESHOLDS, "psn_gap_burst", K_U32, T(psn_gap_burst), 1, 1000000,
	  "an integer from 1 to 1000000 (flows with PSN gaps or NAKs on a path within one event interval)" },
	{ SEC_THRESHOLDS, "silence_ms", K_U32, T(silence_ms), 0, 600000,
	  "0 (off) or an integer from 10 to 600000 (milliseconds)" },
	{ SEC_THRESHOLDS, "holddown_ms", K_U32, T(holddown_ms), 1, 600000,
	  "an integer from 1 to 600000 (milliseconds)" },
	{ SEC_THRESHOLDS, "holddown_max_ms", K_U32, T(holddown_max_ms), 1, 600000,
	  "an integer from 1 to 600000 (milliseconds), not below holddown_ms" },
	{ SEC_THRESHOLDS, "probe_timeout_us", K_U32, T(probe_timeout_us), 0, 10000000,
	  "an integer from 0 (3 probe intervals) to 10000000 (microseconds)" },
	{ SEC_THRESHOLDS, "recover_probes", K_U32, T(recover_probes), 1, 1000,
	  "an integer from 1 to 1000 (probes answered in a row)" },
	{ SEC_THRESHOLDS, "stall_tolerance_us", K_U32, T(stall_tolerance_us), 0, 1000000,
	  "an integer from 0 to 1000000 (microseconds)" },
	{ SEC_THRESHOLDS, "half_life_ms", K_U32, T(half_life_ms), 1, 3600000,
	  "an integer from 1 to 3600000 (milliseconds)" },
	{ SEC_THRESHOLDS, "probe_port", K_U32, T(probe_port), 1, 65535,
	  "a UDP port from 1 to 65535" },
};
#define N_KEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const group_keys[] = { "id", "paths", "buckets",
					  "idle_timer_ms", "unbalanced_timer_ms",
					  "routes" };
static const char *const path_keys[] = { "dev", "ifindex", "gateway",
					 "nexthop_id", "weight", "probe",
					 "probe_peer" };
#define N_GROUP_KEYS	(sizeof(group_keys) / sizeof(group_keys[0]))
#define N_PATH_KEYS	(sizeof(path_keys) / sizeof(path_keys[0]))

struct parse_ctx {
	struct fabricd_config	*c;
	struct fcfg_errors	*errs;
	FILE			*f;
	int			line;
	enum sec_kind		sec;
	char			sec_label[FCFG_NAME_MAX + 16];
	struct fcfg_group	*group;
	struct fcfg_path	*path;
	int			seen[N_KEYS];
	int			sec_line[N_SECS];
	int			gkey_line[N_GROUP_KEYS], pkey_line[N_PATH_KEYS];
	int			long_line;	/* first over-long line */
};

void fabricd_config_defaults(struct fabricd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->flows = FABRIC_DEFAULT_FLOWS;
	c->tx_flows = FABRIC_DEFAULT_TX_FLOWS;
	snprintf(c->pin_dir, sizeof(c->pin_dir), "%s", FABRIC_PIN_DIR);
	c->xdp_mode = FABRIC_XDP_AUTO;
	c->event_interval_ms = FABRIC_DEFAULT_EVENT_INTERVAL_NS / 1000000;
	snprintf(c->listen, sizeof(c->listen), "%s", FABRIC_EXPORTER_DEFAULT_LISTEN);
	c->top_k = FABRIC_METRICS_DEFAULT_TOP_K;
	c->rate_window_s = 10;
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", FABRICD_DEFAULT_SOCKET);
	c->event_log_burst = 20;
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

void fabricd_config_free(struct fabricd_config *c)
{
	int i;

	for (i = 0; i < c->n_groups; i++) {
		free(c->group[i].paths_raw);
		c->group[i].paths_raw = NULL;
	}
}

bool fabricd_listen_enabled(const struct fabricd_config *c)
{
	return c->listen[0] && strcmp(c->listen, "off");
}

const char *fcfg_xdp_mode_str(enum fabric_xdp_mode m)
{
	return m == FABRIC_XDP_NATIVE ? "native" :
	       m == FABRIC_XDP_GENERIC ? "generic" : "auto";
}

static void err_at(struct parse_ctx *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void err_at(struct parse_ctx *p, int line, const char *fmt, ...)
{
	struct fcfg_errors *e = p->errs;
	char *m;
	int n;
	va_list ap;

	if (e->n >= FCFG_MAX_ERRORS) {
		e->dropped++;
		return;
	}
	e->line[e->n] = line;
	m = e->msg[e->n++];
	n = line > 0 ? snprintf(m, sizeof(e->msg[0]), "%s:%d: ", p->c->path, line) :
		       snprintf(m, sizeof(e->msg[0]), "%s: ", p->c->path);
	va_start(ap, fmt);
	vsnprintf(m + n, sizeof(e->msg[0]) - n, fmt, ap);
	va_end(ap);
}

void fcfg_errors_print(const struct fcfg_errors *errs, FILE *f)
{
	int i;

	for (i = 0; i < errs->n; i++)
		fprintf(f, "%s\n", errs->msg[i]);
	if (errs->dropped)
		fprintf(f, "(%d more errors not shown)\n", errs->dropped);
}

/* Edit distance for "did you mean"; short words only. */
static int distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), i, j;
	int d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			int sub = d[i - 1][j - 1] + (tolower(a[i - 1]) != tolower(b[j - 1]));
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;

			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

static const char *closest(const char *word, const char *const *cands, int n)
{
	const char *best = NULL;
	int i, bd = 3, dd;

	for (i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		dd = distance(word, cands[i]);
		if (dd < bd) {
			bd = dd;
			best = cands[i];
		}
	}
	/* a distance of 2 on a 3-letter word is noise */
	if (best && bd > 1 && strlen(word) < 5)
		return NULL;
	return best;
}

static void key_list(enum sec_kind sec, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (sec == SEC_GROUP || sec == SEC_PATH) {
		const char *const *k = sec == SEC_GROUP ? group_keys : path_keys;
		size_t cnt = sec == SEC_GROUP ? N_GROUP_KEYS : N_PATH_KEYS;

		for (i = 0; i < cnt && n < len; i++)
			n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "", k[i]);
		return;
	}
	for (i = 0; i < N_KEYS && n < len; i++)
		if (keys[i].sec == sec)
			n += snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
				      keys[i].name);
}

static void unknown_key(struct parse_ctx *p, const char *name)
{
	const char *cands[N_KEYS + N_PATH_KEYS + N_GROUP_KEYS];
	const char *guess, *other = NULL;
	char list[256];
	size_t i;
	int n = 0;

	if (p->sec == SEC_GROUP || p->sec == SEC_PATH) {
		const char *const *k = p->sec == SEC_GROUP ? group_keys : path_keys;
		int cnt = p->sec == SEC_GROUP ? N_GROUP_KEYS : N_PATH_KEYS;

		for (i = 0; i < (size_t)cnt; i++)
			cands[n++] = k[i];
	} else {
		for (i = 0; i < N_KEYS; i++)
			if (keys[i].sec == p->sec)
				cands[n++] = keys[i].name;
	}
	guess = closest(name, cands, n);
	/* right key, wrong section? */
	for (i = 0; !guess && i < N_KEYS; i++)
		if (!strcmp(keys[i].name, name) && keys[i].sec != p->sec)
			other = sec_names[keys[i].sec];
	key_list(p->sec, list, sizeof(list));
	if (guess)
		err_at(p, p->line, "%s %s: unknown key; did you mean \"%s\"? (keys here: %s)",
		       p->sec_label, name, guess, list);
	else if (other)
		err_at(p, p->line, "%s %s: unknown key here; it belongs in [%s]",
		       p->sec_label, name, other);
	else
		err_at(p, p->line, "%s %s: unknown key (keys here: %s)",
		       p->sec_label, name, list);
}

static int parse_u32(const char *v, __u32 min, __u32 max, __u32 *out)
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

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= FCFG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static void set_ifaces(struct parse_ctx *p, const struct key_def *k,
		       const char *v)
{
	char *dup = strdup(v), *tok, *save = NULL;
	struct fabricd_config *c = p->c;
	int i;

	if (!dup)
		return;
	c->n_ifaces = 0;
	for (tok = strtok_r(dup, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		struct fcfg_iface *ifc;

		if (strlen(tok) >= IF_NAMESIZE) {
			err_at(p, p->line, "[datapath] interfaces: \"%s\" is longer than an interface name can be (%d)",
			       tok, IF_NAMESIZE - 1);
			continue;
		}
		for (i = 0; i < c->n_ifaces; i++)
			if (!strcmp(c->iface[i].name, tok))
				break;
		if (i < c->n_ifaces) {
			err_at(p, p->line, "[datapath] interfaces: \"%s\" is listed twice", tok);
			continue;
		}
		if (c->n_ifaces == FCFG_MAX_IFACES) {
			err_at(p, p->line, "[datapath] interfaces: at most %d interfaces",
			       FCFG_MAX_IFACES);
			break;
		}
		ifc = &c->iface[c->n_ifaces];
		ifc->ifindex = if_nametoindex(tok);
		if (!ifc->ifindex) {
			err_at(p, p->line, "[datapath] interfaces: no interface \"%s\" in this network namespace; expected %s",
			       tok, k->what);
			continue;
		}
		snprintf(ifc->name, sizeof(ifc->name), "%s", tok);
		c->n_ifaces++;
	}
	free(dup);
}

/* Weak: fabricd still validates roughly if built without the exporter. */
#pragma weak fabric_listen_parse

static int check_listen(const char *v, char *why, size_t len)
{
	struct sockaddr_storage ss;

	if (!strcmp(v, "off"))
		return 0;
	if (fabric_listen_parse)
		return fabric_listen_parse(v, &ss, why, len);
	if (!strrchr(v, ':')) {
		snprintf(why, len, "no port");
		return -1;
	}
	return 0;
}

static void set_simple(struct parse_ctx *p, const char *name, const char *v)
{
	const struct key_def *k = NULL;
	char *field, why[160] = "";
	size_t i;
	__u32 u;

	for (i = 0; i < N_KEYS; i++)
		if (keys[i].sec == p->sec && !strcmp(keys[i].name, name)) {
			k = &keys[i];
			break;
		}
	if (!k) {
		unknown_key(p, name);
		return;
	}
	if (p->seen[i]) {
		err_at(p, p->line, "%s %s: set twice (first on line %d); keep one",
		       p->sec_label, name, p->seen[i]);
		return;
	}
	p->seen[i] = p->line;
	field = (char *)p->c + k->off;

	switch (k->type) {
	case K_U32:
		if (parse_u32(v, k->min, k->max, &u))
			goto bad;
		*(__u32 *)field = u;
		return;
	case K_PMTU:
		if (parse_u32(v, 0, 4096, &u) ||
		    (u && (u < 256 || (u & (u - 1)))))
			goto bad;
		*(__u32 *)field = u;
		return;
	case K_STR:
	case K_ABSPATH:
		if (!*v || strlen(v) >= k->size || (k->type == K_ABSPATH && *v != '/'))
			goto bad;
		snprintf(field, k->size, "%s", v);
		return;
	case K_IFACES:
		set_ifaces(p, k, v);
		return;
	case K_XDP_MODE:
		if (fabric_xdp_mode_parse(v, (enum fabric_xdp_mode *)field))
			goto bad;
		return;
	case K_LISTEN:
		if (strlen(v) >= k->size || check_listen(v, why, sizeof(why)))
			goto bad;
		snprintf(field, k->size, "%s", v);
		return;
	}
bad:
	err_at(p, p->line, "%s %s: expected %s, got \"%s\"%s%s", p->sec_label,
	       name, k->what, v, *why ? ": " : "", why);
}

static int key_index(const char *const *list, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return i;
	return -1;
}

static bool twice(struct parse_ctx *p, int *seen, const char *name)
{
	if (*seen) {
		err_at(p, p->line, "%s %s: set twice (first on line %d); keep one",
		       p->sec_label, name, *seen);
		return true;
	}
	*seen = p->line;
	return false;
}

/* "10.1.2.0/24 2001:db8::/64": prefixes routed through the group. */
static void set_routes(struct parse_ctx *p, struct fcfg_group *g, const char *v)
{
	char *dup = strdup(v), *tok, *save = NULL, *sl;
	struct fcfg_route *r;
	__u32 plen;

	if (!dup)
		return;
	for (tok = strtok_r(dup, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (g->n_routes == FCFG_MAX_ROUTES) {
			err_at(p, p->line, "%s routes: at most %d prefixes",
			       p->sec_label, FCFG_MAX_ROUTES);
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
		    parse_u32(sl, 0, r->family == AF_INET ? 32 : 128, &plen)) {
			err_at(p, p->line, "%s routes: expected prefixes such as 10.1.2.0/24 or 2001:db8::/64, got \"%s%s%s\"",
			       p->sec_label, tok, sl ? "/" : "", sl ? sl : "");
			continue;
		}
		r->plen = plen;
		g->n_routes++;
	}
	free(dup);
}

static void set_group(struct parse_ctx *p, const char *name, const char *v)
{
	struct fcfg_group *g = p->group;
	int k = key_index(group_keys, N_GROUP_KEYS, name);

	if (k < 0) {
		unknown_key(p, name);
		return;
	}
	if (twice(p, &p->gkey_line[k], name))
		return;
	switch (k) {
	case 0:
		g->id_line = p->line;
		if (parse_u32(v, 1, 0xffffffffU, &g->id))
			err_at(p, p->line, "%s id: expected a nexthop group id from 1 to 4294967295, got \"%s\"",
			       p->sec_label, v);
		break;
	case 1:
		g->paths_line = p->line;
		g->paths_raw = strdup(v);
		break;
	case 2:
		if (parse_u32(v, 1, 65535, &g->buckets))
			err_at(p, p->line, "%s buckets: expected an integer from 1 to 65535 (resilient group buckets), got \"%s\"",
			       p->sec_label, v);
		break;
	case 3:
		if (parse_u32(v, 0, 3600000, &g->idle_timer_ms))
			err_at(p, p->line, "%s idle_timer_ms: expected an integer from 0 to 3600000 (milliseconds), got \"%s\"",
			       p->sec_label, v);
		break;
	case 4:
		if (parse_u32(v, 0, 3600000, &g->unbalanced_timer_ms))
			err_at(p, p->line, "%s unbalanced_timer_ms: expected an integer from 0 (never) to 3600000 (milliseconds), got \"%s\"",
			       p->sec_label, v);
		break;
	case 5:
		set_routes(p, g, v);
		break;
	}
}

static void set_path(struct parse_ctx *p, const char *name, const char *v)
{
	struct fcfg_path *pa = p->path;
	int k = key_index(path_keys, N_PATH_KEYS, name);
	__u32 u;

	if (k < 0) {
		unknown_key(p, name);
		return;
	}
	if (twice(p, &p->pkey_line[k], name))
		return;
	switch (k) {
	case 0:	/* dev */
		pa->dev_line = p->line;
		if (!*v || strlen(v) >= IF_NAMESIZE || !(pa->ifindex = if_nametoindex(v))) {
			err_at(p, p->line, "%s dev: expected an interface in this network namespace, got \"%s\" (no such device)",
			       p->sec_label, v);
			return;
		}
		snprintf(pa->dev, sizeof(pa->dev), "%s", v);
		break;
	case 1:	/* ifindex */
		pa->ifindex_line = p->line;
		if (parse_u32(v, 1, 0x7fffffff, &u) || !if_indextoname(u, pa->dev)) {
			err_at(p, p->line, "%s ifindex: expected the index of an interface in this network namespace, got \"%s\" (no such device)",
			       p->sec_label, v);
			pa->dev[0] = '\0';
			return;
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
			err_at(p, p->line, "%s gateway: expected an IPv4 or IPv6 address, got \"%s\"",
			       p->sec_label, v);
		break;
	case 3:	/* nexthop_id */
		pa->nhid_line = p->line;
		if (parse_u32(v, 1, 0xffffffffU, &pa->nexthop_id))
			err_at(p, p->line, "%s nexthop_id: expected a nexthop id from 1 to 4294967295, got \"%s\"",
			       p->sec_label, v);
		break;
	case 4:	/* weight */
		if (parse_u32(v, 1, 256, &pa->weight))
			err_at(p, p->line, "%s weight: expected an integer from 1 to 256, got \"%s\"",
			       p->sec_label, v);
		break;
	case 5:	/* probe */
		if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "1"))
			pa->probe = true;
		else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "0"))
			pa->probe = false;
		else
			err_at(p, p->line, "%s probe: expected on or off, got \"%s\"",
			       p->sec_label, v);
		break;
	case 6:	/* probe_peer */
		if (inet_pton(AF_INET, v, pa->probe_peer) == 1)
			pa->peer_family = AF_INET;
		else if (inet_pton(AF_INET6, v, pa->probe_peer) == 1)
			pa->peer_family = AF_INET6;
		else
			err_at(p, p->line, "%s probe_peer: expected the IPv4 or IPv6 address of the probe reflector, got \"%s\"",
			       p->sec_label, v);
		break;
	}
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *p = user;

	switch (p->sec) {
	case SEC_NONE:
		err_at(p, p->line, "%s: key outside any section; put it under its [section] header",
		       name);
		break;
	case SEC_BAD:
		break;
	case SEC_GROUP:
		set_group(p, name, value);
		break;
	case SEC_PATH:
		set_path(p, name, value);
		break;
	default:
		set_simple(p, name, value);
		break;
	}
	return 1;	/* errors are ours to report; keep parsing */
}

static void start_named(struct parse_ctx *p, enum sec_kind kind, const char *name)
{
	struct fabricd_config *c = p->c;
	int i;

	if (!*name || !valid_name(name)) {
		err_at(p, p->line, "[%s%s%s]: expected [%s NAME], NAME of 1-%d letters, digits, '_', '.' or '-'",
		       sec_names[kind], *name ? " " : "", name, sec_names[kind],
		       FCFG_NAME_MAX - 1);
		p->sec = SEC_BAD;
		return;
	}
	if (kind == SEC_GROUP) {
		for (i = 0; i < c->n_groups; i++)
			if (!strcmp(c->group[i].name, name))
				goto dup;
		if (c->n_groups == FCFG_MAX_GROUPS)
			goto full;
		p->group = &c->group[c->n_groups++];
		snprintf(p->group->name, sizeof(p->group->name), "%s", name);
		p->group->line = p->line;
		p->group->buckets = 128;
		p->group->idle_timer_ms = 120000;
		memset(p->gkey_line, 0, sizeof(p->gkey_line));
	} else {
		for (i = 0; i < c->n_paths; i++)
			if (!strcmp(c->path_[i].name, name))
				goto dup;
		if (c->n_paths == FCFG_MAX_PATHS)
			goto full;
		p->path = &c->path_[c->n_paths++];
		snprintf(p->path->name, sizeof(p->path->name), "%s", name);
		p->path->line = p->line;
		p->path->weight = 1;
		p->path->probe = true;
		p->path->group = -1;
		memset(p->pkey_line, 0, sizeof(p->pkey_line));
	}
	p->sec = kind;
	return;
dup:
	err_at(p, p->line, "[%s %s]: defined twice; %s names must be unique",
	       sec_names[kind], name, sec_names[kind]);
	p->sec = SEC_BAD;
	return;
full:
	err_at(p, p->line, "[%s %s]: too many %s sections (at most %d)",
	       sec_names[kind], name, sec_names[kind],
	       kind == SEC_GROUP ? FCFG_MAX_GROUPS : FCFG_MAX_PATHS);
	p->sec = SEC_BAD;
}

/* A "[...]" line: set the current section. Malformed ones are inih's. */
static void section_header(struct parse_ctx *p, char *s)
{
	char *end = strchr(s, ']'), *name, *rest;
	const char *guess;
	size_t i;

	if (!end) {
		p->sec = SEC_BAD;
		return;
	}
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

	for (i = 1; i < N_SECS; i++)
		if (sec_names[i] && !strcmp(name, sec_names[i]))
			break;
	if (i == N_SECS) {
		guess = closest(name, sec_names, N_SECS);
		err_at(p, p->line, "[%s]: unknown section%s%s%s expected [node], [datapath], [exporter], [control], [log], [thresholds], [group NAME] or [path NAME]",
		       name, guess ? " (did you mean [" : "", guess ? guess : "",
		       guess ? "]?);" : ";");
		p->sec = SEC_BAD;
		return;
	}
	if (i == SEC_GROUP || i == SEC_PATH) {
		start_named(p, i, rest);
		snprintf(p->sec_label, sizeof(p->sec_label), "[%s %s]",
			 sec_names[i], rest);
		return;
	}
	snprintf(p->sec_label, sizeof(p->sec_label), "[%s]", sec_names[i]);
	if (*rest) {
		err_at(p, p->line, "[%s %s]: [%s] takes no name", name, rest, name);
		p->sec = SEC_BAD;
		return;
	}
	p->sec = i;
	p->sec_line[i] = p->line;
}

static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
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
		err_at(p, p->line, "line too long (more than %d bytes)", num - 2);
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

static void syntax_error(struct parse_ctx *p, int line)
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
		err_at(p, line, "syntax error: expected \"[section]\" with a closing bracket, got \"%s\"",
		       buf);
	else
		err_at(p, line, "syntax error: expected \"[section]\", \"key = value\" or a comment, got \"%s\"",
		       buf);
}

static int find_path(const struct fabricd_config *c, const char *name)
{
	int i;

	for (i = 0; i < c->n_paths; i++)
		if (!strcmp(c->path_[i].name, name))
			return i;
	return -1;
}

static void resolve_group_paths(struct parse_ctx *p, struct fcfg_group *g)
{
	struct fabricd_config *c = p->c;
	const char *names[FCFG_MAX_PATHS];
	char *tok, *save = NULL;
	int i, j, ntok = 0;

	if (!g->paths_raw) {
		err_at(p, g->line, "[group %s] paths: missing; expected the names of its [path NAME] sections",
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
			const char *guess = closest(tok, names, c->n_paths);

			err_at(p, g->paths_line, "[group %s] paths: no [path %s] section%s%s%s",
			       g->name, tok, guess ? "; did you mean \"" : "",
			       guess ? guess : "", guess ? "\"?" : "");
			continue;
		}
		for (j = 0; j < g->n_paths; j++)
			if (g->path[j] == i)
				break;
		if (j < g->n_paths) {
			err_at(p, g->paths_line, "[group %s] paths: \"%s\" is listed twice",
			       g->name, tok);
			continue;
		}
		if (c->path_[i].group >= 0) {
			err_at(p, g->paths_line, "[group %s] paths: [path %s] already belongs to [group %s]; a path is in one group",
			       g->name, tok, c->group[c->path_[i].group].name);
			continue;
		}
		c->path_[i].group = g - c->group;
		if (g->n_paths == FCFG_GROUP_MAX_PATHS) {
			err_at(p, g->paths_line, "[group %s] paths: at most %d paths per group",
			       g->name, FCFG_GROUP_MAX_PATHS);
			break;
		}
		g->path[g->n_paths++] = i;
	}
	if (!ntok)
		err_at(p, g->paths_line, "[group %s] paths: expected at least one path name",
		       g->name);
}

/* Cross-key and cross-section rules, once the whole file is read. */
static void validate(struct parse_ctx *p)
{
	struct fabricd_config *c = p->c;
	int i, j, line;

	if (c->thr.holddown_max_ms < c->thr.holddown_ms) {
		for (i = 0; i < (int)N_KEYS; i++)
			if (!strcmp(keys[i].name, "holddown_max_ms"))
				break;
		line = p->seen[i];
		if (!line)
			for (i = 0; i < (int)N_KEYS; i++)
				if (!strcmp(keys[i].name, "holddown_ms"))
					line = p->seen[i];
		err_at(p, line, "[thresholds] holddown_max_ms: expected at least holddown_ms (%u), got %u",
		       c->thr.holddown_ms, c->thr.holddown_max_ms);
	}
	/* VM and host scheduling stalls reach 30 ms: below 10 ms nearly
	 * every stall would read as a dead path. */
	if (c->thr.silence_ms && c->thr.silence_ms < 10) {
		for (i = 0; i < (int)N_KEYS; i++)
			if (!strcmp(keys[i].name, "silence_ms"))
				break;
		err_at(p, p->seen[i], "[thresholds] silence_ms: expected 0 (off) or at least 10 ms, got %u: shorter silences happen whenever a sender or this host is descheduled (2-30 ms on VMs)",
		       c->thr.silence_ms);
	}
	for (i = 0; i < c->n_paths; i++) {
		struct fcfg_path *pa = &c->path_[i];

		if (pa->dev_line && pa->ifindex_line)
			err_at(p, pa->ifindex_line, "[path %s] ifindex: set either dev or ifindex, not both",
			       pa->name);
		else if (!pa->dev_line && !pa->ifindex_line)
			err_at(p, pa->line, "[path %s] dev: missing; expected the path's outgoing interface (dev = NAME or ifindex = N)",
			       pa->name);
		if (!pa->nhid_line)
			err_at(p, pa->line, "[path %s] nexthop_id: missing; expected the id of the path's nexthop object (1-4294967295)",
			       pa->name);
		if (!pa->gw_line)
			err_at(p, pa->line, "[path %s] gateway: missing; expected the IPv4 or IPv6 next hop (fabricd re-creates the path's nexthop from it)",
			       pa->name);
		if (pa->peer_family && pa->gw_family &&
		    pa->peer_family != pa->gw_family)
			err_at(p, pa->line, "[path %s] probe_peer: expected an address of the gateway's family",
			       pa->name);
		for (j = 0; j < i && pa->nexthop_id; j++)
			if (c->path_[j].nexthop_id == pa->nexthop_id)
				err_at(p, pa->nhid_line, "[path %s] nexthop_id: %u is already used by [path %s] on line %d; expected a unique id",
				       pa->name, pa->nexthop_id, c->path_[j].name,
				       c->path_[j].nhid_line);
	}
	for (i = 0; i < c->n_groups; i++) {
		struct fcfg_group *g = &c->group[i];

		if (!g->id_line)
			err_at(p, g->line, "[group %s] id: missing; expected the nexthop group id (1-4294967295)",
			       g->name);
		for (j = 0; j < i && g->id; j++)
			if (c->group[j].id == g->id)
				err_at(p, g->id_line, "[group %s] id: %u is already used by [group %s] on line %d; expected a unique id",
				       g->name, g->id, c->group[j].name,
				       c->group[j].id_line);
		for (j = 0; j < c->n_paths && g->id; j++)
			if (c->path_[j].nexthop_id == g->id)
				err_at(p, g->id_line, "[group %s] id: %u is the nexthop_id of [path %s]; groups and nexthops share one id space",
				       g->name, g->id, c->path_[j].name);
		resolve_group_paths(p, g);
	}
}

/* Report in file order; insertion sort keeps equal lines in order. */
static void sort_errors(struct fcfg_errors *e)
{
	char tmp[sizeof(e->msg[0])];
	int i, j, l;

	for (i = 1; i < e->n; i++) {
		l = e->line[i];
		memcpy(tmp, e->msg[i], sizeof(tmp));
		for (j = i; j > 0 && e->line[j - 1] > l; j--) {
			e->line[j] = e->line[j - 1];
			memcpy(e->msg[j], e->msg[j - 1], sizeof(tmp));
		}
		e->line[j] = l;
		memcpy(e->msg[j], tmp, sizeof(tmp));
	}
}

int fabricd_config_load(const char *path, struct fabricd_config *c,
			struct fcfg_errors *errs)
{
	struct parse_ctx p = { .c = c, .errs = errs };
	int rc;

	fabricd_config_defaults(c);
	memset(errs, 0, sizeof(*errs));
	snprintf(c->path, sizeof(c->path), "%s", path);
	p.f = fopen(path, "r");
	if (!p.f) {
		err_at(&p, 0, "cannot open the configuration: %s%s", strerror(errno),
		       errno == ENOENT ? " (copy packaging/fabric.conf.example, or pass -c FILE)" : "");
		return -1;
	}
	rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	if (rc > 0)
		syntax_error(&p, rc);
	else if (rc < 0)
		err_at(&p, 0, "cannot parse: out of memory");
	validate(&p);
	sort_errors(errs);
	return errs->n || errs->dropped ? -1 : 0;
}
