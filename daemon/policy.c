/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.c - from lookup outcomes to an action; see policy.h. */
#include <string.h>
#include "policy.h"
#include "s25r.h"

/* s25r_outcome - the S25R rule an FCrDNS outcome trips, -1 for none */
static int s25r_outcome(const struct fcrdns_result *r)
{
	int rule;

	if (r->status == FCRDNS_SKIPPED)
		return -1;
	if (r->status != FCRDNS_PASS)
		return 0;
	rule = s25r_match(r->name);
	return rule ? rule : -1;
}

/* verdict_ttl - how long a verdict lasts, by action and DNS health */
static unsigned verdict_ttl(const struct mxg_conf *conf, enum mxg_action action,
			    const struct fcrdns_result *r)
{
	unsigned ttl = action == MXG_ACT_PASS ? conf->verdict_ttl_pass :
		action == MXG_ACT_GREYLIST ? conf->greylist_window :
		conf->verdict_ttl_block;

	/* Without working DNS, keep any verdict short: a DNS outage must not
	 * lock good senders out (or bots in) for long. */
	if (r->status == FCRDNS_TEMPFAIL && ttl > TEMPFAIL_TTL_S)
		ttl = TEMPFAIL_TTL_S;
	return ttl;
}

/* policy_decide - action, reasons and TTL, in the order policy.h gives */
void policy_decide(const struct mxg_conf *conf, const struct table_set *tables,
		   const struct mxg_key *key, const struct fcrdns_result *r,
		   int score, struct decision *d)
{
	int listed = conf->dnsbl_sites[0] && score >= conf->dnsbl_threshold;
	int allowlisted = conf->dnsbl_allowlist_threshold < 0 &&
		score <= conf->dnsbl_allowlist_threshold;
	const char *name = r->status == FCRDNS_PASS ? r->name : NULL;
	const struct table *at = NULL, *nt = NULL;
	const struct table_rule *a = table_match_addr(tables, key, &at);
	const struct table_rule *n = r->status == FCRDNS_SKIPPED ? NULL :
		table_match_name(tables, name, &nt);

	memset(d, 0, sizeof(*d));
	d->rule = s25r_outcome(r);
	if (r->status == FCRDNS_PASS)
		d->reasons |= MXG_R_FCRDNS;
	if (d->rule >= 0)
		d->reasons |= d->rule <= S25R_RULES ? MXG_R_S25R(d->rule) : MXG_R_S25R_EXTRA;
	if (r->status == FCRDNS_TEMPFAIL)
		d->reasons |= r->timed_out ? MXG_R_TIMEOUT : MXG_R_DNSFAIL;
	if (listed)
		d->reasons |= MXG_R_DNSBL;
	if (allowlisted)
		d->reasons |= MXG_R_DNSWL;

	if ((a && a->action == MXG_ACT_PASS) || (n && n->action == MXG_ACT_PASS)) {
		d->entry = a && a->action == MXG_ACT_PASS ? a : n;
		d->table = d->entry == a ? at : nt;
		d->reasons |= MXG_R_TABLE_OK;
		d->action = MXG_ACT_PASS;
	} else if ((a && a->action != MXG_ACT_NONE) || (n && n->action != MXG_ACT_NONE)) {
		d->entry = a && a->action != MXG_ACT_NONE ? a : n;
		d->table = d->entry == a ? at : nt;
		d->reasons |= MXG_R_TABLE_DENY;
		d->action = (enum mxg_action)d->entry->action;
	} else if (allowlisted) {
		d->action = MXG_ACT_PASS;
	} else if (listed) {
		d->action = (enum mxg_action)conf->dnsbl_action;
	} else if (d->rule == 0) {
		d->action = (enum mxg_action)conf->unknown_client_action;
	} else if (d->rule > 0) {
		d->action = (enum mxg_action)conf->s25r_action;
	} else {
		d->action = MXG_ACT_PASS;
	}
	d->ttl_s = verdict_ttl(conf, d->action, r);
}

/* severity - how hard an action is on the client, for the stricter of two */
static int severity(enum mxg_action a)
{
	static const int rank[MXG_ACT_MAX] = {
		[MXG_ACT_NONE] = 0, [MXG_ACT_PASS] = 1, [MXG_ACT_THROTTLE] = 2,
		[MXG_ACT_GREYLIST] = 3, [MXG_ACT_TARPIT] = 4, [MXG_ACT_BLOCK] = 5,
	};

	return a < MXG_ACT_MAX ? rank[a] : 0;
}

/* policy_apply_country - the country's action where it is stricter than
 * what DNS and S25R gave; the tables and the DNSBLs keep the last word */
void policy_apply_country(const struct mxg_conf *conf, enum mxg_action country,
			  const struct fcrdns_result *r, struct decision *d)
{
	if (d->reasons & (MXG_R_TABLE_OK | MXG_R_TABLE_DENY | MXG_R_DNSWL | MXG_R_DNSBL))
		return;
	if (severity(country) <= severity(d->action))
		return;
	d->action = country;
	d->reasons |= MXG_R_COUNTRY;
	d->ttl_s = verdict_ttl(conf, country, r);
}
