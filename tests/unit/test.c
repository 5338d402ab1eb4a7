/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test.c - registration, failure reporting and the runner for test.h. */
#include <stdarg.h>
#include <stdlib.h>
#include "test.h"

static struct test_case *tests;
static struct test_case **tests_tail = &tests;
static int current_failed;

/* test_register - append a test; called from constructors, in file order */
void test_register(struct test_case *tc)
{
	*tests_tail = tc;
	tests_tail = &tc->next;
}

/* test_fail - report one failed check and mark the running test failed */
void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	current_failed = 1;
}

/* test_main - run every test (or those matching argv[1]), print the tally */
int test_main(const char *suite, int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	for (struct test_case *tc = tests; tc; tc = tc->next) {
		if (filter && !strstr(tc->name, filter))
			continue;
		current_failed = 0;
		tc->fn();
		if (current_failed) {
			failed++;
			printf("FAIL %s\n", tc->name);
		} else {
			passed++;
			printf("ok   %s\n", tc->name);
		}
		fflush(stdout);
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}
