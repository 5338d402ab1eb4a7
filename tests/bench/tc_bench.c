/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tc_bench.c - what the tc program costs per packet, measured with
 * BPF_PROG_TEST_RUN, as a ratio to baselines measured in the same run.
 *
 * Part 1, one source (cache-hot): each case runs REPEAT times in the
 * kernel (one test run), right next to the empty tc program on the same
 * packet (tests/bench/baseline.bpf.c), in alternating order, ROUNDS
 * times; the ratio is taken per round, so drift hits both sides. The
 * verdict is rewritten before every test run (fresh greylist clock,
 * throttle buckets). Reported: median ns of each, and the median, min
 * and max of the per-round ratio.
 *
 * Part 2, many sources: the verdicts map holds N cached PASS verdicts for
 * 2001:db8:iiii:iiii::20 (i < N, bench_rand.h) and every SYN comes from
 * a random one of them. Two ways:
 *  a) the real program built with one change (mxgate_rand.bpf.c: the
 *     parsed source is replaced by a random one), REPEAT runs per test
 *     run; baselines: a random draw alone, and a random draw plus one
 *     bare LRU lookup in a map filled with the same N keys;
 *  b) the real program as built, one packet per test run (repeat = 1),
 *     the packet's source rewritten between runs (PKTS_PER_ROUND random
 *     sources a round); baseline: the empty program on the same packets.
 *     Every test run also times one kernel clock read, so the ratio is
 *     compressed; the difference in ns is the useful figure here.
 *
 * Numbers are the kernel's average ns per run, an integer: +-0.5 ns.
 * With --hot, part 1 only. Needs root; mounts a private bpffs, removed
 * on exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "log.h"
#include "mxgate.skel.h"
#include "bench_baseline.skel.h"
#include "bench_mxgate_rand.skel.h"
#include "packets.h"
#include "maps.h"
#include "bench_rand.h"

#define REPEAT		1000000		/* runs per test run, part 1 and 2a */
#define ROUNDS		9		/* test runs per case and baseline */
#define MANY_MAX	1048576		/* map size for part 2 (max_sources 1M) */
#define PKTS_PER_ROUND	20000		/* part 2b: packets (test runs) a round */
#define HOUR_NS		3600000000000ULL

static char dir[] = "/tmp/mxgate-bench.XXXXXX";
static int mounted;

static void cleanup(void)
{
	if (mounted)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static void die(const char *what)
{
	fprintf(stderr, "tc_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* run - one test run of repeat runs; the kernel's average ns per run */
static double run(int fd, const void *pkt, size_t len, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
		    .data_size_in = (__u32)len, .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		die("BPF_PROG_TEST_RUN");
	return o.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* median - of n values (sorted in place) */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One row: a case and its baseline, ROUNDS paired samples. */
struct row {
	double x[ROUNDS], base[ROUNDS], ratio[ROUNDS];
};

static void print_head(const char *title, const char *base)
{
	printf("\n%s\n", title);
	printf("%-34s %5s %9s %9s %7s %13s\n", "case", "fam", "ns", base,
	       "ratio", "ratio min-max");
}

static void print_row(const char *name, const char *fam, struct row *r,
		      const char *note)
{
	double x = median(r->x, ROUNDS), b = median(r->base, ROUNDS);
	double m = median(r->ratio, ROUNDS);	/* sorted: [0] min, [n-1] max */

	printf("%-34s %5s %9.1f %9.1f %7.2f %6.2f-%-6.2f%s\n", name, fam, x, b,
	       m, r->ratio[0], r->ratio[ROUNDS - 1], note);
}

/* key_for - the map key of a test packet's source */
static struct mxg_key key_for(const struct pkt_spec *s)
{
	struct mxg_key k = { .plen = 128 };

	if (s->family == 4) {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(k.addr + 12, s->src, 4);
	} else {
		memcpy(k.addr, s->src, 16);
	}
	return k;
}

/* The cases of part 1: how to make the packet and the verdict. */
enum { C_PASS, C_BLOCK, C_GREY, C_TARPIT, C_THROTTLE, C_UNKNOWN, C_ACK,
       C_PORT, C_N };
static const struct {
	const char *name;
	enum mxg_action action;		/* MXG_ACT_NONE: no verdict */
	__u32 reasons;
	const char *target;		/* the target, as a note */
} cases[C_N] = {
	[C_PASS] = { "SYN, cached pass", MXG_ACT_PASS, MXG_R_FCRDNS, "  (target <= 1.5)" },
	[C_BLOCK] = { "SYN, cached block", MXG_ACT_BLOCK, MXG_R_S25R1 | MXG_R_FCRDNS,
		      "  (target <= 1.5)" },
	[C_GREY] = { "SYN, greylist too early (tarpit)", MXG_ACT_GREYLIST,
		     MXG_R_S25R1 | MXG_R_FCRDNS, "  (target <= 1.5)" },
	[C_TARPIT] = { "SYN, cached tarpit", MXG_ACT_TARPIT, MXG_R_S25R0, "  (target <= 1.5)" },
	[C_THROTTLE] = { "SYN, throttle in budget", MXG_ACT_THROTTLE, MXG_R_S25R1,
			 "  (target <= 1.5)" },
	[C_UNKNOWN] = { "SYN, unknown source", MXG_ACT_NONE, 0, "" },
	[C_ACK] = { "ACK (not a new SYN)", MXG_ACT_NONE, 0, "  (target <= 1.2)" },
	[C_PORT] = { "SYN to another port", MXG_ACT_NONE, 0, "  (target <= 1.2)" },
};

/* fill - n PASS verdicts for sources 0..n-1 (bench_rand.h) into map fd */
static void fill(int fd, __u32 n)
{
	enum { CHUNK = 8192 };
	static struct mxg_key keys[CHUNK];
	static struct mxg_verdict vals[CHUNK];
	struct pkt_spec s = syn_spec(6);
	struct mxg_key k = key_for(&s);
	__u64 now = now_ns();

	for (__u32 i = 0; i < n; i += CHUNK) {
		__u32 c = n - i < CHUNK ? n - i : CHUNK;

		for (__u32 j = 0; j < c; j++) {
			keys[j] = k;
			bench_key_set(&keys[j], i + j);
			vals[j] = (struct mxg_verdict){ .decided_ns = now,
				.expires_ns = now + HOUR_NS, .reasons = MXG_R_FCRDNS,
				.action = MXG_ACT_PASS };
		}
		if (bpf_map_update_batch(fd, keys, vals, &c, NULL)) {
			/* no batch support: one at a time */
			for (__u32 j = 0; j < c; j++)
				if (bpf_map_update_elem(fd, &keys[j], &vals[j], BPF_ANY))
					die("fill");
		}
	}
}

/* count_entries - entries in a hash map (LRU may have evicted some) */
static __u32 count_entries(int fd)
{
	struct mxg_key k, next;
	__u32 n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* percpu_sum - one counter of a per-CPU stats map, over the CPUs */
static __u64 percpu_sum(int fd, __u32 id)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 v[512] = { 0 }, sum = 0;

	if (ncpu <= 0 || ncpu > 512 || bpf_map_lookup_elem(fd, &id, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static struct mxg_config bench_config(void)
{
	struct mxg_config cfg = { .ports = { 25 }, .mark_pass = MXG_DEFAULT_MARK_PASS,
		.mark_responder = MXG_DEFAULT_MARK_RESPONDER,
		.mark_mask = MXG_DEFAULT_MARK_MASK,
		.greylist_delay_ns = 25 * 60 * 1000000000ULL,	/* 25m: always early */
		.allowlist_ttl_ns = 20 * 24 * HOUR_NS,
		/* Buckets on, and wide enough that REPEAT SYNs stay in budget:
		 * the same lookups and in-place updates as a real throttle. */
		.throttle_interval_ns = 1, .throttle_tolerance_ns = 1000000000ULL,
		.throttle_prefix_interval_ns = 1,
		.throttle_prefix_tolerance_ns = 1000000000ULL };

	return cfg;
}

/* part1 - every case, IPv4 and IPv6, against the empty program */
static void part1(struct mxgate_bpf *skel, struct bench_baseline_bpf *base,
		  struct pinned_maps *maps)
{
	static struct row rows[C_N][2], lru[2];
	int fd = bpf_program__fd(skel->progs.mxgate_ingress);
	int efd = bpf_program__fd(base->progs.empty);
	int lfd = bpf_program__fd(base->progs.lru_same);
	int lru_map = bpf_map__fd(base->maps.lru);
	int thr = bpf_map__fd(skel->maps.throttle);

	for (int r = 0; r < ROUNDS; r++) {
		for (int c = 0; c <= C_N; c++) {
			for (int f = 0; f < 2; f++) {
				struct pkt_spec s = syn_spec(f ? 6 : 4);
				struct mxg_key k = key_for(&s), tk, nk;
				struct mxg_verdict v = { .action = MXG_ACT_PASS };
				__u8 buf[PKT_MAX];
				struct row *row;
				size_t n;
				int xfd;
				double x, e;

				if (c == C_ACK)
					s.tcp_flags = 0x10;
				if (c == C_PORT)
					s.dport = 80;
				n = build_frame(buf, &s);
				if (c == C_N) {	/* bare LRU lookup, same key */
					base->bss->bench_key = k;
					bpf_map_update_elem(lru_map, &k, &v, BPF_ANY);
					row = &lru[f];
					xfd = lfd;
				} else {
					verdict_forget(maps, &k);
					while (bpf_map_get_next_key(thr, NULL, &nk) == 0) {
						tk = nk;
						bpf_map_delete_elem(thr, &tk);
					}
					if (cases[c].action != MXG_ACT_NONE &&
					    verdict_put(maps, &k, cases[c].action,
							cases[c].reasons, 0, HOUR_NS) < 0)
						die("verdict_put");
					row = &rows[c][f];
					xfd = fd;
				}
				if (r % 2) {
					x = run(xfd, buf, n, REPEAT);
					e = run(efd, buf, n, REPEAT);
				} else {
					e = run(efd, buf, n, REPEAT);
					x = run(xfd, buf, n, REPEAT);
				}
				row->x[r] = x;
				row->base[r] = e;
				row->ratio[r] = e > 0 ? x / e : 0;
			}
		}
	}
	print_head("1. one source, cache-hot: tc program vs the empty tc program",
		   "empty");
	for (int c = 0; c < C_N; c++)
		for (int f = 0; f < 2; f++)
			print_row(cases[c].name, f ? "IPv6" : "IPv4", &rows[c][f],
				  cases[c].target);
	for (int f = 0; f < 2; f++)
		print_row("(baseline) bare LRU lookup", f ? "IPv6" : "IPv4", &lru[f], "");
}

/* part2 - many sources, map of n entries */
static void part2(struct mxgate_bpf *skel, struct bench_baseline_bpf *base,
		  struct bench_mxgate_rand_bpf *rnd, __u32 n)
{
	static struct row real, lookup, real1;
	int rfd = bpf_program__fd(rnd->progs.mxgate_ingress);
	int rofd = bpf_program__fd(base->progs.rand_only);
	int rlfd = bpf_program__fd(base->progs.rand_lru);
	int efd = bpf_program__fd(base->progs.empty);
	int fd = bpf_program__fd(skel->progs.mxgate_ingress);
	int vmap = bpf_map__fd(skel->maps.verdicts);
	int stats = bpf_map__fd(rnd->maps.stats);
	__u32 in_rnd, in_lru, in_real;
	__u64 hit0, miss0, hit, miss;
	struct pkt_spec s = syn_spec(6);
	__u8 buf[PKT_MAX];
	size_t len = build_frame(buf, &s);
	char title[160];
	char note[96];

	fill(bpf_map__fd(rnd->maps.verdicts), n);
	fill(bpf_map__fd(base->maps.lru), n);
	fill(vmap, n);
	in_rnd = count_entries(bpf_map__fd(rnd->maps.verdicts));
	in_lru = count_entries(bpf_map__fd(base->maps.lru));
	in_real = count_entries(vmap);
	hit0 = percpu_sum(stats, MXG_STAT_ACTION + MXG_ACT_PASS);
	miss0 = percpu_sum(stats, MXG_STAT_UNKNOWN);
	srand(12345);
	for (int r = 0; r < ROUNDS; r++) {
		double x, ro, rl, t1 = 0, t0 = 0;

		if (r % 2) {
			x = run(rfd, buf, len, REPEAT);
			rl = run(rlfd, buf, len, REPEAT);
			ro = run(rofd, buf, len, REPEAT);
		} else {
			ro = run(rofd, buf, len, REPEAT);
			rl = run(rlfd, buf, len, REPEAT);
			x = run(rfd, buf, len, REPEAT);
		}
		real.x[r] = x;
		real.base[r] = ro;
		real.ratio[r] = x / ro;
		lookup.x[r] = x;
		lookup.base[r] = rl;
		lookup.ratio[r] = x / rl;
		/* b) one packet per test run, its source drawn here; the ip6
		 * source starts at byte 14 + 8 of the frame */
		for (int i = 0; i < PKTS_PER_ROUND; i++) {
			struct mxg_key k = { 0 };

			bench_key_set(&k, (__u32)((((unsigned long)rand() << 16) ^
						  (unsigned long)rand()) % n));
			memcpy(buf + 22 + 4, k.addr + 4, 4);
			if ((i + r) % 2) {
				t1 += run(fd, buf, len, 1);
				t0 += run(efd, buf, len, 1);
			} else {
				t0 += run(efd, buf, len, 1);
				t1 += run(fd, buf, len, 1);
			}
		}
		real1.x[r] = t1 / PKTS_PER_ROUND;
		real1.base[r] = t0 / PKTS_PER_ROUND;
		real1.ratio[r] = t1 / t0;
		len = build_frame(buf, &s);
	}
	hit = percpu_sum(stats, MXG_STAT_ACTION + MXG_ACT_PASS) - hit0;
	miss = percpu_sum(stats, MXG_STAT_UNKNOWN) - miss0;
	snprintf(title, sizeof(title),
		 "2. many sources: %u cached PASS verdicts (map of %u), IPv6 SYNs "
		 "from random ones among them", n, MANY_MAX);
	print_head(title, "base");
	snprintf(note, sizeof(note), "  base: random draw only (target <= 1.5)");
	print_row("a) SYN, random cached source", "IPv6", &real, note);
	print_row("a) SYN, random cached source", "IPv6", &lookup,
		  "  base: random draw + bare LRU lookup");
	{
		double d[ROUNDS];

		for (int r = 0; r < ROUNDS; r++)
			d[r] = real1.x[r] - real1.base[r];
		print_row("b) one packet per test run", "IPv6", &real1,
			  "  base: empty program, same packets");
		printf("%-34s %5s %9.1f ns over the empty program (median; includes "
		       "a cold skb)\n", "   b) difference", "IPv6", median(d, ROUNDS));
	}
	printf("   entries present: %u / %u / %u of %u (real a, bare LRU, real b); "
	       "a) hits %.2f%% of %llu SYNs\n", in_rnd, in_lru, in_real, n,
	       hit + miss ? 100.0 * (double)hit / (double)(hit + miss) : 0.0,
	       (unsigned long long)(hit + miss));
}

int main(int argc, char **argv)
{
	struct mxg_config cfg = bench_config();
	struct bench_baseline_bpf *base;
	struct bench_mxgate_rand_bpf *rnd;
	struct pinned_maps maps;
	struct mxgate_bpf *skel;
	char rdir[sizeof(dir) + 8];
	static const __u32 sizes[] = { 100000, 1000000 };	/* increasing */
	__u32 zero = 0;

	log_open("tc_bench", 1);
	if (!mkdtemp(dir))
		die("mkdtemp");
	atexit(cleanup);
	if (mount("bpf", dir, "bpf", 0, NULL) < 0)
		die("mount bpffs");
	mounted = 1;
	/* The real program as mxgated loads it, max_sources 1M. */
	skel = bpf_load(dir, MANY_MAX, MXG_DEFAULT_MAX_UNPROVEN);
	if (!skel || bpf_write_config(skel, &cfg) < 0 || maps_open(&maps, dir) < 0) {
		fprintf(stderr, "tc_bench: cannot load the tc program\n");
		return 1;
	}
	base = bench_baseline_bpf__open();
	if (!base)
		die("open baseline.bpf.o");
	bpf_map__set_max_entries(base->maps.lru, MANY_MAX);
	if (bench_baseline_bpf__load(base))
		die("load baseline.bpf.o");
	/* The random-source build, its maps pinned apart. */
	snprintf(rdir, sizeof(rdir), "%s/rand", dir);
	if (mkdir(rdir, 0700) < 0)
		die("mkdir");
	{
		LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = rdir);

		rnd = bench_mxgate_rand_bpf__open_opts(&oo);
	}
	if (!rnd)
		die("open mxgate_rand.bpf.o");
	bpf_map__set_max_entries(rnd->maps.verdicts, MANY_MAX);
	if (bench_mxgate_rand_bpf__load(rnd))
		die("load mxgate_rand.bpf.o");
	if (bpf_map_update_elem(bpf_map__fd(rnd->maps.config), &zero, &cfg, BPF_ANY))
		die("config");

	printf("BPF_PROG_TEST_RUN; each figure: median of %d test runs, paired with "
	       "its baseline\n(same packet, alternating order), ratio taken per pair; "
	       "the kernel reports whole ns\n", ROUNDS);
	part1(skel, base, &maps);
	if (argc > 1 && !strcmp(argv[1], "--hot"))	/* one source only */
		goto out;
	/* Sizes increase: each fill adds keys to the last one's. */
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct pkt_spec s = syn_spec(6);

		base->bss->bench_key = key_for(&s);
		base->data->bench_n_keys = sizes[i];
		rnd->data->bench_n_keys = sizes[i];
		part2(skel, base, rnd, sizes[i]);
	}
out:
	bench_mxgate_rand_bpf__destroy(rnd);
	bench_baseline_bpf__destroy(base);
	maps_close(&maps);
	bpf_unload(skel);
	return 0;
}
