/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pending.c - sources being classified; see pending.h for the contract. */
#include <stdlib.h>
#include <string.h>
#include "pending.h"

/* key_hash - mix the 17 significant key bytes into a bucket index */
static unsigned key_hash(const struct mxg_key *k, unsigned n_buckets)
{
	__u64 h = 0xcbf29ce484222325ULL;	/* FNV-1a offset basis */

	for (unsigned i = 0; i < sizeof(k->addr); i++)
		h = (h ^ k->addr[i]) * 0x100000001b3ULL;
	h = (h ^ k->plen) * 0x100000001b3ULL;
	return (unsigned)(h ^ (h >> 32)) & (n_buckets - 1);
}

/* key_equal - same address and prefix length */
static int key_equal(const struct mxg_key *a, const struct mxg_key *b)
{
	return a->plen == b->plen && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* pending_init - preallocate max entries and twice as many buckets */
int pending_init(struct pending_table *t, unsigned max)
{
	memset(t, 0, sizeof(*t));
	if (max == 0)
		return -1;
	t->n_buckets = 1;
	while (t->n_buckets < 2 * max)
		t->n_buckets <<= 1;
	t->slots = calloc(max, sizeof(*t->slots));
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	t->prefixes = calloc(max, sizeof(*t->prefixes));
	t->prefix_buckets = calloc(t->n_buckets, sizeof(*t->prefix_buckets));
	if (!t->slots || !t->buckets || !t->prefixes || !t->prefix_buckets) {
		pending_free(t);
		return -1;
	}
	t->max = max;
	for (unsigned i = max; i-- > 0;) {
		t->slots[i].free_next = t->free;
		t->free = &t->slots[i];
		t->prefixes[i].next = t->free_prefixes;
		t->free_prefixes = &t->prefixes[i];
	}
	return 0;
}

/* prefix_slot - where the count of prefix lives (or would be linked) */
static struct pending_prefix **prefix_slot(struct pending_table *t,
					   const struct mxg_key *prefix)
{
	struct pending_prefix **pp = &t->prefix_buckets[key_hash(prefix, t->n_buckets)];

	while (*pp && !key_equal(&(*pp)->key, prefix))
		pp = &(*pp)->next;
	return pp;
}

/* pending_prefix_count - entries counted under prefix */
unsigned pending_prefix_count(struct pending_table *t, const struct mxg_key *prefix)
{
	struct pending_prefix *n = *prefix_slot(t, prefix);

	return n ? n->count : 0;
}

/* prefix_join - count p under prefix (a node per prefix in use: never
 * more than entries, so the pool cannot run dry) */
static void prefix_join(struct pending_table *t, struct pending *p,
			const struct mxg_key *prefix)
{
	struct pending_prefix **pp = prefix_slot(t, prefix), *n = *pp;

	if (!n) {
		n = t->free_prefixes;
		t->free_prefixes = n->next;
		n->key = *prefix;
		n->count = 0;
		n->next = NULL;
		*pp = n;
	}
	n->count++;
	p->prefix = n;
}

/* prefix_leave - p no longer counts; the last one out frees the node */
static void prefix_leave(struct pending_table *t, struct pending *p)
{
	struct pending_prefix **pp;

	if (!p->prefix || --p->prefix->count > 0)
		return;
	pp = prefix_slot(t, &p->prefix->key);
	*pp = p->prefix->next;
	p->prefix->next = t->free_prefixes;
	t->free_prefixes = p->prefix;
	p->prefix = NULL;
}

/* pending_find - the entry for k, or NULL */
struct pending *pending_find(struct pending_table *t, const struct mxg_key *k)
{
	struct pending *p = t->buckets[key_hash(k, t->n_buckets)];

	while (p && !key_equal(&p->key, k))
		p = p->hash_next;
	return p;
}

/* pending_add - start tracking k; NULL when the table is full */
struct pending *pending_add(struct pending_table *t, const struct mxg_key *k,
			    const struct mxg_key *prefix, __u64 now_ns, __u64 deadline_ns)
{
	struct pending *p = t->free;
	unsigned b;

	if (!p)
		return NULL;
	t->free = p->free_next;
	memset(p, 0, sizeof(*p));
	p->key = *k;
	p->started_ns = now_ns;
	p->deadline_ns = deadline_ns;
	b = key_hash(k, t->n_buckets);
	p->hash_next = t->buckets[b];
	t->buckets[b] = p;
	p->older = t->newest;
	if (t->newest)
		t->newest->newer = p;
	else
		t->oldest = p;
	t->newest = p;
	t->count++;
	if (prefix)
		prefix_join(t, p, prefix);
	return p;
}

/* pending_hold - remember a queued packet to release with the verdict */
int pending_hold(struct pending *p, __u32 packet_id, __u32 mark)
{
	p->syns++;
	if (p->n_held >= PENDING_MAX_HELD)
		return -1;
	p->held_ids[p->n_held] = packet_id;
	p->held_marks[p->n_held] = mark;
	p->n_held++;
	return 0;
}

/* pending_oldest - the entry whose deadline comes first, or NULL */
struct pending *pending_oldest(struct pending_table *t)
{
	return t->oldest;
}

/* pending_remove - unlink p from its bucket and the deadline list */
void pending_remove(struct pending_table *t, struct pending *p)
{
	struct pending **pp = &t->buckets[key_hash(&p->key, t->n_buckets)];

	while (*pp && *pp != p)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = p->hash_next;
	prefix_leave(t, p);
	if (p->older)
		p->older->newer = p->newer;
	else
		t->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		t->newest = p->older;
	p->free_next = t->free;
	t->free = p;
	t->count--;
}

/* pending_free - release the table's memory */
void pending_free(struct pending_table *t)
{
	free(t->slots);
	free(t->buckets);
	free(t->prefixes);
	free(t->prefix_buckets);
	memset(t, 0, sizeof(*t));
}
