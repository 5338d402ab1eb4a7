/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_resolve_raw.c - resolve_query_raw()'s contract on a real c-ares
 * channel (to a port where no server answers): one answer, never from
 * inside the call, even when c-ares refuses the name at once or the
 * resolver is freed first. */
#include <errno.h>
#include <arpa/nameser.h>
#include "loop.h"
#include "resolve.h"
#include "test.h"

static int raw_calls, raw_status, raw_inside;

/* raw_answer - count it; arg says whether the call is still running */
static void raw_answer(void *arg, int status, const unsigned char *abuf, int alen)
{
	(void)arg, (void)abuf, (void)alen;
	raw_calls++;
	raw_status = status;
	raw_inside |= arg != NULL && *(int *)arg;
}

TEST(resolve_query_raw_answers_once_from_the_loop)
{
	struct loop *l = loop_new();
	struct resolver *r = resolve_new(l, "127.0.0.1:9", 200);
	int inside = 1;

	CHECK(r != NULL);
	raw_calls = raw_inside = 0;
	resolve_query_raw(r, "example.com", ns_t_txt, raw_answer, &inside);
	inside = 0;
	CHECK_EQ_INT(raw_inside, 0);
	CHECK_EQ_INT(raw_calls, 0);
	CHECK_EQ_INT(resolve_stats(r)->sent, 1);
	resolve_free(r);		/* before any answer: cancelled */
	CHECK_EQ_INT(raw_calls, 1);
	CHECK(raw_status == -ECANCELED || raw_status == -EAGAIN);
	/* A name c-ares refuses at once (a label of 64 bytes) is still
	 * answered later. */
	r = resolve_new(l, "127.0.0.1:9", 200);
	raw_calls = 0;
	inside = 1;
	resolve_query_raw(r, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
			  ns_t_txt, raw_answer, &inside);
	inside = 0;
	CHECK_EQ_INT(raw_calls, 0);
	loop_run_once(l, 0);
	CHECK_EQ_INT(raw_calls, 1);
	CHECK_EQ_INT(raw_status, -EAGAIN);
	resolve_free(r);
	CHECK_EQ_INT(raw_calls, 1);
	loop_free(l);
}
