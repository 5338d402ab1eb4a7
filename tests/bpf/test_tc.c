/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_tc.c - the real tc program under BPF_PROG_TEST_RUN: crafted
 * packets in, verdict (TC_ACT_*), skb mark and counters out. The maps are
 * pinned in a private bpffs that the tests mount and unmount themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "bpf_load.h"
#include "country.h"
#include "log.h"
#include "mxgate.skel.h"
#include "packets.h"
#include "test.h"
#include "maps.h"
#include "world.h"

TEST(tc_unknown_source_passes_unmarked)
{
	struct world w;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct pkt_spec s = syn_spec(fam);

			CHECK_EQ_INT(run(&w, &s, 0, 0x70000, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0x70000);
		}
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PACKETS), 2);
	}
	world_down(&w);
}

TEST(tc_pass_sets_the_mark_keeping_other_bits)
{
	struct world w;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct pkt_spec s = syn_spec(fam);

			put(&w, fam, MXG_ACT_PASS, MXG_R_FCRDNS, 60 * SECOND);
			CHECK_EQ_INT(run(&w, &s, 0, 0x70f00, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0x70000 | MXG_DEFAULT_MARK_PASS);
		}
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_PASS), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 0);
	}
	world_down(&w);
}

TEST(tc_block_drops_and_counts_reasons_and_hits)
{
	struct world w;
	struct mxg_key k = key_of(4);
	struct mxg_verdict v;
	struct pkt_spec s = syn_spec(4);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R1 | MXG_R_FCRDNS, 60 * SECOND);
		for (int i = 0; i < 3; i++)
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_BLOCK), 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 1), 3);	/* s25r1 */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 7), 3);	/* fcrdns */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 0), 0);	/* s25r0 */
		CHECK_EQ_INT(verdict_get(&w.maps, &k, &v), 0);
		CHECK_EQ_INT(v.hits, 3);
	}
	world_down(&w);
}

TEST(tc_expired_verdict_is_ignored)
{
	struct world w;
	struct pkt_spec s = syn_spec(6);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 6, MXG_ACT_BLOCK, MXG_R_S25R0, 0);	/* expires now */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_BLOCK), 0);
	}
	world_down(&w);
}

/* events - what drain_events() found in the events ring buffer */
struct events {
	int n;				/* records consumed */
	int bad_size;			/* records not the size of an event */
	struct mxg_event ev[8];		/* the first ones */
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct events *e = ctx;

	if (size != sizeof(struct mxg_event))
		e->bad_size++;
	else if (e->n < 8)
		memcpy(&e->ev[e->n], data, sizeof(struct mxg_event));
	e->n++;
	return 0;
}

/* drain_events - consume every record in the events ring buffer; the
 * consumer position lives in the map, so each call sees only new ones */
static int drain_events(struct world *w, struct events *e)
{
	struct ring_buffer *rb;
	int r;

	memset(e, 0, sizeof(*e));
	rb = ring_buffer__new(bpf_map__fd(w->skel->maps.events), on_event, e, NULL);
	if (!rb) {
		test_fail(__FILE__, __LINE__, "ring_buffer__new: %s", strerror(errno));
		return -1;
	}
	r = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	if (r < 0)
		test_fail(__FILE__, __LINE__, "ring_buffer__consume: %s", strerror(-r));
	CHECK_EQ_INT(e->bad_size, 0);
	return e->n;
}

TEST(tc_greylist_clock)
{
	struct world w;
	struct pkt_spec s = syn_spec(4);
	struct mxg_key k = key_of(4);
	struct mxg_verdict v;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		/* First contact just now: a retry before the delay goes to
		 * the responder (450 again), not to the MTA. */
		put_at(&w, &k, MXG_ACT_GREYLIST, MXG_R_S25R1, 0, 45 * MINUTE);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_GREYLIST), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 0);
		/* 30 minutes later, inside the window: promoted to pass. */
		put_at(&w, &k, MXG_ACT_GREYLIST, MXG_R_S25R1, -30 * (__s64)MINUTE,
		       15 * MINUTE);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 1);
		CHECK_EQ_INT(verdict_get(&w.maps, &k, &v), 0);
		CHECK_EQ_INT(v.action, MXG_ACT_PASS);
		CHECK(v.reasons & MXG_R_RETRIED);
		CHECK(v.expires_ns > now_ns() + 19 * DAY);
		/* Its later connections pass and keep the allowlisting fresh. */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 1);
		/* No retry in the window: the entry lapses, the SYN is queued
		 * as a first contact again. */
		put_at(&w, &k, MXG_ACT_GREYLIST, MXG_R_S25R1, -50 * (__s64)MINUTE,
		       -(__s64)SECOND);	/* not minutes: a time before boot would wrap */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_GREYLIST_EXPIRED), 1);
		/* Tarpit goes to the responder. */
		put(&w, 4, MXG_ACT_TARPIT, MXG_R_S25R1, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
	}
	world_down(&w);
}

TEST(tc_greylist_early_syn_is_marked_for_the_responder)
{
	struct world w;
	struct events ev;
	struct mxg_verdict before, after;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct pkt_spec s = syn_spec(fam);
			struct mxg_key k = key_of(fam);

			/* Marks outside mark_mask stay, mxgate's bits are
			 * replaced (a stale PASS bit included). */
			put_at(&w, &k, MXG_ACT_GREYLIST, MXG_R_S25R1 | MXG_R_S25R3,
			       0, 45 * MINUTE);
			before = get(&w, &k);
			CHECK_EQ_INT(run(&w, &s, 0, 0x70000 | MXG_DEFAULT_MARK_PASS,
					 &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0x70000 | MXG_DEFAULT_MARK_RESPONDER);
			/* One second short of the delay: still too early. */
			put_at(&w, &k, MXG_ACT_GREYLIST, MXG_R_S25R1 | MXG_R_S25R3,
			       -(__s64)GREYLIST_DELAY + (__s64)SECOND, 45 * MINUTE);
			before = get(&w, &k);
			CHECK_EQ_INT(run(&w, &s, 0, 0xf0000f00, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0xf0000000 | MXG_DEFAULT_MARK_RESPONDER);
			/* The entry is left as it was, but for its hits. */
			after = get(&w, &k);
			CHECK_EQ_INT(after.action, MXG_ACT_GREYLIST);
			CHECK_EQ_INT(after.reasons, MXG_R_S25R1 | MXG_R_S25R3);
			CHECK_EQ_INT(after.decided_ns, before.decided_ns);
			CHECK_EQ_INT(after.reported_ns, 0);
			CHECK_EQ_INT(after.expires_ns, before.expires_ns);
			CHECK_EQ_INT(after.hits, before.hits + 1);
		}
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_GREYLIST), 4);
		CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 4);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_GREYLIST), 4);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 1), 4);	/* s25r1 */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 3), 4);	/* s25r3 */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 2), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 16), 0);	/* retried */
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 0);
		CHECK_EQ_INT(drain_events(&w, &ev), 0);
	}
	world_down(&w);
}

TEST(tc_greylist_retry_in_window_is_promoted_and_reported)
{
	struct world w;
	struct events ev;
	struct mxg_verdict v;
	__u32 mark;
	__u64 t0, t1;

	if (world_up(&w, NULL, 0) == 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct pkt_spec s = syn_spec(fam);
			struct mxg_key k = key_of(fam);

			/* Exactly the delay ago (the program's now is no earlier
			 * than ours): the retry counts. */
			put_at(&w, &k, MXG_ACT_GREYLIST, MXG_R_S25R1,
			       -(__s64)GREYLIST_DELAY, 20 * MINUTE);
			t0 = now_ns();
			CHECK_EQ_INT(run(&w, &s, 0, 0x70000 | MXG_DEFAULT_MARK_RESPONDER,
					 &mark), TC_ACT_OK);
			t1 = now_ns();
			CHECK_EQ_INT(mark, 0x70000 | MXG_DEFAULT_MARK_PASS);
			v = get(&w, &k);
			CHECK_EQ_INT(v.action, MXG_ACT_PASS);
			CHECK_EQ_INT(v.reasons, MXG_R_S25R1 | MXG_R_RETRIED);
			/* The pass was decided now: the promotion. */
			CHECK(v.decided_ns >= t0 && v.decided_ns <= t1);
			CHECK_EQ_INT(v.expires_ns, v.decided_ns + ALLOWLIST_TTL);
			CHECK_EQ_INT(v.reported_ns, 0);
			CHECK_EQ_INT(v.hits, 1);
			/* One event: the entry's key and its new value. */
			CHECK_EQ_INT(drain_events(&w, &ev), 1);
			CHECK_EQ_INT(ev.ev[0].type, MXG_EV_PROMOTED);
			CHECK(memcmp(&ev.ev[0].key, &k, sizeof(k)) == 0);
			CHECK(memcmp(&ev.ev[0].verdict, &v, sizeof(v)) == 0);
			CHECK_EQ_INT(ev.ev[0].verdict.action, MXG_ACT_PASS);
			/* The next SYN passes without a second promotion. */
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
			CHECK_EQ_INT(drain_events(&w, &ev), 0);
		}
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 4);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_GREYLIST), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_PASS), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_GREYLIST), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 1), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 0);
	}
	world_down(&w);
}

TEST(tc_greylist_after_the_window_goes_to_the_daemon)
{
	struct world w;
	struct events ev;
	struct mxg_key k = key_of(4), k6 = key_of(6);
	struct pkt_spec s = syn_spec(4), s6 = syn_spec(6);
	struct mxg_verdict before, after;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		/* (A second ago: a monotonic time before boot would wrap.) */
		put_at(&w, &k, MXG_ACT_GREYLIST, MXG_R_S25R1, -50 * (__s64)MINUTE,
		       -(__s64)SECOND);
		before = get(&w, &k);
		CHECK_EQ_INT(run(&w, &s, 0, 0x70000, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0x70000);
		after = get(&w, &k);
		CHECK(memcmp(&before, &after, sizeof(before)) == 0);
		/* The window ends at expires_ns itself. */
		put_at(&w, &k6, MXG_ACT_GREYLIST, MXG_R_S25R1, -45 * (__s64)MINUTE, 0);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(get(&w, &k6).action, MXG_ACT_GREYLIST);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_GREYLIST_EXPIRED), 2);
		/* An expired verdict of another action is no greylist expiry. */
		put_at(&w, &k, MXG_ACT_BLOCK, MXG_R_S25R1, -50 * (__s64)MINUTE,
		       -(__s64)SECOND);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_GREYLIST_EXPIRED), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_GREYLIST), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_GREYLIST), 0);
		CHECK_EQ_INT(drain_events(&w, &ev), 0);
	}
	world_down(&w);
}

TEST(tc_promoted_pass_is_renewed_by_later_syns)
{
	struct world w;
	struct mxg_key k = key_of(6), other = key_of(4);
	struct pkt_spec s = syn_spec(6), s4 = syn_spec(4);
	struct mxg_verdict v;
	struct events ev;
	__u64 t0, t1, old_set, decided;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		/* A client promoted long ago whose pass has an hour left. */
		put_at(&w, &k, MXG_ACT_PASS, MXG_R_S25R1 | MXG_R_RETRIED,
		       -19 * (__s64)DAY, 60 * MINUTE);
		decided = get(&w, &k).decided_ns;
		t0 = now_ns();
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		t1 = now_ns();
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		v = get(&w, &k);
		CHECK_EQ_INT(v.action, MXG_ACT_PASS);
		CHECK(v.expires_ns >= t0 + ALLOWLIST_TTL && v.expires_ns <= t1 + ALLOWLIST_TTL);
		/* Promoted more than a day ago and never reported: reported
		 * now, for the daemon's disk copy, and reported_ns says when;
		 * decided_ns (lookup's age) stays the promotion. */
		CHECK(v.reported_ns >= t0 && v.reported_ns <= t1);
		CHECK_EQ_INT(v.decided_ns, decided);
		CHECK_EQ_INT(v.hits, 1);
		CHECK_EQ_INT(drain_events(&w, &ev), 1);
		CHECK_EQ_INT(ev.ev[0].type, MXG_EV_RENEWED);
		CHECK(memcmp(&ev.ev[0].key, &k, sizeof(k)) == 0);
		CHECK_EQ_INT(ev.ev[0].verdict.expires_ns, v.expires_ns);
		CHECK_EQ_INT(ev.ev[0].verdict.reported_ns, v.reported_ns);
		CHECK_EQ_INT(ev.ev[0].verdict.decided_ns, decided);
		/* Back within the day: renewed again, not reported again. */
		old_set = v.reported_ns;
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		v = get(&w, &k);
		CHECK(v.expires_ns >= t1 + ALLOWLIST_TTL);
		CHECK_EQ_INT(v.reported_ns, old_set);
		CHECK_EQ_INT(v.decided_ns, decided);
		CHECK_EQ_INT(drain_events(&w, &ev), 0);
		/* Reported more than a day ago: reported again. */
		v.reported_ns = now_ns() - DAY - MINUTE;
		CHECK_EQ_INT(bpf_map_update_elem(w.maps.verdicts_fd, &k, &v, BPF_ANY), 0);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(drain_events(&w, &ev), 1);
		CHECK(get(&w, &k).reported_ns >= t1);
		CHECK_EQ_INT(get(&w, &k).decided_ns, decided);
		/* Promoted within the day (the promotion was reported itself):
		 * renewed, not reported. */
		put_at(&w, &k, MXG_ACT_PASS, MXG_R_S25R1 | MXG_R_RETRIED,
		       -2 * 60 * (__s64)MINUTE, 60 * MINUTE);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK(get(&w, &k).expires_ns >= t1 + ALLOWLIST_TTL);
		CHECK_EQ_INT(get(&w, &k).reported_ns, 0);
		CHECK_EQ_INT(drain_events(&w, &ev), 0);
		/* A pass the daemon gave (no retry) keeps its own expiry. */
		put_at(&w, &other, MXG_ACT_PASS, MXG_R_FCRDNS, 0, 60 * MINUTE);
		old_set = get(&w, &other).expires_ns;
		CHECK_EQ_INT(run(&w, &s4, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(get(&w, &other).expires_ns, old_set);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 5);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 0);
	}
	world_down(&w);
}

TEST(tc_tarpit_is_marked_and_never_promoted)
{
	struct world w;
	struct events ev;
	struct mxg_key k = key_of(4);
	struct pkt_spec s = syn_spec(4);
	struct mxg_verdict v;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		/* Set two hours ago: far past the greylist delay. */
		put_at(&w, &k, MXG_ACT_TARPIT, MXG_R_PREGREET, -120 * (__s64)MINUTE,
		       60 * MINUTE);
		for (int i = 0; i < 3; i++) {
			CHECK_EQ_INT(run(&w, &s, 0, 0x10000 | MXG_DEFAULT_MARK_PASS,
					 &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0x10000 | MXG_DEFAULT_MARK_RESPONDER);
		}
		v = get(&w, &k);
		CHECK_EQ_INT(v.action, MXG_ACT_TARPIT);
		CHECK_EQ_INT(v.reasons, MXG_R_PREGREET);
		CHECK_EQ_INT(v.hits, 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_TARPIT), 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_GREYLIST), 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 18), 3);	/* pregreet */
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 0);
		CHECK_EQ_INT(drain_events(&w, &ev), 0);
		/* Manual tarpit of a client the delay does not apply to. */
		put_at(&w, &k, MXG_ACT_TARPIT, MXG_R_MANUAL, -(__s64)DAY, MINUTE);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		CHECK_EQ_INT(get(&w, &k).action, MXG_ACT_TARPIT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_GREYLIST), 4);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 10), 1);	/* manual */
	}
	world_down(&w);
}

/* pool_case - greylist aggregation over the pool of the test source of
 * fam (plen: 120 for IPv4 /24, 64 for IPv6 /64); the pool entry judges
 * addresses without their own entry. inside[]: three other addresses of
 * the pool, outside: one next to it. */
static void pool_case(int fam, unsigned plen, const struct mxg_key inside[3],
		      const struct mxg_key *outside)
{
	struct mxg_config cfg = default_config();
	struct world w;
	struct events ev;
	struct mxg_key src = key_of(fam), pool = prefix(key_of(fam), plen);
	struct pkt_spec s;
	struct mxg_verdict v;
	__u32 mark;

	if (fam == 4)
		cfg.greylist_plen_v4 = (__u8)plen;
	else
		cfg.greylist_plen_v6 = (__u8)plen;
	if (world_up_cfg(&w, &cfg) == 0) {
		/* The daemon greylisted the pool at the test source's first
		 * contact. Another address of the pool, early: responder. */
		put_at(&w, &pool, MXG_ACT_GREYLIST, MXG_R_S25R2, 0, 45 * MINUTE);
		s = syn_from(&inside[0]);
		CHECK_EQ_INT(run(&w, &s, 0, 0x70000, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0x70000 | MXG_DEFAULT_MARK_RESPONDER);
		CHECK_EQ_INT(get(&w, &pool).hits, 1);
		CHECK(!has_verdict(&w, &inside[0]));	/* no entry of its own */
		CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 1);
		/* An address outside the pool is unknown. */
		s = syn_from(outside);
		CHECK_EQ_INT(run(&w, &s, 0, 0x70000, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0x70000);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 1);
		/* After the delay another address of the pool retries: the
		 * pool entry is promoted and reported under its own key. */
		put_at(&w, &pool, MXG_ACT_GREYLIST, MXG_R_S25R2, -30 * (__s64)MINUTE,
		       15 * MINUTE);
		s = syn_from(&inside[1]);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		v = get(&w, &pool);
		CHECK_EQ_INT(v.action, MXG_ACT_PASS);
		CHECK_EQ_INT(v.reasons, MXG_R_S25R2 | MXG_R_RETRIED);
		CHECK(!has_verdict(&w, &inside[1]));
		CHECK(!has_verdict(&w, &src));
		CHECK_EQ_INT(drain_events(&w, &ev), 1);
		CHECK_EQ_INT(ev.ev[0].type, MXG_EV_PROMOTED);
		CHECK(memcmp(&ev.ev[0].key, &pool, sizeof(pool)) == 0);
		CHECK(memcmp(&ev.ev[0].verdict, &v, sizeof(v)) == 0);
		/* A third address of the pool passes now, as does the first. */
		s = syn_from(&inside[2]);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		s = syn_spec(fam);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 3);
		CHECK_EQ_INT(drain_events(&w, &ev), 0);
		/* The outside address is still unknown. */
		s = syn_from(outside);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 2);
		/* A /128 entry inside the pool wins over the pool's pass. */
		put_at(&w, &inside[0], MXG_ACT_BLOCK, MXG_R_DNSBL, 0, MINUTE);
		s = syn_from(&inside[0]);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_DNSBL), 1);
		/* Even when it has expired: the daemon decides again. */
		put_at(&w, &inside[0], MXG_ACT_BLOCK, MXG_R_DNSBL, -(__s64)DAY, -1);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 3);
		/* And a /128 pass beats a pool still in its greylist delay. */
		put_at(&w, &pool, MXG_ACT_GREYLIST, MXG_R_S25R2, 0, 45 * MINUTE);
		put_at(&w, &inside[1], MXG_ACT_PASS, MXG_R_FCRDNS, 0, MINUTE);
		s = syn_from(&inside[1]);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		s = syn_from(&inside[2]);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		/* With aggregation off the pool entry is ignored. */
		if (fam == 4)
			w.cfg.greylist_plen_v4 = 0;
		else
			w.cfg.greylist_plen_v6 = 0;
		reconfigure(&w);
		CHECK_EQ_INT(run(&w, &s, 0, 0x70000, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0x70000);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 3);
		/* Aggregation of the other family does not apply to this one. */
		if (fam == 4)
			w.cfg.greylist_plen_v6 = 64;
		else
			w.cfg.greylist_plen_v4 = 120;
		reconfigure(&w);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 4);
	}
	world_down(&w);
}

TEST(tc_greylist_pool_v4_24)
{
	struct mxg_key in[3] = { key4(198, 51, 100, 77), key4(198, 51, 100, 1),
				 key4(198, 51, 100, 255) };
	struct mxg_key out = key4(198, 51, 101, 20);

	pool_case(4, 96 + 24, in, &out);
}

TEST(tc_greylist_pool_v6_64)
{
	/* 2001:db8:c::/64; the test source is 2001:db8:c::20. */
	static const __u8 a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	static const __u8 b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const __u8 c[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				    0, 0, 0, 0, 0, 0, 0, 0x21 };
	static const __u8 o[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 1,
				    0, 0, 0, 0, 0, 0, 0, 0x20 };
	struct mxg_key in[3] = { key6(a), key6(b), key6(c) };
	struct mxg_key out = key6(o);

	pool_case(6, 64, in, &out);
}

TEST(tc_greylist_pool_plen_off_a_byte_boundary)
{
	struct mxg_config cfg = default_config();
	struct world w;
	/* 198.51.100.20/20 is 198.51.96.0/20: .96.0 up to .111.255 */
	struct mxg_key pool = key4(198, 51, 96, 0), in = key4(198, 51, 111, 9),
		       out = key4(198, 51, 112, 9), below = key4(198, 51, 95, 9);
	struct pkt_spec s;
	__u32 mark;

	pool.plen = 96 + 20;
	cfg.greylist_plen_v4 = 96 + 20;
	if (world_up_cfg(&w, &cfg) == 0) {
		put_at(&w, &pool, MXG_ACT_BLOCK, MXG_R_TABLE_DENY, 0, MINUTE);
		s = syn_spec(4);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		s = syn_from(&in);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		s = syn_from(&out);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		s = syn_from(&below);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_TABLE), 2);
	}
	world_down(&w);
}

/* breakdown_slot - the one breakdown counter (ACCEPTED .. REFUSED_OTHER)
 * that grew by one between before and after; -1 if not exactly one did */
static int breakdown_slot(const __u64 *before, const __u64 *after)
{
	int slot = -1;

	for (int id = MXG_STAT_ACCEPTED; id <= MXG_STAT_REFUSED_OTHER; id++) {
		if (after[id] == before[id])
			continue;
		if (after[id] != before[id] + 1 || slot >= 0)
			return -1;
		slot = id;
	}
	return slot;
}

TEST(tc_breakdown_counts_each_judged_syn_once)
{
	static const struct {
		enum mxg_action action;
		__u32 reasons;
		int ret, slot;
	} cases[] = {
		{ MXG_ACT_PASS, MXG_R_FCRDNS, TC_ACT_OK, MXG_STAT_ACCEPTED },
		{ MXG_ACT_PASS, MXG_R_TABLE_OK, TC_ACT_OK, MXG_STAT_ACCEPTED },
		{ MXG_ACT_BLOCK, MXG_R_TABLE_DENY | MXG_R_DNSBL | MXG_R_S25R1,
		  TC_ACT_SHOT, MXG_STAT_REFUSED_TABLE },
		{ MXG_ACT_BLOCK, MXG_R_DNSBL | MXG_R_S25R1, TC_ACT_SHOT,
		  MXG_STAT_REFUSED_DNSBL },
		{ MXG_ACT_BLOCK, MXG_R_DNSBL, TC_ACT_SHOT, MXG_STAT_REFUSED_DNSBL },
		{ MXG_ACT_BLOCK, MXG_R_S25R4, TC_ACT_SHOT, MXG_STAT_REFUSED_GREYLIST },
		{ MXG_ACT_BLOCK, MXG_R_S25R_EXTRA, TC_ACT_SHOT,
		  MXG_STAT_REFUSED_GREYLIST },
		{ MXG_ACT_BLOCK, MXG_R_HANGUP, TC_ACT_SHOT, MXG_STAT_REFUSED_GREYLIST },
		{ MXG_ACT_BLOCK, MXG_R_COUNTRY | MXG_R_S25R0, TC_ACT_SHOT,
		  MXG_STAT_REFUSED_COUNTRY },
		{ MXG_ACT_BLOCK, MXG_R_MANUAL, TC_ACT_SHOT, MXG_STAT_REFUSED_OTHER },
		{ MXG_ACT_BLOCK, 0, TC_ACT_SHOT, MXG_STAT_REFUSED_OTHER },
		{ MXG_ACT_GREYLIST, MXG_R_DNSBL, TC_ACT_OK, MXG_STAT_REFUSED_DNSBL },
		{ MXG_ACT_GREYLIST, 0, TC_ACT_OK, MXG_STAT_REFUSED_GREYLIST },
		{ MXG_ACT_TARPIT, MXG_R_TABLE_DENY, TC_ACT_OK, MXG_STAT_REFUSED_TABLE },
	};
	__u64 before[MXG_STAT_MAX], after[MXG_STAT_MAX];
	struct world w;
	struct mxg_key k = key_of(6);
	struct pkt_spec s = syn_spec(6);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			put_at(&w, &k, cases[i].action, cases[i].reasons, 0, MINUTE);
			stats(&w, before);
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), cases[i].ret);
			stats(&w, after);
			if (breakdown_slot(before, after) != cases[i].slot)
				test_fail(__FILE__, __LINE__, "case %zu: breakdown slot "
					  "%d, expected %d", i,
					  breakdown_slot(before, after), cases[i].slot);
			/* Refused SYNs count every reason, accepted ones none. */
			for (int bit = 0; bit < MXG_REASON_BITS; bit++) {
				__u64 want = cases[i].slot != MXG_STAT_ACCEPTED &&
					     (cases[i].reasons & (1u << bit));

				if (after[MXG_STAT_REASON + bit] -
				    before[MXG_STAT_REASON + bit] != want)
					test_fail(__FILE__, __LINE__, "case %zu: "
						  "reason bit %d", i, bit);
			}
		}
		/* No verdict, or an expired one: the daemon counts it. */
		verdict_forget(&w.maps, &k);
		stats(&w, before);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		put_at(&w, &k, MXG_ACT_BLOCK, MXG_R_DNSBL, -(__s64)MINUTE, -1);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		stats(&w, after);
		CHECK_EQ_INT(breakdown_slot(before, after), -1);
		for (int id = MXG_STAT_ACCEPTED; id <= MXG_STAT_REFUSED_OTHER; id++)
			CHECK_EQ_INT(after[id], before[id]);
	}
	world_down(&w);
}

TEST(tc_country_block_counts_in_the_breakdown)
{
	struct world w;
	struct country_set set = { 0 };
	struct country_entry e[2] = {
		{ .key = { .prefixlen = 96 + 24, .addr = { [10] = 0xff, [11] = 0xff,
			   [12] = 198, [13] = 51, [14] = 100 } },
		  .value = { .cc = "zz", .action = MXG_ACT_BLOCK } },
		{ .key = { .prefixlen = 48, .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c } },
		  .value = { .cc = "yy", .action = MXG_ACT_GREYLIST } },
	};
	struct mxg_key k6 = key_of(6);
	struct pkt_spec s4 = syn_spec(4), s6 = syn_spec(6);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		int fd = bpf_map__fd(w.skel->maps.countries);

		set.entries = e;
		set.n = 2;
		CHECK_EQ_INT(country_install(fd, &set, NULL), 0);
		/* Blocked country, no verdict: dropped and counted. */
		CHECK_EQ_INT(run(&w, &s4, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_COUNTRY), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_COUNTRY), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 0);
		/* A greylisted country is the daemon's business: the SYN of an
		 * unknown source is left to it, a cached verdict applies. */
		CHECK_EQ_INT(run(&w, &s6, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 1);
		put_at(&w, &k6, MXG_ACT_PASS, MXG_R_FCRDNS, 0, MINUTE);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		e[1].value.action = MXG_ACT_THROTTLE;
		CHECK_EQ_INT(country_install(fd, &set, NULL), 0);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		e[1].value.action = MXG_ACT_TARPIT;
		CHECK_EQ_INT(country_install(fd, &set, NULL), 0);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(stat(&w, MXG_STAT_COUNTRY), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_COUNTRY), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 3);
	}
	world_down(&w);
}

TEST(tc_only_new_syns_to_protected_ports_are_judged)
{
	struct world w;
	struct pkt_spec s;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		put(&w, 6, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		s = syn_spec(4);
		s.tcp_flags = 0x10;			/* ACK of a live connection */
		CHECK_EQ_INT(run(&w, &s, 0, 5, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 5);
		s.tcp_flags = 0x12;			/* SYN-ACK */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		s = syn_spec(4);
		s.dport = 80;				/* not protected */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		s = syn_spec(6);
		s.udp = 1;
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		s = syn_spec(4);
		s.v4_frag_offset = 8;			/* later fragment */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 0);
		/* VLAN-tagged and QinQ SYNs are judged like untagged ones. */
		s = syn_spec(6);
		s.vlans = 1;
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		s.vlans = 2;
		s.v6_hop_dst = 1;
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 2);
	}
	world_down(&w);
}

TEST(tc_truncated_packets_pass_and_are_counted)
{
	struct world w;
	struct pkt_spec s = syn_spec(4);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		/* Ethernet + IPv4 header + half a TCP header. */
		CHECK_EQ_INT(run(&w, &s, 14 + 20 + 10, 0, &mark), TC_ACT_OK);
		/* IPv6 cut inside its destination options header. */
		s = syn_spec(6);
		s.v6_hop_dst = 1;
		CHECK_EQ_INT(run(&w, &s, 14 + 40 + 12, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(stat(&w, MXG_STAT_MALFORMED), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 0);
	}
	world_down(&w);
}

TEST(tc_configured_ports_replace_port_25)
{
	static const __u16 ports[] = { 587, 2525 };
	struct world w;
	struct pkt_spec s = syn_spec(4);

	if (world_up(&w, ports, 2) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_OK);	/* 25 */
		s.dport = 587;
		CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_SHOT);
		s.dport = 2525;
		CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_SHOT);
	}
	world_down(&w);
}

TEST(tc_pinned_maps_survive_a_reload)
{
	char warning[4096], want[256];
	struct world w;
	struct mxgate_bpf *again;
	struct pkt_spec s = syn_spec(4);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R2, 60 * SECOND);
		/* A restarted daemon loads the program anew: same maps. */
		again = bpf_load(w.dir, 1024, 1024);
		CHECK(again != NULL);
		if (again) {
			bpf_unload(w.skel);
			w.skel = again;
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		}
		/* Another max_sources migrates the map, entries kept, and
		 * says so: the map, its pin, the change, what was kept. */
		again = load_logged(w.dir, 2048, warning, sizeof(warning));
		CHECK(again != NULL);
		snprintf(want, sizeof(want), "map verdicts pinned at %s/verdicts: "
			 "value size %zu -> %zu, max_entries 1024 -> 2048: migrated, "
			 "1 entries kept", w.dir, sizeof(struct mxg_verdict),
			 sizeof(struct mxg_verdict));
		if (!strstr(warning, want))
			test_fail(__FILE__, __LINE__, "log \"%s\" lacks \"%s\"",
				  warning, want);
		if (again) {
			bpf_unload(w.skel);
			w.skel = again;
			maps_close(&w.maps);
			CHECK_EQ_INT(maps_open(&w.maps, w.dir), 0);
			CHECK_EQ_INT(pinned_max_entries(w.dir, MXG_MAP_VERDICTS), 2048);
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		}
	}
	world_down(&w);
}

TEST(tc_country_set_drops_before_any_verdict)
{
	struct world w;
	struct country_set set = { 0 };
	struct country_entry e[2] = {
		{ .key = { .prefixlen = 96 + 24, .addr = { [10] = 0xff, [11] = 0xff,
			   [12] = 198, [13] = 51, [14] = 100 } },
		  .value = { .cc = "zz", .action = MXG_ACT_BLOCK } },
		{ .key = { .prefixlen = 48, .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c } },
		  .value = { .cc = "zz", .action = MXG_ACT_BLOCK } },
	};
	struct pkt_spec s4 = syn_spec(4), s6 = syn_spec(6);

	if (world_up(&w, NULL, 0) == 0) {
		int fd = bpf_map__fd(w.skel->maps.countries);

		put(&w, 4, MXG_ACT_PASS, MXG_R_FCRDNS, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, NULL), TC_ACT_OK);
		set.entries = e;
		set.n = 2;
		CHECK_EQ_INT(country_install(fd, &set, NULL), 0);
		/* The country wins even over a cached pass. */
		CHECK_EQ_INT(run(&w, &s4, 0, 0, NULL), TC_ACT_SHOT);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, NULL), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_COUNTRY), 2);
		/* An empty set swapped in lifts it at once. */
		set.n = 0;
		CHECK_EQ_INT(country_install(fd, &set, NULL), 0);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, NULL), TC_ACT_OK);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, NULL), TC_ACT_OK);
	}
	world_down(&w);
}

/* attached_id - id of the program at mxgate's handle on ifname's ingress,
 * 0 when there is none */
static __u32 attached_id(const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(ifname),
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXG_TC_HANDLE,
		    .priority = MXG_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) == 0 ? opts.prog_id : 0;
}

/* prog_id - the kernel's id of skel's tc program */
static __u32 prog_id(struct mxgate_bpf *skel)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.mxgate_ingress),
				   &info, &len))
		return 0;
	return info.id;
}

/* The attach tests run in a network namespace of their own, entered with
 * unshare() and left with setns(): its lo is the interface, and the
 * namespace (with anything attached there) goes when the test leaves. */
TEST(tc_attach_replace_detach)
{
	struct mxgate_bpf *again;
	struct world w;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	__u32 id;

	if (home < 0 || unshare(CLONE_NEWNET) < 0) {
		test_fail(__FILE__, __LINE__, "own netns: %s", strerror(errno));
		if (home >= 0)
			close(home);
		return;
	}
	if (world_up(&w, NULL, 0) == 0) {
		/* First attach creates the clsact qdisc (and says so), the
		 * second replaces. */
		CHECK_EQ_INT(bpf_attach(w.skel, "lo"), 1);
		CHECK(attached_id("lo") != 0);
		CHECK_EQ_INT(attached_id("lo"), prog_id(w.skel));
		CHECK_EQ_INT(bpf_attach(w.skel, "lo"), 0);
		CHECK_EQ_INT(attached_id("lo"), prog_id(w.skel));
		/* A restarted daemon's program takes the place of the old one
		 * and stays attached after the daemon let go of it. */
		again = bpf_load(w.dir, 1024, 1024);
		CHECK(again != NULL);
		if (again) {
			CHECK_EQ_INT(bpf_attach(again, "lo"), 0);
			id = prog_id(again);
			CHECK(id != 0 && id != prog_id(w.skel));
			bpf_unload(again);
			CHECK_EQ_INT(attached_id("lo"), id);
		}
		CHECK_EQ_INT(bpf_detach("lo", 0), 0);
		CHECK_EQ_INT(attached_id("lo"), 0);
		CHECK_EQ_INT(bpf_detach("lo", 0), 0);	/* nothing there: fine */
		/* The qdisc stayed; detached with remove_clsact it goes, and
		 * the next attach has to create it again. */
		CHECK_EQ_INT(bpf_attach(w.skel, "lo"), 0);
		CHECK_EQ_INT(bpf_detach("lo", 1), 0);
		CHECK_EQ_INT(attached_id("lo"), 0);
		CHECK_EQ_INT(bpf_attach(w.skel, "lo"), 1);
		CHECK_EQ_INT(bpf_detach("lo", 1), 0);
		CHECK_EQ_INT(bpf_attach(w.skel, "mxg-no-such"), -1);
		CHECK_EQ_INT(bpf_detach("mxg-no-such", 0), -1);
	}
	world_down(&w);
	if (setns(home, CLONE_NEWNET) < 0)
		test_fail(__FILE__, __LINE__, "back to the netns: %s", strerror(errno));
	close(home);
}

/* The daemon's counters held in memory (stats_hold): the pinned maps
 * hear of them at stats_flush() only, as deltas, so an add by another
 * writer in between (mxgatectl's manual_changes) is kept; gauges are
 * set; the holder's own reads include what it holds. */
TEST(tc_daemon_counters_held_until_flushed)
{
	struct world w;
	struct pinned_maps other;
	__u64 totals[MXG_STAT_MAX], hits[MXG_RULE_SLOTS];

	if (world_up(&w, NULL, 0) != 0)
		return;
	CHECK_EQ_INT(maps_open(&other, w.dir), 0);	/* mxgatectl */
	CHECK_EQ_INT(stats_hold(&w.maps), 0);
	stats_add(&w.maps, MXG_STAT_GREYLIST_FIRST, 2);
	stats_add(&w.maps, MXG_STAT_MANUAL_CHANGES, 1);
	stats_set(&w.maps, MXG_STAT_PENDING, 7);
	rule_hit(&w.maps, 3);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_GREYLIST_FIRST), 0);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_PENDING), 0);
	CHECK_EQ_INT(rule_hits_read(&other, hits), 0);
	CHECK_EQ_INT(hits[3], 0);
	/* the holder sees its own */
	CHECK_EQ_INT(stats_daemon(&w.maps, MXG_STAT_GREYLIST_FIRST), 2);
	CHECK_EQ_INT(stats_daemon(&w.maps, MXG_STAT_PENDING), 7);
	CHECK_EQ_INT(stats_read(&w.maps, totals), 0);
	CHECK_EQ_INT(totals[MXG_STAT_GREYLIST_FIRST], 2);
	CHECK_EQ_INT(rule_hits_read(&w.maps, hits), 0);
	CHECK_EQ_INT(hits[3], 1);
	/* mxgatectl counts a change meanwhile: both adds survive the flush */
	stats_add(&other, MXG_STAT_MANUAL_CHANGES, 1);
	stats_flush(&w.maps);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_GREYLIST_FIRST), 2);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_MANUAL_CHANGES), 2);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_PENDING), 7);
	CHECK_EQ_INT(rule_hits_read(&other, hits), 0);
	CHECK_EQ_INT(hits[3], 1);
	/* a second flush with nothing new writes nothing twice */
	stats_flush(&w.maps);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_GREYLIST_FIRST), 2);
	/* a gauge set lower replaces; counts keep adding; close flushes */
	stats_set(&w.maps, MXG_STAT_PENDING, 0);
	stats_add(&w.maps, MXG_STAT_GREYLIST_FIRST, 1);
	maps_close(&w.maps);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_PENDING), 0);
	CHECK_EQ_INT(stats_daemon(&other, MXG_STAT_GREYLIST_FIRST), 3);
	maps_close(&other);
	world_down(&w);
}
