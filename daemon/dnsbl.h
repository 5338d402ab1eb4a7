/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dnsbl - weighted DNS block and allow lists, queried in parallel
 * SYNOPSIS
 *	struct dnsbl *dnsbl_new(struct loop *l, dnsbl_query_fn query,
 *				void *query_ctx);
 *	int dnsbl_configure(struct dnsbl *d, const char *spec,
 *			    unsigned min_ttl_s, unsigned max_ttl_s);
 *	struct dnsbl_req *dnsbl_start(struct dnsbl *d,
 *			const struct mxg_key *client, dnsbl_done_fn done,
 *			void *arg);
 *	int dnsbl_cancel(struct dnsbl_req *req);
 *	int dnsbl_lists(const struct dnsbl *d);
 *	int dnsbl_probing(const struct dnsbl *d);
 *	void dnsbl_free(struct dnsbl *d);
 * DESCRIPTION
 *	dnsbl_new() makes the module; it sends every A query through
 *	query(query_ctx, name, answer, arg), which has resolve_a()'s contract
 *	(resolve.h; a test passes a surrogate). Timers run on loop l.
 *
 *	dnsbl_configure() takes the dnsbl_sites specification (dnsbl_sites.h),
 *	already validated by the configuration; called again, it replaces
 *	the lists (a reload) and forgets the cache. Every list is probed at
 *	once and then every DNSBL_PROBE_INTERVAL_S seconds: 127.0.0.2 must be
 *	listed and 127.0.0.1 must not. A list that fails (e.g. one answering
 *	127.0.0.2 for everything, or refusing us) is set aside and logged,
 *	and used again once a probe passes. A list is not used before its
 *	first probe passes; dnsbl_probing() counts the lists whose probe is
 *	still out, dnsbl_lists() the lists configured.
 *
 *	dnsbl_start() queries every healthy list for client at once. Answers
 *	outside 127.0.0.0/8 and 127.255.255.0/24 are logged as errors, never
 *	counted. Each list adds its weight once when it lists the client
 *	(through its filter). Results are cached per client and list for
 *	their TTL, clamped to [min_ttl_s, max_ttl_s] (misses: min_ttl_s).
 *	done(arg, score) is called exactly once, always from the event loop,
 *	never from inside dnsbl_start(), even when every answer came from
 *	the cache. NULL means out of memory (no callback will come).
 *	dnsbl_cancel() returns the score so far and stops done() from being
 *	called.
 *
 *	dnsbl_free() frees the module: free the resolver that query() uses
 *	first, so that queries in flight are answered (cancelled) and freed.
 */
#ifndef MXG_DNSBL_H
#define MXG_DNSBL_H

#include <linux/types.h>
#include "loop.h"
#include "mxgate.h"
#include "resolve.h"

#define DNSBL_PROBE_INTERVAL_S	300

struct dnsbl;
struct dnsbl_req;
typedef void (*dnsbl_done_fn)(void *arg, int score);
typedef void (*dnsbl_query_fn)(void *ctx, const char *name, resolve_a_fn answer,
			       void *arg);

struct dnsbl *dnsbl_new(struct loop *l, dnsbl_query_fn query, void *query_ctx);
int dnsbl_configure(struct dnsbl *d, const char *spec, unsigned min_ttl_s,
		    unsigned max_ttl_s);
struct dnsbl_req *dnsbl_start(struct dnsbl *d, const struct mxg_key *client,
			      dnsbl_done_fn done, void *arg);
int dnsbl_cancel(struct dnsbl_req *req);
int dnsbl_lists(const struct dnsbl *d);
int dnsbl_probing(const struct dnsbl *d);
void dnsbl_free(struct dnsbl *d);

#endif /* MXG_DNSBL_H */
