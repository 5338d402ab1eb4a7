#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_top.sh - mxgatectl top: bots send known numbers of SYNs (raw
# sockets) after their verdict, a manual block refuses another; top ranks
# them by refused SYNs with their PTR names from real DNS (confirmed, not
# confirmed, none), --by prefix folds them into their /24 and /64, -n
# leaves the names out, N cuts the list; the counts survive a restart of
# mxgated and a wipe of the kernel maps (restored from disk with their
# verdicts). Needs root.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
CRAFT="$(dirname "$0")/craft_syn.py"

setup_network || { echo "top: 0 passed, 1 failed"; exit 1; }
CONF_EXTRA="s25r_action = block
unknown_client_action = block"
if ! { start_nsd && start_postfix && start_mxgated "$CONF_EXTRA"; }; then
	not_ok "test world started"
	summary top
	exit 1
fi

# syns ADDR N - N plain SYNs from ADDR to the MTA, made by hand
syns() {
	local dst=$MTA4 i
	[[ $1 == *:* ]] && dst=$MTA6
	for ((i = 0; i < $2; i++)); do
		in_ns "$NS_C" python3 "$CRAFT" "$1" "$dst" plain || return 1
	done
}

# judged ADDR - its first SYN sent, its verdict (a block) written
judged() { syns "$1" 1 && wait_for "a verdict for $1" lookup_has "$1" " block "; }

# run ARGS... - mxgatectl on the gateway; sets OUT, ERR and RC
run() {
	OUT=$(ctl "$@" 2>"$TMP/ctl.err"); RC=$?
	ERR=$(cat "$TMP/ctl.err")
}

# row N - line N of the last run's table (1: the header)
row() { sed -n "$1p" <<<"$OUT"; }

# cols N - row N with its runs of blanks squeezed to one
cols() { row "$1" | tr -s ' ' | sed 's/^ //'; }

dyn=$(v4 "$DYNAMIC") dyn6=$(v6 "$DYNAMIC") forged=$(v4 "$FORGED") noptr=$(v4 "$NOPTR")
bad=$(v4 "$BADPTR")
for a in "$dyn" "$dyn6" "$forged" "$noptr"; do
	check "$a is judged by its first SYN (a block)" judged "$a"
done
check "the counts start at 0 (hits=0 after the first SYN)" \
	test "$(ctl list | grep -c ' hits=0$')" -eq 4
syns "$dyn" 6; syns "$dyn6" 5; syns "$forged" 4; syns "$noptr" 2
check "a manual block for $bad" \
	in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" block "$bad" "hand-made bot"
syns "$bad" 3
check "the kernel counted every SYN after the verdicts ($dyn: hits=6)" \
	lookup_has "$dyn" " hits=6$"

run top
check "top: exit 0, a header and 5 rows ($ERR)" test "$RC" -eq 0 -a "$(grep -c '' <<<"$OUT")" -eq 6
check "top: the header" test "$(cols 1)" = "refused client action reasons ptr"
check "top: 1st, $dyn, 6 refused, its confirmed PTR name ($(cols 2))" \
	test "$(cols 2)" = "6 $dyn block s25r1,fcrdns dyn-198-51-100-20.pool.example.net"
check "top: 2nd, $dyn6 over IPv6 ($(cols 3))" \
	test "$(cols 3)" = "5 $dyn6 block s25r1,fcrdns dyn6-2001-db8-c-20.pool.example.net"
check "top: 3rd, $forged, its PTR not confirmed ($(cols 4))" \
	test "$(cols 4)" = "4 $forged block s25r0 forged.example.com (not confirmed)"
check "top: 4th, the manual block, reason manual ($(cols 5))" \
	grep -qE "^3 $bad block manual " <<<"$(cols 5)"
check "top: 5th, $noptr, no PTR: '-' ($(cols 6))" \
	test "$(cols 6)" = "2 $noptr block s25r0 -"
check "top: the columns line up (refused right-aligned)" \
	test "$(awk 'NR > 1 { print index($0, $2) }' <<<"$OUT" | sort -u | wc -l)" -eq 1

run top 2 -n
check "top 2 -n: two rows, no ptr column" \
	test "$RC" -eq 0 -a "$(grep -c '' <<<"$OUT")" -eq 3 -a "$(cols 1)" = "refused client action reasons" \
	-a "$(cols 3)" = "5 $dyn6 block s25r1,fcrdns"
check "top -n: no trailing blanks" not grep -q ' $' <<<"$OUT"

run top --by prefix
check "top --by prefix: the header" test "$(cols 1)" = "refused network sources busiest action ptr"
check "top --by prefix: the /24 first, its 4 sources' 15 SYNs, the busiest named ($(cols 2))" \
	test "$(cols 2)" = "15 198.51.100.0/24 4 $dyn block dyn-198-51-100-20.pool.example.net"
check "top --by prefix: the /64 ($(cols 3))" \
	test "$(cols 3)" = "5 2001:db8:c::/64 1 $dyn6 block dyn6-2001-db8-c-20.pool.example.net"
check "top --by prefix: nothing else" test "$(grep -c '' <<<"$OUT")" -eq 3
run top --by hits 1 -n
check "top --by hits 1: the busiest source" test "$RC" -eq 0 -a "$(cols 2)" = "6 $dyn block s25r1,fcrdns"

for args in "top 0" "top -3" "top x" "top 10001" "top --by bogus" "top 1 2" "list -n" "lookup $dyn --by prefix"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run $args
	check "usage error: mxgatectl $args: exit 2, nothing on stdout ($ERR)" \
		test "$RC" -eq 2 -a -z "$OUT"
done
run top 0
check "top 0: says what N may be ($ERR)" test "$ERR" = 'mxgatectl: top: "0" is not a number of rows (1 to 10000)'

# --- the counts survive a restart and a reboot
stop_mxgated 15
check "stop: the hits were written to disk with their verdicts" \
	log_has "state: hits of [4-9] verdict(s) written to "
start_mxgated "$CONF_EXTRA"
run top -n
check "restart: the same ranking, the manual block's count kept too" \
	test "$(cols 2)" = "6 $dyn block s25r1,fcrdns" -a "$(cols 5)" = "3 $bad block manual" \
	-a "$(grep -c '' <<<"$OUT")" -eq 6
wipe_maps
start_mxgated "$CONF_EXTRA"
check "reboot: the verdicts are restored from disk" log_has "state: [4-9] verdict(s) restored"
run top -n
check "reboot: the verdicts' counts came back with them ($(cols 2) / $(cols 3) / $(cols 4) / $(cols 5))" \
	test "$(cols 2)" = "6 $dyn block s25r1,fcrdns" -a "$(cols 3)" = "5 $dyn6 block s25r1,fcrdns" \
	-a "$(cols 4)" = "4 $forged block s25r0" -a "$(cols 5)" = "2 $noptr block s25r0"
check "reboot: the manual block starts counting again (not listed with 0)" \
	not grep -q "^ *[0-9]* *$bad " <<<"$OUT"
syns "$dyn" 1
check "reboot: the restored block still counts ($dyn: hits=7)" lookup_has "$dyn" " hits=7$"
syns "$bad" 1
run top -n
check "reboot: the manual block is back with its new SYN" grep -qE "^ *1 +$bad +block +manual$" <<<"$OUT"

summary top
