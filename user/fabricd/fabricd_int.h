/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FABRICD_INT_H
#define FABRICD_INT_H

struct fabricd;

/* [int] into the loaded data path, before it attaches (int.c). */
int fabricd_int_start(struct fabricd *d);
/* The probe timer fired (epoll tag TAG_INT). */
void fabricd_int_tick(struct fabricd *d);
struct fabricd_config;
/* SIGHUP: [int] again; on failure the previous INT settings stay. */
int fabricd_int_reload(struct fabricd *d, const struct fabricd_config *old);

struct fabric_metrics_buf;
/*
 * The exporter's one extra hook (ctx: struct fabricd): failover's
 * families, then INT's.
 */
int fabricd_extra_metrics(struct fabric_metrics_buf *b, void *ctx);

#endif
