/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	country_table - the country set as a multibit trie of BPF array nodes
 * SYNOPSIS
 *	int country_table_build(const struct country_set *set,
 *				struct country_table *t);
 *	__u32 country_table_find(const struct country_table *t,
 *				 const struct mxg_key *key);
 *	int country_table_install(int countries_fd, const struct country_table *t);
 *	__u32 country_table_lookup_fd(int table_fd, const struct mxg_key *key);
 *	void country_table_free(struct country_table *t);
 * DESCRIPTION
 *	The layout is in mxgate.h (struct mxg_ct_node), the tc program's
 *	lookup in bpf/country_lookup.h.
 *
 *	country_table_build() expands every prefix of set into the table, in
 *	user space: shortest first, so that a longer prefix overwrites the
 *	entries of a shorter one it lies in; among equal prefixes the later
 *	one wins, as in an LPM trie updated in that order. Returns 0, -ENOMEM,
 *	or -E2BIG past MXG_CT_MAX_NODES nodes (on error t is empty).
 *	country_table_find() is the lookup on the built table: the leaf entry
 *	of the longest prefix holding key, or 0.
 *
 *	country_table_install() creates a BPF array of exactly t->n nodes,
 *	fills it and swaps it into the countries map with one update: lookups
 *	see the old table or the new one, never a part. Returns 0 or -errno.
 *	country_table_lookup_fd() is the lookup on an installed table (the
 *	inner map's fd), node by node through the bpf syscall: the leaf, or 0.
 */
#ifndef MXG_COUNTRY_TABLE_H
#define MXG_COUNTRY_TABLE_H

#include <linux/types.h>
#include "country.h"
#include "mxgate.h"

struct country_table {
	struct mxg_ct_node *nodes;
	__u32 n, cap;		/* nodes used, allocated */
};

int country_table_build(const struct country_set *set, struct country_table *t);
__u32 country_table_find(const struct country_table *t, const struct mxg_key *key);
int country_table_install(int countries_fd, const struct country_table *t);
__u32 country_table_lookup_fd(int table_fd, const struct mxg_key *key);
void country_table_free(struct country_table *t);

#endif /* MXG_COUNTRY_TABLE_H */
