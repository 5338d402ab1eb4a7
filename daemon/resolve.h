/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	resolve - forward-confirmed reverse DNS of a client, with c-ares
 * SYNOPSIS
 *	int resolve_init(int epoll_fd, const char *servers, unsigned timeout_ms);
 *	struct resolve_req *resolve_start(const struct mxg_key *addr,
 *					  resolve_done_fn done, void *arg);
 *	void resolve_cancel(struct resolve_req *req);
 *	void resolve_process(int fd, __u32 epoll_events);
 *	int resolve_timeout_ms(int max_ms);
 *	void resolve_a(const char *name, resolve_a_fn done, void *arg);
 *	void resolve_shutdown(void);
 * DESCRIPTION
 *	resolve_start() asks for the PTR of addr, then for the A (IPv4) or
 *	AAAA (IPv6) records of the first PTR name, and calls done() once with
 *	the outcome: FCRDNS_PASS when the name's addresses include addr,
 *	FCRDNS_FAIL when they don't (or the name is not a valid host name),
 *	FCRDNS_NONE when there is no PTR, FCRDNS_TEMPFAIL when a server failed
 *	or timed out. done() is never called from inside resolve_start().
 *
 *	resolve_cancel() stops done() from being called (the caller decided
 *	without DNS); the request is freed when c-ares lets go of it.
 *
 *	c-ares sockets are registered in epoll_fd as c-ares opens them, with
 *	RESOLVE_EPOLL_TAG in the upper 32 bits of epoll_event.data.u64 and the
 *	fd in the lower; the event loop hands their events to
 *	resolve_process() and calls resolve_process(-1, 0) when
 *	resolve_timeout_ms() has passed. hostname_valid() says whether a PTR
 *	name is a syntactically valid host name (RFC 1123 labels).
 *
 *	resolve_a() asks for the A records of name (DNSBL queries) and calls
 *	done(arg, status, addrs, n, ttl) once, never from inside resolve_a():
 *	status 0 with n answers and their smallest TTL, -ENOENT when the
 *	name or record does not exist, -EAGAIN on a failure or timeout,
 *	-ECANCELED when the resolver shuts down. servers is a c-ares CSV list
 *	("203.0.113.53,[2001:db8::53]:5353") or "" for the system resolver.
 *	Each query waits timeout_ms per try, two tries.
 */
#ifndef MXG_RESOLVE_H
#define MXG_RESOLVE_H

#include <linux/types.h>
#include "mxgate.h"

enum fcrdns_status {
	FCRDNS_PASS,		/* PTR name resolves back to the address */
	FCRDNS_FAIL,		/* PTR name exists but does not confirm */
	FCRDNS_NONE,		/* no PTR record */
	FCRDNS_TEMPFAIL,	/* DNS failure: server error or timeout */
	FCRDNS_SKIPPED,		/* not asked: an address table decided */
};

#define RESOLVE_NAME_MAX 256
#define RESOLVE_EPOLL_TAG 1u	/* data.u64 >> 32 of c-ares fds */

struct fcrdns_result {
	enum fcrdns_status status;
	int timed_out;			/* TEMPFAIL because DNS did not answer */
	char name[RESOLVE_NAME_MAX];	/* PTR name, "" if none */
};

struct resolve_req;
typedef void (*resolve_done_fn)(void *arg, const struct fcrdns_result *r);
typedef void (*resolve_a_fn)(void *arg, int status, const __u8 (*addrs)[4],
			     int n, int ttl);

int resolve_init(int epoll_fd, const char *servers, unsigned timeout_ms);
struct resolve_req *resolve_start(const struct mxg_key *addr,
				  resolve_done_fn done, void *arg);
void resolve_cancel(struct resolve_req *req);
void resolve_process(int fd, __u32 epoll_events);
int resolve_timeout_ms(int max_ms);
const char *fcrdns_name(enum fcrdns_status s);
int hostname_valid(const char *name);
void resolve_a(const char *name, resolve_a_fn done, void *arg);
void resolve_shutdown(void);

#endif /* MXG_RESOLVE_H */
