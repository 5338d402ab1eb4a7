/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ctl_json.c - mxgatectl's JSON: a verdict, times, counters, a name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "ctl_json.h"
#include "json_doc.h"
#include "s25r.h"
#include "test.h"

#define S 1000000000ULL

/* A fixed moment: monotonic 1000 s after boot is 2026-12-03T10:15:42Z. */
static const struct ctl_clock at = { 1000 * S, 1796292942ULL * S };

/* verdict_json - one verdict's object */
static char *verdict_json(const char *addr, const struct mxg_verdict *v,
			  int unproven, const __u64 *delay)
{
	struct mxg_key k;
	struct doc d;

	addr_parse(addr, &k);
	doc_object(&d);
	ctl_json_verdict(&d.j, &k, v, &at, unproven, delay);
	return doc_object_close(&d);
}

TEST(ctl_json_time_both_ways)
{
	struct doc d;
	char *text;

	doc_object(&d);
	ctl_json_time(&d.j, "now", at.mono_ns, &at);
	ctl_json_time(&d.j, "before", at.mono_ns - 3 * S, &at);
	ctl_json_time(&d.j, "after", at.mono_ns + 3600 * S + S / 2, &at);
	ctl_json_time(&d.j, "boot", 0, &at);
	text = doc_object_close(&d);
	CHECK_EQ_STR(text, "{\"now_unix\":1796292942,\"now_at\":\"2026-12-03T10:15:42Z\","
		     "\"before_unix\":1796292939,\"before_at\":\"2026-12-03T10:15:39Z\","
		     "\"after_unix\":1796296542,\"after_at\":\"2026-12-03T11:15:42Z\","
		     "\"boot_unix\":1796291942,\"boot_at\":\"2026-12-03T09:59:02Z\"}\n");
	free(text);

	/* A time before 1970, and one past what the wall clock can add. */
	{
		const struct ctl_clock early = { 1000 * S, 10 * S };

		doc_object(&d);
		ctl_json_time(&d.j, "t", 0, &early);
		ctl_json_time(&d.j, "u", ~0ULL, &at);
		text = doc_object_close(&d);
		CHECK_EQ_STR(text, "{\"t_unix\":null,\"t_at\":null,"
			     "\"u_unix\":null,\"u_at\":null}\n");
		free(text);
	}
}

TEST(ctl_json_verdict_block)
{
	struct mxg_verdict v = {
		.decided_ns = at.mono_ns - 3 * S, .expires_ns = at.mono_ns + 3597 * S,
		.reasons = MXG_R_S25R1 | MXG_R_FCRDNS, .hits = 2, .action = MXG_ACT_BLOCK,
	};
	__u64 delay = 45 * S;
	char *text = verdict_json("198.51.100.20", &v, 0, &delay);

	CHECK_EQ_STR(text, "{\"address\":\"198.51.100.20\",\"action\":\"block\","
		     "\"reasons\":[\"s25r1\",\"fcrdns\"],"
		     "\"decided_unix\":1796292939,\"decided_at\":\"2026-12-03T10:15:39Z\","
		     "\"age_s\":3,\"expired\":false,\"expires_in_s\":3597,"
		     "\"expires_unix\":1796296539,\"expires_at\":\"2026-12-03T11:15:39Z\","
		     "\"hits\":2,\"dnsbl_score\":0,\"retry_after_s\":null,"
		     "\"window_left_s\":null,\"unproven\":false}\n");
	free(text);
}

TEST(ctl_json_verdict_greylist_clock)
{
	struct mxg_verdict v = {
		.decided_ns = at.mono_ns - 5 * S - S / 2, .expires_ns = at.mono_ns + 2700 * S,
		.reasons = MXG_R_S25R0 | (1u << 30), .action = MXG_ACT_GREYLIST,
		.dnsbl_score = -2,
	};
	__u64 delay = 45 * S;
	char *text = verdict_json("2001:db8::25", &v, 1, &delay);

	/* 39.5 s to go: rounded up. Unnamed bits keep their number. */
	CHECK(strstr(text, "\"address\":\"2001:db8::25\""));
	CHECK(strstr(text, "\"reasons\":[\"s25r0\",\"bit30\"]"));
	CHECK(strstr(text, "\"age_s\":5,"));
	CHECK(strstr(text, "\"dnsbl_score\":-2,"));
	CHECK(strstr(text, "\"retry_after_s\":40,\"window_left_s\":2700,\"unproven\":true}"));
	free(text);

	/* The delay unknown: null, the window still known. */
	text = verdict_json("2001:db8::25", &v, 1, NULL);
	CHECK(strstr(text, "\"retry_after_s\":null,\"window_left_s\":2700,"));
	free(text);

	/* Expired: the window has closed, a retry passes now. */
	v.decided_ns = at.mono_ns - 901 * S;
	v.expires_ns = at.mono_ns - S;
	text = verdict_json("198.51.100.0/24", &v, 0, &delay);
	CHECK(strstr(text, "\"address\":\"198.51.100.0/24\""));
	CHECK(strstr(text, "\"expired\":true,\"expires_in_s\":0,"));
	CHECK(strstr(text, "\"retry_after_s\":0,\"window_left_s\":0,"));
	free(text);
}

TEST(ctl_json_greylist_arithmetic)
{
	struct mxg_verdict v = { .decided_ns = 100 * S };

	CHECK_EQ_INT(ctl_retry_after_s(&v, 100 * S, 45 * S), 45);
	CHECK_EQ_INT(ctl_retry_after_s(&v, 100 * S + 1, 45 * S), 45);	/* rounded up */
	CHECK_EQ_INT(ctl_retry_after_s(&v, 144 * S + 1, 45 * S), 1);
	CHECK_EQ_INT(ctl_retry_after_s(&v, 145 * S, 45 * S), 0);
	CHECK_EQ_INT(ctl_retry_after_s(&v, 999 * S, 45 * S), 0);
	/* An absurd delay is never, not a wrap into the past. */
	CHECK(ctl_retry_after_s(&v, 100 * S, ~0ULL) > 18000000000ULL);
	CHECK_EQ_INT(ctl_seconds_left(10 * S, 10 * S), 0);
	CHECK_EQ_INT(ctl_seconds_left(10 * S, 11 * S), 0);
	CHECK_EQ_INT(ctl_seconds_left(12 * S - 1, 10 * S), 1);	/* rounded down */
}

TEST(ctl_json_stats_document)
{
	__u64 totals[MXG_STAT_MAX] = { 0 }, hits[MXG_RULE_SLOTS] = { 0 };
	struct doc d;
	char *text;

	totals[MXG_STAT_ACCEPTED] = 4321;
	totals[MXG_STAT_REFUSED_GREYLIST] = 5000;
	totals[MXG_STAT_REFUSED_DNSBL] = 2000;
	totals[MXG_STAT_REFUSED_OTHER] = 4;
	totals[MXG_STAT_DNS_SENT] = 77;
	hits[1] = 4;
	doc_object(&d);
	ctl_json_stats(&d.j, totals, hits);
	text = doc_object_close(&d);
	CHECK(strncmp(text, "{\"connections\":11325,\"accepted\":4321,\"refused\":7004,"
		      "\"refused_by\":{\"greylist\":5000,\"dnsbl\":2000,\"country\":0,"
		      "\"table\":0,\"throttle\":0,\"other\":4},\"counters\":{\"packets\":0,", 160) == 0);
	CHECK(strstr(text, "\"dns_sent\":77,"));
	CHECK(strstr(text, "\"reason_bit31\":0,"));
	CHECK(strstr(text, "\"rule_hits\":{\"s25r0\":0,\"s25r1\":4,"));
	CHECK(strstr(text, "\"aol\":0}}\n"));
	free(text);

	doc_object(&d);
	ctl_json_stats(&d.j, totals, NULL);
	text = doc_object_close(&d);
	CHECK(strstr(text, ",\"rule_hits\":null}\n"));
	free(text);
}

TEST(ctl_json_name_check)
{
	struct doc d;
	char *text;

	CHECK_EQ_INT(s25r_init(), 0);
	doc_object(&d);
	ctl_json_name_check(&d.j, "a12a190.neo.rr.com", s25r_match("a12a190.neo.rr.com"));
	text = doc_object_close(&d);
	CHECK(strstr(text, "{\"hostname\":\"a12a190.neo.rr.com\",\"clean\":false,"
		     "\"rule\":\"s25r1\",\"pattern\":\"") == text);
	free(text);
	doc_object(&d);
	ctl_json_name_check(&d.j, "mail.example.org", 0);
	text = doc_object_close(&d);
	CHECK_EQ_STR(text, "{\"hostname\":\"mail.example.org\",\"clean\":true,"
		     "\"rule\":null,\"pattern\":null}\n");
	free(text);
	s25r_free();
}
