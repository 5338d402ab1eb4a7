/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_country_table.c - the country table against a reference longest-
 * prefix match, over random sets and addresses (IPv4 and IPv6). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "country_gen.h"
#include "country_table.h"
#include "test.h"

/* agree - the table and the reference agree on n random addresses;
 * returns the disagreements, the first few reported */
static int agree(struct gen *g, const struct country_set *set,
		 const struct country_table *t, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		struct mxg_key k = gen_addr(g, set);
		__u32 want = ref_match(set, &k), got = country_table_find(t, &k);

		if (want != got && bad++ < 5) {
			char hex[33];

			for (int j = 0; j < 16; j++)
				sprintf(hex + 2 * j, "%02x", k.addr[j]);
			test_fail(__FILE__, __LINE__, "address %s: table %#x, "
				  "reference %#x", hex, got, want);
		}
	}
	return bad;
}

TEST(country_table_matches_reference_lpm)
{
	for (__u64 seed = 1; seed <= 6; seed++) {
		struct gen g = { seed * 7919 };
		struct country_set set;
		struct country_table t;
		size_t n = seed == 1 ? 3 : seed == 2 ? 40 : 1500;

		gen_set(&g, n, &set);
		CHECK_EQ_INT(country_table_build(&set, &t), 0);
		CHECK(t.n >= MXG_CT_ROOT_NODES);
		CHECK_EQ_INT(agree(&g, &set, &t, 6000), 0);
		country_table_free(&t);
		country_set_free(&set);
	}
}

TEST(country_table_lengths_and_edges)
{
	struct country_entry e[] = {
		/* every IPv4 address, then ever longer prefixes inside */
		{ .key = { 96, { [10] = 0xff, [11] = 0xff } }, .value = { "aa", MXG_ACT_GREYLIST, 0 } },
		{ .key = { 96 + 8, { [10] = 0xff, [11] = 0xff, [12] = 10 } }, .value = { "bb", MXG_ACT_BLOCK, 0 } },
		{ .key = { 96 + 17, { [10] = 0xff, [11] = 0xff, [12] = 10, [13] = 1, [14] = 128 } }, .value = { "cc", MXG_ACT_BLOCK, 0 } },
		{ .key = { 96 + 32, { [10] = 0xff, [11] = 0xff, [12] = 10, [13] = 1, [14] = 200, [15] = 7 } }, .value = { "dd", MXG_ACT_TARPIT, 0 } },
		/* IPv6: 2001::/19, a /48 inside it, a /128 inside that */
		{ .key = { 19, { 0x20, 0x01 } }, .value = { "ee", MXG_ACT_BLOCK, 0 } },
		{ .key = { 48, { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c } }, .value = { "ff", MXG_ACT_BLOCK, 0 } },
		{ .key = { 128, { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, [15] = 1 } }, .value = { "gg", MXG_ACT_THROTTLE, 0 } },
		/* the same /48 again: the later entry wins */
		{ .key = { 48, { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c } }, .value = { "hh", MXG_ACT_BLOCK, 0 } },
	};
	struct country_set set = { .entries = e, .n = sizeof(e) / sizeof(e[0]) };
	struct country_table t;
	struct mxg_key k = { .addr = { [10] = 0xff, [11] = 0xff, 10, 1, 200, 7 }, .plen = 128 };
	__u32 leaf;

	CHECK_EQ_INT(country_table_build(&set, &t), 0);
	leaf = country_table_find(&t, &k);		/* 10.1.200.7: the /32 */
	CHECK_EQ_INT(leaf & 0xffff, 'd' << 8 | 'd');
	CHECK_EQ_INT(mxg_ct_leaf_action(leaf), MXG_ACT_TARPIT);
	k.addr[15] = 8;					/* 10.1.200.8: the /17 */
	CHECK_EQ_INT(country_table_find(&t, &k) & 0xffff, 'c' << 8 | 'c');
	k.addr[14] = 127;				/* 10.1.127.8: the /8 */
	CHECK_EQ_INT(country_table_find(&t, &k) & 0xffff, 'b' << 8 | 'b');
	k.addr[12] = 11;				/* 11.1.127.8: the /0 */
	CHECK_EQ_INT(mxg_ct_leaf_action(country_table_find(&t, &k)), MXG_ACT_GREYLIST);
	memset(&k, 0, sizeof(k));
	memcpy(k.addr, (const __u8[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c }, 6);
	k.addr[15] = 1;
	CHECK_EQ_INT(country_table_find(&t, &k) & 0xffff, 'g' << 8 | 'g');
	k.addr[15] = 2;
	CHECK_EQ_INT(country_table_find(&t, &k) & 0xffff, 'h' << 8 | 'h');
	k.addr[5] = 0x0d;				/* 2001:db8:d::2: the /19 */
	CHECK_EQ_INT(country_table_find(&t, &k) & 0xffff, 'e' << 8 | 'e');
	k.addr[2] = 0x20;				/* 2001:20b8:d::2: none */
	CHECK_EQ_INT(country_table_find(&t, &k), 0);
	/* nodes: 512 roots; IPv4 10.1 and 10.1.200; IPv6 2001:db8 down to
	 * byte 14 for the /128 (13 nodes, the /48 on the way) */
	CHECK_EQ_INT(t.n, MXG_CT_ROOT_NODES + 2 + 14);
	country_table_free(&t);
}

TEST(country_table_empty_set)
{
	struct country_set set = { 0 };
	struct country_table t;
	struct mxg_key k = { .addr = { [10] = 0xff, [11] = 0xff, 1, 2, 3, 4 }, .plen = 128 };

	CHECK_EQ_INT(country_table_build(&set, &t), 0);
	CHECK_EQ_INT(t.n, MXG_CT_ROOT_NODES);
	CHECK_EQ_INT(country_table_find(&t, &k), 0);
	country_table_free(&t);
}
