#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# coverage.sh - how much of each parser the fuzz corpus reaches: every
# target is built once more with clang's source-based coverage, run over
# its seeds and what `make fuzz` learned ($BUILD/fuzz/corpus/<target>/),
# and the line coverage of the files it is about is printed.
#   tests/fuzz/coverage.sh [TARGET...]
# Numbers, not pass/fail; not part of make check.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
CLANG=${CLANG:-clang}
out=$BUILD/fuzz-cov
mkdir -p "$out"
TARGETS="config table country dnsbl_sites parse names responder resolve dnsbl"
[ $# -gt 0 ] && TARGETS="$*"
# The core sources, as the Makefile lists them.
core=$(printf '_core_srcs:\n\t@echo $(CORE_SRCS)\n' |
	make -s --no-print-directory -f Makefile -f - _core_srcs)
pkg=libbpf\ libnetfilter_queue\ libmnl\ libcares\ libpcre2-8
# shellcheck disable=SC2046,SC2086
cflags="-g -O0 -std=gnu11 -D_GNU_SOURCE -Ibpf -Idaemon -Itests/fuzz $(pkg-config --cflags $pkg)"
libs="$(pkg-config --libs $pkg) -llmdb"

# files - the sources a target is about
files() {
	case $1 in
	config) echo daemon/config.c daemon/lines.c ;;
	table) echo daemon/table.c daemon/lines.c ;;
	country) echo daemon/country.c daemon/country_table.c daemon/lines.c ;;
	dnsbl_sites) echo daemon/dnsbl_sites.c ;;
	parse) echo bpf/parse.h ;;
	names) echo daemon/addr.c daemon/names.c daemon/s25r.c ;;
	responder) echo daemon/responder.c ;;
	resolve) echo daemon/resolve.c ;;
	dnsbl) echo daemon/dnsbl.c daemon/dnsbl_sites.c ;;
	esac
}

for t in $TARGETS; do
	bin=$out/fuzz_$t
	# shellcheck disable=SC2086
	$CLANG $cflags -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer \
		-o "$bin" "tests/fuzz/fuzz_$t.c" $core $libs || exit 1
	rm -f "$out/$t".*.profraw
	dirs="tests/fuzz/corpus/$t"
	[ -d "$BUILD/fuzz/corpus/$t" ] && dirs="$dirs $BUILD/fuzz/corpus/$t"
	# shellcheck disable=SC2086
	LLVM_PROFILE_FILE="$out/$t.%p.profraw" "$bin" -runs=0 -close_fd_mask=3 \
		$dirs >/dev/null 2>&1
	llvm-profdata merge -sparse "$out/$t".*.profraw -o "$out/$t.profdata"
	echo "== $t"
	# shellcheck disable=SC2046
	llvm-cov report "$bin" -instr-profile="$out/$t.profdata" $(files "$t") |
		awk 'NR > 2 && $1 != "" && $1 !~ /^-/ { sub(".*/", "", $1); printf "  %-28s lines %s of %s covered (%s)\n", $1, $8 - $9, $8, $10 }'
done
