/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	store - learned verdicts on disk (LMDB), for reboots and map wipes
 * SYNOPSIS
 *	int store_open(struct store *s, const char *state_dir);
 *	int store_put(struct store *s, const struct mxg_key *k,
 *		      const struct mxg_verdict *v);
 *	int store_flush(struct store *s);
 *	void store_tick(struct store *s, __u64 now);
 *	int store_next_flush_ms(const struct store *s, __u64 now);
 *	int store_delete(struct store *s, const struct mxg_key *k);
 *	int store_restore(struct store *s, int verdicts_fd, unsigned *restored,
 *			  unsigned *expired);
 *	void store_close(struct store *s);
 * DESCRIPTION
 *	The pinned maps keep verdicts across daemon restarts; this store
 *	keeps the ones worth learning (pass and greylist) across reboots
 *	and map wipes, in state_dir/verdicts.lmdb. Times are stored as wall
 *	clock, since the kernel's monotonic clock restarts at boot.
 *
 *	store_put() records v (or replaces the record) in the open batch: a
 *	write transaction committed by store_flush(), by the put that makes
 *	it STORE_BATCH_MAX records, or by store_tick() once it is
 *	STORE_BATCH_NS old (the event loop sleeps at most
 *	store_next_flush_ms()). One commit, with its disk flush, per record
 *	cost more than the rest of a classification. LMDB's copy-on-write
 *	pages keep the file consistent whatever happens mid-write
 *	(crash-safe); a machine crash loses at most the open batch, and a
 *	daemon crash nothing the pinned maps do not still hold.
 *	store_delete() and store_close() commit the batch first.
 *	store_delete() forgets k.
 *	store_restore() writes every unexpired record whose key is missing
 *	from the verdicts map into it (converted back to the monotonic
 *	clock) and drops expired records. Functions return 0 or -1 after a
 *	msg_warn naming the file.
 */
#ifndef MXG_STORE_H
#define MXG_STORE_H

#include <linux/types.h>
#include "mxgate.h"

struct store {
	void *env;			/* MDB_env */
	unsigned dbi;			/* MDB_dbi */
	void *txn;			/* MDB_txn of the open batch, or NULL */
	unsigned batched;		/* records in it */
	__u64 flush_due_ns;		/* commit it then (now_ns clock) */
	char path[4096];		/* for messages */
};

int store_open(struct store *s, const char *state_dir);
int store_put(struct store *s, const struct mxg_key *k, const struct mxg_verdict *v);
int store_flush(struct store *s);
void store_tick(struct store *s, __u64 now);
int store_next_flush_ms(const struct store *s, __u64 now);
int store_delete(struct store *s, const struct mxg_key *k);
int store_restore(struct store *s, int verdicts_fd, unsigned *restored,
		  unsigned *expired);
void store_close(struct store *s);

#endif /* MXG_STORE_H */
