/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_dnsbl.c - DNSBL site syntax (postscreen), filters, answer validity. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "dnsbl_sites.h"
#include "test.h"

TEST(dnsbl_postscreen_syntax)
{
	struct dnsbl_site s[DNSBL_MAX_SITES];
	char why[256];
	static const __u8 a2[4] = { 127, 0, 0, 2 }, a12[4] = { 127, 0, 0, 12 },
		wl[4] = { 127, 0, 9, 3 }, wl4[4] = { 127, 0, 9, 4 };

	CHECK_EQ_INT(dnsbl_sites_parse("zen.spamhaus.org=127.0.0.[2..11]*3, "
		"list.dnswl.org=127.0.[0..255].[1..3]*-2 bl.spamcop.net",
		s, DNSBL_MAX_SITES, why, sizeof(why)), 3);
	CHECK_EQ_STR(s[0].zone, "zen.spamhaus.org");
	CHECK_EQ_INT(s[0].weight, 3);
	CHECK(dnsbl_filter_match(&s[0], a2));
	CHECK(!dnsbl_filter_match(&s[0], a12));
	CHECK_EQ_INT(s[1].weight, -2);
	CHECK(dnsbl_filter_match(&s[1], wl));
	CHECK(!dnsbl_filter_match(&s[1], wl4));
	CHECK_EQ_INT(s[2].weight, 1);		/* default */
	CHECK(!s[2].has_filter);
	CHECK(dnsbl_filter_match(&s[2], a12));	/* no filter: any listing */
}

TEST(dnsbl_filter_lists)
{
	struct dnsbl_site s[1];
	char why[256];
	static const __u8 a4[4] = { 127, 0, 0, 4 }, a5[4] = { 127, 0, 0, 5 };

	CHECK_EQ_INT(dnsbl_sites_parse("b.example=127.0.0.[2;4;9..10]", s, 1,
				       why, sizeof(why)), 1);
	CHECK(dnsbl_filter_match(&s[0], a4));
	CHECK(!dnsbl_filter_match(&s[0], a5));
}

TEST(dnsbl_bad_specs_say_why)
{
	struct dnsbl_site s[2];
	char why[256];

	CHECK_EQ_INT(dnsbl_sites_parse("zen.spamhaus.org*x", s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "weight") != NULL);
	CHECK_EQ_INT(dnsbl_sites_parse("zen.spamhaus.org=127.0.0.[2..", s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "filter") != NULL);
	CHECK_EQ_INT(dnsbl_sites_parse("zen.spamhaus.org=127.0.0.[9..2]", s, 2, why, sizeof(why)), -1);
	CHECK_EQ_INT(dnsbl_sites_parse("zen.spamhaus.org=127.0.0.256", s, 2, why, sizeof(why)), -1);
	CHECK_EQ_INT(dnsbl_sites_parse("bad zone!", s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "\"zone!\" is not a DNS zone") != NULL);
	CHECK_EQ_INT(dnsbl_sites_parse("a.example b.example c.example", s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "more than 2") != NULL);
}

/* zone_of - a zone of n bytes: labels of label_len 'a's and dots */
static void zone_of(char *buf, size_t n, size_t label_len)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (i + 1) % (label_len + 1) == 0 ? '.' : 'a';
	if (n && buf[n - 1] == '.')
		buf[n - 1] = 'b';
	buf[n] = 0;
}

TEST(dnsbl_zones_are_checked_as_dns_does)
{
	struct dnsbl_site s[2];
	char why[512], zone[400], spec[420];
	struct mxg_key k;

	/* Empty labels, anywhere. */
	CHECK_EQ_INT(dnsbl_sites_parse("zen..spamhaus.org", s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "empty label") != NULL);
	CHECK_EQ_INT(dnsbl_sites_parse(".zen.spamhaus.org", s, 2, why, sizeof(why)), -1);
	CHECK_EQ_INT(dnsbl_sites_parse("zen.spamhaus.org..", s, 2, why, sizeof(why)), -1);
	CHECK_EQ_INT(dnsbl_sites_parse(".", s, 2, why, sizeof(why)), -1);
	CHECK_EQ_INT(dnsbl_sites_parse("=127.0.0.2", s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "empty DNS zone") != NULL);
	/* The absolute form is the same zone. */
	CHECK_EQ_INT(dnsbl_sites_parse("zen.spamhaus.org.*2", s, 2, why, sizeof(why)), 1);
	CHECK_EQ_STR(s[0].zone, "zen.spamhaus.org");
	CHECK_EQ_INT(s[0].weight, 2);
	/* Labels of 63 bytes are fine, 64 are not. */
	zone_of(zone, 63 + 1 + 63, 63);
	CHECK_EQ_INT(dnsbl_sites_parse(zone, s, 2, why, sizeof(why)), 1);
	zone_of(zone, 64 + 1 + 10, 64);
	CHECK_EQ_INT(dnsbl_sites_parse(zone, s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "longer than 63 bytes") != NULL);
	/* 189 bytes: the IPv6 query name is 253, the most DNS allows. */
	zone_of(zone, 189, 40);
	snprintf(spec, sizeof(spec), "%s=127.0.0.2", zone);
	CHECK_EQ_INT(dnsbl_sites_parse(spec, s, 2, why, sizeof(why)), 1);
	CHECK_EQ_INT(addr_parse("2001:db8::1", &k), 0);
	{
		char name[DNSBL_ZONE_MAX + 80];

		addr_reverse_name(&k, s[0].zone, name, sizeof(name));
		CHECK_EQ_INT(strlen(name), 253);
	}
	/* 190 was accepted, and c-ares refused every IPv6 query. */
	zone_of(zone, 190, 40);
	CHECK_EQ_INT(dnsbl_sites_parse(zone, s, 2, why, sizeof(why)), -1);
	CHECK(strstr(why, "DNS zone of 190 bytes: at most 189") != NULL);
	zone_of(zone, 300, 40);
	CHECK_EQ_INT(dnsbl_sites_parse(zone, s, 2, why, sizeof(why)), -1);
}

TEST(dnsbl_error_codes_are_never_listings)
{
	static const __u8 listed[4] = { 127, 0, 0, 2 }, refused[4] = { 127, 255, 255, 254 },
		outside[4] = { 192, 0, 2, 1 }, other[4] = { 127, 255, 0, 1 };

	CHECK(dnsbl_answer_valid(listed));
	CHECK(!dnsbl_answer_valid(refused));	/* e.g. query via a public resolver */
	CHECK(!dnsbl_answer_valid(outside));	/* a wildcard or hijacked answer */
	CHECK(dnsbl_answer_valid(other));
}

TEST(dnsbl_query_names)
{
	struct mxg_key k;
	char buf[128];

	CHECK_EQ_INT(addr_parse("192.0.2.99", &k), 0);
	addr_reverse_name(&k, "zen.spamhaus.org", buf, sizeof(buf));
	CHECK_EQ_STR(buf, "99.2.0.192.zen.spamhaus.org");
	addr_reverse_name(&k, NULL, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "99.2.0.192.in-addr.arpa");
	CHECK_EQ_INT(addr_parse("2001:db8::1", &k), 0);
	addr_reverse_name(&k, "bl.example", buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example");
}

TEST(dnsbl_ttl_is_clamped)
{
	CHECK_EQ_INT(dnsbl_clamp_ttl(300, 60, 3600), 300);
	CHECK_EQ_INT(dnsbl_clamp_ttl(5, 60, 3600), 60);
	CHECK_EQ_INT(dnsbl_clamp_ttl(0, 60, 3600), 60);	/* NXDOMAIN */
	CHECK_EQ_INT(dnsbl_clamp_ttl(-1, 60, 3600), 60);
	CHECK_EQ_INT(dnsbl_clamp_ttl(604800, 60, 3600), 3600);
}

/*
 * The DNS-list module against a surrogate resolver: every query the module
 * sends is kept, and the test answers it, as postscreen_dnsbl_test.c does.
 */
#include "clock.h"
#include "dnsbl.h"

#define MAX_Q 32

static struct {
	char name[MAX_Q][128];		/* what was asked */
	resolve_a_fn answer[MAX_Q];
	void *arg[MAX_Q];
	int n;
} fq;

/* fake_query - dnsbl's query function: remember, answer later */
static void fake_query(void *ctx, const char *name, resolve_a_fn answer, void *arg)
{
	(void)ctx;
	if (fq.n >= MAX_Q)
		return;
	snprintf(fq.name[fq.n], sizeof(fq.name[0]), "%s", name);
	fq.answer[fq.n] = answer;
	fq.arg[fq.n] = arg;
	fq.n++;
}

/* reply - answer query i: listed with last octet (0: not listed) */
static void reply(int i, int last_octet, int ttl)
{
	__u8 a[1][4] = { { 127, 0, 0, (__u8)last_octet } };

	if (last_octet)
		fq.answer[i](fq.arg[i], 0, (const __u8 (*)[4])a, 1, ttl);
	else
		fq.answer[i](fq.arg[i], -ENOENT, NULL, 0, 0);
	fq.answer[i] = NULL;
}

/* answer_probes - every probe sent so far, answered as a healthy list
 * does (127.0.0.2 listed, 127.0.0.1 not), or as one that lists all */
static void answer_probes(int lists_everything, const char *skip_zone)
{
	for (int i = 0; i < fq.n; i++) {
		if (!fq.answer[i] || (skip_zone && strstr(fq.name[i], skip_zone)))
			continue;
		if (strncmp(fq.name[i], "2.0.0.127.", 10) == 0)
			reply(i, 2, 60);
		else if (strncmp(fq.name[i], "1.0.0.127.", 10) == 0)
			reply(i, lists_everything ? 2 : 0, 60);
	}
}

static int got_score, got_calls;

static void got(void *arg, int score)
{
	(void)arg;
	got_score = score;
	got_calls++;
}

/* find_query - the index of the query for name, -1 if not sent */
static int find_query(const char *name)
{
	for (int i = 0; i < fq.n; i++)
		if (fq.answer[i] && strcmp(fq.name[i], name) == 0)
			return i;
	return -1;
}

TEST(dnsbl_module_scores_through_the_callback_only)
{
	struct loop *l = loop_new();
	struct dnsbl *d = dnsbl_new(l, fake_query, NULL);
	struct mxg_key k;
	struct dnsbl_req *req;
	int a, b;

	memset(&fq, 0, sizeof(fq));
	got_calls = 0;
	CHECK_EQ_INT(dnsbl_configure(d, "bl.example*2 wl.example=127.0.0.[2..9]*-1 "
				     "slow.example", 60, 3600), 0);
	CHECK_EQ_INT(fq.n, 6);			/* two probes per list */
	CHECK_EQ_INT(dnsbl_probing(d), 3);
	/* slow.example's probe has not answered: it is not used yet. */
	answer_probes(0, "slow.example");
	CHECK_EQ_INT(dnsbl_probing(d), 1);
	CHECK_EQ_INT(addr_parse("192.0.2.99", &k), 0);
	req = dnsbl_start(d, &k, got, NULL);
	CHECK(req != NULL);
	a = find_query("99.2.0.192.bl.example");
	b = find_query("99.2.0.192.wl.example");
	CHECK(a >= 0 && b >= 0);
	CHECK(find_query("99.2.0.192.slow.example") < 0);	/* probe still out */
	reply(a, 2, 300);
	CHECK_EQ_INT(got_calls, 0);
	reply(b, 3, 300);
	CHECK_EQ_INT(got_calls, 1);
	CHECK_EQ_INT(got_score, 2 - 1);
	/* From the cache: still never from inside dnsbl_start(). */
	a = fq.n;
	req = dnsbl_start(d, &k, got, NULL);
	CHECK_EQ_INT(fq.n, a);
	CHECK_EQ_INT(got_calls, 1);
	loop_run_once(l, 0);
	CHECK_EQ_INT(got_calls, 2);
	CHECK_EQ_INT(got_score, 1);
	/* A cancelled request never calls back; its answers are harmless. */
	CHECK_EQ_INT(addr_parse("192.0.2.98", &k), 0);
	req = dnsbl_start(d, &k, got, NULL);
	a = find_query("98.2.0.192.bl.example");
	CHECK(a >= 0);
	reply(a, 2, 300);
	CHECK_EQ_INT(dnsbl_cancel(req), 2);
	b = find_query("98.2.0.192.wl.example");
	CHECK(b >= 0);
	reply(b, 0, 0);
	loop_run_once(l, 0);
	CHECK_EQ_INT(got_calls, 2);
	/* Answers that are error codes never count. */
	CHECK_EQ_INT(addr_parse("192.0.2.97", &k), 0);
	req = dnsbl_start(d, &k, got, NULL);
	a = find_query("97.2.0.192.bl.example");
	b = find_query("97.2.0.192.wl.example");
	CHECK(a >= 0 && b >= 0);
	{
		__u8 err[1][4] = { { 127, 255, 255, 254 } };

		fq.answer[a](fq.arg[a], 0, (const __u8 (*)[4])err, 1, 60);
		fq.answer[a] = NULL;
	}
	reply(b, 0, 0);
	CHECK_EQ_INT(got_calls, 3);
	CHECK_EQ_INT(got_score, 0);
	/* Answer what is still out (slow's probes) before freeing. */
	for (int i = 0; i < fq.n; i++)
		if (fq.answer[i])
			fq.answer[i](fq.arg[i], -ECANCELED, NULL, 0, 0);
	dnsbl_free(d);
	loop_free(l);
}

TEST(dnsbl_module_sets_aside_a_list_that_lists_everything)
{
	struct loop *l = loop_new();
	struct dnsbl *d = dnsbl_new(l, fake_query, NULL);
	struct mxg_key k;

	memset(&fq, 0, sizeof(fq));
	got_calls = 0;
	CHECK_EQ_INT(dnsbl_configure(d, "all.example", 60, 3600), 0);
	answer_probes(1, NULL);
	CHECK_EQ_INT(dnsbl_probing(d), 0);
	CHECK_EQ_INT(addr_parse("2001:db8::1", &k), 0);
	CHECK(dnsbl_start(d, &k, got, NULL) != NULL);
	CHECK_EQ_INT(fq.n, 2);			/* the probes; nothing asked of it */
	loop_run_once(l, 0);
	CHECK_EQ_INT(got_calls, 1);
	CHECK_EQ_INT(got_score, 0);
	dnsbl_free(d);
	loop_free(l);
}

TEST(dnsbl_module_empty_success_is_not_a_listing)
{
	struct loop *l = loop_new();
	struct dnsbl *d = dnsbl_new(l, fake_query, NULL);

	memset(&fq, 0, sizeof(fq));
	CHECK_EQ_INT(dnsbl_configure(d, "odd.example", 60, 3600), 0);
	/* 127.0.0.2 listed; 127.0.0.1 "answered" with success and nothing. */
	for (int i = 0; i < fq.n; i++) {
		if (strncmp(fq.name[i], "2.0.0.127.", 10) == 0)
			reply(i, 2, 60);
		else {
			fq.answer[i](fq.arg[i], 0, NULL, 0, 60);
			fq.answer[i] = NULL;
		}
	}
	CHECK_EQ_INT(dnsbl_probing(d), 0);
	/* Healthy: a client query is sent to it. */
	{
		struct mxg_key k;
		int before = fq.n;

		CHECK_EQ_INT(addr_parse("192.0.2.5", &k), 0);
		CHECK(dnsbl_start(d, &k, got, NULL) != NULL);
		CHECK_EQ_INT(fq.n, before + 1);
		got_calls = 0;
		fq.answer[before](fq.arg[before], 0, NULL, 0, 60);	/* empty success */
		fq.answer[before] = NULL;
		CHECK_EQ_INT(got_calls, 1);
		CHECK_EQ_INT(got_score, 0);
	}
	dnsbl_free(d);
	loop_free(l);
}
