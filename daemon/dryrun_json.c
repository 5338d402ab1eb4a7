/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	dryrun_json - mxgatectl check ADDR -j: the dry run as one object
 * DESCRIPTION
 *	Implements dryrun_json.h (the contract is there). The stages are
 *	read from the evidence and the decision as signals.c's show
 *	functions read them for the text.
 */
#include "addr.h"
#include "ctl_json.h"
#include "dryrun_json.h"
#include "names.h"
#include "s25r.h"

/* table_entry - the table entry that matched, or null */
static void table_entry(struct json *j, const char *key, const struct table *t,
			const struct table_rule *r)
{
	static const char *const types[] = {
		[TABLE_HASH] = "hash", [TABLE_CIDR] = "cidr", [TABLE_PCRE] = "pcre",
	};

	if (!r || !t) {
		json_null(j, key);
		return;
	}
	json_object(j, key);
	json_string(j, "type", (unsigned)t->type < sizeof(types) / sizeof(types[0]) ?
		    types[t->type] : "?");
	json_string(j, "file", t->path);
	json_uint(j, "line", (unsigned)r->line);
	json_string(j, "action", r->action == MXG_ACT_NONE ? "dunno" : action_name(r->action));
	json_string(j, "text", r->text);
	json_end(j);
}

/* dns_stages - PTR, forward confirmation, name table, S25R, provider */
static void dns_stages(struct json *j, const struct policy_env *env,
		       const struct evidence *ev, const struct decision *dec)
{
	const struct fcrdns_result *r = &ev->fcrdns;
	const struct table *t = NULL;
	const struct table_rule *n = NULL;

	json_bool(j, "dns_skipped", r->status == FCRDNS_SKIPPED);
	if (r->name[0])
		json_string(j, "ptr", r->name);
	else
		json_null(j, "ptr");
	json_string(j, "fcrdns", fcrdns_name(r->status));
	json_bool(j, "dns_timed_out", r->timed_out);
	/* The name tables see a confirmed name, or none ("unknown"). */
	if (r->status != FCRDNS_SKIPPED)
		n = table_match_name(env->tables, r->status == FCRDNS_PASS ? r->name : NULL, &t);
	table_entry(j, "name_table", t, n);
	if (dec->rule >= 0) {
		json_string(j, "s25r_rule", s25r_name(dec->rule));
		if (s25r_pattern(dec->rule))
			json_string(j, "s25r_pattern", s25r_pattern(dec->rule));
		else
			json_null(j, "s25r_pattern");
	} else {
		json_null(j, "s25r_rule");
		json_null(j, "s25r_pattern");
	}
	if (dec->provider) {
		json_object(j, "provider");
		json_string(j, "domain", dec->provider->domain);
		json_string(j, "origin", dec->provider->origin);
		json_end(j);
	} else {
		json_null(j, "provider");
	}
}

/* country_stage - the country table's entry for the client */
static void country_stage(struct json *j, const struct evidence *ev, int known)
{
	char cc[3] = { (char)(ev->country >> 8 & 0xff), (char)(ev->country & 0xff), 0 };

	json_object(j, "country");
	json_bool(j, "known", known);
	if (known && ev->country) {
		json_stringn(j, "code", cc, 2);
		json_string(j, "action", action_name(mxg_ct_leaf_action(ev->country)));
	} else {
		json_null(j, "code");
		json_null(j, "action");
	}
	json_end(j);
}

/* dryrun_json - every stage and the verdict, one object */
void dryrun_json(struct json *j, const struct policy_env *env,
		 const struct mxg_key *client, const struct evidence *ev,
		 const struct decision *dec, int country_known)
{
	const struct mxg_conf *conf = env->conf;
	const struct table *t = NULL;
	const struct table_rule *a = table_match_addr(env->tables, client, &t);
	char addr[ADDR_STRLEN];

	addr_format(client, addr, sizeof(addr));
	json_object(j, NULL);
	json_string(j, "client", addr);
	json_bool(j, "dry_run", 1);
	table_entry(j, "address_table", t, a);
	dns_stages(j, env, ev, dec);
	json_object(j, "dnsbl");
	json_bool(j, "configured", conf->dnsbl_sites[0] != 0);
	json_int(j, "score", ev->dnsbl_score);
	json_int(j, "threshold", conf->dnsbl_threshold);
	json_int(j, "allowlist_threshold", conf->dnsbl_allowlist_threshold);
	json_end(j);
	country_stage(j, ev, country_known);
	json_object(j, "verdict");
	json_string(j, "action", action_name(dec->action));
	ctl_json_reasons(j, "reasons", dec->reasons);
	json_uint(j, "ttl_s", dec->ttl_s);
	json_end(j);
	json_bool(j, "would_pass", dec->action == MXG_ACT_PASS);
	json_end(j);
}
