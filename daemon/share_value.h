/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	share_value - what gateways tell each other through Redis, as text,
 *	and which of two versions of an entry wins
 * SYNOPSIS
 *	int share_key_format(char kind, const struct mxg_key *k, char *buf,
 *			     size_t len);
 *	int share_key_parse(const char *text, size_t len, char *kind,
 *			    struct mxg_key *k);
 *	int share_value_format(const struct share_entry *e, char *buf,
 *			       size_t len);
 *	int share_value_parse(const char *text, size_t len,
 *			      struct share_entry *e, const char **why);
 *	int share_wins(const struct share_entry *n, const struct share_entry *h,
 *		       __u64 now_ms);
 *	void share_from_verdict(struct share_entry *e, const struct mxg_verdict *v,
 *				const struct clock_pair *c);
 *	void share_to_verdict(const struct share_entry *e, struct mxg_verdict *v,
 *			      const struct clock_pair *c);
 *	void share_from_manual(struct share_entry *e, const struct mxg_manual *m,
 *			       const struct clock_pair *c);
 *	void share_to_manual(const struct share_entry *e, unsigned prefixlen,
 *			     struct mxg_manual *m, const struct clock_pair *c);
 * DESCRIPTION
 *	An entry is a learned verdict (kind 'v') about an address or a
 *	network key (smart keys, sender pools), or an admin's manual
 *	decision (kind 'm') about a prefix. In Redis it is the key
 *	PREFIX + "v:" or "m:" + the address as addr_format() writes it
 *	("198.51.100.7", "192.0.2.0/24", "2001:db8::/64"), holding the
 *	value text, and each change is a stream entry with the same key
 *	suffix and value. Times travel as wall-clock milliseconds (each
 *	writer's CLOCK_REALTIME: gateways must keep their clocks in step,
 *	NTP; share.h says what skew does).
 *
 *	    1 v ACTION REASONS SCORE DECIDED EXPIRES
 *	    1 m ACTION DECIDED EXPIRES "COMMENT"
 *
 *	"1" is the format's version. ACTION is enum mxg_action in decimal;
 *	for 'm' only 1 (allow), 2 (block) or 0 (forgotten: a tombstone, so
 *	that a forget beats an older decision replayed late). REASONS is
 *	enum mxg_reason in hex, SCORE the DNSBL score, DECIDED and EXPIRES
 *	ms since the epoch (EXPIRES 0 for a manual decision without end).
 *	COMMENT is quoted as manual_quote() does. A value is at most
 *	SHARE_VALUE_MAX bytes.
 *
 *	share_key_format() writes kind's key suffix for k ("v:ADDR"); its
 *	length, or -1 when it does not fit. share_key_parse() reads one
 *	back (len bytes, not NUL-terminated): 0, or -1 when it is not a
 *	key of ours. share_value_format() writes e's value: its length, or
 *	-1. share_value_parse() reads len bytes into e: 0, or -1 with *why
 *	(a constant string) for anything but a well-formed value of this
 *	version: hostile input from Redis is judged here and only here.
 *
 *	share_wins() is the precedence, the same rules as the Redis script
 *	(share_script.h) applies, so that Redis and every gateway keep the
 *	same winner: does n replace h (h NULL: nothing held)? Times within
 *	SHARE_SAME_MS of each other are the same time: a time goes through
 *	the kernel's coarse monotonic clock and back on its way between
 *	gateways (a few ms of jitter), and without this a gateway would
 *	take its own decision, come back from another, for a newer one.
 *	  - anything replaces nothing, or an entry expired by now_ms;
 *	  - a greylist first contact (action greylist) never replaces a
 *	    live entry, except an entry with a later first contact: the
 *	    earliest contact wins, so a clock started at two gateways
 *	    runs from the first;
 *	  - the same decision (same action, same DECIDED) wins only with a
 *	    later expiry: a renewed pass;
 *	  - otherwise the later decision wins (a promotion, a block, a
 *	    manual decision or its forgetting after what was held);
 *	  - a manual decision forgotten in the ms it was made is forgotten.
 *
 *	The conversions move an entry between a map's value (monotonic
 *	ns) and wall ms with one clock pair (clock.h); hits and
 *	reported_ns stay the gateway's own (0 here).
 */
#ifndef MXG_SHARE_VALUE_H
#define MXG_SHARE_VALUE_H

#include <stddef.h>
#include <linux/types.h>
#include "clock.h"
#include "mxgate.h"

#define SHARE_VALUE_MAX	384	/* bytes of a value, NUL included */
#define SHARE_KEY_MAX	64	/* bytes of a key suffix, NUL included */
#define SHARE_SAME_MS	1000	/* times this close are the same time */

struct share_entry {
	char kind;		/* 'v' verdict, 'm' manual */
	__u32 action;		/* enum mxg_action; 'm': 0 forgotten */
	__u32 reasons;		/* 'v' */
	__s32 score;		/* 'v' */
	__u64 decided_ms;	/* wall clock */
	__u64 expires_ms;	/* wall clock; 'm': 0 = no end */
	char comment[MXG_MANUAL_COMMENT];	/* 'm' */
};

int share_key_format(char kind, const struct mxg_key *k, char *buf, size_t len);
int share_key_parse(const char *text, size_t len, char *kind, struct mxg_key *k);
int share_value_format(const struct share_entry *e, char *buf, size_t len);
int share_value_parse(const char *text, size_t len, struct share_entry *e,
		      const char **why);
int share_wins(const struct share_entry *n, const struct share_entry *h, __u64 now_ms);
void share_from_verdict(struct share_entry *e, const struct mxg_verdict *v,
			const struct clock_pair *c);
void share_to_verdict(const struct share_entry *e, struct mxg_verdict *v,
		      const struct clock_pair *c);
void share_from_manual(struct share_entry *e, const struct mxg_manual *m,
		       const struct clock_pair *c);
void share_to_manual(const struct share_entry *e, unsigned prefixlen,
		     struct mxg_manual *m, const struct clock_pair *c);

#endif /* MXG_SHARE_VALUE_H */
