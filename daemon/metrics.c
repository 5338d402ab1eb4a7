/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	metrics - the Prometheus endpoint of mxgated (libmicrohttpd)
 * DESCRIPTION
 *	Implements metrics.h (the contract is there): the listener, the
 *	request handler, and libmicrohttpd's epoll descriptor and timeout
 *	on the event loop. The text itself is metrics_text.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "clock.h"
#include "log.h"
#include "metrics.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define ERROR_LOG_INTERVAL_NS	(60 * NS_PER_S)

struct metrics {
	struct MHD_Daemon *mhd;		/* libmicrohttpd, no thread of its own */
	struct loop *loop;		/* the daemon's */
	int epoll_fd;			/* libmicrohttpd's, watched by the loop */
	struct loop_timer timer;	/* libmicrohttpd's next timeout */
	metrics_fill_fn fill;		/* the daemon's numbers */
	void *ctx;			/* for fill */
	struct msg_limit error_log;	/* libmicrohttpd's complaints */
};

/* log_mhd - libmicrohttpd's own messages: a client can cause them, so
 * one a minute at most */
static void log_mhd(void *ctx, const char *fmt, va_list ap)
{
	struct metrics *m = ctx;
	char line[512];
	long long more = msg_limit(&m->error_log, now_ns(), ERROR_LOG_INTERVAL_NS);

	if (more < 0)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\r\n")] = 0;
	msg_warn("metrics: %s (%lld more since the last line)", line, more);
}

/* reply - queue a response of the text given (static) */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* scrape - the exposition text of this moment */
static enum MHD_Result scrape(struct metrics *m, struct MHD_Connection *c)
{
	struct metrics_snapshot *s = calloc(1, sizeof(*s));
	struct MHD_Response *r;
	enum MHD_Result rc;
	char *text = NULL;
	size_t len = 0;
	FILE *out = NULL;
	int bad;

	if (s)
		out = open_memstream(&text, &len);
	if (!out) {
		free(s);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	m->fill(m->ctx, s);
	bad = metrics_format(out, s) < 0;
	bad |= fclose(out) != 0;
	free(s);
	if (bad) {
		free(text);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	/* libmicrohttpd free()s text with the response. */
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* on_request - libmicrohttpd's handler: GET /metrics, nothing else */
static enum MHD_Result on_request(void *ctx, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_len, void **req)
{
	(void)version, (void)upload, (void)upload_len, (void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	return scrape(ctx, c);
}

/* rearm - the loop timer follows libmicrohttpd's next timeout */
static void rearm(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES)
		loop_timer_set(m->loop, &m->timer, now_ns() + ms * NS_PER_MS);
	else
		loop_timer_cancel(m->loop, &m->timer);
}

/* on_ready - some socket of libmicrohttpd's is ready: let it work */
static void on_ready(void *ctx, int fd, __u32 events)
{
	struct metrics *m = ctx;

	(void)fd, (void)events;
	MHD_run(m->mhd);
	rearm(m);
}

/* on_timer - a connection's timeout is due (or work was left over) */
static void on_timer(void *ctx)
{
	struct metrics *m = ctx;

	MHD_run(m->mhd);
	rearm(m);
}

/* listen_on - the listening socket for text; -1 with the reason in why */
static int listen_on(const char *text, char *why, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int one = 1, fd;

	if (metrics_listen_parse(text, &ss, &sslen, why, len) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, sslen) < 0 ||
	    listen(fd, 16) < 0) {
		snprintf(why, len, "%s: %s", text, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* metrics_open - listen on listen and serve /metrics from the loop */
struct metrics *metrics_open(const char *listen, struct loop *l, metrics_fill_fn fill,
			     void *ctx, char *why, size_t len)
{
	struct metrics *m = calloc(1, sizeof(*m));
	const union MHD_DaemonInfo *info;
	int fd = -1;

	if (!m) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	*m = (struct metrics){ .loop = l, .epoll_fd = -1, .fill = fill, .ctx = ctx };
	loop_timer_init(&m->timer, on_timer, m);
	fd = listen_on(listen, why, len);
	if (fd < 0)
		goto bad;
	/* No MHD_USE_INTERNAL_POLLING_THREAD: MHD_run() is ours to call. */
	m->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				  on_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, log_mhd, m,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned)METRICS_MAX_CONNECTIONS,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				  (unsigned)METRICS_MAX_PER_IP,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_MEMORY,
				  MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(why, len, "%s: libmicrohttpd would not start", listen);
		close(fd);
		goto bad;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || loop_watch(l, info->epoll_fd, EPOLLIN, on_ready, m) < 0) {
		snprintf(why, len, "%s: cannot watch libmicrohttpd's epoll descriptor",
			 listen);
		goto bad;
	}
	m->epoll_fd = info->epoll_fd;
	rearm(m);
	return m;
bad:
	metrics_close(m);
	return NULL;
}

/* metrics_close - every connection and the listener closed */
void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	loop_timer_cancel(m->loop, &m->timer);
	if (m->epoll_fd >= 0)
		loop_unwatch(m->loop, m->epoll_fd);
	if (m->mhd)
		MHD_stop_daemon(m->mhd);	/* closes the listener too */
	free(m);
}
