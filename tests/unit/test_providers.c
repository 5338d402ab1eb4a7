/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_providers.c - the provider allowlist: the shipped list against the
 * providers' real naming schemes, label-boundary matching, the key's
 * syntax, files that add to it or replace it, bad lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "providers.h"
#include "test.h"

#define MAX_MSGS 16

static char msgs[MAX_MSGS][512];
static int n_msgs;

/* collect - providers_load's reporter */
static void collect(const char *msg)
{
	if (n_msgs < MAX_MSGS)
		snprintf(msgs[n_msgs], sizeof(msgs[0]), "%s", msg);
	n_msgs++;
}

/* load - spec into pl, collecting messages; the number of problems */
static int load(struct providers *pl, const char *spec)
{
	n_msgs = 0;
	return providers_load(pl, spec, collect);
}

/* has_msg - some message contains text */
static int has_msg(const char *text)
{
	for (int i = 0; i < n_msgs && i < MAX_MSGS; i++)
		if (strstr(msgs[i], text))
			return 1;
	return 0;
}

/* write_file - a temporary provider file with text, its path in path */
static const char *write_file(char *path, size_t len, const char *text)
{
	int fd;

	snprintf(path, len, "/tmp/mxgate-providers-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	return path;
}

/* domain_of - the domain name matched in pl, or "-" */
static const char *domain_of(const struct providers *pl, const char *name)
{
	const struct provider *p = providers_match(pl, name);

	return p ? p->domain : "-";
}

/* Real outbound names of each provider the list must cover (the naming
 * schemes seen in their Received headers and PTR records), and the
 * shipped domain that covers them. */
static const struct {
	const char *name;
	const char *domain;
} real[] = {
	/* Google: Gmail and Workspace, IPv4 and IPv6 pools. */
	{ "mail-wm1-f54.google.com", "google.com" },
	{ "mail-ej1-f41.google.com", "google.com" },
	{ "mail-io1-xd2f.google.com", "google.com" },
	/* Microsoft 365 and Outlook.com (EOP), Hotmail's older relays. */
	{ "mail-dm6nam12on2041.outbound.protection.outlook.com",
	  "outbound.protection.outlook.com" },
	{ "mail-bn8nam11on2090.eop-nam11.outbound.protection.outlook.com",
	  "outbound.protection.outlook.com" },
	{ "mail-oln040092065088.outbound.protection.outlook.com",
	  "outbound.protection.outlook.com" },
	{ "blu004-omc1s12.hotmail.com", "hotmail.com" },
	/* Yahoo (and AOL on Yahoo's servers), Yahoo! JAPAN, AOL's own. */
	{ "sonic309-21.consmr.mail.ne1.yahoo.com", "yahoo.com" },
	{ "nm12-vm0.bullet.mail.bf1.yahoo.com", "yahoo.com" },
	{ "nh604-vm6.bullet.mail.ssk.yahoo.co.jp", "yahoo.co.jp" },
	{ "omr-m021e.mx.aol.com", "mx.aol.com" },
	/* Apple: iCloud pools, Apple's own mail. */
	{ "st43p00im-ztfb10063301.me.com", "me.com" },
	{ "qs51p00im-qukt01071502.mail.icloud.com", "mail.icloud.com" },
	{ "rn2-txn-msbadger07104.apple.com", "apple.com" },
	{ "ma1-aaemail-dr-lapp03.outbound.mail.apple.com", "apple.com" },
	/* Amazon SES, every region. */
	{ "a27-12.smtp-out.us-west-2.amazonses.com", "amazonses.com" },
	{ "e226-55.smtp-out.us-east-2.amazonses.com", "amazonses.com" },
	{ "a8-35.smtp-out.amazonses.com", "amazonses.com" },
	/* SendGrid, Mailgun, Mailchimp and Mandrill. */
	{ "o1.ptr1234.example.sendgrid.net", "sendgrid.net" },
	{ "wrqvdxzv.outbound-mail.sendgrid.net", "sendgrid.net" },
	{ "m228-12.mailgun.net", "mailgun.net" },
	{ "so254-31.mailgun.net", "mailgun.net" },
	{ "mail187-12.suw21.mandrillapp.com", "mandrillapp.com" },
	{ "mail1.mcsv.net", "mcsv.net" },
	{ "mail94.atl91.rsgsv.net", "rsgsv.net" },
	{ "mail55.atl61.mcdlv.net", "mcdlv.net" },
	/* Fastmail, Proton, Zoho. */
	{ "wout5-smtp.messagingengine.com", "messagingengine.com" },
	{ "mail-40131.protonmail.ch", "protonmail.ch" },
	{ "sender4-op-o14.zoho.com", "zoho.com" },
	/* The Japanese carriers of the seeds' tables. */
	{ "nx3oBP03-05.ezweb.ne.jp", "ezweb.ne.jp" },
	{ "mfsmax.docomo.ne.jp", "docomo.ne.jp" },
	{ "mfsmge11.softbank.ne.jp", "softbank.ne.jp" },
	{ "mgw3.vodafone.ne.jp", "vodafone.ne.jp" },
};

TEST(providers_builtin_covers_real_naming_schemes)
{
	struct providers pl;

	CHECK_EQ_INT(load(&pl, "builtin"), 0);
	CHECK_EQ_INT(pl.n, providers_builtin_count());
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		if (strcmp(domain_of(&pl, real[i].name), real[i].domain) != 0)
			test_fail(__FILE__, __LINE__, "%s: matched %s, expected %s",
				  real[i].name, domain_of(&pl, real[i].name),
				  real[i].domain);
	CHECK_EQ_STR(providers_match(&pl, "mail-wm1-f54.google.com")->origin, "builtin");
	providers_free(&pl);
	providers_free(&pl);	/* twice is harmless */
	CHECK(pl.n == 0 && pl.list == NULL);
}

TEST(providers_match_whole_labels_only)
{
	static const char *const outside[] = {
		"evilgoogle.com", "mail-wm1-f54.evilgoogle.com",
		"google.com.evil.example", "mail-wm1-f54.google.com.evil.example",
		"google.co", "oogle.com", "com", "",
		/* Customers' machines and end-user lines of the same companies. */
		"89.67.45.34.bc.googleusercontent.com",
		"ec2-54-123-45-67.compute-1.amazonaws.com",
		"ACBBD419.ipt.aol.com", "KD106154012034.au-net.ne.jp",
		"sp49-96-12-34.msc.spmode.ne.jp", "softbank126012034056.bbtec.net",
		"mail.protection.outlook.com", "notyahoo.com",
	};
	struct providers pl;

	CHECK_EQ_INT(load(&pl, "builtin"), 0);
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		if (providers_match(&pl, outside[i]))
			test_fail(__FILE__, __LINE__, "\"%s\" matched %s", outside[i],
				  domain_of(&pl, outside[i]));
	/* The domain itself, and any case. */
	CHECK_EQ_STR(domain_of(&pl, "google.com"), "google.com");
	CHECK_EQ_STR(domain_of(&pl, "MAIL-WM1-F54.Google.COM"), "google.com");
	CHECK(providers_match(&pl, NULL) == NULL);
	CHECK(providers_match(NULL, "mail-wm1-f54.google.com") == NULL);
	providers_free(&pl);
}

TEST(providers_spec_syntax)
{
	static const char *const good[] = {
		"builtin", "none", "/etc/mxgate/providers", "builtin, /etc/mxgate/p",
		"/a /b,builtin",
	};
	static const struct { const char *spec, *why; } refused[] = {
		{ "bultin", "\"bultin\" is not builtin, none or an absolute path" },
		{ "providers", "is not builtin, none or an absolute path" },
		{ "none, builtin", "\"none\" alone" },
		{ "none none", "\"none\" alone" },
		{ " , ", "\"none\" alone" },
	};
	char why[256];
	struct providers pl;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (providers_spec_check(good[i], why, sizeof(why)) != 0)
			test_fail(__FILE__, __LINE__, "\"%s\" refused: %s", good[i], why);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		why[0] = 0;
		CHECK_EQ_INT(providers_spec_check(refused[i].spec, why, sizeof(why)), -1);
		if (!strstr(why, refused[i].why))
			test_fail(__FILE__, __LINE__, "\"%s\": \"%s\"", refused[i].spec, why);
	}
	/* The loader says the same, and loads nothing. */
	CHECK_EQ_INT(load(&pl, "bultin"), 1);
	CHECK(has_msg("provider_allowlist: \"bultin\" is not builtin"));
	CHECK_EQ_INT(pl.n, 0);
	CHECK_EQ_INT(load(&pl, "none"), 0);
	CHECK_EQ_INT(pl.n, 0);
	CHECK(providers_match(&pl, "mail-wm1-f54.google.com") == NULL);
	providers_free(&pl);
}

TEST(providers_files_add_to_or_replace_the_builtin_list)
{
	char path[64], origin[96];
	char spec[128];
	struct providers pl;

	write_file(path, sizeof(path),
		   "# our partners' relays\n"
		   "\n"
		   "Relay.Partner.Example   # upper case is fine\n"
		   "  outbound.example.net\t\n"
		   "google.com\n");
	/* Alone: it replaces the shipped list. */
	CHECK_EQ_INT(load(&pl, path), 0);
	CHECK_EQ_INT(n_msgs, 0);
	CHECK_EQ_INT(pl.n, 3);
	CHECK_EQ_STR(domain_of(&pl, "mx7.relay.partner.example"), "relay.partner.example");
	snprintf(origin, sizeof(origin), "%s:3", path);
	CHECK_EQ_STR(providers_match(&pl, "relay.partner.example")->origin, origin);
	CHECK_EQ_STR(domain_of(&pl, "a27-12.smtp-out.us-west-2.amazonses.com"), "-");
	providers_free(&pl);
	/* After builtin: added to it; google.com is kept once, as shipped. */
	snprintf(spec, sizeof(spec), "builtin, %s", path);
	CHECK_EQ_INT(load(&pl, spec), 0);
	CHECK_EQ_INT(pl.n, providers_builtin_count() + 2);
	CHECK_EQ_STR(providers_match(&pl, "mail-ej1-f41.google.com")->origin, "builtin");
	CHECK_EQ_STR(domain_of(&pl, "x.outbound.example.net"), "outbound.example.net");
	CHECK_EQ_STR(domain_of(&pl, "a27-12.smtp-out.us-west-2.amazonses.com"),
		     "amazonses.com");
	providers_free(&pl);
	unlink(path);
}

TEST(providers_bad_lines_name_file_and_line_and_load_nothing)
{
	char path[64], spec[128], want[128];
	struct providers pl;

	write_file(path, sizeof(path),
		   "good.example\n"
		   "com\n"
		   ".google.com\n"
		   "google.com.\n"
		   "a..example\n"
		   "relay.example OK\n"
		   "bad!name.example\n");
	snprintf(spec, sizeof(spec), "builtin %s", path);
	CHECK_EQ_INT(load(&pl, spec), 6);
	CHECK_EQ_INT(pl.n, 0);
	CHECK(pl.list == NULL);
	snprintf(want, sizeof(want), "%s:2: \"com\" is a top-level domain alone", path);
	CHECK(has_msg(want));
	snprintf(want, sizeof(want), "%s:3: \".google.com\" starts with a dot", path);
	CHECK(has_msg(want));
	snprintf(want, sizeof(want), "%s:4: \"google.com.\" ends with a dot", path);
	CHECK(has_msg(want));
	snprintf(want, sizeof(want), "%s:5: \"a..example\" has an empty label", path);
	CHECK(has_msg(want));
	snprintf(want, sizeof(want), "%s:6: \"OK\" after \"relay.example\": one "
		 "domain a line", path);
	CHECK(has_msg(want));
	snprintf(want, sizeof(want), "%s:7: \"bad!name.example\" holds a character", path);
	CHECK(has_msg(want));
	unlink(path);
	CHECK_EQ_INT(load(&pl, "/nonexistent/providers"), 1);
	CHECK(has_msg("/nonexistent/providers: No such file"));
	CHECK_EQ_INT(pl.n, 0);
}

TEST(providers_builtin_list_is_in_the_man_page)
{
	FILE *f = fopen("man/mxgate.conf.5", "r");	/* from the top of the tree */
	char *text = calloc(1, 1 << 17);
	size_t n;

	CHECK(f != NULL && text != NULL);
	if (!f || !text) {
		free(text);
		if (f)
			fclose(f);
		return;
	}
	n = fread(text, 1, (1 << 17) - 1, f);
	fclose(f);
	text[n] = 0;
	CHECK(providers_builtin_at(providers_builtin_count()) == NULL);
	for (size_t i = 0; i < providers_builtin_count(); i++) {
		char line[128];

		/* One ".B domain" line each, in the list under provider_allowlist. */
		snprintf(line, sizeof(line), "\n.B %s\n", providers_builtin_at(i));
		if (!strstr(text, line))
			test_fail(__FILE__, __LINE__, "man/mxgate.conf.5 does not list %s",
				  providers_builtin_at(i));
	}
	free(text);
}
