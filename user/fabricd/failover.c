// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Executor selection and the userspace executor. At start and on SIGHUP:
 * if fabric.ko's genetlink family resolves, the module executes (kmod.c);
 * otherwise fabricd runs the failover engine (user/lib/failover_engine.h)
 * in its own epoll loop. Either way the main thread keeps a view of every
 * group and path (struct fo_view) and publishes a copy for the exporter
 * thread under fo->lock, so a scrape never waits on the failover loop and
 * the failover loop never waits on a scrape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <time.h>

#include "exporter.h"
#include "fabricd.h"
#include "failover.h"
#include "log.h"
#include "loop.h"
#include "reroute_fabricd.h"

static void epoll_fds(struct fabricd *d, bool add)
{
	struct fabricd_fo *fo = d->fo;
	struct epoll_event e = { .events = EPOLLIN };
	int i;

	if (add) {
		fo->nfds = fo->eng ? ffe_fds(fo->eng, fo->fd, FO_MAX_FDS) :
			   fo->km ? fo_kmod_fds(fo->km, fo->fd, FO_MAX_FDS) : 0;
	}
	for (i = 0; i < fo->nfds; i++) {
		e.data.u32 = TAG_FO + i;
		if (add)
			epoll_ctl(d->epfd, EPOLL_CTL_ADD, fo->fd[i], &e);
		else
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, fo->fd[i], NULL);
	}
	if (!add)
		fo->nfds = 0;
}

int fabricd_fo_init(struct fabricd *d)
{
	d->fo = calloc(1, sizeof(*d->fo));
	if (!d->fo)
		return -ENOMEM;
	pthread_mutex_init(&d->fo->lock, NULL);
	return 0;
}

/*
 * Hooks on fabricd's engine (user/lib/failover_engine.h, struct ffe_hook):
 * add one ffe_hook_add() line per hook. A failure is logged, not fatal.
 */
static void engine_hooks(struct fabricd *d)
{
	fabricd_gray_attach(d, d->fo->eng);
}

static int start_engine(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	struct ffe_cfg *ec = fo_engine_cfg(&d->cfg);
	int err;

	if (!ec)
		return -ENOMEM;
	ec->on_event = fo_on_engine_event;
	ec->arg = d;
	fo->eng = ffe_open(ec);
	free(ec);
	if (!fo->eng) {
		err = -errno;
		pr_err("failover: cannot start the engine: %s\n", strerror(errno));
		return err ? err : -EINVAL;
	}
	engine_hooks(d);
	/* installs the groups when absent, reconciles them when they differ */
	err = ffe_install(fo->eng);
	if (err)
		pr_warn("failover: installing the groups: %s (retrying)\n",
			strerror(-err));
	return 0;
}

int fabricd_fo_start(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;
	bool present = fo_kmod_present();
	int err = 0;

	fo->module = false;
	fo->fallback = false;
	fo->why[0] = '\0';
	d->module_present = present;
	if (present && d->cfg.n_groups) {
		fo->km = fo_kmod_open(d, fo->why, sizeof(fo->why));
		if (fo->km) {
			fo->module = true;
			fabricd_gray_attach(d, NULL);	/* fed by kmod.c/kprober.c */
		} else {
			fo->fallback = true;
			pr_warn("failover: fabric.ko is loaded but cannot run the groups (%s); fabricd executes\n",
				fo->why);
		}
	} else if (present) {
		snprintf(fo->why, sizeof(fo->why), "no [group] configured");
	} else {
		snprintf(fo->why, sizeof(fo->why), "fabric.ko not loaded");
	}
	if (!fo->module && d->cfg.n_groups)
		err = start_engine(d);
	epoll_fds(d, true);
	if (d->cfg.n_groups)
		pr_info("failover: %d groups, %d paths, executor %s%s%s%s\n",
			d->cfg.n_groups, d->cfg.n_paths, fabricd_fo_executor(d),
			fo->why[0] ? " (" : "", fo->why, fo->why[0] ? ")" : "");
	d->executor = fo->module ? "fabric.ko" :
		      fo->fallback ? "fabricd (fabric.ko not usable)" :
		      "fabricd (fabric.ko not loaded)";
	if (d->exporter)
		fabric_exporter_lock(d->exporter);
	d->metrics.executor = fabricd_fo_executor(d);
	if (d->exporter)
		fabric_exporter_unlock(d->exporter);
	fo_passive_reset();
	fo_passive_sync(d);
	fabricd_reroute_start(d);
	fabricd_fo_refresh(d);
	return err;
}

/* The kernel groups stay as they are: a stopped fabricd changes nothing. */
void fabricd_fo_stop(struct fabricd *d)
{
	struct fabricd_fo *fo = d->fo;

	if (!fo)
		return;
	epoll_fds(d, false);
	fabricd_reroute_stop(d);
	fabricd_gray_detach(d);
	ffe_close(fo->eng);
	fo->eng = NULL;
	fo_kmod_close(fo->km);
	fo->km = NULL;
	fo_passive_sync(d);	/* nobody to tell: silence off */
}

void fabricd_fo_free(struct fabricd *d)
{
	if (!d->fo)
		return;
	fabricd_fo_stop(d);
	pthread_mutex_destroy(&d->fo->lock);
	free(d->fo);
	d->fo = NULL;
}

/*
 * SIGHUP: restart failover only when something it depends on changed
 * (groups, paths, thresholds) or the executor would change. A restart
 * re-reads state from the kernel; the engine's counters start over.
 */
int fabricd_fo_reload(struct fabricd *d, const struct fabricd_config *old)
{
	struct ffe_cfg *a = fo_engine_cfg(old), *b = fo_engine_cfg(&d->cfg);
	bool same = a && b && !memcmp(a, b, sizeof(*a));
	bool present = fo_kmod_present();

	free(a);
	free(b);
	if (same && present == d->module_present &&
	    (present || !d->fo->module)) {
		pr_debug("failover: configuration unchanged\n");
		fo_passive_sync(d);	/* silence_ms, or a reloaded data path */
		return 0;
	}
	pr_info("failover: %s; restarting failover\n",
		!same ? "groups, paths or thresholds changed" :
		present ? "fabric.ko appeared" : "fabric.ko went away");
	fabricd_fo_stop(d);
	return fabricd_fo_start(d);
}

void fabricd_fo_dispatch(struct fabricd *d, unsigned int idx)
{
	struct fabricd_fo *fo = d->fo;

	if (idx >= (unsigned int)fo->nfds)
		return;
	if (fo->eng)
		ffe_dispatch(fo->eng, fo->fd[idx]);
	else if (fo->km)
		fo_kmod_dispatch(fo->km, fo->fd[idx]);
	if (fo->changed)
		fabricd_fo_refresh(d);
}

void fabricd_fo_tick(struct fabricd *d)
{
	if (d->fo && (d->fo->eng || d->fo->km)) {
		fo_passive_tick(d);
		fabricd_reroute_tick(d);
		fabricd_fo_refresh(d);
	}
}

static int find_path(const struct fabricd *d, const char *name, int *gi, int *pi)
{
	int g, p;

	for (g = 0; g < d->cfg.n_groups; g++)
		for (p = 0; p < d->cfg.group[g].n_paths; p++)
			if (!strcmp(d->cfg.path_[d->cfg.group[g].path[p]].name, name)) {
				*gi = g;
				*pi = p;
				return 0;
			}
	return -ENOENT;
}

/* 0, -ENOENT (no such path in a group), -EBUSY (refused), -errno. */
int fabricd_fo_drain(struct fabricd *d, const char *path, bool on,
		     char *msg, size_t len)
{
	struct fabricd_fo *fo = d->fo;
	const char *gname;
	int gi, pi, err;

	if (find_path(d, path, &gi, &pi)) {
		snprintf(msg, len, "no path \"%s\" in any group", path);
		return -ENOENT;
	}
	gname = d->cfg.group[gi].name;
	if (fo->eng) {
		err = ffe_drain(fo->eng, gi, pi, on);
		msg[0] = '\0';
	} else if (fo->km) {
		err = fo_kmod_drain(fo->km, gi, pi, on, msg, len);
	} else {
		snprintf(msg, len, "failover is not running");
		return -ENOTCONN;
	}
	if (err == -EBUSY)
		snprintf(msg, len, "draining %s would leave group %s with nothing healthy to install (it is the last usable member); nothing changed",
			 path, gname);
	else if (err && !msg[0])
		snprintf(msg, len, "%s %s: %s", on ? "drain" : "undrain", path,
			 strerror(-err));
	else if (!err)
		snprintf(msg, len, "%s %s in group %s", on ? "drained" : "undrained",
			 path, gname);
	fo->changed = true;
	fabricd_fo_refresh(d);
	return err;
}
