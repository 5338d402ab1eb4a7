/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_manual.c - the admin's decisions (the manual map) under the real
 * tc program: a manual block beats a cached pass, a manual allow a cached
 * block and a blocked country, the longest live prefix wins (an expired
 * one steps aside for a shorter one), IPv4 and IPv6, each decision counts
 * its hits and the refusal counters; the lookup from user space agrees
 * with the program; the file restored into the map (manual_sync) as
 * mxgated does at start; the hits of the ranking (offenders.h) collected
 * from real maps and saved to disk with their verdicts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "country.h"
#include "manual.h"
#include "offenders.h"
#include "store.h"
#include "world.h"

/* decide - write a manual decision for text (ADDR or CIDR), lasting ttl
 * from now (0: until forgotten; negative: expired that long ago) */
static void decide(struct world *w, const char *text, __u32 action, long long ttl_s,
		   const char *comment)
{
	struct mxg_manual m = { .action = action };
	struct mxg_key k;
	int fd = bpf_map__fd(w->skel->maps.manual);
	__u64 now = now_ns();

	CHECK_EQ_INT(addr_parse(text, &k), 0);
	m.decided_ns = now - SECOND;
	if (ttl_s > 0)
		m.expires_ns = now + (__u64)ttl_s * SECOND;
	else if (ttl_s < 0)
		m.expires_ns = now - (__u64)(-ttl_s) * SECOND;
	snprintf(m.comment, sizeof(m.comment), "%s", comment);
	CHECK_EQ_INT(manual_put(fd, &k, &m), 0);
}

/* hits_of - the hits of the decision of exactly text */
static long long hits_of(struct world *w, const char *text)
{
	struct mxg_manual m;
	struct mxg_key k;

	if (addr_parse(text, &k) != 0 || manual_get(bpf_map__fd(w->skel->maps.manual), &k, &m))
		return -1;
	return m.hits;
}

/* syn_text - a SYN to port 25 from the address text (kept in *k) */
static struct pkt_spec syn_text(const char *text, struct mxg_key *k)
{
	CHECK_EQ_INT(addr_parse(text, k), 0);
	return syn_from(k);
}

TEST(manual_block_beats_a_cached_pass_and_allow_a_cached_block)
{
	struct world w;
	struct pkt_spec s4 = syn_spec(4), s6 = syn_spec(6);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_PASS, MXG_R_FCRDNS, 3600 * SECOND);
		put(&w, 6, MXG_ACT_BLOCK, MXG_R_S25R1, 3600 * SECOND);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, NULL), TC_ACT_SHOT);

		decide(&w, "198.51.100.20", MXG_ACT_BLOCK, 0, "bot");
		decide(&w, "2001:db8:c::20", MXG_ACT_PASS, 0, "partner");
		CHECK_EQ_INT(run(&w, &s4, 0, 0x70000, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(run(&w, &s6, 0, 0x70000, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0x70000 | MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(hits_of(&w, "198.51.100.20"), 1);
		CHECK_EQ_INT(hits_of(&w, "2001:db8:c::20"), 1);
		/* The refusal is counted as manual, under "other". */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 10), 1);	/* manual */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_OTHER), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACCEPTED), 2);	/* 1 cached, 1 manual */
		/* The cached verdicts are left as they were. */
		{
			struct mxg_key k4 = key_of(4), k6 = key_of(6);

			CHECK_EQ_INT(get(&w, &k4).action, MXG_ACT_PASS);
			CHECK_EQ_INT(get(&w, &k4).hits, 1);	/* only before */
			CHECK_EQ_INT(get(&w, &k6).action, MXG_ACT_BLOCK);
		}
		/* Forgotten, the cached verdicts apply again. */
		{
			struct mxg_key k;
			int fd = bpf_map__fd(w.skel->maps.manual);

			addr_parse("198.51.100.20", &k);
			CHECK_EQ_INT(manual_delete(fd, &k), 0);
			addr_parse("2001:db8:c::20", &k);
			CHECK_EQ_INT(manual_delete(fd, &k), 0);
			CHECK_EQ_INT(manual_delete(fd, &k), -ENOENT);
		}
		CHECK_EQ_INT(run(&w, &s4, 0, 0, NULL), TC_ACT_OK);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, NULL), TC_ACT_SHOT);
	}
	world_down(&w);
}

TEST(manual_allow_beats_a_blocked_country_and_needs_no_verdict)
{
	struct world w;
	struct country_set set = { 0 };
	struct country_entry e = {
		.key = { .prefixlen = 96 + 16, .addr = { [10] = 0xff, [11] = 0xff,
			 [12] = 198, [13] = 51 } },
		.value = { .cc = "zz", .action = MXG_ACT_BLOCK } };
	struct pkt_spec s4 = syn_spec(4);
	struct mxg_key other;
	struct pkt_spec o = syn_text("198.51.100.21", &other);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		set.entries = &e;
		set.n = 1;
		CHECK_EQ_INT(country_install(bpf_map__fd(w.skel->maps.countries), &set, NULL), 0);
		decide(&w, "198.51.100.20", MXG_ACT_PASS, 3600, "");
		CHECK_EQ_INT(run(&w, &s4, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(run(&w, &o, 0, 0, NULL), TC_ACT_SHOT);	/* the country */
		CHECK_EQ_INT(stat(&w, MXG_STAT_COUNTRY), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 0);
	}
	world_down(&w);
}

TEST(manual_longest_prefix_wins_v4_and_v6)
{
	struct world w;
	struct mxg_key a, b, c, d, e, f;
	struct pkt_spec sa = syn_text("192.0.2.7", &a), sb = syn_text("192.0.2.8", &b);
	struct pkt_spec sc = syn_text("192.0.3.1", &c), sd = syn_text("2001:db8:5:1::25", &d);
	struct pkt_spec se = syn_text("2001:db8:5:2::25", &e), sf = syn_text("2001:db8:6::1", &f);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		decide(&w, "192.0.0.0/16", MXG_ACT_BLOCK, 0, "the /16");
		decide(&w, "192.0.2.0/24", MXG_ACT_PASS, 0, "a customer's /24");
		decide(&w, "192.0.2.7", MXG_ACT_BLOCK, 0, "one bad host");
		decide(&w, "2001:db8:5::/48", MXG_ACT_BLOCK, 0, "");
		decide(&w, "2001:db8:5:1::/64", MXG_ACT_PASS, 0, "");
		CHECK_EQ_INT(run(&w, &sa, 0, 0, NULL), TC_ACT_SHOT);	/* /32 */
		CHECK_EQ_INT(run(&w, &sb, 0, 0, &mark), TC_ACT_OK);	/* /24 */
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(run(&w, &sc, 0, 0, NULL), TC_ACT_SHOT);	/* /16 */
		CHECK_EQ_INT(run(&w, &sd, 0, 0, &mark), TC_ACT_OK);	/* /64 */
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(run(&w, &se, 0, 0, NULL), TC_ACT_SHOT);	/* /48 */
		CHECK_EQ_INT(run(&w, &sf, 0, 0, &mark), TC_ACT_OK);	/* none */
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(hits_of(&w, "192.0.2.7"), 1);
		CHECK_EQ_INT(hits_of(&w, "192.0.2.0/24"), 1);
		CHECK_EQ_INT(hits_of(&w, "192.0.0.0/16"), 1);
		CHECK_EQ_INT(hits_of(&w, "2001:db8:5::/48"), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 1);
		/* An IPv4 prefix never covers an IPv6 client, nor the reverse. */
		CHECK_EQ_INT(hits_of(&w, "2001:db8:5:1::/64"), 1);
	}
	world_down(&w);
}

TEST(manual_expired_decision_steps_aside)
{
	struct world w;
	struct mxg_key a, b;
	struct pkt_spec sa = syn_text("192.0.2.7", &a), sb = syn_text("2001:db8:7::1", &b);
	int fd;

	if (world_up(&w, NULL, 0) == 0) {
		fd = bpf_map__fd(w.skel->maps.manual);
		/* An allow for the host that ran out: the /24's block holds. */
		decide(&w, "192.0.2.0/24", MXG_ACT_BLOCK, 3600, "");
		decide(&w, "192.0.2.0/25", MXG_ACT_PASS, -5, "");
		decide(&w, "192.0.2.7", MXG_ACT_PASS, -1, "");
		CHECK_EQ_INT(run(&w, &sa, 0, 0, NULL), TC_ACT_SHOT);
		CHECK_EQ_INT(hits_of(&w, "192.0.2.0/24"), 1);
		CHECK_EQ_INT(hits_of(&w, "192.0.2.7"), 0);
		/* manual_find agrees with the program. */
		{
			struct mxg_key p, want;
			struct mxg_manual m;

			CHECK_EQ_INT(manual_find(fd, &a, now_ns(), &p, &m), 1);
			addr_parse("192.0.2.0/24", &want);
			CHECK(memcmp(&p, &want, sizeof(p)) == 0);
			CHECK_EQ_INT(m.action, MXG_ACT_BLOCK);
		}
		/* Nothing live at all: the cached verdict decides, then nothing. */
		decide(&w, "2001:db8:7::/48", MXG_ACT_BLOCK, -10, "");
		put_at(&w, &b, MXG_ACT_PASS, MXG_R_FCRDNS, -SECOND, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &sb, 0, 0, NULL), TC_ACT_OK);
		CHECK_EQ_INT(get(&w, &b).hits, 1);
		CHECK_EQ_INT(manual_find(fd, &b, now_ns(), NULL, NULL), 0);
		/* More expired prefixes nested than a lookup steps over: it
		 * gives up, and user space says the same. */
		decide(&w, "2001:db8:7::/40", MXG_ACT_PASS, -10, "");
		decide(&w, "2001:db8:7::/44", MXG_ACT_PASS, -10, "");
		decide(&w, "2001:db8:7::/46", MXG_ACT_PASS, -10, "");
		decide(&w, "2001:db8::/32", MXG_ACT_BLOCK, 0, "");
		CHECK_EQ_INT(run(&w, &sb, 0, 0, NULL), TC_ACT_OK);
		CHECK_EQ_INT(manual_find(fd, &b, now_ns(), NULL, NULL), 0);
		decide(&w, "2001:db8:7::/44", MXG_ACT_PASS, 0, "");	/* live again */
		CHECK_EQ_INT(run(&w, &sb, 0, 0, NULL), TC_ACT_OK);
		CHECK_EQ_INT(hits_of(&w, "2001:db8:7::/44"), 1);
		CHECK_EQ_INT(manual_find(fd, &b, now_ns(), NULL, NULL), 1);
	}
	world_down(&w);
}

/* write_file - a manual file under dir with text; its path in path */
static void write_file(const char *dir, const char *text, char *path, size_t len)
{
	FILE *f;

	manual_path(dir, path, len);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(manual_sync_puts_the_file_into_the_map_and_nothing_else)
{
	char dir[] = "/tmp/mxgate-manual-test.XXXXXX", path[256], text[1024], cmd[128];
	struct world w;
	struct manual_synced r;
	struct mxg_key k;
	struct mxg_manual m;
	time_t now = time(NULL);
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(text, sizeof(text),
		 "# a comment line\n"
		 "192.0.2.0/24 block %lld never \"spam run, ticket \\\"42\\\"\"\n"
		 "2001:db8:5::/48 allow %lld %lld \"partner\"\n"
		 "198.51.100.9 block %lld %lld \"over\"\n"
		 "not-an-address block 1 never \"\"\n",
		 (long long)now - 100, (long long)now - 10, (long long)now + 3600,
		 (long long)now - 100, (long long)now - 1);
	write_file(dir, text, path, sizeof(path));
	if (world_up(&w, NULL, 0) == 0) {
		fd = bpf_map__fd(w.skel->maps.manual);
		/* In the map before: one of the file's (with hits, kept) and
		 * one the file does not hold (dropped). */
		decide(&w, "192.0.2.0/24", MXG_ACT_BLOCK, 0, "older");
		CHECK_EQ_INT(addr_parse("192.0.2.0/24", &k), 0);
		CHECK_EQ_INT(manual_get(fd, &k, &m), 0);
		m.hits = 41;
		CHECK_EQ_INT(manual_put(fd, &k, &m), 0);
		decide(&w, "203.0.113.0/24", MXG_ACT_PASS, 0, "stray");
		CHECK_EQ_INT(manual_sync(fd, dir, NULL, &r), 0);
		CHECK_EQ_INT(r.written, 2);
		CHECK_EQ_INT(r.expired, 1);
		CHECK_EQ_INT(r.dropped, 1);
		CHECK_EQ_INT(manual_get(fd, &k, &m), 0);
		CHECK_EQ_INT(m.action, MXG_ACT_BLOCK);
		CHECK_EQ_INT(m.hits, 41);
		CHECK_EQ_INT(m.expires_ns, 0);
		CHECK_EQ_STR(m.comment, "spam run, ticket \"42\"");
		CHECK(now_ns() - m.decided_ns >= 99 * SECOND);
		CHECK(now_ns() - m.decided_ns <= 102 * SECOND);
		CHECK_EQ_INT(addr_parse("2001:db8:5::/48", &k), 0);
		CHECK_EQ_INT(manual_get(fd, &k, &m), 0);
		CHECK_EQ_INT(m.action, MXG_ACT_PASS);
		CHECK(m.expires_ns > now_ns() + 3590 * SECOND);
		CHECK(m.expires_ns <= now_ns() + 3601 * SECOND);
		CHECK_EQ_INT(addr_parse("198.51.100.9", &k), 0);
		CHECK_EQ_INT(manual_get(fd, &k, &m), -ENOENT);
		CHECK_EQ_INT(addr_parse("203.0.113.0/24", &k), 0);
		CHECK_EQ_INT(manual_get(fd, &k, &m), -ENOENT);
		/* Enforced as the file says. */
		{
			struct mxg_key c;
			struct pkt_spec s = syn_text("192.0.2.200", &c);

			CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_SHOT);
		}
		/* No file: no decision. */
		unlink(path);
		CHECK_EQ_INT(manual_sync(fd, dir, NULL, &r), 0);
		CHECK_EQ_INT(r.dropped, 2);
	}
	world_down(&w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}

/* restore - store_iterate's visitor, as mxgated's restore_one */
static void restore(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	verdict_restore(ctx, k, v);
}

TEST(manual_offenders_from_real_maps_and_their_hits_kept_on_disk)
{
	char dir[] = "/tmp/mxgate-manual-test.XXXXXX", cmd[128];
	struct world w;
	struct offenders o = { 0 };
	struct store s;
	struct mxg_key a, b, c;
	struct pkt_spec sa = syn_text("198.51.100.20", &a), sb = syn_text("198.51.100.21", &b);
	struct pkt_spec sc = syn_text("192.0.2.9", &c);

	CHECK(mkdtemp(dir) != NULL);
	if (world_up(&w, NULL, 0) == 0) {
		put_at(&w, &a, MXG_ACT_BLOCK, MXG_R_S25R1, -SECOND, 3600 * SECOND);
		put_at(&w, &b, MXG_ACT_GREYLIST, MXG_R_S25R0, -SECOND, 3600 * SECOND);
		decide(&w, "192.0.2.0/24", MXG_ACT_BLOCK, 0, "");
		for (int i = 0; i < 5; i++)
			CHECK_EQ_INT(run(&w, &sa, 0, 0, NULL), TC_ACT_SHOT);
		for (int i = 0; i < 2; i++)
			run(&w, &sb, 0, 0, NULL);
		for (int i = 0; i < 3; i++)
			CHECK_EQ_INT(run(&w, &sc, 0, 0, NULL), TC_ACT_SHOT);
		CHECK_EQ_INT(offenders_collect(&o, w.maps.verdicts_fd, w.maps.unproven_fd,
					       bpf_map__fd(w.skel->maps.manual)), 0);
		CHECK_EQ_INT(offenders_group(&o, 128, 128), 0);
		CHECK_EQ_INT(o.n, 3);
		if (o.n == 3) {
			CHECK(memcmp(&o.v[0].key, &a, sizeof(a)) == 0);
			CHECK_EQ_INT(o.v[0].refused, 5);
			CHECK_EQ_INT(o.v[1].refused, 3);
			CHECK_EQ_INT(o.v[1].reasons, MXG_R_MANUAL);
			CHECK_EQ_INT(o.v[2].refused, 2);
		}
		offenders_free(&o);
		/* mxgated's stop writes the hits with the verdicts; a reboot
		 * (a fresh map) gets them back. */
		CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
		CHECK_EQ_INT(offenders_save(w.maps.verdicts_fd, &s, now_ns()), 2);
		store_close(&s);
		CHECK_EQ_INT(verdict_forget(&w.maps, &a), 0);
		CHECK_EQ_INT(verdict_forget(&w.maps, &b), 0);
		CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
		CHECK_EQ_INT(store_iterate(&s, restore, &w.maps), 0);
		store_close(&s);
		CHECK_EQ_INT(get(&w, &a).action, MXG_ACT_BLOCK);
		CHECK_EQ_INT(get(&w, &a).hits, 5);
		CHECK_EQ_INT(get(&w, &b).hits, 2);
		CHECK_EQ_INT(offenders_collect(&o, w.maps.verdicts_fd, -1, -1), 0);
		CHECK_EQ_INT(offenders_group(&o, 96 + 24, 64), 0);
		CHECK_EQ_INT(o.n, 1);			/* one /24: 198.51.100.0 */
		if (o.n == 1) {
			CHECK_EQ_INT(o.v[0].refused, 7);
			CHECK_EQ_INT(o.v[0].sources, 2);
			CHECK(memcmp(&o.v[0].busiest, &a, sizeof(a)) == 0);
		}
		offenders_free(&o);
	}
	world_down(&w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}
