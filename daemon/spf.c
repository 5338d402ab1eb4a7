/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spf.c - SPF checks with libspf2 fed from our own cache; see spf.h for
 * the contract.
 *
 * Three parts, in this order:
 *  - the cache: DNS answers by (name, type), read by spf_parse.c from
 *    the raw bytes query() hands back. An entry is pending while its
 *    query is out and lists the checks that wait for it.
 *  - the DNS layer libspf2 is given (an SPF_dns_server_t): it answers
 *    from the cache only. A name the cache lacks is noted in the check
 *    ("wanted") and answered TRY_AGAIN. libspf2 then ends in temperror
 *    at once (every TRY_AGAIN in a, mx, ptr, exists, include and
 *    redirect does), and that result is thrown away. Every lookup gets
 *    a copy it frees; the layer is ours (no destroy: SPF_server_free()
 *    leaves it to us).
 *  - the checks: a check runs in rounds, always from the event loop (a
 *    zero-delay timer): evaluate; if something was wanted, ask for it,
 *    wait for the answers, evaluate again. On a pass the pool walker
 *    reads the domain's record the same way.
 *
 * Because libspf2 stops at the first name it lacks, a record read from
 * the cache also has the names it names asked for in the same round
 * ("asking ahead"): a tree of includes costs a round per level, not one
 * per name. The walker, which is ours, goes on past a name it lacks, so
 * that it too asks for a whole level at once.
 *
 * libspf2's own rules that matter here (1.2.10, read in its source and
 * checked by the unit tests): redirect= is evaluated where it stands in
 * the record, like a mechanism, and also when the record has an "all";
 * the limit of 10 lookups is counted per record, not over the includes;
 * there is no limit on void lookups; a loopback client passes without
 * DNS; the explanation of a failure is looked up in DNS unless the layer
 * says otherwise (ours does: no explanation is ever fetched); and it
 * drops, without a word, the mechanisms past 511 bytes of a compiled
 * record, so the walker compiles each record with libspf2 too and stops
 * where libspf2's copy ends.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spf2/spf.h>
#include "addr.h"
#include "clock.h"
#include "log.h"
#include "resolve.h"
#include "spf.h"
#include "spf_parse.h"

#define CACHE_BUCKETS	8192	/* power of two */
#define WANT_MAX	32	/* names one round may ask for */
#define AHEAD_MAX	64	/* names one check may ask for ahead */
#define LOOKUP_LIMIT	10	/* RFC 7208 4.6.4: terms that look up */
#define MX_LIMIT	10	/* RFC 7208 4.6.4: MX names looked at */
#define VOID_LIMIT	2	/* RFC 7208 4.6.4: lookups finding nothing */
#define LOCAL_MAX	256	/* bytes of a sender's local part, NUL included */

/* ---------------------------------------------------------------- */
/* The cache                                                        */
/* ---------------------------------------------------------------- */

enum entry_state {
	E_PENDING,			/* its query is out */
	E_OK,				/* records */
	E_NONE,				/* no such name, or no record of the type */
	E_FAIL,				/* the query failed or timed out */
};

struct check;

struct waiter {
	struct check *check;		/* waits for the entry's answer */
	struct waiter *next;
};

struct entry {
	struct entry *hash_next;	/* its bucket's chain */
	struct entry *older, *newer;	/* the age list, oldest evicted first */
	int type;			/* ns_t_* */
	enum entry_state state;
	__u64 answered_ns;		/* when the answer came */
	__u64 expires_ns;		/* answered_ns + its TTL */
	unsigned n;			/* records, E_OK */
	char **rr;			/* each 4 (A), 16 (AAAA) bytes or a string */
	struct waiter *waiters;		/* checks waiting, while pending */
	struct query *query;		/* the query out, while pending */
	char name[];			/* lower-case, no trailing dot */
};

/* One query out. It outlives the module: the resolver answers (or
 * cancels) after spf_free(), which only lets go of it (owner NULL). */
struct query {
	struct spf *owner;		/* NULL once spf_free() let go */
	struct entry *entry;		/* what the answer fills */
	struct query *prev, *next;	/* the owner's queries out */
};

struct want {
	char name[SPF_DOMAIN_MAX];	/* normalised */
	int type;
	int needed;			/* the round cannot finish without it */
};

enum phase {
	PHASE_EVAL,			/* libspf2's check_host() */
	PHASE_POOL,			/* our walk of a passing domain's record */
};

struct check {
	struct spf *owner;
	struct check *prev, *next;	/* the checks in flight */
	struct check *next_ready;	/* the run list */
	int ready;			/* on it */
	struct spf_answer answer;	/* filled as the check goes */
	char sender[LOCAL_MAX + SPF_DOMAIN_MAX]; /* local@domain */
	char helo[SPF_DOMAIN_MAX];	/* "" when none was usable */
	int v4;				/* an IPv4 client */
	__u64 started_ns;		/* what was answered since is fresh */
	enum phase phase;
	unsigned waiting;		/* answers still to come */
	struct want want[WANT_MAX];	/* this round's misses */
	unsigned n_want;
	int want_lost;			/* a needed name did not fit */
	unsigned asked_ahead;		/* names asked ahead so far */
	unsigned pool_safe;		/* pool entries found before a miss */
};

struct spf {
	struct loop *loop;
	struct spf_params params;
	spf_query_fn query;		/* sends a query (resolve_query_raw) */
	void *query_ctx;		/* its first argument */
	spf_done_fn done;		/* a check's answer */
	void *ctx;			/* its first argument */
	SPF_dns_server_t layer;		/* what libspf2 asks; hook is s */
	SPF_server_t *server;		/* libspf2's state */
	struct check *current;		/* the check libspf2 is evaluating */
	struct check *checks;		/* in flight */
	unsigned n_checks;
	struct check *ready_head, *ready_tail; /* to run */
	struct loop_timer run;		/* runs them, from the event loop */
	struct entry **buckets;		/* CACHE_BUCKETS chains */
	struct entry *oldest, *newest;	/* the age list */
	unsigned n_entries;
	struct query *queries;		/* out */
	struct spf_stats stats;
};

/* name_hash - the bucket of (name, type) */
static unsigned name_hash(const char *name, int type)
{
	__u32 h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ (__u32)type) * 16777619u;
	return h & (CACHE_BUCKETS - 1);
}

/* cache_find - the entry of (name, type), fresh or not; NULL if none */
static struct entry *cache_find(struct spf *s, const char *name, int type)
{
	struct entry *e = s->buckets[name_hash(name, type)];

	while (e && (e->type != type || strcmp(e->name, name)))
		e = e->hash_next;
	return e;
}

/* entry_fresh - may check c use e? Pending entries are waited for; an
 * answer is used while its TTL lasts, and for the rest of a check that
 * saw it come (a TTL of 0 must not make a check ask forever). */
static int entry_fresh(const struct entry *e, const struct check *c)
{
	return e->state == E_PENDING || e->expires_ns > now_ns() ||
	       e->answered_ns >= c->started_ns;
}

/* rr_free - the records of an entry */
static void rr_free(struct entry *e)
{
	for (unsigned i = 0; i < e->n; i++)
		free(e->rr[i]);
	free(e->rr);
	e->rr = NULL;
	e->n = 0;
}

/* age_unlink - e out of the age list */
static void age_unlink(struct spf *s, struct entry *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	e->older = e->newer = NULL;
}

/* age_push - e becomes the newest entry */
static void age_push(struct spf *s, struct entry *e)
{
	e->older = s->newest;
	e->newer = NULL;
	if (s->newest)
		s->newest->newer = e;
	else
		s->oldest = e;
	s->newest = e;
}

/* entry_free - e out of the cache, freed (its waiters too) */
static void entry_free(struct spf *s, struct entry *e)
{
	struct entry **pp = &s->buckets[name_hash(e->name, e->type)];

	while (*pp != e)
		pp = &(*pp)->hash_next;
	*pp = e->hash_next;
	age_unlink(s, e);
	while (e->waiters) {
		struct waiter *w = e->waiters;

		e->waiters = w->next;
		free(w);
	}
	rr_free(e);
	s->n_entries--;
	free(e);
}

/* cache_evict - make room: the oldest entry no check waits for goes */
static void cache_evict(struct spf *s)
{
	for (struct entry *e = s->oldest; e; e = e->newer) {
		if (e->state != E_PENDING) {
			entry_free(s, e);
			return;
		}
	}
}

/* entry_new - a pending entry for (name, type), the newest; NULL when
 * out of memory */
static struct entry *entry_new(struct spf *s, const char *name, int type)
{
	size_t len = strlen(name) + 1;
	struct entry *e;
	unsigned b;

	if (s->n_entries >= SPF_CACHE_MAX)
		cache_evict(s);
	e = calloc(1, sizeof(*e) + len);
	if (!e)
		return NULL;
	memcpy(e->name, name, len);
	e->type = type;
	e->state = E_PENDING;
	b = name_hash(name, type);
	e->hash_next = s->buckets[b];
	s->buckets[b] = e;
	age_push(s, e);
	s->n_entries++;
	return e;
}

/* ttl_ns - seconds kept, clamped to SPF_CACHE_TTL_MAX, in ns */
static __u64 ttl_ns(long long ttl)
{
	if (ttl < 0)
		ttl = 0;
	if (ttl > SPF_CACHE_TTL_MAX)
		ttl = SPF_CACHE_TTL_MAX;
	return (__u64)ttl * NS_PER_S;
}

/* entry_fill - a query's outcome into its entry */
static void entry_fill(struct entry *e, int status, const unsigned char *abuf, int alen)
{
	struct spf_rrset set = { 0 };
	__u64 now = now_ns();
	__u64 keep = SPF_CACHE_FAIL_TTL * NS_PER_S;

	rr_free(e);
	e->state = E_FAIL;
	if (status == 0 || status == -ENOENT) {
		int bad = spf_answer_parse(abuf, alen, e->type, &set);

		if (status == 0 && bad < 0) {
			e->state = E_FAIL;	/* a broken answer: a failure */
		} else if (status == 0 && set.n) {
			e->state = E_OK;
			keep = ttl_ns(set.ttl);
		} else {
			e->state = E_NONE;
			/* No SPF record among TXT records lasts as they do;
			 * no record at all as the SOA says. */
			if (set.found)
				keep = ttl_ns(set.ttl);
			else if (set.neg_ttl >= 0)
				keep = ttl_ns(set.neg_ttl);
		}
	}
	if (e->state == E_OK && (e->rr = malloc(set.n * sizeof(*e->rr)))) {
		memcpy(e->rr, set.rr, set.n * sizeof(*e->rr));
		e->n = set.n;
	} else {
		for (unsigned i = 0; i < set.n; i++)
			free(set.rr[i]);
		if (e->state == E_OK)
			e->state = E_FAIL;	/* out of memory */
	}
	e->answered_ns = now;
	e->expires_ns = now + keep;
}

/* ---------------------------------------------------------------- */
/* Misses: what a round wants, asked for after it                   */
/* ---------------------------------------------------------------- */

/* want - note that a round lacks (name, type): needed, it must wait for
 * the answer; else it is asked ahead, for a later round */
static void want(struct check *c, const char *name, int type, int needed)
{
	struct want *w;

	for (unsigned i = 0; i < c->n_want; i++) {
		if (c->want[i].type == type && !strcmp(c->want[i].name, name)) {
			c->want[i].needed |= needed;
			return;
		}
	}
	/* Half the room is kept for names the round cannot do without. */
	if (c->n_want == WANT_MAX || (!needed && (c->n_want >= WANT_MAX / 2 ||
						  c->asked_ahead >= AHEAD_MAX))) {
		c->want_lost |= needed;
		return;
	}
	c->asked_ahead += !needed;
	w = &c->want[c->n_want++];
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->type = type;
	w->needed = needed;
}

/* cache_get - what check c may read of (name, type): the entry, or NULL
 * when it must be asked for (noted as needed). A pending entry is NULL
 * too: the round waits for it. */
static const struct entry *cache_get(struct check *c, const char *name, int type)
{
	struct entry *e = cache_find(c->owner, name, type);

	if (!e || e->state == E_PENDING || !entry_fresh(e, c)) {
		want(c, name, type, 1);
		return NULL;
	}
	c->owner->stats.cache_hits++;
	return e;
}

/* ask_ahead - (name, type) will be wanted soon: ask now if not cached */
static void ask_ahead(struct check *c, const char *name, int type)
{
	char norm[SPF_DOMAIN_MAX];
	struct entry *e;

	if (spf_name_norm(name, norm) < 0)
		return;
	e = cache_find(c->owner, norm, type);
	if (!e || !entry_fresh(e, c))
		want(c, norm, type, 0);
}

/* ---------------------------------------------------------------- */
/* Queries                                                          */
/* ---------------------------------------------------------------- */

static void make_ready(struct check *c);
static void on_answer(void *arg, int status, const unsigned char *abuf, int alen);

/* send_query - ask for e (pending) on behalf of check c */
static void send_query(struct spf *s, struct check *c, struct entry *e)
{
	struct query *q = calloc(1, sizeof(*q));

	if (!q) {
		entry_fill(e, -EAGAIN, NULL, 0);	/* a failure, kept */
		return;
	}
	q->owner = s;
	q->entry = e;
	q->next = s->queries;
	if (s->queries)
		s->queries->prev = q;
	s->queries = q;
	e->query = q;
	s->stats.queries++;
	c->answer.queries++;
	s->query(s->query_ctx, e->name, e->type, on_answer, q);
}

/* ensure - (name, type) cached or pending, asked for if need be; NULL
 * when out of memory */
static struct entry *ensure(struct spf *s, struct check *c, const char *name, int type)
{
	struct entry *e = cache_find(s, name, type);

	if (e && entry_fresh(e, c))
		return e;
	if (e) {			/* stale: asked again, the newest */
		rr_free(e);
		e->state = E_PENDING;
		age_unlink(s, e);
		age_push(s, e);
	} else if (!(e = entry_new(s, name, type))) {
		return NULL;
	}
	send_query(s, c, e);
	return e;
}

/* wait_for - check c waits for e's answer (once) */
static void wait_for(struct check *c, struct entry *e)
{
	struct waiter *w;

	for (w = e->waiters; w; w = w->next)
		if (w->check == c)
			return;
	if (!(w = calloc(1, sizeof(*w))))
		return;
	w->check = c;
	w->next = e->waiters;
	e->waiters = w;
	c->waiting++;
}

/* ask_wanted - after a round: ask for what it wanted. 1 when the check
 * must run again (it waits for answers, or it is on the run list), 0
 * when the round stands. */
static int ask_wanted(struct check *c)
{
	struct spf *s = c->owner;
	int needed = c->want_lost;

	for (unsigned i = 0; i < c->n_want; i++) {
		struct entry *e = ensure(s, c, c->want[i].name, c->want[i].type);

		if (!c->want[i].needed)
			continue;
		needed = 1;
		if (e && e->state == E_PENDING)
			wait_for(c, e);
	}
	c->n_want = 0;
	c->want_lost = 0;
	if (c->waiting)
		return 1;
	if (needed)			/* answered at once, or no memory */
		make_ready(c);
	return needed;
}

/* on_answer - a query's answer, from the event loop: into the cache, and
 * the checks that waited for it to the run list */
static void on_answer(void *arg, int status, const unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct spf *s = q->owner;
	struct entry *e = q->entry;
	struct waiter *w;

	if (!s) {			/* spf_free() let go of it */
		free(q);
		return;
	}
	if (q->prev)
		q->prev->next = q->next;
	else
		s->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	free(q);
	e->query = NULL;
	entry_fill(e, status, abuf, alen);
	w = e->waiters;
	e->waiters = NULL;
	while (w) {
		struct waiter *next = w->next;

		if (--w->check->waiting == 0)
			make_ready(w->check);
		free(w);
		w = next;
	}
}

/* ---------------------------------------------------------------- */
/* The DNS layer libspf2 asks                                       */
/* ---------------------------------------------------------------- */

/* rr_status - an answer without records for libspf2 (it frees it) */
static SPF_dns_rr_t *rr_status(SPF_dns_server_t *layer, const char *domain,
			       ns_type type, int herrno)
{
	return SPF_dns_rr_new_init(layer, domain, type, 0, herrno);
}

/* rr_copy - e's records as libspf2 wants them: a copy it frees */
static SPF_dns_rr_t *rr_copy(SPF_dns_server_t *layer, const char *domain,
			     ns_type type, const struct entry *e)
{
	SPF_dns_rr_t *rr = SPF_dns_rr_new_init(layer, domain, type, 0, NETDB_SUCCESS);

	for (unsigned i = 0; rr && i < e->n; i++) {
		size_t len = type == ns_t_a ? 4 : type == ns_t_aaaa ? 16 :
			     strlen(e->rr[i]) + 1;

		if (SPF_dns_rr_buf_realloc(rr, (int)i, len) != SPF_E_SUCCESS) {
			SPF_dns_rr_free(rr);
			return rr_status(layer, domain, type, TRY_AGAIN);
		}
		memcpy(rr->rr[i], e->rr[i], len);
		rr->num_rr = (int)i + 1;
	}
	return rr;
}

/* ahead_of_record - a record libspf2 is about to evaluate: ask for the
 * names its terms will make it look up (those without macros, the first
 * LOOKUP_LIMIT) */
static void ahead_of_record(struct check *c, const char *domain, const char *record)
{
	const char *p = spf_record_terms(record), *term;
	unsigned lookups = 0;
	struct spf_term t;
	size_t len;

	while ((term = spf_next_term(&p, &len)) && lookups < LOOKUP_LIMIT) {
		if (spf_term_parse(term, len, &t) < 0 || !spf_term_looks_up(&t))
			continue;
		lookups++;
		if (t.macro)
			continue;
		switch (t.kind) {
		case TERM_INCLUDE:
		case TERM_REDIRECT:
			ask_ahead(c, t.target, ns_t_txt);
			break;
		case TERM_A:
			ask_ahead(c, t.target[0] ? t.target : domain,
				  c->v4 ? ns_t_a : ns_t_aaaa);
			break;
		case TERM_MX:
			ask_ahead(c, t.target[0] ? t.target : domain, ns_t_mx);
			break;
		case TERM_EXISTS:
			ask_ahead(c, t.target, ns_t_a);
			break;
		default:
			break;
		}
	}
}

/* ahead_of_names - MX or PTR names libspf2 is about to look up */
static void ahead_of_names(struct check *c, const struct entry *e)
{
	for (unsigned i = 0; i < e->n && i < MX_LIMIT; i++)
		ask_ahead(c, e->rr[i], c->v4 ? ns_t_a : ns_t_aaaa);
}

/* layer_lookup - libspf2's DNS lookup: from the cache only. A miss is
 * wanted and answered TRY_AGAIN; so is a cached failure (not wanted: it
 * stands for SPF_CACHE_FAIL_TTL). */
static SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *layer, const char *domain,
				  ns_type type, int should_cache)
{
	struct spf *s = layer->hook;
	struct check *c = s->current;
	char name[SPF_DOMAIN_MAX];
	const struct entry *e;

	(void)should_cache;
	if (!c)
		return rr_status(layer, domain, type, TRY_AGAIN);
	if (spf_name_norm(domain, name) < 0)
		return rr_status(layer, domain, type, HOST_NOT_FOUND);
	/* Type 99 (SPF) is obsolete (RFC 7208 3.1): NO_DATA sends a
	 * libspf2 that asks for it first on to TXT. */
	if (type != ns_t_a && type != ns_t_aaaa && type != ns_t_mx &&
	    type != ns_t_txt && type != ns_t_ptr)
		return rr_status(layer, domain, type, NO_DATA);
	if (!(e = cache_get(c, name, type)))
		return rr_status(layer, domain, type, TRY_AGAIN);
	if (e->state == E_FAIL)
		return rr_status(layer, domain, type, TRY_AGAIN);
	if (e->state == E_NONE)
		return rr_status(layer, domain, type, HOST_NOT_FOUND);
	if (type == ns_t_txt && e->n == 1)
		ahead_of_record(c, name, e->rr[0]);
	else if (type == ns_t_mx || type == ns_t_ptr)
		ahead_of_names(c, e);
	return rr_copy(layer, domain, type, e);
}

/* layer_get_exp - the explanation of a failure: never looked up (it is
 * not used, and would cost a query) */
static SPF_errcode_t layer_get_exp(SPF_server_t *server, const char *domain,
				   char **buf, size_t *buf_len)
{
	(void)server, (void)domain, (void)buf, (void)buf_len;
	return SPF_E_NOT_CONFIG;
}

/* libspf2's messages. Its errors are broken invariants (it would abort
 * anyway); its warnings are about records anyone can publish, so a line
 * a minute at most; info and debug are not wanted. */
static struct msg_limit lib_warn_limit;

/* lib_error - libspf2 gave up */
__attribute__((noreturn))
static void lib_error(const char *file, int line, const char *msg)
{
	msg_panic("spf: libspf2 %s:%d: %s", file ? file : "?", line, msg ? msg : "");
}

/* lib_warning - libspf2 survived something */
static void lib_warning(const char *file, int line, const char *msg)
{
	long long more = msg_limit(&lib_warn_limit, now_ns(), 60 * NS_PER_S);

	(void)file, (void)line;
	if (more >= 0)
		msg_warn("spf: libspf2: %s (%lld more since the last line)",
			 msg ? msg : "", more);
}

/* lib_quiet - libspf2's info and debug lines */
static void lib_quiet(const char *file, int line, const char *msg)
{
	(void)file, (void)line, (void)msg;
}

/* ---------------------------------------------------------------- */
/* check_host(), by libspf2                                         */
/* ---------------------------------------------------------------- */

/* printable - text for the answer's why: cut to fit, every byte outside
 * printable ASCII made '?' (it comes from records anyone publishes) */
static void printable(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; src && *src && n + 1 < size; src++)
		dst[n++] = (*src >= 0x20 && *src <= 0x7e) ? *src : '?';
	dst[n] = 0;
}

/* why_of - libspf2's first error message, or its error code's words */
static void why_of(struct check *c, SPF_response_t *resp, SPF_errcode_t err)
{
	const char *text = NULL;

	for (int i = 0; i < SPF_response_messages(resp) && !text; i++) {
		SPF_error_t *m = SPF_response_message(resp, i);

		if (SPF_error_errorp(m))
			text = SPF_error_message(m);
	}
	if (!text)
		text = SPF_strerror(SPF_response_errcode(resp) ? SPF_response_errcode(resp)
				    : err);
	printable(c->answer.why, sizeof(c->answer.why), text);
}

/* outcome_of - libspf2's result as ours. A result left "invalid" is a
 * top-level record libspf2 could not get: temperror when DNS failed
 * (TRY_AGAIN), permerror when it would not compile. */
static enum spf_outcome outcome_of(SPF_response_t *resp, SPF_errcode_t err)
{
	switch (SPF_response_result(resp)) {
	case SPF_RESULT_PASS:		return SPF_OUTCOME_PASS;
	case SPF_RESULT_FAIL:		return SPF_OUTCOME_FAIL;
	case SPF_RESULT_SOFTFAIL:	return SPF_OUTCOME_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:	return SPF_OUTCOME_NEUTRAL;
	case SPF_RESULT_NONE:		return SPF_OUTCOME_NONE;
	case SPF_RESULT_TEMPERROR:	return SPF_OUTCOME_TEMPERROR;
	case SPF_RESULT_PERMERROR:	return SPF_OUTCOME_PERMERROR;
	default:
		return err == SPF_E_DNS_ERROR || err == SPF_E_NO_MEMORY ?
		       SPF_OUTCOME_TEMPERROR : SPF_OUTCOME_PERMERROR;
	}
}

/* request_of - libspf2's request for check c; NULL when out of memory */
static SPF_request_t *request_of(struct spf *s, struct check *c)
{
	SPF_request_t *req = SPF_request_new(s->server);
	struct in6_addr a6;
	struct in_addr a4;

	if (!req)
		return NULL;
	if (c->v4) {
		memcpy(&a4, c->answer.client.addr + 12, 4);
		SPF_request_set_ipv4(req, a4);
	} else {
		memcpy(&a6, c->answer.client.addr, 16);
		SPF_request_set_ipv6(req, a6);
	}
	if (SPF_request_set_env_from(req, c->sender) != 0 ||
	    (c->helo[0] && SPF_request_set_helo_dom(req, c->helo) != SPF_E_SUCCESS)) {
		SPF_request_free(req);
		return NULL;
	}
	return req;
}

/* evaluate - one run of check_host() on what the cache holds */
static void evaluate(struct check *c)
{
	struct spf *s = c->owner;
	SPF_request_t *req = request_of(s, c);
	SPF_response_t *resp = NULL;
	SPF_errcode_t err;

	c->answer.why[0] = 0;
	if (!req) {
		c->answer.outcome = SPF_OUTCOME_TEMPERROR;
		snprintf(c->answer.why, sizeof(c->answer.why), "out of memory");
		return;
	}
	s->current = c;
	err = SPF_request_query_mailfrom(req, &resp);
	s->current = NULL;
	if (!resp) {
		c->answer.outcome = SPF_OUTCOME_TEMPERROR;
		snprintf(c->answer.why, sizeof(c->answer.why), "out of memory");
	} else {
		c->answer.outcome = outcome_of(resp, err);
		if (c->answer.outcome == SPF_OUTCOME_TEMPERROR ||
		    c->answer.outcome == SPF_OUTCOME_PERMERROR)
			why_of(c, resp, err);
		SPF_response_free(resp);
	}
	SPF_request_free(req);
}

/* ---------------------------------------------------------------- */
/* The pool: our walk of a passing domain's record                  */
/* ---------------------------------------------------------------- */

/* How a record's walk ended, for the record that includes it. */
enum walk_end {
	WALK_ON,		/* (a term) carry on with the next term */
	WALK_COMPLETE,		/* to its end or its "all": the includer
				 * may go on */
	WALK_STOPPED,		/* at a term it could not list past */
	WALK_ERROR,		/* the record fails check_host() (permerror
				 * or temperror) for whoever reaches it */
};

struct walk {
	struct check *c;
	unsigned lookups;		/* RFC 7208 4.6.4, the whole tree */
	unsigned voids[2];		/* lookups that found nothing, by
					 * family (0 IPv4, 1 IPv6) */
	int missing;			/* a name was not in the cache */
	unsigned depth;			/* includes and redirects deep */
};

/* walk_get - the entry of (name, type) for the walk; NULL when it is
 * missing (the walk goes on without it, and is run again) */
static const struct entry *walk_get(struct walk *w, const char *name, int type)
{
	const struct entry *e = cache_get(w->c, name, type);

	if (!e && !w->missing) {
		w->missing = 1;
		w->c->pool_safe = w->c->answer.n_pool;
	}
	return e;
}

/* family_open - may networks of this family still be listed? Past
 * VOID_LIMIT void lookups check_host() fails for that family. */
static int family_open(const struct walk *w, int v6)
{
	return w->voids[v6] <= VOID_LIMIT;
}

/* mapped_overlap - does an IPv6 network touch ::ffff:0:0/96, where the
 * map keys of IPv4 addresses live? (ip6 never matches an IPv4 client) */
static int mapped_overlap(const struct mxg_key *k)
{
	static const struct mxg_key mapped = { .addr = { [10] = 0xff, [11] = 0xff },
					       .plen = 96 };
	unsigned plen = k->plen < 96 ? k->plen : 96;
	struct mxg_key a = *k, b = mapped;

	addr_prefix(&a, plen);
	addr_prefix(&b, plen);
	return !memcmp(a.addr, b.addr, 16);
}

/* pool_add - a network the record passes, unless it is too wide, its
 * family is closed, or it is listed already. WALK_STOPPED when the pool
 * is full. */
static enum walk_end pool_add(struct walk *w, const struct mxg_key *net, int v6)
{
	struct spf_answer *a = &w->c->answer;
	const struct spf_params *p = &w->c->owner->params;

	/* A /0 is "all" (and libspf2 refuses it anyway). */
	if (v6 ? (net->plen == 0 || net->plen < p->widest_v6 || mapped_overlap(net))
	       : (net->plen == 96 || net->plen < 96 + p->widest_v4))
		return WALK_ON;
	if (!family_open(w, v6))
		return WALK_ON;
	for (unsigned i = 0; i < a->n_pool; i++)
		if (!memcmp(a->pool[i].addr, net->addr, 16) && a->pool[i].plen == net->plen)
			return WALK_ON;
	/* There is room: the walk stopped when the pool became full. */
	a->pool[a->n_pool] = *net;
	memset(a->pool[a->n_pool].pad, 0, sizeof(a->pool[0].pad));
	a->n_pool++;
	return a->n_pool == SPF_POOL_MAX ? WALK_STOPPED : WALK_ON;
}

/* walk_addresses - the A (v6 0) or AAAA records of name, each the
 * network of its cidr-length. void: a lookup finding nothing counts. */
static enum walk_end walk_addresses(struct walk *w, const char *name, int v6,
				    unsigned cidr, int count_void)
{
	const struct entry *e = walk_get(w, name, v6 ? ns_t_aaaa : ns_t_a);
	enum walk_end end = WALK_ON;

	if (!e)
		return WALK_ON;
	if (e->state == E_FAIL)
		return WALK_ERROR;	/* temperror for that family */
	if (e->state == E_NONE) {
		w->voids[v6] += count_void;
		return WALK_ON;
	}
	for (unsigned i = 0; i < e->n && end == WALK_ON; i++) {
		struct mxg_key k = { .plen = 128 };

		if (v6) {
			memcpy(k.addr, e->rr[i], 16);
			addr_prefix(&k, cidr);
		} else {
			k.addr[10] = k.addr[11] = 0xff;
			memcpy(k.addr + 12, e->rr[i], 4);
			addr_prefix(&k, 96 + cidr);
		}
		end = pool_add(w, &k, v6);
	}
	return end;
}

/* walk_host - both families of one name (a, and each MX name) */
static enum walk_end walk_host(struct walk *w, const char *name, const struct spf_term *t,
			       int count_void)
{
	enum walk_end end = walk_addresses(w, name, 0, t->cidr4, count_void);

	if (end == WALK_ON)
		end = walk_addresses(w, name, 1, t->cidr6, count_void);
	return end;
}

/* walk_mx - the MX names of name (at most MX_LIMIT), then their
 * addresses */
static enum walk_end walk_mx(struct walk *w, const char *name, const struct spf_term *t)
{
	const struct entry *e = walk_get(w, name, ns_t_mx);
	char target[SPF_DOMAIN_MAX];
	enum walk_end end = WALK_ON;

	if (!e)
		return WALK_ON;
	if (e->state == E_FAIL || e->n > MX_LIMIT)
		return WALK_ERROR;
	if (e->state == E_NONE) {
		w->voids[0]++;
		w->voids[1]++;
		return WALK_ON;
	}
	/* A name is copied out: walk_get() never changes the cache (its
	 * misses are asked for after the walk), but a copy costs nothing. */
	for (unsigned i = 0; i < e->n && end == WALK_ON; i++)
		if (spf_name_norm(e->rr[i], target) == 0)
			end = walk_host(w, target, t, 0);
	return end;
}

/* walk_exists - a pass-qualified exists without a macro: its answer is
 * the same for every client. If the name exists every later address
 * passes anyway; if its lookup fails, nobody reaching it passes. */
static enum walk_end walk_exists(struct walk *w, const char *name)
{
	const struct entry *e = walk_get(w, name, ns_t_a);

	if (e && e->state == E_FAIL)
		return WALK_ERROR;
	if (e && e->state == E_NONE) {
		w->voids[0]++;
		w->voids[1]++;
	}
	return WALK_ON;
}

static enum walk_end walk_record(struct walk *w, const char *domain);

/* walk_included - an include's or a redirect's record, for the record
 * that names it: a record that is missing is walked again later */
static enum walk_end walk_included(struct walk *w, const char *target)
{
	enum walk_end end;

	if (w->depth >= LOOKUP_LIMIT)
		return WALK_ERROR;
	w->depth++;
	end = walk_record(w, target);
	w->depth--;
	return end;
}

/* walk_term - one term of a record (see walk_record) */
static enum walk_end walk_term(struct walk *w, const char *domain, const struct spf_term *t,
			       int has_all, int mechanisms_after)
{
	const char *target = t->target[0] ? t->target : domain;
	enum walk_end end;

	if (t->kind == TERM_EXP || t->kind == TERM_MODIFIER)
		return WALK_ON;
	if (spf_term_looks_up(t) && ++w->lookups > LOOKUP_LIMIT)
		return WALK_ERROR;
	if (t->kind == TERM_REDIRECT) {
		/* libspf2 follows it where it stands, even with an "all";
		 * RFC 7208 only at the end, and never with an "all": used
		 * only where both agree. */
		if (has_all || mechanisms_after || t->macro)
			return WALK_STOPPED;
		return walk_included(w, target);	/* its end is ours */
	}
	if (t->macro)
		return WALK_STOPPED;	/* depends on the client */
	if (t->kind == TERM_ALL)
		return WALK_COMPLETE;	/* nothing after it is evaluated */
	if (t->qual != '+')
		return WALK_STOPPED;	/* it may shadow what follows */
	switch (t->kind) {
	case TERM_IP4:
	case TERM_IP6:
		return pool_add(w, &t->net, t->kind == TERM_IP6);
	case TERM_A:
		return walk_host(w, target, t, 1);
	case TERM_MX:
		return walk_mx(w, target, t);
	case TERM_EXISTS:
		return walk_exists(w, target);
	case TERM_INCLUDE:
		end = walk_included(w, target);
		return end == WALK_COMPLETE ? WALK_ON : end;
	default:			/* ptr: skipped */
		return WALK_ON;
	}
}

/* lib_mechanisms - how many mechanisms (redirect= is one to it) libspf2
 * keeps of a record: it drops, without a word, every one that would
 * take its compiled record past 511 bytes (about 26 ip6 terms); -1
 * when it refuses the record */
static int lib_mechanisms(struct spf *s, const char *record)
{
	SPF_response_t *resp = SPF_response_new(NULL);
	SPF_record_t *rec = NULL;
	int n = -1;

	if (!resp)
		return -1;
	if (SPF_record_compile(s->server, resp, &rec, record) == SPF_E_SUCCESS && rec)
		n = rec->num_mech;
	if (rec)
		SPF_record_free(rec);
	SPF_response_free(resp);
	return n;
}

/* walk_record - the networks domain's record passes, in order. Its
 * terms are read until one the walk cannot list past: a qualifier
 * other than '+', a macro (or its "all"); an include's record is walked
 * in place, and ends the walk unless it completes; a record that is
 * missing is passed over (the walk is run again once it is in). The
 * record must be one libspf2 takes too, and the walk stops where
 * libspf2's copy of it ends. */
static enum walk_end walk_record(struct walk *w, const char *domain)
{
	const struct entry *e = walk_get(w, domain, ns_t_txt);
	const char *p, *s;
	unsigned i = 0, last_mechanism, mechanism = 0;
	enum walk_end end = WALK_ON;
	int has_all, kept;
	struct spf_term t;
	size_t len;

	if (!e)
		return WALK_COMPLETE;
	if (e->state != E_OK || e->n != 1 ||
	    spf_record_check(e->rr[0], &has_all, &last_mechanism) < 0 ||
	    (kept = lib_mechanisms(w->c->owner, e->rr[0])) < 0)
		return WALK_ERROR;	/* none, failed, two, or broken */
	p = spf_record_terms(e->rr[0]);
	while (end == WALK_ON && (s = spf_next_term(&p, &len))) {
		spf_term_parse(s, len, &t);	/* spf_record_check() read it */
		if (t.kind <= TERM_REDIRECT && mechanism++ == (unsigned)kept)
			return WALK_STOPPED;	/* libspf2 dropped the rest */
		end = walk_term(w, domain, &t, has_all, ++i < last_mechanism);
		if (!family_open(w, 0) && !family_open(w, 1))
			return WALK_STOPPED;
	}
	return end == WALK_ON ? WALK_COMPLETE : end;
}

/* walk_pool - the pool of the check's domain, from the cache */
static void walk_pool(struct check *c)
{
	struct walk w = { .c = c };

	c->answer.n_pool = 0;
	c->pool_safe = 0;
	walk_record(&w, c->answer.domain);
	if (!w.missing)
		c->pool_safe = c->answer.n_pool;
}

/* ---------------------------------------------------------------- */
/* Checks                                                           */
/* ---------------------------------------------------------------- */

/* finish - the check's answer to done(), and the check freed */
static void finish(struct check *c)
{
	struct spf *s = c->owner;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->checks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_checks--;
	if (c->answer.outcome != SPF_OUTCOME_PASS)
		c->answer.n_pool = 0;
	s->stats.outcome[c->answer.outcome]++;
	s->done(s->ctx, &c->answer);
	free(c);
}

/* give_up - SPF_MAX_ROUNDS were not enough: temperror, or, for a pass
 * whose pool was not done, the part of the pool found before the first
 * missing name */
static void give_up(struct check *c)
{
	if (c->phase == PHASE_POOL) {
		c->answer.n_pool = c->pool_safe;
	} else {
		c->answer.outcome = SPF_OUTCOME_TEMPERROR;
		snprintf(c->answer.why, sizeof(c->answer.why),
			 "more than %d rounds of DNS queries", SPF_MAX_ROUNDS);
	}
	finish(c);
}

/* run_check - rounds, until one needs answers still to come (the check
 * is run again when they are in) or the check is done */
static void run_check(struct check *c)
{
	for (;;) {
		if (c->answer.rounds >= SPF_MAX_ROUNDS) {
			give_up(c);
			return;
		}
		c->answer.rounds++;
		if (c->phase == PHASE_EVAL)
			evaluate(c);
		else
			walk_pool(c);
		if (ask_wanted(c))
			return;
		if (c->phase == PHASE_POOL || c->answer.outcome != SPF_OUTCOME_PASS) {
			finish(c);
			return;
		}
		c->phase = PHASE_POOL;
	}
}

/* make_ready - c runs from the event loop, soon */
static void make_ready(struct check *c)
{
	struct spf *s = c->owner;

	if (c->ready)
		return;
	c->ready = 1;
	c->next_ready = NULL;
	if (s->ready_tail)
		s->ready_tail->next_ready = c;
	else
		s->ready_head = c;
	s->ready_tail = c;
	loop_timer_set(s->loop, &s->run, 0);
}

/* on_run - the run list, from the event loop. What is made ready while
 * it runs waits for the next pass. */
static void on_run(void *ctx)
{
	struct spf *s = ctx;
	struct check *c = s->ready_head;

	s->ready_head = s->ready_tail = NULL;
	while (c) {
		struct check *next = c->next_ready;

		c->ready = 0;
		run_check(c);
		c = next;
	}
}

/* domain_valid - a host name (resolve.h: hostname_valid) of two labels
 * or more, none of them empty or beginning or ending with '-' */
static int domain_valid(const char *d)
{
	if (!hostname_valid(d) || !strchr(d, '.') || d[0] == '-' ||
	    d[strlen(d) - 1] == '.')
		return 0;
	for (const char *p = d; *p; p++)
		if (*p == '-' && (p[1] == '.' || p[1] == 0 || p[-1] == '.'))
			return 0;
	return 1;
}

/* sender_split - the sender's local part and domain (lower-cased, one
 * trailing dot dropped) into c; -1 when the domain is not valid */
static int sender_split(struct check *c, const char *sender)
{
	const char *at = sender ? strrchr(sender, '@') : NULL;
	char *d = c->answer.domain;
	size_t local, n;

	if (!at || (local = (size_t)(at - sender)) >= LOCAL_MAX)
		return -1;
	n = strlen(at + 1);
	if (n && at[n] == '.')
		n--;
	if (n == 0 || n >= SPF_DOMAIN_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)at[1 + i]);
	d[n] = 0;
	if (!domain_valid(d))
		return -1;
	/* RFC 7208 4.3: an empty local part is "postmaster". */
	if (local)
		snprintf(c->sender, sizeof(c->sender), "%.*s@%s", (int)local, sender, d);
	else
		snprintf(c->sender, sizeof(c->sender), "postmaster@%s", d);
	return 0;
}

/* helo_copy - the HELO name for libspf2's %{h}, if it can be one */
static void helo_copy(struct check *c, const char *helo)
{
	char norm[SPF_DOMAIN_MAX];

	if (helo && spf_name_norm(helo, norm) == 0)
		snprintf(c->helo, sizeof(c->helo), "%s", norm);
}

/* in_flight - a check of this client and domain is running */
static int in_flight(const struct spf *s, const struct mxg_key *client, const char *domain)
{
	for (const struct check *c = s->checks; c; c = c->next)
		if (!memcmp(c->answer.client.addr, client->addr, 16) &&
		    c->answer.client.plen == client->plen &&
		    !strcmp(c->answer.domain, domain))
			return 1;
	return 0;
}

/* spf_check - start a check; its answer comes through done(), from the
 * event loop, never from inside this call */
int spf_check(struct spf *s, const struct mxg_key *client, const char *sender,
	      const char *helo)
{
	struct check *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->owner = s;
	if (sender_split(c, sender) < 0)
		goto refused;
	c->answer.client.plen = client->plen;
	memcpy(c->answer.client.addr, client->addr, 16);
	if (in_flight(s, &c->answer.client, c->answer.domain)) {
		s->stats.joined++;
		goto refused;
	}
	if (s->n_checks >= s->params.max_checks) {
		s->stats.busy++;
		goto refused;
	}
	helo_copy(c, helo);
	c->v4 = addr_is_v4(client);
	c->started_ns = now_ns();
	c->next = s->checks;
	if (s->checks)
		s->checks->prev = c;
	s->checks = c;
	s->n_checks++;
	s->stats.checks++;
	make_ready(c);
	return 0;
refused:
	free(c);
	return -1;
}

/* spf_stats - the module's counters */
const struct spf_stats *spf_stats(const struct spf *s)
{
	return &s->stats;
}

/* spf_outcome_name - the word log lines use for an outcome */
const char *spf_outcome_name(enum spf_outcome o)
{
	static const char *const names[SPF_OUTCOME_MAX] = {
		[SPF_OUTCOME_PASS] = "pass", [SPF_OUTCOME_FAIL] = "fail",
		[SPF_OUTCOME_SOFTFAIL] = "softfail", [SPF_OUTCOME_NEUTRAL] = "neutral",
		[SPF_OUTCOME_NONE] = "none", [SPF_OUTCOME_TEMPERROR] = "temperror",
		[SPF_OUTCOME_PERMERROR] = "permerror",
	};

	return (unsigned)o < SPF_OUTCOME_MAX ? names[o] : "?";
}

/* spf_new - the module: libspf2 with our DNS layer */
struct spf *spf_new(struct loop *l, const struct spf_params *p, spf_query_fn query,
		    void *query_ctx, spf_done_fn done, void *ctx)
{
	struct spf *s = calloc(1, sizeof(*s));

	if (!s || !(s->buckets = calloc(CACHE_BUCKETS, sizeof(*s->buckets)))) {
		msg_warn("spf: out of memory");
		free(s);
		return NULL;
	}
	s->loop = l;
	s->params = *p;
	s->query = query;
	s->query_ctx = query_ctx;
	s->done = done;
	s->ctx = ctx;
	loop_timer_init(&s->run, on_run, s);
	SPF_error_handler = lib_error;
	SPF_warning_handler = lib_warning;
	SPF_info_handler = lib_quiet;
	SPF_debug_handler = lib_quiet;
	/* No destroy: the layer is part of s, freed with it. */
	s->layer.lookup = layer_lookup;
	s->layer.get_exp = layer_get_exp;
	s->layer.name = "mxgate";
	s->layer.hook = s;
	s->server = SPF_server_new_dns(&s->layer, 0);
	if (!s->server) {
		msg_warn("spf: libspf2: out of memory");
		free(s->buckets);
		free(s);
		return NULL;
	}
	return s;
}

/* spf_free - the module; checks in flight are dropped, queries out let
 * go of (their answers, or the resolver's -ECANCELED, free them) */
void spf_free(struct spf *s)
{
	if (!s)
		return;
	for (struct query *q = s->queries; q; q = q->next)
		q->owner = NULL;
	while (s->checks) {
		struct check *c = s->checks;

		s->checks = c->next;
		free(c);
	}
	while (s->oldest)
		entry_free(s, s->oldest);
	loop_timer_cancel(s->loop, &s->run);
	SPF_server_free(s->server);
	free(s->buckets);
	free(s);
}
