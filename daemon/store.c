/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c - the store interface: the one place where verdict times change
 * clocks (monotonic in the kernel, wall clock in a store) and where a
 * record's expiry is judged; the backends only keep records. See store.h.
 */
#include <string.h>
#include <time.h>
#include "store.h"
#include "maps.h"

#define NS_PER_S	1000000000ULL

/* Both clocks, read together: one conversion uses one pair. */
struct clocks {
	__u64 wall;		/* CLOCK_REALTIME, ns */
	__u64 mono;		/* now_ns(): the tc program's clock */
};

/* clocks_now - the two clocks, now */
static struct clocks clocks_now(void)
{
	struct clocks c;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c.wall = (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
	c.mono = now_ns();
	return c;
}

/* to_wall - a monotonic time as wall-clock time */
static __u64 to_wall(__u64 mono, const struct clocks *c)
{
	return mono <= c->mono ? c->wall - (c->mono - mono) : c->wall + (mono - c->mono);
}

/* to_mono - a wall-clock time as monotonic time; a time before boot
 * becomes 0, the boot (the monotonic clock cannot say earlier) */
static __u64 to_mono(__u64 wall, const struct clocks *c)
{
	if (wall >= c->wall)
		return c->mono + (wall - c->wall);
	return c->wall - wall < c->mono ? c->mono - (c->wall - wall) : 0;
}

/* record_of - v as a store keeps it. A past decision or report stays in
 * the past; an expiry already over is "now", so the next iterate drops it. */
static void record_of(const struct mxg_verdict *v, const struct clocks *c,
		      struct store_record *r)
{
	memset(r, 0, sizeof(*r));
	r->decided_wall_ns = to_wall(v->decided_ns < c->mono ? v->decided_ns : c->mono, c);
	r->expires_wall_ns = to_wall(v->expires_ns > c->mono ? v->expires_ns : c->mono, c);
	r->reported_wall_ns = v->reported_ns ? to_wall(v->reported_ns, c) : 0;
	r->reasons = v->reasons;
	r->dnsbl_score = v->dnsbl_score;
	r->action = (__u32)v->action;
}

/* verdict_of - a stored record back on the monotonic clock; hits start
 * at 0 (never stored). reported 0 stays "never". */
static void verdict_of(const struct store_record *r, const struct clocks *c,
		       struct mxg_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->decided_ns = to_mono(r->decided_wall_ns < c->wall ? r->decided_wall_ns : c->wall, c);
	v->expires_ns = to_mono(r->expires_wall_ns, c);
	v->reported_ns = r->reported_wall_ns ? to_mono(r->reported_wall_ns, c) : 0;
	v->reasons = r->reasons;
	v->dnsbl_score = r->dnsbl_score;
	v->action = (enum mxg_action)r->action;
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
	struct clocks c = clocks_now();
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
	struct clocks now;		/* one reading for the whole walk */
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
	struct visit vi = { fn, ctx, clocks_now(), 0 };

	if (!s->ops || s->ops->iterate(s->impl, visit_record, &vi) < 0)
		return -1;
	return vi.expired;
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

/* store_close - flush and close; the store is closed after */
void store_close(struct store *s)
{
	if (s->ops)
		s->ops->close(s->impl);
	s->ops = NULL;
	s->impl = NULL;
}
