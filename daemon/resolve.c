/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resolve.c - forward-confirmed reverse DNS with c-ares; see resolve.h.
 *
 * One channel per resolver handle, driven by the daemon's event loop
 * (loop.h): its sockets are watched there and its retries run on a loop
 * timer; no threads. Each request is PTR, then A or AAAA of the PTR name. A request
 * stays allocated while c-ares holds a callback for it, even after the
 * caller cancelled it, because c-ares will still call back.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "clock.h"
#include "addr.h"
#include "log.h"
#include "resolve.h"

#ifndef T_PTR
#define T_PTR 12
#endif
#ifndef T_A
#define T_A 1
#endif
#ifndef T_AAAA
#define T_AAAA 28
#endif
#define C_IN_CLASS 1

struct resolve_req {
	struct resolver *resolver;	/* the channel it was sent on */
	struct mxg_key key;		/* the client address */
	resolve_done_fn done;		/* NULL once cancelled */
	void *arg;			/* passed to done */
	struct fcrdns_result result;	/* filled in as answers arrive */
	struct resolve_req *next_ready;	/* deferred delivery list */
};

struct a_req {
	struct resolver *resolver;	/* the channel it was sent on */
	resolve_a_fn done;		/* the caller's callback */
	void *arg;			/* and its argument */
	int status;			/* kept when the answer must wait */
	struct a_req *next_ready;	/* deferred delivery list */
};

struct raw_req {
	struct resolver *resolver;	/* the channel it was sent on */
	resolve_raw_fn answer;		/* the caller's callback */
	void *arg;			/* and its argument */
	int status;			/* kept when the answer must wait */
	unsigned char *abuf;		/* and the answer, copied */
	int alen;
	struct raw_req *next_ready;	/* deferred delivery list */
};

struct resolver {
	ares_channel channel;
	int channel_ready;		/* channel is initialised */
	struct loop *loop;		/* where its sockets and timers live */
	struct loop_timer timeout;	/* c-ares's next retry or timeout */
	struct loop_timer rearm_soon;	/* recompute that, once per round */
	__u64 timeout_ns;		/* a query's first try lasts this long */
	__u64 deadline_ns;		/* the timer's time; 0: none known */
	__u64 walked_ns;		/* when ares_timeout() last ran */
	struct loop_timer deliver;	/* answers that completed too early */
	int in_start;			/* inside a call that sends a query */
	struct resolve_req *ready_head;	/* finished inside resolve_start */
	struct a_req *a_ready_head;	/* failed inside resolve_a */
	struct raw_req *raw_ready_head;	/* answered inside resolve_query_raw */
	struct resolve_stats stats;	/* queries and their outcomes */
	struct msg_limit bad_log;	/* bad answers: a line a second */
};

#define BAD_LOG_INTERVAL_NS	NS_PER_S
/* ares_timeout() at most this often while queries are in flight; a
 * retry or timeout is handled up to this late (they are seconds long) */
#define WALK_INTERVAL_NS	(50 * NS_PER_MS)

/* bad_answer - may a line about a client's bad answer go out? Anyone can
 * make their own reverse zone answer badly, for every address of it:
 * a line a second, saying how many were not logged. -1: drop it. */
static long long bad_answer(struct resolver *r)
{
	return msg_limit(&r->bad_log, now_ns(), BAD_LOG_INTERVAL_NS);
}

/* tally - one query's outcome in r's counters (a cancelled channel's
 * queries are not outcomes) */
static void tally(struct resolver *r, int status)
{
	if (status == ARES_SUCCESS || status == ARES_ENOTFOUND || status == ARES_ENODATA)
		r->stats.answered++;
	else if (status == ARES_ETIMEOUT)
		r->stats.timeout++;
	else if (status != ARES_EDESTRUCTION && status != ARES_ECANCELLED)
		r->stats.failed++;
}

/* resolve_stats - what r has sent and how it went */
const struct resolve_stats *resolve_stats(const struct resolver *r)
{
	return &r->stats;
}

static void rearm(struct resolver *r);
static void rearm_now(void *ctx);

/* fcrdns_name - the word log lines use for an FCrDNS outcome */
const char *fcrdns_name(enum fcrdns_status s)
{
	switch (s) {
	case FCRDNS_PASS:	return "pass";
	case FCRDNS_FAIL:	return "fail";
	case FCRDNS_NONE:	return "none";
	case FCRDNS_TEMPFAIL:	return "tempfail";
	case FCRDNS_SKIPPED:	return "skipped";
	}
	return "?";
}

/* on_socket - c-ares socket activity, from the event loop */
static void on_socket(void *ctx, int fd, __u32 events)
{
	struct resolver *r = ctx;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rfd = fd;
	if (events & EPOLLOUT)
		wfd = fd;
	ares_process_fd(r->channel, rfd, wfd);
	rearm(r);
}

/* on_timeout - c-ares's retry or timeout is due */
static void on_timeout(void *ctx)
{
	struct resolver *r = ctx;
	__u64 now;

	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	/* Under load some query is always about to time out: ask c-ares
	 * for the next deadline (a walk) at most every WALK_INTERVAL_NS,
	 * and until then look for due ones at that pace. */
	now = now_ns();
	if (now - r->walked_ns >= WALK_INTERVAL_NS) {
		r->deadline_ns = 0;
		rearm(r);
		return;
	}
	r->deadline_ns = r->walked_ns + WALK_INTERVAL_NS;
	loop_timer_set(r->loop, &r->timeout, r->deadline_ns);
}

/* rearm - the timeout timer must follow c-ares's next deadline. Asking
 * c-ares (ares_timeout) walks every query in flight, so it is done at
 * most once per loop round, from a zero-delay timer, not after every
 * query sent or answer read: with thousands in flight that was
 * quadratic. */
static void rearm(struct resolver *r)
{
	loop_timer_set(r->loop, &r->rearm_soon, 0);
}

/* rearm_now - the timeout timer from c-ares's next deadline. Even once a
 * round, the walk was a tenth of mxgated's CPU at 10,000 new sources a
 * second (thousands of queries in flight, a round every few hundred
 * microseconds), so between walks (at most WALK_INTERVAL_NS apart) the
 * known deadline is kept: answers only make the true one later (the
 * timer then fires early, finds nothing due, and walks), and a query
 * sent since cannot time out before its first try's timeout from now. */
static void rearm_now(void *ctx)
{
	struct resolver *r = ctx;
	struct timeval tv, *t;
	__u64 now = now_ns();

	if (!r->channel_ready)
		return;
	if (r->deadline_ns && now - r->walked_ns < WALK_INTERVAL_NS) {
		if (now + r->timeout_ns < r->deadline_ns) {
			r->deadline_ns = now + r->timeout_ns;
			loop_timer_set(r->loop, &r->timeout, r->deadline_ns);
		}
		return;
	}
	r->walked_ns = now;
	t = ares_timeout(r->channel, NULL, &tv);
	if (!t) {
		r->deadline_ns = 0;
		loop_timer_cancel(r->loop, &r->timeout);
		return;
	}
	r->deadline_ns = now + (__u64)t->tv_sec * NS_PER_S + (__u64)t->tv_usec * 1000;
	loop_timer_set(r->loop, &r->timeout, r->deadline_ns);
}

/* sock_state - c-ares opened, changed or closed a socket: mirror it */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;

	if (!readable && !writable) {
		loop_unwatch(r->loop, fd);
		return;
	}
	if (loop_watch(r->loop, fd, (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0),
		       on_socket, r) < 0)
		msg_warn("dns: cannot watch socket %d: %s", fd, strerror(errno));
}

static void deliver_ready(void *ctx);

/* resolve_new - a channel with our servers and timeouts, on loop l */
struct resolver *resolve_new(struct loop *l, const char *servers, unsigned timeout_ms)
{
	struct ares_options opts = { 0 };
	struct resolver *r;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->loop = l;
	loop_timer_init(&r->timeout, on_timeout, r);
	loop_timer_init(&r->rearm_soon, rearm_now, r);
	loop_timer_init(&r->deliver, deliver_ready, r);
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		msg_warn("dns: c-ares init: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	opts.sock_state_cb = sock_state;
	opts.sock_state_cb_data = r;
	opts.timeout = (int)timeout_ms;
	r->timeout_ns = (__u64)timeout_ms * NS_PER_MS;
	opts.tries = 2;
	rc = ares_init_options(&r->channel, &opts, ARES_OPT_SOCK_STATE_CB |
			       ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		msg_warn("dns: c-ares channel: %s", ares_strerror(rc));
		ares_library_cleanup();
		free(r);
		return NULL;
	}
	r->channel_ready = 1;
	if (servers && *servers) {
		rc = ares_set_servers_ports_csv(r->channel, servers);
		if (rc != ARES_SUCCESS) {
			msg_warn("dns: dns_servers \"%s\": %s", servers,
				 ares_strerror(rc));
			resolve_free(r);
			return NULL;
		}
	}
	return r;
}

/* finish - deliver a final result now, or defer it out of resolve_start */
static void finish(struct resolve_req *req, enum fcrdns_status status)
{
	struct resolver *r = req->resolver;

	req->result.status = status;
	if (r->in_start) {
		/* Never call back into a caller that is still setting up the
		 * request: one delivery path, from the event loop. */
		req->next_ready = r->ready_head;
		r->ready_head = req;
		loop_timer_set(r->loop, &r->deliver, 0);
		return;
	}
	if (req->done)
		req->done(req->arg, &req->result);
	free(req);
}

/* query_failed - finish req unless status is success: "no such record"
 * gives outcome absent, anything else is a temporary failure. Returns 1
 * when req is finished (or freed: the channel is being destroyed). */
static int query_failed(struct resolve_req *req, int status,
			enum fcrdns_status absent)
{
	if (status == ARES_SUCCESS)
		return 0;
	if (status == ARES_EDESTRUCTION) {
		free(req);
		return 1;
	}
	req->result.timed_out = status == ARES_ETIMEOUT;
	finish(req, status == ARES_ENOTFOUND || status == ARES_ENODATA ?
	       absent : FCRDNS_TEMPFAIL);
	return 1;
}

/* hostname_valid - letters, digits, '-', '_' in 1..63-byte labels */
int hostname_valid(const char *name)
{
	size_t label = 0, total = 0;

	for (const char *p = name; *p; p++, total++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return total > 0 && total < RESOLVE_NAME_MAX;
}

/* resolve_parse_forward - does a raw A (IPv4 addr) or AAAA answer hold
 * addr? FCRDNS_PASS or FCRDNS_FAIL; *rc is c-ares's parse status */
enum fcrdns_status resolve_parse_forward(const unsigned char *abuf, int alen,
					 const struct mxg_key *addr, int *rc)
{
	struct ares_addrttl a4[RESOLVE_ADDRS_MAX];
	struct ares_addr6ttl a6[RESOLVE_ADDRS_MAX];
	int n = RESOLVE_ADDRS_MAX;

	if (addr_is_v4(addr)) {
		*rc = ares_parse_a_reply(abuf, alen, NULL, a4, &n);
		for (int i = 0; *rc == ARES_SUCCESS && i < n; i++)
			if (!memcmp(&a4[i].ipaddr, addr->addr + 12, 4))
				return FCRDNS_PASS;
	} else {
		*rc = ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n);
		for (int i = 0; *rc == ARES_SUCCESS && i < n; i++)
			if (!memcmp(&a6[i].ip6addr, addr->addr, 16))
				return FCRDNS_PASS;
	}
	return FCRDNS_FAIL;
}

/* forward_done - A/AAAA of the PTR name: does it contain the client? */
static void forward_done(void *arg, int status, int timeouts,
			 unsigned char *abuf, int alen)
{
	struct resolve_req *req = arg;
	enum fcrdns_status outcome;
	long long more;
	int rc;

	(void)timeouts;
	tally(req->resolver, status);
	/* The name exists (it came from the PTR) but has no address. */
	if (query_failed(req, status, FCRDNS_FAIL))
		return;
	outcome = resolve_parse_forward(abuf, alen, &req->key, &rc);
	if (outcome != FCRDNS_PASS && rc != ARES_SUCCESS && rc != ARES_ENODATA &&
	    (more = bad_answer(req->resolver)) >= 0) {
		char addr[ADDR_STRLEN];

		addr_format(&req->key, addr, sizeof(addr));
		msg_warn("client=%s: bad %s answer for %s: %s (%lld more bad "
			 "answers since the last line)", addr,
			 addr_is_v4(&req->key) ? "A" : "AAAA",
			 req->result.name, ares_strerror(rc), more);
	}
	finish(req, outcome);
}

/* resolve_parse_ptr - the PTR name of a raw answer about addr, into name
 * (len bytes): FCRDNS_PASS when it is a host name to confirm, FCRDNS_NONE
 * when the answer holds no PTR, FCRDNS_FAIL when it cannot be confirmed
 * (c-ares refused it: *rc says why; or it is not a valid host name: name
 * holds it, with every byte outside 0x21-0x7e made '?') */
enum fcrdns_status resolve_parse_ptr(const unsigned char *abuf, int alen,
				     const struct mxg_key *addr, char *name,
				     size_t len, int *rc)
{
	struct hostent *host = NULL;
	int v4 = addr_is_v4(addr);

	name[0] = 0;
	*rc = ares_parse_ptr_reply(abuf, alen, v4 ? addr->addr + 12 : addr->addr,
				   v4 ? 4 : 16, v4 ? AF_INET : AF_INET6, &host);
	if (*rc != ARES_SUCCESS || !host || !host->h_name) {
		if (host)
			ares_free_hostent(host);
		if (*rc == ARES_SUCCESS)
			*rc = ARES_EBADRESP;	/* success without a name */
		return *rc == ARES_ENODATA ? FCRDNS_NONE : FCRDNS_FAIL;
	}
	snprintf(name, len, "%s", host->h_name);
	ares_free_hostent(host);
	if (hostname_valid(name))
		return FCRDNS_PASS;
	/* Kept printable for the log line that says so. */
	for (char *p = name; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			*p = '?';
	return FCRDNS_FAIL;
}

/* ptr_done - PTR answer: validate the name, then ask for its addresses */
static void ptr_done(void *arg, int status, int timeouts,
		     unsigned char *abuf, int alen)
{
	struct resolve_req *req = arg;
	int v4 = addr_is_v4(&req->key);
	enum fcrdns_status outcome;
	char addr[ADDR_STRLEN];
	long long more;
	int rc;

	(void)timeouts;
	tally(req->resolver, status);
	if (query_failed(req, status, FCRDNS_NONE))
		return;
	outcome = resolve_parse_ptr(abuf, alen, &req->key, req->result.name,
				    sizeof(req->result.name), &rc);
	if (outcome == FCRDNS_FAIL && (more = bad_answer(req->resolver)) >= 0) {
		addr_format(&req->key, addr, sizeof(addr));
		if (rc != ARES_SUCCESS)
			/* c-ares refuses a PTR name that is not a host
			 * name (EBADRESP): an answer that cannot be
			 * confirmed. */
			msg_warn("client=%s: PTR answer is not a valid host name "
				 "(%s); treated as not confirmed (%lld more bad "
				 "answers since the last line)", addr,
				 ares_strerror(rc), more);
		else
			/* A PTR that is not a host name cannot be
			 * forward-confirmed. */
			msg_warn("client=%s: PTR name \"%s\" is not a valid host "
				 "name; treated as not confirmed (%lld more bad "
				 "answers since the last line)", addr,
				 req->result.name, more);
	}
	if (outcome != FCRDNS_PASS) {
		finish(req, outcome);
		return;
	}
	req->resolver->stats.sent++;
	ares_query(req->resolver->channel, req->result.name, C_IN_CLASS, v4 ? T_A : T_AAAA,
		   forward_done, req);
}

/* resolve_start - begin FCrDNS of addr; done() is called exactly once */
struct resolve_req *resolve_start(struct resolver *r, const struct mxg_key *addr,
				  resolve_done_fn done, void *arg)
{
	struct resolve_req *req;
	char qname[80];

	if (!r || !r->channel_ready)
		return NULL;
	req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->resolver = r;
	req->key = *addr;
	req->done = done;
	req->arg = arg;
	addr_reverse_name(addr, NULL, qname, sizeof(qname));
	r->in_start = 1;
	r->stats.sent++;
	ares_query(r->channel, qname, C_IN_CLASS, T_PTR, ptr_done, req);
	r->in_start = 0;
	rearm(r);
	return req;
}

/* resolve_cancel - the caller no longer wants the answer */
void resolve_cancel(struct resolve_req *req)
{
	if (req)
		req->done = NULL;
}

/* deliver_ready - answers that completed inside resolve_start() or
 * resolve_a(), delivered from the event loop */
static void deliver_ready(void *ctx)
{
	struct resolver *r = ctx;

	while (r->a_ready_head) {
		struct a_req *q = r->a_ready_head;

		r->a_ready_head = q->next_ready;
		q->done(q->arg, q->status, NULL, 0, 0);
		free(q);
	}
	while (r->raw_ready_head) {
		struct raw_req *q = r->raw_ready_head;

		r->raw_ready_head = q->next_ready;
		q->answer(q->arg, q->status, q->abuf, q->alen);
		free(q->abuf);
		free(q);
	}
	while (r->ready_head) {
		struct resolve_req *req = r->ready_head;

		r->ready_head = req->next_ready;
		if (req->done)
			req->done(req->arg, &req->result);
		free(req);
	}
}

/* resolve_parse_a - the addresses (at most max) and the smallest TTL of a
 * raw A answer: their number, or -1 when c-ares refuses the answer */
int resolve_parse_a(const unsigned char *abuf, int alen, __u8 (*addrs)[4],
		    int max, int *ttl)
{
	struct ares_addrttl a4[RESOLVE_ADDRS_MAX];
	int n = max < RESOLVE_ADDRS_MAX ? max : RESOLVE_ADDRS_MAX;

	*ttl = 0;
	if (ares_parse_a_reply(abuf, alen, NULL, a4, &n) != ARES_SUCCESS)
		return -1;
	for (int i = 0; i < n; i++) {
		memcpy(addrs[i], &a4[i].ipaddr, 4);
		if (i == 0 || a4[i].ttl < *ttl)
			*ttl = a4[i].ttl;
	}
	return n;
}

/* resolve_a_outcome - what resolve_a()'s caller is told, from c-ares's
 * status and the number of A records parsed (-1: unparsable): 0 with
 * the records, or -ENOENT, -EAGAIN, -ECANCELED. c-ares 1.18 reports
 * success for some malformed answers that hold no A record at all; zero
 * records is "no such record" (NODATA), never an empty success, so a
 * DNS list never reads it as a listing of 127.0.0.1. */
int resolve_a_outcome(int ares_status, int n_parsed)
{
	if (ares_status == ARES_SUCCESS && n_parsed > 0)
		return 0;
	if (ares_status == ARES_EDESTRUCTION)
		return -ECANCELED;
	if (ares_status == ARES_ENOTFOUND || ares_status == ARES_ENODATA ||
	    (ares_status == ARES_SUCCESS && n_parsed == 0))
		return -ENOENT;
	return -EAGAIN;
}

/* a_done - A answer: addresses and the smallest TTL to the caller */
static void a_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct a_req *q = arg;
	__u8 addrs[RESOLVE_ADDRS_MAX][4];
	int n = -1, ttl = 0;

	(void)timeouts;
	tally(q->resolver, status);
	if (status == ARES_SUCCESS)
		n = resolve_parse_a(abuf, alen, addrs, RESOLVE_ADDRS_MAX, &ttl);
	q->status = resolve_a_outcome(status, n);
	if (q->status == 0) {
		q->done(q->arg, 0, (const __u8 (*)[4])addrs, n, ttl);
		free(q);
		return;
	}
	if (q->resolver->in_start) {
		q->next_ready = q->resolver->a_ready_head;
		q->resolver->a_ready_head = q;
		loop_timer_set(q->resolver->loop, &q->resolver->deliver, 0);
		return;
	}
	q->done(q->arg, q->status, NULL, 0, 0);
	free(q);
}

/* resolve_a - A records of name, for DNSBL queries */
void resolve_a(struct resolver *r, const char *name, resolve_a_fn done, void *arg)
{
	struct a_req *q = calloc(1, sizeof(*q));

	if (!q) {
		done(arg, -EAGAIN, NULL, 0, 0);	/* the caller expects it */
		return;
	}
	q->resolver = r;
	q->done = done;
	q->arg = arg;
	if (!r->channel_ready) {
		q->status = -EAGAIN;
		q->next_ready = r->a_ready_head;
		r->a_ready_head = q;
		loop_timer_set(r->loop, &r->deliver, 0);
		return;
	}
	r->in_start = 1;
	r->stats.sent++;
	ares_query(r->channel, name, C_IN_CLASS, T_A, a_done, q);
	r->in_start = 0;
	rearm(r);
}

/* resolve_raw_outcome - what resolve_query_raw()'s caller is told for
 * c-ares's status: 0, -ENOENT (no such name or record), -ECANCELED (the
 * channel is being destroyed) or -EAGAIN (anything else) */
static int resolve_raw_outcome(int ares_status)
{
	if (ares_status == ARES_SUCCESS)
		return 0;
	if (ares_status == ARES_ENOTFOUND || ares_status == ARES_ENODATA)
		return -ENOENT;
	if (ares_status == ARES_EDESTRUCTION)
		return -ECANCELED;
	return -EAGAIN;
}

/* raw_defer - an answer that came inside resolve_query_raw() (c-ares
 * fails some queries at once): kept, with a copy of its bytes, for the
 * event loop to deliver */
static void raw_defer(struct raw_req *q, const unsigned char *abuf, int alen)
{
	struct resolver *r = q->resolver;

	if (abuf && alen > 0 && (q->abuf = malloc((size_t)alen))) {
		memcpy(q->abuf, abuf, (size_t)alen);
		q->alen = alen;
	}
	q->next_ready = r->raw_ready_head;
	r->raw_ready_head = q;
	loop_timer_set(r->loop, &r->deliver, 0);
}

/* raw_done - any answer: its status and bytes to the caller */
static void raw_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct raw_req *q = arg;

	(void)timeouts;
	tally(q->resolver, status);
	q->status = resolve_raw_outcome(status);
	if (q->resolver->in_start) {
		raw_defer(q, abuf, alen);
		return;
	}
	q->answer(q->arg, q->status, abuf, alen);
	free(q);
}

/* resolve_query_raw - records of any type, the raw answer to the caller
 * (the SPF module's queries, spf.h) */
void resolve_query_raw(void *resolver, const char *name, int type,
		       resolve_raw_fn answer, void *arg)
{
	struct resolver *r = resolver;
	struct raw_req *q = calloc(1, sizeof(*q));

	if (!q) {
		answer(arg, -EAGAIN, NULL, 0);	/* the caller expects it */
		return;
	}
	q->resolver = r;
	q->answer = answer;
	q->arg = arg;
	if (!r->channel_ready) {
		q->status = -EAGAIN;
		raw_defer(q, NULL, 0);
		return;
	}
	r->in_start = 1;
	r->stats.sent++;
	ares_query(r->channel, name, C_IN_CLASS, type, raw_done, q);
	r->in_start = 0;
	rearm(r);
}

/* resolve_free - cancel everything, free the channel and the handle */
void resolve_free(struct resolver *r)
{
	if (!r)
		return;
	deliver_ready(r);
	if (r->channel_ready) {
		r->channel_ready = 0;
		ares_destroy(r->channel);	/* callbacks see ARES_EDESTRUCTION */
		ares_library_cleanup();
	}
	loop_timer_cancel(r->loop, &r->timeout);
	loop_timer_cancel(r->loop, &r->rearm_soon);
	loop_timer_cancel(r->loop, &r->deliver);
	free(r);
}

/* resolve_query_a - resolve_a() with an untyped handle, as dnsbl_new()
 * takes its query function */
void resolve_query_a(void *resolver, const char *name, resolve_a_fn done, void *arg)
{
	resolve_a(resolver, name, done, arg);
}
