# SPDX-License-Identifier: GPL-2.0-or-later
# tap.sh - one line per assertion ("ok - ..." / "not ok - ..."), tallied
# for the suite's closing "NAME: N passed, N failed". Sourced by the
# end-to-end tests.
# shellcheck shell=bash

E2E_PASSED=0
E2E_FAILED=0

ok() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok - $*"; }
not_ok() { E2E_FAILED=$((E2E_FAILED + 1)); echo "not ok - $*"; }

# check WHAT CMD... - ok if CMD succeeds
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}

# tally NAME - print the closing line; succeed when nothing failed
tally() {
	echo "$1: $E2E_PASSED passed, $E2E_FAILED failed"
	[ "$E2E_FAILED" -eq 0 ]
}
