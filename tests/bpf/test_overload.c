/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_overload.c - the tc program under a spoofed flood (issue 11): the
 * stress flag sends sources without a live verdict to the responder, and
 * verdicts reached by timeout only live in the unproven map, read after
 * the verdicts map and enforced like any other.
 */
#include "world.h"

TEST(tc_stress_sends_sources_without_a_verdict_to_the_responder)
{
	struct world w;
	struct pkt_spec s4 = syn_spec(4), s6 = syn_spec(6);
	struct mxg_key k4 = key_of(4);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		w.cfg.stress = MXG_STRESS_TEMPFAIL;
		w.cfg.stress_until_ns = now_ns() + 60 * SECOND;
		reconfigure(&w);
		/* Unknown: told to come back, never queued. */
		CHECK_EQ_INT(run(&w, &s4, 0, 0x70000, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0x70000 | MXG_DEFAULT_MARK_RESPONDER);
		/* Expired: the same. */
		put(&w, 6, MXG_ACT_PASS, MXG_R_FCRDNS, 0);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		CHECK_EQ_INT(stat(&w, MXG_STAT_OVERLOAD_TEMPFAIL), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 2);
		/* What is known is enforced as ever: a pass passes, a block
		 * is dropped, and neither counts as overload. */
		put(&w, 6, MXG_ACT_PASS, MXG_R_FCRDNS, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_DNSBL, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_OVERLOAD_TEMPFAIL), 2);
		/* The flag off (the overload over, or overload_action pass):
		 * unknown sources are queued again, unmarked. */
		w.cfg.stress = 0;
		reconfigure(&w);
		CHECK_EQ_INT(verdict_forget(&w.maps, &k4), 0);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_OVERLOAD_TEMPFAIL), 2);
		/* The flag on but its lease over (the daemon died in an
		 * overload): queued, so the bypass fails open. */
		w.cfg.stress = MXG_STRESS_TEMPFAIL;
		w.cfg.stress_until_ns = now_ns() - SECOND;
		reconfigure(&w);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_OVERLOAD_TEMPFAIL), 2);
	}
	world_down(&w);
}

TEST(tc_unproven_verdicts_are_enforced_and_yield_to_proven_ones)
{
	struct world w;
	struct pkt_spec s = syn_spec(4);
	struct mxg_key k = key_of(4);
	struct mxg_verdict v;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		CHECK(w.maps.unproven_fd >= 0);
		/* A timeout verdict of a spoofed-looking source: greylisted
		 * from the unproven map. */
		CHECK_EQ_INT(unproven_put(&w.maps, &k, MXG_ACT_GREYLIST, MXG_R_S25R0 |
					  MXG_R_TIMEOUT, 0, 300 * SECOND), 0);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		CHECK_EQ_INT(verdict_get(&w.maps, &k, &v), -ENOENT);
		CHECK_EQ_INT(unproven_get(&w.maps, &k, &v), 0);
		CHECK_EQ_INT(v.hits, 1);
		/* A verdict learned from real answers wins, and replaces it. */
		put(&w, 4, MXG_ACT_PASS, MXG_R_FCRDNS, 60 * SECOND);
		CHECK_EQ_INT(unproven_get(&w.maps, &k, &v), -ENOENT);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		/* Proving moves an unproven verdict into verdicts as it is. */
		CHECK_EQ_INT(verdict_forget(&w.maps, &k), 0);
		CHECK_EQ_INT(unproven_put(&w.maps, &k, MXG_ACT_BLOCK, MXG_R_TIMEOUT |
					  MXG_R_DNSBL, 7, 300 * SECOND), 0);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(unproven_prove(&w.maps, &k, &v), 0);
		CHECK_EQ_INT(v.dnsbl_score, 7);
		CHECK_EQ_INT(unproven_get(&w.maps, &k, &v), -ENOENT);
		CHECK_EQ_INT(verdict_get(&w.maps, &k, &v), 0);
		CHECK_EQ_INT(v.action, MXG_ACT_BLOCK);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(unproven_prove(&w.maps, &k, &v), -ENOENT);
	}
	world_down(&w);
}

TEST(tc_spoofed_verdicts_never_evict_learned_ones)
{
	struct world w;
	struct pkt_spec s = syn_spec(4);
	struct mxg_key k = key_of(4), spoofed = key_of(6);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_PASS, MXG_R_FCRDNS, 60 * SECOND);
		/* Four times the unproven map's size (1024 here) of timeout
		 * verdicts: the unproven map churns, verdicts keeps its own. */
		for (unsigned i = 0; i < 4096; i++) {
			spoofed.addr[12] = (__u8)(i >> 8);
			spoofed.addr[13] = (__u8)i;
			CHECK_EQ_INT(unproven_put(&w.maps, &spoofed, MXG_ACT_GREYLIST,
						  MXG_R_TIMEOUT, 0, 300 * SECOND), 0);
		}
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(verdict_forget(&w.maps, &k), 0);
	}
	world_down(&w);
}
