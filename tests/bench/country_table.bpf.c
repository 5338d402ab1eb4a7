// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * country_table.bpf.c - the real tc program (bpf/mxgate.bpf.c, included
 * unchanged, country table and all) with its sources drawn from a pool
 * (country_pool.h), for country_bench. Benchmark only.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "mxgate.h"
#include "parse.h"
#include "country_pool.h"

#include "mxgate.bpf.c"
