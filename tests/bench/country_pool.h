/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * country_pool.h - benchmark only, for country_table.bpf.c and
 * country_trie.bpf.c: BPF_PROG_TEST_RUN repeats one packet, so the real
 * tc program (bpf/mxgate.bpf.c, included unchanged after this) takes the
 * source of each run from a pool that country_bench fills: the entry at
 * base + (bpf_get_prandom_u32() & mask); mask 0 repeats one entry (the
 * cache-hot case). bench_empty and bench_draw are the baselines measured
 * in the same run: an empty tc program, and one that only draws.
 * Include after <linux/bpf.h>, bpf_helpers.h, mxgate.h and parse.h.
 */
#ifndef MXG_COUNTRY_POOL_H
#define MXG_COUNTRY_POOL_H

#define MXG_BENCH_POOL	(1 << 17)	/* IPv4 half, IPv6 half */

struct mxg_bench_ctl {
	__u32 on;	/* 0: the packet's own source */
	__u32 base;	/* first pool entry */
	__u32 mask;	/* entries drawn: base + (random & mask) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxg_bench_ctl);
} bench_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXG_BENCH_POOL);
	__type(key, __u32);
	__type(value, struct mxg_key);
} bench_pool SEC(".maps");

/* bench_draw_key - the pool entry for this run, or NULL (off) */
static __always_inline struct mxg_key *bench_draw_key(void)
{
	struct mxg_bench_ctl *c;
	__u32 zero = 0, i;

	c = bpf_map_lookup_elem(&bench_ctl, &zero);
	if (!c || !c->on)
		return NULL;
	i = c->base + (bpf_get_prandom_u32() & c->mask);
	return bpf_map_lookup_elem(&bench_pool, &i);
}

/* bench_parse_eth - the parser, then the source drawn from the pool */
static __always_inline int bench_parse_eth(const __u8 *p, const __u8 *end,
					   struct mxg_pkt *out)
{
	int rc = mxg_parse_eth(p, end, out);
	struct mxg_key *k;

	if (rc == MXG_PARSE_OK && (k = bench_draw_key()))
		out->key = *k;
	return rc;
}
#define mxg_parse_eth bench_parse_eth

SEC("tc")
int bench_empty(struct __sk_buff *skb)
{
	return 0;	/* TC_ACT_OK */
}

SEC("tc")
int bench_draw(struct __sk_buff *skb)
{
	struct mxg_key *k = bench_draw_key();

	if (k)
		skb->cb[0] = k->addr[15];	/* used, not optimised away */
	return 0;
}

#endif /* MXG_COUNTRY_POOL_H */
