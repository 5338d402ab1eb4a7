/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_table.c - access tables (hash, cidr, pcre): table_set_load() on
 * the input as a table file, then lookups.
 *
 * The first byte chooses the type (hash, cidr, pcre); the rest is the
 * file. Properties: every complaint names a line the file has; a table
 * that fails loads nothing; every rule comes from its own line, one that
 * is neither a comment nor blank (a long line read as two, or a NUL byte,
 * would break this); lookups of the probes below and of every word of
 * the file return a rule of the set or a regex error's refusal, never
 * an OK because of an error (checked against a second pass that counts
 * regex errors directly).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdint.h>
#include <string.h>
#include "addr.h"
#include "fuzz.h"
#include "log.h"
#include "table.h"

static char file_path[64];	/* the input's name, for the reporter */
static int file_lines;		/* its number of lines */

/* report - table_set_load's reporter: a real line of the input */
static void report(const char *msg)
{
	fuzz_check_report(msg, file_path + 5, file_lines);	/* past "type:" */
}

/* line_start - byte offset of line n (from 1) in data, or size */
static size_t line_start(const uint8_t *data, size_t size, int n)
{
	size_t o = 0;

	for (int i = 1; i < n && o < size; o++)
		if (data[o] == '\n')
			i++;
	return o;
}

/* check_rule_line - rule r comes from a line that holds an entry */
static void check_rule_line(const uint8_t *data, size_t size, int line)
{
	size_t o = line_start(data, size, line);

	FUZZ_CHECK(line >= 1 && line <= file_lines, "rule on line %d of %d",
		   line, file_lines);
	while (o < size && data[o] != '\n' && isspace(data[o]))
		o++;
	FUZZ_CHECK(o < size && data[o] != '\n' && data[o] != '#',
		   "rule from line %d, a comment or blank line", line);
}

/* check_result - a lookup's answer is a rule of set, or a regex error's
 * refusal at a pcre rule's line */
static void check_result(const struct table_set *set, const struct table_rule *r,
			 const struct table *in)
{
	const struct table *t = &set->tables[0];

	if (!r)
		return;
	FUZZ_CHECK(in == t, "answer from a table not in the set");
	if (r >= t->rules && r < t->rules + t->n_rules) {
		FUZZ_CHECK(r->action >= MXG_ACT_NONE && r->action <= MXG_ACT_THROTTLE,
			   "action %d", r->action);
		return;
	}
	for (size_t i = 0; i < t->n_rules; i++)
		if (t->rules[i].on_error == r) {
			FUZZ_CHECK(r->action == MXG_ACT_BLOCK, "error answer %d", r->action);
			return;
		}
	FUZZ_CHECK(0, "answer is no rule of the set");
}

/* errors_before - does a regex of t fail on name before rule `upto`? */
static int errors_before(const struct table *t, size_t upto, const char *name)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int err = 0;

	pcre2_set_match_limit(mc, TABLE_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, TABLE_REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(mc, TABLE_REGEX_HEAP_LIMIT_KIB);
	for (size_t i = 0; i < upto && !err; i++) {
		int rc;

		if (t->rules[i].kind != RULE_REGEX)
			continue;
		rc = pcre2_match(t->rules[i].regex, (PCRE2_SPTR)name, strlen(name),
				 0, 0, md, mc);
		err = rc < 0 && rc != PCRE2_ERROR_NOMATCH;
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return err;
}

/* lookup_name - one name: the answer is sound, and never an OK that an
 * earlier rule's regex error let through */
static void lookup_name(const struct table_set *set, const char *name)
{
	const struct table *in = NULL;
	const struct table_rule *r = table_match_name(set, name, &in);
	const struct table *t = &set->tables[0];

	check_result(set, r, in);
	if (r && r->action == MXG_ACT_PASS && t->type == TABLE_PCRE)
		FUZZ_CHECK(!errors_before(t, (size_t)(r - t->rules) + 1,
					  name ? name : "unknown"),
			   "an OK for \"%s\" after a regex error", name);
}

/* lookup_addr - one address */
static void lookup_addr(const struct table_set *set, const char *text)
{
	const struct table *in = NULL;
	struct mxg_key k;

	if (addr_parse(text, &k) < 0)
		return;
	k.plen = 128;		/* a client, not a prefix */
	check_result(set, table_match_addr(set, &k, &in), in);
}

/* lookup_words - every blank-separated word of the input, as a name and
 * as an address (what a rule's own key should find) */
static void lookup_words(const struct table_set *set, const uint8_t *data,
			 size_t size)
{
	char word[300];
	size_t n = 0;

	for (size_t i = 0; i <= size; i++) {
		int c = i < size ? data[i] : ' ';

		if (!isspace(c) && c != 0 && c != '/' && n + 1 < sizeof(word)) {
			word[n++] = (char)c;
			continue;
		}
		if (!n)
			continue;
		word[n] = 0;
		n = 0;
		lookup_name(set, word + (word[0] == '.'));
		lookup_addr(set, word);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "hash", "cidr", "pcre" };
	static const char *const names[] = {
		NULL, "mail.example.com", "unknown", "p1234-ipbf5.example.ne.jp",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	static const char *const addrs[] = {
		"192.0.2.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::",
		"::ffff:192.0.2.1",
	};
	char spec[80], dev[64];
	struct table_set set;
	int fd, rc;

	if (size < 1)
		return 0;
	fd = fuzz_file(data + 1, size - 1, dev, sizeof(dev));
	snprintf(file_path, sizeof(file_path), "%s:%s", types[data[0] % 3], dev);
	snprintf(spec, sizeof(spec), "%s", file_path);
	file_lines = fuzz_lines(data + 1, size - 1);
	rc = table_set_load(&set, spec, report);
	close(fd);
	if (rc != 0) {
		FUZZ_CHECK(set.n_tables == 0 && set.tables == NULL,
			   "a table that failed is half loaded");
		return 0;
	}
	FUZZ_CHECK(set.n_tables == 1, "%zu tables", set.n_tables);
	for (size_t i = 0; i < set.tables[0].n_rules; i++) {
		check_rule_line(data + 1, size - 1, set.tables[0].rules[i].line);
		FUZZ_CHECK(i == 0 || set.tables[0].rules[i].line >
				     set.tables[0].rules[i - 1].line,
			   "two rules from line %d", set.tables[0].rules[i].line);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		lookup_name(&set, names[i]);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		lookup_addr(&set, addrs[i]);
	lookup_words(&set, data + 1, size - 1);
	table_set_free(&set);
	return 0;
}

/* LLVMFuzzerInitialize - regex errors are logged: keep them off the
 * terminal unless asked (run.sh passes -close_fd_mask=2 anyway) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_open("fuzz_table", 1);
	return 0;
}
