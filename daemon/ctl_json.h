/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_json - the parts of mxgatectl's JSON documents: a verdict, a
 *	time, the counters, a name's S25R check
 * SYNOPSIS
 *	void ctl_clock_now(struct ctl_clock *now);
 *	void ctl_json_time(struct json *j, const char *name, __u64 mono_ns,
 *			   const struct ctl_clock *now);
 *	void ctl_json_unix(struct json *j, const char *name,
 *			   unsigned long long unix_s);
 *	void ctl_json_unix(struct json *j, const char *name, unsigned long long unix_s);
void ctl_json_reasons(struct json *j, const char *key, __u32 reasons);
 *	void ctl_json_verdict(struct json *j, const struct mxg_key *k,
 *			      const struct mxg_verdict *v,
 *			      const struct ctl_clock *now, int unproven,
 *			      const __u64 *greylist_delay_ns);
 *	void ctl_json_stats(struct json *j, const __u64 totals[MXG_STAT_MAX],
 *			    const __u64 *rule_hits);
 *	void ctl_json_name_check(struct json *j, const char *hostname,
 *				 int rule);
 *
 *	__u64 ctl_retry_after_s(const struct mxg_verdict *v, __u64 now_ns,
 *				__u64 delay_ns);
 *	__u64 ctl_seconds_left(__u64 until_ns, __u64 now_ns);
 * DESCRIPTION
 *	man/mxgatectl.8 (JSON OUTPUT) documents every field; the names are
 *	a contract with scripts: fields are added, never renamed or
 *	removed, and a field that does not apply is null rather than left
 *	out. Times are seconds: relative ones end in _s, absolute ones are
 *	given twice, as Unix seconds (NAME_unix) and as UTC text in RFC
 *	3339 form (NAME_at, "2026-12-03T10:15:42Z").
 *
 *	The maps keep CLOCK_MONOTONIC_COARSE nanoseconds (clock.h);
 *	ctl_clock_now() samples that clock and the wall clock together,
 *	and ctl_json_time() turns a monotonic time into NAME_unix and
 *	NAME_at by that pair (null when out of the range gmtime takes).
 *	ctl_json_unix() writes the two of a wall-clock time.
 *
 *	ctl_json_reasons() writes an array of reason names (names.h; an
 *	unnamed bit as "bitN").
 *
 *	ctl_json_verdict() writes the members of one verdict into the
 *	object the caller has opened: address, action, reasons,
 *	decided_unix, decided_at, age_s, expired, expires_in_s,
 *	expires_unix, expires_at, hits, dnsbl_score, retry_after_s,
 *	window_left_s, unproven. The greylist clock is computed as lookup
 *	prints it: retry_after_s needs greylist_delay_ns (NULL: unknown,
 *	null), both are null for other actions.
 *
 *	ctl_json_stats() writes the members of the stats document:
 *	connections, accepted, refused, refused_by (greylist, dnsbl,
 *	country, table, throttle, other), counters (every counter by its
 *	name, as stats prints them) and rule_hits (by S25R rule name; null
 *	when rule_hits is NULL).
 *
 *	ctl_json_name_check() writes the members of check HOSTNAME: the
 *	hostname, clean, and the rule (its name and pattern; null when
 *	clean) s25r_match() gave.
 *
 *	The greylist clock, for lookup's text and JSON alike:
 *	ctl_retry_after_s() is the seconds until the tc program promotes a
 *	retry of the greylisted client v (now - decided_ns >= delay_ns),
 *	rounded up, so 0 means that a retry now passes; an absurd delay
 *	that overflows is "never" (2^64 - 1 ns away). ctl_seconds_left()
 *	is the whole seconds from now to until_ns, rounded down, 0 once it
 *	has passed (expires_in, window_left).
 */
#ifndef MXG_CTL_JSON_H
#define MXG_CTL_JSON_H

#include <linux/types.h>
#include "json.h"
#include "mxgate.h"

struct ctl_clock {
	__u64 mono_ns;			/* now_ns(): the maps' clock */
	__u64 real_ns;			/* CLOCK_REALTIME at the same moment */
};

void ctl_clock_now(struct ctl_clock *now);
void ctl_json_time(struct json *j, const char *name, __u64 mono_ns,
		   const struct ctl_clock *now);
void ctl_json_unix(struct json *j, const char *name, unsigned long long unix_s);
void ctl_json_reasons(struct json *j, const char *key, __u32 reasons);
void ctl_json_verdict(struct json *j, const struct mxg_key *k,
		      const struct mxg_verdict *v, const struct ctl_clock *now,
		      int unproven, const __u64 *greylist_delay_ns);
void ctl_json_stats(struct json *j, const __u64 totals[MXG_STAT_MAX],
		    const __u64 *rule_hits);
void ctl_json_name_check(struct json *j, const char *hostname, int rule);
__u64 ctl_retry_after_s(const struct mxg_verdict *v, __u64 now_ns, __u64 delay_ns);
__u64 ctl_seconds_left(__u64 until_ns, __u64 now_ns);

#endif /* MXG_CTL_JSON_H */
