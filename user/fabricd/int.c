// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd's INT: [int] and [int_class NAME] of the configuration into the
 * loaded data path (roles, one fab_int_class entry per DSCP), and the
 * probe-mode sender: one stream per probe class with targets, paced by a
 * timerfd in the event loop. SIGHUP re-applies all of it; the sink's maps
 * are pinned and are never reset here.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "exporter.h"
#include "fabricd.h"
#include "fabricd_int.h"
#include "failover.h"
#include "int_prober.h"
#include "int_telemetry.h"
#include "log.h"
#include "loop.h"

#define MAX_STREAMS	(1 + FCFG_INT_MAX_CLASSES)

struct int_probes {
	int			n;
	struct fip_stream	st[MAX_STREAMS];
};

/* fabricd is one per process: its prober state, and the timerfd */
static struct int_probes run_probes;
static int int_tfd = -1;

static const char *const mode_names[] = { "off", "probe", "embed" };

static void class_entry(const struct fcfg_int_class *c, struct fabric_int_class *e)
{
	e->mode = c->mode;
	e->max_hops = c->max_hops;
	e->instr = c->instr;
	e->sample_n = c->sample;
}

/* DSCP -> class: [int_class]es first, [int] for the DSCPs left. */
static void build_table(const struct fcfg_int *in,
			struct fabric_int_class cls[FABRIC_INT_CLASSES])
{
	__u64 taken = 0;
	int i, k;

	memset(cls, 0, sizeof(cls[0]) * FABRIC_INT_CLASSES);
	for (k = 0; k < in->n_classes; k++) {
		for (i = 0; i < FABRIC_INT_CLASSES; i++)
			if (in->cls[k].dscp.mask & (1ULL << i))
				class_entry(&in->cls[k], &cls[i]);
		taken |= in->cls[k].dscp.mask;
	}
	for (i = 0; i < FABRIC_INT_CLASSES; i++)
		if ((in->def.dscp.mask & ~taken) & (1ULL << i))
			class_entry(&in->def, &cls[i]);
}

static int write_dp(struct fabricd *d)
{
	const struct fcfg_int *in = &d->cfg.int_;
	struct fabric_int_class cls[FABRIC_INT_CLASSES];
	__u8 dscp[FABRIC_INT_CLASSES];
	struct fabric_int_config cfg = {
		.roles = in->roles,
		.node_id = in->node_id,
		.udp_port = in->udp_port,
		.probe_port = in->probe_port,
		.mtu = in->mtu,
		.domain_id = in->domain_id,
	};
	int i;

	build_table(in, cls);
	for (i = 0; i < FABRIC_INT_CLASSES; i++)
		dscp[i] = i;	/* every entry: one left out of the lists is off */
	if (fint_configure(d->dp->skel, &cfg, cls, FABRIC_INT_CLASSES, dscp)) {
		pr_err("[int]: cannot write the INT classes: %m\n");
		return -1;
	}
	return 0;
}

/* The lowest DSCP of a class: its probes' DSCP. */
static int class_dscp(const struct fcfg_int *in, const struct fcfg_int_class *c)
{
	__u64 m = c->dscp.mask;
	int k;

	if (c == &in->def)
		for (k = 0; k < in->n_classes; k++)
			m &= ~in->cls[k].dscp.mask;
	return m ? __builtin_ctzll(m) : -1;
}

static int open_class(const struct fabricd *d, const struct fcfg_int_class *c,
		      struct int_probes *ps)
{
	const struct fcfg_int *in = &d->cfg.int_;
	const struct fcfg_int_probe *pr = &c->probe;
	struct fip_spec spec = {};
	char why[160], label[64];
	int dscp = class_dscp(in, c), err, line;

	/* probe_rate 0 keeps the stream (and its counters), sending nothing */
	if (c->mode != FABRIC_INT_MODE_PROBE || !pr->n_targets)
		return 0;
	if (dscp < 0) {
		pr_warn("[int]: class %s has no DSCP of its own left; it sends no probes\n",
			c->name);
		return 0;
	}
	snprintf(spec.name, sizeof(spec.name), "%s", c->name);
	spec.dscp = dscp;
	spec.rate = pr->rate;
	spec.n_targets = pr->n_targets;
	memcpy(spec.target, pr->target, sizeof(spec.target));
	spec.sport_lo = pr->sport_lo;
	spec.sport_hi = pr->sport_hi;
	spec.dport = in->probe_port;
	spec.src4 = pr->src4;
	spec.src6 = pr->src6;
	err = fip_open(&ps->st[ps->n], &spec, why, sizeof(why));
	if (err) {
		if (c->line)
			snprintf(label, sizeof(label), "[int_class %s]", c->name);
		else
			snprintf(label, sizeof(label), "[int]");
		line = pr->src_line ? pr->src_line : pr->targets_line ? pr->targets_line :
		       pr->groups_line ? pr->groups_line : c->line;
		pr_err("%s:%d: %s: cannot send INT probes: %s%s\n", d->cfg.path, line,
		       label, why,
		       err == -EADDRNOTAVAIL ? "; probe_source must be an address of this node" :
		       err == -EPERM || err == -EACCES ?
		       "; fabricd needs CAP_NET_RAW for probe_sports ranges" : "");
		return err;
	}
	ps->n++;
	return 0;
}

static void close_probes(struct int_probes *ps)
{
	int i;

	for (i = 0; i < ps->n; i++)
		fip_close(&ps->st[i]);
	ps->n = 0;
}

static int open_probes(const struct fabricd *d, struct int_probes *ps)
{
	const struct fcfg_int *in = &d->cfg.int_;
	int k;

	ps->n = 0;
	if (open_class(d, &in->def, ps))
		goto fail;
	for (k = 0; k < in->n_classes; k++)
		if (open_class(d, &in->cls[k], ps))
			goto fail;
	return 0;
fail:
	close_probes(ps);
	return -1;
}

static void arm(void)
{
	struct itimerspec its = {};
	__u64 next = ~0ULL;
	int i;

	if (int_tfd < 0)
		return;
	for (i = 0; i < run_probes.n; i++)
		if (fip_next(&run_probes.st[i]) < next)
			next = fip_next(&run_probes.st[i]);
	if (next != ~0ULL) {
		its.it_value.tv_sec = next / 1000000000ULL;
		its.it_value.tv_nsec = next % 1000000000ULL;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(int_tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void start_all(void)
{
	__u64 now = fip_now_ns();
	int i;

	for (i = 0; i < run_probes.n; i++)
		fip_start(&run_probes.st[i], now);
	arm();
}

static void log_classes(const struct fabricd *d)
{
	const struct fcfg_int *in = &d->cfg.int_;
	int i;

	if (!in->roles && !run_probes.n)
		return;
	pr_info("INT: node %u, roles%s%s%s; default class %s, %d other class(es), %d probe stream(s)\n",
		in->node_id,
		in->roles & FABRIC_INT_ROLE_SOURCE ? " source" : "",
		in->roles & FABRIC_INT_ROLE_TRANSIT ? " transit" : "",
		in->roles & FABRIC_INT_ROLE_SINK ? " sink" : "",
		mode_names[in->def.mode % 3], in->n_classes, run_probes.n);
	for (i = 0; i < run_probes.n; i++)
		pr_info("INT: class %s sends probes to %d target(s) at %u/s each, DSCP %u\n",
			run_probes.st[i].spec.name, run_probes.st[i].spec.n_targets,
			run_probes.st[i].spec.rate, run_probes.st[i].spec.dscp);
}

int fabricd_int_start(struct fabricd *d)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = TAG_INT };

	if (write_dp(d))
		return -1;
	if (int_tfd < 0) {
		int_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (int_tfd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, int_tfd, &e)) {
			pr_err("INT: cannot set up the probe timer: %m\n");
			return -1;
		}
	}
	close_probes(&run_probes);
	if (open_probes(d, &run_probes))
		return -1;
	start_all();
	log_classes(d);
	return 0;
}

void fabricd_int_tick(struct fabricd *d)
{
	__u64 exp, now;
	int i;

	if (read(int_tfd, &exp, sizeof(exp)) < 0 && errno == EAGAIN)
		return;
	now = fip_now_ns();
	for (i = 0; i < run_probes.n; i++)
		fip_poll(&run_probes.st[i], now);
	arm();
}

/*
 * d->cfg is the new configuration, old what runs. The new probe sockets
 * are opened before anything changes: if that fails, [int] stays as it
 * was. Counters of a class that keeps its name continue.
 */
int fabricd_int_reload(struct fabricd *d, const struct fabricd_config *old)
{
	static struct int_probes next;
	int i, j, err = 0;

	if (!d->dp)
		return 0;
	if (open_probes(d, &next)) {
		pr_err("reload: [int] not applied; the previous INT settings stay\n");
		d->cfg.int_ = old->int_;
		err = -1;
	}
	if (write_dp(d))
		return -1;
	if (err)
		return err;	/* the old streams keep running */
	for (i = 0; i < next.n; i++)
		for (j = 0; j < run_probes.n; j++)
			if (!strcmp(next.st[i].spec.name, run_probes.st[j].spec.name)) {
				next.st[i].sent = run_probes.st[j].sent;
				next.st[i].errors = run_probes.st[j].errors;
				next.st[i].late = run_probes.st[j].late;
			}
	if (d->exporter)
		fabric_exporter_lock(d->exporter);
	close_probes(&run_probes);
	run_probes = next;
	if (d->exporter)
		fabric_exporter_unlock(d->exporter);
	next.n = 0;
	start_all();
	log_classes(d);
	return 0;
}

static void probe_family(struct fabric_metrics_buf *b, const char *name,
			 const char *help, size_t off)
{
	struct fabric_metrics_label l = { .name = "class" };
	int i;

	fabric_metrics_header(b, name, help, "counter");
	for (i = 0; i < run_probes.n; i++) {
		l.value = run_probes.st[i].spec.name;
		fabric_metrics_u64(b, name, &l, 1,
				   __atomic_load_n((__u64 *)((char *)&run_probes.st[i] + off),
						   __ATOMIC_RELAXED));
	}
}

int fabricd_extra_metrics(struct fabric_metrics_buf *b, void *ctx)
{
	struct fabricd *d = ctx;
	struct fint_maps m;
	int err;

	err = fabricd_fo_metrics(b, d->fo);
	if (err < 0)
		return err;
	probe_family(b, "fabric_int_probes_sent_total",
		     "INT probes fabricd sent (probe mode), by flow class",
		     offsetof(struct fip_stream, sent));
	probe_family(b, "fabric_int_probe_errors_total",
		     "INT probes fabricd failed to send, by flow class",
		     offsetof(struct fip_stream, errors));
	probe_family(b, "fabric_int_probe_rounds_late_total",
		     "INT probe rounds skipped because fabricd fell behind, by flow class",
		     offsetof(struct fip_stream, late));
	if (!d->dp || fint_from_skel(d->dp->skel, &m))
		return err;
	return fint_metrics_render(b, &m, d->cfg.int_.top_paths);
}
