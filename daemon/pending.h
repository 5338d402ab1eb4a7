/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	pending - sources being classified, with the SYNs they hold
 * SYNOPSIS
 *	int pending_init(struct pending_table *t, unsigned max);
 *	struct pending *pending_find(struct pending_table *t, const struct mxg_key *k);
 *	struct pending *pending_add(struct pending_table *t, const struct mxg_key *k,
 *				    const struct mxg_key *prefix, __u64 now_ns,
 *				    __u64 deadline_ns);
 *	unsigned pending_prefix_count(struct pending_table *t,
 *				      const struct mxg_key *prefix);
 *	int pending_hold(struct pending *p, __u32 packet_id, __u32 mark);
 *	struct pending *pending_oldest(struct pending_table *t);
 *	void pending_remove(struct pending_table *t, struct pending *p);
 *	void pending_free(struct pending_table *t);
 * DESCRIPTION
 *	A SYN from a source without a verdict starts one classification; the
 *	client's kernel retransmits the SYN after 1 s, 3 s, 7 s..., and every
 *	retransmit that arrives while the source is still pending joins it
 *	(pending_hold) instead of starting another lookup. When the verdict is
 *	in, every held packet is released with it.
 *
 *	The table is a fixed-size chained hash (no allocation after
 *	pending_init), capped at max entries: pending_add() returns NULL when
 *	full. Entries are also kept in a list in insertion order; since every
 *	entry gets the same decision_timeout, that is deadline order, so
 *	pending_oldest() is the next entry to time out.
 *
 *	pending_add() also counts the entry under prefix (its network, as
 *	the caller chooses it; NULL: not counted) until it is removed;
 *	pending_prefix_count() says how many entries a prefix has, so that
 *	one network cannot fill the table.
 *
 *	pending_hold() returns 0, or -1 when the entry already holds
 *	PENDING_MAX_HELD packets (the caller drops the packet; the client
 *	retransmits it later anyway).
 */
#ifndef MXG_PENDING_H
#define MXG_PENDING_H

#include <linux/types.h>
#include "mxgate.h"
#include "dnsbl.h"
#include "policy.h"
#include "resolve.h"

#define PENDING_MAX_HELD 8

struct classifier;

/* How many entries one network has in the table. */
struct pending_prefix {
	struct mxg_key key;		/* the network */
	unsigned count;			/* its entries */
	struct pending_prefix *next;	/* bucket chain, or free list */
};

struct pending {
	struct mxg_key key;		/* the source being classified */
	struct classifier *owner;	/* the pipeline it belongs to */
	__u64 started_ns;		/* first SYN queued */
	__u64 arrived_ns;		/* first SYN's arrival (fine clock) */
	__u64 dns_started_ns;		/* its lookups started (fine clock) */
	__u64 deadline_ns;		/* decide by then with what we have */
	__u64 deciding_ns;		/* the decision began (fine clock) */
	__u32 held_ids[PENDING_MAX_HELD]; /* NFQUEUE packet ids to release */
	__u32 held_marks[PENDING_MAX_HELD]; /* their skb marks on arrival */
	unsigned n_held;		/* valid entries in held_ids */
	unsigned syns;			/* SYNs seen, including dropped extras */
	unsigned todo;			/* SIG_BIT()s of signals started */
	unsigned done;			/* ... and of those that answered */
	struct evidence ev;		/* what the signals found so far */
	struct resolve_req *fcrdns_req;	/* FCrDNS lookup, NULL when done */
	struct dnsbl_req *dnsbl_req;	/* DNS list queries, NULL when done */
	struct pending_prefix *prefix;	/* its network's count, or NULL */
	int proven;			/* completed a handshake (responder) */
	struct pending *hash_next;	/* bucket chain */
	struct pending *older, *newer;	/* insertion (deadline) order */
	struct pending *free_next;	/* free list link when unused */
};

struct pending_table {
	struct pending *slots;		/* max preallocated entries */
	struct pending **buckets;	/* hash heads, n_buckets of them */
	unsigned n_buckets;		/* power of two */
	unsigned count, max;		/* entries in use, capacity */
	struct pending *free;		/* unused entries */
	struct pending *oldest, *newest; /* ends of the deadline list */
	struct pending_prefix *prefixes; /* max preallocated counts */
	struct pending_prefix **prefix_buckets; /* n_buckets hash heads */
	struct pending_prefix *free_prefixes;
};

int pending_init(struct pending_table *t, unsigned max);
struct pending *pending_find(struct pending_table *t, const struct mxg_key *k);
struct pending *pending_add(struct pending_table *t, const struct mxg_key *k,
			    const struct mxg_key *prefix, __u64 now_ns, __u64 deadline_ns);
unsigned pending_prefix_count(struct pending_table *t, const struct mxg_key *prefix);
int pending_hold(struct pending *p, __u32 packet_id, __u32 mark);
struct pending *pending_oldest(struct pending_table *t);
void pending_remove(struct pending_table *t, struct pending *p);
void pending_free(struct pending_table *t);

#endif /* MXG_PENDING_H */
