/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_s25r.c - S25R rules 1-6 on DOMAIN.md's examples and clean names. */
#include <string.h>
#include "s25r.h"
#include "test.h"

struct example {
	const char *name;
	int rule;		/* first rule that must fire; 0 = none */
};

/* The examples published with each rule (first matching rule noted). */
static const struct example dynamic[] = {
	{ "evrtwa1-ar3-4-65-157-048.evrtwa1.dsl-verizon.net", 1 },
	{ "a12a190.neo.rr.com", 1 },
	{ "pcp04083532pcs.levtwn01.pa.comcast.net", 2 },
	{ "398pkj.cm.chello.no", 3 },
	{ "host.101.169.23.62.rev.coltfrance.com", 3 },
	{ "wbar9.chi1-4-11-085-222.dsl-verizon.net", 4 },
	{ "d5.GtokyoFL27.vectant.ne.jp", 5 },
	{ "dhcp0339.vpm.resnet.group.upenn.edu", 6 },
	{ "dialupM107.ptld.uswest.net", 6 },
	{ "PPPbf708.tokyo-ip.dti.ne.jp", 6 },
	{ "dsl411.rbh-brktel.pppoe.execulink.com", 6 },
	{ "adsl-1415.camtel.net", 6 },
	{ "xdsl-5790.lubin.dialog.net.pl", 6 },
	/* Names from the test world (tests/e2e/lib.sh). */
	{ "dyn-198-51-100-20.pool.example.net", 1 },
	{ "dyn6-2001-db8-c-20.pool.example.net", 1 },
};

/* Mail servers that must pass. */
static const char *const clean[] = {
	"mail.example.org", "mx1.example.co.jp", "smtp01.example.ne.jp",
	"mail.google.com", "mx.sender.example", "mail.sender.example",
	"mx2.sender.example", "smtp.mail.yahoo.co.jp", "mta5.am0.yahoodns.net",
	"out.example", "localhost", "smtp-out.example.com", "mx01.example.jp",
};

TEST(s25r_examples_hit_their_rule)
{
	CHECK_EQ_INT(s25r_init(), 0);
	for (size_t i = 0; i < sizeof(dynamic) / sizeof(dynamic[0]); i++) {
		int got = s25r_match(dynamic[i].name);

		if (got != dynamic[i].rule)
			test_fail(__FILE__, __LINE__, "%s: rule %d, expected %d",
				  dynamic[i].name, got, dynamic[i].rule);
	}
	s25r_free();
}

TEST(s25r_mail_servers_are_clean)
{
	CHECK_EQ_INT(s25r_init(), 0);
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		int got = s25r_match(clean[i]);

		if (got != 0)
			test_fail(__FILE__, __LINE__, "%s: rule %d, expected clean",
				  clean[i], got);
	}
	s25r_free();
}

TEST(s25r_rules_ignore_case)
{
	CHECK_EQ_INT(s25r_init(), 0);
	CHECK_EQ_INT(s25r_match("DIALUPM107.PTLD.USWEST.NET"), 6);
	CHECK_EQ_INT(s25r_match("A12A190.NEO.RR.COM"), 1);
	CHECK_EQ_INT(s25r_match("MAIL.EXAMPLE.ORG"), 0);
	s25r_free();
}

TEST(s25r_edge_names)
{
	CHECK_EQ_INT(s25r_init(), 0);
	CHECK_EQ_INT(s25r_match(""), 0);
	CHECK_EQ_INT(s25r_match("."), 0);
	/* Digits only after the first label do not make a line dynamic. */
	CHECK_EQ_INT(s25r_match("mail.12345.example"), 0);
	/* Rule 2: five digits in a row in the first label. */
	CHECK_EQ_INT(s25r_match("host12345.example.net"), 2);
	s25r_free();
}

TEST(s25r_patterns_are_exposed)
{
	CHECK(s25r_pattern(0) == NULL);
	CHECK(s25r_pattern(S25R_ALL + 1) == NULL);
	CHECK_EQ_STR(s25r_pattern(2), "^[^.]*[0-9]{5}");
	CHECK_EQ_STR(s25r_name(0), "s25r0");
	CHECK_EQ_STR(s25r_name(6), "s25r6");
	CHECK_EQ_STR(s25r_name(7), "tpnet");
}

TEST(s25r_supplemental_pools)
{
	static const struct example pools[] = {
		{ "abcd.internetdsl.tpnet.pl", 0 }, { "user-1.mindspring.com", 0 },
		{ "c8a0f3e1.virtua.com.br", 0 }, { "x.catv.broadband.hu", 0 },
		{ "x1a2b.dsl.pppool.de", 0 }, { "p5DC1F2A3.dip0.t-ipconnect.de", 0 },
		{ "pd9e1.dip.t-dialin.net", 0 }, { "ool-18b.dyn.optonline.net", 0 },
		{ "cp.cable.wanadoo.nl", 0 }, { "acd2.ipt.aol.com", 0 },
	};

	CHECK_EQ_INT(s25r_init(), 0);
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		int got = s25r_match(pools[i].name);

		if (got < 1)
			test_fail(__FILE__, __LINE__, "%s: no rule matched", pools[i].name);
	}
	/* A name only a supplemental pattern catches. */
	CHECK_EQ_STR(s25r_name(s25r_match("acd.ipt.aol.com")), "aol");
	CHECK_EQ_STR(s25r_name(s25r_match("abcd.adsl.tpnet.pl")), "tpnet");
	s25r_free();
}

TEST(s25r_init_twice_and_long_names)
{
	char name[300];

	CHECK_EQ_INT(s25r_init(), 0);
	/* A second init replaces the rules; ASan reports a leak if not. */
	CHECK_EQ_INT(s25r_init(), 0);
	CHECK_EQ_INT(s25r_match("adsl-1415.camtel.net"), 6);
	/* The longest name DNS allows, made of clean labels. */
	memset(name, 'a', sizeof(name));
	for (int i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = 0;
	CHECK_EQ_INT(s25r_match(name), 0);
	/* The same with a dynamic-looking first label. */
	memcpy(name, "ppp12", 5);
	CHECK_EQ_INT(s25r_match(name), 6);
	s25r_free();
	s25r_free();		/* harmless when already free */
}
