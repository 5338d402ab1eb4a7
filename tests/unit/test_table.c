/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_table.c - Postfix access tables: formats, semantics, bad lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "table.h"
#include "test.h"

#define MAX_MSGS 16

static char msgs[MAX_MSGS][512];
static int n_msgs;
static char paths[4][64];

/* collect - table_set_load's reporter */
static void collect(const char *msg)
{
	if (n_msgs < MAX_MSGS)
		snprintf(msgs[n_msgs], sizeof(msgs[0]), "%s", msg);
	n_msgs++;
}

/* write_bytes - temporary table file i with len bytes (NUL bytes allowed) */
static const char *write_bytes(int i, const char *text, size_t len)
{
	int fd;

	snprintf(paths[i], sizeof(paths[i]), "/tmp/mxgate-table-test.XXXXXX");
	fd = mkstemp(paths[i]);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		test_fail(__FILE__, __LINE__, "cannot write %s", paths[i]);
	close(fd);
	return paths[i];
}

/* write_file - a temporary table file i with text */
static const char *write_file(int i, const char *text)
{
	return write_bytes(i, text, strlen(text));
}

/* load - "type:path" specs into set, collecting messages */
static int load(struct table_set *set, const char *specs)
{
	n_msgs = 0;
	return table_set_load(set, specs, collect);
}

/* addr_action - the action an address gets, -1 when nothing matches */
static int addr_action(const struct table_set *set, const char *text)
{
	struct mxg_key k;
	const struct table_rule *r;

	if (addr_parse(text, &k) < 0)
		return -2;
	r = table_match_addr(set, &k, NULL);
	return r ? r->action : -1;
}

/* name_action - the action a name gets, -1 when nothing matches */
static int name_action(const struct table_set *set, const char *name)
{
	const struct table_rule *r = table_match_name(set, name, NULL);

	return r ? r->action : -1;
}

TEST(table_hash_keys_follow_postfix)
{
	struct table_set set;
	char spec[128];

	snprintf(spec, sizeof(spec), "hash:%s", write_file(0,
		"# client_access from a seed\n"
		"202.66.133 DISCARD\n"
		"192.0.2.7 OK\n"
		"2001:db8::25 OK\n"
		"ac.jp OK\n"
		".example.net REJECT bad pool\n"
		"unknown 450 no reverse DNS, try later\n"
		"mail.example.org DUNNO\n"
		"Example.ORG REJECT\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(addr_action(&set, "202.66.133.200"), MXG_ACT_BLOCK);
	CHECK_EQ_INT(addr_action(&set, "202.66.134.1"), -1);
	CHECK_EQ_INT(addr_action(&set, "192.0.2.7"), MXG_ACT_PASS);
	CHECK_EQ_INT(addr_action(&set, "192.0.2.70"), -1);
	CHECK_EQ_INT(addr_action(&set, "2001:db8::25"), MXG_ACT_PASS);
	CHECK_EQ_INT(name_action(&set, "ac.jp"), MXG_ACT_PASS);
	CHECK_EQ_INT(name_action(&set, "mail.u-tokyo.ac.jp"), MXG_ACT_PASS);
	CHECK_EQ_INT(name_action(&set, "xac.jp"), -1);
	CHECK_EQ_INT(name_action(&set, "example.net"), -1);	/* ".": below only */
	CHECK_EQ_INT(name_action(&set, "dyn1.example.net"), MXG_ACT_BLOCK);
	CHECK_EQ_INT(name_action(&set, NULL), MXG_ACT_GREYLIST);	/* unknown */
	/* First match wins: DUNNO stops the search with no decision. */
	CHECK_EQ_INT(name_action(&set, "mail.example.org"), MXG_ACT_NONE);
	CHECK_EQ_INT(name_action(&set, "MX.example.org"), MXG_ACT_BLOCK);
	{
		const struct table_rule *r = table_match_name(&set, "a.example.net", NULL);

		CHECK(r && !strcmp(r->text, "bad pool") && r->line == 6);
	}
	table_set_free(&set);
	unlink(paths[0]);
}

TEST(table_cidr_and_order_across_tables)
{
	struct table_set set;
	char spec[256];

	snprintf(spec, sizeof(spec), "cidr:%s, hash:%s", write_file(0,
		"198.51.100.0/24 REJECT\n"
		"198.51.100.10/32 OK\n"
		"2001:db8:c::/48 DISCARD\n"), write_file(1, "198.51.100.10 OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	/* The first table's first match decides, as in Postfix. */
	CHECK_EQ_INT(addr_action(&set, "198.51.100.10"), MXG_ACT_BLOCK);
	CHECK_EQ_INT(addr_action(&set, "2001:db8:c:1::9"), MXG_ACT_BLOCK);
	CHECK_EQ_INT(addr_action(&set, "2001:db8:d::9"), -1);
	CHECK_EQ_INT(name_action(&set, NULL), -1);
	table_set_free(&set);
	unlink(paths[0]);
	unlink(paths[1]);
}

TEST(table_pcre_s25r_style)
{
	struct table_set set;
	char spec[128];

	snprintf(spec, sizeof(spec), "pcre:%s", write_file(0,
		"# client_access_S25R\n"
		"/\\.dip[0-9]+\\.t-ipconnect\\.de$/ 450 S25R check, be patient\n"
		"/^unknown$/ 450 no reverse\n"
		"!/\\.jp$/ DUNNO\n"
		"/^[^.]*[0-9][^0-9.]+[0-9]/\n"
		"    REJECT continued line\n"
		"/^Case\\.example$/i OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(name_action(&set, "p5DC1F2A3.dip0.t-ipconnect.de"), MXG_ACT_GREYLIST);
	CHECK_EQ_INT(name_action(&set, NULL), MXG_ACT_GREYLIST);
	CHECK_EQ_INT(name_action(&set, "mail.example.org"), MXG_ACT_NONE);	/* not .jp */
	CHECK_EQ_INT(name_action(&set, "a12a190.neo.example.jp"), MXG_ACT_BLOCK);
	{
		const struct table_rule *r = table_match_name(&set, "a1b2.example.jp", NULL);

		CHECK(r && r->line == 5 && !strcmp(r->text, "continued line"));
	}
	/* "i" toggles the default case-insensitivity off. */
	CHECK_EQ_INT(name_action(&set, "case.example.jp"), -1);
	table_set_free(&set);
	unlink(paths[0]);
}

TEST(table_bad_lines_name_file_and_line_and_load_nothing)
{
	struct table_set set;
	char spec[256], prefix[96];
	int rc;

	snprintf(spec, sizeof(spec), "hash:%s pcre:%s", write_file(0,
		"192.0.2.1 OK\n"
		"192.0.2.2\n"			/* 2: no action */
		"bad/key REJECT\n"		/* 3 */
		"example.com HOLD\n"),		/* 4: action without meaning */
		write_file(1,
		"/unclosed REJECT\n"		/* 1 */
		"/a(/ REJECT\n"			/* 2: bad regex */
		"/x/q REJECT\n"			/* 3: bad flag */
		"if /x/\n"));			/* 4 */
	rc = load(&set, spec);
	CHECK_EQ_INT(rc, 7);
	CHECK_EQ_INT(set.n_tables, 0);		/* nothing half-loaded */
	snprintf(prefix, sizeof(prefix), "%s:2: missing action", paths[0]);
	CHECK(n_msgs > 0 && !strncmp(msgs[0], prefix, strlen(prefix)));
	snprintf(prefix, sizeof(prefix), "%s:4: action \"HOLD\"", paths[0]);
	CHECK(n_msgs > 2 && !strncmp(msgs[2], prefix, strlen(prefix)));
	snprintf(prefix, sizeof(prefix), "%s:2: regex \"a(\"", paths[1]);
	CHECK(n_msgs > 4 && !strncmp(msgs[4], prefix, strlen(prefix)));
	CHECK_EQ_INT(load(&set, "btree:/etc/x"), 1);
	CHECK(strstr(msgs[0], "hash:, cidr: or pcre:") != NULL);
	CHECK_EQ_INT(load(&set, "hash:/nonexistent/table"), 1);
	CHECK(strstr(msgs[0], "/nonexistent/table: No such file") != NULL);
	unlink(paths[0]);
	unlink(paths[1]);
}

TEST(table_leading_blanks_are_skipped_not_keys)
{
	struct table_set set;
	char spec[128];

	/* The file: read key[-1] (an empty key) and failed to load. */
	snprintf(spec, sizeof(spec), "hash:%s", write_file(0,
		"\t# indented comment\nexample.com OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(n_msgs, 0);
	CHECK_EQ_INT(name_action(&set, "example.com"), MXG_ACT_PASS);
	table_set_free(&set);
	unlink(paths[0]);

	/* A first line with blanks before it is an entry, blanks skipped;
	 * an indented comment inside an entry neither ends nor joins it. */
	snprintf(spec, sizeof(spec), "hash:%s", write_file(0,
		"  \t192.0.2.9 REJECT\n"
		"example.org\n"
		"   # a note between the key and its action\n"
		"   DISCARD spam source\n"
		" \t \n"
		"   .example.net OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(addr_action(&set, "192.0.2.9"), MXG_ACT_BLOCK);
	{
		const struct table_rule *r = table_match_name(&set, "example.org", NULL);

		CHECK(r && r->action == MXG_ACT_BLOCK && r->line == 2 &&
		      !strcmp(r->text, "spam source"));
	}
	/* The blank line ended the entry: the next one stands alone. */
	CHECK_EQ_INT(name_action(&set, "a.example.net"), MXG_ACT_PASS);
	table_set_free(&set);
	unlink(paths[0]);

	/* The same for cidr and pcre tables. */
	snprintf(spec, sizeof(spec), "cidr:%s pcre:%s",
		 write_file(0, "\t# c\n  198.51.100.0/24 REJECT\n"),
		 write_file(1, " # p\n\t/^mx\\./ OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(addr_action(&set, "198.51.100.1"), MXG_ACT_BLOCK);
	CHECK_EQ_INT(name_action(&set, "mx.example.com"), MXG_ACT_PASS);
	table_set_free(&set);
	unlink(paths[0]);
	unlink(paths[1]);
}

TEST(table_long_lines_and_nul_bytes_are_bad_lines_not_rules)
{
	struct table_set set;
	char spec[128], want[128];
	char *text = malloc(9000);
	size_t n;

	/* The line: 4,075 x's push "0.0.0.0/0 OK" past byte 4,095. */
	n = (size_t)sprintf(text, "192.0.2.0/24 REJECT ");
	memset(text + n, 'x', 4075);
	n += 4075;
	n += (size_t)sprintf(text + n, "0.0.0.0/0 OK\n198.51.100.0/24 OK\n");
	snprintf(spec, sizeof(spec), "cidr:%s", write_bytes(0, text, n));
	CHECK_EQ_INT(load(&set, spec), 1);
	CHECK_EQ_INT(set.n_tables, 0);
	snprintf(want, sizeof(want), "%s:1: line longer than 4095 bytes", paths[0]);
	CHECK(n_msgs == 1 && !strcmp(msgs[0], want));
	unlink(paths[0]);

	/* A NUL byte used to end the line there, silently. */
	snprintf(spec, sizeof(spec), "hash:%s", write_bytes(0,
		"example.com OK\0 REJECT\nexample.net OK\n", 38));
	CHECK_EQ_INT(load(&set, spec), 1);
	snprintf(want, sizeof(want), "%s:1: line contains a NUL byte", paths[0]);
	CHECK(n_msgs == 1 && !strcmp(msgs[0], want));
	unlink(paths[0]);

	/* Continuation lines that add up past the limit: one bad entry, and
	 * its other lines do not become entries of their own. */
	n = (size_t)sprintf(text, "example.com REJECT\n");
	for (int i = 0; i < 5; i++) {
		text[n++] = ' ';
		memset(text + n, 'y', 1000);
		n += 1000;
		text[n++] = '\n';
	}
	n += (size_t)sprintf(text + n, " 0.0.0.0/0 OK\nexample.org OK\n");
	snprintf(spec, sizeof(spec), "hash:%s", write_bytes(0, text, n));
	CHECK_EQ_INT(load(&set, spec), 1);
	snprintf(want, sizeof(want), "%s:6: entry longer than 4095 bytes", paths[0]);
	CHECK(n_msgs == 1 && !strcmp(msgs[0], want));
	unlink(paths[0]);

	/* Exactly 4,095 bytes is a line. */
	n = (size_t)sprintf(text, "example.com REJECT ");
	memset(text + n, 'z', 4095 - n);
	text[4095] = '\n';
	snprintf(spec, sizeof(spec), "hash:%s", write_bytes(0, text, 4096));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(name_action(&set, "example.com"), MXG_ACT_BLOCK);
	table_set_free(&set);
	unlink(paths[0]);
	free(text);
}

/* hostile_name - 255 bytes: four 63-letter labels of c */
static void hostile_name(char name[256], char c)
{
	size_t o = 0;

	for (int l = 0; l < 4; l++) {
		if (l)
			name[o++] = '.';
		memset(name + o, c, 63);
		o += 63;
	}
	name[o] = 0;
}

TEST(table_regex_error_never_flips_a_decision)
{
	struct table_set set;
	const struct table *in = NULL;
	const struct table_rule *r;
	char spec[128], name[256];

	hostile_name(name, 'a');
	CHECK_EQ_INT(strlen(name), 255);
	/* The pair: the match limit made the first rule "no match"
	 * and the negated second one a match, so the client was passed. */
	snprintf(spec, sizeof(spec), "pcre:%s", write_file(0,
		"/(a+)+$/ REJECT\n"
		"!/(a+)+$/ OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	r = table_match_name(&set, name, &in);
	CHECK(r != NULL && r->action == MXG_ACT_BLOCK && r->line == 1);
	CHECK(r && !strcmp(r->text, TABLE_REGEX_ERROR_TEXT));
	CHECK(in == &set.tables[0]);
	/* Names the regex can answer for are answered as before. */
	CHECK_EQ_INT(name_action(&set, "mail.example.com"), MXG_ACT_PASS);
	CHECK_EQ_INT(name_action(&set, "mx.aaa"), MXG_ACT_BLOCK);
	table_set_free(&set);
	unlink(paths[0]);

	/* A negated rule alone, and an OK rule followed by a later OK: the
	 * error is never an OK, nor a way past the rule to a later one. */
	snprintf(spec, sizeof(spec), "pcre:%s hash:%s", write_file(0,
		"!/(a|aa)+$/ OK\n"), write_file(1, "aaa OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(name_action(&set, name), MXG_ACT_BLOCK);
	CHECK_EQ_INT(name_action(&set, "b.example"), MXG_ACT_PASS);
	table_set_free(&set);
	unlink(paths[0]);
	unlink(paths[1]);
	snprintf(spec, sizeof(spec), "pcre:%s", write_file(0,
		"/^(\\w+)+\\d$/ OK\n"
		"/./ OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	r = table_match_name(&set, name, NULL);
	CHECK(r != NULL && r->action == MXG_ACT_BLOCK && r->line == 1);
	/* A DUNNO rule's error is a refusal too, and so is a second one in
	 * a row (its warning is rate-limited, the answer is not). */
	table_set_free(&set);
	unlink(paths[0]);
	snprintf(spec, sizeof(spec), "pcre:%s", write_file(0,
		"/x/ OK\n"
		"/(a+)+$/ DUNNO\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	CHECK_EQ_INT(name_action(&set, name), MXG_ACT_BLOCK);
	CHECK_EQ_INT(name_action(&set, name), MXG_ACT_BLOCK);
	r = table_match_name(&set, name, NULL);
	CHECK(r != NULL && r->line == 2);
	table_set_free(&set);
	unlink(paths[0]);
}

TEST(table_regex_limits_leave_ordinary_patterns_alone)
{
	struct table_set set;
	char spec[128], name[256];

	/* S25R-style patterns need a few hundred steps on any 255-byte
	 * name: far below the limit, so they never turn into refusals. */
	snprintf(spec, sizeof(spec), "pcre:%s", write_file(0,
		"/^[^.]*[0-9][^0-9.]+[0-9]/ 450 s25r1\n"
		"/^([^.]+\\.)?[0-9][^.]*\\.[^.]+\\..+\\.[a-z]/ 450 s25r3\n"
		"/^[^.]*[0-9]\\.[^.]*[0-9]\\.[^.]+\\..+\\./ 450 s25r5\n"
		"/(.+)\\.(.+)\\.(.+)\\.(.+)$/ OK\n"));
	CHECK_EQ_INT(load(&set, spec), 0);
	hostile_name(name, '0');
	CHECK_EQ_INT(name_action(&set, name), MXG_ACT_PASS);
	hostile_name(name, 'a');
	CHECK_EQ_INT(name_action(&set, name), MXG_ACT_PASS);
	CHECK_EQ_INT(name_action(&set, "p1234-ipbf5.example.ne.jp"), MXG_ACT_GREYLIST);
	table_set_free(&set);
	unlink(paths[0]);
}
