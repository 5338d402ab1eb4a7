/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_classify.c - the pipeline without root: classify.c driven by real
 * SYN bytes (packets.h) against surrogate signals and a surrogate back end
 * (kernel map, NFQUEUE, country table), as postscreen_dnsbl_test.c drives
 * its module. What is checked: the signals start in table order, one
 * decision per source however many SYNs it sends, answers only through
 * the callbacks, the deadline, a full table, shutdown; then the real
 * signal table on a source that needs no network.
 */
#include <string.h>
#include "addr.h"
#include "classify.h"
#include "clock.h"
#include "country.h"
#include "packets.h"
#include "s25r.h"
#include "test.h"

#define MAX_LOG 64

/* What the surrogates saw, in order. */
static struct world {
	char started[MAX_LOG];		/* signal ids as '0'.. in start order */
	char cancelled[MAX_LOG];	/* ids cancelled, 't' if at the deadline */
	struct pending *waiting[SIG_MAX]; /* sources an async signal holds */
	enum signal_start mode[SIG_MAX]; /* what each fake start returns */
	struct { __u32 id; enum mxg_action a; } released[MAX_LOG];
	unsigned n_released;
	unsigned recorded, reported;	/* back end calls */
	struct decision last;		/* the last decision recorded */
	int cached_action;		/* cached(): this action, or 0: none */
	__u32 country;			/* country(): this entry */
	__u32 stress;			/* the last flags stress() was told */
	unsigned stress_calls;
	__u64 diverted;			/* what diverted() says */
} w;

/* log_char - append one character to a log string */
static void log_char(char *log, char ch)
{
	size_t n = strlen(log);

	if (n + 1 < MAX_LOG)
		log[n] = ch;
}

/* fake_start - record the start; an async one remembers its source */
static enum signal_start fake_start(struct classifier *c, struct pending *p, int id)
{
	(void)c;
	log_char(w.started, (char)('0' + id));
	if (w.mode[id] == SIGNAL_PENDING)
		w.waiting[id] = p;
	return w.mode[id];
}

static enum signal_start start0(struct classifier *c, struct pending *p) { return fake_start(c, p, 0); }
static enum signal_start start1(struct classifier *c, struct pending *p) { return fake_start(c, p, 1); }
static enum signal_start start2(struct classifier *c, struct pending *p) { return fake_start(c, p, 2); }
static enum signal_start start3(struct classifier *c, struct pending *p) { return fake_start(c, p, 3); }

/* fake_cancel - record which signal was stopped, and why */
static void fake_cancel(struct classifier *c, struct pending *p, int timed_out)
{
	(void)c;
	for (int i = 0; i < SIG_MAX; i++)
		if (w.waiting[i] == p) {
			log_char(w.cancelled, (char)('0' + i));
			w.waiting[i] = NULL;
		}
	if (timed_out)
		log_char(w.cancelled, 't');
}

static const struct signal fakes[SIG_MAX] = {
	{ "f0", start0, fake_cancel, NULL, NULL },
	{ "f1", start1, fake_cancel, NULL, NULL },
	{ "f2", start2, fake_cancel, NULL, NULL },
	{ "f3", start3, fake_cancel, NULL, NULL },
};

/* The surrogate back end. */
static int be_cached(void *ctx, const struct mxg_key *k, struct mxg_verdict *v)
{
	(void)ctx, (void)k;
	if (!w.cached_action)
		return 0;
	memset(v, 0, sizeof(*v));
	v->action = (enum mxg_action)w.cached_action;
	return 1;
}

static __u32 be_country(void *ctx, const struct mxg_key *k)
{
	(void)ctx, (void)k;
	return w.country;
}

static void be_release(void *ctx, __u32 id, __u32 mark, enum mxg_action a)
{
	(void)ctx, (void)mark;
	if (w.n_released < MAX_LOG) {
		w.released[w.n_released].id = id;
		w.released[w.n_released].a = a;
		w.n_released++;
	}
}

static void be_record(void *ctx, const struct pending *p, struct decision *d)
{
	(void)ctx, (void)p;
	/* Map first: no SYN of this source is released yet. */
	CHECK_EQ_INT(w.n_released, 0);
	w.recorded++;
	w.last = *d;
}

static void be_stress(void *ctx, __u32 flags)
{
	(void)ctx;
	w.stress = flags;
	w.stress_calls++;
}

static __u64 be_diverted(void *ctx)
{
	(void)ctx;
	return w.diverted;
}

static void be_report(void *ctx, const struct pending *p, const struct decision *d)
{
	(void)ctx, (void)d;
	CHECK_EQ_INT(w.n_released, p->n_held);
	w.reported++;
}

/* setup - a classifier on a fresh loop, with the fakes (or the real
 * table when real), every fake signal synchronous */
static void setup(struct classifier *c, struct mxg_conf *conf,
		  struct table_set *tables, int real, unsigned max_pending)
{
	memset(&w, 0, sizeof(w));
	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(conf);
	conf->decision_timeout_ms = 200;
	memset(tables, 0, sizeof(*tables));
	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->tables = tables;
	c->loop = loop_new();
	c->signals = real ? NULL : fakes;
	c->be = (struct classify_backend){ NULL, be_cached, be_country, be_release,
					   be_record, be_report, be_stress, be_diverted };
	CHECK_EQ_INT(classify_init(c, max_pending), 0);
}

/* teardown - the classifier and its loop */
static void teardown(struct classifier *c)
{
	classify_free(c);
	loop_free(c->loop);
	s25r_free();
}

/* syn - feed one queued SYN from the test source (or src4) as packet id */
static void syn(struct classifier *c, __u32 id, const __u8 *src4)
{
	struct pkt_spec s = syn_spec(4);
	__u8 buf[PKT_MAX];
	size_t len;

	if (src4)
		s.src = src4;
	len = build_l3(buf, &s);
	classify_packet(c, id, 0, buf, len);
}

TEST(classify_starts_in_order_and_decides_when_all_are_done)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;

	setup(&c, &conf, &tables, 0, 8);
	w.mode[1] = w.mode[2] = SIGNAL_PENDING;
	syn(&c, 1, NULL);
	CHECK_EQ_STR(w.started, "0123");
	CHECK_EQ_INT(w.recorded, 0);		/* two answers still out */
	/* A retransmit joins: no second start, no decision. */
	syn(&c, 2, NULL);
	CHECK_EQ_STR(w.started, "0123");
	CHECK_EQ_INT(c.stats.joined, 1);
	/* FCrDNS answers with a clean confirmed name. */
	w.waiting[1]->ev.fcrdns.status = FCRDNS_PASS;
	strcpy(w.waiting[1]->ev.fcrdns.name, "mail.example.org");
	classify_signal_done(w.waiting[1], 1);
	CHECK_EQ_INT(w.recorded, 0);
	classify_signal_done(w.waiting[2], 2);
	CHECK_EQ_INT(w.recorded, 1);
	CHECK_EQ_INT(w.reported, 1);
	CHECK_EQ_INT(w.last.action, MXG_ACT_PASS);
	CHECK_EQ_INT(w.last.reasons, MXG_R_FCRDNS);
	/* Both held SYNs go with the one verdict, in order. */
	CHECK_EQ_INT(w.n_released, 2);
	CHECK_EQ_INT(w.released[0].id, 1);
	CHECK_EQ_INT(w.released[1].id, 2);
	CHECK_EQ_INT(w.released[1].a, MXG_ACT_PASS);
	CHECK_EQ_INT(c.pending.count, 0);
	CHECK_EQ_STR(w.cancelled, "");
	teardown(&c);
}

TEST(classify_final_signal_skips_the_rest)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;

	setup(&c, &conf, &tables, 0, 8);
	w.mode[0] = SIGNAL_FINAL;
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 7, NULL);
	CHECK_EQ_STR(w.started, "0");
	CHECK_EQ_INT(w.recorded, 1);		/* decided at once */
	CHECK_EQ_INT(w.n_released, 1);
	teardown(&c);
}

TEST(classify_deadline_cancels_what_is_out)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	__u64 t0 = now_ns();

	setup(&c, &conf, &tables, 0, 8);
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, NULL);
	while (!w.recorded && now_ns() - t0 < 2 * NS_PER_S)
		loop_run_once(c.loop, 50);
	CHECK_EQ_INT(w.recorded, 1);
	CHECK_EQ_STR(w.cancelled, "1t");
	/* Cancelled FCrDNS left the evidence as it was: skipped, so no S25R. */
	CHECK_EQ_INT(w.last.action, MXG_ACT_PASS);
	CHECK(now_ns() - t0 >= 150 * NS_PER_MS);
	teardown(&c);
}

TEST(classify_full_table_tempfails_and_tells_the_kernel)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	static const __u8 other[4] = { 198, 51, 100, 21 };

	setup(&c, &conf, &tables, 0, 1);
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, NULL);
	/* The table is full: overload, and the kernel is told to send
	 * sources without a verdict to the responder. */
	CHECK_EQ_INT(c.overload.active, 1);
	CHECK_EQ_INT(c.stats.overload_episodes, 1);
	CHECK_EQ_INT(w.stress, MXG_STRESS_TEMPFAIL);
	syn(&c, 2, other);
	CHECK_EQ_INT(c.stats.overload_tempfail, 1);
	CHECK_EQ_INT(w.n_released, 1);
	CHECK_EQ_INT(w.released[0].id, 2);
	CHECK_EQ_INT(w.released[0].a, MXG_ACT_GREYLIST);	/* the responder */
	CHECK_EQ_STR(w.started, "0123");	/* only the first source */
	classify_release_all(&c);
	CHECK_EQ_INT(w.n_released, 2);
	CHECK_EQ_INT(w.released[1].a, MXG_ACT_NONE);
	CHECK_EQ_STR(w.cancelled, "1");		/* shutdown, not a deadline */
	CHECK_EQ_INT(w.recorded, 0);
	teardown(&c);
}

TEST(classify_overload_action_pass_passes_unjudged_and_leaves_the_kernel_alone)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	static const __u8 other[4] = { 198, 51, 100, 21 };
	static const __u8 third[4] = { 198, 51, 100, 22 };

	setup(&c, &conf, &tables, 0, 2);
	conf.overload_action = OVERLOAD_PASS;
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, NULL);
	CHECK_EQ_INT(c.overload.active, 1);	/* half the table */
	CHECK_EQ_INT(w.stress_calls, 0);	/* nothing for the kernel */
	syn(&c, 2, other);			/* still judged: there is room */
	CHECK_EQ_STR(w.started, "01230123");
	syn(&c, 3, third);			/* full: on, unjudged */
	CHECK_EQ_INT(c.stats.overload_pass, 1);
	CHECK_EQ_INT(c.stats.overload_tempfail, 0);
	CHECK_EQ_INT(w.n_released, 1);
	CHECK_EQ_INT(w.released[0].id, 3);
	CHECK_EQ_INT(w.released[0].a, MXG_ACT_NONE);
	classify_release_all(&c);
	teardown(&c);
}

TEST(classify_overload_judges_only_proven_clients)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	struct mxg_key proven;
	static const __u8 other[4] = { 198, 51, 100, 21 };

	setup(&c, &conf, &tables, 0, 4);
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, NULL);
	syn(&c, 2, other);			/* half of 4: overload */
	CHECK_EQ_INT(c.overload.active, 1);
	CHECK_EQ_STR(w.started, "01230123");
	CHECK_EQ_INT(addr_parse("198.51.100.30", &proven), 0);
	/* A queued SYN is not judged, whatever the room... */
	syn(&c, 3, (const __u8[4]){ 198, 51, 100, 30 });
	CHECK_EQ_INT(w.released[0].a, MXG_ACT_GREYLIST);
	CHECK_EQ_STR(w.started, "01230123");
	/* ...a client that completed a handshake with the responder is. */
	CHECK_EQ_INT(classify_source(&c, &proven, 1), 0);
	CHECK_EQ_STR(w.started, "012301230123");
	CHECK_EQ_INT(c.stats.proven, 1);
	CHECK(pending_find(&c.pending, &proven)->proven);
	classify_release_all(&c);
	teardown(&c);
}

TEST(classify_overload_ends_when_calm_for_a_while)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	static const __u8 other[4] = { 198, 51, 100, 21 };

	setup(&c, &conf, &tables, 0, 2);
	c.overload_calm_ns = 0;			/* two calm ticks end it */
	conf.dns_max_qps = 400;			/* 200 sources a second */
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, NULL);
	CHECK_EQ_INT(c.overload.active, 1);
	classify_tick(&c);			/* still pending: not calm */
	classify_release_all(&c);
	/* Sources without a verdict keep coming (diverted by the kernel)
	 * faster than half what the budget can judge: it goes on. */
	w.diverted = 1000000;
	classify_tick(&c);
	CHECK_EQ_INT(c.overload.active, 1);
	CHECK_EQ_INT(w.stress, MXG_STRESS_TEMPFAIL);
	/* The flood stops: the first calm tick starts the calm, the next
	 * one (calm_ns 0 later) ends the overload. */
	classify_tick(&c);
	CHECK_EQ_INT(c.overload.active, 1);
	classify_tick(&c);
	CHECK_EQ_INT(c.overload.active, 0);
	CHECK_EQ_INT(w.stress, 0);
	/* Judging resumes. */
	syn(&c, 2, other);
	CHECK_EQ_STR(w.started, "01230123");
	classify_release_all(&c);
	teardown(&c);
}

TEST(classify_one_network_cannot_fill_the_table)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	static const __u8 a1[4] = { 198, 51, 100, 1 }, a2[4] = { 198, 51, 100, 2 };
	static const __u8 a3[4] = { 198, 51, 100, 3 }, b1[4] = { 203, 0, 113, 1 };

	setup(&c, &conf, &tables, 0, 16);
	conf.max_pending_per_prefix = 2;
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, a1);
	syn(&c, 2, a2);
	syn(&c, 3, a3);				/* the /24's share is used */
	CHECK_EQ_INT(c.stats.prefix_cap, 1);
	CHECK_EQ_INT(w.n_released, 1);
	CHECK_EQ_INT(w.released[0].id, 3);
	CHECK_EQ_INT(w.released[0].a, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(c.overload.active, 0);	/* a network's, not ours */
	syn(&c, 4, b1);				/* another network: judged */
	CHECK_EQ_STR(w.started, "012301230123");
	classify_release_all(&c);
	teardown(&c);
}

TEST(classify_dns_budget_refuses_and_overloads)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	static const __u8 a1[4] = { 198, 51, 100, 1 }, a2[4] = { 198, 51, 100, 2 };
	static const __u8 a3[4] = { 198, 51, 100, 3 };

	setup(&c, &conf, &tables, 0, 64);
	conf.dns_max_qps = 4;			/* two sources (two queries each) */
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, a1);
	syn(&c, 2, a2);
	CHECK_EQ_INT(c.overload.active, 0);
	syn(&c, 3, a3);
	CHECK_EQ_INT(c.stats.dns_budget, 1);
	CHECK_EQ_INT(c.overload.active, 1);
	CHECK_EQ_INT(w.released[0].id, 3);
	CHECK_EQ_INT(w.released[0].a, MXG_ACT_GREYLIST);
	CHECK_EQ_STR(w.started, "01230123");
	classify_release_all(&c);
	teardown(&c);
}

TEST(classify_due_deadlines_free_slots_before_a_new_source)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	static const __u8 other[4] = { 198, 51, 100, 21 };
	__u64 t0 = now_ns();

	setup(&c, &conf, &tables, 0, 1);
	conf.overload_action = OVERLOAD_PASS;	/* judge when there is room */
	conf.decision_timeout_ms = 100;
	w.mode[1] = SIGNAL_PENDING;
	syn(&c, 1, NULL);
	/* A stall: the loop does not run past the deadline. */
	while (now_ns() - t0 < 150 * NS_PER_MS)
		;
	syn(&c, 2, other);
	CHECK_EQ_INT(w.recorded, 1);		/* the first, at its deadline */
	CHECK_EQ_STR(w.started, "01230123");	/* then the second, in its slot */
	CHECK_EQ_INT(c.stats.overload_pass, 0);
	classify_release_all(&c);
	teardown(&c);
}

TEST(classify_cached_verdict_and_non_syn)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	struct pkt_spec s;
	__u8 buf[PKT_MAX];
	size_t len;

	setup(&c, &conf, &tables, 0, 8);
	w.cached_action = MXG_ACT_BLOCK;
	syn(&c, 1, NULL);
	CHECK_EQ_INT(c.stats.cached, 1);
	CHECK_EQ_INT(w.released[0].a, MXG_ACT_BLOCK);
	CHECK_EQ_STR(w.started, "");
	/* A SYN-ACK is not ours to judge. */
	s = syn_spec(6);
	s.tcp_flags = 0x12;
	classify_packet(&c, 2, 0, buf, build_l3(buf, &s));
	CHECK_EQ_INT(c.stats.ignored, 1);
	CHECK_EQ_INT(w.released[1].a, MXG_ACT_NONE);
	/* An IPv6 SYN whose extension headers the parser cannot walk (or
	 * cut by the copy range) hides its source: dropped, never passed. */
	s = syn_spec(6);
	s.v6_hop_dst = 1;
	len = build_l3(buf, &s);
	classify_packet(&c, 3, 0, buf, 40 + 4);		/* cut in the options */
	CHECK_EQ_INT(c.stats.unparsable, 1);
	CHECK_EQ_INT(w.released[2].a, MXG_ACT_BLOCK);
	classify_packet(&c, 4, 0, buf, len);		/* whole: parsed */
	CHECK_EQ_INT(c.stats.unparsable, 1);
	CHECK_EQ_INT(c.stats.cached, 2);		/* judged as usual */
	teardown(&c);
}

TEST(classify_real_signals_without_dns)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	struct mxg_country cn = { .cc = "cn", .action = MXG_ACT_TARPIT };

	/* No resolver: FCrDNS is a DNS failure, decided at once. */
	setup(&c, &conf, &tables, 1, 8);
	syn(&c, 1, NULL);
	CHECK_EQ_INT(w.recorded, 1);
	CHECK_EQ_INT(w.last.action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(w.last.reasons, MXG_R_S25R0 | MXG_R_DNSFAIL);
	CHECK_EQ_INT(w.last.ttl_s, TEMPFAIL_TTL_S);
	CHECK_EQ_INT(w.released[0].a, MXG_ACT_GREYLIST);
	teardown(&c);
	/* The country's stricter action applies, with its reason. */
	setup(&c, &conf, &tables, 1, 8);
	w.country = mxg_ct_leaf(&cn);
	syn(&c, 1, NULL);
	CHECK_EQ_INT(w.last.action, MXG_ACT_TARPIT);
	CHECK(w.last.reasons & MXG_R_COUNTRY);
	teardown(&c);
}

TEST(classify_source_without_a_packet)
{
	struct classifier c;
	struct mxg_conf conf;
	struct table_set tables;
	struct mxg_key k;

	setup(&c, &conf, &tables, 0, 8);
	w.mode[2] = SIGNAL_PENDING;
	CHECK_EQ_INT(addr_parse("2001:db8::25", &k), 0);
	CHECK_EQ_INT(classify_source(&c, &k, 0), 0);
	CHECK_EQ_INT(classify_source(&c, &k, 0), 0);	/* joins, starts nothing */
	CHECK_EQ_STR(w.started, "0123");
	classify_signal_done(w.waiting[2], 2);
	CHECK_EQ_INT(w.recorded, 1);
	CHECK_EQ_INT(w.n_released, 0);
	teardown(&c);
}
