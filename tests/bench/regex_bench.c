/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regex_bench.c - what one hostile reverse name can cost: the worst time
 * of one pcre access-table rule (with table.c's match and depth limits)
 * and of the built-in S25R rules, over 255-byte names chosen to make
 * backtracking patterns explode. Prints numbers; never passes or fails.
 *
 * Each pattern is loaded as a one-rule table through table_set_load()
 * (so the daemon's own code path, limits and JIT are measured) and
 * matched against every name REPEAT times; a name's cost is its fastest
 * run (the others only add the noise of a shared machine), and a rule's
 * worst case is its costliest name. The
 * same patterns are then run through the PCRE2 interpreter with the same
 * limits: what a rule costs where the JIT cannot run (no executable
 * memory, e.g. under systemd's MemoryDenyWriteExecute=).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "s25r.h"
#include "table.h"

#define REPEAT 5
#define NAME_LEN 255

/* Backtracking bombs, and ordinary patterns for comparison. */
static const char *const patterns[] = {
	"(a+)+$", "(a|aa)+$", "(a|a)+$", "(\\w+)+\\d$", "^(\\w+\\.?)+-$",
	"((a+)+)+b", "(.*a){12}$", "^.*\\..*\\..*\\..*\\.[a-z]+$",
	"^(a+)\\1+$", "(?:[a-z0-9]+-?)+_$", "^([a-z0-9-]+\\.)*example\\.com$",
	"^[^.]*[0-9][^0-9.]+[0-9]", "(.+)\\.(.+)\\.(.+)\\.(.+)$",
};
#define N_PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

/* Each name is 255 bytes of its fill repeated, a dot every 64th byte
 * (labels of 63), so every one is a valid host name. */
static const char *const fills[] = {
	"a", "0", "a0", "0a-", "ab1", "a-", "x.", "aaaaaaaaa_",
};
#define N_NAMES (sizeof(fills) / sizeof(fills[0]))

static char names[N_NAMES][NAME_LEN + 1];

/* make_names - the hostile names */
static void make_names(void)
{
	for (size_t f = 0; f < N_NAMES; f++) {
		size_t k = strlen(fills[f]);

		for (size_t i = 0; i < NAME_LEN; i++)
			names[f][i] = i % 64 == 63 ? '.' : fills[f][i % k];
		names[f][NAME_LEN] = 0;
	}
}

/* outcome - what a lookup answered, in a word */
static const char *outcome(const struct table_rule *r)
{
	if (!r)
		return "no match";
	return strcmp(r->text, TABLE_REGEX_ERROR_TEXT) ? "match" : "error";
}

/* table_worst - the slowest lookup of one pattern as a table rule, in ns;
 * *errors counts the names whose lookup ended in the error refusal */
static __u64 table_worst(const char *pattern, int *errors)
{
	char path[] = "/tmp/mxgate-regex-bench.XXXXXX", spec[64];
	struct table_set set;
	__u64 worst = 0;
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	*errors = 0;
	if (!f)
		msg_fatal("regex_bench: cannot write %s", path);
	fprintf(f, "/%s/ REJECT\n", pattern);
	fclose(f);
	snprintf(spec, sizeof(spec), "pcre:%s", path);
	if (table_set_load(&set, spec, NULL) != 0)
		msg_fatal("regex_bench: /%s/ does not load", pattern);
	for (size_t n = 0; n < N_NAMES; n++) {
		const struct table_rule *r = NULL;
		__u64 best = ~0ULL;

		for (int i = 0; i < REPEAT; i++) {
			__u64 t = fine_ns();

			r = table_match_name(&set, names[n], NULL);
			t = fine_ns() - t;
			if (t < best)
				best = t;
		}
		if (best > worst)
			worst = best;
		*errors += !strcmp(outcome(r), "error");
	}
	table_set_free(&set);
	unlink(path);
	return worst;
}

/* interp_worst - the same with the PCRE2 interpreter (no JIT), in ns */
static __u64 interp_worst(const char *pattern)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	PCRE2_SIZE off;
	pcre2_code *re;
	__u64 worst = 0;
	int err;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_CASELESS, &err, &off, NULL);
	if (!re || !mc || !md)
		msg_fatal("regex_bench: /%s/ does not compile", pattern);
	pcre2_set_match_limit(mc, TABLE_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, TABLE_REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(mc, TABLE_REGEX_HEAP_LIMIT_KIB);
	for (size_t n = 0; n < N_NAMES; n++) {
		__u64 best = ~0ULL;

		for (int i = 0; i < REPEAT; i++) {
			__u64 t = fine_ns();

			(void)pcre2_match(re, (PCRE2_SPTR)names[n], NAME_LEN, 0, 0,
					  md, mc);
			t = fine_ns() - t;
			if (t < best)
				best = t;
		}
		if (best > worst)
			worst = best;
	}
	pcre2_code_free(re);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return worst;
}

/* s25r_worst - the slowest s25r_match() (all S25R_ALL rules), in ns */
static __u64 s25r_worst(void)
{
	__u64 worst = 0;

	for (size_t n = 0; n < N_NAMES; n++) {
		__u64 best = ~0ULL;

		for (int i = 0; i < REPEAT; i++) {
			__u64 t = fine_ns();

			(void)s25r_match(names[n]);
			t = fine_ns() - t;
			if (t < best)
				best = t;
		}
		if (best > worst)
			worst = best;
	}
	return worst;
}

/* s25r_rule_worst - the slowest name for S25R rule i alone, compiled as
 * s25r.c compiles it (caseless, JIT), in ns */
static __u64 s25r_rule_worst(int rule)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	PCRE2_SIZE off;
	pcre2_code *re;
	__u64 worst = 0;
	int err;

	re = pcre2_compile((PCRE2_SPTR)s25r_pattern(rule), PCRE2_ZERO_TERMINATED,
			   PCRE2_CASELESS, &err, &off, NULL);
	if (!re || !md)
		msg_fatal("regex_bench: S25R rule %d does not compile", rule);
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	for (size_t n = 0; n < N_NAMES; n++) {
		__u64 best = ~0ULL;

		for (int i = 0; i < REPEAT; i++) {
			__u64 t = fine_ns();

			(void)pcre2_match(re, (PCRE2_SPTR)names[n], NAME_LEN, 0, 0,
					  md, NULL);
			t = fine_ns() - t;
			if (t < best)
				best = t;
		}
		if (best > worst)
			worst = best;
	}
	pcre2_code_free(re);
	pcre2_match_data_free(md);
	return worst;
}

/* main - one line per pattern, then the S25R rules */
int main(void)
{
	__u64 worst_jit = 0, worst_interp = 0;

	log_open("regex_bench", 1);
	make_names();
	if (s25r_init() < 0)
		msg_fatal("regex_bench: S25R rules do not compile");
	printf("pcre table rules: match limit %d, depth limit %d, heap limit %d KiB;\n"
	       "%zu names of %d bytes, each the fastest of %d lookups\n\n",
	       TABLE_REGEX_MATCH_LIMIT, TABLE_REGEX_DEPTH_LIMIT,
	       TABLE_REGEX_HEAP_LIMIT_KIB, N_NAMES, NAME_LEN, REPEAT);
	printf("%-36s %12s %14s %8s\n", "pattern", "table (us)", "no JIT (us)",
	       "errors");
	for (size_t p = 0; p < N_PATTERNS; p++) {
		int errors;
		__u64 jit = table_worst(patterns[p], &errors);
		__u64 interp = interp_worst(patterns[p]);

		printf("/%-35s %12.1f %14.1f %5d/%zu\n", patterns[p],
		       (double)jit / 1e3, (double)interp / 1e3, errors, N_NAMES);
		if (jit > worst_jit)
			worst_jit = jit;
		if (interp > worst_interp)
			worst_interp = interp;
	}
	printf("\nworst case per rule: %.2f ms as the daemon runs it, %.2f ms "
	       "without the JIT\n", (double)worst_jit / 1e6,
	       (double)worst_interp / 1e6);
	printf("built-in S25R rules (all %d in a row), worst name: %.2f us\n",
	       S25R_ALL, (double)s25r_worst() / 1e3);
	{
		__u64 worst = 0;
		int slowest = 1;

		for (int i = 1; i <= S25R_ALL; i++) {
			__u64 t = s25r_rule_worst(i);

			if (t > worst) {
				worst = t;
				slowest = i;
			}
		}
		printf("slowest single S25R rule (%s), worst name: %.2f us\n",
		       s25r_name(slowest), (double)worst / 1e3);
	}
	s25r_free();
	return 0;
}
