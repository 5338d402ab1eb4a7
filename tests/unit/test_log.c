/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_log.c - lines an attacker can make repeat are rate-limited, text an
 * attacker sent is escaped into one token, and tests can take the lines. */
#include "log.h"
#include "test.h"

#define SECOND 1000000000ULL

TEST(log_msg_limit_counts_what_it_drops)
{
	struct msg_limit l = { 0 };
	__u64 t = 5 * SECOND;

	CHECK_EQ_INT(msg_limit(&l, t, SECOND), 0);		/* first: logged */
	for (int i = 0; i < 1000; i++)				/* a flood */
		CHECK_EQ_INT(msg_limit(&l, t + (__u64)i * 1000, SECOND), -1);
	CHECK_EQ_INT(msg_limit(&l, t + SECOND - 1, SECOND), -1);
	/* A second later one line, saying how many it stands for. */
	CHECK_EQ_INT(msg_limit(&l, t + SECOND, SECOND), 1001);
	CHECK_EQ_INT(msg_limit(&l, t + 3 * SECOND, SECOND), 0);
	/* Time 0 (a test's clock) still counts as "logged once". */
	l = (struct msg_limit){ 0 };
	CHECK_EQ_INT(msg_limit(&l, 0, SECOND), 0);
	CHECK_EQ_INT(msg_limit(&l, 1, SECOND), -1);
}

TEST(log_msg_limit_burst_lets_a_burst_through_each_window)
{
	struct msg_limit l = { 0 };
	__u64 t = 5 * SECOND;

	for (int i = 0; i < 20; i++)				/* the burst */
		CHECK_EQ_INT(msg_limit_burst(&l, t + (__u64)i, SECOND, 20), 0);
	for (int i = 0; i < 7; i++)				/* then dropped */
		CHECK_EQ_INT(msg_limit_burst(&l, t + SECOND - 1, SECOND, 20), -1);
	/* The next window's first line says how many it stands for. */
	CHECK_EQ_INT(msg_limit_burst(&l, t + SECOND, SECOND, 20), 7);
	for (int i = 1; i < 20; i++)
		CHECK_EQ_INT(msg_limit_burst(&l, t + SECOND + 5, SECOND, 20), 0);
	CHECK_EQ_INT(msg_limit_burst(&l, t + SECOND + 6, SECOND, 20), -1);
	/* A window runs from its first line, not from the last. */
	CHECK_EQ_INT(msg_limit_burst(&l, t + 2 * SECOND, SECOND, 20), 1);
}

/* escaped - log_escape() of len bytes of src into a buffer of size */
static const char *escaped(const char *src, size_t len, size_t size, int *rc)
{
	static char out[512];

	*rc = log_escape(out, size, src, len);
	return out;
}

TEST(log_escape_keeps_printable_text)
{
	int rc;

	CHECK_EQ_STR(escaped("alice@example.org", 17, 512, &rc), "alice@example.org");
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(escaped("", 0, 512, &rc), "");
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(escaped("!#$%&'()*+,-./:;?[]^_`{|}~", 26, 512, &rc),
		     "!#$%&'()*+,-./:;?[]^_`{|}~");
}

TEST(log_escape_hides_line_breaks_controls_nul_and_8bit)
{
	int rc;

	CHECK_EQ_STR(escaped("a\r\nb", 4, 512, &rc), "a\\x0d\\x0ab");
	CHECK_EQ_STR(escaped("a\0b", 3, 512, &rc), "a\\x00b");
	CHECK_EQ_STR(escaped("\t\x01\x1b[1m\x7f", 7, 512, &rc), "\\x09\\x01\\x1b[1m\\x7f");
	CHECK_EQ_STR(escaped("caf\xc3\xa9 \xff", 7, 512, &rc), "caf\\xc3\\xa9\\x20\\xff");
	CHECK_EQ_INT(rc, 0);
}

TEST(log_escape_hides_field_delimiters)
{
	const char *fake = "x> from=<ceo@bank.example> \"\\";
	int rc;

	/* Nothing in a value can close it or start another field. */
	CHECK_EQ_STR(escaped(fake, strlen(fake), 512, &rc),
		     "x\\x3e\\x20from\\x3d\\x3cceo@bank.example\\x3e\\x20\\x22\\x5c");
	CHECK_EQ_INT(rc, 0);
}

TEST(log_escape_cuts_at_a_whole_byte)
{
	int rc;

	CHECK_EQ_STR(escaped("abcdefghij", 10, 8, &rc), "abcdefg");
	CHECK_EQ_INT(rc, -1);
	CHECK_EQ_STR(escaped("ab\r", 3, 6, &rc), "ab");	/* \x0d needs 4 */
	CHECK_EQ_INT(rc, -1);
	CHECK_EQ_STR(escaped("ab\r", 3, 7, &rc), "ab\\x0d");	/* exactly fits */
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(escaped("a", 1, 1, &rc), "");
	CHECK_EQ_INT(rc, -1);
	CHECK_EQ_INT(log_escape(NULL, 0, "", 0), 0);
}

static char sunk[256];		/* what the test sink got, one line a '|' */

/* sink - a test sink collecting lines */
static void sink(const char *line)
{
	size_t n = strlen(sunk);

	snprintf(sunk + n, sizeof(sunk) - n, "%s|", line);
}

TEST(log_sink_takes_every_line)
{
	sunk[0] = '\0';
	log_sink(sink);
	msg_info("one %d", 1);
	msg_warn("two %s", "2");
	log_sink(NULL);
	CHECK_EQ_STR(sunk, "one 1|warning: two 2|");
}
