/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * country_gen.h - random country sets and addresses for the country
 * table's tests (tests/unit/test_country_table.c, tests/bpf/test_country.c),
 * and the reference they are checked against: a plain longest-prefix
 * match over the 128-bit form, the later entry winning a tie.
 *
 * Prefixes cluster under a few IPv4 /8s and IPv6 /16s, so that they nest
 * and overlap; all lengths (IPv4 /0-/32, IPv6 /0-/128) occur, and some
 * short IPv6 prefixes cover ::ffff:0:0/96, i.e. every IPv4 address.
 * Addresses are drawn inside a prefix, next to one (a bit flipped), or
 * anywhere.
 */
#ifndef MXG_TEST_COUNTRY_GEN_H
#define MXG_TEST_COUNTRY_GEN_H

#include <stdlib.h>
#include <string.h>
#include "country.h"
#include "mxgate.h"

struct gen {
	__u64 s;
};

static inline __u64 gen_next(struct gen *g)
{
	__u64 z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned gen_below(struct gen *g, unsigned n)
{
	return (unsigned)(gen_next(g) % n);
}

/* gen_mask - clear the bits of a beyond plen */
static inline void gen_mask(__u8 a[16], unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		a[i] = plen <= 8 * i ? 0 : (__u8)(a[i] & (0xff00 >> (plen - 8 * i)));
	}
}

/* gen_set - n random prefixes into set->entries (malloc'd) */
static inline void gen_set(struct gen *g, size_t n, struct country_set *set)
{
	__u8 v4_bases[4], v6_bases[4][2];

	for (int i = 0; i < 4; i++) {
		v4_bases[i] = (__u8)(1 + gen_below(g, 223));
		v6_bases[i][0] = (__u8)(0x20 + gen_below(g, 16));
		v6_bases[i][1] = (__u8)gen_next(g);
	}
	memset(set, 0, sizeof(*set));
	set->entries = calloc(n, sizeof(*set->entries));
	set->n = set->cap = n;
	for (size_t i = 0; i < n; i++) {
		struct country_entry *e = &set->entries[i];
		unsigned kind = gen_below(g, 100), plen;

		for (int k = 0; k < 16; k++)
			e->key.addr[k] = (__u8)gen_next(g);
		if (kind < 55) {		/* IPv4, mostly /8-/32 */
			memset(e->key.addr, 0, 10);
			e->key.addr[10] = e->key.addr[11] = 0xff;
			e->key.addr[12] = v4_bases[gen_below(g, 4)];
			if (gen_below(g, 4) == 0)	/* a tighter cluster */
				e->key.addr[13] = e->key.addr[12];
			plen = gen_below(g, 10) == 0 ? gen_below(g, 33) : 8 + gen_below(g, 25);
			plen += 96;
		} else if (kind < 97) {		/* IPv6, mostly /16-/64 */
			memcpy(e->key.addr, v6_bases[gen_below(g, 4)], 2);
			if (gen_below(g, 3) == 0)
				e->key.addr[2] = e->key.addr[3] = 0;
			plen = gen_below(g, 10) == 0 ? gen_below(g, 129) : 16 + gen_below(g, 49);
		} else {			/* short, over ::ffff:0:0/96 */
			memset(e->key.addr, 0, 16);
			e->key.addr[10] = e->key.addr[11] = 0xff;
			plen = gen_below(g, 96);
		}
		if (i > 0 && gen_below(g, 50) == 0) {	/* the same prefix again */
			e->key = set->entries[gen_below(g, (unsigned)i)].key;
			plen = e->key.prefixlen;
		}
		gen_mask(e->key.addr, plen);
		e->key.prefixlen = plen;
		e->value.cc[0] = (char)('a' + gen_below(g, 26));
		e->value.cc[1] = (char)('a' + gen_below(g, 26));
		e->value.action = (__u8)(gen_below(g, 3) ? MXG_ACT_BLOCK :
					 MXG_ACT_GREYLIST + gen_below(g, 3));
	}
}

/* gen_addr - an address in, next to, or away from the set's prefixes */
static inline struct mxg_key gen_addr(struct gen *g, const struct country_set *set)
{
	struct mxg_key k = { .plen = 128 };
	unsigned how = gen_below(g, 10);

	for (int i = 0; i < 16; i++)
		k.addr[i] = (__u8)gen_next(g);
	if (how < 8 && set->n) {
		const struct mxg_lpm_key *p = &set->entries[gen_below(g, (unsigned)set->n)].key;

		for (unsigned bit = 0; bit < p->prefixlen; bit++) {
			__u8 m = (__u8)(0x80 >> (bit % 8));

			k.addr[bit / 8] = (__u8)((k.addr[bit / 8] & ~m) | (p->addr[bit / 8] & m));
		}
		if (how >= 5 && p->prefixlen > 0) {	/* next to it */
			unsigned bit = gen_below(g, p->prefixlen);

			k.addr[bit / 8] ^= (__u8)(0x80 >> (bit % 8));
		}
	} else if (how == 8) {		/* any IPv4 */
		memset(k.addr, 0, 10);
		k.addr[10] = k.addr[11] = 0xff;
	}
	return k;
}

/* ref_match - the leaf entry the longest matching prefix gives, or 0 */
static inline __u32 ref_match(const struct country_set *set, const struct mxg_key *k)
{
	const struct country_entry *best = NULL;

	for (size_t i = 0; i < set->n; i++) {
		const struct country_entry *e = &set->entries[i];
		__u8 a[16];

		memcpy(a, k->addr, 16);
		gen_mask(a, e->key.prefixlen);
		if (memcmp(a, e->key.addr, 16))
			continue;
		if (!best || e->key.prefixlen >= best->key.prefixlen)
			best = e;
	}
	return best ? mxg_ct_leaf(&best->value) : 0;
}

#endif /* MXG_TEST_COUNTRY_GEN_H */
