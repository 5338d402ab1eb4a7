#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_regex.sh - the worst time one hostile 255-byte reverse name costs
# per pcre access-table rule (under table.c's match and depth limits) and
# for the built-in S25R rules. See tests/bench/regex_bench.c.
exec "${BUILD:?}/regex_bench"
