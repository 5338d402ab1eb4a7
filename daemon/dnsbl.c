/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dnsbl.c - weighted DNSBL/DNSWL queries; see dnsbl.h for the contract.
 *
 * A request counts its outstanding queries; it is freed when the last
 * answer is in, even after a cancel, because c-ares still calls back.
 * dnsbl_init() may run again (reload): queries carry the generation of
 * the site list they were sent for, and older answers count for nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "dnsbl.h"
#include "dnsbl_sites.h"
#include "log.h"
#include "resolve.h"
#include "maps.h"

#define NS_PER_S	1000000000ULL
#define CACHE_SLOTS	8192		/* power of two; a cache, not a table */

struct site_state {
	struct dnsbl_site spec;		/* zone, filter, weight */
	int healthy;			/* used for clients */
	int probe_pending;		/* probe answers still to come */
	int probe_ok;			/* both probe answers as expected */
	char probe_why[128];		/* why the last probe failed */
};

struct dnsbl_req {
	struct mxg_key client;
	dnsbl_done_fn done;		/* NULL once cancelled */
	void *arg;
	int outstanding;		/* queries still to answer */
	int score;			/* weights of the lists that listed */
};

struct query {
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

static struct site_state sites[DNSBL_MAX_SITES];
static int n_sites;
static unsigned min_ttl, max_ttl;
static __u64 next_probe_ns;
static struct cache_entry *cache;
static unsigned generation;		/* bumped by every dnsbl_init */

/* cache_slot - where (client, site) lives in the cache */
static struct cache_entry *cache_slot(const struct mxg_key *k, int site)
{
	__u32 h = 2166136261u;

	for (unsigned i = 0; i < sizeof(k->addr); i++)
		h = (h ^ k->addr[i]) * 16777619u;
	h = (h ^ (__u32)site) * 16777619u;
	return &cache[h & (CACHE_SLOTS - 1)];
}

/* cache_put - remember a list's answer for its TTL, clamped */
static void cache_put(const struct mxg_key *k, int site, int listed, int ttl)
{
	struct cache_entry *e = cache_slot(k, site);
	unsigned t = dnsbl_clamp_ttl(ttl, min_ttl, max_ttl);

	e->client = *k;
	e->site = site;
	e->listed = listed;
	e->expires_ns = now_ns() + t * NS_PER_S;
}

/* cache_get - 1 listed, 0 not listed, -1 not cached */
static int cache_get(const struct mxg_key *k, int site)
{
	struct cache_entry *e = cache_slot(k, site);

	if (e->site != site || memcmp(&e->client, k, sizeof(*k)) ||
	    e->expires_ns <= now_ns())
		return -1;
	return e->listed;
}

/* listed_in - does an answer list the client at this site? logs errors */
static int listed_in(const struct site_state *s, const struct mxg_key *k,
		     const __u8 (*addrs)[4], int n)
{
	char client[ADDR_STRLEN];
	int listed = 0;

	for (int i = 0; i < n; i++) {
		if (!dnsbl_answer_valid(addrs[i])) {
			addr_format(k, client, sizeof(client));
			msg_warn("dnsbl: %s answered %u.%u.%u.%u for client=%s: "
				 "an error code, not a listing", s->spec.zone,
				 addrs[i][0], addrs[i][1], addrs[i][2], addrs[i][3],
				 client);
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
	struct site_state *s = &sites[q->site];
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
	struct dnsbl_req *req = q->req;
	int listed;

	if (status == -ECANCELED) {
		if (req && --req->outstanding == 0)
			free(req);
		free(q);
		return;
	}
	/* Sent before a reload: its site index means another list now. */
	if (q->generation != generation)
		status = -EAGAIN;
	if (!req) {
		if (q->generation == generation)
			probe_answer(q, status, addrs, n);
		free(q);
		return;
	}
	if (status == 0 || status == -ENOENT) {
		listed = status == 0 && listed_in(&sites[q->site], &req->client, addrs, n);
		cache_put(&req->client, q->site, listed, status == 0 ? ttl : 0);
		if (listed)
			req->score += sites[q->site].spec.weight;
	}
	free(q);
	if (--req->outstanding > 0)
		return;
	if (req->done)
		req->done(req->arg, req->score);
	free(req);
}

/* probe - ask every list about 127.0.0.2 and 127.0.0.1 */
static void probe(void)
{
	static const struct mxg_key lo2 = { .addr = { [10] = 0xff, [11] = 0xff,
		[12] = 127, [15] = 2 }, .plen = 128 };
	char name[DNSBL_ZONE_MAX + 80];

	for (int i = 0; i < n_sites; i++) {
		if (sites[i].probe_pending)
			continue;
		sites[i].probe_pending = 2;
		sites[i].probe_ok = 1;
		for (int listed = 1; listed >= 0; listed--) {
			struct query *q = calloc(1, sizeof(*q));
			struct mxg_key k = lo2;

			if (!q) {
				sites[i].probe_pending--;
				sites[i].probe_ok = 0;
				continue;
			}
			k.addr[15] = listed ? 2 : 1;
			q->site = i;
			q->generation = generation;
			q->probe_listed = listed;
			addr_reverse_name(&k, sites[i].spec.zone, name, sizeof(name));
			resolve_a(name, answer, q);
		}
	}
}

/* dnsbl_init - the lists, the cache, and a first probe */
int dnsbl_init(const char *spec, unsigned min_ttl_s, unsigned max_ttl_s)
{
	struct dnsbl_site parsed[DNSBL_MAX_SITES];
	char why[256];

	n_sites = dnsbl_sites_parse(spec ? spec : "", parsed, DNSBL_MAX_SITES,
				    why, sizeof(why));
	if (n_sites < 0) {
		msg_warn("dnsbl_sites: %s", why);
		n_sites = 0;
		return -1;
	}
	generation++;
	memset(sites, 0, sizeof(sites));
	for (int i = 0; i < n_sites; i++)
		sites[i].spec = parsed[i];
	min_ttl = min_ttl_s;
	max_ttl = max_ttl_s < min_ttl_s ? min_ttl_s : max_ttl_s;
	if (!cache)
		cache = calloc(CACHE_SLOTS, sizeof(*cache));
	if (!cache)
		return -1;
	for (int i = 0; i < CACHE_SLOTS; i++)
		cache[i].site = -1;
	next_probe_ns = 0;
	return 0;
}

/* dnsbl_tick - probe the lists when it is time */
void dnsbl_tick(__u64 now)
{
	if (!n_sites || now < next_probe_ns)
		return;
	next_probe_ns = now + DNSBL_PROBE_INTERVAL_S * NS_PER_S;
	probe();
}

/* dnsbl_start - query every healthy list, or answer from the cache */
int dnsbl_start(const struct mxg_key *client, dnsbl_done_fn done, void *arg,
		struct dnsbl_req **reqp, int *score)
{
	char name[DNSBL_ZONE_MAX + 80];
	struct dnsbl_req *req;

	*reqp = NULL;
	*score = 0;
	req = calloc(1, sizeof(*req));
	if (!req)
		return 0;
	req->client = *client;
	req->done = done;
	req->arg = arg;
	req->outstanding = 1;		/* held until every query is sent */
	for (int i = 0; i < n_sites; i++) {
		struct query *q;
		int hit;

		if (!sites[i].healthy)
			continue;
		hit = cache_get(client, i);
		if (hit >= 0) {
			req->score += hit ? sites[i].spec.weight : 0;
			continue;
		}
		q = calloc(1, sizeof(*q));
		if (!q)
			continue;
		q->req = req;
		q->site = i;
		q->generation = generation;
		req->outstanding++;
		addr_reverse_name(client, sites[i].spec.zone, name, sizeof(name));
		resolve_a(name, answer, q);	/* answers arrive later */
	}
	if (--req->outstanding == 0) {
		*score = req->score;
		free(req);
		return 0;
	}
	*reqp = req;
	return 1;
}

/* dnsbl_cancel - the score so far; done() will not be called */
int dnsbl_cancel(struct dnsbl_req *req)
{
	if (!req)
		return 0;
	req->done = NULL;
	return req->score;
}

/* dnsbl_probing - lists whose health probe has not answered yet */
int dnsbl_probing(void)
{
	int n = 0;

	for (int i = 0; i < n_sites; i++)
		n += sites[i].probe_pending > 0;
	return n;
}

/* dnsbl_free - the cache (requests free themselves) */
void dnsbl_free(void)
{
	free(cache);
	cache = NULL;
	n_sites = 0;
}
