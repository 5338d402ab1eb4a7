/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_pool.c - smart greylist keys (issue 13, item 2) on the real maps:
 * a confirmed, not dynamic-looking client greylisted on its /24 or /64's
 * clock (learn_pool_greylist); the tc program enforces the clock shared
 * into a neighbour's own verdict, and never looks at the network's entry
 * itself, so an unnamed neighbour gets nothing from it.
 */
#include "learn.h"
#include "world.h"

/* client - 198.51.100.<host> as a key (IPv4-mapped), or 2001:db8:c::<host> */
static struct mxg_key client(int family, __u8 host)
{
	struct mxg_key k = { .plen = 128 };

	if (family == 4) {
		k.addr[10] = k.addr[11] = 0xff;
		k.addr[12] = 198, k.addr[13] = 51, k.addr[14] = 100, k.addr[15] = host;
	} else {
		k.addr[0] = 0x20, k.addr[1] = 0x01, k.addr[2] = 0x0d, k.addr[3] = 0xb8;
		k.addr[5] = 0x0c, k.addr[15] = host;
	}
	return k;
}

TEST(pool_clock_is_shared_and_lets_the_network_in_after_the_delay)
{
	struct world w;
	struct mxg_conf conf;
	struct store closed = { 0 };
	struct learner l;

	conf_defaults(&conf);
	conf.greylist_delay = 25 * 60;
	if (world_up(&w, NULL, 0) == 0) {
		l = (struct learner){ .conf = &conf, .maps = &w.maps, .store = &closed };
		for (int fam = 4; fam <= 6; fam += 2) {
			/* b is the test source (198.51.100.20, 2001:db8:c::20),
			 * a and c its neighbours, n one never judged. */
			struct mxg_key a = client(fam, 10), b = key_of(fam), c = client(fam, 12);
			struct mxg_key pool = learn_pool_key(&b), n = client(fam, 99);
			struct pkt_spec s = syn_spec(fam), sn = syn_spec(fam);
			struct mxg_verdict vb, vp;
			__u32 reasons = MXG_R_FCRDNS | MXG_R_COUNTRY;
			__u32 mark;

			sn.src = fam == 4 ? n.addr + 12 : n.addr;
			CHECK_EQ_INT(pool.plen, fam == 4 ? 96 + 24 : 64);
			/* First contact of the network (a): its clock starts. */
			CHECK_EQ_INT(learn_pool_greylist(&l, &a, &reasons, 0, 45 * MINUTE),
				     MXG_ACT_GREYLIST);
			CHECK_EQ_INT(verdict_get(&w.maps, &pool, &vp), 0);
			CHECK_EQ_INT(vp.action, MXG_ACT_GREYLIST);
			/* Another address of it (b), early: the same clock. */
			CHECK_EQ_INT(learn_pool_greylist(&l, &b, &reasons, 0, 45 * MINUTE),
				     MXG_ACT_GREYLIST);
			CHECK_EQ_INT(verdict_get(&w.maps, &b, &vb), 0);
			CHECK(vb.decided_ns == vp.decided_ns && vb.expires_ns == vp.expires_ns);
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
			/* The tc program never reads the network's entry: an
			 * address never judged is queued, unmarked. */
			CHECK_EQ_INT(run(&w, &sn, 0, 0, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0);
			/* 30 minutes on the network's clock (b's own first
			 * contact was just now): b's retry is promoted. */
			age_verdict(&w, &pool, 30 * MINUTE);
			age_verdict(&w, &b, 30 * MINUTE);
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
			/* A new address of the network after the delay passes,
			 * and the network with it. */
			reasons = MXG_R_FCRDNS | MXG_R_COUNTRY;
			CHECK_EQ_INT(learn_pool_greylist(&l, &c, &reasons, 0, 45 * MINUTE),
				     MXG_ACT_PASS);
			CHECK(reasons & MXG_R_RETRIED);
			CHECK_EQ_INT(verdict_get(&w.maps, &pool, &vp), 0);
			CHECK_EQ_INT(vp.action, MXG_ACT_PASS);
			CHECK(vp.expires_ns > now_ns() + 19 * DAY);
			/* ... and its later confirmed clients pass at once. */
			n.addr[15] = 13;
			CHECK_EQ_INT(learn_pool_greylist(&l, &n, &reasons, 0, 45 * MINUTE),
				     MXG_ACT_PASS);
		}
	}
	world_down(&w);
}
