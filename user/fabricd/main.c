// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd: loads and attaches the data path, reads its events, keeps rates,
 * serves the control socket and the Prometheus endpoint. One epoll loop:
 * signalfd, a 1 s timerfd, the ringbuf, the control socket and its clients
 * (the exporter runs its own libmicrohttpd thread).
 *
 * SIGTERM/SIGINT: exit, leaving the data path attached and pinned, so the
 * counters keep counting and the next fabricd continues them.
 * SIGHUP: reload the configuration, changing only what changed.
 * `fabricd --detach`: remove everything.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "exporter.h"
#include "fabricd.h"
#include "fabricd_int.h"
#include "failover.h"
#include "log.h"
#include "loop.h"
#include "passive_paths.h"

int fabricd_reload(struct fabricd *d, char *msg, size_t len);

__u64 fabricd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: fabricd [-c FILE] [-v] [--log-level LEVEL]\n"
		"       fabricd --check-config [-c FILE]\n"
		"       fabricd --detach [-c FILE]\n"
		"Options:\n"
		"  -c, --config FILE    configuration (default %s)\n"
		"  --check-config       validate the configuration and exit\n"
		"  --detach             detach the data path everywhere, unpin it, exit\n"
		"  -v, --verbose        more logging (repeat for debug)\n"
		"  --log-level LEVEL    error, warning, info or debug (default info)\n"
		"  -V, --version        print the version\n"
		"See fabricd(8).\n", FABRICD_DEFAULT_CONFIG);
}

static void report_errors(const struct fcfg_errors *errs)
{
	int i;

	for (i = 0; i < errs->n; i++)
		pr_err("%s\n", errs->msg[i]);
	if (errs->dropped)
		pr_err("(%d more errors not shown)\n", errs->dropped);
}

/* Bind-test the exporter's address before anything else is touched. */
static int listen_available(const char *listen, char *why, size_t len)
{
	struct sockaddr_storage ss;
	int fd, one = 1, err = 0;

	if (fabric_listen_parse(listen, &ss, why, len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sizeof(ss))) {
		err = -errno;
		snprintf(why, len, "%s", strerror(errno));
	}
	close(fd);
	return err;
}

static int exporter_start(struct fabricd *d)
{
	char err[256] = "";

	if (!fabricd_listen_enabled(&d->cfg))
		return 0;
	d->exporter = fabric_exporter_start(d->cfg.listen, &d->metrics, err,
					    sizeof(err));
	if (!d->exporter) {
		pr_err("exporter: %s\n", err);
		return -1;
	}
	pr_info("metrics on http://%s/metrics\n", d->cfg.listen);
	return 0;
}

int fabricd_reload(struct fabricd *d, char *msg, size_t len)
{
	struct fabricd_config *nc = calloc(1, sizeof(*nc));
	struct fabricd_config *old = malloc(sizeof(*old));
	struct fcfg_errors *errs = calloc(1, sizeof(*errs));
	bool listen_changed;
	int err = -ENOMEM;

	fabricd_notify("RELOADING=1");
	if (!nc || !old || !errs) {
		snprintf(msg, len, "out of memory");
		goto out;
	}
	if (fabricd_config_load(d->config_path, nc, errs)) {
		report_errors(errs);
		pr_err("reload: %s is invalid; still running the previous configuration\n",
		       d->config_path);
		snprintf(msg, len, "%s", errs->n ? errs->msg[0] : "invalid configuration");
		fabricd_config_free(nc);
		err = -EINVAL;
		goto out;
	}
	*old = d->cfg;
	d->cfg = *nc;
	err = fabricd_dp_reconcile(d, old);
	if (err == -EINVAL) {
		/* refused before anything changed */
		fabricd_config_free(&d->cfg);
		d->cfg = *old;
		snprintf(msg, len, "the new configuration cannot be applied while running; see the log");
		goto out;
	}
	if (fabricd_fo_reload(d, old) && !err)
		err = -EIO;
	fabricd_gray_reload(d);
	if (fabricd_int_reload(d, old) && !err)
		err = -EIO;
	listen_changed = strcmp(old->listen, d->cfg.listen);
	if (d->exporter) {
		fabric_exporter_lock(d->exporter);
		d->metrics.top_k = d->cfg.top_k;
		fabric_exporter_unlock(d->exporter);
	}
	if (listen_changed) {
		fabric_exporter_stop(d->exporter);
		d->exporter = NULL;
		if (exporter_start(d) && !err)
			err = -EADDRNOTAVAIL;
	}
	fabricd_config_free(old);
	snprintf(msg, len, err ? "applied with errors; see the log" : "reloaded");
	pr_info("reload: %s (%d interfaces)\n", msg, d->n_ifaces);
out:
	if (err)
		fabric_metrics_count(&d->metrics.config_reload_errors, 1);
	else
		fabric_metrics_count(&d->metrics.config_reloads, 1);
	free(nc);
	free(old);
	free(errs);
	fabricd_notify("READY=1");
	return err;
}

static int setup_loop(struct fabricd *d)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = FABRICD_TICK_MS / 1000 },
		.it_value = { .tv_sec = FABRICD_TICK_MS / 1000 },
	};
	struct epoll_event e = { .events = EPOLLIN };
	sigset_t mask;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->sigfd < 0 || d->timerfd < 0 ||
	    timerfd_settime(d->timerfd, 0, &its, NULL))
		return -errno;
	e.data.u32 = TAG_SIGNAL;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sigfd, &e))
		return -errno;
	e.data.u32 = TAG_TIMER;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->timerfd, &e))
		return -errno;
	return 0;
}

static void on_signal(struct fabricd *d)
{
	struct signalfd_siginfo si;
	char msg[256];

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			pr_info("SIGHUP: reloading %s\n", d->config_path);
			fabricd_reload(d, msg, sizeof(msg));
		} else {
			pr_info("signal %u: exiting; the data path stays attached and pinned (fabricd --detach removes it)\n",
				si.ssi_signo);
			d->stop = true;
		}
	}
}

static void on_tick(struct fabricd *d)
{
	__u64 expirations;

	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	fabricd_rates_sample(d);
	/* a ringbuf wakeup may be skipped while it is near full */
	fabricd_events_poll(d);
	fabricd_fo_tick(d);
	fabricd_gray_tick(d);
}

static int run_loop(struct fabricd *d)
{
	struct epoll_event ev[32];
	int n, i;

	while (!d->stop) {
		n = epoll_wait(d->epfd, ev, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("epoll_wait: %s\n", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			__u32 tag = ev[i].data.u32;

			if (tag == TAG_SIGNAL)
				on_signal(d);
			else if (tag == TAG_TIMER)
				on_tick(d);
			else if (tag == TAG_RINGBUF)
				fabricd_events_poll(d);
			else if (tag == TAG_INT)
				fabricd_int_tick(d);
			else if (tag == TAG_LISTEN)
				fabricd_control_accept(d);
			else if (tag >= TAG_FO && tag < TAG_FO + FO_MAX_FDS)
				fabricd_fo_dispatch(d, tag - TAG_FO);
			else if (tag >= TAG_CLIENT && tag < TAG_CLIENT + FABRICD_MAX_CLIENTS)
				fabricd_control_io(d, tag - TAG_CLIENT);
		}
	}
	return 0;
}

static int run(struct fabricd *d)
{
	char why[256] = "";
	int err, i;

	for (i = 0; i < FABRICD_MAX_CLIENTS; i++)
		d->client[i].fd = -1;
	d->listenfd = d->sigfd = d->timerfd = d->epfd = -1;
	clock_gettime(CLOCK_MONOTONIC, &d->started);
	d->started_wall = time(NULL);

	/* everything that can fail without side effects, first */
	if (fabricd_control_running(d->cfg.socket_path)) {
		pr_err("fabricd is already running (it answers on %s)\n",
		       d->cfg.socket_path);
		return 1;
	}
	if (fabricd_listen_enabled(&d->cfg) &&
	    listen_available(d->cfg.listen, why, sizeof(why))) {
		pr_err("%s: [exporter] listen: cannot listen on %s: %s\n",
		       d->cfg.path, d->cfg.listen, why);
		return 1;
	}
	err = setup_loop(d);
	if (err) {
		pr_err("cannot set up the event loop: %s\n", strerror(-err));
		return 1;
	}
	d->rates = fabricd_rates_new();
	if (!d->rates)
		return 1;
	if (fabricd_fo_init(d))
		return 1;
	if (!d->cfg.n_ifaces)
		pr_warn("%s: [datapath] interfaces is empty: nothing to monitor\n",
			d->cfg.path);

	err = fabricd_dp_start(d);
	if (err) {
		pr_err("cannot start the data path: %s\n", strerror(-err));
		return 1;
	}
	d->metrics.maps = &d->dp->maps;
	d->metrics.top_k = d->cfg.top_k;
	d->metrics.version = FABRIC_VERSION;
	d->metrics.extra = fabricd_extra_metrics_passive; /* failover, INT, passive */
	d->metrics.extra_ctx = d;

	if (fabricd_events_open(d) || fabricd_control_open(d)) {
		err = 1;
		goto out;
	}
	/* installs the groups when absent, reconciles them when they differ */
	if (fabricd_fo_start(d))
		pr_warn("failover did not start; see above. Fix the configuration and reload\n");
	exporter_start(d);	/* a lost race for the port is logged, not fatal */
	pr_info("fabricd %s running: %d interfaces, executor %s\n", FABRIC_VERSION,
		d->n_ifaces, d->executor);
	fabricd_notify("READY=1");
	err = run_loop(d) ? 1 : 0;
	fabricd_notify("STOPPING=1");
out:
	fabric_exporter_stop(d->exporter);
	fabricd_fo_free(d);
	fabricd_control_close(d);
	fabricd_events_close(d);
	fabric_dp_close(d->dp);
	fabricd_rates_free(d->rates);
	fabricd_config_free(&d->cfg);
	return err;
}

static int parse_level(const char *s, enum fabric_log_level *l)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i]) || (i == 1 && !strcmp(s, "warn"))) {
			*l = i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "detach", no_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum fabric_log_level level = FABRIC_LOG_INFO;
	bool check = false, detach = false, explicit_config = false;
	struct fcfg_errors errs;
	struct fabricd *d;
	sigset_t mask;
	int c, ret;

	fabricd_log_init();
	while ((c = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			explicit_config = true;
			break;
		case 'C':
			check = true;
			break;
		case 'D':
			detach = true;
			break;
		case 'v':
			if (level < FABRIC_LOG_DEBUG)
				level++;
			break;
		case 'L':
			if (parse_level(optarg, &level)) {
				fprintf(stderr, "fabricd: --log-level is error, warning, info or debug, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'V':
			printf("fabricd %s\n", FABRIC_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fabricd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (check && detach) {
		fprintf(stderr, "fabricd: --check-config and --detach exclude each other\n");
		return 2;
	}
	fabric_log_set_level(level);

	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	/* getopt again for -c: the last one wins */
	d->config_path = FABRICD_DEFAULT_CONFIG;
	for (optind = 1; (c = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1;)
		if (c == 'c')
			d->config_path = optarg;

	if (fabricd_config_load(d->config_path, &d->cfg, &errs)) {
		if (detach && !explicit_config && access(d->config_path, F_OK)) {
			/* no configuration at all: the default pin dir */
			fabricd_config_defaults(&d->cfg);
		} else {
			if (check)
				fcfg_errors_print(&errs, stderr);
			else
				report_errors(&errs);
			fprintf(stderr, "fabricd: %s: configuration invalid; nothing was changed\n",
				d->config_path);
			fabricd_config_free(&d->cfg);
			free(d);
			return 1;
		}
	}
	if (check) {
		printf("%s: OK (%d interfaces, %d groups, %d paths)\n", d->config_path,
		       d->cfg.n_ifaces, d->cfg.n_groups, d->cfg.n_paths);
		ret = 0;
		goto out;
	}
	if (detach) {
		if (fabricd_control_running(d->cfg.socket_path)) {
			fprintf(stderr, "fabricd: a fabricd is running (it answers on %s); stop it first (systemctl stop fabricd)\n",
				d->cfg.socket_path);
			ret = 1;
			goto out;
		}
		ret = fabricd_detach_all(&d->cfg) ? 1 : 0;
		goto out;
	}

	/* before any thread exists, so only the signalfd sees these */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = run(d);
out:
	fabricd_config_free(&d->cfg);
	free(d);
	return ret;
}
