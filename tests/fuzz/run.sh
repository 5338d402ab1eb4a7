#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - run the libFuzzer targets of tests/fuzz/ (built by make into
# $BUILD/fuzz/fuzz_<target>).
#
#   run.sh check [TARGET...]  every saved regression input
#	(tests/fuzz/regressions/<target>/) once, then each target for
#	FUZZ_CHECK_SECONDS (default 3) from its seed corpus; one result per
#	regression input and per timed run, then "fuzz: N passed, N failed".
#	What `make check` runs (tests/run-all.sh).
#   run.sh long [TARGET...]   each target for FUZZ_SECONDS (default 600),
#	one after the other (one core), keeping what it learns in
#	$BUILD/fuzz/corpus/<target>/; `make fuzz`.
#
# A crash, leak, sanitizer report or timeout (FUZZ_TIMEOUT seconds for
# one input, default 10) fails the run; the input is saved as
# $BUILD/fuzz/artifacts/<target>/crash-... (or leak-, timeout-): fix the
# bug, then copy the input into tests/fuzz/regressions/<target>/.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
mode=${1:-check}
shift
TARGETS="config table country dnsbl_sites parse names responder resolve dnsbl spf share"
[ $# -gt 0 ] && TARGETS="$*"
TIMEOUT=${FUZZ_TIMEOUT:-10}
passed=0 failed=0

# result NAME RC - count and show one result
result() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1"
	fi
}

# fuzz_for TARGET SECONDS CORPUS - one timed run; its last lines shown
fuzz_for() {
	local t=$1 secs=$2 corpus=$3 bin=$BUILD/fuzz/fuzz_$1 log rc
	local art=$BUILD/fuzz/artifacts/$t/ dict=()
	mkdir -p "$corpus" "$art"
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	log=$(mktemp)
	# -close_fd_mask=2: the code's own warnings (bad lines, regex errors)
	# stay off the terminal; libFuzzer's and the sanitizers' reports do not.
	"$bin" -max_total_time="$secs" -timeout="$TIMEOUT" -rss_limit_mb=2048 \
		-close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$art" "${dict[@]}" \
		"$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$log"
	else
		grep -E '^(Done [0-9]+ runs|stat::(number_of_executed_units|new_units_added|peak_rss_mb)|fuzz_[a-z_]+:)' \
			"$log" | sed "s/^/  $t: /"
	fi
	rm -f "$log"
	return "$rc"
}

case $mode in
check)
	secs=${FUZZ_CHECK_SECONDS:-3}
	for t in $TARGETS; do
		bin=$BUILD/fuzz/fuzz_$t
		if [ ! -x "$bin" ]; then
			result "$t (not built: make fuzz-build)" 1
			continue
		fi
		for r in tests/fuzz/regressions/"$t"/*; do
			[ -f "$r" ] || continue
			"$bin" -timeout="$TIMEOUT" "$r" >/tmp/mxgate-fuzz-$$.log 2>&1
			rc=$?
			[ "$rc" -ne 0 ] && cat /tmp/mxgate-fuzz-$$.log
			result "$t regression $(basename "$r")" "$rc"
		done
		rm -f /tmp/mxgate-fuzz-$$.log
		work=$(mktemp -d)
		fuzz_for "$t" "$secs" "$work"
		result "$t ${secs}s" $?
		rm -rf "$work"
	done
	echo "fuzz: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	;;
long)
	secs=${FUZZ_SECONDS:-600}
	for t in $TARGETS; do
		echo "=== fuzz_$t for ${secs}s"
		start=$(date +%s)
		fuzz_for "$t" "$secs" "$BUILD/fuzz/corpus/$t"
		rc=$?
		result "$t $(( $(date +%s) - start ))s" "$rc"
	done
	echo "fuzz: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	;;
*)
	echo "usage: $0 check|long [TARGET...]" >&2
	exit 2
	;;
esac
