/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_store.c - the on-disk verdict store against a real BPF map. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "store.h"
#include "test.h"
#include "verdict.h"

#define SECOND 1000000000ULL

/* verdict - a verdict decided now, lasting ttl seconds (0: already over) */
static struct mxg_verdict verdict(enum mxg_action a, __u32 reasons, __u64 ttl)
{
	struct mxg_verdict v = { .action = a, .reasons = reasons, .dnsbl_score = -2 };

	v.set_ns = now_ns();
	v.expires_ns = ttl ? v.set_ns + ttl * SECOND : v.set_ns - 1;
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
