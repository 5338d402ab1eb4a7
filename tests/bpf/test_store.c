/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_store.c - the on-disk verdict store against a real BPF map. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <lmdb.h>
#include "addr.h"
#include "store.h"
#include "test.h"
#include "maps.h"

#define SECOND 1000000000ULL

/* verdict - a verdict decided now, lasting ttl seconds (0: already over) */
static struct mxg_verdict verdict(enum mxg_action a, __u32 reasons, __u64 ttl)
{
	struct mxg_verdict v = { .action = a, .reasons = reasons, .dnsbl_score = -2 };

	v.decided_ns = now_ns();
	v.expires_ns = ttl ? v.decided_ns + ttl * SECOND : v.decided_ns - 1;
	return v;
}

TEST(store_survives_reopen_and_restores_what_the_map_lacks)
{
	char dir[] = "/tmp/mxgate-store-test.XXXXXX", cmd[128];
	struct mxg_key pass, old, kept;
	struct mxg_verdict v = verdict(MXG_ACT_PASS, MXG_R_FCRDNS, 3600), got;
	struct mxg_verdict gone = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 0);
	struct mxg_verdict newer = verdict(MXG_ACT_BLOCK, MXG_R_S25R0, 60);
	unsigned restored, expired;
	struct store s;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	addr_parse("198.51.100.10", &pass);
	addr_parse("2001:db8::30", &old);
	addr_parse("198.51.100.11", &kept);
	CHECK_EQ_INT(store_open(&s, dir), 0);
	CHECK_EQ_INT(store_put(&s, &pass, &v), 0);
	CHECK_EQ_INT(store_put(&s, &old, &gone), 0);
	CHECK_EQ_INT(store_put(&s, &kept, &v), 0);
	store_close(&s);

	/* A fresh map, as after a reboot; one key the kernel already has. */
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "test_verdicts", sizeof(struct mxg_key),
			    sizeof(struct mxg_verdict), 64, NULL);
	CHECK(fd >= 0);
	CHECK_EQ_INT(bpf_map_update_elem(fd, &kept, &newer, BPF_ANY), 0);
	CHECK_EQ_INT(store_open(&s, dir), 0);
	CHECK_EQ_INT(store_restore(&s, fd, &restored, &expired), 0);
	CHECK_EQ_INT(restored, 1);
	CHECK_EQ_INT(expired, 1);
	CHECK_EQ_INT(bpf_map_lookup_elem(fd, &pass, &got), 0);
	CHECK_EQ_INT(got.action, MXG_ACT_PASS);
	CHECK_EQ_INT(got.reasons, MXG_R_FCRDNS);
	CHECK_EQ_INT(got.dnsbl_score, -2);
	/* The lifetime carries over (within a second of rounding). */
	CHECK(got.expires_ns > now_ns() + 3598 * SECOND);
	CHECK(got.expires_ns <= now_ns() + 3600 * SECOND);
	CHECK_EQ_INT(bpf_map_lookup_elem(fd, &kept, &got), 0);
	CHECK_EQ_INT(got.action, MXG_ACT_BLOCK);	/* the kernel's is newer */
	CHECK(bpf_map_lookup_elem(fd, &old, &got) != 0);
	/* Expired records are gone from disk; deleted ones too. */
	CHECK_EQ_INT(store_delete(&s, &pass), 0);
	CHECK_EQ_INT(store_delete(&s, &pass), 0);	/* absent is fine */
	bpf_map_delete_elem(fd, &pass);
	CHECK_EQ_INT(store_restore(&s, fd, &restored, &expired), 0);
	CHECK_EQ_INT(restored, 0);
	CHECK_EQ_INT(expired, 0);
	store_close(&s);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}

/* committed_count - the records another process sees in dir's store
 * (a read transaction never waits for the writer) */
static int committed_count(const char *dir)
{
	char path[256];
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		MDB_stat st;

		snprintf(path, sizeof(path), "%s/verdicts.lmdb", dir);
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
	char dir[] = "/tmp/mxgate-store-test.XXXXXX", cmd[128];
	struct mxg_verdict v = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 3600);
	struct mxg_key k;
	struct store s;
	__u64 t;
	int ms;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(store_open(&s, dir), 0);
	CHECK_EQ_INT(store_next_flush_ms(&s, now_ns()), -1);	/* nothing open */
	addr_parse("198.51.100.20", &k);
	t = now_ns();
	CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	ms = store_next_flush_ms(&s, t);
	CHECK(ms > 0 && ms <= 100);
	/* Not committed yet: another process does not see it. */
	CHECK_EQ_INT(committed_count(dir), 0);
	store_tick(&s, t + 50 * 1000000ULL);		/* too early */
	CHECK(store_next_flush_ms(&s, t) >= 0);
	store_tick(&s, t + 101 * 1000000ULL);		/* due */
	CHECK_EQ_INT(store_next_flush_ms(&s, t), -1);
	CHECK_EQ_INT(committed_count(dir), 1);
	/* A full batch commits at once, without waiting for the tick. */
	for (int i = 0; i < 512; i++) {
		char a[32];

		snprintf(a, sizeof(a), "2001:db8::%x", i + 1);
		addr_parse(a, &k);
		CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	}
	CHECK_EQ_INT(store_next_flush_ms(&s, now_ns()), -1);
	CHECK_EQ_INT(committed_count(dir), 250);	/* 513, capped by exit status */
	/* Close commits what is open. */
	addr_parse("192.0.2.1", &k);
	CHECK_EQ_INT(store_put(&s, &k, &v), 0);
	store_close(&s);
	CHECK_EQ_INT(store_open(&s, dir), 0);
	CHECK(store_next_flush_ms(&s, now_ns()) == -1);
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ_INT(system(cmd), 0);
}
