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
 *	int store_prune(struct store *s, __u64 now, unsigned max_records);
 *	int store_flush(struct store *s);
 *	void store_tick(struct store *s, __u64 now);
 *	int store_next_flush_ms(const struct store *s, __u64 now);
 *	long long store_size_bytes(const struct store *s);
 *	long long store_capacity_bytes(const struct store *s);
 *	long long store_records(const struct store *s);
 *	void store_close(struct store *s);
 *
 *	extern const struct store_ops store_lmdb_ops;	(store_lmdb.c)
 *	extern size_t store_lmdb_mapsize;		(store_lmdb.c, tests)
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
 *	converted back to the monotonic clock (hits as last written: 0 in a
 *	record older than the field), and drops every
 *	expired record from the store; it returns how many it dropped. fn
 *	must not call the store. The daemon's fn writes the verdict into the
 *	kernel unless the kernel holds one already (verdict_restore()).
 *
 *	store_prune() drops expired records while the daemon runs, a few at
 *	a time so that it never holds up the event loop (meant for a timer:
 *	1000 every second): it visits at most max_records records (0: none),
 *	going on from where the previous call stopped and wrapping round,
 *	so that calls one after the other cover the whole store; it commits
 *	the batch first. now is the monotonic clock of now_ns(). It returns
 *	how many records it deleted (those expired and those dropped to
 *	make room, below), or -1.
 *
 *	The bound. A store's pages are limited (store_capacity_bytes();
 *	LMDB: the map's size), and when they run out every write fails. So
 *	when the pages in use reach STORE_FULL_PCT (90%) of the capacity,
 *	store_prune() makes room even if nothing has expired: it drops
 *	records until those left would fill STORE_ROOM_PCT (80%) at the
 *	present bytes per record, the expired first, then greylists (every
 *	action but pass) that expire soonest, then passes that expire
 *	soonest; then it says in one warning how many of each it dropped.
 *	That is a job of a few walks round the store (a census, up to four
 *	more to place the cut to the ns, and the deleting walk) carried on
 *	by the calls that follow, instead of their sweep, ROOM_SLICE (128)
 *	times max_records records a call: most of those visits only read.
 *	Measured with 1000 a call at the mark of the 1 GiB LMDB map (8.5M
 *	records), 265 calls dropped 940,000 greylists, the longest call
 *	32 ms (tmpfs); while the job runs, writes go on in the last tenth of
 *	the map. LMDB reuses the room of deleted records for later writes
 *	but frees a page only when nearly empty, so the pages in use can stay
 *	at the mark after room is made: room is made again only once the
 *	records are back to the count that filled the mark the last time,
 *	or the pages in use have grown by a quarter of what was left free
 *	then (records spread unevenly over the pages); both are forgotten
 *	when the pages fall below the mark.
 *
 *	store_size_bytes() is what the store occupies, as its backend
 *	counts it (LMDB: the pages in use), store_capacity_bytes() what it
 *	can occupy at most, store_records() how many records it holds: -1
 *	when unknown. store_lmdb_mapsize is the LMDB map's size (the
 *	capacity) for stores opened after it is set; only tests change it.
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
	__u32 hits;		/* mxg_verdict.hits as last written (before
				 * issue 14 a pad, always written 0) */
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
	/* prune - fn for up to max records in one write transaction, after
	 * the one the previous prune visited last (wrapping round, none
	 * twice: at most all); deletes those fn says STORE_DROP; returns how
	 * many it visited */
	int (*prune)(void *impl, unsigned max, store_record_fn fn, void *ctx);
	/* flush - make every put so far durable */
	int (*flush)(void *impl);
	/* tick - flush what has waited long enough; called every loop */
	void (*tick)(void *impl, __u64 now);
	/* next_flush_ms - when tick next has work: ms from now, 0 overdue,
	 * -1 never (nothing waits) */
	int (*next_flush_ms)(const void *impl, __u64 now);
	/* size_bytes - what the store occupies, -1 when unknown */
	long long (*size_bytes)(const void *impl);
	/* records - how many records the store holds, -1 when unknown */
	long long (*records)(const void *impl);
	/* capacity_bytes - what size_bytes can grow to, -1 when unknown */
	long long (*capacity_bytes)(const void *impl);
	/* close - flush, then free impl */
	void (*close)(void *impl);
};

struct store_room;

struct store {
	const struct store_ops *ops;	/* the backend; NULL when closed */
	void *impl;			/* the backend's state */
	char where[4096];		/* the store, for messages */
	struct store_room *room;	/* making room, over calls; NULL when not */
	long long room_records;		/* records that fill the mark, when room
					 * was last made; 0: not since below it */
	long long room_used;		/* size_bytes() then */
};

extern const struct store_ops store_lmdb_ops;
extern size_t store_lmdb_mapsize;

int store_open(struct store *s, const struct store_ops *ops,
	       const char *state_dir, int flags);
int store_put(struct store *s, const struct mxg_key *k, const struct mxg_verdict *v);
int store_delete(struct store *s, const struct mxg_key *k);
int store_iterate(struct store *s, store_verdict_fn fn, void *ctx);
int store_prune(struct store *s, __u64 now, unsigned max_records);
int store_flush(struct store *s);
void store_tick(struct store *s, __u64 now);
int store_next_flush_ms(const struct store *s, __u64 now);
long long store_size_bytes(const struct store *s);
long long store_capacity_bytes(const struct store *s);
long long store_records(const struct store *s);
void store_close(struct store *s);

/* For backends: a record from len bytes as stored; 0, or -1 when too short. */
int store_record_decode(struct store_record *r, const void *data, size_t len);

#endif /* MXG_STORE_H */
