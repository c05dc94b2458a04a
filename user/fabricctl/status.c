// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricctl status: one screen on the node. The pinned maps and the
 * interfaces of this namespace are read directly, so status works while
 * fabricd is down; fabricd adds what only it knows (events, rates, the
 * executor) over its control socket.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "fabric_genl.h"
#include "fabricctl.h"
#include "flow_rows.h"

#define CTL_DEFAULT_SOCKET	"/run/fabric/fabricd.sock"
#define CTL_REPLY_MAX		(8 << 20)

const char *ctl_socket_path(const char *opt)
{
	const char *env = getenv("FABRIC_SOCKET");

	if (opt)
		return opt;
	return env && *env ? env : CTL_DEFAULT_SOCKET;
}

/* Connect to fabricd; -errno (ENOENT/ECONNREFUSED: not running). */
int ctl_daemon_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* One line of JSON from fd; NULL on EOF or garbage. buf keeps the rest. */
struct json_object *ctl_daemon_read(int fd, char **buf, size_t *len)
{
	struct json_object *o;
	char *nl, *b;
	ssize_t n;

	for (;;) {
		if (*buf && (nl = memchr(*buf, '\n', *len))) {
			*nl = '\0';
			o = json_tokener_parse(*buf);
			*len -= nl + 1 - *buf;
			memmove(*buf, nl + 1, *len);
			return o;
		}
		if (*len > CTL_REPLY_MAX)
			return NULL;
		b = realloc(*buf, *len + 65536 + 1);
		if (!b)
			return NULL;
		*buf = b;
		n = read(fd, *buf + *len, 65536);
		if (n <= 0)
			return NULL;
		*len += n;
	}
}

int ctl_daemon_send(int fd, const char *req)
{
	size_t len = strlen(req);

	return send(fd, req, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

void ctl_daemon_err(const char *path, int err)
{
	if (err == -ENOENT || err == -ECONNREFUSED)
		ctl_err("fabricd is not running (nothing answers on %s): start it with `systemctl start fabricd` or `fabricd -c FILE`",
			path);
	else if (err == -EACCES || err == -EPERM)
		ctl_err("cannot talk to fabricd on %s: permission denied (the control socket is root-only)",
			path);
	else
		ctl_err("cannot talk to fabricd on %s: %s", path, strerror(-err));
}

/* Ask fabricd one question; *out is its reply. */
int ctl_daemon_ask(const char *path, const char *req, struct json_object **out)
{
	struct json_object *ok;
	char *buf = NULL;
	size_t len = 0;
	int fd, err = 0;

	*out = NULL;
	fd = ctl_daemon_connect(path);
	if (fd < 0)
		return fd;
	err = ctl_daemon_send(fd, req);
	if (!err) {
		*out = ctl_daemon_read(fd, &buf, &len);
		if (!*out)
			err = -EPROTO;
		else if (!json_object_object_get_ex(*out, "ok", &ok) ||
			 !json_object_get_boolean(ok))
			err = -EREMOTEIO;
	}
	free(buf);
	close(fd);
	return err;
}

static int kfunc_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[FABRIC_A_MAX + 1];
	int *kfunc = arg;

	if (!genlmsg_parse(nlmsg_hdr(msg), 0, tb, FABRIC_A_MAX, NULL) && tb[FABRIC_A_KFUNC])
		*kfunc = nla_get_u8(tb[FABRIC_A_KFUNC]);
	return NL_OK;
}

/*
 * fabric.ko: loaded (its genetlink family answers), whether its kfunc is
 * registered (FABRIC_A_KFUNC of STATS_GET) and the module's own account
 * of it ("available", or "unavailable: <reason>", from sysfs).
 */
static void module_info(struct json_object *mod)
{
	struct nl_sock *sk = nl_socket_alloc();
	char state[160] = "";
	int family = -1, kfunc = -1;
	FILE *f;

	if (sk && !genl_connect(sk))
		family = genl_ctrl_resolve(sk, FABRIC_GENL_NAME);
	json_object_object_add(mod, "present", json_object_new_boolean(family >= 0));
	if (family >= 0 &&
	    !nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, kfunc_reply, &kfunc)) {
		struct nl_msg *msg = nlmsg_alloc();

		if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
				       FABRIC_CMD_STATS_GET, FABRIC_GENL_VERSION) &&
		    nl_send_auto(sk, msg) >= 0)
			nl_recvmsgs_default(sk);
		nlmsg_free(msg);
	}
	nl_socket_free(sk);
	if (family < 0)
		return;
	f = fopen("/sys/module/fabric/parameters/kfunc", "r");
	if (f) {
		if (fgets(state, sizeof(state), f))
			state[strcspn(state, "\n")] = 0;
		fclose(f);
	}
	if (kfunc >= 0)
		json_object_object_add(mod, "kfunc", json_object_new_boolean(kfunc == 1));
	json_object_object_add(mod, "kfunc_state", json_object_new_string(
		*state ? state : kfunc == 1 ? "available" : "unavailable: reason not reported"));
}

/* Probing interfaces without our qdisc makes libbpf print netlink errors. */
static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!strstr(buf, "Kernel error message"))
		fprintf(stderr, "libbpf: %s", buf);
	return 0;
}

static struct json_object *attached_ifaces(void)
{
	struct json_object *arr = json_object_new_array(), *o;
	struct if_nameindex *ifs, *it;
	bool xdp, tc, generic;

	libbpf_set_print(quiet_libbpf);
	ifs = if_nameindex();
	if (!ifs)
		return arr;
	for (it = ifs; it->if_index; it++) {
		if (fabric_attached(it->if_index, &xdp, &tc, &generic) || !(xdp || tc))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(it->if_name));
		json_object_object_add(o, "ifindex", json_object_new_int(it->if_index));
		json_object_object_add(o, "xdp", json_object_new_string(
			!xdp ? "none" : generic ? "generic" : "native"));
		json_object_object_add(o, "tc_egress", json_object_new_boolean(tc));
		json_object_array_add(arr, o);
	}
	if_freenameindex(ifs);
	return arr;
}

static int count_flow(const struct fabric_flow *f, void *arg)
{
	(*(__u64 *)arg)++;
	return 0;
}

static struct json_object *datapath_json(struct ctl *ctl, int *err)
{
	struct json_object *o = json_object_new_object(), *fl;
	struct fabric_dp_stats st = {};
	struct fabric_maps m;
	__u64 flows = 0;

	*err = fabric_maps_open_pinned(ctl->pin_dir, &m);
	json_object_object_add(o, "loaded", json_object_new_boolean(!*err));
	json_object_object_add(o, "pin_dir", json_object_new_string(ctl->pin_dir));
	json_object_object_add(o, "interfaces", attached_ifaces());
	if (*err)
		return o;
	fabric_maps_for_each_flow(&m, count_flow, &flows);
	fabric_maps_stats(&m, &st);
	fl = json_object_new_object();
	json_object_object_add(fl, "tracked", json_object_new_uint64(flows));
	json_object_object_add(fl, "capacity", json_object_new_uint64((__u64)m.nsets * FABRIC_FLOW_WAYS));
	json_object_object_add(o, "flows", fl);
	json_object_object_add(o, "stats", fabric_stats_json(&st));
	fabric_maps_close(&m);
	return o;
}

/* One event, one line: shared with `fabricctl events`. */
void ctl_print_event(struct json_object *ev)
{
	const char *type = ctl_jstr(ev, "type");

	if (!strcmp(type, "silence")) {
		printf("%s %-8s %-10s no RoCE for %llu ms (timer %llu us late, port silences %llu)\n",
		       ctl_jstr(ev, "time"), type, ctl_jstr(ev, "ifname"),
		       (unsigned long long)ctl_ju64(ev, "quiet_us") / 1000,
		       (unsigned long long)ctl_ju64(ev, "lag_us"),
		       (unsigned long long)ctl_ju64(ev, "port_silences"));
		return;
	}
	printf("%s %-8s %-10s %s -> %s qp %llu psn %llu", ctl_jstr(ev, "time"), type,
	       ctl_jstr(ev, "ifname"), ctl_jstr(ev, "src"), ctl_jstr(ev, "dst"),
	       (unsigned long long)ctl_ju64(ev, "qp"), (unsigned long long)ctl_ju64(ev, "psn"));
	if (!strcmp(type, "psn_gap"))
		printf(" expected %llu (%llu missing)",
		       (unsigned long long)ctl_ju64(ev, "expected_psn"),
		       (unsigned long long)ctl_ju64(ev, "missing"));
	else
		printf(" syndrome 0x%02llx", (unsigned long long)ctl_ju64(ev, "syndrome"));
	printf(" flow gaps %llu naks %llu\n", (unsigned long long)ctl_ju64(ev, "flow_gaps"),
	       (unsigned long long)ctl_ju64(ev, "flow_naks"));
}

static void print_uptime(__u64 s)
{
	if (s >= 86400)
		printf("%llud%02lluh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		printf("%lluh%02llum", s / 3600, s % 3600 / 60);
	else
		printf("%llum%02llus", s / 60, s % 60);
}

static void print_human(struct json_object *st)
{
	struct json_object *dm = ctl_jget(st, "daemon"), *dp = ctl_jget(st, "datapath");
	struct json_object *ifs = ctl_jget(dp, "interfaces"), *x, *top, *arr;
	static const char *const stats[] = {
		"flow_inserts", "flow_evictions", "flow_insert_races", "tx_flow_inserts",
		"tx_flow_insert_errors", "port_insert_errors", "events_sent",
		"events_lost", "events_suppressed",
	};
	size_t i, n;

	if (json_object_get_boolean(ctl_jget(dm, "running"))) {
		printf("fabricd     running, pid %llu, version %s, up ",
		       (unsigned long long)ctl_ju64(dm, "pid"), ctl_jstr(dm, "version"));
		print_uptime(ctl_ju64(dm, "uptime_s"));
		printf(", config %s\n", ctl_jstr(dm, "config"));
	} else {
		printf("fabricd     NOT RUNNING (%s); showing the pinned data path\n",
		       ctl_jstr(dm, "error"));
	}
	x = ctl_jget(st, "module");
	if (json_object_get_boolean(ctl_jget(x, "present")))
		printf("module      fabric.ko loaded, kfunc %s\n",
		       ctl_jget(x, "kfunc_state") ? ctl_jstr(x, "kfunc_state") : "unknown");
	else
		printf("module      fabric.ko not loaded\n");
	printf("executor    %s\n", ctl_jget(st, "executor") ? ctl_jstr(st, "executor") : "none (fabricd not running)");
	if (!json_object_get_boolean(ctl_jget(dp, "loaded"))) {
		printf("data path   not loaded (nothing pinned at %s)\n", ctl_jstr(dp, "pin_dir"));
	} else {
		x = ctl_jget(dp, "flows");
		printf("data path   pinned at %s\n", ctl_jstr(dp, "pin_dir"));
		printf("flows       %llu tracked of %llu\n",
		       (unsigned long long)ctl_ju64(x, "tracked"),
		       (unsigned long long)ctl_ju64(x, "capacity"));
		x = ctl_jget(dp, "stats");
		printf("dp stats   ");
		for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
			printf(" %s %llu%s", stats[i], (unsigned long long)ctl_ju64(x, stats[i]),
			       i + 1 < sizeof(stats) / sizeof(stats[0]) ? "," : "\n");
	}
	n = ifs ? json_object_array_length(ifs) : 0;
	printf("interfaces  %s", n ? "" : "none attached\n");
	for (i = 0; i < n; i++) {
		x = json_object_array_get_idx(ifs, i);
		printf("%s%s (xdp %s%s)", i ? ", " : "", ctl_jstr(x, "name"), ctl_jstr(x, "xdp"),
		       json_object_get_boolean(ctl_jget(x, "tc_egress")) ? ", tc egress" : "");
	}
	if (n)
		printf("\n");

	x = ctl_jget(st, "events");
	if (x) {
		arr = ctl_jget(x, "recent");
		printf("events      %llu received (%llu PSN gaps, %llu NAKs)%s\n",
		       (unsigned long long)ctl_ju64(x, "received"),
		       (unsigned long long)ctl_ju64(x, "psn_gap"),
		       (unsigned long long)ctl_ju64(x, "nak"),
		       arr && json_object_array_length(arr) ? "; most recent:" : "");
		for (i = 0; arr && i < json_object_array_length(arr); i++) {
			printf("  ");
			ctl_print_event(json_object_array_get_idx(arr, i));
		}
	}
	x = ctl_jget(st, "rates");
	top = ctl_jget(x, "top");
	arr = ctl_jget(top, "bytes");
	if (arr && json_object_array_length(arr)) {
		printf("top flows   by bytes/s over %llu s:\n", (unsigned long long)ctl_ju64(x, "window_s"));
		for (i = 0; i < json_object_array_length(arr) && i < 5; i++) {
			struct json_object *f = json_object_array_get_idx(arr, i);
			char b[16];

			ctl_human_count((__u64)json_object_get_double(ctl_jget(f, "per_second")), b, sizeof(b));
			printf("  %s -> %s qp %llu: %sB/s\n", ctl_jstr(f, "src"), ctl_jstr(f, "dst"),
			       (unsigned long long)ctl_ju64(f, "qp"), b);
		}
	}
}

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{}
	};
	struct json_object *st = json_object_new_object(), *dm, *reply = NULL, *v;
	const char *sock = NULL;
	int c, err, dp_err;
	char msg[256];

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'S')
			return EXIT_USAGE;
		sock = optarg;
	}
	if (optind < argc)
		return ctl_usage_err("status: unexpected argument '%s'", argv[optind]);
	sock = ctl_socket_path(sock);

	err = ctl_daemon_ask(sock, "{\"cmd\":\"status\"}\n", &reply);
	dm = json_object_new_object();
	json_object_object_add(dm, "running", json_object_new_boolean(!err));
	json_object_object_add(dm, "socket", json_object_new_string(sock));
	if (!err) {
		static const char *const keep[] = { "pid", "version", "uptime_s", "maps_reused",
						    "started", "config", "node_id",
						    "xdp_mode", "exporter", "failover" };
		size_t i;

		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (json_object_object_get_ex(reply, keep[i], &v))
				json_object_object_add(dm, keep[i], json_object_get(v));
	} else {
		snprintf(msg, sizeof(msg), "%s",
			 err == -ENOENT || err == -ECONNREFUSED ? "nothing answers on the control socket" :
			 err == -EACCES ? "permission denied on the control socket" :
			 strerror(-err));
		json_object_object_add(dm, "error", json_object_new_string(msg));
	}
	json_object_object_add(st, "daemon", dm);
	json_object_object_add(st, "datapath", datapath_json(ctl, &dp_err));
	if (!err && json_object_object_get_ex(reply, "module", &v)) {
		v = json_object_get(v);
	} else {
		v = json_object_new_object();
		json_object_object_add(v, "name", json_object_new_string("fabric.ko"));
	}
	module_info(v);
	json_object_object_add(st, "module", v);
	json_object_object_add(st, "executor", !err && json_object_object_get_ex(reply, "executor", &v) ?
			       json_object_get(v) : NULL);
	json_object_object_add(st, "events", !err && json_object_object_get_ex(reply, "events", &v) ?
			       json_object_get(v) : NULL);
	json_object_object_add(st, "rates", !err && json_object_object_get_ex(reply, "rates", &v) ?
			       json_object_get(v) : NULL);
	json_object_put(reply);

	if (ctl->json)
		ctl_print_json(ctl, st);
	else
		print_human(st);
	json_object_put(st);

	if (err && dp_err) {
		if (dp_err == -EPERM || dp_err == -EACCES || err == -EACCES)
			ctl_err("permission denied: the pins and the control socket are root-only");
		else
			ctl_err("fabric data path not loaded and fabricd not running: run `fabricd` or `make demo`");
		return EXIT_ERR;
	}
	return EXIT_OK;
}
