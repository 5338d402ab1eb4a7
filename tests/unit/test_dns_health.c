/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_dns_health.c - the resolver is down when every lookup has timed
 * out for 30 s (and at least three did), said once; up again at the first
 * answer, with how long and how many; a slow list beside answers, or one
 * lost lookup on a quiet gateway, never raises the alarm. */
#include "dns_health.h"
#include "test.h"

#define SECOND 1000000000ULL

TEST(dns_health_down_after_30s_of_timeouts_then_up_at_an_answer)
{
	struct dns_health h = { 0 };
	unsigned long long answers = 50, timeouts = 0;
	__u64 t = 1000 * SECOND;
	int downs = 0;

	CHECK_EQ_INT(dns_health_tick(&h, answers, timeouts, t), DNS_HEALTH_SAME);
	/* From t + 1: a lookup times out every second, none is answered. */
	for (int s = 1; s <= 30; s++)
		CHECK_EQ_INT(dns_health_tick(&h, answers, ++timeouts, t + s * SECOND),
			     DNS_HEALTH_SAME);
	CHECK_EQ_INT(h.down, 0);			/* 29 s since the first */
	CHECK_EQ_INT(dns_health_tick(&h, answers, ++timeouts, t + 31 * SECOND),
		     DNS_HEALTH_DOWN);
	CHECK_EQ_INT(h.down, 1);
	CHECK_EQ_INT(h.silent_timeouts, 31);
	/* Said once: it stays down, quietly, with or without more timeouts. */
	for (int s = 32; s < 100; s++)
		if (dns_health_tick(&h, answers, timeouts += s % 2, t + s * SECOND) !=
		    DNS_HEALTH_SAME)
			downs++;
	CHECK_EQ_INT(downs, 0);
	CHECK_EQ_INT(h.down, 1);
	/* An answer: up, saying for how long and how many timed out (the
	 * last second's too). */
	CHECK_EQ_INT(dns_health_tick(&h, answers + 1, timeouts + 2, t + 100 * SECOND),
		     DNS_HEALTH_UP);
	CHECK_EQ_INT(h.down, 0);
	CHECK_EQ_INT(h.outage_ns, 99 * SECOND);
	CHECK_EQ_INT(h.outage_timeouts, timeouts + 2);
	CHECK_EQ_INT(dns_health_tick(&h, answers + 2, timeouts + 2, t + 101 * SECOND),
		     DNS_HEALTH_SAME);
	CHECK_EQ_INT(h.silent_since, 0);
}

TEST(dns_health_a_quiet_gateway_needs_three_timeouts)
{
	struct dns_health h = { 0 };
	__u64 t = 5 * SECOND;

	/* One lookup lost, then nobody comes for ten minutes. */
	CHECK_EQ_INT(dns_health_tick(&h, 10, 0, t - SECOND), DNS_HEALTH_SAME);
	CHECK_EQ_INT(dns_health_tick(&h, 10, 1, t), DNS_HEALTH_SAME);
	CHECK_EQ_INT(dns_health_tick(&h, 10, 1, t + 600 * SECOND), DNS_HEALTH_SAME);
	CHECK_EQ_INT(h.down, 0);
	/* A second client a minute later, a third: each times out. */
	CHECK_EQ_INT(dns_health_tick(&h, 10, 2, t + 660 * SECOND), DNS_HEALTH_SAME);
	CHECK_EQ_INT(dns_health_tick(&h, 10, 3, t + 720 * SECOND), DNS_HEALTH_DOWN);
	CHECK_EQ_INT(h.silent_timeouts, 3);
}

TEST(dns_health_answers_beside_timeouts_are_health)
{
	struct dns_health h = { 0 };
	unsigned long long answers = 0, timeouts = 0;
	__u64 t = SECOND;

	/* A dead DNS list times out every second while PTRs are answered
	 * (or SERVFAIL: the caller counts failures as answers). */
	for (int s = 0; s < 600; s++) {
		timeouts += 3;
		answers += s % 7 == 0;
		CHECK_EQ_INT(dns_health_tick(&h, answers, timeouts, t + s * SECOND),
			     DNS_HEALTH_SAME);
	}
	CHECK_EQ_INT(h.down, 0);
	/* Answers and timeouts in the same second: an answer came. */
	h = (struct dns_health){ 0 };
	CHECK_EQ_INT(dns_health_tick(&h, 0, 5, t), DNS_HEALTH_SAME);
	CHECK_EQ_INT(dns_health_tick(&h, 1, 9, t + 40 * SECOND), DNS_HEALTH_SAME);
	CHECK_EQ_INT(h.silent_since, 0);
	CHECK_EQ_INT(dns_health_tick(&h, 1, 9, t + 80 * SECOND), DNS_HEALTH_SAME);
}

TEST(dns_health_nothing_asked_is_not_down)
{
	struct dns_health h = { 0 };

	for (int s = 0; s < 1000; s++)
		CHECK_EQ_INT(dns_health_tick(&h, 0, 0, (__u64)s * SECOND), DNS_HEALTH_SAME);
	CHECK_EQ_INT(h.down, 0);
	/* A clock at 0 (a test's) still starts the streak. */
	h = (struct dns_health){ 0 };
	CHECK_EQ_INT(dns_health_tick(&h, 0, 3, 0), DNS_HEALTH_SAME);
	CHECK_EQ_INT(dns_health_tick(&h, 0, 3, 30 * SECOND), DNS_HEALTH_SAME);
	CHECK_EQ_INT(dns_health_tick(&h, 0, 3, 30 * SECOND + 1), DNS_HEALTH_DOWN);
}
