/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_country.c - the country table through the real tc program: it
 * drops exactly the sources whose longest matching prefix is a blocked
 * country (random sets and addresses, IPv4, IPv6 and IPv4-mapped IPv6,
 * against a reference longest-prefix match); country_lookup() reads the
 * same answer; no lookup misses while sets are swapped; a countries map
 * pinned with the old layout (LPM tries) is replaced at load.
 */
#include <pthread.h>
#include <stdlib.h>
#include "country.h"
#include "country_gen.h"
#include "country_table.h"
#include "log.h"
#include "world.h"

/* run_key - a SYN from the address of k, as IPv4 when it is IPv4-mapped
 * unless as6, else IPv6; returns TC_ACT_* */
static int run_key(struct world *w, const struct mxg_key *k, int as6)
{
	struct pkt_spec s = syn_from(k);

	if (as6) {
		s = syn_spec(6);
		s.src = k->addr;
	}
	return run(w, &s, 0, 0, NULL);
}

TEST(tc_country_table_matches_reference)
{
	struct world w;
	struct gen g = { 4242 };
	struct country_table in_force = { 0 };
	struct country_set set;
	int bad = 0;

	gen_set(&g, 2000, &set);
	if (world_up(&w, NULL, 0) == 0) {
		int fd = bpf_map__fd(w.skel->maps.countries);

		/* The copy mxgated keeps answers like the kernel's. */
		CHECK_EQ_INT(country_install(fd, &set, &in_force), 0);
		for (int i = 0; i < 3000 && bad < 5; i++) {
			struct mxg_key k = gen_addr(&g, &set);
			__u32 want = ref_match(&set, &k);
			int as6 = i % 7 == 0;	/* mapped IPv4 in an IPv6 packet */
			int rc = run_key(&w, &k, as6);
			int block = want && mxg_ct_leaf_action(want) == MXG_ACT_BLOCK;
			struct mxg_country c;
			int found = country_lookup(fd, &k, &c) == 0;

			if (rc != (block ? TC_ACT_SHOT : TC_ACT_OK) || found != !!want ||
			    country_table_find(&in_force, &k) != want ||
			    (found && (mxg_ct_leaf(&c) != want || c.pad != 0))) {
				char hex[33];

				for (int j = 0; j < 16; j++)
					sprintf(hex + 2 * j, "%02x", k.addr[j]);
				test_fail(__FILE__, __LINE__, "source %s%s: tc %d, lookup %d "
					  "(%.2s %u), reference %#x", hex, as6 ? " (IPv6 packet)" : "",
					  rc, found, found ? c.cc : "--", found ? c.action : 0, want);
				bad++;
			}
		}
		CHECK(stat(&w, MXG_STAT_COUNTRY) > 0);
	}
	world_down(&w);
	country_table_free(&in_force);
	country_set_free(&set);
}

struct reader {
	struct world *w;
	struct mxg_key k4, k6;	/* both blocked in every set swapped in */
	volatile int stop;
	long runs, misses;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;

	while (!r->stop) {
		r->misses += run_key(r->w, &r->k4, 0) != TC_ACT_SHOT;
		r->misses += run_key(r->w, &r->k6, 0) != TC_ACT_SHOT;
		r->runs += 2;
	}
	return NULL;
}

TEST(tc_country_swap_never_misses)
{
	struct world w;
	struct gen g = { 99 };
	struct country_set sets[2];
	struct reader r = { .w = &w };
	struct country_entry mine[2] = {
		{ .key = { 96 + 24, { [10] = 0xff, [11] = 0xff, 198, 51, 100 } },
		  .value = { "zz", MXG_ACT_BLOCK, 0 } },
		{ .key = { 48, { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c } },
		  .value = { "zz", MXG_ACT_BLOCK, 0 } },
	};
	pthread_t t;

	r.k4 = key4(198, 51, 100, 20);
	r.k6 = key_of(6);
	/* Two different sets that both block the reader's sources (every
	 * prefix blocks: a longer random one cannot lift it). */
	for (int i = 0; i < 2; i++) {
		gen_set(&g, 5000, &sets[i]);
		for (size_t j = 0; j < sets[i].n; j++)
			sets[i].entries[j].value.action = MXG_ACT_BLOCK;
		sets[i].entries = realloc(sets[i].entries, (sets[i].n + 2) * sizeof(mine[0]));
		memcpy(&sets[i].entries[sets[i].n], mine, sizeof(mine));
		sets[i].n += 2;
		sets[i].cap = sets[i].n;
	}
	if (world_up(&w, NULL, 0) == 0) {
		int fd = bpf_map__fd(w.skel->maps.countries);

		CHECK_EQ_INT(country_install(fd, &sets[0], NULL), 0);
		CHECK_EQ_INT(run_key(&w, &r.k4, 0), TC_ACT_SHOT);
		CHECK_EQ_INT(pthread_create(&t, NULL, read_loop, &r), 0);
		for (int i = 0; i < 20; i++)
			CHECK_EQ_INT(country_install(fd, &sets[(i + 1) % 2], NULL), 0);
		r.stop = 1;
		pthread_join(t, NULL);
		CHECK(r.runs > 0);
		CHECK_EQ_INT(r.misses, 0);
	}
	world_down(&w);
	country_set_free(&sets[0]);
	country_set_free(&sets[1]);
}

TEST(tc_country_old_layout_pin_is_replaced)
{
	LIBBPF_OPTS(bpf_map_create_opts, lpm_opts, .map_flags = BPF_F_NO_PREALLOC);
	LIBBPF_OPTS(bpf_map_create_opts, outer_opts);
	char dir[] = "/tmp/mxgate-bpftest.XXXXXX", path[128];
	struct mxg_lpm_key lk = { .prefixlen = 96 + 24,
		.addr = { [10] = 0xff, [11] = 0xff, 198, 51, 100 } };
	struct mxg_country c = { "zz", MXG_ACT_BLOCK, 0 };
	struct country_set set = { 0 };
	struct mxgate_bpf *skel = NULL;
	struct mxg_key k = key4(198, 51, 100, 20);
	__u32 zero = 0, id;
	int inner, outer;

	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL) < 0) {
		test_fail(__FILE__, __LINE__, "bpffs in %s: %s", dir, strerror(errno));
		return;
	}
	/* What an mxgate before the country table left pinned. */
	inner = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "country_set", sizeof(lk),
			       sizeof(c), 1024, &lpm_opts);
	CHECK(inner >= 0);
	CHECK_EQ_INT(bpf_map_update_elem(inner, &lk, &c, BPF_ANY), 0);
	outer_opts.inner_map_fd = inner;
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "countries", 4, 4, 1, &outer_opts);
	CHECK(outer >= 0);
	CHECK_EQ_INT(bpf_map_update_elem(outer, &zero, &inner, BPF_ANY), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, MXG_MAP_COUNTRIES);
	CHECK_EQ_INT(bpf_obj_pin(outer, path), 0);
	close(inner);
	close(outer);

	skel = bpf_load(dir, 1024, 1024);
	CHECK(skel != NULL);
	if (skel) {
		int fd = bpf_map__fd(skel->maps.countries);

		/* A new, empty map, pinned in its place, that takes a table. */
		CHECK(bpf_map_lookup_elem(fd, &zero, &id) < 0);
		set.entries = &(struct country_entry){ .key = lk, .value = c };
		set.n = 1;
		CHECK_EQ_INT(country_install(fd, &set, NULL), 0);
		CHECK_EQ_INT(country_lookup(fd, &k, &c), 0);
		outer = bpf_obj_get(path);
		CHECK_EQ_INT(country_lookup(outer, &k, &c), 0);
		close(outer);
		bpf_unload(skel);
	}
	/* Loaded again, the pin is of this layout now and is kept. */
	skel = bpf_load(dir, 1024, 1024);
	CHECK(skel != NULL);
	if (skel) {
		CHECK_EQ_INT(country_lookup(bpf_map__fd(skel->maps.countries), &k, &c), 0);
		bpf_unload(skel);
	}
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}
