/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.c - from what the signals found to an action; see policy.h. */
#include <string.h>
#include "policy.h"
#include "signals.h"

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

/* evidence_init - nothing looked at yet */
void evidence_init(struct evidence *e)
{
	memset(e, 0, sizeof(*e));
	e->fcrdns.status = FCRDNS_SKIPPED;
}

/* policy_propose - action wins if its rank beats the decision's so far */
void policy_propose(struct decision *d, enum policy_rank rank, enum mxg_action action)
{
	if (rank <= d->rank)
		return;
	d->rank = rank;
	d->action = action;
}

/* policy_severity - how hard an action is on the client, for the
 * stricter of two */
int policy_severity(enum mxg_action a)
{
	static const int rank[MXG_ACT_MAX] = {
		[MXG_ACT_NONE] = 0, [MXG_ACT_PASS] = 1, [MXG_ACT_THROTTLE] = 2,
		[MXG_ACT_GREYLIST] = 3, [MXG_ACT_TARPIT] = 4, [MXG_ACT_BLOCK] = 5,
	};

	return a < MXG_ACT_MAX ? rank[a] : 0;
}

/* policy_decide - every signal's part, in table order, then the TTL */
void policy_decide(const struct policy_env *env, const struct mxg_key *client,
		   const struct evidence *e, struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->action = MXG_ACT_PASS;
	d->rule = -1;
	for (unsigned i = 0; i < SIG_MAX; i++)
		signal_table[i].apply(env, client, e, d);
	d->ttl_s = verdict_ttl(env->conf, d->action, &e->fcrdns);
}
