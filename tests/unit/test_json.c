/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_json.c - the JSON writer: nesting, commas, escaping, misuse. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "json_doc.h"
#include "test.h"

/* one_string - the document that is the single string s (len bytes) */
static char *one_string(const char *s, size_t len)
{
	struct doc d;

	doc_open(&d);
	json_stringn(&d.j, NULL, s, len);
	CHECK_EQ_INT(doc_close(&d), 0);
	return d.text;
}

/* check_string - s (len bytes) is written as want (quotes and newline
 * added here) */
static void check_string(const char *s, size_t len, const char *want, int line)
{
	char *got = one_string(s, len), expect[512];

	snprintf(expect, sizeof(expect), "\"%s\"\n", want);
	if (strcmp(got, expect) != 0)
		test_fail(__FILE__, line, "string written as %s, expected %s", got, expect);
	free(got);
}
#define STR(lit, want) check_string(lit, sizeof(lit) - 1, want, __LINE__)

TEST(json_nesting_and_commas)
{
	struct doc d;

	doc_open(&d);
	json_object(&d.j, NULL);
	json_string(&d.j, "address", "198.51.100.20");
	json_uint(&d.j, "hits", 2);
	json_array(&d.j, "reasons");
	json_string(&d.j, NULL, "s25r1");
	json_string(&d.j, NULL, "fcrdns");
	json_end(&d.j);
	json_object(&d.j, "clock");
	json_null(&d.j, "retry_after_s");
	json_bool(&d.j, "expired", 0);
	json_end(&d.j);
	json_array(&d.j, "empty");
	json_end(&d.j);
	json_object(&d.j, "none");
	json_end(&d.j);
	json_array(&d.j, "nested");
	json_array(&d.j, NULL);
	json_int(&d.j, NULL, -1);
	json_end(&d.j);
	json_object(&d.j, NULL);
	json_bool(&d.j, "live", 1);
	json_end(&d.j);
	json_end(&d.j);
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), 0);
	CHECK_EQ_STR(d.text, "{\"address\":\"198.51.100.20\",\"hits\":2,"
		     "\"reasons\":[\"s25r1\",\"fcrdns\"],"
		     "\"clock\":{\"retry_after_s\":null,\"expired\":false},"
		     "\"empty\":[],\"none\":{},\"nested\":[[-1],{\"live\":true}]}\n");
	free(d.text);
}

TEST(json_numbers_and_scalars_at_top)
{
	struct doc d;

	doc_open(&d);
	json_array(&d.j, NULL);
	json_uint(&d.j, NULL, 0);
	json_uint(&d.j, NULL, ULLONG_MAX);
	json_int(&d.j, NULL, LLONG_MIN);
	json_int(&d.j, NULL, 42);
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), 0);
	CHECK_EQ_STR(d.text, "[0,18446744073709551615,-9223372036854775808,42]\n");
	free(d.text);

	/* A document may be one scalar. */
	doc_open(&d);
	json_bool(&d.j, NULL, 1);
	CHECK_EQ_INT(doc_close(&d), 0);
	CHECK_EQ_STR(d.text, "true\n");
	free(d.text);
}

TEST(json_escapes_what_json_requires)
{
	STR("plain text", "plain text");
	STR("", "");
	STR("say \"hi\"", "say \\\"hi\\\"");
	STR("back\\slash", "back\\\\slash");
	STR("a/b", "a/b");		/* '/' need not be escaped */
	STR("\b\f\n\r\t", "\\b\\f\\n\\r\\t");
	STR("\x01\x1f", "\\u0001\\u001f");
	STR("nul\0byte", "nul\\u0000byte");
	STR("del\x7f", "del\\u007f");
	/* A PTR name made printable by the resolver: backslashes stay
	 * text, quotes are escaped. */
	STR("bad\\032name\"x\".example", "bad\\\\032name\\\"x\\\".example");
}

TEST(json_keeps_valid_utf8)
{
	STR("Gr\xc3\xbc\xc3\x9f" "e", "Gr\xc3\xbc\xc3\x9f" "e");	/* 2 bytes */
	STR("\xe2\x82\xac", "\xe2\x82\xac");				/* euro, 3 */
	STR("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");	/* CJK */
	STR("\xf0\x9f\x93\xa7", "\xf0\x9f\x93\xa7");			/* 4 bytes */
	STR("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");			/* U+10FFFF */
	STR("\xed\x9f\xbf", "\xed\x9f\xbf");				/* U+D7FF */
	STR("\xc2\xa0", "\xc2\xa0");					/* U+00A0 */
	/* C1 controls are valid UTF-8 but act on terminals: escaped. */
	STR("\xc2\x80\xc2\x9b", "\\u0080\\u009b");
}

TEST(json_replaces_invalid_utf8)
{
	STR("\x80", "\\ufffd");				/* lone continuation */
	STR("a\xbf" "b", "a\\ufffdb");
	STR("\xc0\xaf", "\\ufffd\\ufffd");		/* overlong '/' */
	STR("\xc1\x81", "\\ufffd\\ufffd");
	STR("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd");	/* overlong, 3 bytes */
	STR("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");	/* a surrogate */
	STR("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"); /* > U+10FFFF */
	STR("\xf5\xff\xfe", "\\ufffd\\ufffd\\ufffd");
	/* A truncated sequence is one U+FFFD, whatever follows it. */
	STR("\xe2\x82" "A", "\\ufffdA");
	STR("\xe2\x82", "\\ufffd");
	STR("\xf0\x9f\x93" "\"", "\\ufffd\\\"");
	STR("\xf0\x9f\x93", "\\ufffd");
	STR("\xc3", "\\ufffd");
	/* Latin-1 text is not UTF-8: each 8-bit byte is replaced. */
	STR("Gr\xfc\xdf" "e", "Gr\\ufffd\\ufffde");
	/* A truncated sequence before a valid one keeps the valid one. */
	STR("\xe2\xc3\xbc", "\\ufffd\xc3\xbc");
}

TEST(json_escapes_keys)
{
	struct doc d;

	doc_open(&d);
	json_object(&d.j, NULL);
	json_uint(&d.j, "we\"ird\n", 1);
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), 0);
	CHECK_EQ_STR(d.text, "{\"we\\\"ird\\n\":1}\n");
	free(d.text);
}

TEST(json_misuse_is_an_error)
{
	struct doc d;

	/* A value without a key inside an object. */
	doc_open(&d);
	json_object(&d.j, NULL);
	json_uint(&d.j, NULL, 1);
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), -1);
	CHECK_EQ_STR(d.text, "{");		/* nothing after the misuse */
	free(d.text);

	/* A key inside an array. */
	doc_open(&d);
	json_array(&d.j, NULL);
	json_uint(&d.j, "n", 1);
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), -1);
	free(d.text);

	/* A key at the top. */
	doc_open(&d);
	json_uint(&d.j, "n", 1);
	CHECK_EQ_INT(doc_close(&d), -1);
	CHECK_EQ_STR(d.text, "");
	free(d.text);

	/* Two documents. */
	doc_open(&d);
	json_object(&d.j, NULL);
	json_end(&d.j);
	json_object(&d.j, NULL);
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), -1);
	CHECK_EQ_STR(d.text, "{}");
	free(d.text);

	/* Closing what is not open, and leaving something open. */
	doc_open(&d);
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), -1);
	free(d.text);
	doc_open(&d);
	json_object(&d.j, NULL);
	json_array(&d.j, "a");
	json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), -1);
	free(d.text);

	/* Nothing at all is not a document. */
	doc_open(&d);
	CHECK_EQ_INT(doc_close(&d), -1);
	free(d.text);
}

TEST(json_depth_limit)
{
	struct doc d;

	doc_open(&d);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array(&d.j, NULL);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), 0);
	CHECK_EQ_INT(strlen(d.text), 2 * JSON_MAX_DEPTH + 1);
	free(d.text);

	doc_open(&d);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array(&d.j, NULL);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		json_end(&d.j);
	CHECK_EQ_INT(doc_close(&d), -1);
	free(d.text);
}

TEST(json_write_error_is_reported)
{
	struct json j;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		CHECK(!"/dev/full opens");
		return;
	}
	json_init(&j, f);
	json_string(&j, NULL, "lost");
	CHECK_EQ_INT(json_finish(&j), -1);
	fclose(f);
}
