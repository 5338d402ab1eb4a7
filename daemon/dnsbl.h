/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dnsbl - weighted DNS block and allow lists, queried in parallel
 * SYNOPSIS
 *	int dnsbl_init(const char *spec, unsigned min_ttl_s, unsigned max_ttl_s);
 *	int dnsbl_start(const struct mxg_key *client, dnsbl_done_fn done,
 *			void *arg, struct dnsbl_req **req, int *score);
 *	int dnsbl_cancel(struct dnsbl_req *req);
 *	void dnsbl_tick(__u64 now_ns);
 *	int dnsbl_probing(void);
 *	void dnsbl_free(void);
 * DESCRIPTION
 *	dnsbl_init() takes the dnsbl_sites specification (dnsbl_sites.h),
 *	already validated by the configuration; called again, it replaces
 *	the lists (a reload) and forgets the cache. Every list is probed at
 *	once and then every DNSBL_PROBE_INTERVAL_S seconds (dnsbl_tick()):
 *	127.0.0.2 must be listed and 127.0.0.1 must not. A list that fails
 *	(e.g. one answering 127.0.0.2 for everything, or refusing us) is set
 *	aside and logged, and used again once a probe passes. A list is not
 *	used before its first probe passes; dnsbl_probing() counts the lists
 *	whose probe is still out.
 *
 *	dnsbl_start() queries every healthy list for client at once. Answers
 *	outside 127.0.0.0/8 and 127.255.255.0/24 are logged as errors, never
 *	counted. Each list adds its weight once when it lists the client
 *	(through its filter). Results are cached per client and list for
 *	their TTL, clamped to [min_ttl_s, max_ttl_s] (misses: min_ttl_s).
 *	When everything came from the cache, it returns 0 with the sum in
 *	*score; otherwise 1, and done(arg, score) follows once, later, from
 *	the event loop. dnsbl_cancel() returns the score so far and stops
 *	done() from being called.
 */
#ifndef MXG_DNSBL_H
#define MXG_DNSBL_H

#include <linux/types.h>
#include "mxgate.h"

#define DNSBL_PROBE_INTERVAL_S	300

struct dnsbl_req;
typedef void (*dnsbl_done_fn)(void *arg, int score);

int dnsbl_init(const char *spec, unsigned min_ttl_s, unsigned max_ttl_s);
int dnsbl_start(const struct mxg_key *client, dnsbl_done_fn done, void *arg,
		struct dnsbl_req **req, int *score);
int dnsbl_cancel(struct dnsbl_req *req);
void dnsbl_tick(__u64 now_ns);
int dnsbl_probing(void);
void dnsbl_free(void);

#endif /* MXG_DNSBL_H */
