/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_dnsbl.c - DNSBL site syntax (postscreen), filters, answer validity. */
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
