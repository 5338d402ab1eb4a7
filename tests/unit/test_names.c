/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_names.c - addresses, actions, reasons and counters as text. */
#include <string.h>
#include "addr.h"
#include "names.h"
#include "test.h"

TEST(addr_ipv4_round_trip_is_mapped)
{
	struct mxg_key k;
	char buf[ADDR_STRLEN];

	CHECK_EQ_INT(addr_parse("192.0.2.7", &k), 0);
	CHECK(addr_is_v4(&k));
	CHECK_EQ_INT(k.plen, 128);
	CHECK_EQ_INT(k.addr[10], 0xff);
	CHECK_EQ_INT(k.addr[15], 7);
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "192.0.2.7");
}

TEST(addr_ipv6_and_prefixes)
{
	struct mxg_key k;
	char buf[ADDR_STRLEN];

	CHECK_EQ_INT(addr_parse("2001:db8::1", &k), 0);
	CHECK(!addr_is_v4(&k));
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2001:db8::1");
	/* Host bits are cleared so a prefix has one spelling. */
	CHECK_EQ_INT(addr_parse("198.51.100.77/24", &k), 0);
	CHECK_EQ_INT(k.plen, 120);
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "198.51.100.0/24");
	CHECK_EQ_INT(addr_parse("2001:db8:1:2:3::9/64", &k), 0);
	addr_format(&k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2001:db8:1:2::/64");
	CHECK_EQ_INT(k.pad[0] | k.pad[1] | k.pad[2], 0);
}

TEST(addr_garbage_is_rejected)
{
	struct mxg_key k;

	CHECK_EQ_INT(addr_parse("", &k), -1);
	CHECK_EQ_INT(addr_parse("192.0.2", &k), -1);
	CHECK_EQ_INT(addr_parse("192.0.2.1/33", &k), -1);
	CHECK_EQ_INT(addr_parse("192.0.2.1/", &k), -1);
	CHECK_EQ_INT(addr_parse("192.0.2.1/-1", &k), -1);
	CHECK_EQ_INT(addr_parse("2001:db8::1/129", &k), -1);
	CHECK_EQ_INT(addr_parse("mail.example.org", &k), -1);
	CHECK_EQ_INT(addr_parse("192.0.2.1 ", &k), -1);
}

TEST(names_actions_and_reasons)
{
	char buf[64];

	CHECK_EQ_STR(action_name(MXG_ACT_BLOCK), "block");
	CHECK_EQ_STR(action_name(99), "?");
	CHECK_EQ_INT(action_parse("greylist"), MXG_ACT_GREYLIST);
	CHECK_EQ_INT(action_parse("allow"), -1);
	reasons_format(MXG_R_S25R1 | MXG_R_FCRDNS, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "s25r1,fcrdns");
	reasons_format(0, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "-");
	reasons_format(1u << 30, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "bit30");
	/* Truncation keeps the buffer terminated. */
	reasons_format(MXG_R_S25R0 | MXG_R_TIMEOUT | MXG_R_DNSFAIL, buf, 8);
	CHECK(strlen(buf) < 8);
}

TEST(names_counters)
{
	char buf[32];

	CHECK_EQ_STR(stat_name(MXG_STAT_SYN, buf, sizeof(buf)), "syn");
	CHECK_EQ_STR(stat_name(MXG_STAT_ACTION + MXG_ACT_PASS, buf, sizeof(buf)), "action_pass");
	CHECK_EQ_STR(stat_name(MXG_STAT_REASON + 1, buf, sizeof(buf)), "reason_s25r1");
	CHECK_EQ_STR(stat_name(MXG_STAT_REASON + 20, buf, sizeof(buf)), "reason_bit20");
}
