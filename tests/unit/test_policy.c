/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_policy.c - the order of the policy and the reasons it records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "policy.h"
#include "s25r.h"
#include "test.h"

/* The provider allowlist decide() hands the policy; NULL: none. */
static const struct providers *allowlist;

/* decide - the policy on evidence made of an FCrDNS outcome, a DNS list
 * score and a country action (NONE: no country) */
static void decide(const struct mxg_conf *c, const struct table_set *tables,
		   const struct mxg_key *k, const struct fcrdns_result *r, int score,
		   enum mxg_action country, struct decision *d)
{
	struct policy_env env = { c, tables, allowlist };
	struct mxg_country cc = { .cc = "zz", .action = (__u8)country };
	struct evidence e;

	evidence_init(&e);
	e.fcrdns = *r;
	e.dnsbl_score = score;
	e.country = country == MXG_ACT_NONE ? 0 : mxg_ct_leaf(&cc);
	policy_decide(&env, k, &e, d);
}

/* result - an FCrDNS outcome */
static struct fcrdns_result result(enum fcrdns_status st, const char *name)
{
	struct fcrdns_result r = { .status = st };

	strncpy(r.name, name, sizeof(r.name) - 1);
	return r;
}

TEST(policy_s25r_and_actions)
{
	struct mxg_conf c;
	struct table_set none = { 0 };
	struct mxg_key k;
	struct decision d;
	struct fcrdns_result dyn = result(FCRDNS_PASS, "dyn-198-51-100-20.pool.example.net"),
		clean = result(FCRDNS_PASS, "mail.example.org"),
		noptr = result(FCRDNS_NONE, ""), slow = result(FCRDNS_TEMPFAIL, "");

	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&c);
	addr_parse("198.51.100.20", &k);
	decide(&c, &none, &k, &clean, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS);
	CHECK_EQ_INT(d.ttl_s, c.verdict_ttl_pass);
	c.s25r_action = MXG_ACT_GREYLIST;
	decide(&c, &none, &k, &dyn, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(d.rule, 1);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS | MXG_R_S25R1);
	c.unknown_client_action = MXG_ACT_BLOCK;
	decide(&c, &none, &k, &noptr, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(d.reasons, MXG_R_S25R0);
	slow.timed_out = 1;
	decide(&c, &none, &k, &slow, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.reasons, MXG_R_S25R0 | MXG_R_TIMEOUT);
	CHECK_EQ_INT(d.ttl_s, TEMPFAIL_TTL_S);
	s25r_free();
}

TEST(policy_dnsbl_scores)
{
	struct mxg_conf c;
	struct table_set none = { 0 };
	struct mxg_key k;
	struct decision d;
	struct fcrdns_result dyn = result(FCRDNS_PASS, "a12a190.neo.rr.com"),
		clean = result(FCRDNS_PASS, "mail.example.org");

	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&c);
	strcpy(c.dnsbl_sites, "bl.example*3");
	c.dnsbl_threshold = 3;
	c.dnsbl_allowlist_threshold = -1;
	addr_parse("2001:db8::1", &k);
	decide(&c, &none, &k, &clean, 3, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS | MXG_R_DNSBL);
	decide(&c, &none, &k, &clean, 2, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	/* An allowlisting score beats S25R, and keeps its reason. */
	decide(&c, &none, &k, &dyn, -2, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS | MXG_R_S25R1 | MXG_R_DNSWL);
	/* Without lists configured a score means nothing. */
	c.dnsbl_sites[0] = 0;
	decide(&c, &none, &k, &clean, 5, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	s25r_free();
}

TEST(policy_country_action_is_applied_when_stricter)
{
	struct mxg_conf c;
	struct table_set none = { 0 };
	struct mxg_key k;
	struct decision d;
	struct fcrdns_result clean = result(FCRDNS_PASS, "mail.example.org"),
		dyn = result(FCRDNS_PASS, "dyn-198-51-100-20.pool.example.net");

	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&c);
	addr_parse("198.51.100.20", &k);
	/* A clean sender from a greylisted country is greylisted. */
	decide(&c, &none, &k, &clean, 0, MXG_ACT_GREYLIST, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS | MXG_R_COUNTRY);
	CHECK_EQ_INT(d.ttl_s, c.greylist_window);
	/* No country, or a milder one, changes nothing. */
	decide(&c, &none, &k, &clean, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS);
	c.s25r_action = MXG_ACT_TARPIT;
	decide(&c, &none, &k, &dyn, 0, MXG_ACT_GREYLIST, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_TARPIT);
	CHECK(!(d.reasons & MXG_R_COUNTRY));
	/* A DNSWL-allowlisted client keeps its pass. */
	c.dnsbl_sites[0] = 'x';
	c.dnsbl_allowlist_threshold = -1;
	decide(&c, &none, &k, &clean, -2, MXG_ACT_BLOCK, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	s25r_free();
}

/* hash_table - a one-file hash table set holding text */
static void hash_table(struct table_set *set, const char *text)
{
	char path[64] = "/tmp/mxgate-policy-test.XXXXXX", spec[80];
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	snprintf(spec, sizeof(spec), "hash:%s", path);
	CHECK_EQ_INT(table_set_load(set, spec, NULL), 0);
	unlink(path);
}

TEST(policy_provider_allowlist_passes_confirmed_names_over_s25r_only)
{
	struct mxg_conf c;
	struct table_set none = { 0 }, tables;
	struct providers pl;
	struct mxg_key k;
	struct decision d;
	struct fcrdns_result gmail = result(FCRDNS_PASS, "mail-wm1-f54.google.com"),
		/* The PTR says Google, the forward lookup does not agree. */
		forged = result(FCRDNS_FAIL, "mail-xx1-f1.google.com"),
		slow = result(FCRDNS_TEMPFAIL, ""),
		dyn = result(FCRDNS_PASS, "dyn-198-51-100-20.pool.example.net");
	const __u32 gmail_reasons = MXG_R_FCRDNS | MXG_R_S25R1 | MXG_R_PROVIDER;

	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&c);
	CHECK_EQ_STR(c.provider_allowlist, "builtin");
	CHECK_EQ_INT(providers_load(&pl, c.provider_allowlist, NULL), 0);
	allowlist = &pl;
	addr_parse("198.51.100.61", &k);

	/* A confirmed Gmail pool name: S25R rule 1, passed by the list. */
	decide(&c, &none, &k, &gmail, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	CHECK_EQ_INT(d.rank, RANK_PROVIDER);
	CHECK_EQ_INT(d.rule, 1);
	CHECK_EQ_INT(d.reasons, gmail_reasons);
	CHECK(d.provider && strcmp(d.provider->domain, "google.com") == 0);
	CHECK_EQ_INT(d.ttl_s, c.verdict_ttl_pass);
	/* Whatever S25R hits get. */
	c.s25r_action = MXG_ACT_BLOCK;
	decide(&c, &none, &k, &gmail, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	c.s25r_action = MXG_ACT_GREYLIST;

	/* A PTR alone proves nothing: forged, or not confirmed in time. */
	decide(&c, &none, &k, &forged, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(d.reasons, MXG_R_S25R0);
	CHECK(d.provider == NULL);
	decide(&c, &none, &k, &slow, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	CHECK(d.provider == NULL);
	/* Other dynamic names are S25R's as before. */
	decide(&c, &none, &k, &dyn, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS | MXG_R_S25R1);

	/* A DNS list that lists the client still refuses it. */
	strcpy(c.dnsbl_sites, "bl.example*3");
	c.dnsbl_threshold = 3;
	decide(&c, &none, &k, &gmail, 3, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(d.reasons, gmail_reasons | MXG_R_DNSBL);
	decide(&c, &none, &k, &gmail, 2, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	c.dnsbl_sites[0] = 0;
	/* A stricter country action still applies. */
	decide(&c, &none, &k, &gmail, 0, MXG_ACT_GREYLIST, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(d.reasons, gmail_reasons | MXG_R_COUNTRY);

	/* The admin's tables come first: a REJECT refuses a provider, a
	 * DUNNO leaves it to the list. */
	hash_table(&tables, "google.com REJECT not from here\n");
	decide(&c, &tables, &k, &gmail, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(d.rank, RANK_TABLE_DENY);
	CHECK_EQ_INT(d.reasons, gmail_reasons | MXG_R_TABLE_DENY);
	table_set_free(&tables);
	hash_table(&tables, "mail-wm1-f54.google.com DUNNO\n");
	decide(&c, &tables, &k, &gmail, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_PASS);
	CHECK_EQ_INT(d.rank, RANK_PROVIDER);
	table_set_free(&tables);

	/* provider_allowlist = none: back to S25R. */
	allowlist = NULL;
	decide(&c, &none, &k, &gmail, 0, MXG_ACT_NONE, &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(d.reasons, MXG_R_FCRDNS | MXG_R_S25R1);
	CHECK(d.provider == NULL);
	providers_free(&pl);
	s25r_free();
}
