#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_country.sh - the country lookup at world scale (300k IPv4 + 100k
# IPv6 prefixes): country table vs stock LPM trie vs an empty program, per
# SYN through the tc program; the full reload; lookups during swaps.
# See tests/bench/country_bench.c for how the set and the sources are made.
exec "${BUILD:?}/country_bench" "$BUILD"
