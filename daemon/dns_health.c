/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dns_health - is the resolver answering at all?
 * DESCRIPTION
 *	Implements dns_health.h (the contract is there).
 */
#include "dns_health.h"

/* dns_health_tick - one second's news about the resolver */
enum dns_health_change dns_health_tick(struct dns_health *h, unsigned long long answers,
				       unsigned long long timeouts, __u64 now_ns)
{
	int was_down = h->down;

	if (answers != h->answers) {
		/* An answer came: whatever timed out beside it in the
		 * same second, the resolver speaks. */
		if (was_down) {
			h->outage_ns = now_ns - h->silent_since;
			h->outage_timeouts = h->silent_timeouts + (timeouts - h->timeouts);
		}
		h->answers = answers;
		h->timeouts = timeouts;
		h->silent_since = 0;
		h->silent_timeouts = 0;
		h->down = 0;
		return was_down ? DNS_HEALTH_UP : DNS_HEALTH_SAME;
	}
	if (timeouts != h->timeouts) {
		if (!h->silent_since)
			h->silent_since = now_ns ? now_ns : 1;
		h->silent_timeouts += timeouts - h->timeouts;
		h->timeouts = timeouts;
	}
	if (!was_down && h->silent_since && h->silent_timeouts >= DNS_DOWN_TIMEOUTS &&
	    now_ns > h->silent_since && now_ns - h->silent_since >= DNS_DOWN_AFTER_NS) {
		h->down = 1;
		return DNS_HEALTH_DOWN;
	}
	return DNS_HEALTH_SAME;
}
