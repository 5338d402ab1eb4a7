/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c - the store interface: the one place where verdict times change
 * clocks (monotonic in the kernel, wall clock in a store), where a
 * record's expiry is judged and where the store is kept from filling
 * (making room); the backends only keep records. See store.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "store.h"
#include "maps.h"

#define STORE_FULL_PCT	90	/* pages in use that make prune make room, % */
#define STORE_ROOM_PCT	80	/* what it makes room down to, % */
#define ROOM_BUCKETS	4096	/* expiries told apart in one census walk */
#define ROOM_ROUNDS	4	/* censuses by bucket at most, to place the cut */
#define ROOM_TXN_RECORDS 16384	/* records a transaction making room visits */
#define ROOM_TXN_MIN	64	/* ... at least, deleting near the end of the map */
#define ROOM_SLICE	128	/* making room, a call visits this many times
				 * max_records: most visits only read */

/* record_of - v as a store keeps it. A past decision or report stays in
 * the past; an expiry already over is "now", so the next iterate drops it. */
static void record_of(const struct mxg_verdict *v, const struct clock_pair *c,
		      struct store_record *r)
{
	memset(r, 0, sizeof(*r));
	r->decided_wall_ns = clock_to_wall(v->decided_ns < c->mono ? v->decided_ns : c->mono, c);
	r->expires_wall_ns = clock_to_wall(v->expires_ns > c->mono ? v->expires_ns : c->mono, c);
	r->reported_wall_ns = v->reported_ns ? clock_to_wall(v->reported_ns, c) : 0;
	r->reasons = v->reasons;
	r->dnsbl_score = v->dnsbl_score;
	r->action = (__u32)v->action;
	r->hits = v->hits;
}

/* verdict_of - a stored record back on the monotonic clock, hits as
 * they were written. reported 0 stays "never". */
static void verdict_of(const struct store_record *r, const struct clock_pair *c,
		       struct mxg_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->decided_ns = clock_to_mono(r->decided_wall_ns < c->wall ? r->decided_wall_ns : c->wall, c);
	v->expires_ns = clock_to_mono(r->expires_wall_ns, c);
	v->reported_ns = r->reported_wall_ns ? clock_to_mono(r->reported_wall_ns, c) : 0;
	v->reasons = r->reasons;
	v->dnsbl_score = r->dnsbl_score;
	v->action = (enum mxg_action)r->action;
	v->hits = r->hits;
}

/* store_record_decode - a record from its bytes: fields a shorter (older)
 * record lacks are 0, fields a longer (newer) one adds are ignored */
int store_record_decode(struct store_record *r, const void *data, size_t len)
{
	if (len < STORE_RECORD_V1_SIZE)
		return -1;
	memset(r, 0, sizeof(*r));
	memcpy(r, data, len < sizeof(*r) ? len : sizeof(*r));
	return 0;
}

/* store_open - open the backend's store under state_dir */
int store_open(struct store *s, const struct store_ops *ops,
	       const char *state_dir, int flags)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = ops->open(&s->impl, state_dir, flags, s->where, sizeof(s->where));
	if (rc == 0)
		s->ops = ops;
	return rc;
}

/* store_put - record v under k, times on the wall clock */
int store_put(struct store *s, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct clock_pair c = clock_pair_now();
	struct store_record r;

	if (!s->ops)
		return -1;
	record_of(v, &c, &r);
	return s->ops->put(s->impl, k, &r);
}

/* store_delete - forget k */
int store_delete(struct store *s, const struct mxg_key *k)
{
	return s->ops ? s->ops->delete(s->impl, k) : -1;
}

/* What store_iterate's own visitor needs. */
struct visit {
	store_verdict_fn fn;		/* the caller's */
	void *ctx;			/* its context */
	struct clock_pair now;		/* one reading for the whole walk */
	int expired;			/* records dropped */
};

/* visit_record - an expired record is dropped, any other handed on */
static int visit_record(void *ctx, const struct mxg_key *k,
			const struct store_record *r)
{
	struct visit *vi = ctx;
	struct mxg_verdict v;

	if (r->expires_wall_ns <= vi->now.wall) {
		vi->expired++;
		return STORE_DROP;
	}
	verdict_of(r, &vi->now, &v);
	vi->fn(vi->ctx, k, &v);
	return STORE_KEEP;
}

/* store_iterate - fn for every unexpired verdict; returns how many expired
 * records were dropped, or -1 */
int store_iterate(struct store *s, store_verdict_fn fn, void *ctx)
{
	struct visit vi = { fn, ctx, clock_pair_now(), 0 };

	if (!s->ops || s->ops->iterate(s->impl, visit_record, &vi) < 0)
		return -1;
	return vi.expired;
}

/* What store_prune's sweep needs. */
struct sweep {
	__u64 wall;			/* now on the wall clock */
	int expired;			/* records dropped */
};

/* sweep_record - drop an expired record */
static int sweep_record(void *ctx, const struct mxg_key *k, const struct store_record *r)
{
	struct sweep *sw = ctx;

	(void)k;
	if (r->expires_wall_ns > sw->wall)
		return STORE_KEEP;
	sw->expired++;
	return STORE_DROP;
}

/* The order in which room is made: the expired, then greylists (and any
 * action but pass: only pass and greylist are learned), then passes. */
enum room_rank { ROOM_EXPIRED, ROOM_GREY, ROOM_PASS, ROOM_RANKS };

/* The walks of one making of room, in order. */
enum room_walk { ROOM_COUNT, ROOM_SPREAD, ROOM_DROP };

/* Making room: a census of the store, then the cut between the records
 * that go and those that stay, then the deleting walk. One walk goes
 * round the whole store from where the sweep stood, over several calls
 * of store_prune() when the store is large. */
struct store_room {
	__u64 wall;			/* now on the wall clock, for the whole job */
	long long records;		/* records when it began */
	long long used, cap;		/* size and capacity then */
	long long excess;		/* records to go */
	unsigned drop_txn;		/* records a deleting transaction visits */
	enum room_walk walk;		/* the walk under way */
	long long walk_left;		/* visits left in it */
	int round;			/* ROOM_SPREAD walks done */
	long long count[ROOM_RANKS];	/* census: records of each rank */
	__u64 soonest[ROOM_RANKS];	/* their soonest expiry */
	__u64 latest[ROOM_RANKS];	/* their latest */
	enum room_rank cut_rank;	/* ranks before go whole, this one in part */
	__u64 lo;			/* its expiries before lo go */
	__u64 width;			/* from lo on, ns a bucket */
	long long bucket[ROOM_BUCKETS];	/* its records per bucket of expiry */
	int cut;			/* buckets before go whole, this one in part */
	long long cut_left;		/* records of bucket cut still to go */
	long long to_drop;		/* records still to go, all ranks */
	long long dropped[ROOM_RANKS];	/* records gone, by rank */
};

/* room_rank - where r stands in the order of going */
static enum room_rank room_rank(const struct store_room *rm, const struct store_record *r)
{
	if (r->expires_wall_ns <= rm->wall)
		return ROOM_EXPIRED;
	return r->action == MXG_ACT_PASS ? ROOM_PASS : ROOM_GREY;
}

/* room_bucket - the bucket of r's expiry in the cut rank: -1 before lo,
 * ROOM_BUCKETS past the last */
static int room_bucket(const struct store_room *rm, const struct store_record *r)
{
	__u64 b;

	if (r->expires_wall_ns < rm->lo)
		return -1;
	b = (r->expires_wall_ns - rm->lo) / rm->width;
	return b < ROOM_BUCKETS ? (int)b : ROOM_BUCKETS;
}

/* room_count - the first census: records, soonest and latest expiry by rank */
static int room_count(void *ctx, const struct mxg_key *k, const struct store_record *r)
{
	struct store_room *rm = ctx;
	enum room_rank rank = room_rank(rm, r);
	__u64 e = r->expires_wall_ns;

	(void)k;
	if (rm->count[rank]++ == 0 || e < rm->soonest[rank])
		rm->soonest[rank] = e;
	if (e > rm->latest[rank])
		rm->latest[rank] = e;
	return STORE_KEEP;
}

/* room_spread - the later censuses: the cut rank's records by bucket of
 * expiry, from lo on */
static int room_spread(void *ctx, const struct mxg_key *k, const struct store_record *r)
{
	struct store_room *rm = ctx;
	int b;

	(void)k;
	if (room_rank(rm, r) != rm->cut_rank)
		return STORE_KEEP;
	b = room_bucket(rm, r);
	if (b >= 0 && b < ROOM_BUCKETS)
		rm->bucket[b]++;
	return STORE_KEEP;
}

/* room_drop - the deleting walk: drop what comes before the cut, and of
 * the bucket it falls in, the first cut_left met */
static int room_drop(void *ctx, const struct mxg_key *k, const struct store_record *r)
{
	struct store_room *rm = ctx;
	enum room_rank rank = room_rank(rm, r);
	int go = rank == ROOM_EXPIRED || rank < rm->cut_rank;

	(void)k;
	if (!go && rank == rm->cut_rank) {
		int b = room_bucket(rm, r);

		go = b < rm->cut || (b == rm->cut && rm->cut_left > 0);
		if (go && b == rm->cut)
			rm->cut_left--;
	}
	if (!go)
		return STORE_KEEP;
	rm->dropped[rank]++;
	rm->to_drop--;
	return STORE_DROP;
}

/* room_cut - from the first census, where to cut so that excess records
 * go (or every expired one, if more); sets cut_rank and to_drop; 1 when
 * the cut falls inside a rank and censuses by bucket must place it */
static int room_cut(struct store_room *rm)
{
	long long left = rm->excess;

	rm->to_drop = 0;
	for (rm->cut_rank = ROOM_EXPIRED; rm->cut_rank < ROOM_PASS; rm->cut_rank++) {
		if (left <= rm->count[rm->cut_rank] && rm->cut_rank != ROOM_EXPIRED)
			break;
		left -= rm->count[rm->cut_rank];
		rm->to_drop += rm->count[rm->cut_rank];
		if (left <= 0)
			return 0;	/* the expired are room enough */
	}
	if (left > rm->count[rm->cut_rank])
		left = rm->count[rm->cut_rank];
	rm->cut_left = left;
	rm->to_drop += left;
	rm->lo = rm->soonest[rm->cut_rank];
	rm->width = (rm->latest[rm->cut_rank] - rm->lo) / ROOM_BUCKETS + 1;
	return 1;
}

/* room_place - from a census by bucket, the bucket the cut falls in and
 * how many of its records go; 1 when a finer census of that bucket would
 * tell its records apart */
static int room_place(struct store_room *rm)
{
	for (rm->cut = 0; rm->cut < ROOM_BUCKETS - 1; rm->cut++) {
		if (rm->cut_left <= rm->bucket[rm->cut])
			break;
		rm->cut_left -= rm->bucket[rm->cut];
	}
	return rm->cut_left < rm->bucket[rm->cut] && rm->width > 1;
}

/* room_narrow - the next census looks into bucket cut only */
static void room_narrow(struct store_room *rm)
{
	rm->lo += (__u64)rm->cut * rm->width;
	rm->width = (rm->width + ROOM_BUCKETS - 1) / ROOM_BUCKETS;
	memset(rm->bucket, 0, sizeof(rm->bucket));
}

/* room_txn_records - records a deleting transaction may visit: every
 * page it changes is copied (LMDB writes no page in place), and the
 * copies must fit in a quarter of the pages still free */
static unsigned room_txn_records(long long records, long long used, long long cap)
{
	double fit = (double)(cap - used) / 4 * (double)records / (double)used;

	if (fit < ROOM_TXN_MIN)
		return ROOM_TXN_MIN;
	return fit > ROOM_TXN_RECORDS ? ROOM_TXN_RECORDS : (unsigned)fit;
}

/* room_start - a job that makes room until the records left would fill
 * STORE_ROOM_PCT of cap at used bytes for records; NULL when out of memory */
static struct store_room *room_start(const struct store *s, __u64 wall, long long records,
				     long long used, long long cap)
{
	struct store_room *rm = calloc(1, sizeof(*rm));

	if (!rm) {
		msg_warn("state %s: out of memory to make room", s->where);
		return NULL;
	}
	rm->wall = wall;
	rm->records = records;
	rm->used = used;
	rm->cap = cap;
	rm->excess = records -
		(long long)((double)records * STORE_ROOM_PCT / 100 * cap / used);
	rm->drop_txn = room_txn_records(records, used, cap);
	rm->walk = ROOM_COUNT;
	rm->walk_left = records;
	return rm;
}

/* room_walk_on - the walk under way, up to budget visits; returns how
 * many, or -1 */
static long long room_walk_on(struct store *s, struct store_room *rm, long long budget)
{
	static const store_record_fn fns[] = {
		[ROOM_COUNT] = room_count, [ROOM_SPREAD] = room_spread, [ROOM_DROP] = room_drop,
	};
	unsigned txn = rm->walk == ROOM_DROP ? rm->drop_txn : ROOM_TXN_RECORDS;
	long long done = 0;

	while (done < budget && rm->walk_left > 0) {
		long long want = budget - done < rm->walk_left ? budget - done : rm->walk_left;
		int n = s->ops->prune(s->impl, want < txn ? (unsigned)want : txn,
				      fns[rm->walk], rm);

		if (n < 0)
			return -1;
		rm->walk_left = n == 0 ? 0 : rm->walk_left - n;	/* 0: emptied */
		if (rm->walk == ROOM_DROP && rm->to_drop <= 0)
			rm->walk_left = 0;
		done += n;
	}
	return done;
}

/* room_next - the walk after the one just over; 1 when that was the last */
static int room_next(struct store *s, struct store_room *rm)
{
	if (rm->walk == ROOM_DROP)
		return 1;
	if (rm->walk == ROOM_COUNT)
		rm->walk = room_cut(rm) ? ROOM_SPREAD : ROOM_DROP;
	else if (room_place(rm) && ++rm->round < ROOM_ROUNDS)
		room_narrow(rm);
	else
		rm->walk = ROOM_DROP;
	rm->walk_left = s->ops->records(s->impl);
	return 0;
}

/* room_done - the job is over: say what it dropped, remember when room
 * was made (see room_due), free it */
static void room_done(struct store *s)
{
	struct store_room *rm = s->room;
	long long total = rm->dropped[ROOM_EXPIRED] + rm->dropped[ROOM_GREY] +
			  rm->dropped[ROOM_PASS];

	msg_warn("state %s: %lld of %lld KiB in use: %lld record(s) dropped to make room "
		 "(%lld expired, %lld greylist, %lld pass), %lld left", s->where,
		 rm->used / 1024, rm->cap / 1024, total, rm->dropped[ROOM_EXPIRED],
		 rm->dropped[ROOM_GREY], rm->dropped[ROOM_PASS], store_records(s));
	s->room_records = (long long)((double)rm->records * STORE_FULL_PCT / 100 *
				      rm->cap / rm->used);
	s->room_used = rm->used;
	free(rm);
	s->room = NULL;
}

/* room_work - the job on, up to ROOM_SLICE * max_records visits; returns
 * how many records it dropped, or -1 (the job given up) */
static int room_work(struct store *s, unsigned max_records)
{
	struct store_room *rm = s->room;
	long long budget = (long long)max_records * ROOM_SLICE;
	long long before = rm->dropped[ROOM_EXPIRED] + rm->dropped[ROOM_GREY] +
			   rm->dropped[ROOM_PASS];
	long long dropped;

	while (budget > 0) {
		long long n = room_walk_on(s, rm, budget);

		if (n < 0) {
			free(rm);
			s->room = NULL;
			return -1;
		}
		budget -= n;
		if (rm->walk_left <= 0 && room_next(s, rm))
			break;
	}
	dropped = rm->dropped[ROOM_EXPIRED] + rm->dropped[ROOM_GREY] +
		  rm->dropped[ROOM_PASS] - before;
	if (rm->walk == ROOM_DROP && rm->walk_left <= 0)
		room_done(s);
	return (int)dropped;
}

/* room_due - must prune make room? The pages in use are at the mark, and
 * (since deleting records seldom frees whole pages) the records are back
 * to the count that filled the mark the last time room was made, or the
 * pages have grown by a quarter of what was left free then. Below the
 * mark, forget both. */
static int room_due(struct store *s, long long records, long long used, long long cap)
{
	if (records <= 0 || used <= 0 || cap <= 0)
		return 0;
	if (used * 100 < cap * STORE_FULL_PCT) {
		s->room_records = 0;
		s->room_used = 0;
		return 0;
	}
	return s->room_records == 0 || records >= s->room_records ||
	       used >= s->room_used + (cap - s->room_used) / 4;
}

/* store_prune - drop the expired among the next max_records records, and
 * make room when the store is at the mark (a job that goes on in the
 * calls after, instead of their sweep); returns how many records it
 * deleted, or -1 */
int store_prune(struct store *s, __u64 now, unsigned max_records)
{
	struct clock_pair c = clock_pair_now();
	struct sweep sw = { clock_to_wall(now, &c), 0 };
	long long records, used, cap;
	int room;

	if (!s->ops)
		return -1;
	if (s->room)
		return room_work(s, max_records);
	if (s->ops->prune(s->impl, max_records, sweep_record, &sw) < 0)
		return -1;
	records = s->ops->records(s->impl);
	used = s->ops->size_bytes(s->impl);
	cap = s->ops->capacity_bytes(s->impl);
	if (!room_due(s, records, used, cap))
		return sw.expired;
	s->room = room_start(s, sw.wall, records, used, cap);
	room = s->room ? room_work(s, max_records) : -1;
	return room < 0 ? -1 : sw.expired + room;
}

/* store_flush - make every put so far durable */
int store_flush(struct store *s)
{
	return s->ops ? s->ops->flush(s->impl) : -1;
}

/* store_tick - let the backend flush what has waited long enough */
void store_tick(struct store *s, __u64 now)
{
	if (s->ops)
		s->ops->tick(s->impl, now);
}

/* store_next_flush_ms - how long the event loop may sleep; -1: no limit */
int store_next_flush_ms(const struct store *s, __u64 now)
{
	return s->ops ? s->ops->next_flush_ms(s->impl, now) : -1;
}

/* store_size_bytes - what the store occupies; -1 when unknown */
long long store_size_bytes(const struct store *s)
{
	return s->ops ? s->ops->size_bytes(s->impl) : -1;
}

/* store_capacity_bytes - what the store can occupy at most; -1 when unknown */
long long store_capacity_bytes(const struct store *s)
{
	return s->ops ? s->ops->capacity_bytes(s->impl) : -1;
}

/* store_records - how many records the store holds; -1 when unknown */
long long store_records(const struct store *s)
{
	return s->ops ? s->ops->records(s->impl) : -1;
}

/* store_close - flush and close (a job making room is given up); the
 * store is closed after */
void store_close(struct store *s)
{
	if (s->ops) {
		free(s->room);
		s->ops->close(s->impl);
	}
	s->ops = NULL;
	s->impl = NULL;
	s->room = NULL;
}
