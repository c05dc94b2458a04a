/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FABRICD_INT_H
#define FABRICD_INT_H

struct fabricd;

/* [int] into the loaded data path, before it attaches (int.c). */
int fabricd_int_start(struct fabricd *d);

struct fabric_metrics_buf;
/*
 * The exporter's one extra hook (ctx: struct fabricd): failover's
 * families, then INT's.
 */
int fabricd_extra_metrics(struct fabric_metrics_buf *b, void *ctx);

#endif
