/* SPDX-License-Identifier: GPL-2.0-or-later */
/* store.c - learned verdicts in LMDB; see store.h for the contract. */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/bpf.h>
#include "log.h"
#include "store.h"
#include "maps.h"

#define NS_PER_S	1000000000ULL
#define STORE_MAPSIZE	(1ULL << 30)	/* address space, not disk: sparse */
#define STORE_BATCH_MAX	512		/* records a commit at most */
#define STORE_BATCH_NS	(100ULL * 1000000)	/* a batch waits this long at most */

/* On disk: the verdict with wall-clock times, fixed layout. */
struct stored_verdict {
	__u64 set_wall_ns;		/* CLOCK_REALTIME when decided */
	__u64 expires_wall_ns;		/* CLOCK_REALTIME when it lapses */
	__u32 reasons;
	__s32 dnsbl_score;
	__u32 action;
	__u32 pad;
};

/* wall_ns - CLOCK_REALTIME in ns */
static __u64 wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

/* fail - report an LMDB error about the store; returns -1 */
static int fail(const struct store *s, const char *what, int rc)
{
	msg_warn("state %s: %s: %s", s->path, what, mdb_strerror(rc));
	return -1;
}

/* store_open - create or open state_dir/verdicts.lmdb */
int store_open(struct store *s, const char *state_dir)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s/verdicts.lmdb", state_dir);
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		msg_warn("state_dir %s: %s", state_dir, strerror(errno));
		return -1;
	}
	rc = mdb_env_create((MDB_env **)&s->env);
	if (rc)
		return fail(s, "create", rc);
	mdb_env_set_mapsize(s->env, STORE_MAPSIZE);
	/* NOMETASYNC: data pages are flushed at commit; a crash can lose
	 * the last commit but never corrupts the file. */
	rc = mdb_env_open(s->env, s->path, MDB_NOSUBDIR | MDB_NOMETASYNC, 0600);
	if (!rc)
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (!rc) {
		rc = mdb_dbi_open(txn, NULL, 0, &dbi);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	if (rc) {
		fail(s, "open", rc);
		store_close(s);
		return -1;
	}
	s->dbi = dbi;
	return 0;
}

/* store_put - record one verdict, wall-clock times */
int store_put(struct store *s, const struct mxg_key *k, const struct mxg_verdict *v)
{
	__u64 now_w = wall_ns(), now_m = now_ns();
	struct stored_verdict sv = {
		.set_wall_ns = now_w - (now_m > v->decided_ns ? now_m - v->decided_ns : 0),
		.expires_wall_ns = now_w + (v->expires_ns > now_m ? v->expires_ns - now_m : 0),
		.reasons = v->reasons, .dnsbl_score = v->dnsbl_score,
		.action = (__u32)v->action,
	};
	MDB_val key = { sizeof(*k), (void *)k }, val = { sizeof(sv), &sv };
	int rc;

	if (!s->env)
		return -1;
	if (!s->txn) {
		rc = mdb_txn_begin(s->env, NULL, 0, (MDB_txn **)&s->txn);
		if (rc) {
			s->txn = NULL;
			return fail(s, "write", rc);
		}
		s->flush_due_ns = now_m + STORE_BATCH_NS;
	}
	rc = mdb_put(s->txn, s->dbi, &key, &val, 0);
	if (rc) {
		/* The transaction is unusable now: what it held is lost. */
		mdb_txn_abort(s->txn);
		s->txn = NULL;
		s->batched = 0;
		return fail(s, "write", rc);
	}
	if (++s->batched >= STORE_BATCH_MAX)
		return store_flush(s);
	return 0;
}

/* store_flush - commit the open batch, if any */
int store_flush(struct store *s)
{
	int rc;

	if (!s->txn)
		return 0;
	rc = mdb_txn_commit(s->txn);
	s->txn = NULL;
	s->batched = 0;
	return rc ? fail(s, "commit", rc) : 0;
}

/* store_tick - commit the batch once it is STORE_BATCH_NS old */
void store_tick(struct store *s, __u64 now)
{
	if (s->txn && now >= s->flush_due_ns)
		store_flush(s);
}

/* store_next_flush_ms - how long the event loop may sleep; -1: no batch */
int store_next_flush_ms(const struct store *s, __u64 now)
{
	if (!s->txn)
		return -1;
	return now >= s->flush_due_ns ? 0 :
		(int)((s->flush_due_ns - now + 999999) / 1000000);
}

/* store_delete - forget one key; absent is fine */
int store_delete(struct store *s, const struct mxg_key *k)
{
	MDB_val key = { sizeof(*k), (void *)k };
	MDB_txn *txn;
	int rc;

	if (!s->env || store_flush(s) < 0)
		return -1;
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return fail(s, "delete", rc);
	rc = mdb_del(txn, s->dbi, &key, NULL);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	return rc ? fail(s, "delete", rc) : 0;
}

/* store_restore - unexpired records missing from the map go back in */
int store_restore(struct store *s, int verdicts_fd, unsigned *restored,
		  unsigned *expired)
{
	__u64 now_w = wall_ns(), now_m = now_ns();
	MDB_cursor *cur;
	MDB_val key, val;
	MDB_txn *txn;
	int rc;

	*restored = *expired = 0;
	if (!s->env)
		return -1;
	if (store_flush(s) < 0)
		return -1;
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (!rc)
		rc = mdb_cursor_open(txn, s->dbi, &cur);
	if (rc)
		return fail(s, "read", rc);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		struct stored_verdict sv;
		struct mxg_verdict v = { 0 };
		struct mxg_key k;

		if (key.mv_size != sizeof(k) || val.mv_size != sizeof(sv)) {
			mdb_cursor_del(cur, 0);	/* not ours: another layout */
			continue;
		}
		memcpy(&k, key.mv_data, sizeof(k));
		memcpy(&sv, val.mv_data, sizeof(sv));
		if (sv.expires_wall_ns <= now_w) {
			mdb_cursor_del(cur, 0);
			(*expired)++;
			continue;
		}
		v.expires_ns = now_m + (sv.expires_wall_ns - now_w);
		v.decided_ns = now_m - (now_w > sv.set_wall_ns ?
				    (now_w - sv.set_wall_ns < now_m ? now_w - sv.set_wall_ns : now_m) : 0);
		v.reasons = sv.reasons;
		v.dnsbl_score = sv.dnsbl_score;
		v.action = (enum mxg_action)sv.action;
		/* A verdict the kernel still holds is newer than ours. */
		if (bpf_map_update_elem(verdicts_fd, &k, &v, BPF_NOEXIST) == 0)
			(*restored)++;
	}
	mdb_cursor_close(cur);
	rc = mdb_txn_commit(txn);
	return rc ? fail(s, "cleanup", rc) : 0;
}

/* store_close - close the environment */
void store_close(struct store *s)
{
	if (s->env) {
		store_flush(s);
		mdb_env_close(s->env);
	}
	s->env = NULL;
}
