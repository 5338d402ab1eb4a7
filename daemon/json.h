/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	json - a small streaming JSON writer (RFC 8259), for mxgatectl -j
 * SYNOPSIS
 *	void json_init(struct json *j, FILE *out);
 *	void json_object(struct json *j, const char *key);
 *	void json_array(struct json *j, const char *key);
 *	void json_end(struct json *j);
 *	void json_string(struct json *j, const char *key, const char *s);
 *	void json_stringn(struct json *j, const char *key, const char *s,
 *			  size_t len);
 *	void json_uint(struct json *j, const char *key, unsigned long long n);
 *	void json_int(struct json *j, const char *key, long long n);
 *	void json_bool(struct json *j, const char *key, int b);
 *	void json_null(struct json *j, const char *key);
 *	int json_finish(struct json *j);
 * DESCRIPTION
 *	Writes one JSON document to out as it is built, on one line, with
 *	no buffering of its own: a list of a million verdicts costs no
 *	memory. json_object() and json_array() open a container,
 *	json_end() closes the innermost one. Every value and container
 *	takes a key: the member name inside an object (required), NULL
 *	inside an array and for the document itself (the top-level value).
 *	Containers nest up to JSON_MAX_DEPTH deep.
 *
 *	Strings may hold any bytes (names from the network, text from a
 *	table file, a client's words): '"' and '\' are escaped, control
 *	characters become \b \f \n \r \t or \u00XX, DEL and the C1
 *	controls (U+007F-U+009F) \u00XX too, so nothing written can drive
 *	a terminal. Valid UTF-8 is copied as it is (the output is UTF-8);
 *	each maximal ill-formed subsequence (a stray continuation byte, a
 *	truncated sequence, an overlong form, a surrogate, a code point
 *	past U+10FFFF, 0xC0, 0xC1, 0xF5-0xFF) becomes one U+FFFD, written
 *	\ufffd, as the Unicode standard recommends. json_stringn() takes
 *	len bytes, NUL included (\u0000); json_string() a C string. Keys
 *	are escaped the same way.
 *
 *	A call that breaks the grammar (a key missing inside an object or
 *	given inside an array, a second top-level value, json_end() with
 *	nothing open, nesting past JSON_MAX_DEPTH) is a programming error:
 *	it is recorded, and nothing more is written. json_finish() ends
 *	the document with a newline and flushes out; it returns 0 when the
 *	document is complete (one value, every container closed) and was
 *	written, -1 after a misuse, an unclosed container or a write error.
 */
#ifndef MXG_JSON_H
#define MXG_JSON_H

#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *out;			/* where the document goes */
	int depth;			/* containers open */
	char kind[JSON_MAX_DEPTH];	/* each one's: '{' or '[' */
	unsigned long long n[JSON_MAX_DEPTH]; /* values written in each */
	int top_done;			/* the top-level value has begun */
	int error;			/* a misuse; nothing more is written */
};

void json_init(struct json *j, FILE *out);
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s);
void json_stringn(struct json *j, const char *key, const char *s, size_t len);
void json_uint(struct json *j, const char *key, unsigned long long n);
void json_int(struct json *j, const char *key, long long n);
void json_bool(struct json *j, const char *key, int b);
void json_null(struct json *j, const char *key);
int json_finish(struct json *j);

#endif /* MXG_JSON_H */
