/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	budget - a token bucket: at most rate things a second, rate at once
 * SYNOPSIS
 *	void budget_init(struct budget *b, __u64 now_ns);
 *	int budget_take(struct budget *b, unsigned rate, unsigned n, __u64 now_ns);
 * DESCRIPTION
 *	mxgated's DNS query budget (dns_max_qps). The bucket holds at most
 *	rate tokens (one second's worth) and gains rate a second. It starts
 *	full. budget_take() takes n tokens and returns 1 when the bucket
 *	holds n, else takes nothing and returns 0. rate is passed at every
 *	call, so a reload applies at once. Tokens are kept in millionths,
 *	so that any rate from 1 to 1000000 refills evenly.
 */
#ifndef MXG_BUDGET_H
#define MXG_BUDGET_H

#include <linux/types.h>

#define BUDGET_UNIT	1000000ULL	/* a token, in the bucket's units */

struct budget {
	__u64 level;		/* tokens * BUDGET_UNIT; ~0: not yet filled */
	__u64 filled_ns;	/* when level was last brought up to date */
};

/* budget_init - a full bucket (filled at the first take) */
static inline void budget_init(struct budget *b, __u64 now_ns)
{
	b->level = ~0ULL;
	b->filled_ns = now_ns;
}

/* budget_take - n tokens if the bucket holds them: 1, else 0 */
static inline int budget_take(struct budget *b, unsigned rate, unsigned n, __u64 now_ns)
{
	__u64 cap = (__u64)rate * BUDGET_UNIT, dt = now_ns - b->filled_ns;

	if (b->level == ~0ULL || b->level > cap)
		b->level = cap;
	else if (now_ns > b->filled_ns)
		/* rate tokens a second: rate * UNIT per 1e9 ns, i.e.
		 * rate / 1000 units per ns; dt capped so it cannot overflow */
		b->level += (dt > 2000000000ULL ? 2000000000ULL : dt) * rate / 1000;
	if (b->level > cap)
		b->level = cap;
	if (now_ns > b->filled_ns)
		b->filled_ns = now_ns;
	if (b->level < (__u64)n * BUDGET_UNIT)
		return 0;
	b->level -= (__u64)n * BUDGET_UNIT;
	return 1;
}

#endif /* MXG_BUDGET_H */
