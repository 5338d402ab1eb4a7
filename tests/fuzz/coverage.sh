#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# coverage.sh - how much of each parser the fuzz corpus reaches: every
# target is built once more with clang's source-based coverage, run over
# its seeds and what `make fuzz` learned ($BUILD/fuzz/corpus/<target>/),
# and the line coverage of the functions it is about (the parser, not
# the rest of its file, e.g. the BPF install of country.c) is printed.
#   tests/fuzz/coverage.sh [TARGET...]
# Numbers, not pass/fail; not part of make check.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
CLANG=${CLANG:-clang}
out=$BUILD/fuzz-cov
mkdir -p "$out"
TARGETS="config table country dnsbl_sites parse names responder resolve dnsbl spf"
[ $# -gt 0 ] && TARGETS="$*"
# The core sources, as the Makefile lists them.
core=$(printf '_core_srcs:\n\t@echo $(CORE_SRCS)\n' |
	make -s --no-print-directory -f Makefile -f - _core_srcs)
pkg=libbpf\ libnetfilter_queue\ libmnl\ libcares\ libpcre2-8
# shellcheck disable=SC2046,SC2086
cflags="-g -O0 -std=gnu11 -D_GNU_SOURCE -Ibpf -Idaemon -Itests/fuzz $(pkg-config --cflags $pkg)"
libs="$(pkg-config --libs $pkg) -llmdb -lspf2"

# parts - what a target is about: "file:function-regex" (the functions
# of that file whose names match; "." for all of them)
parts() {
	case $1 in
	config) echo daemon/config.c:. daemon/lines.c:. ;;
	table) echo daemon/table.c:. daemon/lines.c:. ;;
	country) echo 'daemon/country.c:country_load|load_file|action_for|add$' \
		'daemon/country_table.c:build|insert|new_node|fill$|covers_v4|by_length|walk|mem_node' \
		daemon/lines.c:. ;;
	dnsbl_sites) echo 'daemon/dnsbl_sites.c:parse|zone_check|set_bits' ;;
	parse) echo bpf/parse.h:. ;;
	names) echo daemon/addr.c:. daemon/resolve.c:hostname_valid \
		daemon/s25r.c:s25r_match 'daemon/names.c:action_(parse|name)$' ;;
	responder) echo 'daemon/responder.c:talk_input|line_append|answer_command|is_quit|conn_input|tarpit_trickle|tarpit_fail|conn_start|accept_clients|responder_event|responder_tick|report$|conn_end|conn_reply|conn_send|peer_key|reply_text' ;;
	resolve) echo 'daemon/resolve.c:resolve_parse|hostname_valid' ;;
	dnsbl) echo daemon/dnsbl.c:. \
		'daemon/dnsbl_sites.c:dnsbl_answer_valid|dnsbl_filter_match|dnsbl_clamp_ttl' ;;
	spf) echo daemon/spf.c:. daemon/spf_parse.c:. ;;
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
	for part in $(parts "$t"); do
		file=${part%%:*} re=${part#*:}
		# A header's inline functions are listed once per copy: take
		# the file's own total when the whole file counts.
		if [ "$re" = . ]; then
			llvm-cov report "$bin" -instr-profile="$out/$t.profdata" "$file" |
				awk -v f="$(basename "$file")" '$1 == "TOTAL" {
					printf "  %-16s all of it,    lines %d of %d covered (%s)\n",
						f, $8 - $9, $8, $10 }'
			continue
		fi
		llvm-cov report "$bin" -instr-profile="$out/$t.profdata" \
			-show-functions "$file" 2>/dev/null |
			awk -v f="$(basename "$file")" -v re="$re" '
				NR > 3 && NF >= 7 && $1 != "TOTAL" && $1 !~ /^-/ {
					name = $1; sub(".*:", "", name)
					if (name ~ re) { n++; lines += $5; miss += $6 }
				}
				END { printf "  %-16s %3d functions, lines %d of %d covered (%.1f%%)\n",
					f, n, lines - miss, lines, lines ? 100 * (lines - miss) / lines : 0 }'
	done
done
