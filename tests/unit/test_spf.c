/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_spf.c - the SPF module (daemon/spf.c) against a surrogate
 * resolver that answers from a table of records, as a DNS server would,
 * through the event loop (never from inside the call that asks). Checks
 * the outcomes libspf2 reaches, the rounds of queries that feed it, the
 * pools, and the module's refusals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "addr.h"
#include "dns_answer.h"
#include "loop.h"
#include "spf.h"
#include "test.h"

/* One record of the table; a name with no record of the type asked is
 * NXDOMAIN (or NODATA: the module treats both as "none"). */
struct zone_rr {
	const char *name;
	unsigned type;		/* DNS_T_* */
	const char *value;	/* address, exchange or text */
	int status;		/* 0, or what the query gets (-EAGAIN) */
	unsigned ttl;
};

#define MAX_HELD 256

static struct {
	const struct zone_rr *zone;	/* ends with a NULL name */
	int hold;			/* keep queries until told */
	int in_query;			/* inside fake_query() */
	unsigned n;			/* queries asked */
	char asked[MAX_HELD][80];	/* "name/type" of each */
	struct held {
		char name[SPF_DOMAIN_MAX];
		int type;
		spf_answer_fn answer;
		void *arg;
	} held[MAX_HELD];
	unsigned n_held;
	struct loop *loop;
	struct loop_timer timer;	/* answers what is held */
	int broken;			/* answers are cut short */
} fr;

static struct {
	unsigned calls;
	struct spf_answer last;
	int in_check;			/* inside spf_check() */
	int from_inside;		/* done() came from inside spf_check() */
} got;

/* zone_answer - the raw answer to (name, type) from the table: its
 * status, the bytes in buf and their length in *len */
static int zone_answer(const char *name, int type, __u8 *buf, size_t *len)
{
	struct dns_rr rr[64];
	__u8 addrs[64][16];
	unsigned n = 0, ttl = 300;

	for (const struct zone_rr *z = fr.zone; z && z->name && n < 64; z++) {
		if (strcasecmp(z->name, name) || (int)z->type != type)
			continue;
		if (z->status)
			return z->status;
		rr[n] = (struct dns_rr){ z->type, z->ttl ? z->ttl : ttl, z->value, NULL };
		if (type == DNS_T_A || type == DNS_T_AAAA) {
			inet_pton(type == DNS_T_A ? AF_INET : AF_INET6, z->value, addrs[n]);
			rr[n].addr = addrs[n];
		}
		if (z->ttl == 1000)
			rr[n].ttl = 0;	/* 1000 stands for a TTL of 0 */
		n++;
	}
	*len = dns_answer(buf, name, (unsigned)type, rr, n);
	if (fr.broken)
		*len = 20;
	return n ? 0 : -ENOENT;
}

/* answer_held - every query held so far gets the table's answer */
static void answer_held(void *ctx)
{
	unsigned n = fr.n_held;
	struct held h[MAX_HELD];

	(void)ctx;
	memcpy(h, fr.held, n * sizeof(h[0]));
	fr.n_held = 0;			/* answers may ask again */
	for (unsigned i = 0; i < n; i++) {
		static __u8 buf[65536];
		size_t len = 0;
		int status = zone_answer(h[i].name, h[i].type, buf, &len);

		h[i].answer(h[i].arg, status, status == -EAGAIN ? NULL : buf, (int)len);
	}
}

/* fake_query - the module's query function: held, answered from the
 * event loop (unless the test holds them) */
static void fake_query(void *ctx, const char *name, int type, spf_answer_fn answer,
		       void *arg)
{
	struct held *h = &fr.held[fr.n_held++];

	(void)ctx;
	CHECK(!fr.in_query);
	snprintf(fr.asked[fr.n++ % MAX_HELD], sizeof(fr.asked[0]), "%s/%d", name, type);
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->type = type;
	h->answer = answer;
	h->arg = arg;
	if (!fr.hold)
		loop_timer_set(fr.loop, &fr.timer, 0);
}

/* cancel_held - what resolve_free() does to the queries still out */
static void cancel_held(void)
{
	unsigned n = fr.n_held;

	fr.n_held = 0;
	for (unsigned i = 0; i < n; i++)
		fr.held[i].answer(fr.held[i].arg, -ECANCELED, NULL, 0);
}

/* on_done - a check's answer */
static void on_done(void *ctx, const struct spf_answer *a)
{
	(void)ctx;
	got.calls++;
	got.last = *a;
	got.from_inside |= got.in_check;
}

/* settle - run the loop until nothing is left to do */
static void settle(void)
{
	for (int i = 0; i < 200; i++)
		loop_run_once(fr.loop, 0);
}

static const struct spf_params params = { .widest_v4 = 16, .widest_v6 = 32,
					   .max_checks = 8 };

/* setup - a module on a new loop, answering from zone */
static struct spf *setup(const struct zone_rr *zone, const struct spf_params *p)
{
	memset(&fr, 0, sizeof(fr));
	memset(&got, 0, sizeof(got));
	fr.zone = zone;
	fr.loop = loop_new();
	loop_timer_init(&fr.timer, answer_held, NULL);
	return spf_new(fr.loop, p ? p : &params, fake_query, NULL, on_done, NULL);
}

/* teardown - the module, then "the resolver", then the loop */
static void teardown(struct spf *s)
{
	spf_free(s);
	cancel_held();
	loop_timer_cancel(fr.loop, &fr.timer);
	loop_free(fr.loop);
}

/* check - one check of client for sender, run to its answer; the
 * outcome (-1 when refused) */
static int check(struct spf *s, const char *client, const char *sender)
{
	unsigned calls = got.calls;
	struct mxg_key k;
	int rc;

	CHECK_EQ_INT(addr_parse(client, &k), 0);
	got.in_check = 1;
	rc = spf_check(s, &k, sender, "helo.example");
	got.in_check = 0;
	if (rc < 0)
		return -1;
	CHECK_EQ_INT(got.calls, calls);		/* never from inside */
	settle();
	CHECK_EQ_INT(got.calls, calls + 1);
	CHECK(!got.from_inside);
	return (int)got.last.outcome;
}

/* pool_has - is "a.b.c.d/n" (or an IPv6 one) in the last answer's pool? */
static int pool_has(const char *net)
{
	struct mxg_key k;

	CHECK_EQ_INT(addr_parse(net, &k), 0);
	for (unsigned i = 0; i < got.last.n_pool; i++)
		if (!memcmp(&got.last.pool[i], &k, sizeof(k)))
			return 1;
	return 0;
}

TEST(spf_pass_by_ip4)
{
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
		{ "example.com", DNS_T_TXT, "google-site-verification=abc", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK(s != NULL);
	CHECK_EQ_INT(check(s, "192.0.2.10", "alice@Example.COM"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.calls, 1);
	CHECK_EQ_STR(got.last.domain, "example.com");
	CHECK_EQ_STR(spf_outcome_name(got.last.outcome), "pass");
	CHECK_EQ_STR(got.last.why, "");
	/* Round 1 lacks the record, round 2 passes, round 3 walks. */
	CHECK_EQ_INT(got.last.queries, 1);
	CHECK_EQ_INT(got.last.rounds, 3);
	CHECK_EQ_INT(got.last.n_pool, 1);
	CHECK(pool_has("192.0.2.0/24"));
	CHECK_EQ_STR(fr.asked[0], "example.com/16");
	CHECK_EQ_INT(spf_stats(s)->checks, 1);
	CHECK_EQ_INT(spf_stats(s)->outcome[SPF_OUTCOME_PASS], 1);
	CHECK_EQ_INT(spf_stats(s)->queries, 1);
	teardown(s);
}

static const struct zone_rr mixed_zone[] = {
	{ "example.com", DNS_T_TXT, "v=spf1 include:_spf.example.net a mx -all", 0, 0 },
	{ "_spf.example.net", DNS_T_TXT, "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:100::/48 -all",
	  0, 0 },
	{ "example.com", DNS_T_A, "203.0.113.5", 0, 0 },
	{ "example.com", DNS_T_AAAA, "2001:db8:5::5", 0, 0 },
	{ "example.com", DNS_T_MX, "mail.example.com", 0, 0 },
	{ "mail.example.com", DNS_T_A, "203.0.113.25", 0, 0 },
	{ "mail.example.com", DNS_T_A, "203.0.113.26", 0, 0 },
	{ NULL, 0, NULL, 0, 0 } };

TEST(spf_pass_by_include_a_and_mx)
{
	struct spf *s = setup(mixed_zone, NULL);

	CHECK_EQ_INT(check(s, "198.51.100.7", "bob@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 6);
	CHECK(pool_has("198.51.100.0/24"));
	CHECK(pool_has("2001:db8:100::/48"));
	CHECK(pool_has("203.0.113.5"));
	CHECK(pool_has("2001:db8:5::5"));
	CHECK(pool_has("203.0.113.25"));
	CHECK(pool_has("203.0.113.26"));
	/* In the pool's order: the record's. */
	CHECK(got.last.pool[0].plen == 96 + 24);
	CHECK_EQ_INT(check(s, "203.0.113.5", "bob@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(check(s, "2001:db8:5::5", "bob@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(check(s, "203.0.113.26", "bob@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 6);
	CHECK_EQ_INT(check(s, "203.0.113.27", "bob@example.com"), SPF_OUTCOME_FAIL);
	CHECK_EQ_INT(got.last.n_pool, 0);
	CHECK_EQ_INT(spf_stats(s)->outcome[SPF_OUTCOME_PASS], 4);
	CHECK_EQ_INT(spf_stats(s)->outcome[SPF_OUTCOME_FAIL], 1);
	teardown(s);
}

TEST(spf_fail_softfail_neutral)
{
	static const struct zone_rr zone[] = {
		{ "hard.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
		{ "soft.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 ~all", 0, 0 },
		{ "open.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 ?all", 0, 0 },
		{ "bare.example", DNS_T_TXT, "v=spf1", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "198.51.100.1", "x@hard.example"), SPF_OUTCOME_FAIL);
	CHECK_EQ_INT(got.last.n_pool, 0);
	CHECK_EQ_INT(check(s, "198.51.100.1", "x@soft.example"), SPF_OUTCOME_SOFTFAIL);
	CHECK_EQ_INT(check(s, "198.51.100.1", "x@open.example"), SPF_OUTCOME_NEUTRAL);
	CHECK_EQ_INT(check(s, "198.51.100.1", "x@bare.example"), SPF_OUTCOME_NEUTRAL);
	CHECK_EQ_STR(spf_outcome_name(SPF_OUTCOME_SOFTFAIL), "softfail");
	/* The explanation of a failure is never looked up. */
	CHECK_EQ_INT(fr.n, 4);
	teardown(s);
}

TEST(spf_none_without_a_record)
{
	static const struct zone_rr zone[] = {
		{ "txt.example", DNS_T_TXT, "google-site-verification=abc", 0, 0 },
		{ "txt.example", DNS_T_TXT, "v=spf10 ip4:192.0.2.0/24", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "192.0.2.1", "x@nothing.example"), SPF_OUTCOME_NONE);
	CHECK_EQ_INT(got.last.n_pool, 0);
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@txt.example"), SPF_OUTCOME_NONE);
	CHECK_EQ_STR(spf_outcome_name(SPF_OUTCOME_NONE), "none");
	teardown(s);
}

TEST(spf_rounds_follow_the_includes)
{
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 include:a.example include:b.example -all", 0, 0 },
		{ "a.example", DNS_T_TXT, "v=spf1 include:c.example -all", 0, 0 },
		{ "b.example", DNS_T_TXT, "v=spf1 ip4:198.51.100.0/24 -all", 0, 0 },
		{ "c.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "198.51.100.9", "x@example.com"), SPF_OUTCOME_PASS);
	/* 1: example.com is missing. 2: its record names a.example and
	 * b.example, asked at once. 3: a.example names c.example. 4: pass.
	 * 5: the walk, from the cache. */
	CHECK_EQ_INT(got.last.rounds, 5);
	CHECK_EQ_INT(got.last.queries, 4);
	CHECK_EQ_INT(fr.n, 4);
	CHECK_EQ_STR(fr.asked[1], "a.example/16");
	CHECK_EQ_STR(fr.asked[2], "b.example/16");
	CHECK_EQ_STR(fr.asked[3], "c.example/16");
	CHECK_EQ_INT(got.last.n_pool, 2);
	CHECK(pool_has("192.0.2.0/24"));
	CHECK(pool_has("198.51.100.0/24"));
	CHECK_EQ_INT(spf_stats(s)->cache_hits > 0, 1);
	teardown(s);
}

TEST(spf_mx_names_are_asked_at_once)
{
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 mx -all", 0, 0 },
		{ "example.com", DNS_T_MX, "mx1.example.com", 0, 0 },
		{ "example.com", DNS_T_MX, "mx2.example.com", 0, 0 },
		{ "example.com", DNS_T_MX, "mx3.example.com", 0, 0 },
		{ "mx1.example.com", DNS_T_A, "192.0.2.1", 0, 0 },
		{ "mx2.example.com", DNS_T_A, "192.0.2.2", 0, 0 },
		{ "mx3.example.com", DNS_T_A, "192.0.2.3", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "192.0.2.3", "x@example.com"), SPF_OUTCOME_PASS);
	/* TXT; MX (asked ahead with the record); the three A at once;
	 * pass; then the walk wants the AAAA of the three: one more. */
	CHECK_EQ_INT(got.last.rounds, 6);
	CHECK_EQ_INT(got.last.queries, 8);
	CHECK_EQ_INT(got.last.n_pool, 3);
	CHECK(pool_has("192.0.2.1") && pool_has("192.0.2.2") && pool_has("192.0.2.3"));
	teardown(s);
}

TEST(spf_dns_failure_is_temperror)
{
	static const struct zone_rr zone[] = {
		{ "broken.example", DNS_T_TXT, NULL, -EAGAIN, 0 },
		{ "inc.example", DNS_T_TXT, "v=spf1 include:broken.example -all", 0, 0 },
		{ "a.example", DNS_T_TXT, "v=spf1 a:host.example -all", 0, 0 },
		{ "host.example", DNS_T_A, NULL, -EAGAIN, 0 },
		{ "ok.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);
	unsigned asked;

	CHECK_EQ_INT(check(s, "192.0.2.1", "x@broken.example"), SPF_OUTCOME_TEMPERROR);
	CHECK(got.last.why[0] != 0);
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@inc.example"), SPF_OUTCOME_TEMPERROR);
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@a.example"), SPF_OUTCOME_TEMPERROR);
	/* A failure is kept: not asked again at once. */
	asked = fr.n;
	CHECK_EQ_INT(check(s, "192.0.2.2", "x@broken.example"), SPF_OUTCOME_TEMPERROR);
	CHECK_EQ_INT(fr.n, asked);
	CHECK_EQ_INT(got.last.queries, 0);
	/* An answer cut short is a failure too. */
	fr.broken = 1;
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@ok.example"), SPF_OUTCOME_TEMPERROR);
	CHECK_EQ_INT(spf_stats(s)->outcome[SPF_OUTCOME_TEMPERROR], 5);
	teardown(s);
}

TEST(spf_broken_records_are_permerror)
{
	static const struct zone_rr zone[] = {
		{ "two.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
		{ "two.example", DNS_T_TXT, "v=spf1 +all", 0, 0 },
		{ "syntax.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 foo:bar -all", 0, 0 },
		{ "inc.example", DNS_T_TXT, "v=spf1 include:nothing.example -all", 0, 0 },
		{ "zero.example", DNS_T_TXT, "v=spf1 ip4:0.0.0.0/0", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "192.0.2.1", "x@two.example"), SPF_OUTCOME_PERMERROR);
	CHECK(strstr(got.last.why, "ultiple") != NULL);
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@syntax.example"), SPF_OUTCOME_PERMERROR);
	CHECK(strstr(got.last.why, "nknown mechanism") != NULL);
	CHECK_EQ_INT(got.last.n_pool, 0);
	/* An include without a record is an error, not "none". */
	CHECK_EQ_INT(check(s, "198.51.100.1", "x@inc.example"), SPF_OUTCOME_PERMERROR);
	/* libspf2 refuses a cidr-length of 0 (RFC 7208 allows it). */
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@zero.example"), SPF_OUTCOME_PERMERROR);
	CHECK_EQ_STR(spf_outcome_name(SPF_OUTCOME_PERMERROR), "permerror");
	teardown(s);
}

TEST(spf_pool_leaves_out_wide_networks_and_all)
{
	static const struct zone_rr zone[] = {
		{ "wide.example", DNS_T_TXT, "v=spf1 ip4:10.0.0.0/8 ip4:192.0.2.0/24 "
		  "ip6:2001:db8::/32 ip6:2001:db8:1::/48 a:h.example/20 a:h.example/28 "
		  "ip6:::ffff:198.51.100.0/120 ip6:::/64 -all", 0, 0 },
		{ "h.example", DNS_T_A, "198.51.100.77", 0, 0 },
		{ "all.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 +all", 0, 0 },
		{ "only.example", DNS_T_TXT, "v=spf1 +all", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	static const struct spf_params p = { .widest_v4 = 24, .widest_v6 = 48,
					     .max_checks = 8 };
	struct spf *s = setup(zone, &p);

	CHECK_EQ_INT(check(s, "192.0.2.1", "x@wide.example"), SPF_OUTCOME_PASS);
	CHECK(pool_has("192.0.2.0/24"));
	CHECK(pool_has("2001:db8:1::/48"));
	CHECK(pool_has("198.51.100.64/28"));
	/* /8, /32, /20 are too wide; an ip6 network where IPv4 keys live
	 * never matches an IPv4 client, and is not listed either. */
	CHECK_EQ_INT(got.last.n_pool, 3);
	/* "all" passes anyone and is never listed. */
	CHECK_EQ_INT(check(s, "203.0.113.1", "x@all.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 1);
	CHECK(pool_has("192.0.2.0/24"));
	CHECK_EQ_INT(check(s, "203.0.113.1", "x@only.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 0);
	teardown(s);
}

TEST(spf_pool_walk_stops_where_it_must)
{
	static const struct zone_rr zone[] = {
		{ "fail.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -ip4:198.51.100.0/24 "
		  "ip4:203.0.113.0/24 -all", 0, 0 },
		{ "soft.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 ~include:x.example "
		  "ip4:203.0.113.0/24 -all", 0, 0 },
		{ "x.example", DNS_T_TXT, "v=spf1 ip4:198.51.100.0/24 -all", 0, 0 },
		{ "macro.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 a:%{i}.x.example "
		  "ip4:203.0.113.0/24 -all", 0, 0 },
		{ "skip.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 exists:e.example "
		  "ptr:skip.example ip4:203.0.113.0/24 -all", 0, 0 },
		{ "inner.example", DNS_T_TXT, "v=spf1 include:stops.example "
		  "ip4:203.0.113.0/24 -all", 0, 0 },
		{ "stops.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 ?ip4:198.51.100.0/24 "
		  "-all", 0, 0 },
		{ "done.example", DNS_T_TXT, "v=spf1 include:x.example ip4:203.0.113.0/24 -all",
		  0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "192.0.2.1", "x@fail.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 1);
	CHECK(pool_has("192.0.2.0/24"));
	CHECK_EQ_INT(check(s, "203.0.113.1", "x@soft.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 1);
	CHECK(pool_has("192.0.2.0/24"));
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@macro.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 1);
	/* exists and ptr are ways to pass: skipping them lists nothing
	 * that would not pass. */
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@skip.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 2);
	CHECK(pool_has("203.0.113.0/24"));
	/* An include whose walk stopped stops its includer's... */
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@inner.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 1);
	CHECK(pool_has("192.0.2.0/24"));
	/* ...one that ran to its "all" does not. */
	CHECK_EQ_INT(check(s, "198.51.100.1", "x@done.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 2);
	CHECK(pool_has("203.0.113.0/24"));
	teardown(s);
}

TEST(spf_pool_redirect_only_without_all)
{
	static const struct zone_rr zone[] = {
		{ "r.example", DNS_T_TXT, "v=spf1 ip4:198.51.100.0/24 -all", 0, 0 },
		{ "plain.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 redirect=r.example", 0, 0 },
		{ "with-all.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 redirect=r.example "
		  "~all", 0, 0 },
		{ "first.example", DNS_T_TXT, "v=spf1 redirect=r.example ip4:192.0.2.0/24", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "198.51.100.1", "x@plain.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 2);
	CHECK(pool_has("192.0.2.0/24") && pool_has("198.51.100.0/24"));
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@with-all.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 1);
	CHECK(pool_has("192.0.2.0/24"));
	/* libspf2's reading, not RFC 7208's (which ignores a redirect in a
	 * record with an "all": softfail): it follows the redirect where it
	 * stands. The pool is where both readings agree. */
	CHECK_EQ_INT(check(s, "198.51.100.1", "x@with-all.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 1);
	/* A redirect before mechanisms: libspf2 follows it at once, RFC
	 * 7208 after them; nothing of either side is listed. */
	CHECK_EQ_INT(check(s, "198.51.100.1", "x@first.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 0);
	teardown(s);
}

/* record_of - "v=spf1" and n terms made by fmt from 1..n, then tail */
static void record_of(char *buf, size_t len, unsigned n, const char *fmt, const char *tail)
{
	size_t o = (size_t)snprintf(buf, len, "v=spf1");

	for (unsigned i = 1; i <= n; i++)
		o += (size_t)snprintf(buf + o, len - o, fmt, i);
	snprintf(buf + o, len - o, "%s", tail);
}

TEST(spf_pool_limits)
{
	static char many[2048], lookups[2048], long6[2048];
	static struct zone_rr zone[40] = {
		{ "many.example", DNS_T_TXT, many, 0, 0 },
		{ "lookups.example", DNS_T_TXT, lookups, 0, 0 },
		{ "long.example", DNS_T_TXT, long6, 0, 0 },
	};
	static char hosts[12][32];
	struct spf *s;

	record_of(many, sizeof(many), 40, " ip4:10.%u.0.0/24", " -all");
	record_of(lookups, sizeof(lookups), 12, " a:h%u.example", " -all");
	record_of(long6, sizeof(long6), 30, " ip6:2001:db8:%x::/48", " -all");
	for (unsigned i = 0; i < 12; i++) {
		snprintf(hosts[i], sizeof(hosts[i]), "h%u.example", i + 1);
		zone[3 + 2 * i] = (struct zone_rr){ hosts[i], DNS_T_A, "192.0.2.1", 0, 0 };
		zone[4 + 2 * i] = (struct zone_rr){ hosts[i], DNS_T_AAAA, "2001:db8::1", 0, 0 };
	}
	/* h1..h12 share addresses: make each its own. */
	{
		static char a4[12][16];

		for (unsigned i = 0; i < 12; i++) {
			snprintf(a4[i], sizeof(a4[i]), "192.0.2.%u", i + 1);
			zone[3 + 2 * i].value = a4[i];
		}
	}
	s = setup(zone, NULL);
	CHECK_EQ_INT(check(s, "10.3.0.1", "x@many.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, SPF_POOL_MAX);
	CHECK(pool_has("10.32.0.0/24"));
	CHECK(!pool_has("10.33.0.0/24"));
	/* RFC 7208's 10 lookups: h11 and h12 are never listed. */
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@lookups.example"), SPF_OUTCOME_PASS);
	CHECK(pool_has("192.0.2.10"));
	CHECK(!pool_has("192.0.2.11"));
	CHECK(pool_has("2001:db8::1"));
	CHECK_EQ_INT(got.last.n_pool, 11);
	/* libspf2 drops, silently, every mechanism past 511 bytes of its
	 * compiled record: 26 of these 30, and the -all. */
	CHECK_EQ_INT(check(s, "2001:db8:1::1", "x@long.example"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 26);
	CHECK(pool_has("2001:db8:1a::/48"));
	CHECK(!pool_has("2001:db8:1b::/48"));
	CHECK_EQ_INT(check(s, "2001:db8:1e::1", "x@long.example"), SPF_OUTCOME_NEUTRAL);
	teardown(s);
}

TEST(spf_void_lookups_close_a_family)
{
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 a:v1.example a:v2.example a:v3.example "
		  "ip4:192.0.2.0/24 ip6:2001:db8::/48 -all", 0, 0 },
		{ "v1.example", DNS_T_A, "198.51.100.1", 0, 0 },
		{ "v2.example", DNS_T_A, "198.51.100.2", 0, 0 },
		{ "v3.example", DNS_T_A, "198.51.100.3", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	/* Three AAAA lookups find nothing: past RFC 7208's two, an IPv6
	 * client gets permerror there; IPv4 networks still pass. */
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@example.com"), SPF_OUTCOME_PASS);
	CHECK(pool_has("198.51.100.3"));
	CHECK(pool_has("192.0.2.0/24"));
	CHECK(!pool_has("2001:db8::/48"));
	CHECK_EQ_INT(got.last.n_pool, 4);
	teardown(s);
}

TEST(spf_join_busy_and_bad_senders)
{
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	static const struct spf_params p = { .widest_v4 = 16, .widest_v6 = 32,
					     .max_checks = 2 };
	static const char *const bad[] = { "nobody", "", "x@", "x@localhost",
		"x@bad_domain!.example", "x@-.example", "x@a..example", "x@example.com..",
		"x@.example.com", "x@example-.com", NULL };
	struct spf *s = setup(zone, &p);
	struct mxg_key a, b, c;

	CHECK_EQ_INT(addr_parse("192.0.2.1", &a), 0);
	CHECK_EQ_INT(addr_parse("192.0.2.2", &b), 0);
	CHECK_EQ_INT(addr_parse("192.0.2.3", &c), 0);
	for (int i = 0; bad[i]; i++)
		CHECK_EQ_INT(spf_check(s, &a, bad[i], NULL), -1);
	CHECK_EQ_INT(spf_check(s, &a, NULL, NULL), -1);
	CHECK_EQ_INT(spf_stats(s)->checks, 0);
	CHECK_EQ_INT(spf_check(s, &a, "x@example.com", NULL), 0);
	CHECK_EQ_INT(spf_check(s, &a, "y@EXAMPLE.com.", ""), -1);	/* joined */
	CHECK_EQ_INT(spf_stats(s)->joined, 1);
	CHECK_EQ_INT(spf_check(s, &b, "x@example.com", NULL), 0);
	CHECK_EQ_INT(spf_check(s, &c, "x@example.com", NULL), -1);	/* busy */
	CHECK_EQ_INT(spf_stats(s)->busy, 1);
	CHECK_EQ_INT(got.calls, 0);
	settle();
	CHECK_EQ_INT(got.calls, 2);
	CHECK_EQ_INT(spf_stats(s)->checks, 2);
	/* Done: room again, and nothing to join. */
	CHECK_EQ_INT(check(s, "192.0.2.1", "@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.calls, 3);
	teardown(s);
}

TEST(spf_cache_serves_the_next_check)
{
	struct spf *s = setup(mixed_zone, NULL);
	unsigned asked;

	CHECK_EQ_INT(check(s, "198.51.100.7", "bob@example.com"), SPF_OUTCOME_PASS);
	asked = fr.n;
	CHECK_EQ_INT(check(s, "198.51.100.8", "carol@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(fr.n, asked);
	CHECK_EQ_INT(got.last.queries, 0);
	CHECK_EQ_INT(got.last.rounds, 2);	/* check_host(), the walk */
	CHECK_EQ_INT(got.last.n_pool, 6);
	CHECK_EQ_INT(spf_stats(s)->queries, asked);
	teardown(s);
}

TEST(spf_ttl_zero_still_ends)
{
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 include:a.example -all", 0, 1000 },
		{ "a.example", DNS_T_TXT, "v=spf1 a:h.example -all", 0, 1000 },
		{ "h.example", DNS_T_A, "192.0.2.1", 0, 1000 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "192.0.2.1", "x@example.com"), SPF_OUTCOME_PASS);
	CHECK(got.last.rounds < 10);
	CHECK(pool_has("192.0.2.1"));
	teardown(s);
}

TEST(spf_too_many_rounds_is_temperror)
{
	static char names[20][24], records[20][128];
	static struct zone_rr zone[21];
	struct spf *s;

	/* A chain of includes whose every level has two names no one can
	 * ask ahead (macros): two rounds a level, more than SPF_MAX_ROUNDS
	 * before libspf2's depth limit (20) is reached. */
	for (unsigned i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "l%u.example", i);
		snprintf(records[i], sizeof(records[i]), "v=spf1 exists:%%{i}.a.l%u.example "
			 "exists:%%{i}.b.l%u.example include:l%u.example -all", i, i, i + 1);
		zone[i] = (struct zone_rr){ names[i], DNS_T_TXT, records[i], 0, 0 };
	}
	s = setup(zone, NULL);
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@l0.example"), SPF_OUTCOME_TEMPERROR);
	CHECK_EQ_INT(got.last.rounds, SPF_MAX_ROUNDS);
	CHECK(strstr(got.last.why, "rounds") != NULL);
	/* A plain chain ends in libspf2's depth limit first. */
	for (unsigned i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "p%u.example", i);
		snprintf(records[i], sizeof(records[i]), "v=spf1 include:p%u.example -all",
			 i < 19 ? i + 1 : 0);
	}
	CHECK_EQ_INT(check(s, "192.0.2.2", "x@p0.example"), SPF_OUTCOME_PERMERROR);
	CHECK(got.last.rounds < SPF_MAX_ROUNDS);
	teardown(s);
}

TEST(spf_names_are_asked_as_dns_keys_them)
{
	static char longer[5000];
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 include:Inc.EXAMPLE. -all", 0, 0 },
		{ "inc.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
		{ "long.example", DNS_T_TXT, longer, 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s;

	record_of(longer, sizeof(longer), 300, " ip4:192.0.2.%u", " -all");
	s = setup(zone, NULL);
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_STR(fr.asked[1], "inc.example/16");
	CHECK(pool_has("192.0.2.0/24"));
	/* A record longer than the module keeps is a broken one. */
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@long.example"), SPF_OUTCOME_PERMERROR);
	teardown(s);
}

TEST(spf_cache_lets_the_oldest_go)
{
	static const struct spf_params p = { .widest_v4 = 16, .widest_v6 = 32,
					     .max_checks = 64 };
	struct spf *s = setup(NULL, &p);
	unsigned n = SPF_CACHE_MAX + 64, asked;
	struct mxg_key k;
	char sender[64];

	CHECK_EQ_INT(addr_parse("192.0.2.1", &k), 0);
	for (unsigned i = 0; i < n; i++) {
		snprintf(sender, sizeof(sender), "x@d%u.example", i);
		CHECK_EQ_INT(spf_check(s, &k, sender, NULL), 0);
		for (int j = 0; j < 20 && (i % 64 == 63 || i == n - 1) &&
		     got.calls < i + 1; j++)
			loop_run_once(fr.loop, 0);
	}
	CHECK_EQ_INT(got.calls, n);
	CHECK_EQ_INT(spf_stats(s)->outcome[SPF_OUTCOME_NONE], n);
	asked = fr.n;
	/* The newest is still known; the oldest was let go. */
	snprintf(sender, sizeof(sender), "x@d%u.example", n - 1);
	CHECK_EQ_INT(check(s, "192.0.2.1", sender), SPF_OUTCOME_NONE);
	CHECK_EQ_INT(fr.n, asked);
	CHECK_EQ_INT(check(s, "192.0.2.1", "x@d0.example"), SPF_OUTCOME_NONE);
	CHECK_EQ_INT(fr.n, asked + 1);
	teardown(s);
}

TEST(spf_free_with_checks_in_flight)
{
	struct spf *s = setup(mixed_zone, NULL);
	struct mxg_key a, b;

	fr.hold = 1;
	CHECK_EQ_INT(addr_parse("192.0.2.1", &a), 0);
	CHECK_EQ_INT(addr_parse("2001:db8::1", &b), 0);
	CHECK_EQ_INT(spf_check(s, &a, "x@example.com", NULL), 0);
	CHECK_EQ_INT(spf_check(s, &b, "x@example.com", NULL), 0);
	loop_run_once(fr.loop, 0);
	CHECK_EQ_INT(fr.n_held, 1);		/* one query serves both */
	answer_held(NULL);
	loop_run_once(fr.loop, 0);
	CHECK(fr.n_held > 0);
	/* Queries out, checks waiting: spf_free(), then the resolver
	 * cancels what it still holds. No done(), nothing leaked. */
	teardown(s);
	CHECK_EQ_INT(got.calls, 0);
}

TEST(spf_helo_and_local_part_reach_macros)
{
	static const struct zone_rr zone[] = {
		{ "example.com", DNS_T_TXT, "v=spf1 exists:%{l}.%{h}.x.example -all", 0, 0 },
		{ "bob.helo.example.x.example", DNS_T_A, "127.0.0.2", 0, 0 },
		{ NULL, 0, NULL, 0, 0 } };
	struct spf *s = setup(zone, NULL);

	CHECK_EQ_INT(check(s, "192.0.2.1", "bob@example.com"), SPF_OUTCOME_PASS);
	CHECK_EQ_INT(got.last.n_pool, 0);	/* a macro: nothing listed */
	CHECK_EQ_INT(check(s, "192.0.2.1", "eve@example.com"), SPF_OUTCOME_FAIL);
	teardown(s);
}
