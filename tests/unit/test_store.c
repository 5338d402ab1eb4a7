/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_store.c - the store interface with its LMDB backend, no kernel
 * needed: records survive a reopen, come back on the monotonic clock,
 * expired ones are dropped, batches commit in time, records of the v1
 * layout are still read (hits 0: a pad there was always 0), unreadable ones dropped, nothing is created
 * without STORE_CREATE; prune drops exactly the expired, a few a call,
 * round the whole store; near full (a small map) it makes room from the
 * greylists that expire soonest, passes last, and the store keeps
 * taking writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <lmdb.h>
#include "addr.h"
#include "store.h"
#include "test.h"
#include "maps.h"

#define SECOND	1000000000ULL
#define MAX_SEEN 8

/* What a store_iterate() walk handed over. */
struct seen {
	int n;
	struct mxg_key k[MAX_SEEN];
	struct mxg_verdict v[MAX_SEEN];
};

/* collect - store_iterate's visitor: keep what it is handed */
static void collect(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->k[s->n] = *k;
		s->v[s->n] = *v;
	}
	s->n++;
}

/* find - the verdict handed over for k, or NULL */
static const struct mxg_verdict *find(const struct seen *s, const struct mxg_key *k)
{
	for (int i = 0; i < s->n && i < MAX_SEEN; i++)
		if (memcmp(&s->k[i], k, sizeof(*k)) == 0)
			return &s->v[i];
	return NULL;
}

/* verdict - a verdict decided `ago` seconds ago, lasting ttl seconds
 * from now (0: already over) */
static struct mxg_verdict verdict(enum mxg_action a, __u32 reasons, __u64 ago, __u64 ttl)
{
	struct mxg_verdict v = { .action = a, .reasons = reasons, .dnsbl_score = -2,
				 .hits = 7 };
	__u64 now = now_ns();

	v.decided_ns = now - ago * SECOND;
	v.expires_ns = ttl ? now + ttl * SECOND : now - 1;
	return v;
}

/* near - a and b within a second (conversions round through two clocks) */
static int near(__u64 a, __u64 b)
{
	return a > b ? a - b <= SECOND : b - a <= SECOND;
}

/* rm_rf - remove a test directory */
static void rm_rf(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}

TEST(store_keeps_verdicts_across_a_reopen_and_drops_expired_ones)
{
	char dir[] = "/tmp/mxgate-store-test.XXXXXX";
	struct mxg_key pass, old, grey;
	struct mxg_verdict v = verdict(MXG_ACT_PASS, MXG_R_FCRDNS, 30, 3600);
	struct mxg_verdict gone = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 60, 0);
	struct mxg_verdict g = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 5, 600);
	const struct mxg_verdict *got;
	struct seen seen = { 0 };
	struct store s;

	CHECK(mkdtemp(dir) != NULL);
	addr_parse("198.51.100.10", &pass);
	addr_parse("2001:db8::30", &old);
	addr_parse("198.51.100.11", &grey);
	v.reported_ns = now_ns() - 10 * SECOND;
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK(strstr(s.where, dir) == s.where);
	CHECK_EQ_INT(store_put(&s, &pass, &v), 0);
	CHECK_EQ_INT(store_put(&s, &old, &gone), 0);
	CHECK_EQ_INT(store_put(&s, &grey, &g), 0);
	CHECK(store_size_bytes(&s) > 0);
	store_close(&s);

	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK_EQ_INT(store_iterate(&s, collect, &seen), 1);	/* one expired */
	CHECK_EQ_INT(seen.n, 2);
	got = find(&seen, &pass);
	CHECK(got != NULL);
	if (got) {
		CHECK_EQ_INT(got->action, MXG_ACT_PASS);
		CHECK_EQ_INT(got->reasons, MXG_R_FCRDNS);
		CHECK_EQ_INT(got->dnsbl_score, -2);
		CHECK_EQ_INT(got->hits, 7);	/* kept: mxgatectl top after a reboot */
		/* Back on the monotonic clock, within rounding. */
		CHECK(near(got->decided_ns, v.decided_ns));
		CHECK(near(got->expires_ns, v.expires_ns));
		CHECK(near(got->reported_ns, v.reported_ns));
	}
	got = find(&seen, &grey);
	CHECK(got != NULL);
	if (got) {
		CHECK_EQ_INT(got->action, MXG_ACT_GREYLIST);
		CHECK(near(got->decided_ns, g.decided_ns));	/* the greylist clock */
		CHECK_EQ_INT(got->reported_ns, 0);		/* never stays never */
	}
	CHECK(find(&seen, &old) == NULL);
	/* The expired record is gone from disk; a deleted one too. */
	CHECK_EQ_INT(store_delete(&s, &pass), 0);
	CHECK_EQ_INT(store_delete(&s, &pass), 0);		/* absent is fine */
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_iterate(&s, collect, &seen), 0);
	CHECK_EQ_INT(seen.n, 1);
	CHECK(find(&seen, &grey) != NULL);
	store_close(&s);
	rm_rf(dir);
}

TEST(store_closed_or_absent_does_nothing)
{
	char dir[] = "/tmp/mxgate-store-test.XXXXXX", sub[64];
	struct mxg_verdict v = verdict(MXG_ACT_PASS, 0, 0, 60);
	struct mxg_key k;
	struct seen seen = { 0 };
	struct store s;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/state", dir);
	addr_parse("192.0.2.1", &k);
	/* Without STORE_CREATE, no store: nothing made, not even the dir. */
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, sub, 0), STORE_ABSENT);
	CHECK(stat(sub, &st) != 0);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, 0), STORE_ABSENT);
	/* A closed store refuses everything quietly. */
	CHECK_EQ_INT(store_put(&s, &k, &v), -1);
	CHECK_EQ_INT(store_delete(&s, &k), -1);
	CHECK_EQ_INT(store_iterate(&s, collect, &seen), -1);
	CHECK_EQ_INT(store_next_flush_ms(&s, now_ns()), -1);
	CHECK_EQ_INT(store_size_bytes(&s), -1);
	store_tick(&s, now_ns());
	store_close(&s);
	/* Once created, it opens without STORE_CREATE. */
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, sub, STORE_CREATE), 0);
	CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	store_close(&s);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, sub, 0), 0);
	CHECK_EQ_INT(store_iterate(&s, collect, &seen), 0);
	CHECK_EQ_INT(seen.n, 1);
	store_close(&s);
	rm_rf(dir);
}

/* lmdb_put_raw - one record as raw bytes into the LMDB file at path,
 * beside the backend, as another mxgate version would have written it */
static int lmdb_put_raw(const char *path, const void *key, size_t klen,
			const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	if (mdb_env_create(&env))
		return -1;
	mdb_env_set_mapsize(env, 1ULL << 30);
	rc = mdb_env_open(env, path, MDB_NOSUBDIR, 0600);
	if (!rc)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (!rc) {
		rc = mdb_dbi_open(txn, NULL, 0, &dbi);
		if (!rc)
			rc = mdb_put(txn, dbi, &k, &v, 0);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	mdb_env_close(env);
	return rc ? -1 : 0;
}

TEST(store_reads_older_and_newer_record_layouts_and_drops_unreadable_ones)
{
	char dir[] = "/tmp/mxgate-store-test.XXXXXX", path[4096];
	struct mxg_key v1key, v9key, bad;
	const struct mxg_verdict *got;
	struct seen seen = { 0 };
	struct store s;
	struct timespec ts;
	__u64 wall;
	/* The record of mxgate before issue 9: 32 bytes, no reported time. */
	struct {
		__u64 set_wall_ns, expires_wall_ns;
		__u32 reasons;
		__s32 dnsbl_score;
		__u32 action, pad;
	} v1;
	/* A later mxgate's record: ours with a field appended. */
	struct {
		struct store_record r;
		__u64 later;
	} v9;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	snprintf(path, sizeof(path), "%s", s.where);
	store_close(&s);
	CHECK_EQ_INT(sizeof(v1), STORE_RECORD_V1_SIZE);
	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (__u64)ts.tv_sec * SECOND + (__u64)ts.tv_nsec;
	memset(&v1, 0, sizeof(v1));
	v1.set_wall_ns = wall - 100 * SECOND;
	v1.expires_wall_ns = wall + 3600 * SECOND;
	v1.reasons = MXG_R_FCRDNS | MXG_R_RETRIED;
	v1.dnsbl_score = 3;
	v1.action = MXG_ACT_PASS;
	memset(&v9, 0, sizeof(v9));
	v9.r.decided_wall_ns = wall - 50 * SECOND;
	v9.r.expires_wall_ns = wall + 60 * SECOND;
	v9.r.reported_wall_ns = wall - 20 * SECOND;
	v9.r.action = MXG_ACT_GREYLIST;
	v9.r.hits = 12;
	v9.later = 42;
	addr_parse("198.51.100.1", &v1key);
	addr_parse("198.51.100.9", &v9key);
	addr_parse("198.51.100.66", &bad);
	CHECK_EQ_INT(lmdb_put_raw(path, &v1key, sizeof(v1key), &v1, sizeof(v1)), 0);
	CHECK_EQ_INT(lmdb_put_raw(path, &v9key, sizeof(v9key), &v9, sizeof(v9)), 0);
	/* Not ours: a key of another size, a value too short to be a record. */
	CHECK_EQ_INT(lmdb_put_raw(path, "short", 5, &v1, sizeof(v1)), 0);
	CHECK_EQ_INT(lmdb_put_raw(path, &bad, sizeof(bad), &v1, 16), 0);

	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK_EQ_INT(store_iterate(&s, collect, &seen), 0);	/* none expired */
	CHECK_EQ_INT(seen.n, 2);
	got = find(&seen, &v1key);
	CHECK(got != NULL);
	if (got) {
		CHECK_EQ_INT(got->action, MXG_ACT_PASS);
		CHECK_EQ_INT(got->reasons, MXG_R_FCRDNS | MXG_R_RETRIED);
		CHECK_EQ_INT(got->dnsbl_score, 3);
		CHECK(near(got->decided_ns, now_ns() - 100 * SECOND));
		CHECK(near(got->expires_ns, now_ns() + 3600 * SECOND));
		CHECK_EQ_INT(got->reported_ns, 0);	/* a field v1 lacks */
		CHECK_EQ_INT(got->hits, 0);		/* its pad, always 0 */
	}
	got = find(&seen, &v9key);
	CHECK(got != NULL);
	if (got) {
		CHECK_EQ_INT(got->action, MXG_ACT_GREYLIST);
		CHECK_EQ_INT(got->hits, 12);
		CHECK(near(got->reported_ns, now_ns() - 20 * SECOND));
	}
	/* The unreadable records were dropped: a second walk is clean. */
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_iterate(&s, collect, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK(find(&seen, &bad) == NULL);
	store_close(&s);
	rm_rf(dir);
}

/* committed_count - the records another process sees in the store at
 * path (a read transaction never waits for the writer) */
static int committed_count(const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		MDB_stat st;

		if (mdb_env_create(&env) || mdb_env_set_mapsize(env, 1ULL << 30) ||
		    mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY, 0600) ||
		    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) ||
		    mdb_dbi_open(txn, NULL, 0, &dbi) || mdb_stat(txn, dbi, &st))
			_exit(255);
		_exit(st.ms_entries > 250 ? 250 : (int)st.ms_entries);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(store_batches_commits_and_flushes_them_in_time)
{
	char dir[] = "/tmp/mxgate-store-test.XXXXXX", path[4096];
	struct mxg_verdict v = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 0, 3600);
	struct seen seen = { 0 };
	struct mxg_key k;
	struct store s;
	__u64 t;
	int ms;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	snprintf(path, sizeof(path), "%s", s.where);
	CHECK_EQ_INT(store_next_flush_ms(&s, now_ns()), -1);	/* nothing open */
	addr_parse("198.51.100.20", &k);
	t = now_ns();
	CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	ms = store_next_flush_ms(&s, t);
	CHECK(ms > 0 && ms <= 100);
	/* Not committed yet: another process does not see it. */
	CHECK_EQ_INT(committed_count(path), 0);
	store_tick(&s, t + 50 * 1000000ULL);		/* too early */
	CHECK(store_next_flush_ms(&s, t) >= 0);
	store_tick(&s, t + 101 * 1000000ULL);		/* due */
	CHECK_EQ_INT(store_next_flush_ms(&s, t), -1);
	CHECK_EQ_INT(committed_count(path), 1);
	/* A full batch commits at once, without waiting for the tick. */
	for (int i = 0; i < 512; i++) {
		char a[32];

		snprintf(a, sizeof(a), "2001:db8::%x", i + 1);
		addr_parse(a, &k);
		CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	}
	CHECK_EQ_INT(store_next_flush_ms(&s, now_ns()), -1);
	CHECK_EQ_INT(committed_count(path), 250);	/* 513, capped by exit status */
	/* store_flush commits at once; close commits what is open. */
	addr_parse("192.0.2.1", &k);
	CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	CHECK_EQ_INT(store_flush(&s), 0);
	CHECK_EQ_INT(store_next_flush_ms(&s, now_ns()), -1);
	addr_parse("192.0.2.2", &k);
	CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	store_close(&s);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK(store_next_flush_ms(&s, now_ns()) == -1);
	CHECK_EQ_INT(store_iterate(&s, collect, &seen), 0);
	CHECK_EQ_INT(seen.n, 515);	/* 1 + 512 + 2: every batch committed */
	store_close(&s);
	rm_rf(dir);
}

/* key_n - the key of source number n: 2001:db8::/32, n in the last four
 * bytes and a scramble of n before them, so that key order says nothing
 * about n (as a real store's addresses say nothing about expiry) */
static struct mxg_key key_n(__u32 n)
{
	struct mxg_key k = { .plen = 128 };
	__u32 h = n * 2654435761u;		/* odd: a bijection */

	k.addr[0] = 0x20;
	k.addr[1] = 0x01;
	k.addr[2] = 0x0d;
	k.addr[3] = 0xb8;
	memcpy(&k.addr[8], &h, 4);
	memcpy(&k.addr[12], &n, 4);
	return k;
}

/* n_of - the number key_n made k from */
static __u32 n_of(const struct mxg_key *k)
{
	__u32 n;

	memcpy(&n, &k->addr[12], 4);
	return n;
}

#define MAX_N	40000

/* What a store_iterate() walk over key_n() keys found. */
struct present {
	unsigned char is[MAX_N];	/* 1: n is in the store */
	int n;				/* records seen */
	int pass, grey;			/* by action */
};

/* mark_present - store_iterate's visitor: note which n are there */
static void mark_present(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct present *p = ctx;
	__u32 n = n_of(k);

	if (n < MAX_N)
		p->is[n] = 1;
	p->n++;
	p->pass += v->action == MXG_ACT_PASS;
	p->grey += v->action == MXG_ACT_GREYLIST;
}

TEST(store_prune_drops_exactly_the_expired_and_resumes_where_it_stopped)
{
	char dir[] = "/tmp/mxgate-store-test.XXXXXX";
	struct mxg_verdict live = verdict(MXG_ACT_PASS, MXG_R_FCRDNS, 0, 3600);
	struct mxg_verdict grey = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 0, 3600);
	struct mxg_verdict gone = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 60, 0);
	struct present *p = calloc(1, sizeof(*p));
	struct mxg_key low, high;
	struct store s;
	int total = 0, n;
	/* A second on, what was put as expired is past for sure (the coarse
	 * clock ticks every few ms). */
	__u64 later = now_ns() + SECOND;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK_EQ_INT(store_records(&s), 0);
	CHECK_EQ_INT(store_capacity_bytes(&s), 1LL << 30);
	CHECK_EQ_INT(store_prune(&s, later, 7), 0);		/* empty: fine */
	/* 100 records, 40 of them expired, spread over the key order. */
	for (__u32 i = 0; i < 100; i++) {
		struct mxg_key k = key_n(i);

		CHECK_EQ_INT(store_put(&s, &k, i % 5 < 2 ? &gone : i % 2 ? &live : &grey), 0);
	}
	CHECK_EQ_INT(store_records(&s), 100);		/* the open batch counted */
	/* Seven a call: no call drops more than it may visit, and 15 calls
	 * (105 visits) cover the 100 records once round. */
	for (int call = 0; call < 15; call++) {
		n = store_prune(&s, later, 7);
		CHECK(n >= 0 && n <= 7);
		total += n;
		if (call == 0)
			CHECK_EQ_INT(store_records(&s), 100 - n);
		if (call == 13)
			CHECK(total >= 38);	/* 98 visited: at most 2 left */
	}
	CHECK_EQ_INT(total, 40);
	CHECK_EQ_INT(store_records(&s), 60);
	CHECK_EQ_INT(store_iterate(&s, mark_present, p), 0);	/* none expired left */
	CHECK_EQ_INT(p->n, 60);
	for (__u32 i = 0; i < 100; i++)
		CHECK_EQ_INT(p->is[i], i % 5 >= 2);
	/* The walk wraps round: expired records before the first key and
	 * after the last are found from where it stands now. */
	addr_parse("::1", &low);
	addr_parse("ffff::1", &high);
	CHECK_EQ_INT(store_put(&s, &low, &gone), 0);
	CHECK_EQ_INT(store_put(&s, &high, &gone), 0);
	total = 0;
	for (int call = 0; call < 9; call++)			/* 62 / 7 */
		total += store_prune(&s, later, 7);
	CHECK_EQ_INT(total, 2);
	CHECK_EQ_INT(store_records(&s), 60);
	CHECK_EQ_INT(store_prune(&s, later, 1000), 0);		/* nothing left to drop */
	CHECK(store_size_bytes(&s) > 0 && store_size_bytes(&s) < store_capacity_bytes(&s));
	store_close(&s);
	CHECK_EQ_INT(store_prune(&s, later, 7), -1);		/* closed */
	CHECK_EQ_INT(store_records(&s), -1);
	CHECK_EQ_INT(store_capacity_bytes(&s), -1);
	free(p);
	rm_rf(dir);
}

#define SMALL_MAP	(4ULL << 20)	/* 1024 pages: full at ~34,000 records */

/* fast_dir - a new test directory in memory (tmpfs) when there is one:
 * the tests of a full store commit thousands of times, and on a disk
 * each commit waits for it */
static char *fast_dir(char *dir, size_t len)
{
	struct stat st;

	snprintf(dir, len, "%s/mxgate-store-test.XXXXXX",
		 stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
	return mkdtemp(dir);
}

/* fill_to_mark - put records n = 0, 1, ... into s (even: greylists
 * expiring in 10,000 + n s; odd: passes expiring sooner, in 100 + n s)
 * until the pages in use reach 90% of the capacity; returns how many */
static __u32 fill_to_mark(struct store *s)
{
	__u32 n;

	for (n = 0; n < MAX_N; n++) {
		struct mxg_verdict v = n % 2 ?
			verdict(MXG_ACT_PASS, MXG_R_FCRDNS, 0, 100 + n) :
			verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 0, 10000 + n);
		struct mxg_key k = key_n(n);

		if (store_put(s, &k, &v) < 0)
			return n;
		/* Small batches: near the mark a batch's copied pages must
		 * still fit in what is free. */
		if (n % 8 == 7 && (store_flush(s) < 0 ||
				   store_size_bytes(s) * 10 >= store_capacity_bytes(s) * 9))
			return n + 1;
	}
	return n;
}

TEST(store_prune_makes_room_when_nearly_full_greylists_that_expire_soonest_first)
{
	char dir[64];
	struct present *p = calloc(1, sizeof(*p));
	long long before, after, used;
	__u32 filled, first_grey = MAX_N;
	size_t mapsize = store_lmdb_mapsize;
	struct store s;
	int n, failed, calls;

	store_lmdb_mapsize = SMALL_MAP;
	CHECK(fast_dir(dir, sizeof(dir)) != NULL);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK_EQ_INT(store_capacity_bytes(&s), SMALL_MAP);
	filled = fill_to_mark(&s);
	before = store_records(&s);
	used = store_size_bytes(&s);
	CHECK_EQ_INT(before, filled);
	CHECK(used * 10 >= (long long)SMALL_MAP * 9);
	/* Nothing has expired, yet prune makes room: greylists only (passes
	 * expire sooner, but go last), the soonest to expire first, until
	 * the records would fill 80% of the map. With 16 a call, a call
	 * visits 2048 records: the job (three walks round the store here,
	 * then the deleting one) goes on over the calls after the first,
	 * which only counts. */
	CHECK_EQ_INT(store_prune(&s, now_ns(), 16), 0);
	CHECK(s.room != NULL);
	CHECK_EQ_INT(store_records(&s), before);
	n = 0;
	for (calls = 1; s.room && calls < 200; calls++)
		n += store_prune(&s, now_ns(), 16);
	CHECK(s.room == NULL);
	CHECK(calls >= 3 * before / 2048);
	after = store_records(&s);
	CHECK(n > 0);
	CHECK_EQ_INT(after, before - n);
	CHECK(after <= before * 8 / 9 + 1);
	CHECK(after >= before * 8 / 10 - 1);
	CHECK_EQ_INT(store_iterate(&s, mark_present, p), 0);
	CHECK_EQ_INT(p->n, after);
	CHECK_EQ_INT(p->pass, filled / 2);			/* every pass kept */
	CHECK_EQ_INT(p->grey, after - filled / 2);
	for (__u32 i = 0; i < filled; i += 2)
		if (p->is[i] && first_grey == MAX_N)
			first_grey = i;
	CHECK_EQ_INT(first_grey, 2 * n);		/* greylists 0 .. n-1 gone */
	for (__u32 i = first_grey; i < filled; i += 2)
		CHECK_EQ_INT(p->is[i], 1);		/* and none after */
	/* At the mark still (LMDB keeps the pages), but room was just made:
	 * the next prune leaves the unexpired alone. */
	CHECK_EQ_INT(store_prune(&s, now_ns(), 16), 0);
	CHECK(s.room == NULL);
	/* The store takes writes again, and goes on taking them, twice its
	 * fill, with prune called as the daemon does (1000 a call: at this
	 * size, room is made within one call). */
	failed = 0;
	for (__u32 i = 0; i < 2 * filled; i++) {
		__u32 m = filled + i;
		struct mxg_verdict v = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 0, 10000 + m);
		struct mxg_key k = key_n(m);

		failed += store_put(&s, &k, &v) < 0;
		if (i % 8 == 7)
			failed += store_flush(&s) < 0;
		if (i % 64 == 63)
			failed += store_prune(&s, now_ns(), 1000) < 0;
	}
	CHECK_EQ_INT(failed, 0);
	CHECK(store_records(&s) <= before + 64);	/* the puts between two prunes */
	memset(p, 0, sizeof(*p));
	CHECK_EQ_INT(store_iterate(&s, mark_present, p), 0);
	CHECK_EQ_INT(p->pass, filled / 2);			/* passes still kept */
	store_close(&s);
	rm_rf(dir);

	/* Without prune the same writes fill the map: the bound is what
	 * kept them going above. */
	CHECK(fast_dir(dir, sizeof(dir)) != NULL);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	failed = 0;
	for (__u32 i = 0; i < 4 * filled && !failed; i++) {
		struct mxg_verdict v = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 0, 10000 + i);
		struct mxg_key k = key_n(i);

		failed = store_put(&s, &k, &v) < 0 || (i % 8 == 7 && store_flush(&s) < 0);
	}
	CHECK_EQ_INT(failed, 1);
	store_close(&s);
	rm_rf(dir);
	store_lmdb_mapsize = mapsize;
	free(p);
}

TEST(store_prune_makes_room_from_passes_when_there_is_nothing_else)
{
	char dir[64];
	struct present *p = calloc(1, sizeof(*p));
	size_t mapsize = store_lmdb_mapsize;
	struct store s;
	__u32 n;
	int dropped;

	store_lmdb_mapsize = SMALL_MAP;
	CHECK(fast_dir(dir, sizeof(dir)) != NULL);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	/* Passes only, expiring in n s: room is made from the first n. */
	for (n = 0; n < MAX_N; n++) {
		struct mxg_verdict v = verdict(MXG_ACT_PASS, MXG_R_FCRDNS, 0, 100 + n);
		struct mxg_key k = key_n(n);

		CHECK_EQ_INT(store_put(&s, &k, &v), 0);
		if (n % 8 == 7 && (store_flush(&s) < 0 ||
				   store_size_bytes(&s) * 10 >= (long long)SMALL_MAP * 9))
			break;
	}
	dropped = store_prune(&s, now_ns(), 1000);	/* the whole job: small store */
	CHECK(dropped > 0);
	CHECK(s.room == NULL);
	CHECK_EQ_INT(store_iterate(&s, mark_present, p), 0);
	CHECK_EQ_INT(p->n, (int)n + 1 - dropped);
	for (__u32 i = 0; i <= n; i++)
		CHECK_EQ_INT(p->is[i], i >= (__u32)dropped);
	store_close(&s);
	rm_rf(dir);
	store_lmdb_mapsize = mapsize;
	free(p);
}
