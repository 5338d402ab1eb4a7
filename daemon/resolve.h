/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	resolve - forward-confirmed reverse DNS of a client, with c-ares
 * SYNOPSIS
 *	struct resolver *resolve_new(struct loop *l, const char *servers,
 *				     unsigned timeout_ms);
 *	struct resolve_req *resolve_start(struct resolver *r,
 *					  const struct mxg_key *addr,
 *					  resolve_done_fn done, void *arg);
 *	void resolve_cancel(struct resolve_req *req);
 *	void resolve_a(struct resolver *r, const char *name, resolve_a_fn done,
 *		       void *arg);
 *	void resolve_free(struct resolver *r);
 *	const struct resolve_stats *resolve_stats(const struct resolver *r);
 *	int resolve_a_outcome(int ares_status, int n_parsed);
 *	void resolve_query_a(void *resolver, const char *name,
 *			     resolve_a_fn done, void *arg);
 *	void resolve_query_raw(void *resolver, const char *name, int type,
 *			       resolve_raw_fn answer, void *arg);
 *	const char *fcrdns_name(enum fcrdns_status s);
 *	int hostname_valid(const char *name);
 *
 *	enum fcrdns_status resolve_parse_ptr(const unsigned char *abuf,
 *			int alen, const struct mxg_key *addr, char *name,
 *			size_t len, int *rc);
 *	enum fcrdns_status resolve_parse_forward(const unsigned char *abuf,
 *			int alen, const struct mxg_key *addr, int *rc);
 *	int resolve_parse_a(const unsigned char *abuf, int alen,
 *			    __u8 (*addrs)[4], int max, int *ttl);
 * DESCRIPTION
 *	resolve_new() makes a c-ares channel whose sockets and retries run
 *	on the event loop l (loop.h). servers is a c-ares CSV list
 *	("203.0.113.53,[2001:db8::53]:5353") or "" for the system resolver.
 *	Each query waits timeout_ms per try, two tries. NULL on failure
 *	(logged).
 *
 *	resolve_start() asks for the PTR of addr, then for the A (IPv4) or
 *	AAAA (IPv6) records of the PTR name c-ares reports (with c-ares 1.18
 *	the last PTR record of the answer), and calls done() once with the
 *	outcome: FCRDNS_PASS when the name's addresses include addr,
 *	FCRDNS_FAIL when they don't (or the name is not a valid host name),
 *	FCRDNS_NONE when there is no PTR, FCRDNS_TEMPFAIL when a server failed
 *	or timed out. done() is only ever called from the event loop, never
 *	from inside resolve_start(). NULL when no channel works (the caller
 *	treats it as a DNS failure).
 *
 *	resolve_cancel() stops done() from being called (the caller decided
 *	without DNS); the request is freed when c-ares lets go of it.
 *	hostname_valid() says whether a PTR name is a syntactically valid
 *	host name (RFC 1123 labels).
 *
 *	resolve_a() asks for the A records of name (DNSBL queries) and calls
 *	done(arg, status, addrs, n, ttl) once, from the event loop: status 0
 *	with n answers and their smallest TTL, -ENOENT when the name or
 *	record does not exist, -EAGAIN on a failure or timeout, -ECANCELED
 *	when the resolver is freed.
 *
 *	resolve_stats() counts the queries r sent and their outcomes
 *	(answered, timed out, failed), for mxgated's counters.
 *
 *	resolve_a_outcome() is the status resolve_a() reports for c-ares's
 *	status and the number of A records parsed: an answer with zero
 *	records is -ENOENT (no such record), never a success.
 *
 *	resolve_query_a() is resolve_a() for dnsbl_new(), which takes an
 *	untyped handle.
 *
 *	resolve_query_raw() asks for the records of any type (a T_* number)
 *	of name and calls answer(arg, status, abuf, alen) once, from the
 *	event loop, never from inside the call: status 0 with the raw
 *	answer, -ENOENT when the name or record does not exist (abuf may
 *	still be given), -EAGAIN on a failure or timeout, -ECANCELED when
 *	the resolver is freed. abuf is only valid during the call. It takes
 *	an untyped handle, as spf_new() does (spf.h: spf_query_fn).
 *
 *	resolve_free() cancels every request (done() is not called for
 *	FCrDNS requests; resolve_a() and resolve_query_raw() callers get
 *	-ECANCELED) and frees r.
 *
 *	The resolve_parse_*() functions are the step after c-ares, on the
 *	raw bytes of an answer, without a channel (the c-ares callbacks call
 *	them; the fuzz targets call them directly). resolve_parse_ptr():
 *	the PTR name of an answer about addr into name: FCRDNS_PASS (a valid
 *	host name, to be confirmed), FCRDNS_NONE (no PTR in the answer), or
 *	FCRDNS_FAIL (c-ares refused the answer, *rc != ARES_SUCCESS; or the
 *	name is not a host name, made printable in name).
 *	resolve_parse_forward(): FCRDNS_PASS when an A (IPv4 addr) or AAAA
 *	answer holds addr, else FCRDNS_FAIL; *rc is c-ares's parse status.
 *	resolve_parse_a(): at most max (and RESOLVE_ADDRS_MAX) addresses of
 *	an A answer and their smallest TTL; their number, or -1 when c-ares
 *	refuses the answer.
 */
#ifndef MXG_RESOLVE_H
#define MXG_RESOLVE_H

#include <stddef.h>
#include <linux/types.h>
#include "loop.h"
#include "mxgate.h"

enum fcrdns_status {
	FCRDNS_PASS,		/* PTR name resolves back to the address */
	FCRDNS_FAIL,		/* PTR name exists but does not confirm */
	FCRDNS_NONE,		/* no PTR record */
	FCRDNS_TEMPFAIL,	/* DNS failure: server error or timeout */
	FCRDNS_SKIPPED,		/* not asked: an address table decided */
};

#define RESOLVE_NAME_MAX 256
#define RESOLVE_ADDRS_MAX 32	/* addresses taken from one answer */

/* Queries a resolver sent, and their outcomes (c-ares's retries of one
 * query are one query). */
struct resolve_stats {
	unsigned long long sent;
	unsigned long long answered;	/* records, or none (NXDOMAIN, NODATA) */
	unsigned long long timeout;	/* no answer in time */
	unsigned long long failed;	/* SERVFAIL, REFUSED, a bad answer... */
};

struct fcrdns_result {
	enum fcrdns_status status;
	int timed_out;			/* TEMPFAIL because DNS did not answer */
	char name[RESOLVE_NAME_MAX];	/* PTR name, "" if none */
};

struct resolver;
struct resolve_req;
typedef void (*resolve_done_fn)(void *arg, const struct fcrdns_result *r);
typedef void (*resolve_a_fn)(void *arg, int status, const __u8 (*addrs)[4],
			     int n, int ttl);
typedef void (*resolve_raw_fn)(void *arg, int status, const unsigned char *abuf,
			       int alen);

struct resolver *resolve_new(struct loop *l, const char *servers, unsigned timeout_ms);
struct resolve_req *resolve_start(struct resolver *r, const struct mxg_key *addr,
				  resolve_done_fn done, void *arg);
void resolve_cancel(struct resolve_req *req);
void resolve_a(struct resolver *r, const char *name, resolve_a_fn done, void *arg);
void resolve_free(struct resolver *r);
const struct resolve_stats *resolve_stats(const struct resolver *r);
void resolve_query_a(void *resolver, const char *name, resolve_a_fn done, void *arg);
void resolve_query_raw(void *resolver, const char *name, int type,
		       resolve_raw_fn answer, void *arg);
int resolve_a_outcome(int ares_status, int n_parsed);
const char *fcrdns_name(enum fcrdns_status s);
int hostname_valid(const char *name);
enum fcrdns_status resolve_parse_ptr(const unsigned char *abuf, int alen,
				     const struct mxg_key *addr, char *name,
				     size_t len, int *rc);
enum fcrdns_status resolve_parse_forward(const unsigned char *abuf, int alen,
					 const struct mxg_key *addr, int *rc);
int resolve_parse_a(const unsigned char *abuf, int alen, __u8 (*addrs)[4],
		    int max, int *ttl);

#endif /* MXG_RESOLVE_H */
