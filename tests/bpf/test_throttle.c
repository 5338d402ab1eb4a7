/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_throttle.c - the THROTTLE verdict's token buckets (GCRA, see
 * struct mxg_config): one per source, one per /24 or /64, kept as a
 * theoretical arrival time ("tat") in the throttle map. The tests use
 * intervals of a minute, so the clock does not move the buckets while a
 * test runs, and write tat values directly to stand for time passing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mxgate.skel.h"
#include "packets.h"
#include "test.h"
#include "maps.h"
#include "world.h"

#define INTERVAL	MINUTE		/* 1 SYN a minute */

/* throttle_config - per-source burst src_burst, per-prefix burst
 * pfx_burst (0: that bucket off), both at one SYN per INTERVAL */
static struct mxg_config throttle_config(unsigned src_burst, unsigned pfx_burst)
{
	struct mxg_config cfg = default_config();

	if (src_burst) {
		cfg.throttle_interval_ns = INTERVAL;
		cfg.throttle_tolerance_ns = (src_burst - 1) * INTERVAL;
	}
	if (pfx_burst) {
		cfg.throttle_prefix_interval_ns = INTERVAL;
		cfg.throttle_prefix_tolerance_ns = (pfx_burst - 1) * INTERVAL;
	}
	return cfg;
}

/* tat - the bucket under k; 0 when there is none */
static __u64 tat(struct world *w, const struct mxg_key *k)
{
	__u64 t = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(w->skel->maps.throttle), k, &t))
		return 0;
	return t;
}

/* set_tat - write the bucket under k */
static void set_tat(struct world *w, const struct mxg_key *k, __u64 t)
{
	CHECK_EQ_INT(bpf_map_update_elem(bpf_map__fd(w->skel->maps.throttle), k,
					 &t, BPF_ANY), 0);
}

/* throttled - a THROTTLE verdict for k, an hour long */
static void throttled(struct world *w, const struct mxg_key *k)
{
	put_at(w, k, MXG_ACT_THROTTLE, MXG_R_S25R1, 0, 60 * MINUTE);
}

/* syns - n SYNs from k; how many passed (marked PASS, other bits kept) */
static int syns(struct world *w, const struct mxg_key *k, int n)
{
	struct pkt_spec s = syn_from(k);
	int passed = 0;
	__u32 mark;

	for (int i = 0; i < n; i++) {
		int r = run(w, &s, 0, 0x30000 | MXG_DEFAULT_MARK_RESPONDER, &mark);

		if (r == TC_ACT_OK) {
			passed++;
			CHECK_EQ_INT(mark, 0x30000 | MXG_DEFAULT_MARK_PASS);
		} else {
			CHECK_EQ_INT(r, TC_ACT_SHOT);
		}
	}
	return passed;
}

TEST(tc_throttle_burst_then_one_per_interval)
{
	struct mxg_config cfg = throttle_config(3, 0);
	struct world w;

	if (world_up_cfg(&w, &cfg) == 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct mxg_key k = key_of(fam);
			__u64 t0, t1, t;

			throttled(&w, &k);
			/* A burst of 3 back to back, then the 4th is dropped. */
			t0 = now_ns();
			CHECK_EQ_INT(syns(&w, &k, 3), 3);
			t1 = now_ns();
			t = tat(&w, &k);
			CHECK(t >= t0 + 3 * INTERVAL && t <= t1 + 3 * INTERVAL);
			CHECK_EQ_INT(syns(&w, &k, 1), 0);
			CHECK_EQ_INT(tat(&w, &k), t);	/* a drop spends nothing */
			/* One interval later (the bucket one interval back): one
			 * more passes, the next does not. */
			set_tat(&w, &k, t - INTERVAL);
			CHECK_EQ_INT(syns(&w, &k, 2), 1);
			CHECK_EQ_INT(tat(&w, &k), t);
			/* Two intervals: two. */
			set_tat(&w, &k, t - 2 * INTERVAL);
			CHECK_EQ_INT(syns(&w, &k, 3), 2);
			/* A bucket long idle holds the burst, no more. */
			t = now_ns();
			set_tat(&w, &k, t > 60 * INTERVAL ? t - 60 * INTERVAL : 1);
			CHECK_EQ_INT(syns(&w, &k, 5), 3);
			CHECK_EQ_INT(get(&w, &k).action, MXG_ACT_THROTTLE);
		}
		/* Per family: 3 + 1 + 2 + 3 passed, 1 + 1 + 1 + 2 dropped. */
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 18);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_THROTTLE), 10);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_GREYLIST), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 1), 10);	/* s25r1 */
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_THROTTLE), 28);
		CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 0);
	}
	world_down(&w);
}

TEST(tc_throttle_boundary_is_the_tolerance)
{
	struct mxg_config cfg = throttle_config(3, 0);
	struct world w;
	struct mxg_key k = key_of(4);

	if (world_up_cfg(&w, &cfg) == 0) {
		throttled(&w, &k);
		/* tat exactly tolerance ahead (or less, as the clock moves):
		 * in budget, and it moves one interval on. */
		set_tat(&w, &k, now_ns() + 2 * INTERVAL);
		CHECK_EQ_INT(syns(&w, &k, 1), 1);
		/* A second past the tolerance: dropped. */
		set_tat(&w, &k, now_ns() + 2 * INTERVAL + SECOND);
		CHECK_EQ_INT(syns(&w, &k, 1), 0);
		/* A tat in the past counts from now, not from then. */
		set_tat(&w, &k, 1);
		CHECK_EQ_INT(syns(&w, &k, 4), 3);
	}
	world_down(&w);
}

TEST(tc_throttle_prefix_bucket_is_shared_by_the_pool)
{
	struct mxg_config cfg = throttle_config(3, 4);
	struct world w;
	struct mxg_key a = key4(198, 51, 100, 20), b = key4(198, 51, 100, 21),
		       c = key4(198, 51, 101, 20);
	struct mxg_key pool = prefix(a, 96 + 24);

	if (world_up_cfg(&w, &cfg) == 0) {
		throttled(&w, &a);
		throttled(&w, &b);
		throttled(&w, &c);
		/* a spends its own 3, the 4th is a's own limit. */
		CHECK_EQ_INT(syns(&w, &a, 4), 3);
		CHECK(tat(&w, &pool) != 0);
		/* b has 3 of its own, but the /24 has 1 left. */
		CHECK_EQ_INT(syns(&w, &b, 1), 1);
		CHECK_EQ_INT(syns(&w, &b, 1), 0);
		/* Another /24 has its own bucket. */
		CHECK_EQ_INT(syns(&w, &c, 4), 3);
		/* An interval on for the /24 only: one more for the pool,
		 * which b (own budget left) takes, a (none) cannot. */
		set_tat(&w, &pool, tat(&w, &pool) - INTERVAL);
		CHECK_EQ_INT(syns(&w, &a, 1), 0);
		CHECK_EQ_INT(syns(&w, &b, 1), 1);
		CHECK_EQ_INT(syns(&w, &b, 1), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 8);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_THROTTLE), 5);
	}
	world_down(&w);
}

TEST(tc_throttle_prefix_bucket_v6_64)
{
	static const __u8 a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				     0, 0, 0, 0, 0, 0, 0, 0x20 };
	static const __u8 b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				     0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	static const __u8 c6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 1,
				     0, 0, 0, 0, 0, 0, 0, 0x20 };
	struct mxg_config cfg = throttle_config(0, 2);
	struct world w;
	struct mxg_key a = key6(a6), b = key6(b6), c = key6(c6);

	if (world_up_cfg(&w, &cfg) == 0) {
		throttled(&w, &a);
		throttled(&w, &b);
		throttled(&w, &c);
		CHECK_EQ_INT(syns(&w, &a, 1), 1);
		CHECK_EQ_INT(syns(&w, &b, 2), 1);	/* same /64 */
		CHECK_EQ_INT(syns(&w, &c, 3), 2);	/* the next /64 */
		CHECK(tat(&w, &(struct mxg_key){ 0 }) == 0);
		{
			struct mxg_key p = prefix(a, 64);

			CHECK(tat(&w, &p) != 0);
		}
	}
	world_down(&w);
}

TEST(tc_throttle_interval_0_turns_a_bucket_off)
{
	struct mxg_config cfg = throttle_config(0, 2);
	struct world w;
	struct mxg_key a = key4(198, 51, 100, 20), b = key4(198, 51, 100, 21);
	struct mxg_key pool = prefix(a, 96 + 24);

	if (world_up_cfg(&w, &cfg) == 0) {
		throttled(&w, &a);
		throttled(&w, &b);
		/* Per source off: only the /24's burst of 2 limits a. */
		CHECK_EQ_INT(syns(&w, &a, 3), 2);
		CHECK_EQ_INT(tat(&w, &a), 0);		/* no bucket kept */
		CHECK_EQ_INT(syns(&w, &b, 1), 0);
		/* Per prefix off too: no limit at all. */
		w.cfg.throttle_prefix_interval_ns = 0;
		reconfigure(&w);
		CHECK_EQ_INT(syns(&w, &a, 20), 20);
		CHECK_EQ_INT(syns(&w, &b, 20), 20);
		CHECK_EQ_INT(tat(&w, &b), 0);
		/* Per source on, per prefix off: no /24 bucket. */
		w.cfg = throttle_config(2, 0);
		reconfigure(&w);
		bpf_map_delete_elem(bpf_map__fd(w.skel->maps.throttle), &pool);
		CHECK_EQ_INT(syns(&w, &a, 3), 2);
		CHECK_EQ_INT(syns(&w, &b, 3), 2);
		CHECK_EQ_INT(tat(&w, &pool), 0);
	}
	world_down(&w);
}

TEST(tc_throttle_is_only_for_throttle_verdicts)
{
	struct mxg_config cfg = throttle_config(1, 1);
	struct world w;
	struct mxg_key a = key4(198, 51, 100, 20);

	if (world_up_cfg(&w, &cfg) == 0) {
		/* A pass is not throttled, and charges no bucket. */
		put_at(&w, &a, MXG_ACT_PASS, MXG_R_FCRDNS, 0, 60 * MINUTE);
		CHECK_EQ_INT(syns(&w, &a, 5), 5);
		CHECK_EQ_INT(tat(&w, &a), 0);
		/* Unknown sources neither: they pass unmarked, to the daemon. */
		verdict_forget(&w.maps, &a);
		for (int i = 0; i < 3; i++) {
			struct pkt_spec s = syn_from(&a);
			__u32 mark;

			CHECK_EQ_INT(run(&w, &s, 0, 0x30000, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0x30000);
		}
		CHECK_EQ_INT(tat(&w, &a), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_THROTTLE), 0);
	}
	world_down(&w);
}

/* GCRA admits a SYN only when every bucket does, and only then moves
 * them: a SYN the /24 refuses must leave the source's bucket alone, or a
 * source in a busy pool loses its own budget to SYNs that never passed. */
TEST(tc_throttle_syn_refused_by_the_pool_spends_no_source_token)
{
	struct mxg_config cfg = throttle_config(3, 1);
	struct world w;
	struct mxg_key a = key4(198, 51, 100, 20), b = key4(198, 51, 100, 21);
	struct mxg_key pool = prefix(a, 96 + 24);
	__u64 before;

	if (world_up_cfg(&w, &cfg) == 0) {
		throttled(&w, &a);
		throttled(&w, &b);
		CHECK_EQ_INT(syns(&w, &a, 1), 1);	/* the /24's only token */
		CHECK_EQ_INT(syns(&w, &b, 1), 0);	/* the pool says no */
		before = tat(&w, &b);
		CHECK_EQ_INT(syns(&w, &b, 2), 0);
		CHECK_EQ_INT(tat(&w, &b), before);	/* b spent nothing */
		/* The pool recovers: b has its whole burst of 3 (the pool
		 * allows 1 per interval, so give it one each time). */
		for (int i = 0; i < 3; i++) {
			set_tat(&w, &pool, 1);
			if (syns(&w, &b, 1) != 1)
				test_fail(__FILE__, __LINE__, "b's SYN %d of its burst "
					  "of 3 dropped", i + 1);
		}
	}
	world_down(&w);
}

/* The per-prefix bucket of an IPv6 source is its /64, whatever its low
 * 64 bits hold: 2001:db8:c::ffff:0:21 has ff ff in bytes 10-11, like an
 * IPv4-mapped address, but is no IPv4 address. */
TEST(tc_throttle_v6_source_with_ffff_in_bytes_10_11_shares_its_64)
{
	static const __u8 a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				     0, 0, 0, 0, 0, 0, 0, 0x20 };
	static const __u8 b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				     0, 0, 0xff, 0xff, 0, 0, 0, 0x21 };
	struct mxg_config cfg = throttle_config(0, 2);
	struct world w;
	struct mxg_key a = key6(a6), b = key6(b6);
	struct mxg_key pool = prefix(a, 64), wrong = prefix(b, 96 + 24);

	if (world_up_cfg(&w, &cfg) == 0) {
		throttled(&w, &a);
		throttled(&w, &b);
		CHECK_EQ_INT(syns(&w, &a, 2), 2);	/* the /64's burst */
		CHECK_EQ_INT(syns(&w, &b, 1), 0);	/* same /64: over */
		CHECK(tat(&w, &pool) != 0);
		CHECK_EQ_INT(tat(&w, &wrong), 0);	/* no /120 bucket */
	}
	world_down(&w);
}
