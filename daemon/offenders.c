/* SPDX-License-Identifier: GPL-2.0-or-later */
/* offenders.c - the ranking of refused sources; see offenders.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "manual.h"
#include "maps.h"
#include "offenders.h"

/* offenders_refusing - does every SYN judged by this action get refused
 * (but a greylisted client's promoting retry)? */
int offenders_refusing(__u32 action)
{
	return action == MXG_ACT_BLOCK || action == MXG_ACT_GREYLIST ||
	       action == MXG_ACT_TARPIT;
}

/* offenders_add - one entry, if it refused anything */
int offenders_add(struct offenders *o, const struct mxg_key *k, __u32 hits,
		  __u32 action, __u32 reasons)
{
	struct offender *r;

	if (!hits || !offenders_refusing(action))
		return 0;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		struct offender *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -1;
		o->v = v;
		o->cap = cap;
	}
	r = &o->v[o->n++];
	memset(r, 0, sizeof(*r));
	r->key = r->busiest = *k;
	r->refused = r->busiest_refused = hits;
	r->sources = 1;
	r->action = action;
	r->reasons = reasons;
	return 0;
}

/* add_verdicts - every refusing entry of a verdicts-like map. An entry
 * evicted under the walk restarts it from the first key: bounded. */
static int add_verdicts(struct offenders *o, int fd)
{
	struct mxg_key k, next;
	struct mxg_verdict v;
	__u64 limit = 2ULL * map_walk_bound(fd);
	void *prev = NULL;

	for (__u64 steps = 0; steps < limit; steps++) {
		if (bpf_map_get_next_key(fd, prev, &next) != 0)
			return errno == ENOENT ? 0 : -errno;
		k = next;
		prev = &k;
		memset(&v, 0, sizeof(v));	/* a shorter, older value */
		if (bpf_map_lookup_elem(fd, &k, &v) == 0 &&
		    offenders_add(o, &k, v.hits, v.action, v.reasons) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* What add_manual's walk carries. */
struct manual_walk {
	struct offenders *o;
	int err;
};

/* add_manual_one - a manual block, reason manual */
static void add_manual_one(void *ctx, const struct mxg_key *prefix,
			   const struct mxg_manual *m)
{
	struct manual_walk *w = ctx;

	if (offenders_add(w->o, prefix, m->hits, m->action, MXG_R_MANUAL) < 0)
		w->err = -ENOMEM;
}

/* offenders_collect - the refusing entries of every map given */
int offenders_collect(struct offenders *o, int verdicts_fd, int unproven_fd,
		      int manual_fd)
{
	struct manual_walk w = { o, 0 };
	int err = 0;

	if (verdicts_fd >= 0)
		err = add_verdicts(o, verdicts_fd);
	if (!err && unproven_fd >= 0)
		err = add_verdicts(o, unproven_fd);
	if (!err && manual_fd >= 0) {
		err = manual_walk(manual_fd, add_manual_one, &w);
		if (!err)
			err = w.err;
	}
	return err;
}

/* key_cmp - addresses in order, then shorter prefixes first */
static int key_cmp(const struct mxg_key *a, const struct mxg_key *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	return c ? c : (int)a->plen - (int)b->plen;
}

/* by_key - qsort: by row key */
static int by_key(const void *a, const void *b)
{
	return key_cmp(&((const struct offender *)a)->key,
		       &((const struct offender *)b)->key);
}

/* by_refused - qsort: most refused first, then by address */
static int by_refused(const void *a, const void *b)
{
	const struct offender *x = a, *y = b;

	if (x->refused != y->refused)
		return x->refused > y->refused ? -1 : 1;
	return key_cmp(&x->key, &y->key);
}

/* offenders_group - one row per source or per network, sorted */
int offenders_group(struct offenders *o, unsigned plen_v4, unsigned plen_v6)
{
	size_t out = 0;

	if (!o->n)
		return 0;
	for (size_t i = 0; i < o->n; i++) {
		struct offender *r = &o->v[i];
		unsigned plen = addr_is_v4(&r->key) ? plen_v4 : plen_v6;

		if (r->key.plen > plen)
			addr_prefix(&r->key, plen);
	}
	qsort(o->v, o->n, sizeof(o->v[0]), by_key);
	for (size_t i = 0; i < o->n; i++) {
		struct offender *r = &o->v[i], *row = out ? &o->v[out - 1] : NULL;

		if (!row || key_cmp(&row->key, &r->key) != 0) {
			o->v[out++] = *r;
			continue;
		}
		row->refused += r->refused;
		row->sources += r->sources;
		if (r->busiest_refused > row->busiest_refused) {
			row->busiest = r->busiest;
			row->busiest_refused = r->busiest_refused;
			row->action = r->action;
			row->reasons = r->reasons;
		}
	}
	o->n = out;
	qsort(o->v, o->n, sizeof(o->v[0]), by_refused);
	return 0;
}

/* offenders_free - the rows */
void offenders_free(struct offenders *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* offenders_save - live verdicts that judged SYNs, to disk with their hits */
int offenders_save(int verdicts_fd, struct store *s, __u64 now)
{
	struct mxg_key k, next;
	struct mxg_verdict v;
	__u64 limit = 2ULL * map_walk_bound(verdicts_fd);
	void *prev = NULL;
	int saved = 0;

	for (__u64 steps = 0; steps < limit; steps++) {
		if (bpf_map_get_next_key(verdicts_fd, prev, &next) != 0) {
			if (errno != ENOENT)
				return -errno;
			break;
		}
		k = next;
		prev = &k;
		memset(&v, 0, sizeof(v));
		if (bpf_map_lookup_elem(verdicts_fd, &k, &v) != 0 || !v.hits ||
		    v.expires_ns <= now)
			continue;
		if (store_put(s, &k, &v) == 0)
			saved++;
	}
	store_flush(s);
	return saved;
}
