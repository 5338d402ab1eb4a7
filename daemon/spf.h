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
 *	microseconds; only the queries wait. libspf2 stops at the first
 *	name it lacks, so a record read from the cache has the names its
 *	terms will need asked for at once: a tree of includes costs a
 *	round a level, not a round a name.
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
 *	the sender has no valid domain (no '@', not a host name of two
 *	labels or more, or a local part of 256 bytes or more), or
 *	p->max_checks checks are already in flight (counted in busy), or a
 *	check for the same client and domain is in flight (counted in
 *	joined: its answer serves). done() must not call spf_free().
 *
 *	The outcome is libspf2's (1.2.10), which differs from RFC 7208 in
 *	places: a loopback client passes without DNS; redirect= is followed
 *	where it stands in the record, even in one with an "all"; a
 *	cidr-length of 0 makes the record a permerror; mechanisms past 511
 *	bytes of its compiled record are dropped without a word; the limit
 *	of 10 lookups is counted per record, and void lookups are not. The
 *	explanation of a failure is never fetched. rounds counts the runs of
 *	check_host() and of the pool walk.
 *
 *	The answer names client, domain and the outcome. On
 *	SPF_OUTCOME_PASS it also carries the domain's pool: the networks the
 *	domain's record authorises that can be listed without a client in
 *	hand. The record is walked term by term: ip4, ip6, a, mx, include
 *	and redirect with a pass qualifier give networks (a and mx with
 *	their cidr-lengths, from both A and AAAA records; include's are its
 *	record's pool, and an include whose own walk ended before its end
 *	or its "all" ends this one too); redirect only when the record has
 *	no "all" and no mechanism after it, where libspf2's reading and RFC
 *	7208's agree. A pass-qualified exists or ptr is skipped (skipping a
 *	way to pass never lists an address that would not pass; an exists
 *	without a macro is looked up, and a failure ends the walk). Any
 *	term with another qualifier, or with a macro in it, ends the walk
 *	(what follows it may be shadowed), and so does the end of what
 *	libspf2 keeps of a long record. A network wider than p->widest_v4
 *	(IPv4 prefix length) or p->widest_v6 is left out, and so are "all"
 *	and any /0: a domain cannot vouch for the Internet; so is an ip6
 *	network that touches ::ffff:0:0/96, where the keys of IPv4 clients
 *	live. At most SPF_POOL_MAX networks; lookups count against RFC
 *	7208's limit of 10 over the whole walk, and past its 2 void
 *	lookups (no such name or record) of a family, networks of that
 *	family are no longer listed. Every network in the pool passes
 *	check_host() for this domain, as DNS stood during the check (save
 *	for a DNS failure of what depends on the client: its PTR, for a
 *	ptr term). Should SPF_MAX_ROUNDS end a pass's walk, the pool is
 *	what it found before the first name it lacked.
 *
 *	Cache: answers are kept for their TTL, at most SPF_CACHE_TTL_MAX
 *	seconds (and for the rest of a check that saw them come, whatever
 *	their TTL), SPF_CACHE_MAX entries (the oldest go first, never one a
 *	check waits for); "none" is kept for the negative TTL of the SOA
 *	that comes with it (SPF_CACHE_FAIL_TTL without one); a
 *	failure (server failure, timeout, an answer that does not parse) is
 *	kept for SPF_CACHE_FAIL_TTL seconds so that a broken domain is not
 *	asked again at once. Of a TXT answer only the SPF records are kept;
 *	one longer than 4096 bytes is kept as a broken one (permerror).
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
	unsigned rounds;		/* check_host() runs and pool walks */
	char why[128];			/* libspf2's text for an error (or
					 * ours: rounds), printable; or "" */
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
