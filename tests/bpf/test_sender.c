/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_sender.c - sender keys (issue 13, item 3) on the real maps: an
 * SPF pass from inside a domain's pool clocks the pool's networks
 * (sender_spf_done); a new client of the pool shares the clock, and the
 * tc program promotes it on that clock; after the delay a new client of
 * the pool passes at once; a failed check, a client outside its pool and
 * an address outside every pool get nothing.
 */
#include <string.h>
#include "sender.h"
#include "world.h"

#define DELAY_S	(25 * 60)

/* answer - an SPF answer about client for example.org, with a pool of
 * 192.0.2.0/24 and client's own address */
static struct spf_answer answer(const struct mxg_key *client, enum spf_outcome o)
{
	struct spf_answer a = { .client = *client, .outcome = o };

	snprintf(a.domain, sizeof(a.domain), "example.org");
	if (o == SPF_OUTCOME_PASS) {
		a.pool[a.n_pool++] = prefix(key4(192, 0, 2, 0), 96 + 24);
		a.pool[a.n_pool++] = *client;
	}
	return a;
}

TEST(sender_pool_shares_the_domains_clock_and_lets_a_retry_in)
{
	struct world w;
	struct mxg_conf conf;
	struct store closed = { 0 };
	struct learner l;
	static struct senders s;

	conf_defaults(&conf);
	conf.greylist_delay = DELAY_S;
	if (world_up(&w, NULL, 0) != 0)
		return;
	l = (struct learner){ .conf = &conf, .maps = &w.maps, .store = &closed };
	sender_init(&s, &l, NULL);
	{
		struct mxg_key first = key4(198, 51, 100, 10), net = prefix(key4(192, 0, 2, 0), 120);
		struct mxg_key b = key4(192, 0, 2, 20), c = key4(192, 0, 2, 30);
		struct mxg_key out = key4(198, 51, 100, 99);
		struct spf_answer a = answer(&first, SPF_OUTCOME_PASS);
		struct pkt_spec sb = syn_from(&b);
		struct mxg_verdict vn, vb, vc;
		__u32 reasons = MXG_R_S25R1;
		const char *domain = "unset";
		__u32 mark;

		/* The first attempt: greylisted on its own clock, then its
		 * domain's SPF authorises it. */
		CHECK_EQ_INT(learn_verdict(&l, &first, MXG_ACT_GREYLIST, MXG_R_COUNTRY, 0,
					   45 * MINUTE), 0);
		sender_spf_done(&s, &a);
		vn = get(&w, &net);
		CHECK_EQ_INT(vn.action, MXG_ACT_GREYLIST);
		CHECK(vn.reasons & MXG_R_SPF);
		/* The tc program never reads the network's entry. */
		CHECK_EQ_INT(run(&w, &sb, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);

		/* A new client of the pool, early: the domain's clock. */
		CHECK_EQ_INT(sender_greylist(&s, &b, &reasons, 0, &domain), MXG_ACT_GREYLIST);
		CHECK(domain && strcmp(domain, "example.org") == 0);
		CHECK(reasons & MXG_R_SPF);
		vb = get(&w, &b);
		CHECK_EQ_INT(vb.action, MXG_ACT_GREYLIST);
		CHECK(vb.decided_ns == vn.decided_ns);
		CHECK_EQ_INT(run(&w, &sb, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);

		/* The delay passes on the domain's clock: the tc program
		 * promotes b by itself. */
		age_verdict(&w, &net, (DELAY_S + 60) * NS_PER_S);
		age_verdict(&w, &b, (DELAY_S + 60) * NS_PER_S);
		CHECK_EQ_INT(run(&w, &sb, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(get(&w, &b).action, MXG_ACT_PASS);

		/* A client of the pool never seen before passes at once,
		 * and the network with it. */
		reasons = MXG_R_S25R1;
		CHECK_EQ_INT(sender_greylist(&s, &c, &reasons, 0, &domain), MXG_ACT_PASS);
		CHECK((reasons & (MXG_R_SPF | MXG_R_RETRIED)) == (MXG_R_SPF | MXG_R_RETRIED));
		vc = get(&w, &c);
		CHECK_EQ_INT(vc.action, MXG_ACT_PASS);
		CHECK_EQ_INT(get(&w, &net).action, MXG_ACT_PASS);

		/* Outside every pool: nothing, nothing written. */
		reasons = MXG_R_S25R1;
		CHECK_EQ_INT(sender_greylist(&s, &out, &reasons, 0, &domain), -1);
		CHECK(domain == NULL);
		CHECK_EQ_INT(reasons, MXG_R_S25R1);
		CHECK(!has_verdict(&w, &out));

		/* Sender keys off: the pool is not consulted. */
		conf.greylist_spf = 0;
		CHECK_EQ_INT(sender_greylist(&s, &c, &reasons, 0, &domain), -1);
		conf.greylist_spf = 1;
	}
	world_down(&w);
}

TEST(sender_pass_after_the_delay_promotes_the_client_and_clocks_the_pool_as_passed)
{
	struct world w;
	struct mxg_conf conf;
	struct store closed = { 0 };
	struct learner l;
	static struct senders s;

	conf_defaults(&conf);
	conf.greylist_delay = DELAY_S;
	if (world_up(&w, NULL, 0) != 0)
		return;
	l = (struct learner){ .conf = &conf, .maps = &w.maps, .store = &closed };
	sender_init(&s, &l, NULL);
	{
		struct mxg_key first = key4(198, 51, 100, 10), again = key4(198, 51, 100, 11);
		struct mxg_key net = prefix(key4(192, 0, 2, 0), 120);
		struct spf_answer a = answer(&first, SPF_OUTCOME_PASS);
		struct spf_answer b = answer(&again, SPF_OUTCOME_PASS);

		CHECK_EQ_INT(learn_verdict(&l, &first, MXG_ACT_GREYLIST, 0, 0, 45 * MINUTE), 0);
		sender_spf_done(&s, &a);
		age_verdict(&w, &net, (DELAY_S + 1) * NS_PER_S);
		/* The domain retries after its delay from a second address,
		 * greylisted on a clock of its own: it is passed. */
		CHECK_EQ_INT(learn_verdict(&l, &again, MXG_ACT_GREYLIST, 0, 0, 45 * MINUTE), 0);
		sender_spf_done(&s, &b);
		CHECK_EQ_INT(get(&w, &again).action, MXG_ACT_PASS);
		CHECK(get(&w, &again).reasons & MXG_R_SPF);
	}
	world_down(&w);
}

TEST(sender_fail_or_a_client_outside_its_pool_clocks_nothing)
{
	struct world w;
	struct mxg_conf conf;
	struct store closed = { 0 };
	struct learner l;
	static struct senders s;

	conf_defaults(&conf);
	if (world_up(&w, NULL, 0) != 0)
		return;
	l = (struct learner){ .conf = &conf, .maps = &w.maps, .store = &closed };
	sender_init(&s, &l, NULL);
	{
		struct mxg_key bot = key4(198, 51, 100, 30), net = prefix(key4(192, 0, 2, 0), 120);
		struct spf_answer fail = answer(&bot, SPF_OUTCOME_FAIL);
		struct spf_answer wide = answer(&bot, SPF_OUTCOME_PASS);
		struct mxg_key member = key4(192, 0, 2, 20);
		__u32 reasons = 0;
		const char *domain;

		CHECK_EQ_INT(learn_verdict(&l, &bot, MXG_ACT_GREYLIST, 0, 0, 45 * MINUTE), 0);
		sender_spf_done(&s, &fail);
		CHECK(!has_verdict(&w, &net));
		/* Pass through a term left out of the pool ("all", or too
		 * wide): the pool does not hold the client. */
		wide.n_pool = 1;	/* 192.0.2.0/24 only */
		sender_spf_done(&s, &wide);
		CHECK(!has_verdict(&w, &net));
		CHECK_EQ_INT(sender_greylist(&s, &member, &reasons, 0, &domain), -1);
	}
	world_down(&w);
}

TEST(sender_pools_restored_from_the_store_are_found_again)
{
	struct world w;
	struct mxg_conf conf;
	struct store closed = { 0 };
	struct learner l;
	static struct senders s;

	conf_defaults(&conf);
	if (world_up(&w, NULL, 0) != 0)
		return;
	l = (struct learner){ .conf = &conf, .maps = &w.maps, .store = &closed };
	sender_init(&s, &l, NULL);
	{
		struct mxg_key net = prefix(key4(192, 0, 2, 0), 120), member = key4(192, 0, 2, 20);
		__u64 now = now_ns();
		struct mxg_verdict v = { .decided_ns = now, .expires_ns = now + 60 * MINUTE,
			.reasons = MXG_R_SPF, .action = MXG_ACT_GREYLIST };
		__u32 reasons = 0;
		const char *domain = "unset";

		CHECK_EQ_INT(verdict_put_as(&w.maps, &net, &v), 0);
		CHECK_EQ_INT(sender_greylist(&s, &member, &reasons, 0, &domain), -1);
		sender_restored(&s, &net, &v);
		CHECK_EQ_INT(sender_greylist(&s, &member, &reasons, 0, &domain),
			     MXG_ACT_GREYLIST);
		CHECK(domain == NULL);	/* names are not kept across restarts */
	}
	world_down(&w);
}
