/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_envelope.c - HELO, MAIL FROM and RCPT TO as bots send them: any
 * case, sloppy blanks, missing brackets, parameters; the first of each
 * kept, bounded, and formatted escaped for the log.
 */
#include <string.h>
#include "envelope.h"
#include "test.h"

/* note - envelope_note() on a C string */
static enum envelope_verb note(struct envelope *e, const char *line)
{
	return envelope_note(e, line, strlen(line));
}

/* formatted - envelope_format() into a static buffer */
static const char *formatted(const struct envelope *e)
{
	static char buf[ENVELOPE_FORMAT_MAX];

	envelope_format(e, buf, sizeof(buf));
	return buf;
}

/* from_of - the MAIL FROM address a fresh envelope keeps from line, as
 * formatted ("" when the line is not a MAIL FROM) */
static const char *from_of(const char *line)
{
	static struct envelope e;

	memset(&e, 0, sizeof(e));
	(void)note(&e, line);
	return formatted(&e);
}

TEST(envelope_a_whole_transaction)
{
	struct envelope e = { 0 };

	CHECK_EQ_STR(formatted(&e), "");
	CHECK_EQ_INT(note(&e, "EHLO mail.example.org\r"), ENVELOPE_EHLO);
	CHECK_EQ_INT(note(&e, "MAIL FROM:<alice@example.org> SIZE=1234 BODY=8BITMIME"),
		     ENVELOPE_MAIL);
	CHECK_EQ_INT(note(&e, "RCPT TO:<bob@example.net> NOTIFY=NEVER\r"), ENVELOPE_RCPT);
	CHECK_EQ_INT(note(&e, "RCPT TO:<carol@example.net>"), ENVELOPE_RCPT);
	CHECK_EQ_INT(note(&e, "DATA"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "QUIT"), ENVELOPE_OTHER);
	CHECK_EQ_STR(formatted(&e), " helo=<mail.example.org> from=<alice@example.org>"
		     " to=<bob@example.net> rcpts=2");
}

TEST(envelope_verbs_in_any_case_and_sloppy_blanks)
{
	struct envelope e = { 0 };

	CHECK_EQ_INT(note(&e, "helo   bot.example  \t\r"), ENVELOPE_HELO);
	CHECK_EQ_STR(formatted(&e), " helo=<bot.example>");
	CHECK_EQ_STR(from_of("mail from:<a@b.example>"), " from=<a@b.example>");
	CHECK_EQ_STR(from_of("Mail From: <a@b.example>"), " from=<a@b.example>");
	CHECK_EQ_STR(from_of("MAIL FROM : <a@b.example>"), " from=<a@b.example>");
	CHECK_EQ_STR(from_of("MAIL\tFROM:\t<a@b.example>"), " from=<a@b.example>");
	/* No angle brackets: up to the first blank, parameters left out. */
	CHECK_EQ_STR(from_of("MAIL FROM:a@b.example SIZE=10"), " from=<a@b.example>");
	CHECK_EQ_STR(from_of("MAIL FROM: a@b.example"), " from=<a@b.example>");
	/* An unclosed '<' runs to the first blank, '<' included. */
	CHECK_EQ_STR(from_of("MAIL FROM:<a@b.example SIZE=10"), " from=<\\x3ca@b.example>");
	/* Inside brackets a blank is part of the address (a quoted local part). */
	CHECK_EQ_STR(from_of("MAIL FROM:<\"a b\"@c.example>"),
		     " from=<\\x22a\\x20b\\x22@c.example>");
}

TEST(envelope_null_sender_is_not_a_missing_one)
{
	struct envelope e = { 0 };

	CHECK_EQ_STR(from_of("MAIL FROM:<>"), " from=<>");
	CHECK_EQ_STR(from_of("MAIL FROM:<> BODY=7BIT"), " from=<>");
	CHECK_EQ_STR(from_of("MAIL FROM:"), " from=<>");
	CHECK_EQ_INT(note(&e, "HELO"), ENVELOPE_HELO);	/* an empty name */
	CHECK_EQ_STR(formatted(&e), " helo=<>");
}

TEST(envelope_not_envelope_commands)
{
	struct envelope e = { 0 };

	CHECK_EQ_INT(note(&e, "MAILFROM:<a@b.example>"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "MAIL TO:<a@b.example>"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "MAIL FROM <a@b.example>"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "MAIL"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "RCPT FROM:<a@b.example>"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "MAIL RCPT TO:<a@b.example>"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "RCPT MAIL FROM:<a@b.example>"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "HELOX x"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, " HELO x"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "EHL"), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, ""), ENVELOPE_OTHER);
	CHECK_EQ_INT(note(&e, "\r"), ENVELOPE_OTHER);
	CHECK_EQ_STR(formatted(&e), "");
	CHECK_EQ_INT(e.rcpts, 0);
}

TEST(envelope_keeps_the_first_and_counts_recipients)
{
	struct envelope e = { 0 };

	(void)note(&e, "HELO first.example");
	(void)note(&e, "EHLO second.example");
	(void)note(&e, "MAIL FROM:<first@example.org>");
	(void)note(&e, "RCPT TO:<one@example.net>");
	(void)note(&e, "MAIL FROM:<second@example.org>");
	for (int i = 0; i < 9; i++)
		(void)note(&e, "RCPT TO:<more@example.net>");
	CHECK_EQ_STR(formatted(&e), " helo=<first.example> from=<first@example.org>"
		     " to=<one@example.net> rcpts=10");
}

TEST(envelope_bounded_and_escaped)
{
	char line[400], want[ENVELOPE_FORMAT_MAX];
	struct envelope e = { 0 };
	const char bin[] = "HELO a\rb\0c\x7f\xe9>";

	/* 300 bytes of address: 100 kept, then "...". */
	memset(line, 0, sizeof(line));
	strcpy(line, "RCPT TO:<");
	memset(line + 9, 'x', 300);
	strcat(line, ">");
	CHECK_EQ_INT(note(&e, line), ENVELOPE_RCPT);
	CHECK(e.to.cut);
	CHECK_EQ_INT(e.to.len, ENVELOPE_FIELD_MAX);
	strcpy(want, " to=<");
	memset(want + 5, 'x', ENVELOPE_FIELD_MAX);
	strcpy(want + 5 + ENVELOPE_FIELD_MAX, "...> rcpts=1");
	CHECK_EQ_STR(formatted(&e), want);
	/* Any byte, NUL included, comes out as one token. */
	CHECK_EQ_INT(envelope_note(&e, bin, sizeof(bin) - 1), ENVELOPE_HELO);
	CHECK(strstr(formatted(&e), " helo=<a\\x0db\\x00c\\x7f\\xe9\\x3e> to=<") ==
	      formatted(&e));
}

TEST(envelope_worst_case_fits_the_format_buffer)
{
	char line[200];
	struct envelope e = { 0 };
	const char *out;

	/* Every byte escaped, every field cut: the longest line there is. */
	memset(line, 0, sizeof(line));
	memcpy(line, "HELO ", 5);
	memset(line + 5, 0x01, 150);
	CHECK_EQ_INT(envelope_note(&e, line, 155), ENVELOPE_HELO);
	memcpy(line, "MAIL FROM:", 10);
	memset(line + 10, 0x01, 150);
	CHECK_EQ_INT(envelope_note(&e, line, 160), ENVELOPE_MAIL);
	memcpy(line, "RCPT TO:", 8);
	memset(line + 8, 0x01, 150);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(envelope_note(&e, line, 158), ENVELOPE_RCPT);
	e.rcpts = 4000000000u;
	out = formatted(&e);
	CHECK(strlen(out) < ENVELOPE_FORMAT_MAX);
	CHECK(strstr(out, " rcpts=4000000000") != NULL);
	CHECK_EQ_INT(strlen(out), 3 * (4 * ENVELOPE_FIELD_MAX + 4) + 7 + 7 + 5 +
		     strlen(" rcpts=4000000000"));
}
