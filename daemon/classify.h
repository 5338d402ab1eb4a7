/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	classify - the pipeline: from a new source's first SYN to its verdict
 * SYNOPSIS
 *	int classify_init(struct classifier *c, unsigned max_pending);
 *	void classify_packet(void *c, __u32 id, __u32 mark,
 *			     const __u8 *data, size_t len);
 *	int classify_source(struct classifier *c, const struct mxg_key *client,
 *			    int proven);
 *	void classify_tick(struct classifier *c);
 *	void classify_signal_done(struct pending *p, enum signal_id id);
 *	void classify_release_all(struct classifier *c);
 *	void classify_free(struct classifier *c);
 * DESCRIPTION
 *	The one pipeline mxgated and the dry run (mxgatectl check) both
 *	drive. The caller fills in the public fields of struct classifier
 *	(configuration, tables, provider allowlist, resolver, DNS lists,
 *	loop, back end; signals NULL for signal_table) and calls
 *	classify_init().
 *
 *	classify_packet() is the NFQUEUE callback (queue.h): a packet it
 *	cannot parse is dropped (the rule queues only SYNs to a protected
 *	port, so this is one that hides its source: counted, warned at most
 *	every 10 s); a parsed packet that is not a new SYN is accepted
 *	unjudged; a SYN from a source
 *	with a live verdict written since the tc program let it by is
 *	released by that verdict (backend cached()); a retransmit of a
 *	source being classified joins it (one request per source, never
 *	several: SYNs are retransmitted after 1, 3, 7 s...); otherwise the
 *	source is classified, if it may be now (below).
 *
 *	Overload. A new source is judged only when the pending table has a
 *	free slot, its network (its /pending_prefix_v4 or _v6) holds fewer
 *	than max_pending_per_prefix of the slots, and the DNS budget
 *	(budget.h, dns_max_qps) has room for every query it may need (two
 *	for FCrDNS, one per DNS list). A full table or a spent budget, or
 *	half the table in use after a source starts, begins an episode of
 *	overload: one warning, and backend stress() is told MXG_STRESS_TEMPFAIL
 *	(overload_action tempfail), so that the tc program sends sources
 *	without a verdict to the responder instead of the queue. During it
 *	a queued new SYN is not judged either. A SYN that is not judged is
 *	released to the responder (GREYLIST: 450 after the handshake, the
 *	client comes back), or unjudged with overload_action pass; both are
 *	counted. Before a new source is taken, the sources whose deadline
 *	has passed are decided. classify_tick(), once a second, ends the
 *	episode (one line, with what it cost) when for 5 s the table has
 *	been under a quarter full, the budget has refused no one and sources
 *	without a verdict (counted by backend diverted() in the kernel, and
 *	here) have come at under half the rate the budget can judge.
 *
 *	classify_source() starts the signals for client: every row of the
 *	signal table in order, each marked TODO in p->todo; a signal's
 *	answer sets its DONE bit (classify_signal_done()), and when every
 *	TODO is DONE the source is decided: policy_decide() on the evidence,
 *	backend record() (verdict into the kernel and the store: before the
 *	release, so a retransmit racing it meets the verdict in the kernel),
 *	every held SYN released by backend release(), then backend report()
 *	(counters, the log line). A source whose deadline
 *	(decision_timeout) passes is decided with what is known: the signals
 *	still out are cancelled. It returns 0 (the decision may have been
 *	made before it returns, when no signal needs I/O), or -1 when the
 *	source may not be judged now (counted). proven says the client
 *	completed a handshake (with the responder): it is judged during an
 *	overload too, and p->proven tells record() so. A packet joins the
 *	source before its signals start.
 *
 *	classify_release_all() lets every held SYN through unjudged and
 *	cancels every signal (shutting down). classify_free() frees what
 *	classify_init() allocated.
 */
#ifndef MXG_CLASSIFY_H
#define MXG_CLASSIFY_H

#include <stddef.h>
#include <linux/types.h>
#include "budget.h"
#include "config.h"
#include "dnsbl.h"
#include "loop.h"
#include "pending.h"
#include "policy.h"
#include "resolve.h"
#include "signals.h"
#include "table.h"

/* What the pipeline asks of its surroundings: the kernel map, NFQUEUE,
 * the country table, the writer of verdicts. A test passes surrogates. */
struct classify_backend {
	void *ctx;			/* first argument of each */
	/* A live verdict for client written since the tc program saw the
	 * SYN: 1 with *v, else 0. May be NULL (never cached). */
	int (*cached)(void *ctx, const struct mxg_key *client, struct mxg_verdict *v);
	/* The country table's entry for client (mxgate.h), 0: none. */
	__u32 (*country)(void *ctx, const struct mxg_key *client);
	/* Let one held SYN go: NFQUEUE verdict by action (NONE: unjudged). */
	void (*release)(void *ctx, __u32 packet_id, __u32 mark, enum mxg_action a);
	/* The decision for p: write it (kernel, store). Before release. It
	 * may turn a greylist into a pass (a network's shared clock that
	 * has run out: smart keys); the SYNs are released by d->action. */
	void (*record)(void *ctx, const struct pending *p, struct decision *d);
	/* After release: count and log it. May be NULL. */
	void (*report)(void *ctx, const struct pending *p, const struct decision *d);
	/* Overload began or ended: MXG_STRESS_* flags for the tc program.
	 * May be NULL. */
	void (*stress)(void *ctx, __u32 flags);
	/* SYNs the tc program sent to the responder for overload, so far
	 * (MXG_STAT_OVERLOAD_TEMPFAIL). May be NULL. */
	__u64 (*diverted)(void *ctx);
};

/* Why a new source is not judged now. */
enum admission {
	ADMIT_OK = 0,
	ADMIT_STRESS,		/* overload: only proven clients are judged */
	ADMIT_FULL,		/* the pending table is full */
	ADMIT_PREFIX,		/* its network holds its share of the table */
	ADMIT_BUDGET,		/* the DNS budget is spent */
};

struct classify_stats {
	unsigned long long queued;	/* SYNs read from NFQUEUE */
	unsigned long long joined;	/* retransmits joined to a lookup */
	unsigned long long cached;	/* found a verdict already in the map */
	unsigned long long overload_tempfail; /* not judged: to the responder */
	unsigned long long overload_pass; /* not judged: passed (overload_action) */
	unsigned long long overload_episodes; /* overloads begun */
	unsigned long long prefix_cap;	/* not judged: network over its share */
	unsigned long long dns_budget;	/* not judged: DNS budget spent */
	unsigned long long proven;	/* judged after a handshake */
	unsigned long long ignored;	/* parsed, not a new SYN: accepted */
	unsigned long long unparsable;	/* could not be parsed: dropped */
	unsigned long long trusted;	/* trusted_networks: accepted unjudged */
	unsigned long long decided[MXG_ACT_MAX]; /* verdicts by action */
};

/* An episode of overload, and what classify_tick() saw last. */
struct overload_state {
	int active;			/* in an episode */
	__u32 kernel_flags;		/* the MXG_STRESS_* flags last told */
	__u64 since;			/* now_ns() it began */
	__u64 calm_since;		/* its causes gone since, 0: not gone */
	__u64 ticked;			/* the last classify_tick() */
	unsigned long long unjudged_seen; /* unjudged SYNs counted then */
	unsigned long long refused_seen; /* budget refusals counted then */
	struct classify_stats at_start;	/* the counters when it began */
};

struct classifier {
	/* Set by the caller before classify_init(). */
	const struct mxg_conf *conf;	/* the running one: reloads apply */
	const struct table_set *tables;	/* client_access, likewise */
	const struct providers *providers; /* provider_allowlist; NULL: none */
	struct resolver *resolver;	/* NULL: FCrDNS is a DNS failure */
	struct dnsbl *dnsbl;		/* NULL: no DNS lists */
	struct loop *loop;		/* for the deadline timer */
	const struct signal *signals;	/* NULL: signal_table */
	struct classify_backend be;
	/* Private. */
	struct pending_table pending;	/* sources being classified */
	struct loop_timer deadline;	/* the oldest source's deadline */
	struct classify_stats stats;
	struct budget dns_budget;	/* dns_max_qps */
	struct overload_state overload;
	__u64 overload_calm_ns;		/* classify_init(): 5 s; a test's own */
	__u64 last_unparsable_warn;	/* now_ns() of the last warning */
};

int classify_init(struct classifier *c, unsigned max_pending);
void classify_packet(void *c, __u32 id, __u32 mark, const __u8 *data, size_t len);
int classify_source(struct classifier *c, const struct mxg_key *client, int proven);
void classify_tick(struct classifier *c);
void classify_signal_done(struct pending *p, enum signal_id id);
void classify_release_all(struct classifier *c);
void classify_free(struct classifier *c);

#endif /* MXG_CLASSIFY_H */
