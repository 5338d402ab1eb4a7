/* SPDX-License-Identifier: GPL-2.0-or-later */
/* country_table.c - the country set as a multibit trie; see country_table.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "country_table.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's, for a map without batch ops */
#endif

static const __u8 v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

/* new_node - a node whose 256 entries are all fill; its number, or -errno */
static long new_node(struct country_table *t, __u32 fill)
{
	if (t->n == t->cap) {
		__u32 cap = t->cap * 2;
		struct mxg_ct_node *grown;

		if (t->cap >= MXG_CT_MAX_NODES)
			return -E2BIG;
		if (cap > MXG_CT_MAX_NODES)
			cap = MXG_CT_MAX_NODES;
		grown = realloc(t->nodes, (size_t)cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->nodes = grown;
		t->cap = cap;
	}
	for (int i = 0; i < MXG_CT_FANOUT; i++)
		t->nodes[t->n].e[i] = fill;
	return t->n++;
}

/* fill - entries [first, first + count) of node become leaf. The prefixes
 * come shortest first, so none of them is a child yet: a child is made by
 * a longer prefix, which comes later. */
static void fill(struct country_table *t, __u32 node, __u32 first, __u32 count,
		 __u32 leaf)
{
	for (__u32 i = first; i < first + count; i++)
		t->nodes[node].e[i] = leaf;
}

/* insert - one prefix of len bits (0..8 * nbytes) of the family tree whose
 * root nodes start at root; a holds its bytes (host bits ignored) */
static int insert(struct country_table *t, __u32 root, const __u8 *a, int nbytes,
		  int len, __u32 leaf)
{
	__u32 node, idx, e;
	long child;

	if (len <= 16) {	/* the root: 65536 entries over 256 nodes */
		__u32 span = 1u << (16 - len);
		__u32 first = ((__u32)a[0] << 8 | a[1]) & ~(span - 1);

		for (__u32 j = first; j < first + span; j++)
			t->nodes[root + (j >> 8)].e[j & 0xff] = leaf;
		return 0;
	}
	node = root + a[0];
	idx = a[1];
	for (int k = 2; k < nbytes; k++) {
		e = t->nodes[node].e[idx];
		if (e & MXG_CT_CHILD) {
			node = e & MXG_CT_NODE_MASK;
		} else {
			/* The new node inherits what the entry said: the
			 * longest of the shorter prefixes, or nothing. */
			child = new_node(t, e);
			if (child < 0)
				return (int)child;
			t->nodes[node].e[idx] = MXG_CT_CHILD | (__u32)child;
			node = (__u32)child;
		}
		if (len <= 8 * (k + 1)) {
			__u32 span = 1u << (8 * (k + 1) - len);

			fill(t, node, a[k] & ~(span - 1) & 0xff, span, leaf);
			return 0;
		}
		idx = a[k];
	}
	return -EINVAL;		/* len > 8 * nbytes: not reached */
}

/* covers_v4 - does the IPv6 prefix (addr, len < 96) hold ::ffff:0:0/96? */
static int covers_v4(const __u8 *addr, int len)
{
	for (int bit = 0; bit < len; bit++) {
		__u8 m = (__u8)(0x80 >> (bit % 8));

		if ((addr[bit / 8] & m) != (v4_mapped[bit / 8] & m))
			return 0;
	}
	return 1;
}

/* by_length - shortest first, then in set order (the later one wins) */
static int by_length(const void *pa, const void *pb)
{
	const struct country_entry *const *a = pa, *const *b = pb;

	if ((*a)->key.prefixlen != (*b)->key.prefixlen)
		return (*a)->key.prefixlen < (*b)->key.prefixlen ? -1 : 1;
	return *a < *b ? -1 : *a > *b;
}

/* country_table_build - see country_table.h */
int country_table_build(const struct country_set *set, struct country_table *t)
{
	const struct country_entry **order;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->cap = 1024;
	t->nodes = calloc(t->cap, sizeof(*t->nodes));
	order = calloc(set->n ? set->n : 1, sizeof(*order));
	if (!t->nodes || !order) {
		free(order);
		country_table_free(t);
		return -ENOMEM;
	}
	t->n = MXG_CT_ROOT_NODES;	/* zeroed: no country */
	for (size_t i = 0; i < set->n; i++)
		order[i] = &set->entries[i];
	qsort(order, set->n, sizeof(*order), by_length);
	for (size_t i = 0; i < set->n && !err; i++) {
		const struct mxg_lpm_key *k = &order[i]->key;
		__u32 leaf = mxg_ct_leaf(&order[i]->value);
		int len = (int)k->prefixlen;

		if (len > 128) {
			err = -EINVAL;
			break;
		}
		if (len >= 96 && !memcmp(k->addr, v4_mapped, sizeof(v4_mapped))) {
			err = insert(t, MXG_CT_ROOT_V4, k->addr + 12, 4, len - 96, leaf);
			continue;
		}
		err = insert(t, MXG_CT_ROOT_V6, k->addr, 16, len, leaf);
		if (!err && len < 96 && covers_v4(k->addr, len))
			err = insert(t, MXG_CT_ROOT_V4, k->addr + 12, 4, 0, leaf);
	}
	free(order);
	if (err)
		country_table_free(t);
	return err;
}

/* walk - the lookup, with node(ctx, number, buf) giving a node or NULL */
static __u32 walk(const struct mxg_key *key,
		  const struct mxg_ct_node *(*node)(const void *, __u32, struct mxg_ct_node *),
		  const void *ctx)
{
	const __u8 *a = key->addr;
	const struct mxg_ct_node *n;
	struct mxg_ct_node buf;
	int v4 = mxg_key_is_v4(key), nbytes = 16;
	__u32 e;

	if (v4) {
		a += 12;
		nbytes = 4;
	}
	n = node(ctx, (v4 ? MXG_CT_ROOT_V4 : MXG_CT_ROOT_V6) + a[0], &buf);
	if (!n)
		return 0;
	e = n->e[a[1]];
	for (int k = 2; k < nbytes && (e & MXG_CT_CHILD); k++) {
		n = node(ctx, e & MXG_CT_NODE_MASK, &buf);
		if (!n)
			return 0;
		e = n->e[a[k]];
	}
	return e & MXG_CT_LEAF ? e : 0;
}

/* mem_node - a node of a built table */
static const struct mxg_ct_node *mem_node(const void *ctx, __u32 i,
					  struct mxg_ct_node *buf)
{
	const struct country_table *t = ctx;

	(void)buf;
	return i < t->n ? &t->nodes[i] : NULL;
}

/* country_table_find - see country_table.h */
__u32 country_table_find(const struct country_table *t, const struct mxg_key *key)
{
	return walk(key, mem_node, t);
}

/* fd_node - a node of an installed table, read through the syscall */
static const struct mxg_ct_node *fd_node(const void *ctx, __u32 i,
					 struct mxg_ct_node *buf)
{
	return bpf_map_lookup_elem(*(const int *)ctx, &i, buf) ? NULL : buf;
}

/* country_table_lookup_fd - see country_table.h */
__u32 country_table_lookup_fd(int table_fd, const struct mxg_key *key)
{
	return walk(key, fd_node, &table_fd);
}

/* fill_map - every node into the array: in batches, else one by one */
static int fill_map(int fd, const struct country_table *t)
{
	enum { BATCH = 4096 };
	__u32 keys[BATCH];

	for (__u32 first = 0; first < t->n; first += BATCH) {
		__u32 n = t->n - first < BATCH ? t->n - first : BATCH, count = n;

		for (__u32 i = 0; i < n; i++)
			keys[i] = first + i;
		if (bpf_map_update_batch(fd, keys, &t->nodes[first], &count, NULL) == 0)
			continue;
		if (errno != EINVAL && errno != ENOTSUPP && errno != EOPNOTSUPP)
			return -errno;
		for (__u32 i = 0; i < n; i++)
			if (bpf_map_update_elem(fd, &keys[i], &t->nodes[first + i], BPF_ANY))
				return -errno;
	}
	return 0;
}

/* country_table_install - see country_table.h */
int country_table_install(int countries_fd, const struct country_table *t)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	__u32 zero = 0;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "country_table", sizeof(__u32),
			    sizeof(struct mxg_ct_node), t->n, &opts);
	if (fd < 0)
		return -errno;
	err = fill_map(fd, t);
	if (!err && bpf_map_update_elem(countries_fd, &zero, &fd, BPF_ANY))
		err = -errno;
	close(fd);	/* the countries map holds the new table; the old one goes */
	return err;
}

/* country_table_free - the nodes */
void country_table_free(struct country_table *t)
{
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}
