/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_pending.c - the pending-lookup table: join, cap, deadline order. */
#include <string.h>
#include <linux/types.h>
#include "pending.h"
#include "test.h"

/* key_v4 - an IPv4-mapped key for 192.0.2.<last> */
static struct mxg_key key_v4(__u8 last)
{
	struct mxg_key k = { .plen = 128 };

	k.addr[10] = k.addr[11] = 0xff;
	k.addr[12] = 192;
	k.addr[14] = 2;
	k.addr[15] = last;
	return k;
}

TEST(pending_retransmits_join_one_entry)
{
	struct pending_table t;
	struct mxg_key k = key_v4(1);
	struct pending *p;

	CHECK_EQ_INT(pending_init(&t, 4), 0);
	p = pending_add(&t, &k, NULL, 100, 200);
	CHECK(p != NULL);
	CHECK_EQ_INT(pending_hold(p, 7, 0), 0);
	/* A retransmit finds the same entry instead of starting anew. */
	CHECK(pending_find(&t, &k) == p);
	CHECK_EQ_INT(pending_hold(pending_find(&t, &k), 8, 0x5), 0);
	CHECK_EQ_INT(p->n_held, 2);
	CHECK_EQ_INT(p->held_ids[1], 8);
	CHECK_EQ_INT(p->held_marks[1], 0x5);
	CHECK_EQ_INT(t.count, 1);
	pending_free(&t);
}

TEST(pending_hold_is_bounded)
{
	struct pending_table t;
	struct mxg_key k = key_v4(2);
	struct pending *p;

	CHECK_EQ_INT(pending_init(&t, 1), 0);
	p = pending_add(&t, &k, NULL, 0, 1);
	for (unsigned i = 0; i < PENDING_MAX_HELD; i++)
		CHECK_EQ_INT(pending_hold(p, i, 0), 0);
	CHECK_EQ_INT(pending_hold(p, 99, 0), -1);
	CHECK_EQ_INT(p->syns, PENDING_MAX_HELD + 1);
	pending_free(&t);
}

TEST(pending_table_is_capped_and_reuses_slots)
{
	struct pending_table t;
	struct mxg_key a = key_v4(1), b = key_v4(2), c = key_v4(3);
	struct pending *pa;

	CHECK_EQ_INT(pending_init(&t, 2), 0);
	pa = pending_add(&t, &a, NULL, 0, 10);
	CHECK(pending_add(&t, &b, NULL, 0, 10) != NULL);
	CHECK(pending_add(&t, &c, NULL, 0, 10) == NULL);	/* full */
	pending_remove(&t, pa);
	CHECK(pending_find(&t, &a) == NULL);
	CHECK(pending_add(&t, &c, NULL, 0, 10) != NULL);	/* slot reused */
	CHECK(pending_find(&t, &c) != NULL);
	CHECK(pending_find(&t, &b) != NULL);
	CHECK_EQ_INT(t.count, 2);
	pending_free(&t);
}

TEST(pending_oldest_is_deadline_order)
{
	struct pending_table t;
	struct mxg_key k[5];
	struct pending *p[5];

	CHECK_EQ_INT(pending_init(&t, 8), 0);
	for (int i = 0; i < 5; i++) {
		k[i] = key_v4((__u8)(10 + i));
		p[i] = pending_add(&t, &k[i], NULL, (__u64)i, (__u64)i + 100);
	}
	pending_remove(&t, p[2]);			/* from the middle */
	CHECK(pending_oldest(&t) == p[0]);
	pending_remove(&t, p[0]);
	CHECK(pending_oldest(&t) == p[1]);
	pending_remove(&t, p[1]);
	CHECK(pending_oldest(&t) == p[3]);
	pending_remove(&t, p[4]);			/* the newest */
	CHECK(pending_oldest(&t) == p[3]);
	pending_remove(&t, p[3]);
	CHECK(pending_oldest(&t) == NULL);
	CHECK_EQ_INT(t.count, 0);
	pending_free(&t);
}

TEST(pending_keys_differ_by_prefix_length)
{
	struct pending_table t;
	struct mxg_key host = key_v4(0), net = key_v4(0);

	net.plen = 120;
	CHECK_EQ_INT(pending_init(&t, 4), 0);
	CHECK(pending_add(&t, &host, NULL, 0, 1) != NULL);
	CHECK(pending_find(&t, &net) == NULL);
	pending_free(&t);
}

TEST(pending_counts_entries_per_network)
{
	struct pending_table t;
	struct mxg_key net_a = key_v4(0), net_b = key_v4(0), k[6];
	struct pending *p[6];

	net_a.plen = net_b.plen = 120;
	net_b.addr[14] = 3;			/* 192.0.3.0/24 */
	CHECK_EQ_INT(pending_init(&t, 6), 0);
	for (int i = 0; i < 6; i++) {
		k[i] = key_v4((__u8)(i + 1));
		if (i >= 4)
			k[i].addr[14] = 3;
		p[i] = pending_add(&t, &k[i], i >= 4 ? &net_b : &net_a, 0, 1);
		CHECK(p[i] != NULL);
	}
	CHECK_EQ_INT(pending_prefix_count(&t, &net_a), 4);
	CHECK_EQ_INT(pending_prefix_count(&t, &net_b), 2);
	pending_remove(&t, p[0]);
	pending_remove(&t, p[4]);
	CHECK_EQ_INT(pending_prefix_count(&t, &net_a), 3);
	CHECK_EQ_INT(pending_prefix_count(&t, &net_b), 1);
	pending_remove(&t, p[5]);			/* the last of its network */
	CHECK_EQ_INT(pending_prefix_count(&t, &net_b), 0);
	/* Slots and counts are reused: fill the table again from one
	 * network, then empty it. */
	for (int i = 0; i < 3; i++)
		CHECK(pending_add(&t, &k[i == 0 ? 0 : i + 3], &net_b, 0, 1) != NULL);
	CHECK_EQ_INT(pending_prefix_count(&t, &net_b), 3);
	CHECK(pending_add(&t, &net_a, &net_a, 0, 1) == NULL);	/* full */
	CHECK_EQ_INT(pending_prefix_count(&t, &net_a), 3);
	while (pending_oldest(&t))
		pending_remove(&t, pending_oldest(&t));
	CHECK_EQ_INT(pending_prefix_count(&t, &net_a), 0);
	CHECK_EQ_INT(pending_prefix_count(&t, &net_b), 0);
	pending_free(&t);
}
