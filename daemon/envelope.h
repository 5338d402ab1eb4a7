/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	envelope - what a client said in HELO, MAIL FROM and RCPT TO
 * SYNOPSIS
 *	enum envelope_verb envelope_note(struct envelope *e, const char *line,
 *					 size_t len);
 *	void envelope_format(const struct envelope *e, char *buf, size_t size);
 * DESCRIPTION
 *	The responder keeps, per connection and without allocating, the
 *	envelope a greylisted or tarpitted client offered, so that its log
 *	line can name whose mail is being delayed (Postfix's "from=<>
 *	to=<> helo=<>" habit).
 *
 *	envelope_note() reads one command line (len bytes, without its LF;
 *	a trailing CR and blanks are ignored, the bytes need not be text)
 *	and returns the verb it recognised. The verb is matched in any case
 *	and must be followed by a blank or the end of the line:
 *
 *	HELO x, EHLO x: x is the rest of the line after the blanks (may be
 *	empty). MAIL FROM:<a> [params], RCPT TO:<a> [params]: blanks are
 *	allowed around "FROM"/"TO" and after the colon (bots are sloppy);
 *	the address is what lies between '<' and the first '>', or, without
 *	'<', up to the first blank (a '<' without a '>' runs to the first
 *	blank too). "MAIL FROM:<>" is the null sender: present and empty.
 *	A MAIL or RCPT line without "FROM:"/"TO:" is ENVELOPE_OTHER and
 *	noted nowhere.
 *
 *	The first HELO/EHLO argument, the first MAIL FROM address and the
 *	first RCPT TO address are kept (ENVELOPE_FIELD_MAX bytes of each at
 *	most; a longer one is marked cut); later ones are ignored, except
 *	that every RCPT TO is counted in e->rcpts.
 *
 *	envelope_format() writes the fields that came, each escaped with
 *	log_escape() (log.h) and "..." before the '>' when it was cut:
 *	" helo=<x> from=<a> to=<a> rcpts=N". A field that never came is left
 *	out (Postfix's habit), so "from=<>" is the null sender and no from=
 *	means no MAIL FROM; to= and rcpts= come together. buf gets "" when
 *	nothing came; ENVELOPE_FORMAT_MAX bytes always hold the result.
 */
#ifndef MXG_ENVELOPE_H
#define MXG_ENVELOPE_H

#include <stddef.h>

#define ENVELOPE_FIELD_MAX 100	/* bytes kept of a HELO name or an address */
/* " helo=<" + every byte as \xHH + "...>", three times, and " rcpts=N" */
#define ENVELOPE_FORMAT_MAX (3 * (7 + 4 * ENVELOPE_FIELD_MAX + 4) + 24)

enum envelope_verb {
	ENVELOPE_OTHER,		/* not one of these, or not well-formed */
	ENVELOPE_HELO,
	ENVELOPE_EHLO,
	ENVELOPE_MAIL,		/* MAIL FROM: */
	ENVELOPE_RCPT,		/* RCPT TO: */
};

struct envelope_field {
	unsigned char seen;		/* the command came (text may be empty) */
	unsigned char cut;		/* longer than ENVELOPE_FIELD_MAX bytes */
	unsigned char len;		/* bytes held in text */
	char text[ENVELOPE_FIELD_MAX];	/* as sent: not NUL-terminated */
};

struct envelope {
	struct envelope_field helo;	/* first HELO/EHLO argument */
	struct envelope_field from;	/* first MAIL FROM address */
	struct envelope_field to;	/* first RCPT TO address */
	unsigned rcpts;			/* RCPT TO commands, the first included */
};

enum envelope_verb envelope_note(struct envelope *e, const char *line,
				 size_t len);
void envelope_format(const struct envelope *e, char *buf, size_t size);

#endif /* MXG_ENVELOPE_H */
