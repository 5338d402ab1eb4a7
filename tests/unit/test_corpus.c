/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_corpus.c - the whole name classifier (policy_decide on a
 * forward-confirmed name) with the shipped defaults, over a corpus of
 * real naming schemes (name_corpus.h): no big provider delayed, no
 * end-user line passed. Prints the counts, and the other mail servers
 * that S25R still delays. */
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "name_corpus.h"
#include "names.h"
#include "policy.h"
#include "s25r.h"
#include "test.h"

#define N_CORPUS (sizeof(name_corpus) / sizeof(name_corpus[0]))

/* decide_name - the verdict for a client whose PTR name is confirmed */
static void decide_name(const struct policy_env *env, const char *name,
			struct decision *d)
{
	struct mxg_key k;
	struct evidence e;

	addr_parse("198.51.100.7", &k);
	evidence_init(&e);
	e.fcrdns.status = FCRDNS_PASS;
	snprintf(e.fcrdns.name, sizeof(e.fcrdns.name), "%s", name);
	policy_decide(env, &k, &e, d);
}

TEST(corpus_shipped_defaults_pass_providers_and_delay_lines)
{
	static const char *const kind_names[] = { "big-provider", "dynamic", "clean" };
	unsigned total[3] = { 0 }, delayed[3] = { 0 }, s25r_hits[3] = { 0 };
	struct mxg_conf conf;
	struct table_set none = { 0 };
	struct providers providers;
	struct policy_env env = { &conf, &none, &providers };
	struct decision d;

	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&conf);	/* no client_access, no DNS lists */
	CHECK_EQ_INT(providers_load(&providers, conf.provider_allowlist, NULL), 0);
	for (size_t i = 0; i < N_CORPUS; i++) {
		enum corpus_kind kind = name_corpus[i].kind;
		const char *name = name_corpus[i].name;
		int held;

		decide_name(&env, name, &d);
		held = d.action != MXG_ACT_PASS;
		total[kind]++;
		delayed[kind] += held;
		s25r_hits[kind] += d.rule > 0;
		if (kind == CORPUS_PROVIDER && held)
			test_fail(__FILE__, __LINE__, "big provider %s: %s (%s)", name,
				  action_name(d.action), s25r_name(d.rule));
		if (kind == CORPUS_PROVIDER && !(d.reasons & MXG_R_PROVIDER))
			test_fail(__FILE__, __LINE__, "big provider %s passed, but not "
				  "by the allowlist", name);
		if (kind == CORPUS_DYNAMIC && !held)
			test_fail(__FILE__, __LINE__, "end-user line %s passed%s%s", name,
				  d.provider ? " as a provider: " : "",
				  d.provider ? d.provider->domain : "");
		if (kind == CORPUS_CLEAN && held)
			printf("  corpus: clean server %s delayed (%s: %s)\n", name,
			       action_name(d.action), s25r_name(d.rule));
	}
	printf("  corpus: %zu names; S25R alone would delay %u of %u big-provider "
	       "names\n", N_CORPUS, s25r_hits[CORPUS_PROVIDER], total[CORPUS_PROVIDER]);
	for (int k = 0; k < 3; k++)
		printf("  corpus: %-12s %3u names, %3u delayed, %3u passed\n",
		       kind_names[k], total[k], delayed[k], total[k] - delayed[k]);
	CHECK(N_CORPUS >= 100);
	CHECK_EQ_INT(delayed[CORPUS_PROVIDER], 0);
	CHECK_EQ_INT(total[CORPUS_DYNAMIC] - delayed[CORPUS_DYNAMIC], 0);
	providers_free(&providers);
	s25r_free();
}

TEST(corpus_without_the_allowlist_s25r_delays_the_providers)
{
	struct mxg_conf conf;
	struct table_set none = { 0 };
	struct providers providers;
	struct policy_env env = { &conf, &none, &providers };
	struct decision d;

	/* What provider_allowlist = none (mxgate before it) did to the
	 * schemes the issue names: greylisted at their first attempt. */
	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&conf);
	CHECK_EQ_INT(providers_load(&providers, "none", NULL), 0);
	decide_name(&env, "mail-wm1-f54.google.com", &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	decide_name(&env, "mail-dm6nam12on2041.outbound.protection.outlook.com", &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	decide_name(&env, "a27-12.smtp-out.us-west-2.amazonses.com", &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	decide_name(&env, "sonic309-21.consmr.mail.ne1.yahoo.com", &d);
	CHECK_EQ_INT(d.action, MXG_ACT_GREYLIST);
	providers_free(&providers);
	s25r_free();
}
