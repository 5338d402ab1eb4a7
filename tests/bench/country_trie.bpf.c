// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * country_trie.bpf.c - the real tc program (bpf/mxgate.bpf.c) with the
 * stock LPM trie the country table replaced (country_trie.h) and its
 * sources drawn from a pool (country_pool.h), for country_bench.
 * Benchmark only.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "mxgate.h"
#include "parse.h"
#include "country_pool.h"
#include "country_trie.h"
#define MXG_BENCH_STOCK_TRIE

#include "mxgate.bpf.c"
