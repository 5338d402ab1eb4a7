/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * country_lookup.h - the tc program's side of the country table (the
 * layout is in mxgate.h): the pinned countries map and country_blocks().
 * Included once, by mxgate.bpf.c, where the maps are defined.
 *
 * Each level is one lookup in the table's array plus an index. The table
 * is sized to the set, so its maps are created with BPF_F_INNER_MAP (any
 * max_entries): the verifier then calls array_map_lookup_elem directly
 * instead of inlining it, a few ns a level.
 */
#ifndef MXG_COUNTRY_LOOKUP_H
#define MXG_COUNTRY_LOOKUP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "mxgate.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	/* The country table in force; must come last. */
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(max_entries, MXG_CT_ROOT_NODES);
		/* Sizes, not types: a nested map's types reach BTF only as
		 * forward declarations, which libbpf cannot size. */
		__uint(key_size, sizeof(__u32));
		__uint(value_size, sizeof(struct mxg_ct_node));
		__uint(map_flags, BPF_F_INNER_MAP);
	});
} countries SEC(".maps");

/* ct_down - the entry for byte b of the node that entry e points to, or
 * e itself when it is a leaf or empty */
static __always_inline __u32 ct_down(void *table, __u32 e, __u8 b)
{
	struct mxg_ct_node *n;
	__u32 idx;

	if (!(e & MXG_CT_CHILD))
		return e;
	idx = e & MXG_CT_NODE_MASK;
	n = bpf_map_lookup_elem(table, &idx);
	return n ? n->e[b] : 0;
}

/* ct_find - the leaf entry of the longest prefix holding key, or 0 */
static __always_inline __u32 ct_find(void *table, const struct mxg_key *key)
{
	const __u8 *a = key->addr;
	struct mxg_ct_node *n;
	__u32 idx, e;
	int i;

	if (mxg_key_is_v4(key)) {
		idx = MXG_CT_ROOT_V4 + a[12];
		n = bpf_map_lookup_elem(table, &idx);
		if (!n)
			return 0;
		e = n->e[a[13]];
		e = ct_down(table, e, a[14]);
		e = ct_down(table, e, a[15]);
		return e & MXG_CT_LEAF ? e : 0;
	}
	idx = MXG_CT_ROOT_V6 + a[0];
	n = bpf_map_lookup_elem(table, &idx);
	if (!n)
		return 0;
	e = n->e[a[1]];
	for (i = 2; i < 16; i++) {
		if (!(e & MXG_CT_CHILD))
			break;
		e = ct_down(table, e, a[i]);
	}
	return e & MXG_CT_LEAF ? e : 0;
}

/* country_blocks - is the source in a country set whose action is block?
 * Other country actions need a clock or a bucket: mxgated applies them
 * when it decides the source, as a verdict with reason "country". */
static __always_inline int country_blocks(const struct mxg_key *src)
{
	__u32 zero = 0;
	void *table;

	table = bpf_map_lookup_elem(&countries, &zero);
	if (!table)
		return 0;
	return mxg_ct_leaf_action(ct_find(table, src)) == MXG_ACT_BLOCK;
}

#endif /* MXG_COUNTRY_LOOKUP_H */
