/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lines.c - a line reader that never splits or shortens a line; see lines.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lines.h"
#include "log.h"

/* lines_open - open path for lines of at most max bytes; -1 reported */
int lines_open(struct lines *lr, const char *path, size_t max,
	       void (*report)(const char *msg))
{
	memset(lr, 0, sizeof(*lr));
	lr->path = path;
	lr->max = max;
	lr->report = report;
	lr->buf = malloc(max + 1);
	if (!lr->buf) {
		msg_at(report, path, 0, "%s", strerror(ENOMEM));
		return -1;
	}
	lr->f = fopen(path, "r");
	if (!lr->f) {
		msg_at(report, path, 0, "%s", strerror(errno));
		free(lr->buf);
		lr->buf = NULL;
		return -1;
	}
	return 0;
}

/* read_one - the next physical line into buf; 0 at the end or on an
 * error, else 1 with *too_long and *nul saying what is wrong with it */
static int read_one(struct lines *lr, int *too_long, int *nul)
{
	size_t n = 0;
	int ch, any = 0;

	*too_long = *nul = 0;
	errno = 0;
	/* getc, not fgets: fgets stops at the buffer's end (the rest would
	 * come back as a new line) and its string stops at a NUL byte. */
	while ((ch = getc(lr->f)) != EOF) {
		any = 1;
		if (ch == '\n')
			break;
		if (ch == 0)
			*nul = 1;
		if (n < lr->max)
			lr->buf[n++] = (char)ch;
		else
			*too_long = 1;
	}
	lr->buf[n] = 0;
	if (ch == EOF && ferror(lr->f)) {
		lr->read_errno = errno ? errno : EIO;	/* e.g. EISDIR */
		msg_at(lr->report, lr->path, 0, "%s", strerror(lr->read_errno));
		return 0;
	}
	return any;
}

/* lines_next - the next acceptable line; bad ones are reported, skipped */
char *lines_next(struct lines *lr)
{
	int too_long, nul;

	if (!lr->f || lr->read_errno)
		return NULL;
	while (read_one(lr, &too_long, &nul)) {
		lr->lineno++;
		if (too_long)
			msg_at(lr->report, lr->path, lr->lineno,
			       "line longer than %zu bytes", lr->max);
		else if (nul)
			msg_at(lr->report, lr->path, lr->lineno,
			       "line contains a NUL byte");
		else
			return lr->buf;
		lr->bad++;
	}
	return NULL;
}

/* lines_close - the file and the buffer */
void lines_close(struct lines *lr)
{
	if (lr->f)
		fclose(lr->f);
	free(lr->buf);
	lr->f = NULL;
	lr->buf = NULL;
}

/* lines_next_item - the next item of a comma/blank separated list, cut
 * in place; NULL at the end */
char *lines_next_item(char **cursor)
{
	char *s = *cursor, *start;

	while (*s == ',' || isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ',' && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = 0;
	*cursor = s;
	return start;
}
