// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * baseline.bpf.c - what tc_bench measures the real program against, in
 * the same run: a tc program that does nothing, one bare LRU-hash lookup
 * of a fixed key, and for the "many sources" case a random draw alone and
 * a random draw plus one LRU-hash lookup (the key built as in
 * bench_rand.h). Benchmark only; never loaded by mxgated.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "mxgate.h"
#include "bench_rand.h"

char LICENSE[] SEC("license") = "GPL";

__u32 bench_n_keys = 1;		/* random draws: 0..n-1 (set by tc_bench) */
struct mxg_key bench_key;		/* lru_same's key, the others' template */

/* Same key and value as mxgate's verdicts map; max_entries set by tc_bench. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct mxg_key);
	__type(value, struct mxg_verdict);
} lru SEC(".maps");

SEC("tc")
int empty(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

/* lru_same - one lookup, the same key every run (cache-hot) */
SEC("tc")
int lru_same(struct __sk_buff *skb)
{
	struct mxg_key k = bench_key;

	return bpf_map_lookup_elem(&lru, &k) ? TC_ACT_OK : TC_ACT_SHOT;
}

/* rand_only - draw and build a random key, look nothing up */
SEC("tc")
int rand_only(struct __sk_buff *skb)
{
	struct mxg_key k = bench_key;

	bench_key_set(&k, bpf_get_prandom_u32() % bench_n_keys);
	asm volatile("" : : "r"(&k) : "memory");	/* keep the key */
	return TC_ACT_OK;
}

/* rand_lru - a random key among n, one lookup */
SEC("tc")
int rand_lru(struct __sk_buff *skb)
{
	struct mxg_key k = bench_key;

	bench_key_set(&k, bpf_get_prandom_u32() % bench_n_keys);
	return bpf_map_lookup_elem(&lru, &k) ? TC_ACT_OK : TC_ACT_SHOT;
}
