// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See lab_engine.h. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "lab_engine.h"
#include "lab_traffic.h"

static int le_addr(const char *s, int *family, union fnh_addr *a)
{
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Calls fn(key, value) for each key=value of a comma list. */
static int le_kv(const char *spec, int (*fn)(void *, const char *, const char *),
		 void *arg)
{
	char buf[512], *save = NULL, *tok, *eq;
	int ret;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return -EINVAL;
		*eq = 0;
		ret = fn(arg, tok, eq + 1);
		if (ret) {
			fprintf(stderr, "bad %s=%s\n", tok, eq + 1);
			return ret;
		}
	}
	return 0;
}

static int le_group_kv(void *arg, const char *k, const char *v)
{
	struct ffe_group_cfg *g = arg;
	struct fnh_route *r;
	char pfx[64], *sl;

	if (!strcmp(k, "name")) {
		snprintf(g->name, sizeof(g->name), "%s", v);
	} else if (!strcmp(k, "id")) {
		g->nh.id = strtoul(v, NULL, 0);
	} else if (!strcmp(k, "buckets")) {
		g->nh.buckets = strtoul(v, NULL, 0);
	} else if (!strcmp(k, "idle-ms")) {
		g->nh.idle_timer_ms = strtoul(v, NULL, 0);
	} else if (!strcmp(k, "unbalanced-ms")) {
		g->nh.unbalanced_timer_ms = strtoul(v, NULL, 0);
	} else if (!strcmp(k, "route")) {
		if (g->nh.n_routes >= FNH_MAX_ROUTES)
			return -E2BIG;
		r = &g->nh.r[g->nh.n_routes];
		snprintf(pfx, sizeof(pfx), "%s", v);
		sl = strchr(pfx, '/');
		if (!sl)
			return -EINVAL;
		*sl = 0;
		if (le_addr(pfx, &r->family, &r->dst))
			return -EINVAL;
		r->plen = strtoul(sl + 1, NULL, 0);
		g->nh.n_routes++;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int le_path_kv(void *arg, const char *k, const char *v)
{
	struct ffe_path_cfg *p = arg;
	int fam;

	if (!strcmp(k, "name")) {
		snprintf(p->name, sizeof(p->name), "%s", v);
	} else if (!strcmp(k, "dev")) {
		snprintf(p->ifname, sizeof(p->ifname), "%s", v);
	} else if (!strcmp(k, "id")) {
		p->nh.id = strtoul(v, NULL, 0);
	} else if (!strcmp(k, "weight")) {
		p->nh.weight = strtoul(v, NULL, 0);
	} else if (!strcmp(k, "via")) {
		return le_addr(v, &p->nh.family, &p->nh.gw);
	} else if (!strcmp(k, "probe")) {
		p->probe = true;
		return le_addr(v, &p->probe_cfg.family, &p->probe_cfg.peer);
	} else if (!strcmp(k, "src")) {
		return le_addr(v, &fam, &p->probe_cfg.local);
	} else {
		return -EINVAL;
	}
	return 0;
}

int le_parse_group(struct ffe_cfg *cfg, const char *spec)
{
	struct ffe_group_cfg *g;
	int ret;

	if (cfg->n_groups >= FFE_MAX_GROUPS)
		return -E2BIG;
	g = &cfg->group[cfg->n_groups];
	memset(g, 0, sizeof(*g));
	g->nh.buckets = 32;
	g->nh.idle_timer_ms = 1000;
	ret = le_kv(spec, le_group_kv, g);
	if (ret)
		return ret;
	if (!g->nh.id)
		return -EINVAL;
	if (!g->name[0])
		snprintf(g->name, sizeof(g->name), "nhg%u", g->nh.id);
	cfg->n_groups++;
	return 0;
}

int le_parse_path(struct ffe_cfg *cfg, const char *spec)
{
	struct ffe_group_cfg *g;
	struct ffe_path_cfg *p;
	int ret;

	if (!cfg->n_groups)
		return -EINVAL;
	g = &cfg->group[cfg->n_groups - 1];
	if (g->n_paths >= FNH_MAX_MEMBERS)
		return -E2BIG;
	p = &g->path[g->n_paths];
	memset(p, 0, sizeof(*p));
	ret = le_kv(spec, le_path_kv, p);
	if (ret)
		return ret;
	if (!p->nh.id || !p->ifname[0] || !p->nh.family)
		return -EINVAL;
	if (!p->name[0])
		memcpy(p->name, p->ifname, sizeof(p->ifname));
	g->n_paths++;
	return 0;
}

void le_defaults(struct ffe_cfg *cfg)
{
	fabric_fo_config_default(&cfg->policy);
	cfg->probe_interval_ns = 100000;	/* 10k probes/s per path */
	cfg->probe_timeout_ns = 300000;
	cfg->policy.probe_miss_k = 3;
	cfg->policy.recover_probes = 10;
}

void le_lab_leaf(struct ffe_cfg *cfg, int leaf, bool probe)
{
	char spec[256];
	int s;

	snprintf(spec, sizeof(spec), "name=leaf%d,id=%d,buckets=32,idle-ms=1000,"
		 "unbalanced-ms=0,route=10.1.%d.0/24", leaf, leaf * 100,
		 leaf == 1 ? 2 : 1);
	le_parse_group(cfg, spec);
	for (s = 1; s <= 2; s++) {
		int len = snprintf(spec, sizeof(spec),
				   "name=l%d-s%d,dev=up%d,id=%d,via=10.2.%d%d.2",
				   leaf, s, s, leaf * 10 + s, leaf, s);

		if (probe)
			snprintf(spec + len, sizeof(spec) - len,
				 ",probe=10.2.%d%d.2", leaf, s);
		le_parse_path(cfg, spec);
	}
}

static void le_on_event(void *arg, const struct ffe_event *ev)
{
	struct le_runner *r = arg;

	pthread_mutex_lock(&r->lock);
	if (r->n_ev < LE_MAX_EVENTS)
		r->ev[r->n_ev++] = *ev;
	pthread_mutex_unlock(&r->lock);
}

static void *le_thread(void *arg)
{
	struct le_runner *r = arg;
	struct pollfd pfd[FFE_MAX_GROUPS + 2 + LE_MAX_XFDS];
	int fds[FFE_MAX_GROUPS + 2], n, ne, i, err;
	struct timespec ts;

	err = lt_enter_ns(r->ns);
	if (err) {
		r->ready = err;
		return NULL;
	}
	if (r->rt_prio > 0) {
		struct sched_param sp = { .sched_priority = r->rt_prio };

		err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
		if (err) {
			r->ready = -err;
			return NULL;
		}
	}
	if (r->avoid_cpu > 0) {
		cpu_set_t set;
		long c, n = sysconf(_SC_NPROCESSORS_ONLN);

		CPU_ZERO(&set);
		for (c = 0; c < n; c++)
			if (c != r->avoid_cpu)
				CPU_SET(c, &set);
		err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (err) {
			r->ready = -err;
			return NULL;
		}
	}
	r->cfg.on_event = le_on_event;
	r->cfg.arg = r;
	r->e = ffe_open(&r->cfg);
	if (!r->e) {
		r->ready = -errno;
		return NULL;
	}
	r->n_xfd = 0;
	if (r->setup) {
		err = r->setup(r);
		if (err) {
			ffe_close(r->e);
			r->e = NULL;
			r->ready = err < 0 ? err : -EINVAL;
			return NULL;
		}
	}
	r->install_err = ffe_install(r->e);
	ne = n = ffe_fds(r->e, fds, FFE_MAX_GROUPS + 2);
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	for (i = 0; i < r->n_xfd && i < LE_MAX_XFDS; i++, n++) {
		pfd[n].fd = r->xfd[i];
		pfd[n].events = POLLIN;
	}
	r->ready = 1;
	while (!r->stop) {
		if (poll(pfd, n, 50) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (i < ne)
				ffe_dispatch(r->e, pfd[i].fd);
			else
				r->xfd_ready(r, pfd[i].fd);
		}
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	r->cpu_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (r->teardown)
		r->teardown(r);
	return NULL;
}

int le_run(struct le_runner *r)
{
	pthread_mutex_init(&r->lock, NULL);
	r->stop = 0;
	r->ready = 0;
	r->n_ev = 0;
	if (pthread_create(&r->th, NULL, le_thread, r))
		return -errno;
	while (!r->ready)
		usleep(1000);
	if (r->ready < 0) {
		pthread_join(r->th, NULL);
		return r->ready;
	}
	return 0;
}

void le_stop(struct le_runner *r)
{
	r->stop = 1;
	pthread_join(r->th, NULL);
}

uint32_t le_events(struct le_runner *r, uint32_t from, struct ffe_event *out,
		   uint32_t max, uint32_t *n)
{
	uint32_t i, total;

	pthread_mutex_lock(&r->lock);
	total = r->n_ev;
	for (i = 0; from + i < total && i < max; i++)
		out[i] = r->ev[from + i];
	pthread_mutex_unlock(&r->lock);
	*n = i;
	return total;
}
