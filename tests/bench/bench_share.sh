#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_share.sh - sharing between gateways through Redis (issue 15):
# propagation latency, sync rate, Redis memory and CPU per update,
# catch-up of a late gateway. See tests/bench/share_bench.c.
command -v redis-server >/dev/null || { echo "share: redis-server not installed; skipped"; exit 0; }
exec "${BUILD:?}/share_bench"
