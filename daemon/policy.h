/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	policy - from lookup outcomes to an action, with every reason
 * SYNOPSIS
 *	void policy_decide(const struct mxg_conf *conf,
 *			   const struct table_set *tables,
 *			   const struct mxg_key *client,
 *			   const struct fcrdns_result *fcrdns, int dnsbl_score,
 *			   struct decision *d);
 *	void policy_apply_country(const struct mxg_conf *conf,
 *				  enum mxg_action country,
 *				  const struct fcrdns_result *fcrdns,
 *				  struct decision *d);
 * DESCRIPTION
 *	The one place where mxgate decides, used by mxgated for real and by
 *	mxgatectl check for a dry run. Order: an access table's OK wins over
 *	everything; then an access table's refusal; then a DNSBL score at or
 *	below dnsbl_allowlist_threshold (pass); then a score at or above
 *	dnsbl_threshold (dnsbl_action); then S25R (rule 0:
 *	unknown_client_action, rules 1-6: s25r_action); else pass. Every
 *	reason that fired is set in d->reasons, whichever decided. A
 *	verdict reached without working DNS lasts at most TEMPFAIL_TTL_S.
 *
 *	policy_apply_country() then applies the action of the client's
 *	country list (greylist, tarpit, throttle; block is dropped by the tc
 *	program before anything is queued) when it is stricter than the
 *	decision and no table or DNSBL decided; it adds reason "country".
 */
#ifndef MXG_POLICY_H
#define MXG_POLICY_H

#include "config.h"
#include "resolve.h"
#include "table.h"

/* A verdict reached without working DNS is cached at most this long, so
 * that a DNS outage does not lock out good senders for verdict_ttl_block. */
#define TEMPFAIL_TTL_S	300

struct decision {
	enum mxg_action action;
	__u32 reasons;			/* every reason that fired */
	int rule;			/* S25R rule (s25r.h), -1 if none */
	unsigned ttl_s;			/* verdict lifetime */
	const struct table *table;	/* the table that decided, or NULL */
	const struct table_rule *entry;	/* and its entry */
};

void policy_decide(const struct mxg_conf *conf, const struct table_set *tables,
		   const struct mxg_key *client, const struct fcrdns_result *fcrdns,
		   int dnsbl_score, struct decision *d);
void policy_apply_country(const struct mxg_conf *conf, enum mxg_action country,
			  const struct fcrdns_result *fcrdns, struct decision *d);

#endif /* MXG_POLICY_H */
