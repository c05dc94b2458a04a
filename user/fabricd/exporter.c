// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HTTP side of the Prometheus exporter. We bind the listening socket
 * ourselves so that "address in use" and friends reach the operator as a
 * clear message, then hand it to libmicrohttpd, which runs one internal
 * thread that sleeps in poll() between requests (no idle CPU).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "exporter.h"
#include "log.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

struct fabric_exporter {
	struct MHD_Daemon		*mhd;
	int				fd;
	unsigned int			port;
	pthread_mutex_t			lock;
	const struct fabric_metrics_src	*src;
	struct fabric_metrics_buf	buf;
	unsigned long long		scrapes;
};

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>fabric exporter</title></head>\n"
	"<body><h1>fabric exporter</h1>\n"
	"<p><a href=\"/metrics\">/metrics</a>: RoCEv2 fabric telemetry in "
	"Prometheus text format.</p>\n</body></html>\n";

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int parse_port(const char *s, unsigned int *port)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535 || *s == '-' || *s == '+')
		return -EINVAL;
	*port = v;
	return 0;
}

int fabric_listen_parse(const char *listen, struct sockaddr_storage *ss,
			char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char host[256];
	const char *colon, *ps;
	unsigned int port;
	size_t hl;
	int rc;

	memset(ss, 0, sizeof(*ss));
	if (!listen || !*listen) {
		errf(err, errlen, "empty listen address: expected host:port, "
		     "[ipv6]:port or :port");
		return -EINVAL;
	}
	if (listen[0] == '[') {
		const char *rb = strchr(listen, ']');

		if (!rb || rb[1] != ':') {
			errf(err, errlen, "listen address '%s': expected [ipv6]:port",
			     listen);
			return -EINVAL;
		}
		hl = rb - listen - 1;
		if (hl >= sizeof(host))
			goto bad_host;
		memcpy(host, listen + 1, hl);
		host[hl] = '\0';
		ps = rb + 2;
		hints.ai_family = AF_INET6;
		hints.ai_flags = AI_NUMERICHOST;
	} else {
		colon = strrchr(listen, ':');
		if (!colon) {
			host[0] = '\0';
			ps = listen;
		} else {
			if (memchr(listen, ':', colon - listen)) {
				errf(err, errlen, "listen address '%s': put IPv6 "
				     "addresses in brackets, e.g. [::1]:%u",
				     listen, FABRIC_EXPORTER_DEFAULT_PORT);
				return -EINVAL;
			}
			hl = colon - listen;
			if (hl >= sizeof(host))
				goto bad_host;
			memcpy(host, listen, hl);
			host[hl] = '\0';
			ps = colon + 1;
		}
		hints.ai_family = AF_UNSPEC;
	}
	if (parse_port(ps, &port)) {
		errf(err, errlen, "listen address '%s': port '%s' is not a number "
		     "in 0-65535", listen, ps);
		return -EINVAL;
	}
	if (!host[0]) {
		/* every address, IPv4 too (IPV6_V6ONLY is cleared) */
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		return 0;
	}
	rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc || !ai) {
		errf(err, errlen, "listen address '%s': cannot resolve '%s': %s",
		     listen, host, rc ? gai_strerror(rc) : "no address");
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return 0;
bad_host:
	errf(err, errlen, "listen address '%s': host name too long", listen);
	return -EINVAL;
}

static int bind_listen(const char *addr, unsigned int *port, char *err,
		       size_t errlen)
{
	struct sockaddr_storage ss, got;
	socklen_t len, glen = sizeof(got);
	int fd, one = 1, zero = 0;

	if (fabric_listen_parse(addr, &ss, err, errlen))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errf(err, errlen, "exporter socket for '%s': %s", addr,
		     strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		len = sizeof(struct sockaddr_in6);
	} else {
		len = sizeof(struct sockaddr_in);
	}
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		int e = errno;

		if (e == EADDRINUSE)
			errf(err, errlen, "cannot listen on %s: the port is "
			     "already in use by another program; pick another "
			     "port for the exporter's listen address", addr);
		else if (e == EADDRNOTAVAIL)
			errf(err, errlen, "cannot listen on %s: no local "
			     "interface has that address", addr);
		else
			errf(err, errlen, "cannot listen on %s: %s", addr,
			     strerror(e));
		close(fd);
		return -1;
	}
	if (listen(fd, 64)) {
		errf(err, errlen, "cannot listen on %s: %s", addr,
		     strerror(errno));
		close(fd);
		return -1;
	}
	if (!getsockname(fd, (struct sockaddr *)&got, &glen))
		*port = ntohs(got.ss_family == AF_INET ?
			      ((struct sockaddr_in *)&got)->sin_port :
			      ((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

static MHD_RESULT reply(struct MHD_Connection *c, unsigned int status,
			const char *ctype, const void *body, size_t len,
			enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	MHD_RESULT ret;

	r = MHD_create_response_from_buffer(len, (void *)body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static MHD_RESULT reply_text(struct MHD_Connection *c, unsigned int status,
			     const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", text,
		     strlen(text), MHD_RESPMEM_PERSISTENT);
}

static MHD_RESULT serve_metrics(struct fabric_exporter *e,
				struct MHD_Connection *c)
{
	MHD_RESULT ret;
	char msg[128];
	int err;

	pthread_mutex_lock(&e->lock);
	err = fabric_metrics_render(e->src, &e->buf);
	if (err) {
		pthread_mutex_unlock(&e->lock);
		pr_warn("exporter: rendering /metrics failed: %s\n",
			strerror(-err));
		snprintf(msg, sizeof(msg), "rendering metrics failed: %s\n",
			 strerror(-err));
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "text/plain; charset=utf-8", msg, strlen(msg),
			     MHD_RESPMEM_MUST_COPY);
	}
	/* copied: the next scrape reuses the buffer while this one is sent */
	ret = reply(c, MHD_HTTP_OK, FABRIC_METRICS_CONTENT_TYPE, e->buf.data,
		    e->buf.len, MHD_RESPMEM_MUST_COPY);
	__atomic_fetch_add(&e->scrapes, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&e->lock);
	return ret;
}

static MHD_RESULT handle(void *cls, struct MHD_Connection *c, const char *url,
			 const char *method, const char *version,
			 const char *upload_data, size_t *upload_data_size,
			 void **con_cls)
{
	struct fabric_exporter *e = cls;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) ||
		   !strcmp(method, MHD_HTTP_METHOD_HEAD);

	if (strcmp(url, "/metrics") && strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_NOT_FOUND,
				  "not found: metrics are at /metrics\n");
	if (!get)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method not allowed: this endpoint is read-only, use GET\n");
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8",
			     index_html, sizeof(index_html) - 1,
			     MHD_RESPMEM_PERSISTENT);
	return serve_metrics(e, c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	pr_debug("exporter: %s", line);
}

struct fabric_exporter *fabric_exporter_start(const char *listen,
					      const struct fabric_metrics_src *src,
					      char *err, size_t errlen)
{
	struct fabric_exporter *e;

	if (!src || !src->maps) {
		errf(err, errlen, "exporter: no data-path maps to export");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		errf(err, errlen, "exporter: out of memory");
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->src = src;
	fabric_metrics_buf_init(&e->buf);
	e->fd = bind_listen(listen, &e->port, err, errlen);
	if (e->fd < 0)
		goto fail;
	e->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
				  MHD_USE_ERROR_LOG,
				  0, NULL, NULL, handle, e,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, e,
				  MHD_OPTION_LISTEN_SOCKET, e->fd,
				  MHD_OPTION_CONNECTION_LIMIT, 32,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10,
				  MHD_OPTION_END);
	if (!e->mhd) {
		errf(err, errlen, "exporter: libmicrohttpd failed to start on %s",
		     listen);
		close(e->fd);
		goto fail;
	}
	return e;
fail:
	pthread_mutex_destroy(&e->lock);
	free(e);
	return NULL;
}

void fabric_exporter_stop(struct fabric_exporter *e)
{
	if (!e)
		return;
	MHD_stop_daemon(e->mhd);	/* joins its thread, closes e->fd */
	fabric_metrics_buf_free(&e->buf);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void fabric_exporter_lock(struct fabric_exporter *e)
{
	pthread_mutex_lock(&e->lock);
}

void fabric_exporter_unlock(struct fabric_exporter *e)
{
	pthread_mutex_unlock(&e->lock);
}

unsigned int fabric_exporter_port(const struct fabric_exporter *e)
{
	return e->port;
}

unsigned long long fabric_exporter_scrapes(const struct fabric_exporter *e)
{
	return __atomic_load_n(&e->scrapes, __ATOMIC_RELAXED);
}
