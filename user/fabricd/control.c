// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The control socket: a root-only unix stream socket speaking one JSON
 * object per line each way. Requests: {"cmd": "status"}, {"cmd": "events",
 * "max": N}, {"cmd": "rates"}, {"cmd": "subscribe"} (then one {"event": ...}
 * line per ringbuf event), {"cmd": "reload"} (root only), {"cmd": "groups"},
 * {"cmd": "paths"}, {"cmd": "drain"|"undrain", "path": NAME} (root only,
 * audited in the log with the caller's uid and pid). Every answer has
 * "ok", and "error" when ok is false. Documentation/configuration.md and
 * fabricd(8) describe it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "events_sort.h"
#include "fabricd.h"
#include "failover.h"
#include "flow_rows.h"
#include "flow_window.h"
#include "log.h"
#include "loop.h"
#include "reroute_fabricd.h"

int fabricd_reload(struct fabricd *d, char *msg, size_t len);

static int sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int fabricd_control_running(const char *path)
{
	struct sockaddr_un sa;
	int fd, ok;

	if (sock_addr(path, &sa))
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ok;
}

int fabricd_control_open(struct fabricd *d)
{
	const char *path = d->cfg.socket_path;
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = TAG_LISTEN };
	struct sockaddr_un sa;
	char dir[sizeof(sa.sun_path)];
	mode_t old;
	int fd, err;

	err = sock_addr(path, &sa);
	if (err) {
		pr_err("control socket path %s is too long\n", path);
		return err;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pr_err("cannot create %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	if (fabricd_control_running(path)) {
		pr_err("another fabricd answers on %s; stop it first\n", path);
		return -EADDRINUSE;
	}
	unlink(path);	/* stale, from a run that did not clean up */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || chmod(path, 0600) || listen(fd, 8)) {
		err = -errno;
		pr_err("cannot listen on %s: %s\n", path, strerror(errno));
		close(fd);
		return err;
	}
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &e)) {
		err = -errno;
		close(fd);
		return err;
	}
	d->listenfd = fd;
	pr_info("control socket %s\n", path);
	return 0;
}

static void drop_client(struct fabricd *d, int slot)
{
	struct fabricd_client *c = &d->client[slot];

	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void fabricd_control_close(struct fabricd *d)
{
	int i;

	for (i = 0; i < FABRICD_MAX_CLIENTS; i++)
		if (d->client[i].fd >= 0)
			drop_client(d, i);
	if (d->listenfd >= 0) {
		close(d->listenfd);
		d->listenfd = -1;
		unlink(d->cfg.socket_path);
	}
}

void fabricd_control_accept(struct fabricd *d)
{
	struct epoll_event e = { .events = EPOLLIN };
	struct timeval tv = { .tv_sec = 2 };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd, i;

	fd = accept4(d->listenfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		close(fd);
		return;
	}
	for (i = 0; i < FABRICD_MAX_CLIENTS; i++)
		if (d->client[i].fd < 0)
			break;
	if (i == FABRICD_MAX_CLIENTS) {
		pr_warn("control socket: too many clients, refusing one\n");
		close(fd);
		return;
	}
	/* replies block at most 2 s on a client that does not read */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	e.data.u32 = TAG_CLIENT + i;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &e)) {
		close(fd);
		return;
	}
	memset(&d->client[i], 0, sizeof(d->client[i]));
	d->client[i].fd = fd;
	d->client[i].root = cred.uid == 0;
	d->client[i].uid = cred.uid;
	d->client[i].pid = cred.pid;
	pr_debug("control: client pid %d uid %u\n", cred.pid, cred.uid);
}

static int send_json(struct fabricd_client *c, struct json_object *o, int flags)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(s), off = 0;
	ssize_t n;

	while (off < len) {
		n = send(c->fd, s + off, len - off, MSG_NOSIGNAL | flags);
		if (n <= 0)
			return -1;
		off += n;
	}
	return send(c->fd, "\n", 1, MSG_NOSIGNAL | flags) == 1 ? 0 : -1;
}

static struct json_object *error_reply(const char *fmt, const char *arg)
{
	struct json_object *o = json_object_new_object();
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static int count_flow(const struct fabric_flow *f, void *arg)
{
	(*(__u64 *)arg)++;
	return 0;
}

struct json_object *fabricd_status_json(struct fabricd *d)
{
	struct json_object *o = json_object_new_object(), *x;
	struct fabric_dp_stats st = {};
	struct timespec now;
	__u64 flows = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "version", json_object_new_string(FABRIC_VERSION));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "uptime_s", json_object_new_uint64(now.tv_sec - d->started.tv_sec));
	json_object_object_add(o, "started", json_object_new_uint64(d->started_wall));
	json_object_object_add(o, "config", json_object_new_string(d->cfg.path));
	json_object_object_add(o, "node_id", json_object_new_uint64(d->cfg.node_id));
	json_object_object_add(o, "pin_dir", json_object_new_string(d->cfg.pin_dir));
	json_object_object_add(o, "maps_reused", json_object_new_boolean(d->dp && d->dp->reused));
	json_object_object_add(o, "xdp_mode", json_object_new_string(fcfg_xdp_mode_str(d->cfg.xdp_mode)));
	json_object_object_add(o, "interfaces", fabricd_ifaces_json(d));

	x = json_object_new_object();
	json_object_object_add(x, "present", json_object_new_boolean(d->module_present));
	json_object_object_add(x, "name", json_object_new_string("fabric.ko"));
	json_object_object_add(o, "module", x);
	json_object_object_add(o, "executor", json_object_new_string(d->executor));

	x = json_object_new_object();
	json_object_object_add(x, "listen", json_object_new_string(
		fabricd_listen_enabled(&d->cfg) ? d->cfg.listen : "off"));
	json_object_object_add(x, "running", json_object_new_boolean(d->exporter != NULL));
	json_object_object_add(o, "exporter", x);

	if (d->dp) {
		fabric_flow_window_for_each(&d->dp->maps, count_flow, &flows);
		fabric_maps_stats(&d->dp->maps, &st);
	}
	x = json_object_new_object();
	json_object_object_add(x, "tracked", json_object_new_uint64(flows));
	json_object_object_add(x, "capacity", json_object_new_uint64(
		d->dp ? (__u64)d->dp->maps.nsets * FABRIC_FLOW_WAYS : 0));
	json_object_object_add(o, "flows", x);
	json_object_object_add(o, "datapath_stats", fabric_stats_json(&st));

	x = json_object_new_object();
	json_object_object_add(x, "received", json_object_new_uint64(d->ev_total));
	json_object_object_add(x, "psn_gap", json_object_new_uint64(d->ev_by_type[FABRIC_EV_PSN_GAP]));
	json_object_object_add(x, "nak", json_object_new_uint64(d->ev_by_type[FABRIC_EV_NAK]));
	json_object_object_add(x, "recent", fabricd_events_json(d, 10));
	json_object_object_add(o, "events", x);
	json_object_object_add(o, "rates", fabricd_rates_json(d));

	json_object_object_add(o, "failover", fabricd_fo_status_json(d));

	x = json_object_new_object();
	json_object_object_add(x, "config_reloads", json_object_new_uint64(d->metrics.config_reloads));
	json_object_object_add(x, "config_reload_errors", json_object_new_uint64(d->metrics.config_reload_errors));
	json_object_object_add(o, "daemon", x);
	return o;
}

/* drain/undrain: root only, and every attempt is in the log. */
static struct json_object *drain(struct fabricd *d, struct fabricd_client *c,
				 struct json_object *req, bool on)
{
	const char *cmd = on ? "drain" : "undrain";
	struct json_object *po, *o;
	const char *path;
	char msg[320];
	int err;

	if (!json_object_object_get_ex(req, "path", &po) ||
	    !json_object_is_type(po, json_type_string))
		return error_reply("\"%s\" needs a \"path\" string", cmd);
	path = json_object_get_string(po);
	if (!c->root) {
		pr_warn("audit: %s path=%s by uid=%u pid=%d: refused (not root)\n",
			cmd, path, c->uid, c->pid);
		return error_reply("permission denied: \"%s\" needs root", cmd);
	}
	err = fabricd_fo_drain(d, path, on, msg, sizeof(msg));
	pr_info("audit: %s path=%s by uid=%u pid=%d: %s%s%s\n", cmd, path, c->uid,
		c->pid, err ? "refused" : "done", msg[0] ? ": " : "", msg);
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(!err));
	json_object_object_add(o, err ? "error" : "message", json_object_new_string(msg));
	if (err)
		json_object_object_add(o, "code", json_object_new_string(
			err == -ENOENT ? "ENOENT" : err == -EBUSY ? "EBUSY" : "EIO"));
	if (err == -ENOENT)
		json_object_object_add(o, "known_paths", fabricd_fo_known_paths(d));
	return o;
}

static struct json_object *handle(struct fabricd *d, struct fabricd_client *c,
				  struct json_object *req)
{
	struct json_object *cmdo, *o, *maxo, *x;
	const char *cmd;
	char msg[256];
	int max = 0;

	if (!json_object_object_get_ex(req, "cmd", &cmdo) ||
	    !json_object_is_type(cmdo, json_type_string))
		return error_reply("request needs a \"cmd\" string%s", "");
	cmd = json_object_get_string(cmdo);

	if (!strcmp(cmd, "status"))
		return fabricd_status_json(d);
	if (!strcmp(cmd, "events")) {
		if (json_object_object_get_ex(req, "max", &maxo))
			max = json_object_get_int(maxo);
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "received", json_object_new_uint64(d->ev_total));
		x = fabricd_events_json(d, max > 0 ? max : 0);
		fabricd_reroute_events_json(x, max > 0 ? max : 0);
		fabricd_gray_events_json(d, x, max > 0 ? max : 0);
		fabricd_events_sort(x);
		json_object_object_add(o, "events", x);
		return o;
	}
	if (!strcmp(cmd, "rates")) {
		o = fabricd_rates_json(d);
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		return o;
	}
	if (!strcmp(cmd, "subscribe")) {
		c->subscribed = true;
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		return o;
	}
	if (!strcmp(cmd, "reload")) {
		if (!c->root)
			return error_reply("permission denied: \"%s\" needs root", cmd);
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(!fabricd_reload(d, msg, sizeof(msg))));
		json_object_object_add(o, "message", json_object_new_string(msg));
		return o;
	}
	if (!strcmp(cmd, "groups"))
		return fabricd_fo_groups_json(d);
	if (!strcmp(cmd, "paths"))
		return fabricd_gray_paths_json(d, fabricd_fo_paths_json(d));
	if (!strcmp(cmd, "drain") || !strcmp(cmd, "undrain"))
		return drain(d, c, req, !strcmp(cmd, "drain"));
	return error_reply("unknown command \"%s\" (status, events, rates, subscribe, reload, groups, paths, drain, undrain)", cmd);
}

void fabricd_control_io(struct fabricd *d, int slot)
{
	struct fabricd_client *c = &d->client[slot];
	struct json_object *req, *resp;
	char *nl;
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		drop_client(d, slot);
		return;
	}
	c->in_len += n;
	c->in[c->in_len] = '\0';
	while ((nl = strchr(c->in, '\n'))) {
		*nl = '\0';
		req = json_tokener_parse(c->in);
		if (!req || !json_object_is_type(req, json_type_object))
			resp = error_reply("request is not a JSON object%s", "");
		else
			resp = handle(d, c, req);
		json_object_put(req);
		n = send_json(c, resp, 0);
		json_object_put(resp);
		if (n) {
			drop_client(d, slot);
			return;
		}
		c->in_len -= nl + 1 - c->in;
		memmove(c->in, nl + 1, c->in_len + 1);
	}
	if (c->in_len == sizeof(c->in) - 1) {
		resp = error_reply("request longer than %s bytes", "1023");
		send_json(c, resp, 0);
		json_object_put(resp);
		drop_client(d, slot);
	}
}

/* Streamed to subscribers; one that cannot keep up is dropped. */
void fabricd_control_broadcast(struct fabricd *d, struct json_object *ev)
{
	struct json_object *o = NULL;
	int i;

	for (i = 0; i < FABRICD_MAX_CLIENTS; i++) {
		if (d->client[i].fd < 0 || !d->client[i].subscribed)
			continue;
		if (!o) {
			o = json_object_new_object();
			json_object_object_add(o, "event", json_object_get(ev));
		}
		if (send_json(&d->client[i], o, MSG_DONTWAIT)) {
			pr_warn("control: dropping an event subscriber that does not keep up\n");
			drop_client(d, i);
		}
	}
	json_object_put(o);
}
