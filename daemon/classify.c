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
#include "classify.h"
#include "clock.h"
#include "log.h"
#include "parse.h"

#define OVERLOAD_WARN_INTERVAL_NS (10 * NS_PER_S)

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
	c->last_overload_warn = 0;
	loop_timer_init(&c->deadline, on_deadline, c);
	return pending_init(&c->pending, max_pending);
}

/* decide - the verdict from the evidence: record, release, report */
static void decide(struct classifier *c, struct pending *p)
{
	struct policy_env env = { c->conf, c->tables };
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

/* begin - a pending entry for client; NULL when the table is full */
static struct pending *begin(struct classifier *c, const struct mxg_key *client,
			     __u64 arrived)
{
	__u64 now = now_ns();
	struct pending *p;

	p = pending_add(&c->pending, client, now,
			now + c->conf->decision_timeout_ms * NS_PER_MS);
	if (!p)
		return NULL;
	p->owner = c;
	p->arrived_ns = arrived;
	evidence_init(&p->ev);
	arm_deadline(c);
	return p;
}

/* classify_source - classify client without a held packet; 0, or -1
 * when the table is full */
int classify_source(struct classifier *c, const struct mxg_key *client)
{
	struct pending *p = pending_find(&c->pending, client);

	if (p)
		return 0;		/* already under way */
	p = begin(c, client, fine_ns());
	if (!p)
		return -1;
	start_signals(c, p);
	return 0;
}

/* overloaded - the pending table is full: the SYN goes on unjudged */
static void overloaded(struct classifier *c, __u32 id)
{
	__u64 now = now_ns();

	c->stats.overload++;
	if (now - c->last_overload_warn >= OVERLOAD_WARN_INTERVAL_NS) {
		c->last_overload_warn = now;
		msg_warn("%u lookups pending (max_pending): new sources pass "
			 "unjudged (%llu so far)", c->pending.count, c->stats.overload);
	}
	c->be.release(c->be.ctx, id, 0, MXG_ACT_NONE);
}

/* classify_packet - one queued SYN: join its source or start one */
void classify_packet(void *arg, __u32 id, __u32 mark, const __u8 *data, size_t len)
{
	struct classifier *c = arg;
	__u64 arrived = fine_ns();
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
	p = begin(c, &pkt.key, arrived);
	if (!p) {
		overloaded(c, id);
		return;
	}
	pending_hold(p, id, mark);
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
