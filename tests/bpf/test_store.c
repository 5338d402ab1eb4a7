/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_store.c - the on-disk store restored into a real BPF map, as
 * mxgated's restore_state does it: store_iterate() hands every unexpired
 * verdict to verdict_restore(), and a verdict the kernel still holds wins.
 * (The store on its own is tested without root: tests/unit/test_store.c.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
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

/* What restore() needs: the maps and a count, as mxgated keeps them. */
struct restore_ctx {
	struct pinned_maps *maps;
	unsigned restored;
};

/* restore - store_iterate's visitor, as in mxgated: into the kernel
 * unless it holds a verdict for k already */
static void restore(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct restore_ctx *rc = ctx;

	if (verdict_restore(rc->maps, k, v) == 0)
		rc->restored++;
}

TEST(store_restores_into_the_map_what_it_lacks)
{
	char dir[] = "/tmp/mxgate-store-test.XXXXXX", cmd[128];
	struct mxg_key pass, old, kept;
	struct mxg_verdict v = verdict(MXG_ACT_PASS, MXG_R_FCRDNS, 3600), got;
	struct mxg_verdict gone = verdict(MXG_ACT_GREYLIST, MXG_R_S25R1, 0);
	struct mxg_verdict newer = verdict(MXG_ACT_BLOCK, MXG_R_S25R0, 60);
	struct pinned_maps maps = { -1, -1, -1, -1, -1, 1, NULL };
	struct restore_ctx rc = { &maps, 0 };
	struct store s;

	CHECK(mkdtemp(dir) != NULL);
	addr_parse("198.51.100.10", &pass);
	addr_parse("2001:db8::30", &old);
	addr_parse("198.51.100.11", &kept);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK_EQ_INT(store_put(&s, &pass, &v), 0);
	CHECK_EQ_INT(store_put(&s, &old, &gone), 0);
	CHECK_EQ_INT(store_put(&s, &kept, &v), 0);
	store_close(&s);

	/* A fresh map, as after a reboot; one key the kernel already has. */
	maps.verdicts_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "test_verdicts",
					  sizeof(struct mxg_key),
					  sizeof(struct mxg_verdict), 64, NULL);
	CHECK(maps.verdicts_fd >= 0);
	CHECK_EQ_INT(bpf_map_update_elem(maps.verdicts_fd, &kept, &newer, BPF_ANY), 0);
	CHECK_EQ_INT(store_open(&s, &store_lmdb_ops, dir, STORE_CREATE), 0);
	CHECK_EQ_INT(store_iterate(&s, restore, &rc), 1);	/* one expired */
	CHECK_EQ_INT(rc.restored, 1);
	CHECK_EQ_INT(verdict_get(&maps, &pass, &got), 0);
	CHECK_EQ_INT(got.action, MXG_ACT_PASS);
	CHECK_EQ_INT(got.reasons, MXG_R_FCRDNS);
	CHECK_EQ_INT(got.dnsbl_score, -2);
	CHECK_EQ_INT(got.reported_ns, 0);
	/* The lifetime carries over (within a second of rounding). */
	CHECK(got.expires_ns > now_ns() + 3598 * SECOND);
	CHECK(got.expires_ns <= now_ns() + 3600 * SECOND);
	CHECK_EQ_INT(verdict_get(&maps, &kept, &got), 0);
	CHECK_EQ_INT(got.action, MXG_ACT_BLOCK);	/* the kernel's is newer */
	CHECK_EQ_INT(verdict_restore(&maps, &kept, &v), -EEXIST);
	CHECK(verdict_get(&maps, &old, &got) != 0);
	/* What the kernel lost again comes back; the rest stays. */
	verdict_forget(&maps, &pass);
	rc.restored = 0;
	CHECK_EQ_INT(store_iterate(&s, restore, &rc), 0);
	CHECK_EQ_INT(rc.restored, 1);
	CHECK_EQ_INT(verdict_get(&maps, &pass, &got), 0);
	store_close(&s);
	close(maps.verdicts_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}
