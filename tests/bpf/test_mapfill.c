/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_mapfill.c - the maps' fill for /metrics: counted in batches on the
 * real verdicts map and on a hash map of several batches, with the map's
 * capacity; an empty map is 0, a descriptor that is not a map an error. */
#include <bpf/bpf.h>
#include "mapfill.h"
#include "world.h"

TEST(mapfill_counts_the_verdicts_map)
{
	struct world w;
	long long cap = 0;

	if (world_up(&w, NULL, 0) < 0) {
		world_down(&w);
		return;
	}
	CHECK_EQ_INT(map_fill(w.maps.verdicts_fd, &cap), 0);
	CHECK_EQ_INT(cap, 1024);
	for (int i = 0; i < 100; i++) {
		struct mxg_key k = key4(198, 51, 100, (__u8)i);

		CHECK_EQ_INT(verdict_put(&w.maps, &k, MXG_ACT_BLOCK, MXG_R_S25R0, 0,
					 3600 * SECOND), 0);
	}
	CHECK_EQ_INT(map_fill(w.maps.verdicts_fd, &cap), 100);
	CHECK_EQ_INT(map_fill(w.maps.unproven_fd, &cap), 0);
	world_down(&w);
}

TEST(mapfill_counts_across_batches)
{
	const int n = 3 * MAPFILL_BATCH + 17;
	long long cap = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "test_fill", sizeof(__u32),
				sizeof(__u64), 4 * MAPFILL_BATCH, NULL);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (__u32 k = 0; k < (__u32)n; k++) {
		__u64 v = k;

		CHECK_EQ_INT(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST), 0);
	}
	CHECK_EQ_INT(map_fill(fd, &cap), n);
	CHECK_EQ_INT(cap, 4 * MAPFILL_BATCH);
	for (__u32 k = 0; k < 1000; k++)
		bpf_map_delete_elem(fd, &k);
	CHECK_EQ_INT(map_fill(fd, &cap), n - 1000);
	close(fd);
	CHECK(map_fill(fd, &cap) < 0);
}
