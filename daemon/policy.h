/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	policy - from what the signals found to an action, with every reason
 * SYNOPSIS
 *	void policy_decide(const struct policy_env *env,
 *			   const struct mxg_key *client,
 *			   const struct evidence *e, struct decision *d);
 *	void policy_propose(struct decision *d, enum policy_rank rank,
 *			    enum mxg_action action);
 *	int policy_severity(enum mxg_action a);
 *	void evidence_init(struct evidence *e);
 * DESCRIPTION
 *	The one place where mxgate decides, used by mxgated for real and by
 *	mxgatectl check for a dry run, both through the classifier
 *	(classify.h). policy_decide() starts from "pass", lets every signal
 *	of the signal table (signals.h) apply what it found, in table order,
 *	and sets the verdict's lifetime. A signal proposes an action with a
 *	rank (policy_propose()); a higher rank overrides a lower one, the
 *	first proposal of a rank stays:
 *
 *	  TABLE_OK	an access table's OK (address, then name)
 *	  TABLE_DENY	an access table's refusal
 *	  DNSWL		a DNS list score at or below dnsbl_allowlist_threshold
 *	  DNSBL		a score at or above dnsbl_threshold: dnsbl_action
 *	  PROVIDER	a forward-confirmed name under a provider_allowlist
 *			domain (providers.h): pass
 *	  S25R		rule 0: unknown_client_action, 1-6: s25r_action
 *	  (none)	pass
 *
 *	The provider allowlist undoes S25R's mistake about the big
 *	providers' pools and nothing else: the admin's tables come first,
 *	a DNS list that lists the client still refuses it (a listing is
 *	evidence about that address, and big providers are listed rarely
 *	and briefly), and a stricter country action still applies (the
 *	admin chose it; the list is a shipped default).
 *
 *	The country's action (greylist, tarpit, throttle; block is dropped
 *	by the tc program before anything is queued) applies when nothing
 *	ranked DNSBL or above decided and it is stricter than the decision
 *	(policy_severity()); it adds reason "country". Every reason that
 *	fired is set in d->reasons, whichever decided. A verdict reached
 *	without working DNS lasts at most TEMPFAIL_TTL_S.
 *
 *	evidence_init() is the evidence of a source no signal has looked at:
 *	FCrDNS skipped, score 0, no country.
 */
#ifndef MXG_POLICY_H
#define MXG_POLICY_H

#include "config.h"
#include "providers.h"
#include "resolve.h"
#include "table.h"

/* A verdict reached without working DNS is cached at most this long, so
 * that a DNS outage does not lock out good senders for verdict_ttl_block. */
#define TEMPFAIL_TTL_S	300

/* What the signals found about one source (each signal fills its part). */
struct evidence {
	struct fcrdns_result fcrdns;	/* PTR + forward confirmation */
	int dnsbl_score;		/* weighted DNS list score */
	__u32 country;			/* country table entry (mxgate.h), 0: none */
};

/* What the policy reads besides the evidence: the running configuration,
 * access tables and provider allowlist (read at decision time, so a
 * reload applies). */
struct policy_env {
	const struct mxg_conf *conf;
	const struct table_set *tables;
	const struct providers *providers;	/* NULL: none */
};

enum policy_rank {
	RANK_NONE = 0,		/* the default pass */
	RANK_S25R,
	RANK_PROVIDER,
	RANK_DNSBL,
	RANK_DNSWL,
	RANK_TABLE_DENY,
	RANK_TABLE_OK,
};

struct decision {
	enum mxg_action action;
	enum policy_rank rank;		/* of the proposal that set action */
	__u32 reasons;			/* every reason that fired */
	int rule;			/* S25R rule (s25r.h), -1 if none */
	unsigned ttl_s;			/* verdict lifetime */
	const struct table *table;	/* the table that decided, or NULL */
	const struct table_rule *entry;	/* and its entry */
	const struct provider *provider; /* the allowlist entry the confirmed
					  * name is under, or NULL */
	const char *sender;		/* the domain whose SPF pool's clock
					 * decided (sender.h), or NULL */
};

void policy_decide(const struct policy_env *env, const struct mxg_key *client,
		   const struct evidence *e, struct decision *d);
void policy_propose(struct decision *d, enum policy_rank rank, enum mxg_action action);
int policy_severity(enum mxg_action a);
void evidence_init(struct evidence *e);

#endif /* MXG_POLICY_H */
