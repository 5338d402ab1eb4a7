/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_names.c - actions, reasons and counters as text. */
#include <string.h>
#include "names.h"
#include "test.h"

TEST(names_actions_round_trip)
{
	static const char *const words[MXG_ACT_MAX] = {
		"none", "pass", "block", "greylist", "tarpit", "throttle",
	};

	for (unsigned a = 0; a < MXG_ACT_MAX; a++) {
		CHECK_EQ_STR(action_name(a), words[a]);
		CHECK_EQ_INT(action_parse(words[a]), a);
	}
	CHECK_EQ_STR(action_name(MXG_ACT_MAX), "?");
	CHECK_EQ_STR(action_name(99), "?");
	CHECK_EQ_INT(action_parse("allow"), -1);
	CHECK_EQ_INT(action_parse("BLOCK"), -1);	/* words are lower case */
	CHECK_EQ_INT(action_parse(""), -1);
}

TEST(names_reasons)
{
	CHECK_EQ_STR(reason_name(0), "s25r0");
	CHECK_EQ_STR(reason_name(6), "s25r6");
	CHECK_EQ_STR(reason_name(__builtin_ctz(MXG_R_FCRDNS)), "fcrdns");
	CHECK_EQ_STR(reason_name(__builtin_ctz(MXG_R_TIMEOUT)), "timeout");
	CHECK_EQ_STR(reason_name(__builtin_ctz(MXG_R_DNSFAIL)), "dnsfail");
	CHECK_EQ_STR(reason_name(__builtin_ctz(MXG_R_MANUAL)), "manual");
	CHECK_EQ_STR(reason_name(__builtin_ctz(MXG_R_WAITED)), "waited");
	CHECK_EQ_STR(reason_name(__builtin_ctz(MXG_R_PROVIDER)), "provider");
	CHECK(reason_name(MXG_REASON_BITS) == NULL);
	CHECK(reason_name(31) == NULL);
	/* Every assigned bit has a name of its own. */
	for (unsigned i = 0; i < MXG_REASON_BITS; i++) {
		CHECK(reason_name(i) && reason_name(i)[0]);
		for (unsigned j = 0; j < i; j++)
			if (reason_name(i) && reason_name(j) &&
			    strcmp(reason_name(i), reason_name(j)) == 0)
				test_fail(__FILE__, __LINE__, "bits %u and %u are both %s",
					  j, i, reason_name(i));
	}
}

TEST(names_reasons_format)
{
	char buf[64];

	CHECK_EQ_INT(reasons_format(MXG_R_S25R1 | MXG_R_FCRDNS, buf, sizeof(buf)), 12);
	CHECK_EQ_STR(buf, "s25r1,fcrdns");
	CHECK_EQ_INT(reasons_format(0, buf, sizeof(buf)), 1);
	CHECK_EQ_STR(buf, "-");
	reasons_format(1u << 30, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "bit30");
	reasons_format(MXG_R_S25R0 | MXG_R_TIMEOUT | (1u << 31), buf, sizeof(buf));
	CHECK_EQ_STR(buf, "s25r0,timeout,bit31");
	/* Truncation keeps the buffer terminated and says what it wrote. */
	CHECK_EQ_INT(reasons_format(MXG_R_S25R0 | MXG_R_TIMEOUT | MXG_R_DNSFAIL,
				    buf, 8), 7);
	CHECK_EQ_INT(strlen(buf), 7);
	CHECK_EQ_INT(reasons_format(0, buf, 1), 0);
	CHECK_EQ_STR(buf, "");
	CHECK_EQ_INT(reasons_format(MXG_R_S25R1, buf, 0), 0);
}

TEST(names_counters)
{
	char buf[32], other[32];

	CHECK_EQ_STR(stat_name(MXG_STAT_PACKETS, buf, sizeof(buf)), "packets");
	CHECK_EQ_STR(stat_name(MXG_STAT_SYN, buf, sizeof(buf)), "syn");
	CHECK_EQ_STR(stat_name(MXG_STAT_UNKNOWN, buf, sizeof(buf)), "unknown");
	CHECK_EQ_STR(stat_name(MXG_STAT_EXPIRED, buf, sizeof(buf)), "expired");
	CHECK_EQ_STR(stat_name(MXG_STAT_MALFORMED, buf, sizeof(buf)), "malformed");
	CHECK_EQ_STR(stat_name(MXG_STAT_ACTION + MXG_ACT_NONE, buf, sizeof(buf)), "action_none");
	CHECK_EQ_STR(stat_name(MXG_STAT_ACTION + MXG_ACT_PASS, buf, sizeof(buf)), "action_pass");
	CHECK_EQ_STR(stat_name(MXG_STAT_ACTION + MXG_ACT_THROTTLE, buf, sizeof(buf)),
		     "action_throttle");
	CHECK_EQ_STR(stat_name(MXG_STAT_REASON, buf, sizeof(buf)), "reason_s25r0");
	CHECK_EQ_STR(stat_name(MXG_STAT_REASON + 1, buf, sizeof(buf)), "reason_s25r1");
	CHECK_EQ_STR(stat_name(MXG_STAT_REASON + 7, buf, sizeof(buf)), "reason_fcrdns");
	CHECK_EQ_STR(stat_name(MXG_STAT_REASON + 25, buf, sizeof(buf)), "reason_bit25");
	CHECK_EQ_STR(stat_name(MXG_STAT_REASON + 31, buf, sizeof(buf)), "reason_bit31");
	CHECK_EQ_STR(stat_name(MXG_STAT_OVERLOAD_TEMPFAIL, buf, sizeof(buf)),
		     "overload_tempfail");
	CHECK_EQ_STR(stat_name(MXG_STAT_STORE_RECORDS, buf, sizeof(buf)), "store_records");
	CHECK_EQ_STR(stat_name(MXG_STAT_SENDER_PASS, buf, sizeof(buf)), "sender_pass");
	CHECK_EQ_STR(stat_name(MXG_STAT_DNS_DOWN, buf, sizeof(buf)), "dns_down");
	/* mxgatectl stats prints them all: no two may read the same. */
	for (unsigned i = 0; i < MXG_STAT_MAX; i++) {
		stat_name(i, buf, sizeof(buf));
		CHECK(buf[0] && !strchr(buf, ' ') && !strchr(buf, '?'));
		for (unsigned j = 0; j < i; j++)
			if (strcmp(buf, stat_name(j, other, sizeof(other))) == 0)
				test_fail(__FILE__, __LINE__, "counters %u and %u are both %s",
					  j, i, buf);
	}
	/* Truncated, never overrun. */
	CHECK_EQ_STR(stat_name(MXG_STAT_MALFORMED, buf, 4), "mal");
}
