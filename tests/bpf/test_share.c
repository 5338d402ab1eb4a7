/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_share.c - two gateways, each with its own tc program and pinned
 * maps, sharing through a real redis-server (issue 15): what gateway A
 * learns (a verdict through the learner, a manual decision as mxgatectl
 * writes it) reaches B's maps through mxgated's glue (share_daemon.c),
 * and B's tc program enforces it without B's queue ever seeing the SYN.
 */
#include <stdlib.h>
#include <string.h>
#include "../unit/redis_proc.h"
#include "learn.h"
#include "manual.h"
#include "share_daemon.h"
#include "world.h"

/* A gateway: its maps and program, and mxgated's sharing glue. */
struct gateway {
	struct world w;
	struct mxg_conf conf;
	struct store store;	/* closed: nothing on disk */
	struct learner learner;
	struct share_daemon sd;
	char state_dir[64];
};

static int gateway_up(struct gateway *g, struct loop *l, const struct redis_proc *r)
{
	memset(g, 0, sizeof(*g));
	if (world_up(&g->w, NULL, 0) != 0)
		return -1;
	conf_defaults(&g->conf);
	redis_server_text(r, g->conf.redis_server, sizeof(g->conf.redis_server));
	snprintf(g->state_dir, sizeof(g->state_dir), "/tmp/mxg-share-state-XXXXXX");
	if (!mkdtemp(g->state_dir))
		return -1;
	snprintf(g->conf.state_dir, sizeof(g->conf.state_dir), "%s", g->state_dir);
	g->sd = (struct share_daemon){ .maps = &g->w.maps, .store = &g->store,
		.manual_fd = bpf_map__fd(g->w.skel->maps.manual) };
	if (share_daemon_start(&g->sd, l, &g->conf, NULL) != 0)
		return -1;
	g->learner = (struct learner){ .conf = &g->conf, .maps = &g->w.maps,
		.store = &g->store, .shared = share_daemon_learned, .shared_ctx = &g->sd };
	return 0;
}

static void gateway_down(struct gateway *g)
{
	char path[128];

	share_daemon_stop(&g->sd);
	world_down(&g->w);
	snprintf(path, sizeof(path), "%s/%s", g->state_dir, SHARE_LAST_ID_FILE);
	unlink(path);
	rmdir(g->state_dir);
}

/* spin - the loop (and each gateway's second) until cond or ms pass */
#define spin(l, a, b, ms, cond) ({					\
	__u64 end_ = fine_ns() + (__u64)(ms) * NS_PER_MS;		\
	__u64 tick_ = fine_ns();					\
	while (!(cond) && fine_ns() < end_) {				\
		loop_run_once(l, 20);					\
		if (fine_ns() - tick_ > 100 * NS_PER_MS) {		\
			share_daemon_tick(&(a)->sd);			\
			share_daemon_tick(&(b)->sd);			\
			tick_ = fine_ns();				\
		}							\
	}								\
	(cond);								\
})

static int both_up(struct gateway *a, struct gateway *b)
{
	return a->sd.share && b->sd.share && share_stats(a->sd.share)->up &&
	       share_stats(b->sd.share)->up;
}

TEST(share_a_bot_judged_at_a_is_dropped_by_bs_tc_program)
{
	static struct gateway a, b;
	struct redis_proc r = { 0 };
	struct loop *l = loop_new();
	struct mxg_key bot = key4(198, 51, 100, 7), net = prefix(key4(203, 0, 113, 0), 96 + 24);
	struct mxg_key inside = key4(203, 0, 113, 9);
	struct pkt_spec s_bot = syn_from(&bot), s_inside = syn_from(&inside);
	struct mxg_manual m = { .action = MXG_ACT_BLOCK, .prefixlen = 96 + 24 };
	struct mxg_verdict v;
	int fd_a, fd_b;

	if (redis_start(&r) != 0) {
		test_fail(__FILE__, __LINE__, "cannot start redis-server (installed?)");
		redis_remove(&r);
		loop_free(l);
		return;
	}
	if (gateway_up(&a, l, &r) != 0 || gateway_up(&b, l, &r) != 0) {
		test_fail(__FILE__, __LINE__, "gateways not up");
		goto out;
	}
	fd_a = a.sd.manual_fd;
	fd_b = b.sd.manual_fd;
	CHECK(spin(l, &a, &b, 3000, both_up(&a, &b)));

	/* A learns a block: B's map has it, B's program drops the bot's
	 * SYN by itself, and B's queue never hears of it. */
	CHECK_EQ_INT(learn_verdict(&a.learner, &bot, MXG_ACT_BLOCK, MXG_R_S25R1, 0,
				   3600 * NS_PER_S), 0);
	CHECK(spin(l, &a, &b, 2000, has_verdict(&b.w, &bot)));
	v = get(&b.w, &bot);
	CHECK_EQ_INT(v.action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(v.reasons, MXG_R_S25R1);
	CHECK_EQ_INT(run(&b.w, &s_bot, 0, 0, NULL), TC_ACT_SHOT);
	CHECK_EQ_INT(stat(&b.w, MXG_STAT_UNKNOWN), 0);
	CHECK(spin(l, &a, &b, 1000, stat(&b.w, MXG_STAT_SHARE_APPLIED) >= 1));
	/* B counts its own hits: a later write of the same action (A
	 * judges the bot again) keeps them. */
	CHECK_EQ_INT(get(&b.w, &bot).hits, 1);
	usleep(20000);
	CHECK_EQ_INT(learn_verdict(&a.learner, &bot, MXG_ACT_BLOCK, MXG_R_S25R1, 0,
				   7200 * NS_PER_S), 0);
	CHECK(spin(l, &a, &b, 2000, get(&b.w, &bot).expires_ns > v.expires_ns));
	CHECK_EQ_INT(get(&b.w, &bot).hits, 1);

	/* The admin blocks a /24 at A (as mxgatectl does: the map, then the
	 * count of changes): B's program drops a client inside it. */
	m.decided_ns = now_ns();
	snprintf(m.comment, sizeof(m.comment), "spam run");
	CHECK_EQ_INT(manual_put(fd_a, &net, &m), 0);
	stats_add(&a.w.maps, MXG_STAT_MANUAL_CHANGES, 1);
	CHECK(spin(l, &a, &b, 3000, manual_get(fd_b, &net, &m) == 0));
	CHECK_EQ_INT(m.action, MXG_ACT_BLOCK);
	CHECK(strcmp(m.comment, "spam run") == 0);
	CHECK_EQ_INT(run(&b.w, &s_inside, 0, 0, NULL), TC_ACT_SHOT);
	/* ... and forgets it: B lets the client through to its queue. */
	CHECK_EQ_INT(manual_delete(fd_a, &net), 0);
	stats_add(&a.w.maps, MXG_STAT_MANUAL_CHANGES, 1);
	CHECK(spin(l, &a, &b, 3000, manual_get(fd_b, &net, &m) != 0));
	CHECK_EQ_INT(run(&b.w, &s_inside, 0, 0, NULL), TC_ACT_OK);
	CHECK_EQ_INT(stat(&b.w, MXG_STAT_UNKNOWN), 1);
	/* B applied it all without taking it for its own: nothing went
	 * back (A's sent counts only its own four changes). */
	CHECK(spin(l, &a, &b, 2000, share_stats(a.sd.share)->sent == 4));
	CHECK_EQ_INT(share_stats(a.sd.share)->sent, 4);	/* (B may hear before A) */
	CHECK_EQ_INT(share_stats(b.sd.share)->sent, 0);
out:
	gateway_down(&a);
	gateway_down(&b);
	redis_remove(&r);
	loop_free(l);
}
