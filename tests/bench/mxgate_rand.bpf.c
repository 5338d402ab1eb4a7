// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mxgate_rand.bpf.c - the real tc program (bpf/mxgate.bpf.c, included
 * unchanged) with one difference: after parsing, the source address of
 * a packet is replaced by a random one among bench_n_keys (bench_rand.h),
 * so that a repeated test run looks up a different source each time, as
 * on a gateway with many clients. Benchmark only; never loaded by mxgated.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "mxgate.h"
#include "parse.h"
#include "bench_rand.h"

__u32 bench_n_keys = 1;		/* random draws: 0..n-1 (set by tc_bench) */

static __always_inline int bench_parse_eth(const __u8 *p, const __u8 *end,
					   struct mxg_pkt *out)
{
	int rc = mxg_parse_eth(p, end, out);

	if (rc == MXG_PARSE_OK)
		bench_key_set(&out->key, bpf_get_prandom_u32() % bench_n_keys);
	return rc;
}
#define mxg_parse_eth bench_parse_eth

#include "mxgate.bpf.c"
