/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_rand.h - the benchmarks' "many sources": source number i is
 * 2001:db8:iiii:iiii::20 (documentation prefix), i.e. the IPv6 test
 * source of tests/unit/packets.h with bytes 4..7 replaced by i. Shared by
 * the benchmark BPF objects (which draw i at random) and tc_bench (which
 * fills the maps with the same keys).
 */
#ifndef MXG_BENCH_RAND_H
#define MXG_BENCH_RAND_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* bench_key_set - make k (an IPv6 key) source number i */
static __always_inline void bench_key_set(struct mxg_key *k, __u32 i)
{
	k->addr[4] = (__u8)(i >> 24);
	k->addr[5] = (__u8)(i >> 16);
	k->addr[6] = (__u8)(i >> 8);
	k->addr[7] = (__u8)i;
}

#endif /* MXG_BENCH_RAND_H */
