#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_tc.sh - the tc program's cost per packet (BPF_PROG_TEST_RUN)
exec "${BUILD:?}/tc_bench"
