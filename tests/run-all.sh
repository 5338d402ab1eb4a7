#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-all.sh - run every test suite (unit, fuzz, BPF, end to end, the
# Debian package), show their
# output, and end with one line: "total: N passed, N failed".
# Called by `make check`; needs root for the BPF and end-to-end suites.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
passed=0 failed=0 broken=""

# run_suite NAME CMD... - run a suite, add its "N passed, N failed" line
run_suite() {
	local name=$1 out rc line p f
	shift
	echo "=== $name: $*"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# Every tally line a suite printed ("suite: N passed, N failed").
	while read -r line; do
		p=$(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
		passed=$((passed + p))
		failed=$((failed + f))
	done < <(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$out")
	if [ "$rc" -ne 0 ]; then
		broken="$broken $name"
		# A suite that died before tallying still counts as a failure.
		grep -qE '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$out" ||
			failed=$((failed + 1))
	fi
	rm -f "$out"
}

run_suite unit "$BUILD/unit_tests"
# Each fuzz target a few seconds, and every saved regression input once.
run_suite fuzz env BUILD="$BUILD" tests/fuzz/run.sh check
run_suite bpf "$BUILD/bpf_tests"
run_suite e2e tests/e2e/run.sh
# The Debian package: built, installed with dpkg -i, removed, purged.
run_suite pkg env BUILD="$BUILD" tests/pkg/test_deb.sh

[ -n "$broken" ] && echo "failed suites:$broken"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$broken" ]
