/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * classify.c - the pipeline; see classify.h for the contract.
 *
 * Progress per source is two bit sets, as postscreen's per-test flags:
 * todo (signals started) and done (signals answered). A source is decided
 * when todo & ~done is empty, or at its deadline. Nothing here knows what
 * a signal looks at: that is the signal table's business (signals.c).
 */
#include <stdio.h>
#include <string.h>
#include <linux/netfilter.h>
#include "addr.h"
#include "budget.h"
#include "classify.h"
#include "clock.h"
#include "log.h"
#include "parse.h"

#define OVERLOAD_WARN_INTERVAL_NS (10 * NS_PER_S)
/* Overload ends when its causes have been gone this long. */
#define OVERLOAD_CALM_NS	(5 * NS_PER_S)

static void on_deadline(void *ctx);

/* signals_of - the table the classifier runs */
static const struct signal *signals_of(const struct classifier *c)
{
	return c->signals ? c->signals : signal_table;
}

/* arm_deadline - the timer follows the oldest source's deadline */
static void arm_deadline(struct classifier *c)
{
	struct pending *p = pending_oldest(&c->pending);

	if (p)
		loop_timer_set(c->loop, &c->deadline, p->deadline_ns);
	else
		loop_timer_cancel(c->loop, &c->deadline);
}

/* classify_init - the pending table and the deadline timer */
int classify_init(struct classifier *c, unsigned max_pending)
{
	memset(&c->stats, 0, sizeof(c->stats));
	memset(&c->overload, 0, sizeof(c->overload));
	budget_init(&c->dns_budget, now_ns());
	c->overload_calm_ns = OVERLOAD_CALM_NS;
	c->last_unparsable_warn = 0;
	loop_timer_init(&c->deadline, on_deadline, c);
	return pending_init(&c->pending, max_pending);
}

/* decide - the verdict from the evidence: record, release, report */
static void decide(struct classifier *c, struct pending *p)
{
	struct policy_env env = { c->conf, c->tables, c->providers };
	struct decision d;

	p->deciding_ns = fine_ns();
	policy_decide(&env, &p->key, &p->ev, &d);
	c->be.record(c->be.ctx, p, &d);
	for (unsigned i = 0; i < p->n_held; i++)
		c->be.release(c->be.ctx, p->held_ids[i], p->held_marks[i], d.action);
	c->stats.decided[d.action < MXG_ACT_MAX ? d.action : 0]++;
	if (c->be.report)
		c->be.report(c->be.ctx, p, &d);
	pending_remove(&c->pending, p);
	arm_deadline(c);
}

/* all_done - every signal started has answered */
static int all_done(const struct pending *p)
{
	return (p->todo & ~p->done) == 0;
}

/* classify_signal_done - signal id answered for p; decide if it was the
 * last one out */
void classify_signal_done(struct pending *p, enum signal_id id)
{
	p->done |= SIG_BIT(id);
	if (all_done(p))
		decide(p->owner, p);
}

/* start_signals - every row in order, until one decides alone */
static void start_signals(struct classifier *c, struct pending *p)
{
	const struct signal *sig = signals_of(c);

	for (unsigned i = 0; i < SIG_MAX; i++) {
		enum signal_start rc;

		p->todo |= SIG_BIT(i);
		rc = sig[i].start(c, p);
		if (rc != SIGNAL_PENDING)
			p->done |= SIG_BIT(i);
		if (rc == SIGNAL_FINAL)
			break;
	}
	p->dns_started_ns = fine_ns();
	if (all_done(p))
		decide(c, p);
}

/* network_of - the network whose share of the pending table client uses */
static struct mxg_key network_of(const struct classifier *c, const struct mxg_key *client)
{
	struct mxg_key net = *client;

	addr_prefix(&net, addr_is_v4(client) ? 96 + c->conf->pending_prefix_v4 :
		    c->conf->pending_prefix_v6);
	return net;
}

/* begin - a pending entry for client; NULL when the table is full */
static struct pending *begin(struct classifier *c, const struct mxg_key *client,
			     __u64 arrived)
{
	struct mxg_key net = network_of(c, client);
	__u64 now = now_ns();
	struct pending *p;

	p = pending_add(&c->pending, client, &net, now,
			now + c->conf->decision_timeout_ms * NS_PER_MS);
	if (!p)
		return NULL;
	p->owner = c;
	p->arrived_ns = arrived;
	evidence_init(&p->ev);
	arm_deadline(c);
	return p;
}

/* high_water - from this many sources pending on, mxgated is overloaded */
static unsigned high_water(const struct classifier *c)
{
	return c->pending.max > 1 ? c->pending.max / 2 : 1;
}

/* dns_cost - the queries one source may need: PTR, its name's address,
 * one per DNS list. Taken from the budget whole, before the first. */
static unsigned dns_cost(const struct classifier *c)
{
	return 2 + (c->dnsbl ? (unsigned)dnsbl_lists(c->dnsbl) : 0);
}

/* kernel_flags - what the tc program should do while we are overloaded */
static __u32 kernel_flags(const struct classifier *c)
{
	return c->overload.active && c->conf->overload_action == OVERLOAD_TEMPFAIL ?
	       MXG_STRESS_TEMPFAIL : 0;
}

/* tell_kernel - the stress flags into the kernel, when they changed */
static void tell_kernel(struct classifier *c)
{
	__u32 flags = kernel_flags(c);

	if (flags == c->overload.kernel_flags)
		return;
	c->overload.kernel_flags = flags;
	if (c->be.stress)
		c->be.stress(c->be.ctx, flags);
}

/* overload_begin - an episode starts: the kernel is told, one warning */
static void overload_begin(struct classifier *c, const char *why)
{
	struct overload_state *o = &c->overload;

	o->calm_since = 0;
	if (o->active)
		return;
	o->active = 1;
	o->since = now_ns();
	o->at_start = c->stats;
	c->stats.overload_episodes++;
	tell_kernel(c);
	msg_warn("overload: %s; new sources %s until it passes", why,
		 c->conf->overload_action == OVERLOAD_TEMPFAIL ?
		 "are told to come back (450 from the responder), and only "
		 "those that complete a handshake are judged" :
		 "pass unjudged (overload_action = pass)");
}

/* overload_end - the episode is over: the kernel is told, one line */
static void overload_end(struct classifier *c)
{
	struct overload_state *o = &c->overload;
	const struct classify_stats *st = &c->stats, *was = &o->at_start;

	o->active = 0;
	tell_kernel(c);
	msg_info("overload over after %llu s: %llu SYN(s) told to come back "
		 "by mxgated (more by the kernel: overload_tempfail), %llu "
		 "passed unjudged, %llu source(s) over the DNS budget, %llu over "
		 "their network's share, %llu judged after a handshake",
		 (unsigned long long)((now_ns() - o->since) / NS_PER_S),
		 st->overload_tempfail - was->overload_tempfail,
		 st->overload_pass - was->overload_pass,
		 st->dns_budget - was->dns_budget, st->prefix_cap - was->prefix_cap,
		 st->proven - was->proven);
}

/* admit - may client start lookups now? ADMIT_OK, or why not; a refusal
 * by the table or the budget begins an episode of overload */
static enum admission admit(struct classifier *c, const struct mxg_key *client,
			    int proven)
{
	struct mxg_key net;

	if (c->overload.active && !proven &&
	    c->conf->overload_action == OVERLOAD_TEMPFAIL)
		return ADMIT_STRESS;
	if (c->pending.count >= c->pending.max) {
		overload_begin(c, "the pending table is full (max_pending)");
		return ADMIT_FULL;
	}
	net = network_of(c, client);
	if (pending_prefix_count(&c->pending, &net) >= c->conf->max_pending_per_prefix)
		return ADMIT_PREFIX;
	if (!budget_take(&c->dns_budget, c->conf->dns_max_qps, dns_cost(c), now_ns())) {
		overload_begin(c, "the DNS query budget is spent (dns_max_qps)");
		return ADMIT_BUDGET;
	}
	return ADMIT_OK;
}

/* count_refusal - one source not admitted, by why */
static void count_refusal(struct classifier *c, enum admission why)
{
	if (why == ADMIT_PREFIX)
		c->stats.prefix_cap++;
	else if (why == ADMIT_BUDGET)
		c->stats.dns_budget++;
}

/* started - a source was admitted: past the high-water mark, overload */
static void started(struct classifier *c)
{
	if (c->pending.count >= high_water(c))
		overload_begin(c, "half the pending table is in use (max_pending)");
}

/* classify_source - classify client without a held packet; 0, or -1
 * when it cannot be judged now (see admit()) */
int classify_source(struct classifier *c, const struct mxg_key *client, int proven)
{
	struct pending *p = pending_find(&c->pending, client);
	enum admission why;

	if (p)
		return 0;		/* already under way */
	why = admit(c, client, proven);
	if (why != ADMIT_OK) {
		count_refusal(c, why);
		return -1;
	}
	p = begin(c, client, fine_ns());
	if (!p)
		return -1;
	p->proven = proven;
	if (proven)
		c->stats.proven++;
	started(c);
	start_signals(c, p);
	return 0;
}

/* not_now - a new source that cannot be judged now: told to come back
 * (the responder says 450), or on unjudged (overload_action = pass) */
static void not_now(struct classifier *c, __u32 id, __u32 mark, enum admission why)
{
	count_refusal(c, why);
	if (c->conf->overload_action == OVERLOAD_PASS) {
		c->stats.overload_pass++;
		c->be.release(c->be.ctx, id, 0, MXG_ACT_NONE);
		return;
	}
	c->stats.overload_tempfail++;
	c->be.release(c->be.ctx, id, mark, MXG_ACT_GREYLIST);
}

/* expire_due - decide the sources whose deadline has passed, before a
 * new SYN is taken: after a stall, slots due to free are free */
static void expire_due(struct classifier *c)
{
	struct pending *p = pending_oldest(&c->pending);

	if (p && p->deadline_ns <= now_ns())
		on_deadline(c);
}

/* classify_tick - once a second: does the overload go on? It ends when
 * for OVERLOAD_CALM_NS the table has been under a quarter full, the
 * budget has refused no one, and unjudged sources (told to come back by
 * the kernel or by us, or passed) have come slower than half of what
 * the budget can judge: else the flood would only come back in. */
void classify_tick(struct classifier *c)
{
	struct overload_state *o = &c->overload;
	const struct classify_stats *st = &c->stats;
	__u64 now = now_ns(), kernel = c->be.diverted ? c->be.diverted(c->be.ctx) : 0;
	unsigned long long unjudged = kernel + st->overload_tempfail + st->overload_pass;
	unsigned long long refused = st->dns_budget;
	unsigned long long admissible = c->conf->dns_max_qps / dns_cost(c);
	unsigned long long came = unjudged - o->unjudged_seen;
	__u64 dt = now - o->ticked;
	int calm;

	/* Arrivals a second, from the counts since the last tick (the
	 * coarse clock may not have moved: a millisecond at least). */
	if (dt < NS_PER_MS)
		dt = NS_PER_MS;
	calm = c->pending.count * 4 < c->pending.max && refused == o->refused_seen &&
	       came * NS_PER_S / dt < admissible / 2 + 1;
	o->unjudged_seen = unjudged;
	o->refused_seen = refused;
	o->ticked = now;
	tell_kernel(c);		/* overload_action may have changed (reload) */
	if (!o->active)
		return;
	if (!calm) {
		o->calm_since = 0;
		return;
	}
	if (!o->calm_since)
		o->calm_since = now;
	else if (now - o->calm_since >= c->overload_calm_ns)
		overload_end(c);
}

/* classify_packet - one queued SYN: join its source or start one */
void classify_packet(void *arg, __u32 id, __u32 mark, const __u8 *data, size_t len)
{
	struct classifier *c = arg;
	__u64 arrived = fine_ns();
	enum admission why;
	struct mxg_verdict v;
	struct mxg_pkt pkt;
	struct pending *p;
	__u64 now;

	c->stats.queued++;
	if (!data || mxg_parse_l3(data, data + len, 0, &pkt) != MXG_PARSE_OK) {
		/* The rule queues only TCP SYNs to a protected port: one we
		 * cannot parse (IPv6 extension headers past what the parser
		 * walks, a header past the copy range) is such a SYN hiding
		 * its source from us. Real MTAs never send one; passing it
		 * would skip every check, a cached block included. */
		c->stats.unparsable++;
		now = now_ns();
		if (now - c->last_unparsable_warn >= OVERLOAD_WARN_INTERVAL_NS) {
			c->last_unparsable_warn = now;
			msg_warn("a queued SYN could not be parsed (%zu bytes): "
				 "dropped (%llu so far)", len, c->stats.unparsable);
		}
		c->be.release(c->be.ctx, id, 0, MXG_ACT_BLOCK);
		return;
	}
	if (conf_trusted(c->conf, &pkt.key)) {
		/* trusted_networks: the rules do not queue them; one that
		 * reaches us anyway (rules changed by hand) goes on unjudged. */
		c->stats.trusted++;
		c->be.release(c->be.ctx, id, 0, MXG_ACT_NONE);
		return;
	}
	if (!mxg_is_new_syn(&pkt)) {
		/* Not a new connection: not ours to judge, so it goes on as
		 * if we were not here. */
		c->stats.ignored++;
		c->be.release(c->be.ctx, id, 0, MXG_ACT_NONE);
		return;
	}
	p = pending_find(&c->pending, &pkt.key);
	if (p) {
		c->stats.joined++;
		if (pending_hold(p, id, mark) < 0)
			c->be.release(c->be.ctx, id, mark, MXG_ACT_BLOCK); /* it retransmits */
		return;
	}
	if (c->be.cached && c->be.cached(c->be.ctx, &pkt.key, &v)) {
		c->stats.cached++;
		c->be.release(c->be.ctx, id, mark, v.action);
		return;
	}
	expire_due(c);
	why = admit(c, &pkt.key, 0);
	p = why == ADMIT_OK ? begin(c, &pkt.key, arrived) : NULL;
	if (!p) {
		not_now(c, id, mark, why == ADMIT_OK ? ADMIT_FULL : why);
		return;
	}
	pending_hold(p, id, mark);
	started(c);
	start_signals(c, p);
}

/* cancel_open - stop every signal started that has not answered */
static void cancel_open(struct classifier *c, struct pending *p, int timed_out)
{
	const struct signal *sig = signals_of(c);

	for (unsigned i = 0; i < SIG_MAX; i++)
		if ((p->todo & ~p->done) & SIG_BIT(i)) {
			sig[i].cancel(c, p, timed_out);
			p->done |= SIG_BIT(i);
		}
}

/* on_deadline - decide every source whose deadline has passed */
static void on_deadline(void *ctx)
{
	struct classifier *c = ctx;
	__u64 now = now_ns();
	struct pending *p;

	while ((p = pending_oldest(&c->pending)) && p->deadline_ns <= now) {
		cancel_open(c, p, 1);
		decide(c, p);
	}
	arm_deadline(c);
}

/* classify_release_all - shutting down: every held SYN goes unjudged */
void classify_release_all(struct classifier *c)
{
	struct pending *p;

	while ((p = pending_oldest(&c->pending))) {
		cancel_open(c, p, 0);
		for (unsigned i = 0; i < p->n_held; i++)
			c->be.release(c->be.ctx, p->held_ids[i], 0, MXG_ACT_NONE);
		pending_remove(&c->pending, p);
	}
	loop_timer_cancel(c->loop, &c->deadline);
}

/* classify_free - what classify_init() allocated */
void classify_free(struct classifier *c)
{
	loop_timer_cancel(c->loop, &c->deadline);
	pending_free(&c->pending);
}
