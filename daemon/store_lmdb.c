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
 *	drops it and says how many it dropped.
 */
#include <errno.h>
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
#define STORE_BATCH_MAX	512		/* records a commit at most */
#define STORE_BATCH_NS	(100ULL * 1000000)	/* a batch waits this long at most */

struct lmdb_store {
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;			/* the open batch, or NULL */
	unsigned batched;		/* records in it */
	__u64 flush_due_ns;		/* commit it then (now_ns clock) */
	char path[4096];		/* for messages */
};

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
	mdb_env_set_mapsize(st->env, STORE_MAPSIZE);
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

/* lmdb_size_bytes - the pages of the file in use (the file is sparse) */
static long long lmdb_size_bytes(const void *impl)
{
	const struct lmdb_store *st = impl;
	MDB_envinfo info;
	MDB_stat stat;

	if (mdb_env_info(st->env, &info) || mdb_env_stat(st->env, &stat))
		return -1;
	return (long long)(info.me_last_pgno + 1) * stat.ms_psize;
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
	.size_bytes = lmdb_size_bytes,
	.close = lmdb_close,
};
