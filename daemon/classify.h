/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	classify - the pipeline: from a new source's first SYN to its verdict
 * SYNOPSIS
 *	int classify_init(struct classifier *c, unsigned max_pending);
 *	void classify_packet(void *c, __u32 id, __u32 mark,
 *			     const __u8 *data, size_t len);
 *	int classify_source(struct classifier *c, const struct mxg_key *client);
 *	void classify_signal_done(struct pending *p, enum signal_id id);
 *	void classify_release_all(struct classifier *c);
 *	void classify_free(struct classifier *c);
 * DESCRIPTION
 *	The one pipeline mxgated and the dry run (mxgatectl check) both
 *	drive. The caller fills in the public fields of struct classifier
 *	(configuration, tables, resolver, DNS lists, loop, back end; signals
 *	NULL for signal_table) and calls classify_init().
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
 *	source is classified. When max_pending sources are being classified
 *	the SYN is accepted unjudged (counted, warned at most every 10 s).
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
 *	table is full. A packet joins the source before its signals start.
 *
 *	classify_release_all() lets every held SYN through unjudged and
 *	cancels every signal (shutting down). classify_free() frees what
 *	classify_init() allocated.
 */
#ifndef MXG_CLASSIFY_H
#define MXG_CLASSIFY_H

#include <stddef.h>
#include <linux/types.h>
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
	/* The decision for p: write it (kernel, store). Before release. */
	void (*record)(void *ctx, const struct pending *p, const struct decision *d);
	/* After release: count and log it. May be NULL. */
	void (*report)(void *ctx, const struct pending *p, const struct decision *d);
};

struct classify_stats {
	unsigned long long queued;	/* SYNs read from NFQUEUE */
	unsigned long long joined;	/* retransmits joined to a lookup */
	unsigned long long cached;	/* found a verdict already in the map */
	unsigned long long overload;	/* passed unjudged: pending table full */
	unsigned long long ignored;	/* parsed, not a new SYN: accepted */
	unsigned long long unparsable;	/* could not be parsed: dropped */
	unsigned long long trusted;	/* trusted_networks: accepted unjudged */
	unsigned long long decided[MXG_ACT_MAX]; /* verdicts by action */
};

struct classifier {
	/* Set by the caller before classify_init(). */
	const struct mxg_conf *conf;	/* the running one: reloads apply */
	const struct table_set *tables;	/* client_access, likewise */
	struct resolver *resolver;	/* NULL: FCrDNS is a DNS failure */
	struct dnsbl *dnsbl;		/* NULL: no DNS lists */
	struct loop *loop;		/* for the deadline timer */
	const struct signal *signals;	/* NULL: signal_table */
	struct classify_backend be;
	/* Private. */
	struct pending_table pending;	/* sources being classified */
	struct loop_timer deadline;	/* the oldest source's deadline */
	struct classify_stats stats;
	__u64 last_overload_warn;	/* now_ns() of the last warning */
	__u64 last_unparsable_warn;	/* ... and of the unparsable kind */
};

int classify_init(struct classifier *c, unsigned max_pending);
void classify_packet(void *c, __u32 id, __u32 mark, const __u8 *data, size_t len);
int classify_source(struct classifier *c, const struct mxg_key *client);
void classify_signal_done(struct pending *p, enum signal_id id);
void classify_release_all(struct classifier *c);
void classify_free(struct classifier *c);

#endif /* MXG_CLASSIFY_H */
