/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	share - several gateways, one memory: what each learns, shared
 *	through Redis
 * SYNOPSIS
 *	struct share *share_new(struct loop *l, const struct share_params *p,
 *				const struct share_sink *sink);
 *	void share_verdict(struct share *s, const struct mxg_key *k,
 *			   const struct mxg_verdict *v);
 *	void share_manual(struct share *s, const struct mxg_key *prefix,
 *			  const struct mxg_manual *m);
 *	void share_tick(struct share *s);
 *	const struct share_stats *share_stats(const struct share *s);
 *	void share_free(struct share *s);
 * DESCRIPTION
 *	Off the hot path: the tc program and the per-SYN path never wait
 *	for Redis. Each gateway enforces from its own maps and store; Redis
 *	carries what gateways learn to each other (share_value.h has the
 *	keys, the values and the precedence).
 *
 *	Writing. share_verdict() and share_manual() (m NULL: the admin
 *	forgot prefix, a tombstone kept SHARE_TOMBSTONE_MS) hand a local
 *	change to Redis: one script (share_script.h) reads the key, keeps
 *	the winner by the precedence, and only if the change wins writes
 *	the key (expiring with the entry) and appends it to the stream
 *	(XADD MAXLEN ~ stream_max), in one atomic step. When the key held
 *	a winner the gateway did not know, the script returns it and it is
 *	applied here. Changes are queued while Redis is away (at most
 *	queue_max: beyond, the oldest are dropped and counted), and
 *	replayed in order when it is back; a change sent but unanswered
 *	when the link broke is queued again (the precedence makes a second
 *	write harmless).
 *
 *	Reading. A second connection reads the stream (XREAD BLOCK) from
 *	the last entry it applied, kept in state_dir/SHARE_LAST_ID_FILE
 *	across restarts. At each connection it first reads the manual keys
 *	(SCAN): mxgated's start puts the manual map back from its own file
 *	alone. When the gateway has no last entry (its first time), or the
 *	stream was trimmed past it (its first entry, XINFO's
 *	recorded-first-entry-id, is later), it reads every key instead and
 *	then the stream from where the stream was before the scan (so
 *	nothing written meanwhile is missed). While it reads, each entry's
 *	number (n, from the counter PREFIX "seq" the script increments)
 *	must follow the last one's: a jump means entries were trimmed
 *	before this gateway read them (it fell redis_stream_max behind),
 *	and it reads every key again.
 *
 *	Redis's data has an epoch: a random name under PREFIX "epoch" that
 *	the first gateway to find none gives it (SET NX), and that goes
 *	when Redis loses its data. A gateway that finds another epoch than
 *	the one it last saw (kept with the last entry), or connects for the
 *	first time, offers everything live it holds (sink->republish) and
 *	reads every key, so that what Redis lost is written again and the
 *	next gateway to join finds it. Entries the gateway wrote itself
 *	(its origin, random at each start) are skipped.
 *
 *	Applying: an entry that wins over what the gateway holds
 *	(share_wins(); expired ones never do) goes to sink->verdict_apply
 *	or sink->manual_apply (m NULL: forget), which write the kernel and
 *	the store but never share back; the entry comes with the hits the
 *	gateway counted when the action stays the same. Bad input (a malformed value or
 *	key, a stream entry of the wrong shape) is counted, logged at most
 *	once every SHARE_BAD_LOG_S seconds with the entry, and skipped.
 *
 *	Failure. A link that cannot connect, fails AUTH, or leaves a
 *	command unanswered for SHARE_STALL_S seconds is closed and tried
 *	again after 1, 2, 4 ... up to SHARE_BACKOFF_MAX_S seconds. Losing
 *	and regaining Redis is logged once each. Nothing waits on it.
 *
 *	Clocks. Times travel as each writer's wall clock in ms; at each
 *	connection the writer compares its clock with Redis's (TIME) and
 *	warns beyond SHARE_SKEW_WARN_MS. A skew of S between two gateways
 *	moves the greylist delay one sees of the other's clients by S.
 *
 *	share_tick() (once a second) saves the last entry read, closes
 *	stalled links and sets the gauges. share_stats() are the counts
 *	and gauges for the decisions map. share_free() saves and closes.
 */
#ifndef MXG_SHARE_H
#define MXG_SHARE_H

#include <linux/types.h>
#include "loop.h"
#include "mxgate.h"
#include "share_server.h"

#define SHARE_LAST_ID_FILE	"share.last_id"	/* under state_dir */
#define SHARE_TOMBSTONE_MS	(366ULL * 86400 * 1000)	/* a forget is kept a year */
#define SHARE_STALL_S		15
#define SHARE_BACKOFF_MAX_S	30
#define SHARE_SKEW_WARN_MS	2000
#define SHARE_BAD_LOG_S		10

struct share_params {
	struct share_server server;
	const char *server_text;	/* as configured, for messages */
	const char *user;		/* ACL user; "" or NULL: none */
	const char *password;		/* NULL: no AUTH */
	const char *prefix;		/* of every key and of the stream */
	unsigned queue_max;		/* changes kept while Redis is away */
	unsigned stream_max;		/* MAXLEN ~ of the stream */
	const char *state_dir;		/* where the last entry read is kept;
					 * NULL: nowhere */
};

struct share_sink {
	void *ctx;
	/* What the gateway holds: 0, or -ENOENT. */
	int (*verdict_get)(void *ctx, const struct mxg_key *k, struct mxg_verdict *v);
	int (*manual_get)(void *ctx, const struct mxg_key *prefix, struct mxg_manual *m);
	/* An entry from another gateway won: write it, never share it. */
	void (*verdict_apply)(void *ctx, const struct mxg_key *k,
			      const struct mxg_verdict *v);
	void (*manual_apply)(void *ctx, const struct mxg_key *prefix,
			     const struct mxg_manual *m);
	/* Offer every live entry with share_verdict() and share_manual().
	 * May be NULL. */
	void (*republish)(void *ctx);
};

struct share_stats {
	int up;				/* both links ready */
	unsigned long long queued;	/* gauge: changes waiting */
	unsigned long long lag_ms;	/* gauge: age of the last entry read */
	unsigned long long sent;	/* changes Redis settled */
	unsigned long long applied;	/* entries of others applied */
	unsigned long long dropped;	/* changes lost: queue full, refused */
	unsigned long long bad;		/* entries from Redis skipped */
	unsigned long long resyncs;	/* full reads of the keys */
};

struct share;

struct share *share_new(struct loop *l, const struct share_params *p,
			const struct share_sink *sink);
void share_verdict(struct share *s, const struct mxg_key *k, const struct mxg_verdict *v);
void share_manual(struct share *s, const struct mxg_key *prefix, const struct mxg_manual *m);
void share_tick(struct share *s);
const struct share_stats *share_stats(const struct share *s);
void share_free(struct share *s);

#endif /* MXG_SHARE_H */
