/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	names - words for actions, reasons and counters
 * DESCRIPTION
 *	Implements names.h (the contract is there). The tables below are
 *	indexed by the enums of mxgate.h, so a new action, reason bit or
 *	counter needs its word here, and the unit tests say so.
 */
#include <stdio.h>
#include <string.h>
#include "names.h"

static const char *const action_words[MXG_ACT_MAX] = {
	[MXG_ACT_NONE] = "none",
	[MXG_ACT_PASS] = "pass",
	[MXG_ACT_BLOCK] = "block",
	[MXG_ACT_GREYLIST] = "greylist",
	[MXG_ACT_TARPIT] = "tarpit",
	[MXG_ACT_THROTTLE] = "throttle",
};

static const char *const reason_names[MXG_REASON_BITS] = {
	"s25r0", "s25r1", "s25r2", "s25r3", "s25r4", "s25r5", "s25r6",
	"fcrdns", "timeout", "dnsfail", "manual", "table_ok", "table_deny",
	"dnsbl", "dnswl", "s25r_extra", "retried", "country", "pregreet",
	"hangup", "waited", "provider", "spf",
};

static const char *const stat_names[MXG_STAT_ACTION] = {
	[MXG_STAT_PACKETS] = "packets",
	[MXG_STAT_SYN] = "syn",
	[MXG_STAT_UNKNOWN] = "unknown",
	[MXG_STAT_EXPIRED] = "expired",
	[MXG_STAT_MALFORMED] = "malformed",
	[MXG_STAT_COUNTRY] = "country",
	[MXG_STAT_PROMOTED] = "promoted",
	[MXG_STAT_ACCEPTED] = "accepted",
	[MXG_STAT_REFUSED_GREYLIST] = "refused_greylist",
	[MXG_STAT_REFUSED_DNSBL] = "refused_dnsbl",
	[MXG_STAT_REFUSED_COUNTRY] = "refused_country",
	[MXG_STAT_REFUSED_TABLE] = "refused_table",
	[MXG_STAT_REFUSED_THROTTLE] = "refused_throttle",
	[MXG_STAT_REFUSED_OTHER] = "refused_other",
	[MXG_STAT_GREYLIST_FIRST] = "greylist_first",
	[MXG_STAT_GREYLIST_EXPIRED] = "greylist_expired",
	[MXG_STAT_TO_RESPONDER] = "to_responder",
	[MXG_STAT_RULES_RESTORED] = "rules_restored",
};

/* The ids appended after the reasons' slots (mxgate.h). */
#define LATE(id) [(id) - MXG_STAT_OVERLOAD_TEMPFAIL]
static const char *const late_stat_names[MXG_STAT_MAX - MXG_STAT_OVERLOAD_TEMPFAIL] = {
	LATE(MXG_STAT_OVERLOAD_TEMPFAIL) = "overload_tempfail",
	LATE(MXG_STAT_OVERLOAD_PASS) = "overload_pass",
	LATE(MXG_STAT_OVERLOAD_EPISODES) = "overload_episodes",
	LATE(MXG_STAT_PREFIX_CAP) = "prefix_cap",
	LATE(MXG_STAT_DNS_BUDGET) = "dns_budget_refused",
	LATE(MXG_STAT_DNS_SENT) = "dns_sent",
	LATE(MXG_STAT_DNS_ANSWERED) = "dns_answered",
	LATE(MXG_STAT_DNS_TIMEOUT) = "dns_timeout",
	LATE(MXG_STAT_DNS_FAILED) = "dns_failed",
	LATE(MXG_STAT_PROVEN) = "proven",
	LATE(MXG_STAT_UNPROVEN) = "unproven",
	LATE(MXG_STAT_STORE_PRUNED) = "store_pruned",
	LATE(MXG_STAT_STRESS) = "stress",
	LATE(MXG_STAT_PENDING) = "pending",
	LATE(MXG_STAT_STORE_BYTES) = "store_bytes",
	LATE(MXG_STAT_STORE_RECORDS) = "store_records",
	LATE(MXG_STAT_SPF_CHECKS) = "spf_checks",
	LATE(MXG_STAT_SPF_PASS) = "spf_pass",
	LATE(MXG_STAT_SENDER_PASS) = "sender_pass",
	LATE(MXG_STAT_DNS_DOWN) = "dns_down",
	LATE(MXG_STAT_MANUAL_CHANGES) = "manual_changes",
	LATE(MXG_STAT_SHARE_UP) = "share_up",
	LATE(MXG_STAT_SHARE_QUEUE) = "share_queue",
	LATE(MXG_STAT_SHARE_LAG_MS) = "share_lag_ms",
	LATE(MXG_STAT_SHARE_SENT) = "share_sent",
	LATE(MXG_STAT_SHARE_APPLIED) = "share_applied",
	LATE(MXG_STAT_SHARE_DROPPED) = "share_dropped",
	LATE(MXG_STAT_SHARE_BAD) = "share_bad",
	LATE(MXG_STAT_SHARE_RESYNCS) = "share_resyncs",
	LATE(MXG_STAT_REPEAT_RESETS) = "repeat_resets",
};
#undef LATE

/* action_name - "pass", "block", ...; "?" for a value out of range */
const char *action_name(unsigned action)
{
	return action < MXG_ACT_MAX && action_words[action] ? action_words[action] : "?";
}

/* action_names - every action a configuration may name, for messages:
 * "pass, block, greylist, tarpit, throttle" */
const char *action_names(void)
{
	static char list[128];
	size_t o = 0;

	if (!list[0])
		for (int i = MXG_ACT_NONE + 1; i < MXG_ACT_MAX; i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
					      o ? ", " : "", action_words[i]);
	return list;
}

/* action_parse - the action a word names, or -1 */
int action_parse(const char *word)
{
	for (int i = 0; i < MXG_ACT_MAX; i++)
		if (action_words[i] && strcmp(word, action_words[i]) == 0)
			return i;
	return -1;
}

/* reason_name - the name of one reason bit, NULL if unassigned */
const char *reason_name(unsigned bit)
{
	return bit < MXG_REASON_BITS ? reason_names[bit] : NULL;
}

/* reasons_format - "s25r1,fcrdns", or "-" when no bit is set */
size_t reasons_format(__u32 reasons, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return 0;
	buf[0] = 0;
	for (unsigned bit = 0; bit < 32; bit++) {
		char other[16];
		const char *name = reason_name(bit);
		int n;

		if (!(reasons & (1u << bit)))
			continue;
		if (!name) {
			snprintf(other, sizeof(other), "bit%u", bit);
			name = other;
		}
		n = snprintf(buf + o, len - o, "%s%s", o ? "," : "", name);
		if (n < 0 || (size_t)n >= len - o) {
			o = len - 1;	/* truncated; buf stays terminated */
			break;
		}
		o += (size_t)n;
	}
	if (o == 0 && len > 1) {
		buf[0] = '-';
		buf[1] = 0;
		o = 1;
	}
	return o;
}

/* stat_name - the name mxgatectl prints for counter id */
const char *stat_name(unsigned id, char *buf, size_t len)
{
	if (id >= MXG_STAT_OVERLOAD_TEMPFAIL && id < MXG_STAT_MAX &&
	    late_stat_names[id - MXG_STAT_OVERLOAD_TEMPFAIL])
		snprintf(buf, len, "%s", late_stat_names[id - MXG_STAT_OVERLOAD_TEMPFAIL]);
	else if (id < MXG_STAT_ACTION && stat_names[id])
		snprintf(buf, len, "%s", stat_names[id]);
	else if (id < MXG_STAT_ACTION)	/* a counter added without a name */
		snprintf(buf, len, "stat%u", id);
	else if (id < MXG_STAT_REASON)
		snprintf(buf, len, "action_%s", action_name(id - MXG_STAT_ACTION));
	else if (reason_name(id - MXG_STAT_REASON))
		snprintf(buf, len, "reason_%s", reason_name(id - MXG_STAT_REASON));
	else
		snprintf(buf, len, "reason_bit%u", id - MXG_STAT_REASON);
	return buf;
}
