/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	spf - does a sender's domain authorise the client? (libspf2, fed by
 *	c-ares, never blocking the event loop)
 * SYNOPSIS
 *	struct spf *spf_new(struct loop *l, const struct spf_params *p,
 *			    spf_query_fn query, void *query_ctx,
 *			    spf_done_fn done, void *ctx);
 *	int spf_check(struct spf *s, const struct mxg_key *client,
 *		      const char *sender, const char *helo);
 *	const struct spf_stats *spf_stats(const struct spf *s);
 *	const char *spf_outcome_name(enum spf_outcome o);
 *	void spf_free(struct spf *s);
 * DESCRIPTION
 *	The responder sees the MAIL FROM of every greylisted client. When
 *	the sender's domain publishes an SPF record that authorises the
 *	client, the greylist clock can be kept for the domain's pool rather
 *	than for the address (sender.h). This module answers the question.
 *
 *	check_host() (RFC 7208) is libspf2's. libspf2 looks names up with
 *	blocking calls, so it is never allowed to: its DNS layer answers
 *	only from this module's cache. A lookup the cache cannot answer is
 *	noted and answered "try again"; the evaluation (which then ends in
 *	temperror) is thrown away, the noted names are asked through
 *	query() on the event loop, and the evaluation is run again when
 *	they are answered, until it needs nothing new (at most
 *	SPF_MAX_ROUNDS rounds; more is temperror). Each run costs
 *	microseconds; only the queries wait.
 *
 *	spf_new() makes the module. Every DNS query goes through
 *	query(query_ctx, name, type, answer, arg) (resolve_query_raw()'s
 *	contract, resolve.h: answer(arg, status, abuf, alen) is called once,
 *	from the event loop). NULL on failure (logged).
 *
 *	spf_check() starts a check of client (a map key: IPv4 mapped, plen
 *	128) for sender (the MAIL FROM address, "local@domain"; the domain
 *	is what is checked, lower-cased) with helo (the HELO/EHLO name, may
 *	be "" or NULL). It returns 0 and done(ctx, answer) is called once,
 *	later, from the event loop; or -1, and done() is never called, when
 *	the sender has no valid domain (no '@', not a host name), or
 *	p->max_checks checks are already in flight (counted in busy), or a
 *	check for the same client and domain is in flight (counted in
 *	joined: its answer serves).
 *
 *	The answer names client, domain and the outcome. On
 *	SPF_OUTCOME_PASS it also carries the domain's pool: the networks the
 *	domain's record authorises that can be listed without a client in
 *	hand. The record is walked term by term: ip4, ip6, a, mx, include
 *	and redirect (redirect only when the record has no "all") with a
 *	pass qualifier give networks (a and mx with their cidr-lengths;
 *	include's are its record's pool); a pass-qualified exists or ptr is
 *	skipped (skipping a way to pass never lists an address that would
 *	not pass); any term with another qualifier, or with a macro in it,
 *	ends the walk (what follows it may be shadowed). A network wider
 *	than p->widest_v4 (IPv4 prefix length) or p->widest_v6 is left out,
 *	and so is "all": a domain cannot vouch for the Internet. At most
 *	SPF_POOL_MAX networks; lookups count against RFC 7208's limit of
 *	10. Every network in the pool passes check_host() for this domain,
 *	as DNS stood during the check.
 *
 *	Cache: answers are kept for their TTL, at most SPF_CACHE_TTL_MAX
 *	seconds, SPF_CACHE_MAX entries (the oldest go first); a failure
 *	(server failure, timeout) is kept for SPF_CACHE_FAIL_TTL seconds so
 *	that a broken domain is not asked again at once.
 *
 *	spf_free() frees the module: checks in flight are dropped (done()
 *	is not called); free the resolver query() uses after it.
 */
#ifndef MXG_SPF_H
#define MXG_SPF_H

#include <stddef.h>
#include <linux/types.h>
#include "loop.h"
#include "mxgate.h"

#define SPF_POOL_MAX		32	/* networks in one domain's pool */
#define SPF_MAX_ROUNDS		24	/* evaluations of one check */
#define SPF_CACHE_MAX		4096	/* cached answers */
#define SPF_CACHE_TTL_MAX	300	/* seconds an answer is kept, at most */
#define SPF_CACHE_FAIL_TTL	30	/* seconds a failed query is kept */
#define SPF_DOMAIN_MAX		256	/* bytes of a domain, NUL included */

enum spf_outcome {
	SPF_OUTCOME_PASS,
	SPF_OUTCOME_FAIL,
	SPF_OUTCOME_SOFTFAIL,
	SPF_OUTCOME_NEUTRAL,
	SPF_OUTCOME_NONE,	/* no SPF record */
	SPF_OUTCOME_TEMPERROR,	/* DNS failed, or too many rounds */
	SPF_OUTCOME_PERMERROR,	/* a broken record */
	SPF_OUTCOME_MAX
};

struct spf_answer {
	struct mxg_key client;
	char domain[SPF_DOMAIN_MAX];	/* lower-case */
	enum spf_outcome outcome;
	unsigned n_pool;		/* PASS only */
	struct mxg_key pool[SPF_POOL_MAX]; /* address masked to plen; IPv4
					    * mapped: plen 96 + prefix */
	unsigned queries;		/* DNS queries this check sent */
	unsigned rounds;		/* evaluations run */
	char why[128];			/* libspf2's text for an error, or "" */
};

struct spf_stats {
	unsigned long long checks;	/* started */
	unsigned long long outcome[SPF_OUTCOME_MAX];
	unsigned long long busy;	/* refused: max_checks in flight */
	unsigned long long joined;	/* same client and domain in flight */
	unsigned long long queries;	/* DNS queries sent */
	unsigned long long cache_hits;	/* lookups answered from the cache */
};

struct spf_params {
	unsigned widest_v4;		/* shortest IPv4 prefix in a pool */
	unsigned widest_v6;		/* shortest IPv6 prefix in a pool */
	unsigned max_checks;		/* in flight at once */
};

typedef void (*spf_done_fn)(void *ctx, const struct spf_answer *a);
/* status 0 and the raw answer; -ENOENT: NXDOMAIN or no record of the
 * type (abuf may still be given); -EAGAIN: failure or timeout;
 * -ECANCELED: the resolver is going away */
typedef void (*spf_answer_fn)(void *arg, int status, const unsigned char *abuf,
			      int alen);
typedef void (*spf_query_fn)(void *query_ctx, const char *name, int type,
			     spf_answer_fn answer, void *arg);

struct spf;

struct spf *spf_new(struct loop *l, const struct spf_params *p, spf_query_fn query,
		    void *query_ctx, spf_done_fn done, void *ctx);
int spf_check(struct spf *s, const struct mxg_key *client, const char *sender,
	      const char *helo);
const struct spf_stats *spf_stats(const struct spf *s);
const char *spf_outcome_name(enum spf_outcome o);
void spf_free(struct spf *s);

#endif /* MXG_SPF_H */
