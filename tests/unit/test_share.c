/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_share.c - sharing through Redis: the entries' text and precedence
 * (share_value.h), redis_server and the password file (share_server.h),
 * and two sharing engines (share.h) on one loop against a real
 * redis-server this test starts on a Unix socket of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include "addr.h"
#include "clock.h"
#include "loop.h"
#include "redis_proc.h"
#include "share.h"
#include "share_server.h"
#include "share_value.h"
#include "test.h"

/* ---- values ---- */

static struct share_entry verdict_entry(__u32 action, __u64 decided, __u64 expires)
{
	return (struct share_entry){ .kind = 'v', .action = action, .reasons = 0x81,
		.score = -3, .decided_ms = decided, .expires_ms = expires };
}

TEST(share_value_round_trips)
{
	struct share_entry e = verdict_entry(MXG_ACT_GREYLIST, 1764600000123ULL,
					     1764600900123ULL), back;
	struct share_entry m = { .kind = 'm', .action = MXG_ACT_BLOCK,
		.decided_ms = 1764600000000ULL, .expires_ms = 0 };
	char buf[SHARE_VALUE_MAX];
	const char *why = NULL;
	int n;

	n = share_value_format(&e, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1 v 3 81 -3 1764600000123 1764600900123");
	CHECK(share_value_parse(buf, (size_t)n, &back, &why) == 0);
	CHECK(memcmp(&e, &back, sizeof(e)) == 0);
	snprintf(m.comment, sizeof(m.comment), "spam \"run\" 42");
	n = share_value_format(&m, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1 m 2 1764600000000 0 \"spam \\\"run\\\" 42\"");
	CHECK(share_value_parse(buf, (size_t)n, &back, &why) == 0);
	CHECK_EQ_STR(back.comment, "spam \"run\" 42");
	CHECK_EQ_INT(back.action, MXG_ACT_BLOCK);
}

TEST(share_value_refuses_what_is_not_one)
{
	static const char *const bad[] = {
		"", "1", "1 v", "2 v 3 81 0 1 2", "1 x 3 81 0 1 2", "1 v 3 81 0 1",
		"1 v 3 81 0 1 2 3", "1 v 0 81 0 1 2", "1 v 6 81 0 1 2", "1 v 3 8g 0 1 2",
		"1 v 3 81 0 1 0", "1 v 3 81 0 -1 2", "1 v 3 81 0 1 2 ", "1 v 3 100000000 0 1 2",
		"1 v 3 81 0 99999999999999999999 2", "1 m 3 1 0 \"x\"", "1 m 2 1 0 x",
		"1 m 2 1 0 \"x", "1 m 2 1 0 \"x\" y", "1 v  3 81 0 1 2",
	};
	struct share_entry e;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (share_value_parse(bad[i], strlen(bad[i]), &e, &why) == 0)
			test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		CHECK(why != NULL);
	}
	/* NUL inside, and too long */
	CHECK(share_value_parse("1 v 3 81 0 1\0 2", 15, &e, &why) < 0);
	{
		char big[2000];

		memset(big, '1', sizeof(big));
		CHECK(share_value_parse(big, sizeof(big), &e, &why) < 0);
		CHECK_EQ_STR(why, "too long");
	}
}

TEST(share_keys_name_addresses_and_prefixes)
{
	struct mxg_key k, back;
	char buf[SHARE_KEY_MAX], kind;

	CHECK(addr_parse("192.0.2.0/24", &k) == 0);
	CHECK(share_key_format('v', &k, buf, sizeof(buf)) > 0);
	CHECK_EQ_STR(buf, "v:192.0.2.0/24");
	CHECK(share_key_parse(buf, strlen(buf), &kind, &back) == 0);
	CHECK(kind == 'v' && memcmp(&k, &back, sizeof(k)) == 0);
	CHECK(addr_parse("2001:db8::7", &k) == 0);
	share_key_format('m', &k, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "m:2001:db8::7");
	CHECK(share_key_parse("x:192.0.2.1", 11, &kind, &back) < 0);
	CHECK(share_key_parse("v:not-an-address", 16, &kind, &back) < 0);
	CHECK(share_key_parse("v:", 2, &kind, &back) < 0);
	CHECK(share_key_parse("v:192.0.2.1\0", 12, &kind, &back) < 0);
}

TEST(share_precedence_earliest_contact_then_latest_decision)
{
	struct share_entry grey_early = verdict_entry(MXG_ACT_GREYLIST, 1000, 900000);
	struct share_entry grey_late = verdict_entry(MXG_ACT_GREYLIST, 5000, 900000);
	struct share_entry grey_jitter = verdict_entry(MXG_ACT_GREYLIST, 1004, 900003);
	struct share_entry pass = verdict_entry(MXG_ACT_PASS, 6000, 9000000);
	struct share_entry pass_jitter = verdict_entry(MXG_ACT_PASS, 6003, 9000002);
	struct share_entry renewed = verdict_entry(MXG_ACT_PASS, 6000, 9500000);
	struct share_entry block = verdict_entry(MXG_ACT_BLOCK, 8000, 90000);
	struct share_entry expired = verdict_entry(MXG_ACT_BLOCK, 500, 600);

	CHECK(share_wins(&grey_late, NULL, 100));
	/* the first contact wins between clocks */
	CHECK(share_wins(&grey_early, &grey_late, 100));
	CHECK(!share_wins(&grey_late, &grey_early, 100));
	CHECK(!share_wins(&grey_early, &grey_early, 100));
	/* the same clock, gone through another gateway's coarse clock */
	CHECK(!share_wins(&grey_jitter, &grey_early, 100));
	CHECK(!share_wins(&grey_early, &grey_jitter, 100));
	CHECK(!share_wins(&pass_jitter, &pass, 100));
	CHECK(!share_wins(&pass, &pass_jitter, 100));
	/* a first contact never replaces a live pass or block */
	CHECK(!share_wins(&grey_early, &pass, 100));
	CHECK(!share_wins(&grey_late, &block, 100));
	/* ... but anything replaces an expired entry */
	CHECK(share_wins(&grey_late, &expired, 700));
	/* the promotion wins over the clock, a later block over the pass */
	CHECK(share_wins(&pass, &grey_early, 100));
	CHECK(share_wins(&block, &pass, 100));
	CHECK(!share_wins(&pass, &block, 100));
	/* the same decision: only a later expiry (a renewal) */
	CHECK(share_wins(&renewed, &pass, 100));
	CHECK(!share_wins(&pass, &renewed, 100));
	CHECK(!share_wins(&pass, &pass, 100));
}

TEST(share_precedence_of_manual_decisions_and_forgetting)
{
	struct share_entry block = { .kind = 'm', .action = MXG_ACT_BLOCK, .decided_ms = 1000 };
	struct share_entry allow = { .kind = 'm', .action = MXG_ACT_PASS, .decided_ms = 2000 };
	struct share_entry forgot = { .kind = 'm', .action = 0, .decided_ms = 3000,
		.expires_ms = 3000 + SHARE_TOMBSTONE_MS };

	CHECK(share_wins(&allow, &block, 100));
	CHECK(!share_wins(&block, &allow, 100));
	CHECK(share_wins(&forgot, &allow, 100));
	CHECK(!share_wins(&allow, &forgot, 100));	/* an older decision, replayed */
	CHECK(!share_wins(&block, &block, 100));
}

TEST(share_converts_clocks_both_ways)
{
	struct clock_pair c = { .wall = 1764600000000ULL * NS_PER_MS, .mono = 5000 * NS_PER_S };
	struct mxg_verdict v = { .decided_ns = c.mono - 2 * NS_PER_S,
		.expires_ns = c.mono + 60 * NS_PER_S, .action = MXG_ACT_PASS, .reasons = 7,
		.dnsbl_score = 2, .hits = 9 }, back;
	struct share_entry e;

	share_from_verdict(&e, &v, &c);
	CHECK_EQ_INT(e.decided_ms, 1764600000000ULL - 2000);
	CHECK_EQ_INT(e.expires_ms, 1764600000000ULL + 60000);
	share_to_verdict(&e, &back, &c);
	CHECK_EQ_INT(back.decided_ns, v.decided_ns);
	CHECK_EQ_INT(back.expires_ns, v.expires_ns);
	CHECK_EQ_INT(back.hits, 0);
	CHECK_EQ_INT(back.reasons, 7);
}

/* ---- redis_server, the password file ---- */

TEST(share_server_forms_and_loopback)
{
	struct share_server s;
	char why[200];

	CHECK(share_server_parse("127.0.0.1:6379", &s, why, sizeof(why)) == 0);
	CHECK(s.loopback && s.port == 6379 && strcmp(s.host, "127.0.0.1") == 0);
	CHECK(share_server_parse("192.0.2.5:6380", &s, why, sizeof(why)) == 0);
	CHECK(!s.loopback && s.port == 6380);
	CHECK(share_server_parse("[2001:db8::5]:6379", &s, why, sizeof(why)) == 0);
	CHECK(!s.loopback && strcmp(s.host, "2001:db8::5") == 0);
	CHECK(share_server_parse("[::1]:6379", &s, why, sizeof(why)) == 0 && s.loopback);
	CHECK(share_server_parse("localhost:6379", &s, why, sizeof(why)) == 0 && s.loopback);
	CHECK(share_server_parse("unix:/run/redis/redis.sock", &s, why, sizeof(why)) == 0);
	CHECK(s.loopback && strcmp(s.path, "/run/redis/redis.sock") == 0);
	CHECK(share_server_parse("redis.example:6379", &s, why, sizeof(why)) < 0);
	CHECK(strstr(why, "address") != NULL);
	CHECK(share_server_parse("192.0.2.5", &s, why, sizeof(why)) < 0);
	CHECK(share_server_parse("192.0.2.5:0", &s, why, sizeof(why)) < 0);
	CHECK(share_server_parse("192.0.2.5:65536", &s, why, sizeof(why)) < 0);
	CHECK(share_server_parse("2001:db8::5:6379", &s, why, sizeof(why)) < 0);
	CHECK(share_server_parse("unix:relative", &s, why, sizeof(why)) < 0);
}

TEST(share_password_file_must_be_private)
{
	char dir[] = "/tmp/mxg-pw-XXXXXX", path[64], pw[SHARE_PASSWORD_MAX], why[300];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/pw", dir);
	f = fopen(path, "w");
	fputs("s3cret\nsecond line\n", f);
	fclose(f);
	chmod(path, 0644);
	CHECK(share_password_read(path, pw, sizeof(pw), why, sizeof(why)) < 0);
	CHECK(strstr(why, "chmod 600") != NULL);
	chmod(path, 0600);
	CHECK(share_password_read(path, pw, sizeof(pw), why, sizeof(why)) == 0);
	CHECK_EQ_STR(pw, "s3cret");
	f = fopen(path, "w");
	fputs("\n", f);
	fclose(f);
	CHECK(share_password_read(path, pw, sizeof(pw), why, sizeof(why)) < 0);
	CHECK(strstr(why, "empty") != NULL);
	unlink(path);
	CHECK(share_password_read(path, pw, sizeof(pw), why, sizeof(why)) < 0);
	rmdir(dir);
}

/* ---- two engines and a real redis-server ---- */

#define SINK_MAX 4096

/* A gateway's maps, in memory. */
struct fake_gw {
	struct mxg_key vk[SINK_MAX];
	struct mxg_verdict vv[SINK_MAX];
	int nv;
	struct mxg_key mk[64];
	struct mxg_manual mm[64];
	int nm;
	int applied, republished;
	struct share *share;
};

static int find_key(const struct mxg_key *keys, int n, const struct mxg_key *k)
{
	for (int i = 0; i < n; i++)
		if (memcmp(&keys[i], k, sizeof(*k)) == 0)
			return i;
	return -1;
}

static int gw_verdict_get(void *ctx, const struct mxg_key *k, struct mxg_verdict *v)
{
	struct fake_gw *g = ctx;
	int i = find_key(g->vk, g->nv, k);

	if (i < 0)
		return -ENOENT;
	*v = g->vv[i];
	return 0;
}

static void gw_verdict_set(struct fake_gw *g, const struct mxg_key *k,
			   const struct mxg_verdict *v)
{
	int i = find_key(g->vk, g->nv, k);

	if (i < 0 && g->nv < SINK_MAX) {
		i = g->nv++;
		g->vk[i] = *k;
	}
	if (i >= 0)
		g->vv[i] = *v;
}

static void gw_verdict_apply(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct fake_gw *g = ctx;

	gw_verdict_set(g, k, v);
	g->applied++;
}

static int gw_manual_get(void *ctx, const struct mxg_key *p, struct mxg_manual *m)
{
	struct fake_gw *g = ctx;
	int i = find_key(g->mk, g->nm, p);

	if (i < 0)
		return -ENOENT;
	*m = g->mm[i];
	return 0;
}

static void gw_manual_apply(void *ctx, const struct mxg_key *p, const struct mxg_manual *m)
{
	struct fake_gw *g = ctx;
	int i = find_key(g->mk, g->nm, p);

	g->applied++;
	if (!m) {
		if (i >= 0) {
			g->mk[i] = g->mk[g->nm - 1];
			g->mm[i] = g->mm[--g->nm];
		}
		return;
	}
	if (i < 0 && g->nm < 64) {
		i = g->nm++;
		g->mk[i] = *p;
	}
	if (i >= 0)
		g->mm[i] = *m;
}

static void gw_republish(void *ctx)
{
	struct fake_gw *g = ctx;

	g->republished++;
	for (int i = 0; i < g->nv; i++)
		share_verdict(g->share, &g->vk[i], &g->vv[i]);
}

static long long redis_int(const struct redis_proc *r, const char *cmd)
{
	redisReply *rep = redis_do(r, cmd);
	long long v = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;

	if (rep)
		freeReplyObject(rep);
	return v;
}

/* The engines running, ticked as mxgated's housekeeping does. */
static struct share *running[4];

static void tick_all(void)
{
	for (int i = 0; i < 4; i++)
		if (running[i])
			share_tick(running[i]);
}

static struct share *gw_share(struct loop *l, struct fake_gw *g, const struct redis_proc *r,
			      const char *state_dir)
{
	struct share_params p = { .server_text = "test", .prefix = "t:", .queue_max = 1000,
		.stream_max = 100, .state_dir = state_dir };
	struct share_sink sink = { .ctx = g, .verdict_get = gw_verdict_get,
		.manual_get = gw_manual_get, .verdict_apply = gw_verdict_apply,
		.manual_apply = gw_manual_apply, .republish = gw_republish };
	char text[128], why[128];

	redis_server_text(r, text, sizeof(text));
	if (share_server_parse(text, &p.server, why, sizeof(why)) < 0)
		return NULL;
	g->share = share_new(l, &p, &sink);
	for (int i = 0; i < 4; i++)
		if (!running[i]) {
			running[i] = g->share;
			break;
		}
	return g->share;
}

/* run_until - the loop runs (ticking every 200 ms) until cond holds or
 * ms pass; cond's value */
#define run_until(l, ms, cond) ({					\
	__u64 end_ = fine_ns() + (__u64)(ms) * NS_PER_MS;		\
	__u64 tick_ = fine_ns();					\
	while (!(cond) && fine_ns() < end_) {				\
		loop_run_once(l, 20);					\
		if (fine_ns() - tick_ > 200 * NS_PER_MS) {		\
			tick_all();					\
			tick_ = fine_ns();				\
		}							\
	}								\
	(cond);								\
})

static struct mxg_verdict live(enum mxg_action a, __u64 age_s, __u64 ttl_s)
{
	__u64 now = now_ns();

	return (struct mxg_verdict){ .action = a, .decided_ns = now - age_s * NS_PER_S,
		.expires_ns = now + ttl_s * NS_PER_S, .reasons = MXG_R_S25R0 };
}

TEST(share_two_gateways_through_a_real_redis)
{
	static struct fake_gw a, b, c;
	struct redis_proc r = { 0 };
	struct loop *l = loop_new();
	struct mxg_key bot, sender, net;
	struct mxg_verdict v, grey_a, grey_b;
	struct mxg_manual m = { .action = MXG_ACT_BLOCK, .prefixlen = 120 };
	redisReply *rep;
	int i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	if (redis_start(&r) < 0) {
		test_fail(__FILE__, __LINE__, "cannot start redis-server (installed?)");
		redis_remove(&r);
		loop_free(l);
		return;
	}
	CHECK(gw_share(l, &a, &r, NULL) && gw_share(l, &b, &r, r.dir));
	CHECK(run_until(l, 3000, share_stats(a.share)->up && share_stats(b.share)->up));

	/* A blocks a bot: B learns it. */
	addr_parse("198.51.100.7", &bot);
	v = live(MXG_ACT_BLOCK, 0, 3600);
	gw_verdict_set(&a, &bot, &v);
	share_verdict(a.share, &bot, &v);
	CHECK(run_until(l, 2000, gw_verdict_get(&b, &bot, &v) == 0));
	CHECK_EQ_INT(v.action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(share_stats(b.share)->applied, 1);
	CHECK_EQ_INT(a.applied, 0);	/* its own entry comes back: skipped */

	/* Both greylist a sender; B's clock started first, A's write comes
	 * second: Redis keeps B's first contact and A takes it. */
	addr_parse("203.0.113.25", &sender);
	grey_b = live(MXG_ACT_GREYLIST, 30, 600);
	grey_a = live(MXG_ACT_GREYLIST, 5, 600);
	gw_verdict_set(&b, &sender, &grey_b);
	share_verdict(b.share, &sender, &grey_b);
	CHECK(run_until(l, 2000, gw_verdict_get(&a, &sender, &v) == 0));
	gw_verdict_set(&a, &sender, &grey_a);
	share_verdict(a.share, &sender, &grey_a);
	CHECK(run_until(l, 2000, gw_verdict_get(&a, &sender, &v) == 0 &&
			v.decided_ns < grey_a.decided_ns));
	/* to wall ms and back: within a tick of the coarse clock */
	CHECK(v.decided_ns + 10 * NS_PER_MS > grey_b.decided_ns &&
	      v.decided_ns < grey_b.decided_ns + 10 * NS_PER_MS);
	/* A promotes it: B passes it too. */
	v = live(MXG_ACT_PASS, 0, 86400);
	v.reasons |= MXG_R_RETRIED;
	gw_verdict_set(&a, &sender, &v);
	share_verdict(a.share, &sender, &v);
	CHECK(run_until(l, 2000, gw_verdict_get(&b, &sender, &v) == 0 &&
			v.action == MXG_ACT_PASS));

	/* A manual block of a prefix at A holds at B; forgetting lifts it. */
	addr_parse("192.0.2.0/24", &net);
	m.decided_ns = now_ns();
	snprintf(m.comment, sizeof(m.comment), "spam run");
	share_manual(a.share, &net, &m);
	CHECK(run_until(l, 2000, b.nm == 1));
	CHECK_EQ_STR(b.mm[0].comment, "spam run");
	share_manual(a.share, &net, NULL);
	CHECK(run_until(l, 2000, b.nm == 0));

	/* Bad input: skipped and counted; a good entry after it applied. */
	rep = redis_do(&r, "XADD t:stream * k v:198.51.100.8 v %s o x", "1 v 2 zz 0 1 2");
	freeReplyObject(rep);
	rep = redis_do(&r, "XADD t:stream * k nonsense v %s o x", "1 v 2 0 0 1 2");
	freeReplyObject(rep);
	rep = redis_do(&r, "XADD t:stream * only one");
	freeReplyObject(rep);
	{
		char *huge = malloc(1 << 20);

		memset(huge, 'x', 1 << 20);
		huge[(1 << 20) - 1] = 0;
		rep = redis_do(&r, "XADD t:stream * k v:198.51.100.9 v %s o x", huge);
		freeReplyObject(rep);
		free(huge);
	}
	{
		char good[SHARE_VALUE_MAX];
		struct share_entry e = verdict_entry(MXG_ACT_BLOCK, 0, 0);
		struct clock_pair cp = clock_pair_now();

		e.decided_ms = cp.wall / NS_PER_MS;
		e.expires_ms = e.decided_ms + 60000;
		share_value_format(&e, good, sizeof(good));
		rep = redis_do(&r, "XADD t:stream * k v:198.51.100.10 v %s o x", good);
		freeReplyObject(rep);
	}
	addr_parse("198.51.100.10", &bot);
	CHECK(run_until(l, 2000, gw_verdict_get(&b, &bot, &v) == 0));
	CHECK_EQ_INT(share_stats(b.share)->bad, 4);
	addr_parse("198.51.100.8", &bot);
	CHECK(gw_verdict_get(&b, &bot, &v) < 0);

	/* Redis goes away: changes queue at A; back (empty): A replays,
	 * B learns, and what both held is offered again. */
	redis_stop(&r);
	CHECK(run_until(l, 3000, !share_stats(a.share)->up && !share_stats(b.share)->up));
	for (i = 0; i < 50; i++) {
		struct mxg_key k;
		char text[32];

		snprintf(text, sizeof(text), "198.51.100.%d", 100 + i);
		addr_parse(text, &k);
		v = live(MXG_ACT_BLOCK, 0, 3600);
		gw_verdict_set(&a, &k, &v);
		share_verdict(a.share, &k, &v);
	}
	share_tick(a.share);
	CHECK(share_stats(a.share)->queued >= 50);
	CHECK(redis_start(&r) == 0);
	CHECK(run_until(l, 8000, share_stats(a.share)->up && share_stats(b.share)->up));
	{
		struct mxg_key k;

		addr_parse("198.51.100.149", &k);
		CHECK(run_until(l, 3000, gw_verdict_get(&b, &k, &v) == 0));
	}
	CHECK(a.republished >= 1 && b.republished >= 1);
	CHECK_EQ_INT(share_stats(a.share)->dropped, 0);

	/* A third gateway after the stream was trimmed: it reads the keys. */
	for (i = 0; i < 300; i++) {
		struct mxg_key k;
		char text[32];

		snprintf(text, sizeof(text), "203.0.113.%d", i % 250);
		if (i >= 250)
			snprintf(text, sizeof(text), "2001:db8::%x", i);
		addr_parse(text, &k);
		v = live(MXG_ACT_BLOCK, 0, 3600);
		gw_verdict_set(&a, &k, &v);
		share_verdict(a.share, &k, &v);
	}
	CHECK(run_until(l, 5000, b.nv >= a.nv));
	rep = redis_do(&r, "XTRIM t:stream MAXLEN 10");
	freeReplyObject(rep);
	/* a key of ours that is not a string: bad input, counted */
	rep = redis_do(&r, "HSET t:v:198.51.100.250 a b");
	freeReplyObject(rep);
	CHECK(gw_share(l, &c, &r, NULL) != NULL);
	CHECK(run_until(l, 5000, c.nv >= a.nv));
	CHECK_EQ_INT(c.nv, a.nv);
	CHECK(share_stats(c.share)->resyncs >= 1);
	CHECK(run_until(l, 2000, share_stats(c.share)->bad == 1));
	CHECK_EQ_INT(redis_int(&r, "DBSIZE"), a.nv + 4 /* the stream, its counter, the
							   epoch, the hash */);

	share_free(a.share);
	share_free(b.share);
	share_free(c.share);
	memset(running, 0, sizeof(running));
	/* B kept where it was in the stream */
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/share.last_id", r.dir);
		CHECK(access(path, R_OK) == 0);
	}
	redis_remove(&r);
	loop_free(l);
}
