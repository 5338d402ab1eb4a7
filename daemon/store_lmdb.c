/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	store_lmdb - the store's LMDB backend: one file in state_dir (LMDB_FILE)
 * SYNOPSIS
 *	#include "store.h"
 *
 *	const struct store_ops store_lmdb_ops;
 * DESCRIPTION
 *	One LMDB environment in one file (no subdirectory), one unnamed
 *	database: key struct mxg_key, value struct store_record, both as
 *	bytes in host order. LMDB's copy-on-write pages keep the file
 *	consistent whatever happens mid-write (crash-safe), and a reader in
 *	another process (mxgatectl forget) never waits for the writer.
 *
 *	Puts go into one write transaction, the batch, committed when it
 *	holds STORE_BATCH_MAX records or is STORE_BATCH_NS old (tick), or
 *	before any other operation: one commit, with its disk flush, per
 *	record cost more than the rest of a classification.
 *
 *	A record whose key is not a struct mxg_key, or whose value is
 *	shorter than a v1 record, is of no layout this mxgate knows: iterate
 *	and prune drop it and say how many they dropped.
 *
 *	prune walks the keys in order from where the last prune stopped (the
 *	last key it visited, kept in memory only: a new process starts at
 *	the first key), wrapping round to the first key after the last.
 *
 *	Sizes come from LMDB's own counts, never the file's: size_bytes is
 *	the pages of the records' tree (and the two meta pages), not the
 *	pages LMDB keeps free for reuse, which the file never gives back;
 *	capacity_bytes is the map's size (store_lmdb_mapsize, STORE_MAPSIZE
 *	unless a test sets a small one), past which every write fails.
 */
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "store.h"
#include "maps.h"

#define LMDB_FILE	"verdicts.lmdb"	/* under state_dir */
#define STORE_MAPSIZE	(1ULL << 30)	/* address space, not disk: sparse */
#define LMDB_META_PAGES	2		/* LMDB's own pages at the file's start */
#define STORE_BATCH_MAX	512		/* records a commit at most */
#define STORE_BATCH_NS	(100ULL * 1000000)	/* a batch waits this long at most */

struct lmdb_store {
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;			/* the open batch, or NULL */
	unsigned batched;		/* records in it */
	__u64 flush_due_ns;		/* commit it then (now_ns clock) */
	struct mxg_key last;		/* the key prune visited last */
	int has_last;			/* 0: prune starts at the first key */
	char path[4096];		/* for messages */
};

/* The map's size for stores opened from now on (see store.h). */
size_t store_lmdb_mapsize = STORE_MAPSIZE;

/* fail - report an LMDB error about the store; returns -1 */
static int fail(const struct lmdb_store *st, const char *what, int rc)
{
	msg_warn("state %s: %s: %s", st->path, what, mdb_strerror(rc));
	return -1;
}

/* lmdb_flush - commit the open batch, if any */
static int lmdb_flush(void *impl)
{
	struct lmdb_store *st = impl;
	int rc;

	if (!st->txn)
		return 0;
	rc = mdb_txn_commit(st->txn);
	st->txn = NULL;
	st->batched = 0;
	return rc ? fail(st, "commit", rc) : 0;
}

/* lmdb_close - commit the batch, close the environment, free st */
static void lmdb_close(void *impl)
{
	struct lmdb_store *st = impl;

	if (st->env) {
		lmdb_flush(st);
		mdb_env_close(st->env);
	}
	free(st);
}

/* lmdb_open - open (with STORE_CREATE: create) state_dir/LMDB_FILE */
static int lmdb_open(void **impl, const char *state_dir, int flags,
		     char *where, size_t where_len)
{
	struct lmdb_store *st = calloc(1, sizeof(*st));
	MDB_txn *txn;
	int rc;

	if (!st) {
		msg_warn("state_dir %s: out of memory", state_dir);
		return -1;
	}
	if (snprintf(st->path, sizeof(st->path), "%s/" LMDB_FILE, state_dir) >=
	    (int)sizeof(st->path)) {
		msg_warn("state_dir %s: path too long", state_dir);
		free(st);
		return -1;
	}
	if (!(flags & STORE_CREATE) && access(st->path, F_OK) != 0 && errno == ENOENT) {
		free(st);
		return STORE_ABSENT;
	}
	if ((flags & STORE_CREATE) && mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		msg_warn("state_dir %s: %s", state_dir, strerror(errno));
		free(st);
		return -1;
	}
	rc = mdb_env_create(&st->env);
	if (rc) {
		st->env = NULL;
		fail(st, "create", rc);
		lmdb_close(st);
		return -1;
	}
	mdb_env_set_mapsize(st->env, store_lmdb_mapsize);
	/* NOMETASYNC: data pages are flushed at commit; a crash can lose
	 * the last commit but never corrupts the file. */
	rc = mdb_env_open(st->env, st->path, MDB_NOSUBDIR | MDB_NOMETASYNC, 0600);
	if (!rc)
		rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (!rc) {
		rc = mdb_dbi_open(txn, NULL, 0, &st->dbi);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	if (rc) {
		fail(st, "open", rc);
		lmdb_close(st);
		return -1;
	}
	snprintf(where, where_len, "%s", st->path);
	*impl = st;
	return 0;
}

/* lmdb_put - add r to the batch, committing a full one */
static int lmdb_put(void *impl, const struct mxg_key *k, const struct store_record *r)
{
	struct lmdb_store *st = impl;
	MDB_val key = { sizeof(*k), (void *)k }, val = { sizeof(*r), (void *)r };
	int rc;

	if (!st->txn) {
		rc = mdb_txn_begin(st->env, NULL, 0, &st->txn);
		if (rc) {
			st->txn = NULL;
			return fail(st, "write", rc);
		}
		st->flush_due_ns = now_ns() + STORE_BATCH_NS;
	}
	rc = mdb_put(st->txn, st->dbi, &key, &val, 0);
	if (rc) {
		/* The transaction is unusable now: what it held is lost. */
		mdb_txn_abort(st->txn);
		st->txn = NULL;
		st->batched = 0;
		return fail(st, "write", rc);
	}
	if (++st->batched >= STORE_BATCH_MAX)
		return lmdb_flush(st);
	return 0;
}

/* lmdb_delete - forget one key, in a transaction of its own */
static int lmdb_delete(void *impl, const struct mxg_key *k)
{
	struct lmdb_store *st = impl;
	MDB_val key = { sizeof(*k), (void *)k };
	MDB_txn *txn;
	int rc;

	if (lmdb_flush(st) < 0)
		return -1;
	rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc)
		return fail(st, "delete", rc);
	rc = mdb_del(txn, st->dbi, &key, NULL);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	return rc ? fail(st, "delete", rc) : 0;
}

/* lmdb_iterate - fn for every record, in one write transaction that also
 * deletes what fn drops and what cannot be read */
static int lmdb_iterate(void *impl, store_record_fn fn, void *ctx)
{
	struct lmdb_store *st = impl;
	unsigned unreadable = 0;
	MDB_cursor *cur;
	MDB_val key, val;
	MDB_txn *txn;
	int rc;

	if (lmdb_flush(st) < 0)
		return -1;
	rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (!rc) {
		rc = mdb_cursor_open(txn, st->dbi, &cur);
		if (rc)
			mdb_txn_abort(txn);
	}
	if (rc)
		return fail(st, "read", rc);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		struct store_record r;
		struct mxg_key k;

		if (key.mv_size != sizeof(k) ||
		    store_record_decode(&r, val.mv_data, val.mv_size) < 0) {
			mdb_cursor_del(cur, 0);
			unreadable++;
			continue;
		}
		memcpy(&k, key.mv_data, sizeof(k));
		if (fn(ctx, &k, &r) == STORE_DROP)
			mdb_cursor_del(cur, 0);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return fail(st, "read", rc);
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return fail(st, "cleanup", rc);
	if (unreadable)
		msg_warn("state %s: %u record(s) of a layout this mxgate does not "
			 "know dropped", st->path, unreadable);
	return 0;
}

/* prune_start - put cur on the first key after st->last, or on the first
 * key when there is none after it or no last; MDB_NOTFOUND: empty store */
static int prune_start(const struct lmdb_store *st, MDB_cursor *cur,
		       MDB_val *key, MDB_val *val)
{
	int rc;

	if (!st->has_last)
		return mdb_cursor_get(cur, key, val, MDB_FIRST);
	key->mv_size = sizeof(st->last);
	key->mv_data = (void *)&st->last;
	rc = mdb_cursor_get(cur, key, val, MDB_SET_RANGE);	/* first >= last */
	if (!rc && key->mv_size == sizeof(st->last) &&
	    memcmp(key->mv_data, &st->last, sizeof(st->last)) == 0)
		rc = mdb_cursor_get(cur, key, val, MDB_NEXT);
	return rc == MDB_NOTFOUND ? mdb_cursor_get(cur, key, val, MDB_FIRST) : rc;
}

/* prune_walk - fn for up to max records from where cur is, wrapping round
 * after the last key; deletes what fn drops and what cannot be read
 * (counted in *unreadable), keeps the last key fn saw in *last; returns
 * how many it visited, or -1 with the LMDB error in *err */
static int prune_walk(MDB_cursor *cur, unsigned max, store_record_fn fn, void *ctx,
		      struct mxg_key *last, unsigned *unreadable, int *err)
{
	MDB_val key, val;
	unsigned visited = 0;
	int rc;

	for (rc = mdb_cursor_get(cur, &key, &val, MDB_GET_CURRENT); !rc && visited < max;
	     visited++) {
		struct store_record r;

		if (key.mv_size != sizeof(*last) ||
		    store_record_decode(&r, val.mv_data, val.mv_size) < 0) {
			rc = mdb_cursor_del(cur, 0);
			++*unreadable;
		} else {
			memcpy(last, key.mv_data, sizeof(*last));
			rc = fn(ctx, last, &r) == STORE_DROP ? mdb_cursor_del(cur, 0) : 0;
		}
		/* After a delete the cursor's next is the record that followed. */
		if (!rc)
			rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
		if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
	}
	if (rc && rc != MDB_NOTFOUND) {
		*err = rc;
		return -1;
	}
	return (int)visited;
}

/* lmdb_prune - fn for up to max records after the one the previous prune
 * visited last, none twice, in one write transaction that also deletes
 * what fn drops and what cannot be read; returns how many it visited */
static int lmdb_prune(void *impl, unsigned max, store_record_fn fn, void *ctx)
{
	struct lmdb_store *st = impl;
	struct mxg_key last = st->last;
	unsigned unreadable = 0;
	MDB_cursor *cur = NULL;
	MDB_val key, val;
	MDB_stat ms;
	MDB_txn *txn;
	int rc, visited = 0;

	if (lmdb_flush(st) < 0)
		return -1;
	rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc)
		return fail(st, "prune", rc);
	rc = mdb_stat(txn, st->dbi, &ms);
	if (!rc)
		rc = mdb_cursor_open(txn, st->dbi, &cur);
	/* No more than the store holds: then no record is visited twice. */
	if (!rc && max > ms.ms_entries)
		max = (unsigned)ms.ms_entries;
	if (max > INT_MAX)
		max = INT_MAX;
	if (!rc && max > 0) {
		rc = prune_start(st, cur, &key, &val);
		if (!rc)
			visited = prune_walk(cur, max, fn, ctx, &last, &unreadable, &rc);
		else if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	if (cur)
		mdb_cursor_close(cur);
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	if (rc)
		return fail(st, "prune", rc);
	st->last = last;
	st->has_last |= visited > 0;
	if (unreadable)
		msg_warn("state %s: %u record(s) of a layout this mxgate does not "
			 "know dropped", st->path, unreadable);
	return visited;
}

/* lmdb_tick - commit the batch once it is STORE_BATCH_NS old */
static void lmdb_tick(void *impl, __u64 now)
{
	struct lmdb_store *st = impl;

	if (st->txn && now >= st->flush_due_ns)
		lmdb_flush(st);
}

/* lmdb_next_flush_ms - ms until the batch is due; -1: no batch */
static int lmdb_next_flush_ms(const void *impl, __u64 now)
{
	const struct lmdb_store *st = impl;

	if (!st->txn)
		return -1;
	return now >= st->flush_due_ns ? 0 :
		(int)((st->flush_due_ns - now + 999999) / 1000000);
}

/* tree_stat - LMDB's counts of the records' tree, the open batch's
 * records included */
static int tree_stat(const struct lmdb_store *st, MDB_stat *ms)
{
	if (st->txn)
		return mdb_stat(st->txn, st->dbi, ms);
	return mdb_env_stat(st->env, ms);
}

/* lmdb_size_bytes - the pages in use: the records' tree and the meta
 * pages, not the free pages the file keeps for reuse */
static long long lmdb_size_bytes(const void *impl)
{
	const struct lmdb_store *st = impl;
	MDB_stat ms;

	if (tree_stat(st, &ms))
		return -1;
	return (long long)(LMDB_META_PAGES + ms.ms_branch_pages + ms.ms_leaf_pages +
			   ms.ms_overflow_pages) * ms.ms_psize;
}

/* lmdb_records - the records in the store, the open batch's included */
static long long lmdb_records(const void *impl)
{
	const struct lmdb_store *st = impl;
	MDB_stat ms;

	return tree_stat(st, &ms) ? -1 : (long long)ms.ms_entries;
}

/* lmdb_capacity_bytes - the map's size: what the pages in use can grow to */
static long long lmdb_capacity_bytes(const void *impl)
{
	const struct lmdb_store *st = impl;
	MDB_envinfo info;

	return mdb_env_info(st->env, &info) ? -1 : (long long)info.me_mapsize;
}

const struct store_ops store_lmdb_ops = {
	.name = "lmdb",
	.open = lmdb_open,
	.put = lmdb_put,
	.delete = lmdb_delete,
	.iterate = lmdb_iterate,
	.flush = lmdb_flush,
	.tick = lmdb_tick,
	.next_flush_ms = lmdb_next_flush_ms,
	.prune = lmdb_prune,
	.size_bytes = lmdb_size_bytes,
	.records = lmdb_records,
	.capacity_bytes = lmdb_capacity_bytes,
	.close = lmdb_close,
};
