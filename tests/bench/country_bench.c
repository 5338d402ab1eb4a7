/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * country_bench.c - the country lookup at world scale: 300k IPv4 and 100k
 * IPv6 prefixes, through the real tc program (BPF_PROG_TEST_RUN), with
 * the country table (bpf/country_lookup.h) and with the stock LPM trie it
 * replaced, against an empty tc program measured in the same run; then
 * the full (re)load time of the set, memory, and lookups during swaps.
 *
 *	country_bench BUILD_DIR
 *
 * The prefixes are generated (seed SEED below, same set every run) with
 * the prefix lengths of the ipdeny zones: IPv4 mostly /22 and /24, some
 * /8-/21 and a few longer than /24; IPv6 mostly /29, /32 and /48, the rest
 * /19-/47 (counts in v4_lengths[] and v6_lengths[]). They are placed as
 * the registries hand out space: in runs, one after the other, jumping
 * elsewhere one time in 8 (1 in 16 for IPv6 /40 and longer), IPv4 without
 * overlap inside 1/8-223/8 (not 10/8, 127/8), IPv6 in the registries'
 * /12s and 2001::/16; each goes to one of 200 made-up countries, Zipf-
 * weighted, written as cc.zone and cc.ipv6.zone, all with action block.
 *
 * Lookups: BPF_PROG_TEST_RUN repeats one packet, so the benchmark builds
 * of the program (country_table.bpf.c, country_trie.bpf.c) take each run's
 * source from a pool: 65536 IPv4 and 65536 IPv6 addresses, half inside a
 * prefix of the set, half near misses (one bit of a prefix flipped, not in
 * the set). "one address" is a SYN from one source, repeated (cache-hot):
 * "in" lies in an IPv4 /22 or an IPv6 /48 (two and five array lookups),
 * "not in" is the first near miss; "random" draws from the pool at random
 * (against the baseline that only draws). "lookup alone" is "not in"
 * minus "no country set" (same path, no drop). Every case runs ROUNDS
 * times (9, of 1M runs each), the cases interleaved within each round;
 * median and [min-max] over the rounds. The process is pinned to CPU 0
 * (the swap test's reader to CPU 1). COUNTRY_BENCH_ROUNDS and
 * COUNTRY_BENCH_REPEAT override the defaults.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "country.h"
#include "country_table.h"
#include "mxgate.h"
#include "packets.h"

#define SEED		0x6d78676174653135ULL	/* "mxgate15" */
#define N_V4		300000
#define N_V6		100000
#define N_COUNTRIES	200
#define POOL_HALF	65536
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

/* The benchmark hooks' control value (tests/bench/bench_hooks.h). */
struct mxg_bench_ctl {
	__u32 on, base, mask;
};

static int rounds = 9, repeat = 1000000;

/* ---- reproducible random numbers (splitmix64) ---- */

static __u64 rng_state = SEED;

static __u64 rnd(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* below - uniform in [0, n) */
static __u64 below(__u64 n)
{
	return rnd() % n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the set ---- */

struct prefix {
	__u8 addr[16];		/* IPv4: first 4 bytes */
	int len;
	int family;
};

static const struct { int len, n; } v4_lengths[] = {
	{ 8, 12 }, { 9, 20 }, { 10, 50 }, { 11, 100 }, { 12, 200 }, { 13, 400 },
	{ 14, 900 }, { 15, 1500 }, { 16, 6000 }, { 17, 5000 }, { 18, 8000 },
	{ 19, 14000 }, { 20, 20000 }, { 21, 25000 }, { 22, 70000 },
	{ 23, 33000 }, { 24, 112118 }, { 25, 1200 }, { 26, 900 }, { 27, 600 },
	{ 28, 450 }, { 29, 300 }, { 30, 150 }, { 32, 100 },
};
static const struct { int len, n; } v6_lengths[] = {
	{ 19, 20 }, { 20, 150 }, { 21, 60 }, { 22, 150 }, { 23, 200 },
	{ 24, 600 }, { 25, 300 }, { 26, 700 }, { 27, 800 }, { 28, 2500 },
	{ 29, 14000 }, { 30, 1500 }, { 31, 1000 }, { 32, 44820 }, { 33, 800 },
	{ 34, 700 }, { 35, 400 }, { 36, 2500 }, { 37, 200 }, { 38, 700 },
	{ 39, 200 }, { 40, 3500 }, { 41, 100 }, { 42, 800 }, { 43, 200 },
	{ 44, 3500 }, { 45, 300 }, { 46, 700 }, { 47, 600 }, { 48, 18000 },
};

static struct prefix *prefixes;
static size_t n_prefixes;

/* IPv4 space in /24 blocks: a bit per block, set when given out */
static __u8 *used24;

static int v4_allowed(__u32 block)
{
	__u32 a = block >> 16;

	return a >= 1 && a <= 223 && a != 10 && a != 127;
}

/* range_free - blocks [b, b + n) free and allowed (n a power of 2, b aligned) */
static int range_free(__u32 b, __u32 n)
{
	if (!v4_allowed(b) || !v4_allowed(b + n - 1))
		return 0;
	if (n >= 8) {
		for (__u32 i = b / 8; i < (b + n) / 8; i++)
			if (used24[i])
				return 0;
		return 1;
	}
	for (__u32 i = b; i < b + n; i++)
		if (used24[i / 8] & (1 << (i % 8)))
			return 0;
	return 1;
}

static void range_take(__u32 b, __u32 n)
{
	for (__u32 i = b; i < b + n; i++)
		used24[i / 8] |= (__u8)(1 << (i % 8));
}

/* alloc24 - n aligned free /24 blocks, in a run after the last ones or,
 * one time in 8 (or when the run meets used space), somewhere else */
static __u32 alloc24(__u32 n)
{
	static __u32 cursor;
	int steps = 0;

	if (!cursor || below(8) == 0)
		cursor = (__u32)below(1u << 24);
	for (;;) {
		cursor = (cursor + n - 1) & ~(n - 1);
		if (cursor + n > (1u << 24) || steps++ > 64) {
			cursor = (__u32)below(1u << 24);
			steps = 0;
			continue;
		}
		if (range_free(cursor, n)) {
			range_take(cursor, n);
			cursor += n;
			return cursor - n;
		}
		cursor += n;
	}
}

static void add_prefix(int family, const __u8 *addr, int len)
{
	struct prefix *p = &prefixes[n_prefixes++];

	memset(p, 0, sizeof(*p));
	memcpy(p->addr, addr, family == 4 ? 4 : 16);
	p->len = len;
	p->family = family;
}

static void gen_v4(void)
{
	__u32 small24 = 0, small_off = 256;

	used24 = calloc(1, (1u << 24) / 8);
	for (size_t c = 0; c < sizeof(v4_lengths) / sizeof(v4_lengths[0]); c++) {
		int len = v4_lengths[c].len;

		for (int i = 0; i < v4_lengths[c].n; i++) {
			__u32 a;
			__u8 b[4];

			if (len <= 24) {
				a = alloc24(1u << (24 - len)) << 8;
			} else {	/* packed into /24s of their own */
				__u32 size = 1u << (32 - len);

				small_off = (small_off + size - 1) & ~(size - 1);
				if (small_off + size > 256 || below(8) == 0) {
					small24 = alloc24(1);
					small_off = 0;
				}
				a = small24 << 8 | small_off;
				small_off += size;
			}
			b[0] = (__u8)(a >> 24);
			b[1] = (__u8)(a >> 16);
			b[2] = (__u8)(a >> 8);
			b[3] = (__u8)a;
			add_prefix(4, b, len);
		}
	}
	free(used24);
}

static void gen_v6(void)
{
	/* The registries' space: 2001::/16 and five /12s, by weight. */
	static const struct { __u64 base; int len, weight; } regions[] = {
		{ 0x2001ULL << 48, 16, 7 }, { 0x240ULL << 52, 12, 25 },
		{ 0x260ULL << 52, 12, 20 }, { 0x280ULL << 52, 12, 10 },
		{ 0x2a0ULL << 52, 12, 35 }, { 0x2c0ULL << 52, 12, 3 },
	};
	for (size_t c = 0; c < sizeof(v6_lengths) / sizeof(v6_lengths[0]); c++) {
		int len = v6_lengths[c].len, jump = len >= 40 ? 16 : 8;
		__u64 size = 1ULL << (64 - len), cursor = 0, end = 0;

		for (int i = 0; i < v6_lengths[c].n; i++) {
			__u8 b[16] = { 0 };

			if (cursor == 0 || cursor + size > end || below(jump) == 0) {
				__u64 w = below(100), span;
				size_t r = 0;

				while (w >= (__u64)regions[r].weight) {
					w -= (__u64)regions[r].weight;
					r++;
				}
				span = 1ULL << (64 - regions[r].len);
				cursor = regions[r].base + (below(span) & ~(size - 1));
				end = regions[r].base + span;
				if (cursor + size > end)
					cursor = regions[r].base;
			}
			for (int k = 0; k < 8; k++)
				b[k] = (__u8)(cursor >> (56 - 8 * k));
			add_prefix(6, b, len);
			cursor += size * (below(4) == 0 ? 2 : 1);	/* small gaps */
		}
	}
}

/* to_key - the 128-bit form of an address */
static struct mxg_key to_key(int family, const __u8 *addr)
{
	struct mxg_key k = { .plen = 128 };

	if (family == 4) {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(k.addr + 12, addr, 4);
	} else {
		memcpy(k.addr, addr, 16);
	}
	return k;
}

/* write_zones - every prefix into cc.zone / cc.ipv6.zone of dir */
static int write_zones(const char *dir)
{
	static char codes[N_COUNTRIES][3];
	static FILE *f4[N_COUNTRIES], *f6[N_COUNTRIES];
	double cum[N_COUNTRIES], total = 0;
	char path[640], text[64];

	for (int i = 0; i < N_COUNTRIES; i++) {
		int dup;

		do {
			codes[i][0] = (char)('a' + below(26));
			codes[i][1] = (char)('a' + below(26));
			dup = 0;
			for (int j = 0; j < i; j++)
				dup |= !memcmp(codes[i], codes[j], 2);
		} while (dup);
		total += 1.0 / (i + 1);
		cum[i] = total;
		snprintf(path, sizeof(path), "%s/%.2s.zone", dir, codes[i]);
		f4[i] = fopen(path, "w");
		snprintf(path, sizeof(path), "%s/%.2s.ipv6.zone", dir, codes[i]);
		f6[i] = fopen(path, "w");
		if (!f4[i] || !f6[i])
			return -1;
	}
	for (size_t i = 0; i < n_prefixes; i++) {
		const struct prefix *p = &prefixes[i];
		double x = (double)below(1u << 30) / (1u << 30) * total;
		int c = 0;

		while (c < N_COUNTRIES - 1 && cum[c] < x)
			c++;
		inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, text, sizeof(text));
		fprintf(p->family == 4 ? f4[c] : f6[c], "%s/%d\n", text, p->len);
	}
	for (int i = 0; i < N_COUNTRIES; i++) {
		fclose(f4[i]);
		fclose(f6[i]);
	}
	return 0;
}

/* ---- the stock trie, installed as mxgated did before the country table ---- */

/* table_install - country_install as mxgated calls it, minus the copy
 * it keeps for itself */
static int table_install(int countries_fd, const struct country_set *set)
{
	return country_install(countries_fd, set, NULL);
}

static int lpm_install(int countries_fd, const struct country_set *set)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	__u32 zero = 0;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "country_set",
			    sizeof(struct mxg_lpm_key), sizeof(struct mxg_country),
			    MXG_MAX_COUNTRY_PREFIXES, &opts);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < set->n && !err; i++)
		if (bpf_map_update_elem(fd, &set->entries[i].key,
					&set->entries[i].value, BPF_ANY))
			err = -errno;
	if (!err && bpf_map_update_elem(countries_fd, &zero, &fd, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

/* inner_fd - the map the countries map holds now */
static int inner_fd(int countries_fd)
{
	__u32 zero = 0, id;

	if (bpf_map_lookup_elem(countries_fd, &zero, &id))
		return -1;
	return bpf_map_get_fd_by_id(id);
}

/* lpm_find - the stock trie's answer for key: 1 found, 0 not */
static int lpm_find(int trie_fd, const struct mxg_key *key)
{
	struct mxg_lpm_key lk = { .prefixlen = 128 };
	struct mxg_country c;

	memcpy(lk.addr, key->addr, 16);
	return bpf_map_lookup_elem(trie_fd, &lk, &c) == 0;
}

/* memlock_mib - what the kernel charges for map fd */
static double memlock_mib(int fd)
{
	char path[64], line[128];
	double v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "memlock:", 8))
			v = strtod(line + 8, NULL) / (1024.0 * 1024.0);
	if (f)
		fclose(f);
	return v;
}

/* ---- the programs ---- */

struct variant {
	const char *name;
	struct bpf_object *obj;
	int prog, empty, draw;		/* program fds */
	int countries, ctl, pool;	/* map fds */
};

static int open_variant(struct variant *v, const char *name, const char *path,
			const char *pin_dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct mxg_config cfg = { .ports = { 25 }, .mark_pass = MXG_DEFAULT_MARK_PASS,
		.mark_responder = MXG_DEFAULT_MARK_RESPONDER, .mark_mask = MXG_DEFAULT_MARK_MASK };
	__u32 zero = 0;

	v->name = name;
	if (mkdir(pin_dir, 0700) < 0 && errno != EEXIST)
		return -1;
	v->obj = bpf_object__open_file(path, &opts);
	if (!v->obj || bpf_object__load(v->obj)) {
		fprintf(stderr, "country_bench: cannot load %s\n", path);
		return -1;
	}
	v->prog = bpf_program__fd(bpf_object__find_program_by_name(v->obj, "mxgate_ingress"));
	v->empty = bpf_program__fd(bpf_object__find_program_by_name(v->obj, "bench_empty"));
	v->draw = bpf_program__fd(bpf_object__find_program_by_name(v->obj, "bench_draw"));
	v->countries = bpf_object__find_map_fd_by_name(v->obj, "countries");
	v->ctl = bpf_object__find_map_fd_by_name(v->obj, "bench_ctl");
	v->pool = bpf_object__find_map_fd_by_name(v->obj, "bench_pool");
	return bpf_map_update_elem(bpf_object__find_map_fd_by_name(v->obj, "config"),
				   &zero, &cfg, BPF_ANY);
}

static void set_ctl(const struct variant *v, __u32 on, __u32 base, __u32 mask)
{
	struct mxg_bench_ctl c = { on, base, mask };
	__u32 zero = 0;

	bpf_map_update_elem(v->ctl, &zero, &c, BPF_ANY);
}

/* SYN frames: [family][0] from the fixed address in the set, [1] not in */
static __u8 frames[2][2][PKT_MAX];
static size_t frame_len[2][2];

/* run - ns per run of prog over n runs of a SYN frame; retval out */
static double run(int prog, int f, int miss, int n, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frames[f][miss],
		    .data_size_in = (__u32)frame_len[f][miss], .repeat = n);

	if (bpf_prog_test_run_opts(prog, &opts)) {
		fprintf(stderr, "country_bench: test run: %s\n", strerror(errno));
		exit(1);
	}
	if (retval)
		*retval = opts.retval;
	return opts.duration;
}

/* ---- the pool of sources ---- */

static struct mxg_key pool[2 * POOL_HALF];
static struct country_table table;	/* the set, built once for the pool */
static __u32 fixed_hit[2], fixed_miss[2];	/* pool indexes, per family */

/* random_in - an address in prefix p, host bits random */
static void random_in(const struct prefix *p, __u8 *a)
{
	int bytes = p->family == 4 ? 4 : 16;

	for (int i = 0; i < bytes; i++) {
		int keep = p->len - 8 * i;
		__u8 r = (__u8)rnd();

		if (keep >= 8)
			a[i] = p->addr[i];
		else if (keep <= 0)
			a[i] = r;
		else
			a[i] = (__u8)((p->addr[i] & (0xff00 >> keep)) | (r & (0xff >> keep)));
	}
}

static size_t first6;	/* prefixes[first6..] are IPv6 */

static const struct prefix *random_prefix(int family)
{
	return family == 4 ? &prefixes[below(first6)]
			   : &prefixes[first6 + below(n_prefixes - first6)];
}

/* fill_pool - half hits, half near misses, per family, shuffled */
static void fill_pool(void)
{
	for (int f = 0; f < 2; f++) {
		int family = f ? 6 : 4, bytes = f ? 16 : 4, lo = f ? 16 : 8;
		struct mxg_key *half = &pool[f * POOL_HALF];

		for (int i = 0; i < POOL_HALF; i++) {
			__u8 a[16] = { 0 };
			int hit = i < POOL_HALF / 2, tries = 0;

			for (;;) {
				const struct prefix *p = random_prefix(family);
				int ok;

				random_in(p, a);
				if (!hit && tries < 100 && p->len > lo) {
					int bit = lo + (int)below((__u64)(p->len - lo));

					a[bit / 8] ^= (__u8)(0x80 >> (bit % 8));
				} else if (!hit) {	/* anywhere in the space */
					for (int k = 0; k < bytes; k++)
						a[k] = (__u8)rnd();
					if (f)
						a[0] = (__u8)(0x20 | (a[0] & 0x0f));
				}
				half[i] = to_key(family, a);
				ok = (country_table_find(&table, &half[i]) != 0) == hit;
				tries++;
				if (ok)
					break;
			}
		}
		/* the fixed cases: an address in an IPv4 /22 or an IPv6
		 * /48, and the first near miss */
		fixed_hit[f] = fixed_miss[f] = ~0u;
		for (size_t i = 0; i < n_prefixes && fixed_hit[f] == ~0u; i++) {
			const struct prefix *p = &prefixes[(first6 * (size_t)f + i * 7919) % n_prefixes];
			__u8 a[16] = { 0 };

			if (p->family != family || p->len != (f ? 48 : 22))
				continue;
			random_in(p, a);
			half[0] = to_key(family, a);
			fixed_hit[f] = (__u32)(f * POOL_HALF);
		}
		fixed_miss[f] = (__u32)(f * POOL_HALF + POOL_HALF / 2);
		/* shuffle, keeping entries 0 and POOL_HALF / 2 in place */
		for (int i = POOL_HALF - 1; i > 1; i--) {
			int j = 1 + (int)below((__u64)i);
			struct mxg_key t;

			if (i == POOL_HALF / 2 || j == POOL_HALF / 2)
				continue;
			t = half[i];
			half[i] = half[j];
			half[j] = t;
		}
	}
}

static int load_pool(const struct variant *v)
{
	__u32 *keys = malloc(sizeof(*keys) * 2 * POOL_HALF), count = 2 * POOL_HALF;
	int err;

	for (__u32 i = 0; i < 2 * POOL_HALF; i++)
		keys[i] = i;
	err = bpf_map_update_batch(v->pool, keys, pool, &count, NULL);
	free(keys);
	return err;
}

/* ---- timing ---- */

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum { C_EMPTY, C_DRAW, C_NOSET_ONE, C_LPM_HIT, C_LPM_MISS, C_CT_HIT, C_CT_MISS,
       C_NOSET_RAND, C_LPM_RAND, C_CT_RAND, C_MAX };

static const char *const case_name[C_MAX] = {
	"empty tc program",
	"empty + random source drawn (baseline)",
	"tc, no country set, one address",
	"tc, stock trie, one address in",
	"tc, stock trie, one address not in",
	"tc, country table, one address in",
	"tc, country table, one address not in",
	"tc, no country set, random",
	"tc, stock trie, random (half in)",
	"tc, country table, random (half in)",
};

static double samples[C_MAX][2][64];

static void measure(struct variant *none, struct variant *ct, struct variant *lpm)
{
	for (int r = 0; r < rounds; r++) {
		for (int f = 0; f < 2; f++) {
			for (int c = 0; c < C_MAX; c++) {
				struct variant *v = none;
				int prog, miss = c == C_LPM_MISS || c == C_CT_MISS;
				int random = c == C_DRAW || c == C_NOSET_RAND ||
					     c == C_LPM_RAND || c == C_CT_RAND;

				if (c == C_LPM_HIT || c == C_LPM_MISS || c == C_LPM_RAND)
					v = lpm;
				if (c == C_CT_HIT || c == C_CT_MISS || c == C_CT_RAND)
					v = ct;
				/* one address: the packet's own; random: the pool */
				set_ctl(v, random, (__u32)(f * POOL_HALF), POOL_HALF - 1);
				prog = c == C_EMPTY ? v->empty : c == C_DRAW ? v->draw : v->prog;
				samples[c][f][r] = run(prog, f, miss, repeat, NULL);
			}
		}
	}
}

static void report(void)
{
	double med[C_MAX][2], lookup[2][2];

	printf("country lookup per SYN through the tc program, BPF_PROG_TEST_RUN, "
	       "%d rounds x %d runs, cases interleaved; ns per SYN: median [min-max], "
	       "x = median / empty program's\n", rounds, repeat);
	printf("%-40s %26s %26s\n", "case", "IPv4", "IPv6");
	for (int c = 0; c < C_MAX; c++) {
		char cell[2][64];

		for (int f = 0; f < 2; f++) {
			double s[64];

			memcpy(s, samples[c][f], sizeof(double) * (size_t)rounds);
			qsort(s, (size_t)rounds, sizeof(double), by_value);
			med[c][f] = s[rounds / 2];
			snprintf(cell[f], sizeof(cell[f]), "%6.1f [%5.1f-%5.1f] %5.2fx",
				 med[c][f], s[0], s[rounds - 1], med[c][f] / med[C_EMPTY][f]);
		}
		printf("%-40s %26s %26s\n", case_name[c], cell[0], cell[1]);
	}
	for (int f = 0; f < 2; f++) {
		lookup[0][f] = med[C_LPM_MISS][f] - med[C_NOSET_ONE][f];
		lookup[1][f] = med[C_CT_MISS][f] - med[C_NOSET_ONE][f];
	}
	printf("%-40s %26.1f %26.1f\n", "stock trie lookup alone: not in - no set",
	       lookup[0][0], lookup[0][1]);
	printf("%-40s %26.1f %26.1f\n", "table lookup alone: not in - no set",
	       lookup[1][0], lookup[1][1]);
	printf("%-40s %26.2f %26.2f\n", "stock trie / country table, lookup alone",
	       lookup[0][0] / lookup[1][0], lookup[0][1] / lookup[1][1]);
	printf("%-40s %26.2f %26.2f\n", "stock trie / country table, one address in",
	       med[C_LPM_HIT][0] / med[C_CT_HIT][0], med[C_LPM_HIT][1] / med[C_CT_HIT][1]);
	printf("%-40s %26.2f %26.2f\n", "stock trie / country table, one not in",
	       med[C_LPM_MISS][0] / med[C_CT_MISS][0], med[C_LPM_MISS][1] / med[C_CT_MISS][1]);
	printf("%-40s %26.2f %26.2f\n", "stock trie / country table, random",
	       med[C_LPM_RAND][0] / med[C_CT_RAND][0], med[C_LPM_RAND][1] / med[C_CT_RAND][1]);
	printf("%-40s %26.2f %26.2f\n", "no set, random / random baseline",
	       med[C_NOSET_RAND][0] / med[C_DRAW][0], med[C_NOSET_RAND][1] / med[C_DRAW][1]);
	printf("%-40s %26.2f %26.2f\n", "stock trie, random / random baseline",
	       med[C_LPM_RAND][0] / med[C_DRAW][0], med[C_LPM_RAND][1] / med[C_DRAW][1]);
	printf("%-40s %26.2f %26.2f\n", "table, random / random baseline",
	       med[C_CT_RAND][0] / med[C_DRAW][0], med[C_CT_RAND][1] / med[C_DRAW][1]);
	printf("%-40s %26.1f %26.1f\n", "country table, random, minus no set (ns)",
	       med[C_CT_RAND][0] - med[C_NOSET_RAND][0], med[C_CT_RAND][1] - med[C_NOSET_RAND][1]);
	printf("%-40s %26.1f %26.1f\n", "stock trie, random, minus no set (ns)",
	       med[C_LPM_RAND][0] - med[C_NOSET_RAND][0], med[C_LPM_RAND][1] - med[C_NOSET_RAND][1]);
}

/* ---- lookups during swaps ---- */

struct reader {
	int prog;
	volatile int stop;
	unsigned long runs, misses;
};

static void *read_loop(void *arg)
{
	struct reader *rd = arg;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);	/* may fail on 1 CPU */
	while (!rd->stop) {
		__u32 rv;

		run(rd->prog, 0, 0, 1, &rv);
		rd->runs++;
		if (rv != TC_ACT_SHOT)
			rd->misses++;
	}
	return NULL;
}

/* swap_test - a reader on a blocked address while the set is installed
 * again n times; returns the reader's misses */
static void swap_test(struct variant *v, const struct country_set *set, int n,
		      int (*install)(int, const struct country_set *))
{
	struct reader rd = { .prog = v->prog };
	pthread_t t;
	double t0;
	int err = 0;

	set_ctl(v, 0, 0, 0);
	pthread_create(&t, NULL, read_loop, &rd);
	t0 = now_s();
	for (int i = 0; i < n && !err; i++)
		err = install(v->countries, set);
	rd.stop = 1;
	pthread_join(t, NULL);
	printf("%-40s %d swaps in %.1f s, %lu lookups of a blocked IPv4 address, "
	       "%lu not blocked%s\n", v->name, n, now_s() - t0, rd.runs, rd.misses,
	       err ? " (install failed)" : "");
}

static void say(const char *msg)
{
	fprintf(stderr, "country_bench: %s\n", msg);
}

static int median_of3(double *t)
{
	qsort(t, 3, sizeof(double), by_value);
	return 0;
}

int main(int argc, char **argv)
{
	char root[] = "/tmp/mxgate-cbench.XXXXXX", zones[600], pins[600], obj[600];
	struct variant none, ct, lpm;
	struct country_set set;
	cpu_set_t cpus;
	double t0, t_load[3], t_build[3], t_ct[3], t_lpm[3];
	int bad, fd;

	if (argc != 2) {
		fprintf(stderr, "usage: country_bench BUILD_DIR\n");
		return 2;
	}
	if (getenv("COUNTRY_BENCH_ROUNDS"))
		rounds = atoi(getenv("COUNTRY_BENCH_ROUNDS"));
	if (getenv("COUNTRY_BENCH_REPEAT"))
		repeat = atoi(getenv("COUNTRY_BENCH_REPEAT"));
	if (rounds < 1 || rounds > 64 || repeat < 1)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	/* The set, as zone files. */
	if (!mkdtemp(root))
		return 1;
	snprintf(zones, sizeof(zones), "%s/countries.d", root);
	snprintf(pins, sizeof(pins), "%s/bpf", root);
	mkdir(zones, 0700);
	mkdir(pins, 0700);
	if (mount("bpf", pins, "bpf", 0, NULL) < 0) {
		perror("country_bench: bpffs");
		return 1;
	}
	prefixes = calloc(N_V4 + N_V6, sizeof(*prefixes));
	t0 = now_s();
	gen_v4();
	first6 = n_prefixes;
	gen_v6();
	if (write_zones(zones) < 0) {
		perror("country_bench: zone files");
		return 1;
	}
	printf("set: %zu IPv4 + %zu IPv6 prefixes in %d countries' files, seed %#llx, "
	       "generated in %.1f s\n", first6, n_prefixes - first6, N_COUNTRIES,
	       (unsigned long long)SEED, now_s() - t0);

	/* The programs: no set, country table, stock trie. */
	snprintf(obj, sizeof(obj), "%s/bench_country_table.bpf.o", argv[1]);
	snprintf(pins, sizeof(pins), "%s/bpf/none", root);
	if (open_variant(&none, "no set", obj, pins) < 0)
		return 1;
	snprintf(pins, sizeof(pins), "%s/bpf/table", root);
	if (open_variant(&ct, "country table", obj, pins) < 0)
		return 1;
	snprintf(obj, sizeof(obj), "%s/bench_country_trie.bpf.o", argv[1]);
	snprintf(pins, sizeof(pins), "%s/bpf/lpm", root);
	if (open_variant(&lpm, "stock trie", obj, pins) < 0)
		return 1;
	{
		struct country_set empty = { 0 };

		if (country_install(none.countries, &empty, NULL) < 0)
			return 1;
	}

	/* The full (re)load, as mxgated does it on a change, three times. */
	for (int i = 0; i < 3; i++) {
		t0 = now_s();
		bad = country_load(zones, "", MXG_ACT_BLOCK, &set, say);
		t_load[i] = now_s() - t0;
		if (bad || set.n != N_V4 + N_V6) {
			fprintf(stderr, "country_bench: loaded %zu prefixes, %d bad\n", set.n, bad);
			return 1;
		}
		t0 = now_s();
		if (country_table_build(&set, &table) < 0)
			return 1;
		t_build[i] = now_s() - t0;
		if (country_table_install(ct.countries, &table) < 0) {
			perror("country_bench: install");
			return 1;
		}
		t_ct[i] = now_s() - t0;
		if (i < 2) {
			country_table_free(&table);
			country_set_free(&set);
		}
	}
	for (int i = 0; i < 3; i++) {
		t0 = now_s();
		if (lpm_install(lpm.countries, &set) < 0) {
			perror("country_bench: trie");
			return 1;
		}
		t_lpm[i] = now_s() - t0;
	}
	median_of3(t_load);
	median_of3(t_build);
	median_of3(t_ct);
	median_of3(t_lpm);
	printf("\nfull (re)load of the set, median of 3 (country_load: read the files; "
	       "country_install: build, fill, swap)\n");
	printf("%-40s %10s %10s %10s %12s\n", "structure", "load ms", "install ms",
	       "total ms", "memory MiB");
	fd = inner_fd(ct.countries);
	printf("%-40s %10.0f %10.0f %10.0f %12.1f\n", "country table", t_load[1] * 1e3,
	       t_ct[1] * 1e3, (t_load[1] + t_ct[1]) * 1e3, memlock_mib(fd));
	close(fd);
	fd = inner_fd(lpm.countries);
	printf("%-40s %10.0f %10.0f %10.0f %12.1f\n", "stock trie", t_load[1] * 1e3,
	       t_lpm[1] * 1e3, (t_load[1] + t_lpm[1]) * 1e3, memlock_mib(fd));
	printf("country table: %u nodes of %zu bytes (%u root), built in %.0f ms of "
	       "the install\n", table.n, sizeof(struct mxg_ct_node), MXG_CT_ROOT_NODES,
	       t_build[1] * 1e3);

	/* The sources, and a check that both structures agree on them. */
	fill_pool();
	{
		int tbl = inner_fd(ct.countries);
		unsigned long disagree = 0, in = 0;

		for (int i = 0; i < 2 * POOL_HALF; i++) {
			int a = lpm_find(fd, &pool[i]);
			int b = country_table_find(&table, &pool[i]) != 0;
			int c = country_table_lookup_fd(tbl, &pool[i]) != 0;

			in += a;
			disagree += a != b || b != c;
		}
		close(tbl);
		printf("pool: %d sources, %lu in the set; stock trie and country table "
		       "disagree on %lu\n", 2 * POOL_HALF, in, disagree);
	}
	close(fd);
	if (load_pool(&none) || load_pool(&ct) || load_pool(&lpm)) {
		perror("country_bench: pool");
		return 1;
	}
	/* The fixed sources' frames; the programs say what they should. */
	for (int f = 0; f < 2; f++) {
		for (int miss = 0; miss < 2; miss++) {
			const struct mxg_key *k = &pool[miss ? fixed_miss[f] : fixed_hit[f]];
			struct pkt_spec s = syn_spec(f ? 6 : 4);
			__u32 rv_ct, rv_lpm;

			s.src = f ? k->addr : k->addr + 12;
			frame_len[f][miss] = build_frame(frames[f][miss], &s);
			set_ctl(&ct, 0, 0, 0);
			set_ctl(&lpm, 0, 0, 0);
			run(ct.prog, f, miss, 1, &rv_ct);
			run(lpm.prog, f, miss, 1, &rv_lpm);
			{
				char text[64];

				inet_ntop(f ? AF_INET6 : AF_INET, s.src, text, sizeof(text));
				printf("one address, IPv%d, %s the set: %s\n", f ? 6 : 4,
				       miss ? "not in" : "in", text);
			}
			if (rv_ct != (miss ? TC_ACT_OK : TC_ACT_SHOT) || rv_ct != rv_lpm)
				printf("WARNING: IPv%d address %s the set: table says %u, "
				       "trie %u\n", f ? 6 : 4, miss ? "not in" : "in", rv_ct, rv_lpm);
		}
	}
	printf("\n");
	measure(&none, &ct, &lpm);
	report();

	printf("\nlookups during swaps (the whole set installed again, one update of "
	       "the countries map each)\n");
	swap_test(&ct, &set, 5, table_install);
	swap_test(&lpm, &set, 2, lpm_install);

	country_table_free(&table);
	country_set_free(&set);
	bpf_object__close(none.obj);
	bpf_object__close(ct.obj);
	bpf_object__close(lpm.obj);
	snprintf(pins, sizeof(pins), "%s/bpf", root);
	umount2(pins, MNT_DETACH);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
