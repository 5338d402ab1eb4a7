/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	store - learned verdicts kept outside the kernel, behind one interface
 * SYNOPSIS
 *	int store_open(struct store *s, const struct store_ops *ops,
 *		       const char *state_dir, int flags);
 *	int store_put(struct store *s, const struct mxg_key *k,
 *		      const struct mxg_verdict *v);
 *	int store_delete(struct store *s, const struct mxg_key *k);
 *	int store_iterate(struct store *s, store_verdict_fn fn, void *ctx);
 *	int store_flush(struct store *s);
 *	void store_tick(struct store *s, __u64 now);
 *	int store_next_flush_ms(const struct store *s, __u64 now);
 *	long long store_size_bytes(const struct store *s);
 *	void store_close(struct store *s);
 *
 *	extern const struct store_ops store_lmdb_ops;	(store_lmdb.c)
 * DESCRIPTION
 *	The pinned maps keep verdicts across daemon restarts; a store keeps
 *	the ones worth learning (pass and greylist) across reboots and map
 *	wipes. A backend is one struct store_ops (LMDB: store_lmdb.c); the
 *	functions here are the only callers of its operations, and the only
 *	place where times change clocks: a verdict (struct mxg_verdict) has
 *	CLOCK_MONOTONIC_COARSE times, which restart at boot and differ
 *	between hosts, so a backend sees and keeps a struct store_record with
 *	CLOCK_REALTIME times instead.
 *
 *	store_open() opens the backend's store under state_dir. With
 *	STORE_CREATE, state_dir and the store are created if missing
 *	(mxgated); without it, a store that does not exist is left alone and
 *	STORE_ABSENT returned (mxgatectl forget writes nothing where mxgated
 *	never ran). s->where then names the store for messages.
 *
 *	store_put() records v under k (or replaces the record). A backend
 *	may batch puts (LMDB: one write transaction, committed by
 *	store_flush(), by the put that fills the batch, or by store_tick()
 *	once the batch is old enough; the event loop sleeps at most
 *	store_next_flush_ms(), -1 when nothing waits). A machine crash then
 *	loses at most the open batch, a daemon crash nothing the pinned maps
 *	do not still hold. store_delete() forgets k (absent is fine);
 *	store_delete(), store_iterate() and store_close() commit the batch
 *	first.
 *
 *	store_iterate() calls fn for every unexpired record, with the verdict
 *	converted back to the monotonic clock (hits 0), and drops every
 *	expired record from the store; it returns how many it dropped. fn
 *	must not call the store. The daemon's fn writes the verdict into the
 *	kernel unless the kernel holds one already (verdict_restore()).
 *
 *	store_size_bytes() is what the store occupies, as its backend
 *	counts it, or -1 when unknown.
 *
 *	Every function but store_open() takes a closed store (never opened,
 *	failed to open, or closed) and then returns -1 (-1: nothing waits,
 *	for store_next_flush_ms()) or does nothing. Errors are reported with
 *	msg_warn naming the store, then -1 is returned.
 * BACKENDS
 *	A backend fills in every operation of struct store_ops. It keeps
 *	records whole: a put replaces the record of its key. Records written
 *	as bytes (LMDB) change layout only by appending fields; a backend
 *	reads a record with store_record_decode(), which fills fields a
 *	shorter (older) record lacks with 0 and ignores fields a longer
 *	(newer) one adds. A backend drops, and reports, records it cannot
 *	read. impl is the backend's own state, allocated by open and freed
 *	by close.
 */
#ifndef MXG_STORE_H
#define MXG_STORE_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

#define STORE_CREATE	1	/* store_open: create state_dir and the store */
#define STORE_ABSENT	1	/* store_open: no store there, none created */
#define STORE_KEEP	0	/* store_record_fn: leave the record */
#define STORE_DROP	1	/* store_record_fn: delete the record */

/*
 * A verdict as a store keeps it: wall-clock (CLOCK_REALTIME) ns, host
 * byte order. Fields are only ever appended (see BACKENDS).
 */
struct store_record {
	__u64 decided_wall_ns;	/* mxg_verdict.decided_ns (v1: "set") */
	__u64 expires_wall_ns;	/* mxg_verdict.expires_ns */
	__u32 reasons;		/* enum mxg_reason bits */
	__s32 dnsbl_score;
	__u32 action;		/* enum mxg_action */
	__u32 pad;		/* zero */
	/* v1 (mxgate before issue 9) ends here: 32 bytes. */
	__u64 reported_wall_ns;	/* mxg_verdict.reported_ns; 0 = never */
};
#define STORE_RECORD_V1_SIZE	32	/* the shortest record a store reads */

/* A backend's visitor: returns STORE_KEEP or STORE_DROP. */
typedef int (*store_record_fn)(void *ctx, const struct mxg_key *k,
			       const struct store_record *r);
/* store_iterate()'s visitor: one unexpired verdict, monotonic times. */
typedef void (*store_verdict_fn)(void *ctx, const struct mxg_key *k,
				 const struct mxg_verdict *v);

/*
 * The operations of a backend. All but open get the impl that open
 * set; all return 0 or -1 after a msg_warn naming the store, unless
 * said otherwise. now is the monotonic clock of now_ns().
 */
struct store_ops {
	const char *name;	/* "lmdb": for messages */
	/* open - the store under state_dir (flags: STORE_CREATE); sets
	 * *impl and writes a name for messages into where; STORE_ABSENT
	 * (nothing set) when it does not exist and may not be created */
	int (*open)(void **impl, const char *state_dir, int flags,
		    char *where, size_t where_len);
	/* put - record r under k, replacing any record of k */
	int (*put)(void *impl, const struct mxg_key *k,
		   const struct store_record *r);
	/* delete - forget k; absent is fine */
	int (*delete)(void *impl, const struct mxg_key *k);
	/* iterate - fn for every record; deletes those fn says STORE_DROP */
	int (*iterate)(void *impl, store_record_fn fn, void *ctx);
	/* flush - make every put so far durable */
	int (*flush)(void *impl);
	/* tick - flush what has waited long enough; called every loop */
	void (*tick)(void *impl, __u64 now);
	/* next_flush_ms - when tick next has work: ms from now, 0 overdue,
	 * -1 never (nothing waits) */
	int (*next_flush_ms)(const void *impl, __u64 now);
	/* size_bytes - what the store occupies, -1 when unknown */
	long long (*size_bytes)(const void *impl);
	/* close - flush, then free impl */
	void (*close)(void *impl);
};

struct store {
	const struct store_ops *ops;	/* the backend; NULL when closed */
	void *impl;			/* the backend's state */
	char where[4096];		/* the store, for messages */
};

extern const struct store_ops store_lmdb_ops;

int store_open(struct store *s, const struct store_ops *ops,
	       const char *state_dir, int flags);
int store_put(struct store *s, const struct mxg_key *k, const struct mxg_verdict *v);
int store_delete(struct store *s, const struct mxg_key *k);
int store_iterate(struct store *s, store_verdict_fn fn, void *ctx);
int store_flush(struct store *s);
void store_tick(struct store *s, __u64 now);
int store_next_flush_ms(const struct store *s, __u64 now);
long long store_size_bytes(const struct store *s);
void store_close(struct store *s);

/* For backends: a record from len bytes as stored; 0, or -1 when too short. */
int store_record_decode(struct store_record *r, const void *data, size_t len);

#endif /* MXG_STORE_H */
