/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * signals.c - the signal table; see signals.h for the contract.
 *
 * One block per signal: start, its callback, cancel, apply, show. The
 * lookups themselves live in their modules (table.c, resolve.c,
 * providers.c, dnsbl.c, country_table.c); this file is the glue between
 * them and the pipeline.
 */
#include <string.h>
#include "classify.h"
#include "names.h"
#include "s25r.h"
#include "signals.h"

/* table_propose - an access table entry's part in the decision: OK or
 * a refusal, at the rank of tables. An OK that overrides a refusal
 * leaves only its own reason, as the admin reads "the table said OK". */
static void table_propose(struct decision *d, const struct table *t,
			  const struct table_rule *r)
{
	enum policy_rank rank;

	if (!r || r->action == MXG_ACT_NONE)
		return;
	rank = r->action == MXG_ACT_PASS ? RANK_TABLE_OK : RANK_TABLE_DENY;
	if (rank <= d->rank)
		return;
	policy_propose(d, rank, (enum mxg_action)r->action);
	if (rank == RANK_TABLE_OK)
		d->reasons = (d->reasons & ~MXG_R_TABLE_DENY) | MXG_R_TABLE_OK;
	else
		d->reasons |= MXG_R_TABLE_DENY;
	d->table = t;
	d->entry = r;
}

/* show_table - one table stage of the dry run */
static void show_table(FILE *out, const char *stage, const struct table *t,
		       const struct table_rule *r)
{
	if (!r)
		fprintf(out, "%-15s no match\n", stage);
	else
		fprintf(out, "%-15s %s:%d %s%s%s\n", stage, t->path, r->line,
			r->action == MXG_ACT_NONE ? "dunno" : action_name(r->action),
			r->text[0] ? " " : "", r->text);
}

/* --- address tables: an OK needs no DNS at all --- */

static enum signal_start addr_start(struct classifier *c, struct pending *p)
{
	const struct table_rule *a = table_match_addr(c->tables, &p->key, NULL);

	return a && a->action == MXG_ACT_PASS ? SIGNAL_FINAL : SIGNAL_DONE;
}

/* addr_cancel - never outstanding: it answers in start */
static void addr_cancel(struct classifier *c, struct pending *p, int timed_out)
{
	(void)c, (void)p, (void)timed_out;
}

static void addr_apply(const struct policy_env *env, const struct mxg_key *client,
		       const struct evidence *e, struct decision *d)
{
	const struct table *t = NULL;
	const struct table_rule *r = table_match_addr(env->tables, client, &t);

	(void)e;
	table_propose(d, t, r);
}

static void addr_show(const struct policy_env *env, const struct mxg_key *client,
		      const struct evidence *e, FILE *out)
{
	const struct table *t = NULL;
	const struct table_rule *r = table_match_addr(env->tables, client, &t);

	(void)e;
	show_table(out, "address table:", t, r);
	if (r && r->action == MXG_ACT_PASS)
		fprintf(out, "dns:            skipped (an address table allows it)\n");
}

/* --- PTR, forward confirmation, name tables, S25R, provider allowlist --- */

/* fcrdns_answer - the resolver's answer for a pending source */
static void fcrdns_answer(void *arg, const struct fcrdns_result *r)
{
	struct pending *p = arg;

	p->fcrdns_req = NULL;	/* the resolver frees its request itself */
	p->ev.fcrdns = *r;
	classify_signal_done(p, SIG_FCRDNS);
}

static enum signal_start fcrdns_start(struct classifier *c, struct pending *p)
{
	p->fcrdns_req = resolve_start(c->resolver, &p->key, fcrdns_answer, p);
	if (p->fcrdns_req)
		return SIGNAL_PENDING;
	p->ev.fcrdns.status = FCRDNS_TEMPFAIL;	/* no working resolver */
	return SIGNAL_DONE;
}

/* fcrdns_cancel - no answer by the deadline: rule 0, DNS timed out */
static void fcrdns_cancel(struct classifier *c, struct pending *p, int timed_out)
{
	(void)c;
	resolve_cancel(p->fcrdns_req);
	p->fcrdns_req = NULL;
	if (timed_out) {
		memset(&p->ev.fcrdns, 0, sizeof(p->ev.fcrdns));
		p->ev.fcrdns.status = FCRDNS_TEMPFAIL;
		p->ev.fcrdns.timed_out = 1;
	}
}

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

/* confirmed_name - the name tables may look at: a confirmed one, or none
 * (NULL still matches a table's "unknown" entries); SKIPPED: no lookup */
static const struct table_rule *name_rule(const struct policy_env *env,
					  const struct fcrdns_result *r,
					  const struct table **t)
{
	if (r->status == FCRDNS_SKIPPED)
		return NULL;
	return table_match_name(env->tables, r->status == FCRDNS_PASS ? r->name : NULL, t);
}

/* provider_of - the provider allowlist entry a confirmed name is under;
 * NULL for any other outcome: a PTR alone can name anyone */
static const struct provider *provider_of(const struct policy_env *env,
					  const struct fcrdns_result *r)
{
	return r->status == FCRDNS_PASS ? providers_match(env->providers, r->name) : NULL;
}

static void fcrdns_apply(const struct policy_env *env, const struct mxg_key *client,
			 const struct evidence *e, struct decision *d)
{
	const struct fcrdns_result *r = &e->fcrdns;
	const struct table *t = NULL;
	const struct table_rule *n = name_rule(env, r, &t);

	(void)client;
	if (r->status == FCRDNS_PASS)
		d->reasons |= MXG_R_FCRDNS;
	if (r->status == FCRDNS_TEMPFAIL)
		d->reasons |= r->timed_out ? MXG_R_TIMEOUT : MXG_R_DNSFAIL;
	table_propose(d, t, n);
	d->provider = provider_of(env, r);
	if (d->provider) {
		d->reasons |= MXG_R_PROVIDER;
		policy_propose(d, RANK_PROVIDER, MXG_ACT_PASS);
	}
	d->rule = s25r_outcome(r);
	if (d->rule < 0)
		return;
	d->reasons |= d->rule <= S25R_RULES ? MXG_R_S25R(d->rule) : MXG_R_S25R_EXTRA;
	policy_propose(d, RANK_S25R, (enum mxg_action)(d->rule == 0 ?
			env->conf->unknown_client_action : env->conf->s25r_action));
}

/* show_provider - the provider allowlist's line of the dry run */
static void show_provider(const struct policy_env *env, const struct fcrdns_result *r,
			  FILE *out)
{
	const struct provider *p = provider_of(env, r);

	if (p)
		fprintf(out, "provider:       %s (%s): pass over S25R\n", p->domain,
			p->origin);
	else if (!env->providers || env->providers->n == 0)
		fprintf(out, "provider:       no allowlist (provider_allowlist = %s)\n",
			env->conf->provider_allowlist);
	else if (r->status != FCRDNS_PASS)
		fprintf(out, "provider:       not looked up (no confirmed name)\n");
	else
		fprintf(out, "provider:       no match\n");
}

static void fcrdns_show(const struct policy_env *env, const struct mxg_key *client,
			const struct evidence *e, FILE *out)
{
	const struct fcrdns_result *r = &e->fcrdns;
	const struct table *t = NULL;
	const struct table_rule *n;
	int rule = s25r_outcome(r);

	(void)client;
	if (r->status == FCRDNS_SKIPPED)
		return;
	n = name_rule(env, r, &t);
	fprintf(out, "ptr:            %s (fcrdns %s)\n", r->name[0] ? r->name : "-",
		fcrdns_name(r->status));
	show_table(out, "name table:", t, n);
	if (rule > 0)
		fprintf(out, "s25r:           %s %s\n", s25r_name(rule), s25r_pattern(rule));
	else if (rule == 0)
		fprintf(out, "s25r:           s25r0 (no confirmed reverse name)\n");
	else
		fprintf(out, "s25r:           clean\n");
	show_provider(env, r, out);
}

/* --- DNS block and allow lists --- */

/* dnsbl_answer - the weighted score for a pending source */
static void dnsbl_answer(void *arg, int score)
{
	struct pending *p = arg;

	p->dnsbl_req = NULL;
	p->ev.dnsbl_score = score;
	classify_signal_done(p, SIG_DNSBL);
}

static enum signal_start dnsbl_signal_start(struct classifier *c, struct pending *p)
{
	if (!c->dnsbl || !dnsbl_lists(c->dnsbl))
		return SIGNAL_DONE;
	p->dnsbl_req = dnsbl_start(c->dnsbl, &p->key, dnsbl_answer, p);
	return p->dnsbl_req ? SIGNAL_PENDING : SIGNAL_DONE;
}

/* dnsbl_signal_cancel - the lists that answered in time count */
static void dnsbl_signal_cancel(struct classifier *c, struct pending *p, int timed_out)
{
	(void)c, (void)timed_out;
	p->ev.dnsbl_score = dnsbl_cancel(p->dnsbl_req);
	p->dnsbl_req = NULL;
}

static void dnsbl_apply(const struct policy_env *env, const struct mxg_key *client,
			const struct evidence *e, struct decision *d)
{
	const struct mxg_conf *conf = env->conf;

	(void)client;
	if (conf->dnsbl_allowlist_threshold < 0 &&
	    e->dnsbl_score <= conf->dnsbl_allowlist_threshold) {
		d->reasons |= MXG_R_DNSWL;
		policy_propose(d, RANK_DNSWL, MXG_ACT_PASS);
	}
	if (conf->dnsbl_sites[0] && e->dnsbl_score >= conf->dnsbl_threshold) {
		d->reasons |= MXG_R_DNSBL;
		policy_propose(d, RANK_DNSBL, (enum mxg_action)conf->dnsbl_action);
	}
}

static void dnsbl_show(const struct policy_env *env, const struct mxg_key *client,
		       const struct evidence *e, FILE *out)
{
	const struct mxg_conf *conf = env->conf;

	(void)client;
	if (e->fcrdns.status == FCRDNS_SKIPPED)
		return;
	if (!conf->dnsbl_sites[0]) {
		fprintf(out, "dnsbl:          no lists configured\n");
		return;
	}
	fprintf(out, "dnsbl:          score %d (block at %d, allowlist at %d%s)\n",
		e->dnsbl_score, conf->dnsbl_threshold, conf->dnsbl_allowlist_threshold,
		conf->dnsbl_allowlist_threshold < 0 ? "" : ": off");
}

/* --- the country of the address --- */

static enum signal_start country_start(struct classifier *c, struct pending *p)
{
	p->ev.country = c->be.country ? c->be.country(c->be.ctx, &p->key) : 0;
	return SIGNAL_DONE;
}

/* country_cancel - never outstanding: it answers in start */
static void country_cancel(struct classifier *c, struct pending *p, int timed_out)
{
	(void)c, (void)p, (void)timed_out;
}

/* country_apply - the country's action where it is stricter than what
 * DNS and S25R gave; the tables and the DNS lists keep the last word */
static void country_apply(const struct policy_env *env, const struct mxg_key *client,
			  const struct evidence *e, struct decision *d)
{
	enum mxg_action a = (enum mxg_action)mxg_ct_leaf_action(e->country);

	(void)env, (void)client;
	if (!e->country || d->rank >= RANK_DNSBL)
		return;
	if (policy_severity(a) <= policy_severity(d->action))
		return;
	d->action = a;
	d->reasons |= MXG_R_COUNTRY;
}

static void country_show(const struct policy_env *env, const struct mxg_key *client,
			 const struct evidence *e, FILE *out)
{
	unsigned a = mxg_ct_leaf_action(e->country);

	(void)env, (void)client;
	if (!e->country) {
		fprintf(out, "country:        none\n");
		return;
	}
	fprintf(out, "country:        %c%c, %s%s\n", (char)(e->country >> 8 & 0xff),
		(char)(e->country & 0xff), action_name(a),
		a == MXG_ACT_BLOCK ? " (the kernel drops it before anything else)" : "");
}

const struct signal signal_table[SIG_MAX] = {
	[SIG_ADDR_TABLE] = { "address table", addr_start, addr_cancel, addr_apply, addr_show },
	[SIG_FCRDNS] = { "fcrdns", fcrdns_start, fcrdns_cancel, fcrdns_apply, fcrdns_show },
	[SIG_DNSBL] = { "dnsbl", dnsbl_signal_start, dnsbl_signal_cancel, dnsbl_apply,
			dnsbl_show },
	[SIG_COUNTRY] = { "country", country_start, country_cancel, country_apply,
			  country_show },
};
