/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test.h - the smallest test framework that does the job.
 *
 *   TEST(name) { CHECK(expr); CHECK_EQ_INT(a, b); CHECK_EQ_STR(a, b); }
 *
 * Tests register themselves at load time; test_main() (tests/unit/main.c,
 * tests/bpf/main.c) runs them all, or those whose name contains argv[1],
 * and ends with "<suite>: N passed, N failed". A failed CHECK prints
 * file:line and the values, marks the test failed and carries on.
 */
#ifndef MXG_TEST_H
#define MXG_TEST_H

#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int test_main(const char *suite, int argc, char **argv);

#define TEST(name)							\
	static void test_##name(void);					\
	static struct test_case tc_##name = { #name, test_##name, NULL };\
	__attribute__((constructor)) static void reg_##name(void)	\
	{ test_register(&tc_##name); }					\
	static void test_##name(void)

#define CHECK(expr) do {						\
	if (!(expr))							\
		test_fail(__FILE__, __LINE__, "CHECK(%s)", #expr);	\
} while (0)

#define CHECK_EQ_INT(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_)							\
		test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
			  #a, a_, #b, b_);				\
} while (0)

#define CHECK_EQ_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (!a_ || !b_ || strcmp(a_, b_) != 0)				\
		test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", \
			  #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
} while (0)

#endif /* MXG_TEST_H */
