#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - run every end-to-end test (tests/e2e/test_*.sh), one after the
# other; their output passes through, each ends with its own
# "name: N passed, N failed". Exit 1 if any failed. Needs root.
#   tests/e2e/run.sh            every suite
#   tests/e2e/run.sh core ctl   only test_core.sh and test_ctl.sh
set -u
cd "$(dirname "$0")" || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "e2e: the end-to-end tests need root (namespaces, tc, nftables)" >&2
	exit 1
fi
if [ $# -gt 0 ]; then
	suites=()
	for n in "$@"; do
		[ -f "test_$n.sh" ] || { echo "e2e: no suite test_$n.sh" >&2; exit 1; }
		suites+=("./test_$n.sh")
	done
else
	suites=(./test_*.sh)
fi
failed=()
for t in "${suites[@]}"; do
	echo "--- $t"
	bash "$t" || failed+=("$t")
done
# Not in the "name: N passed, N failed" form: tests/run-all.sh adds those
# up, and the suites have printed their own.
if [ "${#failed[@]}" -gt 0 ]; then
	echo "e2e: failing suites: ${failed[*]}"
	exit 1
fi
echo "e2e: all ${#suites[@]} suites passed"
