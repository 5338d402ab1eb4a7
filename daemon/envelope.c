/* SPDX-License-Identifier: GPL-2.0-or-later */
/* envelope.c - HELO, MAIL FROM and RCPT TO kept for the log; see
 * envelope.h for the contract. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "envelope.h"
#include "log.h"

/* A span of the command line being read: [p, end). */
struct span {
	const char *p;
	const char *end;
};

/* is_blank - SMTP's white space between words */
static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* skip_blanks - move past blanks */
static void skip_blanks(struct span *s)
{
	while (s->p < s->end && is_blank(*s->p))
		s->p++;
}

/* take_word - is the span's next text word (any case)? If so, move past it */
static int take_word(struct span *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || strncasecmp(s->p, word, n) != 0)
		return 0;
	s->p += n;
	return 1;
}

/* take_verb - take_word() for a verb: a blank or the end must follow */
static int take_verb(struct span *s, const char *verb)
{
	struct span probe = *s;

	if (!take_word(&probe, verb) || (probe.p < probe.end && !is_blank(*probe.p)))
		return 0;
	*s = probe;
	return 1;
}

/* take_keyword - "FROM:" or "TO:" with blanks allowed before the colon
 * and after it ("MAIL FROM : <a>" from a sloppy bot) */
static int take_keyword(struct span *s, const char *keyword)
{
	skip_blanks(s);
	if (!take_word(s, keyword))
		return 0;
	skip_blanks(s);
	if (s->p == s->end || *s->p != ':')
		return 0;
	s->p++;
	skip_blanks(s);
	return 1;
}

/* take_command - "MAIL FROM:" or "RCPT TO:" at the span's start? If so,
 * move past it (and the blanks after the colon) */
static int take_command(struct span *s, const char *verb, const char *keyword)
{
	struct span probe = *s;

	if (!take_verb(&probe, verb) || !take_keyword(&probe, keyword))
		return 0;
	*s = probe;
	return 1;
}

/* address_of - the address at the span's start: inside <...>, or up to
 * the first blank when there is no '<' or no '>' after it */
static struct span address_of(struct span s)
{
	struct span a = s;
	const char *close;

	if (s.p < s.end && *s.p == '<' &&
	    (close = memchr(s.p + 1, '>', (size_t)(s.end - s.p - 1))) != NULL) {
		a.p = s.p + 1;
		a.end = close;
		return a;
	}
	for (a.end = a.p; a.end < s.end && !is_blank(*a.end); a.end++)
		;
	return a;
}

/* keep - the first value of a field: at most ENVELOPE_FIELD_MAX bytes */
static void keep(struct envelope_field *f, struct span v)
{
	size_t n = (size_t)(v.end - v.p);

	if (f->seen)
		return;
	f->seen = 1;
	f->cut = n > sizeof(f->text);
	f->len = (unsigned char)(f->cut ? sizeof(f->text) : n);
	memcpy(f->text, v.p, f->len);
}

/* note_helo - keep the HELO/EHLO argument: the rest of the line */
static enum envelope_verb note_helo(struct envelope *e, struct span s,
				    enum envelope_verb verb)
{
	skip_blanks(&s);
	keep(&e->helo, s);
	return verb;
}

/* envelope_note - recognise one command line and keep its envelope part */
enum envelope_verb envelope_note(struct envelope *e, const char *line,
				 size_t len)
{
	struct span s = { line, line + len };

	while (s.end > s.p && (s.end[-1] == '\r' || is_blank(s.end[-1])))
		s.end--;
	if (take_verb(&s, "HELO"))
		return note_helo(e, s, ENVELOPE_HELO);
	if (take_verb(&s, "EHLO"))
		return note_helo(e, s, ENVELOPE_EHLO);
	if (take_command(&s, "MAIL", "FROM")) {
		keep(&e->from, address_of(s));
		return ENVELOPE_MAIL;
	}
	if (take_command(&s, "RCPT", "TO")) {
		keep(&e->to, address_of(s));
		e->rcpts++;
		return ENVELOPE_RCPT;
	}
	return ENVELOPE_OTHER;
}

/* format_field - " name=<escaped value[...]>" when the field came */
static size_t format_field(char *buf, size_t size, const char *name,
			   const struct envelope_field *f)
{
	char value[4 * ENVELOPE_FIELD_MAX + 1];
	int cut, n;

	if (!f->seen)
		return 0;
	/* value holds every byte escaped: log_escape() never cuts here. */
	cut = log_escape(value, sizeof(value), f->text, f->len) < 0 || f->cut;
	n = snprintf(buf, size, " %s=<%s%s>", name, value, cut ? "..." : "");
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* envelope_format - the fields that came, as " helo=<> from=<> to=<> rcpts=N" */
void envelope_format(const struct envelope *e, char *buf, size_t size)
{
	size_t n;

	if (size == 0)
		return;
	buf[0] = '\0';
	n = format_field(buf, size, "helo", &e->helo);
	n += format_field(buf + n, size - n, "from", &e->from);
	n += format_field(buf + n, size - n, "to", &e->to);
	if (e->rcpts > 0)
		snprintf(buf + n, size - n, " rcpts=%u", e->rcpts);
}
