#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_ctl_manual.sh - mxgatectl's manual decisions against maps pinned
# by hand with bpftool, without mxgated (test_ctl.sh does the same for
# lookup, list and stats): allow/block argument parsing (lifetimes,
# comments, prefixes) and its errors, the file kept under state_dir,
# list --manual, lookup showing the decision over the cached verdict,
# forget of a decision and of every verdict under a prefix, the decision
# kept on disk when no manual map is pinned, top from counts written by
# hand. Needs root (mount, bpftool, setpriv); touches nothing outside its
# directory.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/tap.sh
. "$REPO/tests/e2e/tap.sh"
# shellcheck source=tests/e2e/pinned.sh
. "$REPO/tests/e2e/pinned.sh"
pinned_setup ctl_manual

# Sizes and ids from the shared header, never copied here.
header_probe <<'EOF'
	P("KEY_SIZE", sizeof(struct mxg_key)); P("VALUE_SIZE", sizeof(struct mxg_verdict));
	P("LPM_KEY_SIZE", sizeof(struct mxg_lpm_key));
	P("MANUAL_SIZE", sizeof(struct mxg_manual));
	P("STAT_SLOTS", MXG_STAT_SLOTS); P("RULE_SLOTS", MXG_RULE_SLOTS);
	P("MANUAL_ENTRIES", MXG_MANUAL_ENTRIES);
	P("BLOCK", MXG_ACT_BLOCK); P("GREYLIST", MXG_ACT_GREYLIST); P("PASS", MXG_ACT_PASS);
	P("R_S25R1", MXG_R_S25R1); P("R_FCRDNS", MXG_R_FCRDNS);
	P("OFF_hits", offsetof(struct mxg_manual, hits));
EOF

# pin_maps DIR [manual] - the maps mxgatectl opens, pinned under DIR
pin_maps() {
	mkdir -p "$1" &&
	bpftool map create "$1/verdicts" type lru_hash key "$KEY_SIZE" value "$VALUE_SIZE" \
		entries 1024 name verdicts &&
	bpftool map create "$1/stats" type percpu_array key 4 value 8 entries "$STAT_SLOTS" \
		name stats &&
	bpftool map create "$1/rule_hits" type array key 4 value 8 entries "$RULE_SLOTS" \
		name rule_hits &&
	bpftool map create "$1/decisions" type array key 4 value 8 entries "$STAT_SLOTS" \
		name decisions &&
	if [ "${2:-}" = manual ]; then
		# An LPM trie must not be preallocated (flags 1: BPF_F_NO_PREALLOC).
		bpftool map create "$1/manual" type lpm_trie key "$LPM_KEY_SIZE" \
			value "$MANUAL_SIZE" entries "$MANUAL_ENTRIES" name manual flags 1
	fi
}
pin_maps "$PIN" manual || fail_early "maps pinned with bpftool"
printf 'pin_dir = %s\nstate_dir = %s\n' "$PIN" "$STATE" > "$CONF"

# le N BYTES - N as BYTES little-endian decimal bytes, for bpftool
le() {
	local n=$1 i out=""
	for ((i = 0; i < $2; i++)); do out+="$(((n >> (8 * i)) & 255)) "; done
	echo "$out"
}
# key_v4 A B C D - a verdicts key for IPv4 (mapped, /128)
key_v4() { echo "0 0 0 0 0 0 0 0 0 0 255 255 $1 $2 $3 $4 128 0 0 0"; }
# now_ns - CLOCK_MONOTONIC (what mxgatectl's coarse clock follows)
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }
NS=1000000000

# put KEY EXPIRES_IN_S REASONS HITS ACTION - one verdict, decided now
put() {
	local now
	now=$(now_ns)
	# shellcheck disable=SC2046,SC2086 # split into bytes on purpose
	bpftool map update pinned "$PIN/verdicts" key $1 \
		value $(le "$now" 8) $(le $((now + $2 * NS)) 8) $(le "$3" 4) $(le "$4" 4) \
		$(le "$5" 4) $(le 0 4) $(le 0 8)
}

# run ARGS... - mxgatectl; sets OUT, ERR and RC
run() {
	OUT=$("$CTL" "$@" 2>"$TMP/err"); RC=$?
	ERR=$(cat "$TMP/err")
}
out_matches() { grep -qE -- "$1" <<<"$OUT"; }
one_error() { [ "$(grep -c '' <<<"$ERR")" -eq 1 ] && [[ $ERR == "mxgatectl: "* ]]; }
# usage_error - exit 2, nothing on stdout, one "mxgatectl: " line or the usage
usage_error() { [ "$RC" -eq 2 ] && [ -z "$OUT" ] && { one_error || [[ $ERR == usage:* ]]; }; }
lines() { grep -c '' <<<"$OUT"; }
not() { ! "$@"; }
# file_lines - the decisions in the file (its comment lines left out)
file_lines() { grep -v '^#' "$STATE/manual" 2>/dev/null | grep -c ''; }

# --- allow and block
run -c "$CONF" block 192.0.2.0/24 7d spam run, ticket 42
check "block CIDR TTL COMMENT...: exit 0 ($ERR)" test "$RC" -eq 0 -a -z "$ERR"
check "block: prints the decision ($OUT)" \
	out_matches '^192\.0\.2\.0/24 block reasons=manual age=0s expires_in=(604800|604799)s hits=0 comment="spam run, ticket 42"$'
check "block: state_dir created, 0700" test "$(stat -c %a "$STATE")" = 700
check "block: the file, 0600, one decision" \
	test "$(stat -c %a "$STATE/manual")" = 600 -a "$(file_lines)" -eq 1
line=$(grep -v '^#' "$STATE/manual")
now=$(date +%s)
check "block: the file's line: prefix, action, decided, expires, quoted comment ($line)" \
	grep -qE '^192\.0\.2\.0/24 block [0-9]+ [0-9]+ "spam run, ticket 42"$' <<<"$line"
read -r _ _ decided expires _ <<<"$line"
check "block: decided now, expires in 7 days (wall clock: $decided, $expires)" \
	test $((now - decided)) -le 2 -a $((expires - decided)) -eq 604800
run -c "$CONF" allow 192.0.2.7 'say "hi" \ and go'
check "allow ADDR COMMENT (no lifetime): forever, the comment quoted ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = "192.0.2.7 pass reasons=manual age=0s forever hits=0 comment=\"say \\\"hi\\\" \\\\ and go\""
check "allow: the file's line reads back the same" \
	grep -qxE '192\.0\.2\.7 allow [0-9]+ never "say \\"hi\\" \\\\ and go"' "$STATE/manual"
run -c "$CONF" allow 2001:DB8:5::/48 12h
check "allow an IPv6 prefix, no comment: canonical, no comment= ($OUT)" \
	out_matches '^2001:db8:5::/48 pass reasons=manual age=0s expires_in=(43200|43199)s hits=0$'
run -c "$CONF" block 2001:db8:5:1::25 forever
check "block an IPv6 address, forever" out_matches '^2001:db8:5:1::25 block reasons=manual age=0s forever hits=0$'
run -c "$CONF" block 198.51.100.77/32 90m
check "an IPv4 /32 is the address ($OUT)" out_matches '^198\.51\.100\.77 block reasons=manual .* expires_in=(5400|5399)s'
run -c "$CONF" allow ::ffff:198.51.100.77 replaced
check "the same client again (v4-mapped spelling): the decision is replaced" \
	test "$RC" -eq 0 -a "$(file_lines)" -eq 5 -a "$(grep -c '^198\.51\.100\.77 allow .*"replaced"$' "$STATE/manual")" -eq 1
run -c "$CONF" block 192.0.2.300
check "a bad address: exit 2, one line naming it ($ERR)" \
	test "$RC" -eq 2 && one_error && [[ $ERR == *'"192.0.2.300" is not an IPv4 or IPv6 address or prefix'* ]]
run -c "$CONF" block 192.0.2.0/33
check "a prefix too long for IPv4: exit 2" usage_error
run -c "$CONF" block 192.0.2.1 1hr
check "a bad lifetime: exit 2, one line ($ERR)" \
	test "$RC" -eq 2 -a "$ERR" = 'mxgatectl: "1hr" is not a lifetime (e.g. 90m, 12h, 7d, 2w, forever)'
run -c "$CONF" block 192.0.2.1 0
check "lifetime 0: exit 2 (forever is spelt out)" usage_error
run -c "$CONF" block 192.0.2.1 3651d
check "lifetime over ten years: exit 2 ($ERR)" usage_error
run -c "$CONF" block 192.0.2.1 "$(printf 'x%.0s' {1..64})"
check "a 64-byte comment: exit 2 ($ERR)" \
	test "$RC" -eq 2 -a "$ERR" = "mxgatectl: the comment is longer than 63 bytes"
run -c "$CONF" block 192.0.2.1 "$(printf 'y%.0s' {1..63})"
check "a 63-byte comment is fine" test "$RC" -eq 0
run -c "$CONF" block 192.0.2.2 1h "$(printf 'two\nlines')"
check "a comment with a newline: exit 2 ($ERR)" \
	test "$RC" -eq 2 -a "$ERR" = "mxgatectl: the comment may hold printable ASCII only (byte 4 is 0x0a)"
run -c "$CONF" block 192.0.2.2 "Müller GmbH"
check "a comment outside ASCII: exit 2" usage_error
check "refused commands changed nothing in the file" test "$(file_lines)" -eq 6
run -c "$CONF" allow
check "allow without an address: usage, exit 2" usage_error
run -c "$CONF" block 192.0.2.9 -- -x marks the spot
check "a comment that looks like an option, after --" \
	out_matches '^192\.0\.2\.9 block .* comment="-x marks the spot"$'

# --- list --manual
run -c "$CONF" list --manual
check "list --manual: exit 0, the 7 decisions" test "$RC" -eq 0 -a "$(lines)" -eq 7
check "list --manual: sorted by address, shorter prefixes first" \
	test "$(cut -d' ' -f1 <<<"$OUT" | tr '\n' ' ')" = "192.0.2.0/24 192.0.2.1 192.0.2.7 192.0.2.9 198.51.100.77 2001:db8:5::/48 2001:db8:5:1::25 "
run -c "$CONF" list --manual --action pass
check "list --manual --action pass: the 3 allows" \
	test "$RC" -eq 0 -a "$(lines)" -eq 3 -a "$(grep -c ' pass reasons=manual ' <<<"$OUT")" -eq 3
run -p "$PIN" list --manual
check "list --manual reads the map alone (-p, no state_dir needed)" test "$RC" -eq 0 -a "$(lines)" -eq 7
run -c "$CONF" list
check "list without --manual: the verdicts only (none here)" test "$RC" -eq 0 -a -z "$OUT"
run -c "$CONF" lookup 192.0.2.0/24 --manual
check "--manual goes with list only ($ERR)" \
	test "$RC" -eq 2 -a "$ERR" = "mxgatectl: --manual goes with list only"

# --- lookup: the decision that covers the client, then the cache
put "$(key_v4 192 0 2 7)" 3600 $((R_S25R1 | R_FCRDNS)) 4 "$BLOCK"
run -c "$CONF" lookup 192.0.2.7
check "lookup: the manual allow, then the cached block it overrules, exit 0" \
	test "$RC" -eq 0 -a "$(lines)" -eq 2 -a "$(sed -n 1p <<<"$OUT" | cut -d' ' -f1-3)" = "192.0.2.7 pass reasons=manual" -a \
	"$(sed -n 2p <<<"$OUT" | cut -d' ' -f1-3)" = "192.0.2.7 block reasons=s25r1,fcrdns"
run -c "$CONF" lookup 192.0.2.66
check "lookup: a client under a manual prefix, no verdict: the prefix's line, then none, exit 0" \
	test "$RC" -eq 0 -a "$(sed -n 1p <<<"$OUT" | cut -d' ' -f1-3)" = "192.0.2.0/24 block reasons=manual" -a \
	"$(sed -n 2p <<<"$OUT")" = "192.0.2.66 none"
run -c "$CONF" lookup 198.18.0.1
check "lookup: neither: 'none', exit 1, as before" test "$RC" -eq 1 -a "$OUT" = "198.18.0.1 none"

# Three more verdicts (hits written by hand): for top and forget.
put "$(key_v4 198 51 100 20)" 3600 "$R_S25R1" 12 "$BLOCK"
put "$(key_v4 198 51 100 21)" 3600 "$R_S25R1" 5 "$GREYLIST"
put "$(key_v4 198 51 100 22)" 3600 "$R_FCRDNS" 99 "$PASS"

# --- top, from counts written by hand
key=$(echo 0 0 0 0 0 0 0 0 0 0 255 255 192 0 2 0 | sed 's/^/120 0 0 0 /')
# shellcheck disable=SC2086,SC2154 # key: bytes; OFF_hits: from the probe
val=$(bpftool map lookup pinned "$PIN/manual" key $key -j 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)["value"]
b = [int(x, 16) for x in v]
off = '"$OFF_hits"'
b[off:off + 4] = (7).to_bytes(4, "little")
print(" ".join(str(x) for x in b))')
# shellcheck disable=SC2086 # split into bytes on purpose
check "the /24 block's hits written by hand" bpftool map update pinned "$PIN/manual" key $key value $val
run -c "$CONF" top -n
check "top -n: exit 0, header and 4 rows (the pass is no offender) ($ERR)" \
	test "$RC" -eq 0 -a "$(lines)" -eq 5
check "top -n: ranked by refused SYNs" \
	test "$(awk 'NR > 1 { printf "%s:%s ", $1, $2 }' <<<"$OUT")" = "12:198.51.100.20 7:192.0.2.0/24 5:198.51.100.21 4:192.0.2.7 "
check "top -n: the manual block's reason is manual" grep -qE '^ +7 +192\.0\.2\.0/24 +block +manual$' <<<"$OUT"
run -c "$CONF" top --by prefix -n
check "top --by prefix -n: the /24s" \
	test "$(awk 'NR > 1 { printf "%s:%s:%s:%s ", $1, $2, $3, $4 }' <<<"$OUT")" = "17:198.51.100.0/24:2:198.51.100.20 11:192.0.2.0/24:2:192.0.2.0/24 "

# --- forget
run -c "$CONF" forget 192.0.2.7
check "forget an address: its decision and its verdict ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = "192.0.2.7 forgotten: the manual allow, 1 verdict(s)"
check "... gone from the file" not grep -q '^192\.0\.2\.7 ' "$STATE/manual"
run -c "$CONF" forget 192.0.2.0/24
check "forget a prefix: its decision ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = "192.0.2.0/24 forgotten: the manual block"
run -c "$CONF" list --manual
check "forget a prefix leaves the decisions inside it" \
	test "$(cut -d' ' -f1 <<<"$OUT" | grep -c '^192\.0\.2\.')" -eq 2
run -c "$CONF" forget 198.51.100.0/24
check "forget a prefix without a decision: every verdict under it ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = "198.51.100.0/24 forgotten: 3 verdict(s)"
run -c "$CONF" list
check "... none left" test -z "$OUT"
run -c "$CONF" forget 2001:db8:5::/48
check "forget an IPv6 prefix's decision" test "$RC" -eq 0 -a "$OUT" = "2001:db8:5::/48 forgotten: the manual allow"
run -c "$CONF" forget 2001:db8:5::/48
check "forget again: exit 1, one line ($ERR)" \
	test "$RC" -eq 1 -a -z "$OUT" -a "$ERR" = "mxgatectl: 2001:db8:5::/48 has no verdict and no manual decision"
check "the file and the map agree (4 left)" \
	test "$(file_lines)" -eq 4 -a "$("$CTL" -c "$CONF" list --manual | grep -c '')" -eq 4

# --- expired decisions leave with the next change
run -c "$CONF" block 203.0.113.5 1s going soon
sleep 2
run -c "$CONF" list --manual
check "an expired decision is listed as expired" grep -qE '^203\.0\.113\.5 block reasons=manual age=[0-9]+s expired ' <<<"$OUT"
run -c "$CONF" block 203.0.113.6 1h
check "the next change drops it from the file and the map" \
	test "$(grep -c '^203\.0\.113\.5 ' "$STATE/manual")" -eq 0 -a \
	"$("$CTL" -c "$CONF" list --manual | grep -c '^203\.0\.113\.5 ')" -eq 0

# --- no manual map pinned (maps of an older mxgated): kept on disk
pin_maps "$PIN/old" || not_ok "older maps pinned"
printf 'pin_dir = %s\nstate_dir = %s\n' "$PIN/old" "$TMP/state-old" > "$TMP/old.conf"
run -c "$TMP/old.conf" block 192.0.2.44 1d
check "no manual map: the decision is printed, exit 0" \
	test "$RC" -eq 0 && out_matches '^192\.0\.2\.44 block reasons=manual '
check "... a note says it comes into force when mxgated starts ($ERR)" \
	test "$ERR" = "mxgatectl: note: no manual map is pinned under $PIN/old (no mxgated of this version has run): the decision is kept in $TMP/state-old/manual and comes into force when mxgated starts"
check "... and it is on disk" grep -q '^192\.0\.2\.44 block ' "$TMP/state-old/manual"
run -c "$TMP/old.conf" list --manual
check "list --manual without a manual map: exit 2, one line ($ERR)" \
	test "$RC" -eq 2 && one_error
run -c "$TMP/old.conf" top -n
check "top works without a manual map" test "$RC" -eq 0 -a "$(lines)" -eq 1

# --- writes need root (the file is root's)
if id nobody >/dev/null 2>&1; then
	chmod 755 "$TMP"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" -c "$CONF" block 192.0.2.55 2>&1)
	rc=$?
	check "block as another user: exit 2, says root is needed ($out)" \
		test "$rc" -eq 2 -a "$(grep -c '' <<<"$out")" -eq 1 && grep -q 'needs root' <<<"$out"
	check "... nothing changed" not grep -q '^192\.0\.2\.55 ' "$STATE/manual"
fi

tally ctl_manual
