/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dnsbl.c - weighted DNSBL/DNSWL queries; see dnsbl.h for the contract.
 *
 * A request counts its outstanding queries; it is freed when the last
 * answer is in, even after a cancel, because c-ares still calls back.
 * A score known at once (every list answered from the cache, or no list
 * in use) is still delivered from the event loop, through a zero-delay
 * timer: one code path for every caller, as postscreen_dnsbl.c does.
 * dnsbl_configure() may run again (reload): queries carry the generation of
 * the site list they were sent for, and older answers count for nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "dnsbl.h"
#include "dnsbl_sites.h"
#include "clock.h"
#include "log.h"
#include "resolve.h"

#define CACHE_SLOTS	8192		/* power of two; a cache, not a table */

struct site_state {
	struct dnsbl_site spec;		/* zone, filter, weight */
	int healthy;			/* used for clients */
	int probe_pending;		/* probe answers still to come */
	int probe_ok;			/* both probe answers as expected */
	char probe_why[128];		/* why the last probe failed */
	struct msg_limit error_log;	/* its error codes: a line in 10 s */
};

#define ERROR_LOG_INTERVAL_NS	(10 * NS_PER_S)

struct dnsbl_req {
	struct dnsbl *owner;		/* the lists it was sent for */
	struct mxg_key client;
	dnsbl_done_fn done;		/* NULL once cancelled */
	void *arg;
	int outstanding;		/* queries still to answer */
	int score;			/* weights of the lists that listed */
	struct dnsbl_req *next_ready;	/* answered at once: delivered later */
};

struct query {
	struct dnsbl *owner;		/* the module instance */
	struct dnsbl_req *req;		/* NULL for a health probe */
	int site;			/* index in sites */
	int probe_listed;		/* probe: 127.0.0.2 (1) or .1 (0) */
	unsigned generation;		/* of the site list it was sent for */
};

struct cache_entry {
	struct mxg_key client;
	int site;			/* -1: unused */
	int listed;			/* the list listed the client */
	__u64 expires_ns;
};

struct dnsbl {
	struct site_state sites[DNSBL_MAX_SITES];
	int n_sites;
	unsigned min_ttl, max_ttl;	/* answer cache clamp, seconds */
	struct cache_entry *cache;	/* CACHE_SLOTS entries */
	unsigned generation;		/* bumped by every dnsbl_configure */
	dnsbl_query_fn query;		/* sends an A query (resolve_a) */
	void *query_ctx;		/* its first argument */
	struct loop *loop;
	struct loop_timer probe_timer;	/* the next health probe */
	struct loop_timer deliver;	/* requests answered at once */
	struct dnsbl_req *ready;	/* ... waiting for it */
};

/* cache_slot - where (client, site) lives in the cache */
static struct cache_entry *cache_slot(struct dnsbl *d, const struct mxg_key *k, int site)
{
	__u32 h = 2166136261u;

	for (unsigned i = 0; i < sizeof(k->addr); i++)
		h = (h ^ k->addr[i]) * 16777619u;
	h = (h ^ (__u32)site) * 16777619u;
	return &d->cache[h & (CACHE_SLOTS - 1)];
}

/* cache_put - remember a list's answer for its TTL, clamped */
static void cache_put(struct dnsbl *d, const struct mxg_key *k, int site, int listed, int ttl)
{
	struct cache_entry *e = cache_slot(d, k, site);
	unsigned t = dnsbl_clamp_ttl(ttl, d->min_ttl, d->max_ttl);

	e->client = *k;
	e->site = site;
	e->listed = listed;
	e->expires_ns = now_ns() + t * NS_PER_S;
}

/* cache_get - 1 listed, 0 not listed, -1 not cached */
static int cache_get(struct dnsbl *d, const struct mxg_key *k, int site)
{
	struct cache_entry *e = cache_slot(d, k, site);

	if (e->site != site || memcmp(&e->client, k, sizeof(*k)) ||
	    e->expires_ns <= now_ns())
		return -1;
	return e->listed;
}

/* listed_in - does an answer list the client at this site? logs errors */
static int listed_in(struct site_state *s, const struct mxg_key *k,
		     const __u8 (*addrs)[4], int n)
{
	char client[ADDR_STRLEN];
	int listed = 0;
	long long more;

	for (int i = 0; i < n; i++) {
		if (!dnsbl_answer_valid(addrs[i])) {
			/* Said for every client, it would flood the log. */
			more = msg_limit(&s->error_log, now_ns(), ERROR_LOG_INTERVAL_NS);
			if (more < 0)
				continue;
			addr_format(k, client, sizeof(client));
			msg_warn("dnsbl: %s answered %u.%u.%u.%u for client=%s: "
				 "an error code, not a listing (%lld more since the "
				 "last line)", s->spec.zone, addrs[i][0], addrs[i][1],
				 addrs[i][2], addrs[i][3], client, more);
			continue;
		}
		if (dnsbl_filter_match(&s->spec, addrs[i]))
			listed = 1;
	}
	return listed;
}

/* probe_answer - one half of a health probe */
static void probe_answer(struct query *q, int status, const __u8 (*addrs)[4], int n)
{
	struct site_state *s = &q->owner->sites[q->site];
	int valid = 0, ok;

	for (int i = 0; i < n; i++)
		valid |= dnsbl_answer_valid(addrs[i]);
	ok = q->probe_listed ? status == 0 && valid : status == -ENOENT;
	if (!ok)
		snprintf(s->probe_why, sizeof(s->probe_why), "127.0.0.%d %s",
			 q->probe_listed ? 2 : 1,
			 q->probe_listed ? (status == 0 ? "answered with an error code"
					    : "is not listed or did not answer")
					 : (status == 0 ? "is listed (lists everything?)"
					    : "did not answer"));
	s->probe_ok &= ok;
	if (--s->probe_pending > 0)
		return;
	if (s->probe_ok && !s->healthy)
		msg_info("dnsbl: %s passes its probe; in use", s->spec.zone);
	if (!s->probe_ok && (s->healthy || s->probe_why[0]))
		msg_warn("dnsbl: %s set aside: %s", s->spec.zone, s->probe_why);
	s->healthy = s->probe_ok;
}

/* answer - an A answer for a client query or a probe */
static void answer(void *arg, int status, const __u8 (*addrs)[4], int n, int ttl)
{
	struct query *q = arg;
	struct dnsbl *d = q->owner;
	struct dnsbl_req *req = q->req;
	int listed;

	if (status == -ECANCELED) {
		if (req && --req->outstanding == 0)
			free(req);
		free(q);
		return;
	}
	/* Sent before a reload: its site index means another list now. */
	if (q->generation != d->generation)
		status = -EAGAIN;
	/* A success with no address is no record (resolve_a_outcome() says
	 * so too): never a listing, never a listed probe. */
	if (status == 0 && n <= 0)
		status = -ENOENT;
	if (!req) {
		if (q->generation == d->generation)
			probe_answer(q, status, addrs, n);
		free(q);
		return;
	}
	if (status == 0 || status == -ENOENT) {
		listed = status == 0 &&
			listed_in(&d->sites[q->site], &req->client, addrs, n);
		cache_put(d, &req->client, q->site, listed, status == 0 ? ttl : 0);
		if (listed)
			req->score += d->sites[q->site].spec.weight;
	}
	free(q);
	if (--req->outstanding > 0)
		return;
	if (req->done)
		req->done(req->arg, req->score);
	free(req);
}

/* probe - ask every list about 127.0.0.2 and 127.0.0.1 */
static void probe(struct dnsbl *d)
{
	static const struct mxg_key lo2 = { .addr = { [10] = 0xff, [11] = 0xff,
		[12] = 127, [15] = 2 }, .plen = 128 };
	char name[DNSBL_ZONE_MAX + 80];

	for (int i = 0; i < d->n_sites; i++) {
		if (d->sites[i].probe_pending)
			continue;
		d->sites[i].probe_pending = 2;
		d->sites[i].probe_ok = 1;
		for (int listed = 1; listed >= 0; listed--) {
			struct query *q = calloc(1, sizeof(*q));
			struct mxg_key k = lo2;

			if (!q) {
				d->sites[i].probe_pending--;
				d->sites[i].probe_ok = 0;
				continue;
			}
			k.addr[15] = listed ? 2 : 1;
			q->owner = d;
			q->site = i;
			q->generation = d->generation;
			q->probe_listed = listed;
			addr_reverse_name(&k, d->sites[i].spec.zone, name, sizeof(name));
			d->query(d->query_ctx, name, answer, q);
		}
	}
}

/* on_probe_timer - probe every list, then again in DNSBL_PROBE_INTERVAL_S */
static void on_probe_timer(void *ctx)
{
	struct dnsbl *d = ctx;

	if (!d->n_sites)
		return;
	probe(d);
	loop_timer_set(d->loop, &d->probe_timer,
		       now_ns() + DNSBL_PROBE_INTERVAL_S * NS_PER_S);
}

/* deliver_ready - scores known at dnsbl_start(), from the event loop */
static void deliver_ready(void *ctx)
{
	struct dnsbl *d = ctx;

	while (d->ready) {
		struct dnsbl_req *req = d->ready;

		d->ready = req->next_ready;
		if (req->done)
			req->done(req->arg, req->score);
		free(req);
	}
}

/* dnsbl_new - the module, sending its queries through query(query_ctx, ...) */
struct dnsbl *dnsbl_new(struct loop *l, dnsbl_query_fn query, void *query_ctx)
{
	struct dnsbl *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cache = calloc(CACHE_SLOTS, sizeof(*d->cache));
	if (!d->cache) {
		free(d);
		return NULL;
	}
	for (int i = 0; i < CACHE_SLOTS; i++)
		d->cache[i].site = -1;
	d->loop = l;
	d->query = query;
	d->query_ctx = query_ctx;
	loop_timer_init(&d->probe_timer, on_probe_timer, d);
	loop_timer_init(&d->deliver, deliver_ready, d);
	return d;
}

/* dnsbl_configure - the lists; forgets the cache and probes at once */
int dnsbl_configure(struct dnsbl *d, const char *spec, unsigned min_ttl_s,
		    unsigned max_ttl_s)
{
	struct dnsbl_site parsed[DNSBL_MAX_SITES];
	char why[256];
	int n = dnsbl_sites_parse(spec ? spec : "", parsed, DNSBL_MAX_SITES,
				  why, sizeof(why));

	if (n < 0) {
		msg_warn("dnsbl_sites: %s", why);
		return -1;
	}
	d->generation++;
	d->n_sites = n;
	memset(d->sites, 0, sizeof(d->sites));
	for (int i = 0; i < n; i++)
		d->sites[i].spec = parsed[i];
	d->min_ttl = min_ttl_s;
	d->max_ttl = max_ttl_s < min_ttl_s ? min_ttl_s : max_ttl_s;
	for (int i = 0; i < CACHE_SLOTS; i++)
		d->cache[i].site = -1;
	loop_timer_cancel(d->loop, &d->probe_timer);
	on_probe_timer(d);	/* a list is used once its first probe passed */
	return 0;
}

/* dnsbl_start - query every healthy list; the score always arrives
 * through done(), from the event loop */
struct dnsbl_req *dnsbl_start(struct dnsbl *d, const struct mxg_key *client,
			      dnsbl_done_fn done, void *arg)
{
	char name[DNSBL_ZONE_MAX + 80];
	struct dnsbl_req *req = calloc(1, sizeof(*req));

	if (!req)
		return NULL;
	req->owner = d;
	req->client = *client;
	req->done = done;
	req->arg = arg;
	req->outstanding = 1;		/* held until every query is sent */
	for (int i = 0; i < d->n_sites; i++) {
		struct query *q;
		int hit;

		if (!d->sites[i].healthy)
			continue;
		hit = cache_get(d, client, i);
		if (hit >= 0) {
			req->score += hit ? d->sites[i].spec.weight : 0;
			continue;
		}
		q = calloc(1, sizeof(*q));
		if (!q)
			continue;
		q->owner = d;
		q->req = req;
		q->site = i;
		q->generation = d->generation;
		req->outstanding++;
		addr_reverse_name(client, d->sites[i].spec.zone, name, sizeof(name));
		d->query(d->query_ctx, name, answer, q);	/* answers arrive later */
	}
	/* A fake resolver may answer inside query(): count down only now. */
	if (--req->outstanding == 0) {
		req->outstanding = 1;	/* freed by deliver_ready, not answer */
		req->next_ready = d->ready;
		d->ready = req;
		loop_timer_set(d->loop, &d->deliver, 0);
	}
	return req;
}

/* dnsbl_cancel - the score so far; done() will not be called */
int dnsbl_cancel(struct dnsbl_req *req)
{
	if (!req)
		return 0;
	req->done = NULL;
	return req->score;
}

/* dnsbl_lists - how many lists are configured */
int dnsbl_lists(const struct dnsbl *d)
{
	return d ? d->n_sites : 0;
}

/* dnsbl_probing - lists whose health probe has not answered yet */
int dnsbl_probing(const struct dnsbl *d)
{
	int n = 0;

	for (int i = 0; d && i < d->n_sites; i++)
		n += d->sites[i].probe_pending > 0;
	return n;
}

/* dnsbl_free - the module. Queries in flight free themselves when their
 * answer (or the resolver's -ECANCELED) comes: free the resolver first. */
void dnsbl_free(struct dnsbl *d)
{
	if (!d)
		return;
	d->n_sites = 0;
	deliver_ready(d);
	loop_timer_cancel(d->loop, &d->probe_timer);
	loop_timer_cancel(d->loop, &d->deliver);
	free(d->cache);
	free(d);
}
