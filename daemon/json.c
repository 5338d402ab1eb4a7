/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	json - a small streaming JSON writer
 * DESCRIPTION
 *	Implements json.h (the contract is there). Each value goes through
 *	begin_value(), which checks the key against the container it goes
 *	into and writes the comma and the member name; strings through
 *	put_string(), which validates UTF-8 as it copies.
 */
#include <string.h>
#include "json.h"

/* json_init - an empty document that goes to out */
void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* utf8_valid_len - how many bytes of s (len of them) make one
 * well-formed UTF-8 sequence of two to four bytes; 0 when they do not,
 * with *bad the length of the maximal ill-formed subpart (at least 1) */
static size_t utf8_valid_len(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;	/* the second byte's range */
	size_t need, i;

	*bad = 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;		/* continuation, 0xc0, 0xc1, 0xf5-0xff */
	if (s[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	for (i = 1; i < need; i++) {
		if (i >= len || s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf)) {
			*bad = i;	/* the lead and the good bytes after it */
			return 0;
		}
	}
	return need;
}

/* put_string - s (len bytes) as a JSON string, quotes included */
static void put_string(FILE *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n, bad;

	putc('"', out);
	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			n = utf8_valid_len(s + i, len - i, &bad);
			if (!n) {
				fputs("\\ufffd", out);
				i += bad;
			} else if (c == 0xc2 && s[i + 1] <= 0x9f) {
				/* C1 controls: a terminal acts on them */
				fprintf(out, "\\u%04x", s[i + 1]);
				i += n;
			} else {
				fwrite(s + i, 1, n, out);
				i += n;
			}
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				putc(c, out);
		}
		i++;
	}
	putc('"', out);
}

/* begin_value - the comma and member name before a value, after
 * checking that key fits where the value goes; 0, or -1 (misuse,
 * recorded) */
static int begin_value(struct json *j, const char *key)
{
	if (j->error)
		return -1;
	if (j->depth == 0) {
		if (key || j->top_done)
			goto misuse;
		j->top_done = 1;
		return 0;
	}
	if ((j->kind[j->depth - 1] == '{') != (key != NULL))
		goto misuse;
	if (j->n[j->depth - 1]++)
		putc(',', j->out);
	if (key) {
		put_string(j->out, key, strlen(key));
		putc(':', j->out);
	}
	return 0;
misuse:
	j->error = 1;
	return -1;
}

/* open_container - '{' or '[' as the value of key */
static void open_container(struct json *j, const char *key, char kind)
{
	if (j->depth >= JSON_MAX_DEPTH) {
		j->error = 1;
		return;
	}
	if (begin_value(j, key) < 0)
		return;
	j->kind[j->depth] = kind;
	j->n[j->depth] = 0;
	j->depth++;
	putc(kind, j->out);
}

/* json_object - open an object as the value of key */
void json_object(struct json *j, const char *key)
{
	open_container(j, key, '{');
}

/* json_array - open an array as the value of key */
void json_array(struct json *j, const char *key)
{
	open_container(j, key, '[');
}

/* json_end - close the innermost container */
void json_end(struct json *j)
{
	if (j->error)
		return;
	if (j->depth == 0) {
		j->error = 1;
		return;
	}
	j->depth--;
	putc(j->kind[j->depth] == '{' ? '}' : ']', j->out);
}

/* json_stringn - len bytes of s, escaped, as the value of key */
void json_stringn(struct json *j, const char *key, const char *s, size_t len)
{
	if (begin_value(j, key) == 0)
		put_string(j->out, s, len);
}

/* json_string - the C string s as the value of key */
void json_string(struct json *j, const char *key, const char *s)
{
	json_stringn(j, key, s, strlen(s));
}

/* json_uint - a whole number */
void json_uint(struct json *j, const char *key, unsigned long long n)
{
	if (begin_value(j, key) == 0)
		fprintf(j->out, "%llu", n);
}

/* json_int - a whole number with a sign */
void json_int(struct json *j, const char *key, long long n)
{
	if (begin_value(j, key) == 0)
		fprintf(j->out, "%lld", n);
}

/* json_bool - true or false */
void json_bool(struct json *j, const char *key, int b)
{
	if (begin_value(j, key) == 0)
		fputs(b ? "true" : "false", j->out);
}

/* json_null - null: a field that has no value here */
void json_null(struct json *j, const char *key)
{
	if (begin_value(j, key) == 0)
		fputs("null", j->out);
}

/* json_finish - the closing newline; 0 for a whole document written */
int json_finish(struct json *j)
{
	if (j->error || j->depth || !j->top_done)
		return -1;
	putc('\n', j->out);
	return fflush(j->out) == 0 && !ferror(j->out) ? 0 : -1;
}
