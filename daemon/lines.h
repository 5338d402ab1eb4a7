/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	lines - read a text file line by line, refusing what would be misread
 * SYNOPSIS
 *	int lines_open(struct lines *lr, const char *path, size_t max,
 *		       void (*report)(const char *msg));
 *	char *lines_next(struct lines *lr);
 *	void lines_close(struct lines *lr);
 *	char *lines_next_item(char **cursor);
 * DESCRIPTION
 *	The one line reader of every loader of mxgate (mxgate.conf, access
 *	tables, country files). A line that does not fit or holds a NUL
 *	byte is never cut short, split in two or silently shortened: with
 *	fgets() the rest of an over-long line comes back as a line of its
 *	own ("... 0.0.0.0/0" after byte 255 became a rule), and a NUL ends
 *	the string early. Here such a line is consumed whole, reported and
 *	skipped, and counted so that the loader fails as a whole.
 *
 *	lines_open() opens path for lines of at most max bytes (newline not
 *	counted). On failure it reports "PATH: reason" through report and
 *	returns -1 (lr needs no lines_close()); else 0.
 *
 *	lines_next() returns the next line without its newline (a carriage
 *	return, any other blank, and '#' are the caller's business), valid
 *	until the next call; lr->lineno is its line number (from 1). A line
 *	longer than max bytes is reported as "PATH:LINE: line longer than
 *	MAX bytes", one holding a NUL byte as "PATH:LINE: line contains a
 *	NUL byte"; either is skipped and counted in lr->bad. A last line
 *	without a newline is a line. NULL at the end of the file, or when
 *	reading fails: then lr->read_errno is set and "PATH: reason" is
 *	reported (not counted in lr->bad; a partly read line is not
 *	returned).
 *
 *	lines_close() closes the file and frees the buffer.
 *
 *	lines_next_item() cuts the next item out of a comma/blank separated
 *	list in place (a configuration value, a file line's words) and moves
 *	*cursor past it; NULL at the end.
 */
#ifndef MXG_LINES_H
#define MXG_LINES_H

#include <stddef.h>
#include <stdio.h>

struct lines {
	FILE *f;			/* the file being read */
	const char *path;		/* for messages (not copied) */
	size_t max;			/* longest line accepted, in bytes */
	char *buf;			/* the current line, max + 1 bytes */
	int lineno;			/* number of the line last read */
	int bad;			/* lines refused: too long, NUL byte */
	int read_errno;			/* why reading stopped early, or 0 */
	void (*report)(const char *msg);	/* where complaints go */
};

int lines_open(struct lines *lr, const char *path, size_t max,
	       void (*report)(const char *msg));
char *lines_next(struct lines *lr);
void lines_close(struct lines *lr);
char *lines_next_item(char **cursor);

#endif /* MXG_LINES_H */
