/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	sender - sender keys: one greylist clock for an SPF pool
 * DESCRIPTION
 *	Implements sender.h (the contract is there).
 */
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "clock.h"
#include "names.h"
#include "sender.h"

/* sender_init - no pools known yet; spf may be NULL (no checks) */
void sender_init(struct senders *s, struct learner *l, struct spf *spf)
{
	memset(s, 0, sizeof(*s));
	s->learner = l;
	s->spf = spf;
}

/* sender_mail - the learner's mail hook: check the sender's SPF */
void sender_mail(void *senders, const struct mxg_key *client, const char *sender,
		 const char *helo)
{
	struct senders *s = senders;

	if (!s->spf || !s->learner->conf->greylist_spf)
		return;
	if (spf_check(s->spf, client, sender, helo) == 0)
		stats_add(s->learner->maps, MXG_STAT_SPF_CHECKS, 1);
}

/* live - a verdict under key that has not expired */
static int live(struct senders *s, const struct mxg_key *key, struct mxg_verdict *v,
		__u64 now)
{
	return verdict_get(s->learner->maps, key, v) == 0 && now < v->expires_ns;
}

/* name_of - the domain whose pool holds net, if still remembered */
static const char *name_of(const struct senders *s, const struct mxg_key *net)
{
	for (unsigned i = 0; i < SENDER_NAMES; i++)
		if (s->names[i].domain[0] && !memcmp(&s->names[i].net, net, sizeof(*net)))
			return s->names[i].domain;
	return NULL;
}

/* remember - net belongs to domain's pool (for the log lines) */
static void remember(struct senders *s, const struct mxg_key *net, const char *domain)
{
	struct sender_name *n = &s->names[s->next_name++ % SENDER_NAMES];

	s->plen_seen[net->plen <= 128 ? net->plen : 128] = 1;
	for (unsigned i = 0; i < SENDER_NAMES; i++)
		if (!memcmp(&s->names[i].net, net, sizeof(*net)))
			n = &s->names[i];	/* already there: refresh */
	n->net = *net;
	snprintf(n->domain, sizeof(n->domain), "%s", domain);
}

/* covers - net (a masked key) holds client */
static int covers(const struct mxg_key *net, const struct mxg_key *client)
{
	struct mxg_key k = *client;

	addr_prefix(&k, net->plen);
	return !memcmp(k.addr, net->addr, sizeof(k.addr));
}

/* pool_clock - the domain's clock: the oldest live greylist among its
 * networks (0: none); *passed when one of them passed already */
static __u64 pool_clock(struct senders *s, const struct spf_answer *a, __u64 now,
			int *passed)
{
	__u64 clock = 0;
	struct mxg_verdict v;

	*passed = 0;
	for (unsigned i = 0; i < a->n_pool; i++) {
		if (!live(s, &a->pool[i], &v, now) || !(v.reasons & MXG_R_SPF))
			continue;
		if (v.action == MXG_ACT_PASS)
			*passed = 1;
		else if (v.action == MXG_ACT_GREYLIST && (!clock || v.decided_ns < clock))
			clock = v.decided_ns;
	}
	return clock;
}

/* pass_verdict - a pass on the domain's clock, for allowlist_ttl */
static struct mxg_verdict pass_verdict(const struct senders *s, __u32 reasons, __u64 now)
{
	__u64 ttl = (__u64)s->learner->conf->allowlist_ttl * NS_PER_S;

	return (struct mxg_verdict){ .decided_ns = now, .expires_ns = now + ttl,
		.reasons = reasons | MXG_R_SPF | MXG_R_RETRIED, .action = MXG_ACT_PASS };
}

/* clock_pool - every network of the pool without a live verdict of its
 * own gets the domain's clock (or its pass); returns how many */
static unsigned clock_pool(struct senders *s, const struct spf_answer *a, __u64 clock,
			   int over, __u64 now)
{
	const struct mxg_conf *conf = s->learner->conf;
	__u64 window = (__u64)conf->greylist_window * NS_PER_S;
	struct mxg_verdict v;
	unsigned n = 0;

	for (unsigned i = 0; i < a->n_pool; i++) {
		const struct mxg_key *net = &a->pool[i];

		remember(s, net, a->domain);
		if (!memcmp(net, &a->client, sizeof(*net)))
			continue;	/* move_client() */
		if (live(s, net, &v, now) &&
		    (v.action != MXG_ACT_GREYLIST || v.decided_ns <= clock))
			continue;	/* its own verdict, or the clock already */
		if (over)
			v = pass_verdict(s, 0, now);
		else
			v = (struct mxg_verdict){ .decided_ns = clock,
				.expires_ns = clock + window, .reasons = MXG_R_SPF,
				.action = MXG_ACT_GREYLIST };
		learn_keep(s->learner, net, &v);
		n++;
	}
	return n;
}

/* move_client - the client that named the domain goes on its clock: a
 * pass when the clock is over the delay, else its greylist verdict
 * carries the domain's first contact. 1 when it passed. */
static int move_client(struct senders *s, const struct mxg_key *client, __u64 clock,
		       int over, __u64 now)
{
	struct mxg_verdict v;

	if (!live(s, client, &v, now) || v.action != MXG_ACT_GREYLIST)
		return 0;	/* passed meanwhile, or its own other verdict */
	if (over) {
		v = pass_verdict(s, v.reasons, now);
		learn_keep(s->learner, client, &v);
		stats_add(s->learner->maps, MXG_STAT_PROMOTED, 1);
		return 1;
	}
	if (v.decided_ns > clock) {
		v.decided_ns = clock;
		v.reasons |= MXG_R_SPF;
		learn_keep(s->learner, client, &v);
	}
	return 0;
}

/* sender_spf_done - an SPF answer: a pass from inside the domain's pool
 * starts (or shares) the domain's clock */
void sender_spf_done(void *senders, const struct spf_answer *a)
{
	struct senders *s = senders;
	const struct mxg_conf *conf = s->learner->conf;
	__u64 now = now_ns(), delay = (__u64)conf->greylist_delay * NS_PER_S, clock = now;
	char client[ADDR_STRLEN], more_text[48] = "";
	long long more = msg_limit_burst(&s->log, now, NS_PER_S, RESPONDER_LOG_BURST);
	int inside = 0, passed, over, promoted = 0;
	unsigned started = 0;

	for (unsigned i = 0; i < a->n_pool && !inside; i++)
		inside = covers(&a->pool[i], &a->client);
	if (a->outcome == SPF_OUTCOME_PASS && inside) {
		stats_add(s->learner->maps, MXG_STAT_SPF_PASS, 1);
		clock = pool_clock(s, a, now, &passed);
		if (!clock)
			clock = now;
		over = passed || now - clock >= delay;
		started = clock_pool(s, a, clock, over, now);
		promoted = move_client(s, &a->client, clock, over, now);
	}
	if (more < 0)
		return;
	if (more > 0)
		snprintf(more_text, sizeof(more_text), " (%lld more not logged)", more);
	addr_format(&a->client, client, sizeof(client));
	if (a->outcome != SPF_OUTCOME_PASS)
		msg_info("sender: spf client=%s domain=%s result=%s%s%s: address clock kept%s",
			 client, a->domain, spf_outcome_name(a->outcome),
			 a->why[0] ? " why=" : "", a->why, more_text);
	else if (!inside)
		msg_info("sender: spf client=%s domain=%s result=pass pool=%u: the client "
			 "is in none of its networks (all, or wider than "
			 "greylist_spf_widest): address clock kept%s",
			 client, a->domain, a->n_pool, more_text);
	else
		msg_info("sender: spf client=%s domain=%s result=pass pool=%u clocked=%u "
			 "clock_age=%llus%s%s", client, a->domain, a->n_pool, started,
			 (unsigned long long)((now - clock) / NS_PER_S),
			 promoted ? " (client promoted: the domain retried in time)" : "",
			 more_text);
}

/* pool_around - the most specific live pool network holding client */
static int pool_around(struct senders *s, const struct mxg_key *client,
		       struct mxg_key *net, struct mxg_verdict *v, __u64 now)
{
	unsigned lo = addr_is_v4(client) ? 96 : 0;

	/* Not 128: the tc program would have judged a client whose own
	 * key holds a pool's clock. */
	for (unsigned plen = 127; plen >= lo && plen > 0; plen--) {
		if (!s->plen_seen[plen])
			continue;
		*net = *client;
		addr_prefix(net, plen);
		if (live(s, net, v, now) && (v->reasons & MXG_R_SPF) &&
		    (v->action == MXG_ACT_PASS || v->action == MXG_ACT_GREYLIST))
			return 1;
	}
	return 0;
}

/* sender_greylist - a client about to be greylisted, inside a pool */
int sender_greylist(struct senders *s, const struct mxg_key *client, __u32 *reasons,
		    int score, const char **domain)
{
	const struct mxg_conf *conf = s->learner->conf;
	__u64 now = now_ns(), delay = (__u64)conf->greylist_delay * NS_PER_S;
	struct mxg_key net;
	struct mxg_verdict v;

	*domain = NULL;
	if (!conf->greylist_spf || !pool_around(s, client, &net, &v, now))
		return -1;
	*domain = name_of(s, &net);
	*reasons |= MXG_R_SPF;
	if (v.action == MXG_ACT_PASS || now - v.decided_ns >= delay) {
		if (v.action == MXG_ACT_GREYLIST) {
			v = pass_verdict(s, v.reasons, now);
			learn_keep(s->learner, &net, &v);
			stats_add(s->learner->maps, MXG_STAT_PROMOTED, 1);
		}
		*reasons |= MXG_R_RETRIED;
		v = pass_verdict(s, *reasons, now);
		v.dnsbl_score = score;
		learn_keep(s->learner, client, &v);
		stats_add(s->learner->maps, MXG_STAT_SENDER_PASS, 1);
		return MXG_ACT_PASS;
	}
	v.hits = 0;
	v.reasons = *reasons;
	v.dnsbl_score = score;
	learn_keep(s->learner, client, &v);	/* the domain's clock */
	stats_add(s->learner->maps, MXG_STAT_GREYLIST_FIRST, 1);
	return MXG_ACT_GREYLIST;
}

/* sender_restored - a pool network from the store: look at its length */
void sender_restored(struct senders *s, const struct mxg_key *key,
		     const struct mxg_verdict *v)
{
	if ((v->reasons & MXG_R_SPF) && key->plen < 128)
		s->plen_seen[key->plen] = 1;
}
