/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Prometheus endpoint of fabricd: libmicrohttpd with one internal
 * polling thread. GET /metrics renders fabric_metrics_render() output; GET /
 * is a small index page; other paths are 404, other methods 405.
 */
#ifndef FABRIC_EXPORTER_H
#define FABRIC_EXPORTER_H

#include <stddef.h>

#include "metrics.h"

/*
 * Port 9100-9999 of the Prometheus default-port registry is fully
 * allocated; see Documentation/metrics.md for why this one.
 */
#define FABRIC_EXPORTER_DEFAULT_PORT	19471
#define FABRIC_EXPORTER_DEFAULT_LISTEN	"127.0.0.1:19471"

struct fabric_exporter;

/*
 * listen: "host:port", "[v6addr]:port", ":port" or "port" (the last two
 * bind every IPv4 and IPv6 address). src must stay valid until stop; see
 * struct fabric_metrics_src for what may change while the exporter runs.
 * On failure returns NULL with a message in err (e.g. the port is taken).
 */
struct fabric_exporter *fabric_exporter_start(const char *listen,
					      const struct fabric_metrics_src *src,
					      char *err, size_t errlen);
void fabric_exporter_stop(struct fabric_exporter *e);

/* Serialise changes to *src against a render in progress. */
void fabric_exporter_lock(struct fabric_exporter *e);
void fabric_exporter_unlock(struct fabric_exporter *e);

/* The bound port (useful with port 0). */
unsigned int fabric_exporter_port(const struct fabric_exporter *e);
/* Number of /metrics responses served. */
unsigned long long fabric_exporter_scrapes(const struct fabric_exporter *e);

/* Parse a listen string; 0 or -EINVAL with a message in err. */
struct sockaddr_storage;
int fabric_listen_parse(const char *listen, struct sockaddr_storage *ss,
			char *err, size_t errlen);

#endif
