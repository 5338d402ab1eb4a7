#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - run every end-to-end test (tests/e2e/test_*.sh), one after the
# other; their output passes through, each ends with its own
# "name: N passed, N failed". Exit 1 if any failed. Needs root.
set -u
cd "$(dirname "$0")" || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "e2e: the end-to-end tests need root (namespaces, tc, nftables)" >&2
	exit 1
fi
rc=0
for t in ./test_*.sh; do
	echo "--- $t"
	bash "$t" || rc=1
done
exit $rc
