/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_migrate.c - pinned maps of an older layout, made by hand in a
 * private bpffs as an earlier mxgate left them, then bpf_load(): every
 * entry that fits is carried into the new maps (new fields zero), one
 * line is logged per map, and when a map cannot be migrated or the load
 * fails the old maps stay pinned, unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "world.h"

#define OLD_STATS	40	/* stats and decisions max_entries, before */
#define OLD_SOURCES	512	/* verdicts max_entries, before */
#define N_OLD		3	/* verdicts in the old map */

/* struct mxg_verdict before issue 9: no reported_ns. */
struct old_verdict {
	__u64 set_ns;
	__u64 expires_ns;
	__u32 reasons;
	__u32 hits;
	__u32 action;
	__s32 dnsbl_score;
};

/* The old verdicts, all live for an hour. */
static struct mxg_key old_keys[N_OLD];
static struct old_verdict old_vals[N_OLD];

/* bpffs_dir - a private bpffs in dir (a mkdtemp template); 0 or -1 */
static int bpffs_dir(char *dir)
{
	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL) < 0) {
		test_fail(__FILE__, __LINE__, "bpffs in %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* pin_new - create a map and pin it as dir/name; 0 or -1 */
static int pin_new(const char *dir, const char *name, enum bpf_map_type type,
		   __u32 key_size, __u32 value_size, __u32 max_entries, int *fd_out)
{
	char path[256];
	int fd = bpf_map_create(type, name, key_size, value_size, max_entries, NULL);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fd < 0 || bpf_obj_pin(fd, path) < 0) {
		test_fail(__FILE__, __LINE__, "map %s: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd_out)
		*fd_out = fd;
	else
		close(fd);
	return 0;
}

/* old_verdicts - the old verdicts map, N_OLD entries: a v4 pass, a v6
 * greylist, a /24 block */
static int old_verdicts(const char *dir)
{
	__u64 now = now_ns();
	int fd, rc = 0;

	old_keys[0] = key4(198, 51, 100, 7);
	old_keys[1] = key6((const __u8[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 7 });
	old_keys[2] = prefix(key4(203, 0, 113, 0), 120);
	for (int i = 0; i < N_OLD; i++) {
		old_vals[i] = (struct old_verdict){ .set_ns = now - (__u64)(i + 1) * SECOND,
			.expires_ns = now + 3600 * SECOND, .reasons = MXG_R_S25R1 << i,
			.hits = 10 + (__u32)i, .dnsbl_score = i - 1 };
	}
	old_vals[0].action = MXG_ACT_PASS;
	old_vals[1].action = MXG_ACT_GREYLIST;
	old_vals[2].action = MXG_ACT_BLOCK;
	if (pin_new(dir, MXG_MAP_VERDICTS, BPF_MAP_TYPE_LRU_HASH, sizeof(struct mxg_key),
		    sizeof(struct old_verdict), OLD_SOURCES, &fd) < 0)
		return -1;
	for (int i = 0; i < N_OLD; i++)
		rc |= bpf_map_update_elem(fd, &old_keys[i], &old_vals[i], BPF_ANY);
	close(fd);
	return rc ? -1 : 0;
}

/* has_line - the log holds text */
static void has_line(const char *log, const char *text, const char *file, int line)
{
	if (!strstr(log, text))
		test_fail(file, line, "log \"%s\" lacks \"%s\"", log, text);
}
#define HAS_LINE(log, ...) do {						\
	char want_[512];						\
	snprintf(want_, sizeof(want_), __VA_ARGS__);			\
	has_line(log, want_, __FILE__, __LINE__);			\
} while (0)

/* pinned_value_size - value_size of the map pinned as dir/name; -1 */
static long pinned_value_size(const char *dir, const char *name)
{
	struct bpf_map_info info;

	if (pinned_info(dir, name, &info) < 0 || !info.value_size)
		return -1;
	return (long)info.value_size;
}

/* old_entries_intact - the old verdicts map still pinned with its entries */
static void old_entries_intact(const char *dir)
{
	char path[256];
	struct old_verdict v;
	int fd;

	CHECK_EQ_INT(pinned_value_size(dir, MXG_MAP_VERDICTS), sizeof(struct old_verdict));
	CHECK_EQ_INT(pinned_max_entries(dir, MXG_MAP_VERDICTS), OLD_SOURCES);
	snprintf(path, sizeof(path), "%s/%s", dir, MXG_MAP_VERDICTS);
	fd = bpf_obj_get(path);
	CHECK(fd >= 0);
	for (int i = 0; i < N_OLD && fd >= 0; i++) {
		CHECK_EQ_INT(bpf_map_lookup_elem(fd, &old_keys[i], &v), 0);
		CHECK(memcmp(&v, &old_vals[i], sizeof(v)) == 0);
	}
	if (fd >= 0)
		close(fd);
}

TEST(tc_pinned_maps_of_an_older_layout_are_migrated)
{
	char dir[] = "/tmp/mxgate-bpftest.XXXXXX", log[8192];
	int ncpus = libbpf_num_possible_cpus(), stats_fd, dec_fd, rh_fd;
	__u64 *percpu = calloc((size_t)(ncpus > 0 ? ncpus : 1), sizeof(__u64));
	__u64 totals[MXG_STAT_MAX], v64;
	struct mxg_key inside;
	struct pkt_spec s;
	struct world w;
	__u32 mark;

	memset(&w, 0, sizeof(w));
	w.maps.verdicts_fd = w.maps.stats_fd = w.maps.rule_hits_fd = w.maps.decisions_fd = -1;
	if (!percpu || ncpus <= 0 || bpffs_dir(dir) < 0) {
		free(percpu);
		return;
	}
	snprintf(w.dir, sizeof(w.dir), "%s", dir);
	/* What an earlier mxgate left: counters by fewer ids, verdicts of
	 * the 32-byte layout and another max_sources, a smaller ring. */
	CHECK_EQ_INT(old_verdicts(dir), 0);
	CHECK_EQ_INT(pin_new(dir, MXG_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8,
			     OLD_STATS, &stats_fd), 0);
	CHECK_EQ_INT(pin_new(dir, MXG_MAP_DECISIONS, BPF_MAP_TYPE_ARRAY, 4, 8,
			     OLD_STATS, &dec_fd), 0);
	CHECK_EQ_INT(pin_new(dir, MXG_MAP_RULE_HITS, BPF_MAP_TYPE_ARRAY, 4, 8,
			     MXG_RULE_SLOTS, &rh_fd), 0);
	CHECK_EQ_INT(pin_new(dir, MXG_MAP_EVENTS, BPF_MAP_TYPE_RINGBUF, 0, 0,
			     4 * 4096, NULL), 0);
	for (__u32 id = 0; id < OLD_STATS; id++) {
		for (int c = 0; c < ncpus; c++)
			percpu[c] = id * 1000 + (__u64)c;
		CHECK_EQ_INT(bpf_map_update_elem(stats_fd, &id, percpu, BPF_ANY), 0);
		v64 = id + 1;
		CHECK_EQ_INT(bpf_map_update_elem(dec_fd, &id, &v64, BPF_ANY), 0);
	}
	v64 = 4;
	CHECK_EQ_INT(bpf_map_update_elem(rh_fd, &(__u32){ 1 }, &v64, BPF_ANY), 0);
	close(stats_fd);
	close(dec_fd);
	close(rh_fd);

	w.skel = load_logged(dir, 1024, log, sizeof(log));
	CHECK(w.skel != NULL);
	if (!w.skel) {
		world_down(&w);
		free(percpu);
		return;
	}
	/* One line per migrated map; a map that fits is simply reused. */
	HAS_LINE(log, "map verdicts pinned at %s/verdicts: value size %zu -> %zu, "
		 "max_entries %d -> 1024: migrated, %d entries kept", dir,
		 sizeof(struct old_verdict), sizeof(struct mxg_verdict), OLD_SOURCES, N_OLD);
	HAS_LINE(log, "map stats pinned at %s/stats: value size 8 -> 8, max_entries "
		 "%d -> %d: migrated, %d entries kept", dir, OLD_STATS, MXG_STAT_SLOTS,
		 OLD_STATS);
	HAS_LINE(log, "map decisions pinned at %s/decisions: value size 8 -> 8, "
		 "max_entries %d -> %d: migrated, %d entries kept", dir, OLD_STATS,
		 MXG_STAT_SLOTS, OLD_STATS);
	HAS_LINE(log, "map events pinned at %s/events: value size 0 -> 0, max_entries "
		 "%d -> %d: replaced, nothing to copy", dir, 4 * 4096, MXG_EVENTS_BYTES);
	CHECK(strstr(log, "map rule_hits") == NULL);
	CHECK(strstr(log, "warning") == NULL);

	/* The new layout is pinned, and holds the old entries. */
	CHECK_EQ_INT(pinned_value_size(dir, MXG_MAP_VERDICTS), sizeof(struct mxg_verdict));
	CHECK_EQ_INT(pinned_max_entries(dir, MXG_MAP_VERDICTS), 1024);
	CHECK_EQ_INT(pinned_max_entries(dir, MXG_MAP_STATS), MXG_STAT_SLOTS);
	CHECK_EQ_INT(pinned_max_entries(dir, MXG_MAP_DECISIONS), MXG_STAT_SLOTS);
	CHECK_EQ_INT(pinned_max_entries(dir, MXG_MAP_EVENTS), MXG_EVENTS_BYTES);
	CHECK_EQ_INT(maps_open(&w.maps, dir), 0);
	for (int i = 0; i < N_OLD; i++) {
		struct mxg_verdict v;

		CHECK_EQ_INT(verdict_get(&w.maps, &old_keys[i], &v), 0);
		CHECK_EQ_INT(v.decided_ns, old_vals[i].set_ns);
		CHECK_EQ_INT(v.expires_ns, old_vals[i].expires_ns);
		CHECK_EQ_INT(v.reasons, old_vals[i].reasons);
		CHECK_EQ_INT(v.hits, old_vals[i].hits);
		CHECK_EQ_INT(v.action, old_vals[i].action);
		CHECK_EQ_INT(v.dnsbl_score, old_vals[i].dnsbl_score);
		CHECK_EQ_INT(v.reported_ns, 0);		/* the field appended */
	}
	/* Every CPU's counter kept; the new ids start at zero. */
	for (__u32 id = 0; id < MXG_STAT_SLOTS; id++) {
		CHECK_EQ_INT(bpf_map_lookup_elem(w.maps.stats_fd, &id, percpu), 0);
		for (int c = 0; c < ncpus; c++)
			if (percpu[c] != (id < OLD_STATS ? id * 1000 + (__u64)c : 0))
				test_fail(__FILE__, __LINE__, "stats id %u cpu %d: %llu",
					  id, c, (unsigned long long)percpu[c]);
	}
	CHECK_EQ_INT(stats_read(&w.maps, totals), 0);
	CHECK_EQ_INT(totals[7], 7000ULL * (__u64)ncpus + (__u64)ncpus * (__u64)(ncpus - 1) / 2 + 8);
	CHECK_EQ_INT(totals[OLD_STATS], 0);
	CHECK_EQ_INT(bpf_map_lookup_elem(w.maps.rule_hits_fd, &(__u32){ 1 }, &v64), 0);
	CHECK_EQ_INT(v64, 4);

	/* The program enforces the migrated verdicts (the /24 entry as a
	 * greylist pool, which is how the program finds a prefix). */
	w.cfg = default_config();
	w.cfg.greylist_plen_v4 = 96 + 24;
	reconfigure(&w);
	s = syn_from(&old_keys[0]);
	CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
	CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
	inside = key4(203, 0, 113, 9);
	s = syn_from(&inside);
	CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);

	/* Loaded again, every pin fits: nothing to migrate, nothing said. */
	bpf_unload(w.skel);
	w.skel = load_logged(dir, 1024, log, sizeof(log));
	CHECK(w.skel != NULL);
	CHECK(strstr(log, "migrated") == NULL && strstr(log, "replaced") == NULL);
	world_down(&w);
	free(percpu);
}

TEST(tc_a_failed_migration_leaves_the_old_maps_pinned)
{
	char dir[] = "/tmp/mxgate-bpftest.XXXXXX", log[8192];
	struct mxgate_bpf *skel;

	if (bpffs_dir(dir) < 0)
		return;
	CHECK_EQ_INT(old_verdicts(dir), 0);
	/* A map whose key changed cannot be copied: nothing is touched. */
	CHECK_EQ_INT(pin_new(dir, MXG_MAP_THROTTLE, BPF_MAP_TYPE_LRU_HASH, 16, 8,
			     1024, NULL), 0);
	skel = load_logged(dir, 1024, log, sizeof(log));
	CHECK(skel == NULL);
	HAS_LINE(log, "map throttle pinned at %s/throttle cannot be migrated: key "
		 "size 16, this mxgate wants %zu", dir, sizeof(struct mxg_key));
	CHECK(strstr(log, "migrated,") == NULL);
	old_entries_intact(dir);
	CHECK_EQ_INT(pinned_max_entries(dir, MXG_MAP_THROTTLE), 1024);

	/* A load that fails after the old maps were unpinned (a verdicts
	 * map of 0 entries cannot be made) pins them back, unchanged. */
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", dir, MXG_MAP_THROTTLE);
		CHECK_EQ_INT(unlink(path), 0);
	}
	skel = load_logged(dir, 0, log, sizeof(log));
	CHECK(skel == NULL);
	HAS_LINE(log, "map verdicts: the old map is pinned at %s/verdicts again", dir);
	old_entries_intact(dir);
	if (skel)
		bpf_unload(skel);

	/* With a sane max_sources the same maps migrate. */
	skel = load_logged(dir, 1024, log, sizeof(log));
	CHECK(skel != NULL);
	HAS_LINE(log, "map verdicts pinned at %s/verdicts: value size %zu -> %zu, "
		 "max_entries %d -> 1024: migrated, %d entries kept", dir,
		 sizeof(struct old_verdict), sizeof(struct mxg_verdict), OLD_SOURCES, N_OLD);
	if (skel)
		bpf_unload(skel);

	/* A smaller max_sources keeps what fits, and says what it dropped
	 * (an LRU map may evict to make room: the log counts what is there). */
	skel = load_logged(dir, 2, log, sizeof(log));
	CHECK(skel != NULL);
	HAS_LINE(log, "map verdicts pinned at %s/verdicts: value size %zu -> %zu, "
		 "max_entries 1024 -> 2: migrated, ", dir, sizeof(struct mxg_verdict),
		 sizeof(struct mxg_verdict));
	if (skel) {
		const char *p = strstr(log, "1024 -> 2: migrated, ");
		int fd = bpf_map__fd(skel->maps.verdicts), n = 0;
		long kept = -1, dropped = -1;
		struct mxg_key k, next;
		void *prev = NULL;

		if (p)
			sscanf(p, "1024 -> 2: migrated, %ld entries kept, %ld dropped",
			       &kept, &dropped);
		while (bpf_map_get_next_key(fd, prev, &next) == 0 && n < 10) {
			k = next;
			prev = &k;
			n++;
		}
		CHECK(kept >= 1 && kept <= 2);
		CHECK_EQ_INT(kept + dropped, N_OLD);
		CHECK_EQ_INT(n, kept);
		bpf_unload(skel);
	}
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}
