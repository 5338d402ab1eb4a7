/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	metrics - the Prometheus endpoint of mxgated (libmicrohttpd)
 * SYNOPSIS
 *	struct metrics *metrics_open(const char *listen, struct loop *l,
 *				     metrics_fill_fn fill, void *ctx,
 *				     char *why, size_t len);
 *	void metrics_close(struct metrics *m);
 * DESCRIPTION
 *	metrics_open() listens on listen (a metrics_listen value, see
 *	metrics_text.h) and serves GET (and HEAD) /metrics: each request
 *	calls fill(ctx, snapshot) on a zeroed snapshot and answers with
 *	metrics_format()'s text, Content-Type text/plain; version=0.0.4.
 *	Any other path is 404, any other method 405.
 *
 *	No thread: libmicrohttpd runs in its "external epoll" mode, on the
 *	daemon's one event loop. The loop watches libmicrohttpd's epoll
 *	descriptor (readable when any of its sockets is) and calls MHD_run();
 *	a loop timer follows MHD_get_timeout(), so that idle connections
 *	are closed in time. A scrape therefore runs between two SYNs, never
 *	beside them, and reads the daemon's state without locks.
 *
 *	Bounded: METRICS_MAX_CONNECTIONS connections at once (beyond that
 *	new ones wait in the listen backlog), METRICS_MAX_PER_IP from one
 *	address, METRICS_TIMEOUT_S of idleness before a connection is
 *	closed, METRICS_MEMORY bytes per connection for the request
 *	(a bigger request is refused). Errors libmicrohttpd reports (a
 *	malformed request) are logged at most once a minute.
 *
 *	The socket is opened here, so call it before mxgated gives up root:
 *	any port, also one below 1024. NULL on failure, with the reason in
 *	why ("127.0.0.1:9464: Address already in use").
 *
 *	metrics_close() closes every connection and the listener.
 */
#ifndef MXG_METRICS_H
#define MXG_METRICS_H

#include <stddef.h>
#include "loop.h"
#include "metrics_text.h"

#define METRICS_MAX_CONNECTIONS	8
#define METRICS_MAX_PER_IP	4
#define METRICS_TIMEOUT_S	10
#define METRICS_MEMORY		(32 * 1024)

struct metrics;
typedef void (*metrics_fill_fn)(void *ctx, struct metrics_snapshot *s);

struct metrics *metrics_open(const char *listen, struct loop *l, metrics_fill_fn fill,
			     void *ctx, char *why, size_t len);
void metrics_close(struct metrics *m);

#endif /* MXG_METRICS_H */
