/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_json - the parts of mxgatectl's JSON documents
 * DESCRIPTION
 *	Implements ctl_json.h (the contract is there; the fields are
 *	documented in man/mxgatectl.8). The words are names.h's and
 *	s25r.h's, the same as in mxgatectl's text.
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>
#include "addr.h"
#include "clock.h"
#include "ctl_json.h"
#include "names.h"
#include "s25r.h"

/* ctl_clock_now - the maps' clock and the wall clock, sampled together */
void ctl_clock_now(struct ctl_clock *now)
{
	struct timespec ts;

	now->mono_ns = now_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	now->real_ns = (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

/* put_unix - NAME_unix and NAME_at of a wall-clock time (seconds);
 * both null when known is 0 or gmtime cannot say it */
static void put_unix(struct json *j, const char *name, unsigned long long s, int known)
{
	char unix_key[64], at_key[64], text[32];
	time_t t = (time_t)s;
	struct tm tm;

	snprintf(unix_key, sizeof(unix_key), "%s_unix", name);
	snprintf(at_key, sizeof(at_key), "%s_at", name);
	if (!known || s > (unsigned long long)LLONG_MAX || !gmtime_r(&t, &tm) ||
	    !strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		json_null(j, unix_key);
		json_null(j, at_key);
		return;
	}
	json_uint(j, unix_key, s);
	json_string(j, at_key, text);
}

/* ctl_json_unix - NAME_unix and NAME_at of a time in Unix seconds */
void ctl_json_unix(struct json *j, const char *name, unsigned long long unix_s)
{
	put_unix(j, name, unix_s, 1);
}

/* ctl_json_time - NAME_unix and NAME_at of a monotonic time; null for a
 * time the wall clock cannot say (before 1970, past gmtime's range) */
void ctl_json_time(struct json *j, const char *name, __u64 mono_ns,
		   const struct ctl_clock *now)
{
	__u64 real_ns;
	int known;

	if (mono_ns >= now->mono_ns) {
		known = mono_ns - now->mono_ns <= ~0ULL - now->real_ns;
		real_ns = now->real_ns + (mono_ns - now->mono_ns);
	} else {
		known = now->mono_ns - mono_ns <= now->real_ns;
		real_ns = now->real_ns - (now->mono_ns - mono_ns);
	}
	put_unix(j, name, real_ns / NS_PER_S, known);
}

/* ctl_json_reasons - the reasons as an array of their names */
void ctl_json_reasons(struct json *j, const char *key, __u32 reasons)
{
	char other[16];

	json_array(j, key);
	for (unsigned bit = 0; bit < 32; bit++) {
		if (!(reasons & (1u << bit)))
			continue;
		if (reason_name(bit)) {
			json_string(j, NULL, reason_name(bit));
		} else {
			snprintf(other, sizeof(other), "bit%u", bit);
			json_string(j, NULL, other);
		}
	}
	json_end(j);
}

/* ctl_seconds_left - whole seconds until until_ns, 0 once past */
__u64 ctl_seconds_left(__u64 until_ns, __u64 now_ns)
{
	return until_ns > now_ns ? (until_ns - now_ns) / NS_PER_S : 0;
}

/* ctl_retry_after_s - seconds until a retry of greylisted v is promoted,
 * rounded up (0: a retry now passes) */
__u64 ctl_retry_after_s(const struct mxg_verdict *v, __u64 now_ns, __u64 delay_ns)
{
	__u64 due = v->decided_ns + delay_ns;

	if (due < v->decided_ns)	/* absurd delay: never */
		due = ~0ULL;
	if (due <= now_ns)
		return 0;
	/* Rounded up without overflow. */
	return (due - now_ns) / NS_PER_S + ((due - now_ns) % NS_PER_S != 0);
}

/* ctl_json_verdict - one verdict's members, into an open object */
void ctl_json_verdict(struct json *j, const struct mxg_key *k,
		      const struct mxg_verdict *v, const struct ctl_clock *now,
		      int unproven, const __u64 *greylist_delay_ns)
{
	char addr[ADDR_STRLEN];
	__u64 t = now->mono_ns;
	int greylist = v->action == MXG_ACT_GREYLIST;

	addr_format(k, addr, sizeof(addr));
	json_string(j, "address", addr);
	json_string(j, "action", action_name(v->action));
	ctl_json_reasons(j, "reasons", v->reasons);
	ctl_json_time(j, "decided", v->decided_ns, now);
	json_uint(j, "age_s", t > v->decided_ns ? (t - v->decided_ns) / NS_PER_S : 0);
	json_bool(j, "expired", v->expires_ns <= t);
	json_uint(j, "expires_in_s", ctl_seconds_left(v->expires_ns, t));
	ctl_json_time(j, "expires", v->expires_ns, now);
	json_uint(j, "hits", v->hits);
	json_int(j, "dnsbl_score", v->dnsbl_score);
	if (greylist && greylist_delay_ns)
		json_uint(j, "retry_after_s", ctl_retry_after_s(v, t, *greylist_delay_ns));
	else
		json_null(j, "retry_after_s");
	if (greylist)
		json_uint(j, "window_left_s", ctl_seconds_left(v->expires_ns, t));
	else
		json_null(j, "window_left_s");
	json_bool(j, "unproven", unproven);
}

/* ctl_json_stats - the breakdown's totals, every counter, the rules */
void ctl_json_stats(struct json *j, const __u64 totals[MXG_STAT_MAX],
		    const __u64 *rule_hits)
{
	const size_t prefix = sizeof("refused_") - 1;
	__u64 refused = 0;
	char name[32];

	/* The causes of a refusal are one run of ids (mxgate.h). */
	for (unsigned id = MXG_STAT_REFUSED_GREYLIST; id <= MXG_STAT_REFUSED_OTHER; id++)
		refused += totals[id];
	json_uint(j, "connections", totals[MXG_STAT_ACCEPTED] + refused);
	json_uint(j, "accepted", totals[MXG_STAT_ACCEPTED]);
	json_uint(j, "refused", refused);
	json_object(j, "refused_by");
	for (unsigned id = MXG_STAT_REFUSED_GREYLIST; id <= MXG_STAT_REFUSED_OTHER; id++)
		json_uint(j, stat_name(id, name, sizeof(name)) + prefix, totals[id]);
	json_end(j);
	json_object(j, "counters");
	for (unsigned id = 0; id < MXG_STAT_MAX; id++)
		json_uint(j, stat_name(id, name, sizeof(name)), totals[id]);
	json_end(j);
	if (!rule_hits) {
		json_null(j, "rule_hits");
		return;
	}
	json_object(j, "rule_hits");
	for (int r = 0; r <= S25R_ALL; r++)
		json_uint(j, s25r_name(r), rule_hits[r]);
	json_end(j);
}

/* ctl_json_name_check - check HOSTNAME's members */
void ctl_json_name_check(struct json *j, const char *hostname, int rule)
{
	json_string(j, "hostname", hostname);
	json_bool(j, "clean", rule == 0);
	if (rule)
		json_string(j, "rule", s25r_name(rule));
	else
		json_null(j, "rule");
	if (rule && s25r_pattern(rule))
		json_string(j, "pattern", s25r_pattern(rule));
	else
		json_null(j, "pattern");
}
