#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - run every benchmark (tests/bench/bench_*.sh, in name order),
# each printing its own table; `make bench` calls this after building.
# With arguments, only the named ones: tests/bench/run.sh tc country
set -u
dir=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:-$dir/../../build}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (BPF, namespaces)" >&2; exit 1; }
echo "mxgate benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPU(s): $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
if [ $# -gt 0 ]; then
	scripts=()
	for n in "$@"; do scripts+=("$dir/bench_$n.sh"); done
else
	scripts=("$dir"/bench_*.sh)
fi
rc=0
for s in "${scripts[@]}"; do
	echo
	echo "== $(basename "$s" .sh | sed 's/^bench_//') =="
	bash "$s" || { echo "bench: $(basename "$s") failed" >&2; rc=1; }
done
exit $rc
