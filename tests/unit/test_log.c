/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_log.c - lines an attacker can make repeat are rate-limited. */
#include "log.h"
#include "test.h"

#define SECOND 1000000000ULL

TEST(log_msg_limit_counts_what_it_drops)
{
	struct msg_limit l = { 0, 0 };
	__u64 t = 5 * SECOND;

	CHECK_EQ_INT(msg_limit(&l, t, SECOND), 0);		/* first: logged */
	for (int i = 0; i < 1000; i++)				/* a flood */
		CHECK_EQ_INT(msg_limit(&l, t + (__u64)i * 1000, SECOND), -1);
	CHECK_EQ_INT(msg_limit(&l, t + SECOND - 1, SECOND), -1);
	/* A second later one line, saying how many it stands for. */
	CHECK_EQ_INT(msg_limit(&l, t + SECOND, SECOND), 1001);
	CHECK_EQ_INT(msg_limit(&l, t + 3 * SECOND, SECOND), 0);
	/* Time 0 (a test's clock) still counts as "logged once". */
	l = (struct msg_limit){ 0, 0 };
	CHECK_EQ_INT(msg_limit(&l, 0, SECOND), 0);
	CHECK_EQ_INT(msg_limit(&l, 1, SECOND), -1);
}
