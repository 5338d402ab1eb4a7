/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_manual.c - the admin's decisions without a kernel: lifetimes
 * ("90m", "7d", "forever") and what is refused; comments (length,
 * printable ASCII only) and their quoting, which round-trips every byte
 * and never splits a line; the file written and read back the same,
 * bad lines reported as FILE:LINE and skipped; the clocks of the map;
 * the ranking of offenders (by source, by /24 and /64), from entries
 * given by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "clock.h"
#include "manual.h"
#include "offenders.h"
#include "test.h"

#define SECOND 1000000000ULL
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ttl - manual_parse_ttl's seconds, or -1 when refused (why filled) */
static long long ttl(const char *text)
{
	char why[160] = "";
	__u64 s = 12345;

	if (manual_parse_ttl(text, &s, why, sizeof(why)) < 0) {
		CHECK(why[0] != 0);
		CHECK(strstr(why, text) != NULL);	/* the message names it */
		return -1;
	}
	return (long long)s;
}

TEST(manual_ttl_takes_units_and_forever)
{
	static const char *const bad[] = {
		"", "0", "0s", "0d", "h", "1x", "1hh", "1h30m", "-5", "+5", " 5", "5 ",
		"0x10", "1.5h", "Forever", "never", "3651d", "522w", "87600h1",
		"99999999999999999999999", "18446744073709551617s", "1H", "1D",
	};

	CHECK_EQ_INT(ttl("forever"), 0);
	CHECK_EQ_INT(ttl("90"), 90);
	CHECK_EQ_INT(ttl("90s"), 90);
	CHECK_EQ_INT(ttl("90m"), 5400);
	CHECK_EQ_INT(ttl("1h"), 3600);
	CHECK_EQ_INT(ttl("12h"), 43200);
	CHECK_EQ_INT(ttl("7d"), 7 * 86400);
	CHECK_EQ_INT(ttl("2w"), 14 * 86400);
	CHECK_EQ_INT(ttl("007d"), 7 * 86400);
	CHECK_EQ_INT(ttl("3650d"), 3650LL * 86400);		/* the most */
	CHECK_EQ_INT(ttl("521w"), 521LL * 7 * 86400);
	for (size_t i = 0; i < N(bad); i++)
		CHECK_EQ_INT(ttl(bad[i]), -1);
}

TEST(manual_ttl_messages_say_why)
{
	char why[160];
	__u64 s;

	CHECK_EQ_INT(manual_parse_ttl("3651d", &s, why, sizeof(why)), -1);
	CHECK_EQ_STR(why, "\"3651d\" is out of range (1s to 3650d, or forever)");
	CHECK_EQ_INT(manual_parse_ttl("1hr", &s, why, sizeof(why)), -1);
	CHECK_EQ_STR(why, "\"1hr\" is not a lifetime (e.g. 90m, 12h, 7d, 2w, forever)");
}

TEST(manual_comment_printable_ascii_and_short)
{
	char why[160], c[80];

	CHECK_EQ_INT(manual_comment_ok("", why, sizeof(why)), 0);
	CHECK_EQ_INT(manual_comment_ok("spam run, ticket #42 (\"see\" \\ log)", why,
				       sizeof(why)), 0);
	memset(c, 'x', sizeof(c));
	c[MXG_MANUAL_COMMENT - 1] = 0;			/* 63 bytes */
	CHECK_EQ_INT(manual_comment_ok(c, why, sizeof(why)), 0);
	c[MXG_MANUAL_COMMENT - 1] = 'x';
	c[MXG_MANUAL_COMMENT] = 0;			/* 64 bytes */
	CHECK_EQ_INT(manual_comment_ok(c, why, sizeof(why)), -1);
	CHECK_EQ_STR(why, "the comment is 64 bytes long; at most 63");
	CHECK_EQ_INT(manual_comment_ok("two\nlines", why, sizeof(why)), -1);
	CHECK_EQ_STR(why, "the comment may hold printable ASCII only (byte 4 is 0x0a)");
	CHECK_EQ_INT(manual_comment_ok("tab\there", why, sizeof(why)), -1);
	CHECK_EQ_INT(manual_comment_ok("esc\x1b[2J", why, sizeof(why)), -1);
	CHECK_EQ_INT(manual_comment_ok("del\x7f", why, sizeof(why)), -1);
	CHECK_EQ_INT(manual_comment_ok("M\xc3\xbcller", why, sizeof(why)), -1);
}

TEST(manual_quote_escapes_and_round_trips_every_byte)
{
	char q[MANUAL_QUOTED_MAX], back[MXG_MANUAL_COMMENT], in[MXG_MANUAL_COMMENT];
	const char *end;

	manual_quote("plain text", q, sizeof(q));
	CHECK_EQ_STR(q, "\"plain text\"");
	manual_quote("say \"hi\" \\o/", q, sizeof(q));
	CHECK_EQ_STR(q, "\"say \\\"hi\\\" \\\\o/\"");
	manual_quote("a\nb\x01\x7f\xff", q, sizeof(q));
	CHECK_EQ_STR(q, "\"a\\x0ab\\x01\\x7f\\xff\"");
	manual_quote("", q, sizeof(q));
	CHECK_EQ_STR(q, "\"\"");
	/* Every byte, 63 at a time: one line, read back the same. */
	for (int start = 1; start < 256; start += 63) {
		size_t n = 0;

		for (int b = start; b < 256 && n < sizeof(in) - 1; b++)
			in[n++] = (char)b;
		in[n] = 0;
		manual_quote(in, q, sizeof(q));
		CHECK(strchr(q, '\n') == NULL);
		for (const char *p = q; *p; p++)
			CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p <= 0x7e);
		end = manual_unquote(q, back, sizeof(back));
		CHECK(end != NULL && *end == 0);
		CHECK_EQ_STR(back, in);
	}
	/* What follows the closing quote is handed back. */
	end = manual_unquote("\"x\" rest", back, sizeof(back));
	CHECK(end != NULL);
	CHECK_EQ_STR(end, " rest");
	CHECK_EQ_STR(back, "x");
	CHECK(manual_unquote("\"\\X41\"", back, sizeof(back)) == NULL);	/* \X */
	CHECK(manual_unquote("\"\\x41\"", back, sizeof(back)) != NULL);
	CHECK_EQ_STR(back, "A");
}

TEST(manual_unquote_refuses_what_is_not_a_quoted_comment)
{
	static const char *const bad[] = {
		"", "x", "no quotes", "\"unterminated", "\"bad \\q escape\"",
		"\"half \\x4\"", "\"nul \\x00 byte\"", "\"trailing \\\"",
	};
	char back[MXG_MANUAL_COMMENT], big[3 * MXG_MANUAL_COMMENT];

	for (size_t i = 0; i < N(bad); i++)
		CHECK(manual_unquote(bad[i], back, sizeof(back)) == NULL);
	/* 64 bytes do not fit the map's comment. */
	big[0] = '"';
	memset(big + 1, 'y', MXG_MANUAL_COMMENT);
	big[1 + MXG_MANUAL_COMMENT] = '"';
	big[2 + MXG_MANUAL_COMMENT] = 0;
	CHECK(manual_unquote(big, back, sizeof(back)) == NULL);
	big[MXG_MANUAL_COMMENT] = '"';
	big[1 + MXG_MANUAL_COMMENT] = 0;			/* 63 do */
	CHECK(manual_unquote(big, back, sizeof(back)) != NULL);
}

/* Lines of the reporter, for the bad-line test. */
static char reported[8][256];
static int n_reported;

static void keep_report(const char *msg)
{
	if (n_reported < 8)
		snprintf(reported[n_reported], sizeof(reported[0]), "%s", msg);
	n_reported++;
}

/* entry - a decision for text with the given times and comment */
static struct manual_entry entry(const char *text, __u32 action, __u64 decided,
				 __u64 expires, const char *comment)
{
	struct manual_entry e = { .action = action, .decided_s = decided,
				  .expires_s = expires };

	CHECK_EQ_INT(addr_parse(text, &e.prefix), 0);
	snprintf(e.comment, sizeof(e.comment), "%s", comment);
	return e;
}

TEST(manual_file_round_trips_and_skips_bad_lines)
{
	char dir[] = "/tmp/mxgate-manual-unit.XXXXXX", path[256], cmd[128];
	struct manual_list l = { 0 }, back;
	struct manual_entry want[] = {
		entry("192.0.2.7", MXG_ACT_BLOCK, 1767225600, 0, "one host"),
		entry("192.0.2.0/24", MXG_ACT_PASS, 1767225601, 1767830400, ""),
		entry("2001:db8::25", MXG_ACT_PASS, 1767225602, 0, "say \"hi\" \\ ok"),
		entry("2001:db8:5::/48", MXG_ACT_BLOCK, 1767225603, 1767225999, "v6 net"),
		entry("0.0.0.0/0", MXG_ACT_BLOCK, 1, 0, "every IPv4 client"),
		entry("::/0", MXG_ACT_PASS, 2, 0, ""),
	};
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	manual_path(dir, path, sizeof(path));
	/* No file: no decisions, no complaint. */
	n_reported = 0;
	CHECK_EQ_INT(manual_load(&back, path, keep_report), 0);
	CHECK_EQ_INT(back.n, 0);
	CHECK_EQ_INT(n_reported, 0);
	for (size_t i = 0; i < N(want); i++)
		*manual_list_add(&l) = want[i];
	CHECK_EQ_INT(manual_save(&l, path), 0);
	CHECK(access(path, F_OK) == 0);
	CHECK_EQ_INT(manual_load(&back, path, keep_report), 0);
	CHECK_EQ_INT(back.n, N(want));
	for (size_t i = 0; i < N(want) && i < back.n; i++)
		CHECK(memcmp(&back.e[i], &want[i], sizeof(want[i])) == 0);
	manual_list_free(&back);

	/* Bad lines, reported with their number and skipped; a prefix
	 * given twice keeps its last line; CRLF and blanks are fine. */
	f = fopen(path, "a");
	CHECK(f != NULL);
	if (f) {
		fputs("\n   \n# comment\n"
		      "192.0.2.300 block 1 never \"\"\n"		/* line 13 */
		      "192.0.2.8 permit 1 never \"\"\n"
		      "192.0.2.9 block x never \"\"\n"
		      "192.0.2.10 block 1 0 \"\"\n"
		      "192.0.2.11 block 1 never \"open\n"
		      "192.0.2.12 block 1 never \"x\" extra\n"
		      "192.0.2.13 block\n"
		      "192.0.2.7 allow 5 never \"changed\"\r\n"	/* line 20 */
		      "192.0.2.14 block 1 never\n", f);
		fclose(f);
	}
	n_reported = 0;
	CHECK_EQ_INT(manual_load(&back, path, keep_report), 0);
	CHECK_EQ_INT(n_reported, 7);
	CHECK(strstr(reported[0], ":13: not an address or prefix") != NULL);
	CHECK(strstr(reported[1], ":14: the action is neither allow nor block") != NULL);
	CHECK(strstr(reported[2], ":15: DECIDED") != NULL);
	CHECK(strstr(reported[3], ":16: EXPIRES") != NULL);
	CHECK(strstr(reported[4], ":17: the comment") != NULL);
	CHECK(strstr(reported[5], ":18: text after the comment") != NULL);
	CHECK(strstr(reported[6], ":19: expected PREFIX ACTION") != NULL);
	CHECK_EQ_INT(back.n, N(want) + 1);		/* 192.0.2.14: no comment, fine */
	if (back.n > 0) {
		CHECK_EQ_INT(back.e[0].action, MXG_ACT_PASS);	/* replaced in place */
		CHECK_EQ_STR(back.e[0].comment, "changed");
		CHECK_EQ_INT(back.e[0].decided_s, 5);
	}
	manual_list_free(&back);
	manual_list_free(&l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}

TEST(manual_list_finds_removes_and_prunes)
{
	struct manual_list l = { 0 };
	struct mxg_key k;

	for (int i = 0; i < 40; i++) {
		char a[32];

		snprintf(a, sizeof(a), "198.51.100.%d", i);
		*manual_list_add(&l) = entry(a, MXG_ACT_BLOCK, 100, i % 2 ? 1000 + i : 0, "");
	}
	CHECK_EQ_INT(l.n, 40);
	addr_parse("198.51.100.7", &k);
	CHECK(manual_list_find(&l, &k) != NULL);
	manual_list_remove(&l, manual_list_find(&l, &k));
	CHECK(manual_list_find(&l, &k) == NULL);
	CHECK_EQ_INT(l.n, 39);
	addr_parse("198.51.100.0/24", &k);
	CHECK(manual_list_find(&l, &k) == NULL);		/* exact prefixes only */
	/* Odd ones expire at 1000 + i: by 1020, 1, 3, ..., 19 (7 is gone). */
	CHECK_EQ_INT(manual_list_prune(&l, 1020), 9);
	CHECK_EQ_INT(l.n, 30);
	CHECK_EQ_INT(manual_list_prune(&l, ~0ULL >> 1), 10);
	CHECK_EQ_INT(l.n, 20);					/* the forever ones */
	manual_list_free(&l);
	CHECK_EQ_INT(l.n, 0);
}

TEST(manual_to_kernel_converts_the_clocks)
{
	struct manual_entry e = entry("192.0.2.0/24", MXG_ACT_BLOCK, 1000, 0, "c");
	struct mxg_manual m;
	__u64 mono = 5000 * SECOND;

	manual_to_kernel(&e, 1100, mono, &m);
	CHECK_EQ_INT(m.action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(m.prefixlen, 96 + 24);
	CHECK_EQ_INT(m.decided_ns, mono - 100 * SECOND);
	CHECK_EQ_INT(m.expires_ns, 0);				/* forever */
	CHECK_EQ_INT(m.hits, 0);
	CHECK_EQ_STR(m.comment, "c");
	e.expires_s = 1160;
	manual_to_kernel(&e, 1100, mono, &m);
	CHECK_EQ_INT(m.expires_ns, mono + 60 * SECOND);
	/* Over already: an expiry in the past, never 0 ("forever"). */
	e.expires_s = 1050;
	manual_to_kernel(&e, 1100, mono, &m);
	CHECK(m.expires_ns != 0 && m.expires_ns <= mono);
	manual_to_kernel(&e, 1100, 0, &m);
	CHECK(m.expires_ns != 0);
	/* Decided before the boot: as old as the monotonic clock can say. */
	e.decided_s = 1;
	manual_to_kernel(&e, 1100, 10 * SECOND, &m);
	CHECK_EQ_INT(m.decided_ns, 0);
	/* A hand-made line a thousand years out: capped, no overflow. */
	e.expires_s = 1100 + 1000ULL * 365 * 86400;
	manual_to_kernel(&e, 1100, mono, &m);
	CHECK_EQ_INT(m.expires_ns, mono + MANUAL_TTL_MAX * SECOND);
	CHECK_EQ_STR(manual_action_word(MXG_ACT_PASS), "allow");
	CHECK_EQ_STR(manual_action_word(MXG_ACT_BLOCK), "block");
	CHECK_EQ_STR(manual_action_word(MXG_ACT_GREYLIST), "?");
}

/* add - one entry for text into o */
static void add(struct offenders *o, const char *text, __u32 hits, __u32 action)
{
	struct mxg_key k;

	CHECK_EQ_INT(addr_parse(text, &k), 0);
	CHECK_EQ_INT(offenders_add(o, &k, hits, action, MXG_R_S25R1), 0);
}

/* row_is - row i of o is text with refused SYNs */
static int row_is(const struct offenders *o, size_t i, const char *text, __u64 refused)
{
	char a[ADDR_STRLEN];

	if (i >= o->n)
		return 0;
	addr_format(&o->v[i].key, a, sizeof(a));
	return strcmp(a, text) == 0 && o->v[i].refused == refused;
}

TEST(offenders_rank_by_source_and_by_network)
{
	struct offenders o = { 0 };

	add(&o, "198.51.100.20", 40, MXG_ACT_BLOCK);
	add(&o, "198.51.100.21", 7, MXG_ACT_GREYLIST);
	add(&o, "198.51.100.22", 7, MXG_ACT_TARPIT);
	add(&o, "198.51.100.22", 1, MXG_ACT_BLOCK);	/* also in another map */
	add(&o, "198.51.100.0/24", 3, MXG_ACT_GREYLIST);	/* a pool entry */
	add(&o, "2001:db8:c::20", 30, MXG_ACT_BLOCK);
	add(&o, "2001:db8:c::21", 25, MXG_ACT_BLOCK);
	add(&o, "2001:db8:d::1", 50, MXG_ACT_BLOCK);
	add(&o, "192.0.0.0/16", 9, MXG_ACT_BLOCK);		/* a manual /16 */
	add(&o, "192.0.2.1", 2, MXG_ACT_BLOCK);
	add(&o, "192.0.2.2", 2, MXG_ACT_BLOCK);		/* ties: by address */
	/* Not offenders: passes, throttles, nothing refused. */
	add(&o, "203.0.113.1", 1000, MXG_ACT_PASS);
	add(&o, "203.0.113.2", 1000, MXG_ACT_THROTTLE);
	add(&o, "203.0.113.3", 0, MXG_ACT_BLOCK);
	CHECK_EQ_INT(o.n, 11);
	CHECK_EQ_INT(offenders_group(&o, 128, 128), 0);
	CHECK_EQ_INT(o.n, 10);
	CHECK(row_is(&o, 0, "2001:db8:d::1", 50));
	CHECK(row_is(&o, 1, "198.51.100.20", 40));
	CHECK(row_is(&o, 2, "2001:db8:c::20", 30));
	CHECK(row_is(&o, 3, "2001:db8:c::21", 25));
	CHECK(row_is(&o, 4, "192.0.0.0/16", 9));
	/* One address, two maps: one row, 7 + 1. */
	CHECK(row_is(&o, 5, "198.51.100.22", 8));
	if (o.n > 5) {
		CHECK_EQ_INT(o.v[5].sources, 2);
		CHECK_EQ_INT(o.v[5].action, MXG_ACT_TARPIT);	/* the busier entry's */
	}
	CHECK(row_is(&o, 6, "198.51.100.21", 7));
	CHECK(row_is(&o, 7, "198.51.100.0/24", 3));
	CHECK(row_is(&o, 8, "192.0.2.1", 2));
	CHECK(row_is(&o, 9, "192.0.2.2", 2));

	/* By network: /24 and /64; the /16 stays a row of its own. */
	CHECK_EQ_INT(offenders_group(&o, 96 + 24, 64), 0);
	CHECK_EQ_INT(o.n, 5);
	CHECK(row_is(&o, 0, "198.51.100.0/24", 58));
	CHECK(row_is(&o, 1, "2001:db8:c::/64", 55));
	CHECK(row_is(&o, 2, "2001:db8:d::/64", 50));
	CHECK(row_is(&o, 3, "192.0.0.0/16", 9));
	CHECK(row_is(&o, 4, "192.0.2.0/24", 4));
	if (o.n == 5) {
		char a[ADDR_STRLEN];

		CHECK_EQ_INT(o.v[0].sources, 5);
		addr_format(&o.v[0].busiest, a, sizeof(a));
		CHECK_EQ_STR(a, "198.51.100.20");
		CHECK_EQ_INT(o.v[0].busiest_refused, 40);
		CHECK_EQ_INT(o.v[1].sources, 2);
	}
	offenders_free(&o);
	CHECK_EQ_INT(o.n, 0);
	CHECK_EQ_INT(offenders_group(&o, 128, 128), 0);		/* empty is fine */
}
