/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dns_health - is the resolver answering at all?
 * SYNOPSIS
 *	enum dns_health_change dns_health_tick(struct dns_health *h,
 *			unsigned long long answers, unsigned long long timeouts,
 *			__u64 now_ns);
 * DESCRIPTION
 *	mxgated calls dns_health_tick() once a second (housekeep()) with
 *	the resolver's running totals (resolve_stats()): answers (answered
 *	plus failed: a SERVFAIL is the resolver speaking) and timeouts.
 *	A pure function of those numbers and the clock, so that the rule
 *	is tested without a network.
 *
 *	The resolver is down when, since the first timeout after the last
 *	answer, DNS_DOWN_AFTER_NS have passed, at least DNS_DOWN_TIMEOUTS
 *	lookups timed out and none was answered: every lookup times out.
 *	The count keeps a single lost lookup on a quiet gateway from
 *	raising the alarm for as long as no client comes. It is up again
 *	at the first answer.
 *
 *	The result is DNS_HEALTH_DOWN at the tick the resolver is found
 *	down (once, for the one warning), DNS_HEALTH_UP at the tick it
 *	answers again (h->outage_ns and h->outage_timeouts then say for how
 *	long and how many lookups timed out), else DNS_HEALTH_SAME. h->down
 *	is the gauge. A zeroed struct dns_health is a resolver that has
 *	not failed.
 */
#ifndef MXG_DNS_HEALTH_H
#define MXG_DNS_HEALTH_H

#include <linux/types.h>

#define DNS_DOWN_AFTER_NS	(30ULL * 1000000000ULL)
#define DNS_DOWN_TIMEOUTS	3

enum dns_health_change {
	DNS_HEALTH_SAME,
	DNS_HEALTH_DOWN,	/* every lookup times out: warn */
	DNS_HEALTH_UP,		/* it answers again: say so */
};

struct dns_health {
	unsigned long long answers;	/* totals at the last tick */
	unsigned long long timeouts;
	__u64 silent_since;		/* first timeout since the last answer; 0 none */
	unsigned long long silent_timeouts; /* timeouts since then */
	int down;			/* 1 while the resolver is down */
	__u64 outage_ns;		/* the outage that just ended (UP) */
	unsigned long long outage_timeouts; /* ... its timed-out lookups */
};

enum dns_health_change dns_health_tick(struct dns_health *h, unsigned long long answers,
				       unsigned long long timeouts, __u64 now_ns);

#endif /* MXG_DNS_HEALTH_H */
