#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_ctl.sh - mxgatectl against maps pinned by hand, without mxgated:
# the maps are created with bpftool on a bpffs in a private directory and
# filled with known verdicts, counters and greylist settings; lookup,
# list (--action), stats (the breakdown and every counter), forget and
# check must print them as mxgatectl(8) says, with its exit codes
# (0 yes, 1 no, 2 error) and one-line "mxgatectl: " errors; with -j
# each is one JSON document a strict parser takes (jsonq.py) and that
# says what the text says. config prints what mxgated -p prints, -n
# exactly the keys a file changed; status, with a stand-in process
# called mxgated, its pid, uptime, map fill and counters. Needs root
# (mount, bpftool); touches nothing outside its temporary directory.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/tap.sh
. "$REPO/tests/e2e/tap.sh"
# shellcheck source=tests/e2e/pinned.sh
. "$REPO/tests/e2e/pinned.sh"
pinned_setup ctl
NS=1000000000

# Sizes, offsets, counter ids, actions and reason bits as mxgatectl has
# them: from the shared header, never copied here, so that a renumbering
# cannot leave this test writing the wrong slot.
header_probe -I"$REPO/daemon" <<'EOF'
#include "s25r.h"
	P("STAT_MAX", MXG_STAT_MAX); P("STAT_ACTION", MXG_STAT_ACTION);
	P("STAT_SLOTS", MXG_STAT_SLOTS); P("RULE_SLOTS", MXG_RULE_SLOTS);
	P("STAT_REASON", MXG_STAT_REASON); P("S25R_ALL", S25R_ALL);
	P("STAT_PACKETS", MXG_STAT_PACKETS); P("STAT_SYN", MXG_STAT_SYN);
	P("STAT_PROMOTED", MXG_STAT_PROMOTED);
	P("STAT_ACCEPTED", MXG_STAT_ACCEPTED);
	P("STAT_REFUSED_GREYLIST", MXG_STAT_REFUSED_GREYLIST);
	P("STAT_REFUSED_DNSBL", MXG_STAT_REFUSED_DNSBL);
	P("STAT_REFUSED_COUNTRY", MXG_STAT_REFUSED_COUNTRY);
	P("STAT_REFUSED_TABLE", MXG_STAT_REFUSED_TABLE);
	P("STAT_REFUSED_THROTTLE", MXG_STAT_REFUSED_THROTTLE);
	P("STAT_REFUSED_OTHER", MXG_STAT_REFUSED_OTHER);
	P("STAT_GREYLIST_FIRST", MXG_STAT_GREYLIST_FIRST);
	P("STAT_GREYLIST_EXPIRED", MXG_STAT_GREYLIST_EXPIRED);
	P("STAT_TO_RESPONDER", MXG_STAT_TO_RESPONDER);
	P("STAT_REPEAT_RESETS", MXG_STAT_REPEAT_RESETS);
	P("STAT_OVERLOAD_TEMPFAIL", MXG_STAT_OVERLOAD_TEMPFAIL);
	P("STAT_OVERLOAD_EPISODES", MXG_STAT_OVERLOAD_EPISODES);
	P("STAT_STRESS", MXG_STAT_STRESS); P("STAT_DNS_SENT", MXG_STAT_DNS_SENT);
	P("PASS", MXG_ACT_PASS); P("BLOCK", MXG_ACT_BLOCK);
	P("GREYLIST", MXG_ACT_GREYLIST); P("TARPIT", MXG_ACT_TARPIT);
	P("THROTTLE", MXG_ACT_THROTTLE);
	P("R_S25R0", MXG_R_S25R0); P("R_S25R1", MXG_R_S25R1);
	P("R_FCRDNS", MXG_R_FCRDNS); P("R_MANUAL", MXG_R_MANUAL);
	P("R_DNSBL", MXG_R_DNSBL); P("R_PREGREET", MXG_R_PREGREET);
	P("KEY_SIZE", sizeof(struct mxg_key));
	P("VALUE_SIZE", sizeof(struct mxg_verdict));
	OFF(mxg_verdict, decided_ns); OFF(mxg_verdict, expires_ns);
	OFF(mxg_verdict, reasons); OFF(mxg_verdict, hits);
	OFF(mxg_verdict, action); OFF(mxg_verdict, dnsbl_score);
	OFF(mxg_verdict, reported_ns);
	P("ACTION_SIZE", sizeof(enum mxg_action));
	P("CONFIG_SIZE", sizeof(struct mxg_config));
	OFF(mxg_config, ports); OFF(mxg_config, greylist_delay_ns);
EOF
# put() below writes the verdict's fields in this order and these sizes.
# shellcheck disable=SC2154 # OFF_*: assigned by the probe's output
[ "$OFF_decided_ns $OFF_expires_ns $OFF_reasons $OFF_hits $OFF_action $OFF_dnsbl_score $OFF_reported_ns $ACTION_SIZE $VALUE_SIZE" = \
	"0 8 16 20 24 28 32 4 40" ] || fail_early "struct mxg_verdict is laid out as put() writes it"

if ! { bpftool map create "$PIN/verdicts" type lru_hash key "$KEY_SIZE" \
		value "$VALUE_SIZE" entries 1024 name verdicts &&
	bpftool map create "$PIN/stats" type percpu_array key 4 value 8 \
		entries "$STAT_SLOTS" name stats &&
	bpftool map create "$PIN/rule_hits" type array key 4 value 8 \
		entries "$RULE_SLOTS" name rule_hits &&
	bpftool map create "$PIN/decisions" type array key 4 value 8 \
		entries "$STAT_SLOTS" name decisions; }; then
	fail_early "maps pinned with bpftool"
fi

# le N BYTES - N as BYTES little-endian decimal bytes, for bpftool
le() {
	local n=$1 i out=""
	for ((i = 0; i < $2; i++)); do
		out+="$(((n >> (8 * i)) & 255)) "
	done
	echo "$out"
}

# key_v4 A B C D [PLEN] - a verdicts key for IPv4 (mapped), plen over 128
key_v4() { echo "0 0 0 0 0 0 0 0 0 0 255 255 $1 $2 $3 $4 ${5:-128} 0 0 0"; }

# now_ns - CLOCK_MONOTONIC (what mxgatectl's coarse clock follows)
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }

# put KEY DECIDED_NS EXPIRES_NS REASONS HITS ACTION SCORE [REPORTED_NS] -
# write one verdict (REPORTED_NS: a renewal reported then; default never)
put() {
	# shellcheck disable=SC2046,SC2086 # split into bytes on purpose
	bpftool map update pinned "$PIN/verdicts" key $1 \
		value $(le "$2" 8) $(le "$3" 8) $(le "$4" 4) $(le "$5" 4) \
		$(le "$6" 4) $(le "$7" 4) $(le "${8:-0}" 8)
}

# count MAP ID VALUE - set a __u64 counter (every CPU, for per-CPU maps)
count() {
	# shellcheck disable=SC2046 # split into bytes on purpose
	bpftool map update pinned "$PIN/$1" key $(le "$2" 4) value $(le "$3" 8)
}

# run ARGS... - mxgatectl; sets OUT, ERR and RC
run() {
	OUT=$("$CTL" "$@" 2>"$TMP/err"); RC=$?
	ERR=$(cat "$TMP/err")
}

# field NAME LINE - the number after NAME= in a verdict line
field() { sed -nE "s/.* $1=([0-9-]+)s?( .*|$)/\1/p" <<<"$2"; }

# one_error - stderr is exactly one line starting "mxgatectl: "
one_error() { [ "$(wc -l <<<"$ERR")" -eq 1 ] && [[ $ERR == "mxgatectl: "* ]]; }

# rc_is N - the last run exited with N
rc_is() { [ "$RC" -eq "$1" ]; }

# out_matches ERE - the last run's standard output matches ERE
out_matches() { grep -qE "$1" <<<"$OUT"; }

# out_has_line LINE - the last run printed exactly LINE on a line
out_has_line() { grep -qxF "$1" <<<"$OUT"; }

# err_has TEXT - the last run's standard error contains TEXT
err_has() { [[ $ERR == *"$1"* ]]; }

# lines - lines of the last run's standard output
lines() { grep -c '' <<<"$OUT"; }

# config_map DELAY_S [PORT] - create or rewrite the pinned config map: all
# zeros but ports[0] = PORT (default 25; 0 = as if no daemon wrote it) and
# greylist_delay_ns, at their offsets in struct mxg_config
# shellcheck disable=SC2154 # OFF_*: assigned by the probe's output
config_map() {
	local bytes=() i delay=$(($1 * NS)) port=${2:-25}
	for ((i = 0; i < CONFIG_SIZE; i++)); do bytes[i]=0; done
	bytes[OFF_ports]=$((port & 255)) bytes[OFF_ports + 1]=$((port >> 8))
	for ((i = 0; i < 8; i++)); do
		bytes[OFF_greylist_delay_ns + i]=$(((delay >> (8 * i)) & 255))
	done
	if [ ! -e "$PIN/config" ]; then
		bpftool map create "$PIN/config" type array key 4 value "$CONFIG_SIZE" \
			entries 1 name config || return 1
	fi
	# shellcheck disable=SC2046 # split into bytes on purpose
	bpftool map update pinned "$PIN/config" key $(le 0 4) value "${bytes[@]}"
}

now=$(now_ns)
[ -z "$now" ] && fail_early "monotonic clock read"
# The verdicts below start up to 60 s in the past: on a machine booted less
# than that ago, wait rather than write a time before boot.
if [ "$now" -le $((61 * NS)) ]; then
	sleep $(( (61 * NS - now) / NS + 1 ))
	now=$(now_ns)
fi
V6_KEY="32 1 13 184 0 0 0 0 0 0 0 0 0 0 0 37 128 0 0 0"	# 2001:db8::25
if ! { put "$(key_v4 198 51 100 20)" $((now - 3 * NS)) $((now + 3597 * NS)) \
		$((R_S25R1 | R_FCRDNS)) 2 "$BLOCK" 0 &&
	put "$(key_v4 198 51 100 30)" $((now - 20 * NS)) $((now - 10 * NS)) \
		"$R_FCRDNS" 9 "$PASS" 0 $((now - 12 * NS)) &&
	put "$V6_KEY" $((now - 60 * NS)) $((now + 600 * NS)) "$R_S25R0" 0 "$GREYLIST" 0 &&
	put "$(key_v4 203 0 113 0 120)" $((now - 1 * NS)) $((now + 86400 * NS)) \
		"$R_MANUAL" 0 "$BLOCK" 0 &&
	put "$(key_v4 192 0 2 99)" $((now - 1 * NS)) $((now + 300 * NS)) \
		"$R_DNSBL" 1 "$BLOCK" 3 &&
	put "$(key_v4 198 51 100 40)" $((now - 5 * NS)) $((now + 2700 * NS)) \
		"$R_S25R1" 1 "$GREYLIST" 0 &&
	put "$(key_v4 198 51 100 41)" $((now - 60 * NS)) $((now - 15 * NS)) \
		"$R_S25R0" 4 "$GREYLIST" 0 &&
	put "$(key_v4 198 51 100 50)" $((now - 2 * NS)) $((now + 900 * NS)) \
		"$R_PREGREET" 0 "$TARPIT" 0; }; then
	fail_early "verdicts written with bpftool"
fi
cat > "$CONF" <<EOF
# written by test_ctl.sh
pin_dir = $PIN
state_dir = $TMP/state
EOF

# jiffy_ns - how far CLOCK_MONOTONIC_COARSE (mxgatectl's clock) may lag
# the fine clock sampled here: one tick, 10 ms at HZ=100, taken as 20 ms
JIFFY=$((20 * 1000000))

# timed ARGS... - run, with T0/T1 the clock just before and after
timed() { T0=$(now_ns); run "$@"; T1=$(now_ns); }

# ceil_s NS - whole seconds, rounded up; 0 for 0 or less
ceil_s() { if [ "$1" -le 0 ]; then echo 0; else echo $(( ($1 + NS - 1) / NS )); fi; }
# floor_s NS - whole seconds, rounded down; 0 for 0 or less
floor_s() { if [ "$1" -le 0 ]; then echo 0; else echo $(( $1 / NS )); fi; }

# between VALUE LO HI - LO <= VALUE <= HI, VALUE a number
between() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# line_of ADDR - the last run's line for ADDR
line_of() { grep -E "^$1 " <<<"$OUT"; }

# same_as_list ADDR - lookup ADDR prints the line list prints for it; ages
# are whole seconds, so a second that ticks between the two runs gets two
# more tries
same_as_list() {
	local one
	for _ in 1 2 3; do
		run -c "$CONF" lookup "$1"; one=$OUT
		run -c "$CONF" list
		[ -n "$one" ] && [ "$one" = "$(line_of "$1")" ] && return 0
	done
	return 1
}

# same_lookup ADDR OTHER - lookup of OTHER (-p) exits 0 and prints the
# line lookup of ADDR prints; a second that ticks between the two runs
# changes age and expires_in, so two more tries
same_lookup() {
	local one
	for _ in 1 2 3; do
		run -c "$CONF" lookup "$1"; one=$OUT
		run -p "$PIN" lookup "$2"
		[ "$RC" -eq 0 ] && [ -n "$one" ] && [ "$one" = "$OUT" ] && return 0
	done
	return 1
}

# --- lookup
run -c "$CONF" lookup 198.51.100.20
line=$OUT
check "lookup: a live verdict exits 0 (rc $RC)" rc_is 0
check "lookup: the line reads 'ADDR action reasons=... age= expires_in= hits=' ($line)" \
	out_matches '^198\.51\.100\.20 block reasons=s25r1,fcrdns age=[0-9]+s expires_in=[0-9]+s hits=2$'
age=$(field age "$line") left=$(field expires_in "$line")
check "lookup: age counts from decided_ns (age=${age}s)" test "${age:-0}" -ge 3 -a "${age:-0}" -lt 600
check "lookup: expires_in counts to expires_ns (${left}s)" \
	test "${left:-0}" -le 3597 -a "${left:-0}" -gt 3000
check "lookup: the v4-mapped spelling finds the same verdict" \
	same_lookup 198.51.100.20 ::ffff:198.51.100.20
run -c "$CONF" lookup 198.51.100.30
check "lookup: an expired verdict exits 1" rc_is 1
check "lookup: ... and says 'expired' ($OUT)" \
	out_matches '^198\.51\.100\.30 pass reasons=fcrdns age=[0-9]+s expired hits=9$'
age=$(field age "$OUT")
check "lookup: a renewal reported since does not reset the age (age=${age}s, decided 20 s ago)" \
	test "${age:-0}" -ge 20 -a "${age:-0}" -lt 600
run -c "$CONF" lookup 192.0.2.1
check "lookup: no verdict prints 'ADDR none' and exits 1" test "$RC" -eq 1 -a "$OUT" = "192.0.2.1 none"
run -c "$CONF" lookup 2001:DB8:0::25
check "lookup: IPv6 exits 0" rc_is 0
# No config map yet: the greylist delay is unknown, so no retry_after.
check "lookup: ... printed canonically, a greylist entry with its window and, without a config map, no retry_after ($OUT)" \
	out_matches '^2001:db8::25 greylist reasons=s25r0 age=[0-9]+s expires_in=[0-9]+s hits=0 window_left=[0-9]+s$'
check "lookup: window_left is the time to expires_ns, as expires_in ($OUT)" \
	test "$(field window_left "$OUT")" = "$(field expires_in "$OUT")"
run -c "$CONF" lookup 203.0.113.77/24
check "lookup: a prefix entry, host bits ignored ($OUT)" \
	out_matches '^203\.0\.113\.0/24 block reasons=manual '
run -c "$CONF" lookup 192.0.2.99
check "lookup: the DNSBL score is shown ($OUT)" out_matches ' reasons=dnsbl .* hits=1 dnsbl=3$'
run -c "$CONF" lookup 198.51.100.256
check "lookup: a bad address is exit 2" rc_is 2
check "lookup: ... with one 'mxgatectl: ' line and nothing on stdout ($ERR)" \
	test -z "$OUT" -a "$(grep -c '' <<<"$ERR")" -eq 1 -a "${ERR#mxgatectl: }" != "$ERR"

# --- list
ALL="198.51.100.20 198.51.100.30 2001:db8::25 203.0.113.0/24 192.0.2.99 198.51.100.40 198.51.100.41 198.51.100.50"
FORMAT='^[0-9a-f.:/]+ [a-z]+ reasons=[a-z0-9_,-]+ age=[0-9]+s (expires_in=[0-9]+s|expired) hits=[0-9]+( dnsbl=-?[0-9]+)?( retry_after=[0-9]+s)?( window_left=[0-9]+s)?$'
run -c "$CONF" list
check "list: exit 0" rc_is 0
check "list: one line per entry ($(lines) lines)" test "$(lines)" -eq 8
check "list: every line in lookup's format" test "$(grep -cE "$FORMAT" <<<"$OUT")" -eq 8
for a in $ALL; do
	check "list: shows $a" out_matches "^$a "
done
check "list: window_left on the 3 greylist lines, and only there" \
	test "$(grep -c ' window_left=' <<<"$OUT")" -eq 3 -a \
	"$(grep -c ' greylist .* window_left=[0-9]*s$' <<<"$OUT")" -eq 3
check "list: no config map, no retry_after" test "$(grep -c 'retry_after=' <<<"$OUT")" -eq 0
check "list: the same line as lookup (a block entry)" same_as_list 198.51.100.20
check "list: the same line as lookup (a greylist entry, no delay known)" same_as_list 2001:db8::25
# A config map no daemon has written (no port) gives no delay either.
config_map 45 0 || not_ok "config map written with bpftool (port 0)"
run -c "$CONF" list
check "list: a config map without a port (never written): still no retry_after" \
	test "$RC" -eq 0 -a "$(grep -c 'retry_after=' <<<"$OUT")" -eq 0 -a "$(lines)" -eq 8

# The greylist clock: greylist_delay 45 s. 2001:db8::25 was seen 60 s ago
# (may retry now), 198.51.100.40 5 s ago (40 s to go), 198.51.100.41 60 s
# ago with a window that closed 15 s ago.
config_map 45 || not_ok "config map written with bpftool (greylist_delay 45s)"
timed -c "$CONF" list
check "list: with the delay known, every greylist line has retry_after, then window_left" \
	test "$(grep -cE ' greylist .* retry_after=[0-9]+s window_left=[0-9]+s$' <<<"$OUT")" -eq 3 -a \
	"$(grep -c 'retry_after=' <<<"$OUT")" -eq 3
check "list: ... and every line still in lookup's format" test "$(grep -cE "$FORMAT" <<<"$OUT")" -eq 8
l=$(line_of 198.51.100.40)
due=$((now - 5 * NS + 45 * NS))
lo=$(ceil_s $((due - T1))) hi=$(ceil_s $((due - T0 + JIFFY)))
check "list: retry_after = greylist_delay - time since first contact, rounded up ($lo..$hi: $l)" \
	between "$(field retry_after "$l")" "$lo" "$hi"
lo=$(floor_s $((now + 2700 * NS - T1))) hi=$(floor_s $((now + 2700 * NS - T0 + JIFFY)))
check "list: window_left = time to expires_ns ($lo..$hi: $l)" \
	between "$(field window_left "$l")" "$lo" "$hi"
l=$(line_of 2001:db8::25)
check "list: retry_after=0s once the delay has passed ($l)" test "$(field retry_after "$l")" = 0
lo=$(floor_s $((now + 600 * NS - T1))) hi=$(floor_s $((now + 600 * NS - T0 + JIFFY)))
check "list: ... window_left of that entry ($lo..$hi)" between "$(field window_left "$l")" "$lo" "$hi"
l=$(line_of 198.51.100.41)
check "list: a greylist entry whose window closed: expired, retry_after=0s window_left=0s ($l)" \
	grep -qE '^198\.51\.100\.41 greylist reasons=s25r0 age=[0-9]+s expired hits=4 retry_after=0s window_left=0s$' <<<"$l"
check "list: no clock on other actions ($(line_of 198.51.100.50))" \
	grep -qE '^198\.51\.100\.50 tarpit reasons=pregreet age=[0-9]+s expires_in=[0-9]+s hits=0$' <<<"$(line_of 198.51.100.50)"
check "list: the same line as lookup (a greylist entry with its clock)" same_as_list 198.51.100.40
check "list: the same line as lookup (an expired greylist entry)" same_as_list 198.51.100.41

# --- list --action
run -c "$CONF" list --action greylist
check "list --action greylist: exit 0" rc_is 0
check "list --action greylist: the 3 greylist entries ($(lines) lines)" test "$(lines)" -eq 3
check "list --action greylist: only greylist lines, each with its clock" \
	test "$(grep -cE '^[0-9a-f.:/]+ greylist .* retry_after=[0-9]+s window_left=[0-9]+s$' <<<"$OUT")" -eq 3
for a in 2001:db8::25 198.51.100.40 198.51.100.41; do
	check "list --action greylist: shows $a" out_matches "^$a greylist "
done
run -c "$CONF" list --action block
check "list --action block: the 3 block entries, nothing else" \
	test "$RC" -eq 0 -a "$(lines)" -eq 3 -a "$(grep -c '^[^ ]* block ' <<<"$OUT")" -eq 3
for a in 198.51.100.20 203.0.113.0/24 192.0.2.99; do
	check "list --action block: shows $a" out_matches "^$a block "
done
run -c "$CONF" list --action=tarpit
check "list --action=tarpit: the one tarpit entry ($OUT)" \
	test "$RC" -eq 0 -a "$(lines)" -eq 1 -a "$(line_of 198.51.100.50)" = "$OUT"
run -c "$CONF" --action pass list
check "--action before the command: the one pass entry ($OUT)" \
	test "$RC" -eq 0 -a "$(lines)" -eq 1 -a -n "$(line_of 198.51.100.30)"
run -c "$CONF" list --action throttle
check "list --action throttle: no entry, no output, exit 0" test "$RC" -eq 0 -a -z "$OUT"
for args in "list --action bogus" "list --action none" "list --action GREYLIST" "list --action" \
	"list --action pass --action block" "lookup 198.51.100.20 --action block" "stats --action pass"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run -c "$CONF" $args
	check "usage error: mxgatectl $args: exit 2, one 'mxgatectl: ' line, nothing on stdout ($ERR)" \
		test "$RC" -eq 2 -a -z "$OUT" -a "$(grep -c '' <<<"$ERR")" -eq 1 -a "${ERR#mxgatectl: }" != "$ERR"
done
run -c "$CONF" list --action bogus
check "list --action bogus: the line names the word and the actions ($ERR)" \
	err_has '"bogus" is not an action (pass, block, greylist, tarpit, throttle)'
rm "$PIN/config"
run -c "$CONF" list --action greylist
check "list --action greylist: config map gone: retry_after left out, window_left kept" \
	test "$RC" -eq 0 -a "$(lines)" -eq 3 -a "$(grep -c 'retry_after=' <<<"$OUT")" -eq 0 -a \
	"$(grep -c ' window_left=[0-9]*s$' <<<"$OUT")" -eq 3
config_map 45 || not_ok "config map written again with bpftool"

# --- stats
ncpus=$(awk -F, '{ for (i = 1; i <= NF; i++) { n = split($i, r, "-");
	c += n == 2 ? r[2] - r[1] + 1 : 1 } } END { print c }' /sys/devices/system/cpu/possible)
# breakdown - the last run's breakdown block (up to the blank line), with
# runs of spaces squeezed and leading ones dropped
breakdown() { sed -n '/^$/q; s/  */ /g; s/^ //; p' <<<"$OUT"; }
# bd_has LINE - the breakdown has LINE (spaces squeezed)
bd_has() { grep -qxF "$1" <<<"$(breakdown)"; }
# counters - the last run's lines after the blank line
counters() { sed '1,/^$/d' <<<"$OUT"; }
# aligned - the breakdown's numbers end in one column
aligned() {
	[ "$(sed -n '/^$/q; /^greylist:/d; /^overload:/d; /^dns:/d; /^sender keys:/d; p' <<<"$OUT" |
		awk '{ match($0, /: *[0-9]+/); print RSTART + RLENGTH }' | sort -u | wc -l)" -eq 1 ]
}
CAUSES=("S25R+greylist" DNSBL country "static tables" throttle other)

run -c "$CONF" stats
check "stats, all zero: exit 0" rc_is 0
check "stats, all zero: connections (SYNs): 0" bd_has "connections (SYNs): 0"
check "stats, all zero: accepted 0, no share ('-')" bd_has "accepted: 0 -"
check "stats, all zero: refused 0, no share ('-')" bd_has "refused: 0 -"
for c in "${CAUSES[@]}"; do
	check "stats, all zero: $c: 0 - of refused" bd_has "$c: 0 - of refused"
done
check "stats, all zero: the greylist line" \
	bd_has "greylist: first contacts 0, promoted 0, expired 0, sent to responder 0, repeats reset by the kernel 0"
check "stats, all zero: no nan or inf" test -z "$(grep -iE 'nan|inf' <<<"$OUT")"
check "stats, all zero: the overload line" \
	bd_has "overload: 0 episode(s); SYNs not judged: told to come back 0, passed 0; sources over the DNS budget 0, over their network's share 0; proved by a handshake 0"
check "stats, all zero: the dns line" \
	bd_has "dns: queries sent 0, answered 0, timed out 0, failed 0; verdicts by timeout only (unproven) 0"
check "stats, all zero: the sender keys line" \
	bd_has "sender keys: SPF checks 0, passed 0; new clients passed on a sender pool's clock 0"
check "stats, all zero: 13 breakdown lines, a blank line, then the counters" \
	test "$(breakdown | grep -c '')" -eq 13 -a "$(sed -n 14p <<<"$OUT")" = "" -a \
	"$(sed -n 15p <<<"$OUT")" = "packets 0"

# The daemon's counters (the decisions map): the seeds' kind of numbers.
if ! { count decisions "$STAT_ACCEPTED" 4321 &&
	count decisions "$STAT_REFUSED_GREYLIST" 5000 &&
	count decisions "$STAT_REFUSED_DNSBL" 2000 &&
	count decisions "$STAT_REFUSED_COUNTRY" 900 &&
	count decisions "$STAT_REFUSED_TABLE" 100 &&
	count decisions "$STAT_REFUSED_THROTTLE" 20 &&
	count decisions "$STAT_REFUSED_OTHER" 4 &&
	count decisions "$STAT_GREYLIST_FIRST" 300 &&
	count decisions "$STAT_PROMOTED" 120 &&
	count decisions "$STAT_GREYLIST_EXPIRED" 40 &&
	count decisions "$STAT_TO_RESPONDER" 800 &&
	count decisions "$STAT_REPEAT_RESETS" 700; }; then
	not_ok "decisions counters written with bpftool"
fi
run -c "$CONF" stats
check "stats: connections = accepted + refused (12345)" bd_has "connections (SYNs): 12345"
check "stats: accepted 4321, 35.0% of the connections" bd_has "accepted: 4321 35.0%"
check "stats: refused 8024 (the sum of the causes), 65.0%" bd_has "refused: 8024 65.0%"
check "stats: S25R+greylist 5000, 62.3% of refused" bd_has "S25R+greylist: 5000 62.3% of refused"
check "stats: DNSBL 2000, 24.9% of refused" bd_has "DNSBL: 2000 24.9% of refused"
check "stats: country 900, 11.2% of refused" bd_has "country: 900 11.2% of refused"
check "stats: static tables 100, 1.2% of refused" bd_has "static tables: 100 1.2% of refused"
check "stats: throttle 20, 0.2% of refused" bd_has "throttle: 20 0.2% of refused"
check "stats: other 4, 0.0% of refused" bd_has "other: 4 0.0% of refused"
check "stats: the greylist line" \
	bd_has "greylist: first contacts 300, promoted 120, expired 40, sent to responder 800, repeats reset by the kernel 700"
check "stats: the causes are indented under refused" \
	test "$(grep -cE '^  [A-Za-z0-9+ ]+: +[0-9]+ ' <<<"$OUT")" -eq 6
check "stats: the numbers are right-aligned in one column" aligned
check "stats: no breakdown line reads as a 'name value' counter" \
	test "$(breakdown | grep -cE '^[a-z0-9_]+ [0-9]+$')" -eq 0

# Overload: the kernel's SYNs told to come back add to the daemon's; the
# stress gauge says one is going on.
if ! { count decisions "$STAT_OVERLOAD_EPISODES" 2 && count decisions "$STAT_STRESS" 1 &&
	count decisions "$STAT_OVERLOAD_TEMPFAIL" 50000 && count decisions "$STAT_DNS_SENT" 77; }; then
	not_ok "overload counters written with bpftool"
fi
run -c "$CONF" stats
check "stats: the overload line, an episode going on" \
	bd_has "overload: 2 episode(s), in one now; SYNs not judged: told to come back 50000, passed 0; sources over the DNS budget 0, over their network's share 0; proved by a handshake 0"
check "stats: the dns line" \
	bd_has "dns: queries sent 77, answered 0, timed out 0, failed 0; verdicts by timeout only (unproven) 0"
check "stats: overload counters by name" grep -qxF "overload_episodes 2" <<<"$(counters)"
count decisions "$STAT_STRESS" 0

# The tc program's per-CPU counters add to the daemon's.
if ! { count stats "$STAT_ACCEPTED" 1 && count stats "$STAT_REFUSED_COUNTRY" 2; }; then
	not_ok "breakdown counters written with bpftool"
fi
run -c "$CONF" stats
# pct PART WHOLE - PART as a share of WHOLE, one decimal: "35.0%"
pct() { awk -v a="$1" -v t="$2" 'BEGIN { printf "%.1f%%", 100 * a / t }'; }
acc=$((4321 + ncpus)) ref=$((8024 + 2 * ncpus)) cty=$((900 + 2 * ncpus))
tot=$((acc + ref))
check "stats: kernel and daemon summed: connections $tot" bd_has "connections (SYNs): $tot"
check "stats: ... accepted $acc $(pct $acc $tot)" bd_has "accepted: $acc $(pct $acc $tot)"
check "stats: ... refused $ref $(pct $ref $tot)" bd_has "refused: $ref $(pct $ref $tot)"
check "stats: ... country $cty $(pct $cty $ref) of refused" \
	bd_has "country: $cty $(pct $cty $ref) of refused"
check "stats: ... and in the counter list (accepted $acc)" grep -qxF "accepted $acc" <<<"$(counters)"

if ! { count stats "$STAT_SYN" 5 && count stats $((STAT_ACTION + BLOCK)) 3 &&
	count stats $((STAT_REASON + 1)) 2 && count rule_hits 1 4; }; then
	not_ok "counters written with bpftool"
fi
run -c "$CONF" stats
OUT_ALL=$OUT OUT=$(counters)
check "stats: exit 0" rc_is 0
check "stats: after the blank line every counter, zeros too ($(lines) lines: $STAT_MAX + $((S25R_ALL + 1)) rules)" \
	test "$(lines)" -eq $((STAT_MAX + S25R_ALL + 1))
check "stats: 'name value' lines" test "$(grep -cE '^[a-z0-9_]+ [0-9]+$' <<<"$OUT")" -eq "$(lines)"
check "stats: no name twice" test -z "$(cut -d' ' -f1 <<<"$OUT" | sort | uniq -d)"
check "stats: per-CPU counters summed (syn = 5 x $ncpus CPUs)" out_has_line "syn $((5 * ncpus))"
check "stats: action_block = 3 x $ncpus" out_has_line "action_block $((3 * ncpus))"
check "stats: reason_s25r1 = 2 x $ncpus" out_has_line "reason_s25r1 $((2 * ncpus))"
check "stats: the daemon's counters listed (refused_greylist 5000)" \
	out_has_line "refused_greylist 5000"
check "stats: ... (to_responder 800)" out_has_line "to_responder 800"
check "stats: zeros printed (packets 0)" out_has_line "packets 0"
check "stats: unassigned reason slots printed (reason_bit31 0)" out_has_line "reason_bit31 0"
check "stats: the new reasons have names (reason_waited 0)" out_has_line "reason_waited 0"
check "stats: the daemon's rule counters (rule_s25r1 4)" out_has_line "rule_s25r1 4"
OUT=$OUT_ALL

# --- JSON (-j, --json): one document, parsed by a real JSON parser
# (tests/e2e/jsonq.py: strict UTF-8, no name twice, nothing after it)
JSONQ=$REPO/tests/e2e/jsonq.py
DOC=$TMP/doc.json
# jrun ARGS... - mxgatectl, its standard output kept whole in $DOC; OUT,
# ERR and RC as run sets them
jrun() {
	"$CTL" "$@" >"$DOC" 2>"$TMP/err"; RC=$?
	OUT=$(cat "$DOC"); ERR=$(cat "$TMP/err")
}
# is_json - the last output is one JSON document on one line
is_json() { [ "$(grep -c '' "$DOC")" -eq 1 ] && python3 "$JSONQ" "$DOC"; }
# jget EXPR... - Python expressions over the last document (d)
jget() { python3 "$JSONQ" "$DOC" "$@"; }
# jis EXPR WANT - EXPR over the last document prints WANT
jis() { [ "$(jget "$1" 2>&1)" = "$2" ]; }
# rc_json N - the last run exited with N and printed one JSON document
rc_json() { [ "$RC" -eq "$1" ] && is_json; }
# usage_error - the last run: exit 2, nothing on stdout, one error line
usage_error() { [ "$RC" -eq 2 ] && [ -z "$OUT" ] && one_error; }
# usage_error_saying TEXT - usage_error, and the line holds TEXT
usage_error_saying() { usage_error && err_has "$1"; }
# no_raw_controls - the last output holds no ESC byte and no C1 CSI
no_raw_controls() { ! LC_ALL=C grep -q $'\033' "$DOC" && ! LC_ALL=C grep -qF $'\302\233' "$DOC"; }
# The members of every verdict object, in order (mxgatectl(8)).
VKEYS="address action reasons decided_unix decided_at age_s expired expires_in_s expires_unix expires_at hits dnsbl_score retry_after_s window_left_s unproven"
# TEXT_OF - a Python function of a verdict object giving the line lookup
# prints for it: the JSON says what the text says, field by field
TEXT_OF='(lambda v: "%s %s reasons=%s age=%ds %s hits=%d%s%s%s%s" % (v["address"], v["action"],
	",".join(v["reasons"]) or "-", v["age_s"],
	"expired" if v["expired"] else "expires_in=%ds" % v["expires_in_s"], v["hits"],
	" dnsbl=%d" % v["dnsbl_score"] if set(v["reasons"]) & {"dnsbl", "dnswl"} or v["dnsbl_score"] else "",
	"" if v["retry_after_s"] is None else " retry_after=%ds" % v["retry_after_s"],
	"" if v["window_left_s"] is None else " window_left=%ds" % v["window_left_s"],
	" unproven" if v["unproven"] else ""))'
# json_like_text ARGS... - lookup or list, as text and with -j: the JSON
# rebuilt as text is the text, line for line (a second that ticks
# between the two runs gets two more tries)
json_like_text() {
	local text cmd=$1 expr
	shift
	if [ "$cmd" = lookup ]; then
		expr="$TEXT_OF(d[\"verdict\"])"
	else
		expr="\"\\n\".join(sorted($TEXT_OF(v) for v in d[\"verdicts\"]))"
	fi
	for _ in 1 2 3; do
		run -c "$CONF" "$cmd" "$@"; text=$(sort <<<"$OUT")
		jrun -c "$CONF" -j "$cmd" "$@"
		[ -n "$text" ] && [ "$(jget "$expr")" = "$text" ] && return 0
	done
	return 1
}

jrun -c "$CONF" -j lookup 198.51.100.40
check "lookup -j: a live verdict exits 0 (rc $RC)" rc_is 0
check "lookup -j: one JSON document, one line ($OUT)" is_json
check "lookup -j: address, found, verdict" \
	jis '" ".join(d.keys()) + " " + d["address"] + " " + str(d["found"])' "address found verdict 198.51.100.40 True"
check "lookup -j: the verdict's members, every one, in order" jis '" ".join(d["verdict"].keys())' "$VKEYS"
check "lookup -j: numbers are numbers, the reasons an array, the address a string" \
	jis '[type(d["verdict"][k]).__name__ for k in ("address", "reasons", "age_s", "hits", "expired", "retry_after_s")]' \
	'["str", "list", "int", "int", "bool", "int"]'
check "lookup -j: says what lookup says (a greylist entry with its clock)" json_like_text lookup 198.51.100.40
now_s=$(date +%s)
check "lookup -j: decided_unix is now - age (+-2 s) ($(jget 'd["verdict"]["decided_unix"], d["verdict"]["age_s"]') at $now_s)" \
	jis "abs(d[\"verdict\"][\"decided_unix\"] + d[\"verdict\"][\"age_s\"] - $now_s) <= 2" true
check "lookup -j: expires_unix is now + expires_in (+-2 s)" \
	jis "abs(d[\"verdict\"][\"expires_unix\"] - d[\"verdict\"][\"expires_in_s\"] - $now_s) <= 2" true
t=$(jget 'd["verdict"]["decided_unix"]')
check "lookup -j: decided_at is decided_unix in UTC, RFC 3339" \
	jis 'd["verdict"]["decided_at"]' "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)"
check "lookup -j: an expired entry (says what lookup says)" json_like_text lookup 198.51.100.41
check "lookup -j: a prefix entry" json_like_text lookup 203.0.113.77/24
check "lookup -j: a DNSBL score" json_like_text lookup 192.0.2.99
check "lookup -j: IPv6" json_like_text lookup 2001:DB8:0::25
jrun -c "$CONF" --json lookup 198.51.100.30
check "--json lookup: an expired verdict exits 1, expired true, expires_in_s 0" \
	test "$RC" -eq 1 -a "$(jget 'd["verdict"]["expired"], d["verdict"]["expires_in_s"]')" = "[true, 0]"
jrun -c "$CONF" -j lookup 192.0.2.1
check "lookup -j: no verdict exits 1: found false, verdict null" \
	test "$RC" -eq 1 -a "$OUT" = '{"address":"192.0.2.1","found":false,"verdict":null}'
jrun -c "$CONF" -j lookup 198.51.100.256
check "lookup -j: a bad address is exit 2, one 'mxgatectl: ' line, no document" usage_error

jrun -c "$CONF" -j list
check "list -j: exit 0, one document" rc_json 0
check "list -j: {\"verdicts\": [8 objects]}" jis '" ".join(d.keys()), len(d["verdicts"])' '["verdicts", 8]'
check "list -j: every address once" \
	jis '" ".join(sorted(v["address"] for v in d["verdicts"]))' "$(tr ' ' '\n' <<<"$ALL" | sort | tr '\n' ' ' | sed 's/ $//')"
check "list -j: every object has the same members as lookup's" \
	jis "all(\" \".join(v.keys()) == \"$VKEYS\" for v in d[\"verdicts\"])" true
check "list -j: says what list says, line for line" json_like_text list
check "list -j --action greylist: the same 3 as the text" json_like_text list --action greylist
jrun -c "$CONF" -j list --action throttle
check "list -j --action throttle: none is an empty array, exit 0" \
	test "$RC" -eq 0 -a "$OUT" = '{"verdicts":[]}'

jrun -c "$CONF" -j stats
check "stats -j: exit 0, one document" rc_json 0
check "stats -j: its members" \
	jis '" ".join(d.keys())' "connections accepted refused refused_by counters rule_hits"
run -c "$CONF" stats
check "stats -j: every counter, by the names and with the values of the text" \
	test "$(jget '("\n".join("%s %d" % kv for kv in d["counters"].items()) + "\n" +
		"\n".join("rule_%s %d" % kv for kv in d["rule_hits"].items()))')" = "$(counters)"
check "stats -j: connections, accepted, refused as in the breakdown" \
	test "$(jget '"%d %d %d" % (d["connections"], d["accepted"], d["refused"])')" = \
	"$(breakdown | sed -nE 's/^(connections \(SYNs\)|accepted|refused): ([0-9]+).*/\2/p' | tr '\n' ' ' | sed 's/ $//')"
check "stats -j: refused_by sums to refused" jis 'sum(d["refused_by"].values()) == d["refused"]' true
check "stats -j: refused_by's members" \
	jis '" ".join(d["refused_by"])' "greylist dnsbl country table throttle other"
check "stats -j: refused_by.greylist is refused_greylist (5000)" \
	jis 'd["refused_by"]["greylist"], d["counters"]["refused_greylist"]' '[5000, 5000]'

jrun -p "$TMP/nowhere" -j check a12a190.neo.rr.com
check "check -j HOSTNAME: exit 1 for a rule ($OUT)" rc_json 1
check "check -j HOSTNAME: rule 1" \
	jis 'd["hostname"], d["clean"], d["rule"]' '["a12a190.neo.rr.com", false, "s25r1"]'
check "check -j HOSTNAME: the rule's pattern" jis 'len(d["pattern"]) > 3' true
jrun -p "$TMP/nowhere" -j check mail.example.org
check "check -j HOSTNAME: clean, exit 0 ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = '{"hostname":"mail.example.org","clean":true,"rule":null,"pattern":null}'
# Any bytes: control characters (ESC starts a terminal sequence), a C1
# control (CSI), quotes, a backslash, invalid UTF-8 (a stray 0xff, a
# truncated euro sign), valid UTF-8.
printf 'a\001b\033[31m"q"\\\302\233\377\342\202.caf\303\251.example' > "$TMP/name.bin"
jrun -p "$TMP/nowhere" -j check "$(cat "$TMP/name.bin")"
# Not a host name: an error (exit 2, one line, nothing on stdout), the
# bytes escaped so that nothing reaches the terminal raw.
check "check -j with control bytes and invalid UTF-8 in the name: an error, one line ($ERR)" \
	usage_error
# err_escaped - the last error holds the name's bytes as \xHH, no raw ESC or CSI
err_escaped() {
	! LC_ALL=C grep -q $'\033' <<<"$ERR" && ! LC_ALL=C grep -qF $'\302\233' <<<"$ERR" &&
		grep -qF 'a\x01b\x1b[31m' <<<"$ERR"
}
check "check: the name in the error is escaped (no raw ESC or CSI)" err_escaped

for args in "-j forget 198.51.100.20" "--json reload" "-n stats" "-d lookup 192.0.2.1"; do
	# shellcheck disable=SC2086 # the words are the arguments
	jrun -c "$CONF" $args
	check "usage error: mxgatectl $args: exit 2, one 'mxgatectl: ' line, nothing on stdout ($ERR)" \
		usage_error
done
run -c "$CONF" lookup 198.51.100.20
check "-j goes with reads only: forget -j left the verdict alone" rc_is 0

# --- forget
run -c "$CONF" forget 198.51.100.20
check "forget: a verdict is removed, exit 0" rc_is 0
run -c "$CONF" lookup 198.51.100.20
check "forget: ... and lookup no longer finds it" rc_is 1
run -c "$CONF" forget 198.51.100.20
check "forget: an absent verdict is exit 1" rc_is 1
check "forget: ... with one 'mxgatectl: ' line ($ERR)" one_error
run -c "$CONF" forget 203.0.113.0/24
check "forget: a prefix entry" rc_is 0
run -c "$CONF" list
check "forget: list shows the 6 left" test "$RC" -eq 0 -a "$(lines)" -eq 6
check "forget: nothing was written outside the test directory" test ! -e "$TMP/state"

# --- check: no daemon, no maps needed
run -p "$TMP/nowhere" check dsl411.rbh-brktel.pppoe.execulink.com
check "check: a dynamic name names its rule, exit 1 ($OUT)" \
	test "$RC" -eq 1 -a "$OUT" = "dsl411.rbh-brktel.pppoe.execulink.com: s25r6"
run -p "$TMP/nowhere" check a12a190.neo.rr.com
check "check: rule 1 ($OUT)" test "$RC" -eq 1 -a "$OUT" = "a12a190.neo.rr.com: s25r1"
run -p "$TMP/nowhere" check mail.example.org
check "check: a clean name, exit 0 ($OUT)" test "$RC" -eq 0 -a "$OUT" = "mail.example.org: clean"

# --- where the maps are, and what is said when they are not there
run -p "$TMP/nowhere" lookup 192.0.2.1
check "no maps: exit 2" rc_is 2
check "no maps: one line naming the path and the likely cause ($ERR)" \
	err_has "$TMP/nowhere does not exist: mxgated has never run, or pin_dir is wrong"
check "no maps: ... and only one line" one_error
mkdir "$PIN/half" && bpftool map create "$PIN/half/verdicts" type lru_hash \
	key "$KEY_SIZE" value "$VALUE_SIZE" entries 16 name verdicts
run -p "$PIN/half" list
check "no maps: the missing map is named ($ERR)" err_has "$PIN/half/stats does not exist"
mkdir "$PIN/newer" && bpftool map create "$PIN/newer/verdicts" type lru_hash \
	key "$KEY_SIZE" value $((VALUE_SIZE + 8)) entries 16 name verdicts
run -p "$PIN/newer" lookup 192.0.2.1
check "a verdicts map of a newer layout is refused, exit 2, in one line ($ERR)" \
	test "$RC" -eq 2 -a -z "$OUT" && one_error && err_has "is of another mxgate version"
printf 'pin_dir = %s\n' "$TMP/nowhere" > "$TMP/wrong.conf"
run -c "$TMP/wrong.conf" lookup 192.0.2.99
check "-c: pin_dir comes from the file" err_has "$TMP/nowhere does not exist"
run -c "$TMP/wrong.conf" -p "$PIN" lookup 192.0.2.99
check "-p wins over the file's pin_dir" rc_is 0
printf 'pin_dir = %s\nports = 70000\n' "$PIN" > "$TMP/bad.conf"
run -c "$TMP/bad.conf" lookup 192.0.2.99
check "-c: a bad file is exit 2" rc_is 2
check "-c: ... reported as FILE:LINE ($ERR)" \
	err_has "mxgatectl: $TMP/bad.conf:2: ports: \"70000\" is not a port"

# --- config: the configuration in force, like postconf (-n, -d)
# A file that changes some keys, says two defaults another way
# (verdict_ttl_pass, queue) and leaves the rest alone.
cat > "$TMP/cfg.conf" <<EOC
interfaces = eth0, eth1
ports = 587, 25
queue = 0
pin_dir = $PIN
rules_cmd = none
verdict_ttl_pass = 24h
s25r_action = block
greylist_delay = 10m
EOC
CHANGED="interfaces ports pin_dir rules_cmd s25r_action greylist_delay"
MXGATED=$BUILD/mxgated
# keys_of - the keys of the last run's "key = value" lines, one line
keys_of() { awk '{ print $1 }' <<<"$OUT" | paste -sd ' '; }
# in_table_order KEYS - KEYS sorted as mxgated -d lists them
in_table_order() { "$CTL" config -d | sed 's/ =.*//' | grep -xF "$(tr ' ' '\n' <<<"$1")" | tr '\n' ' ' | sed 's/ $//'; }

run -c "$TMP/cfg.conf" config
check "config: exit 0, every key, one line each ($(lines) lines)" \
	test "$RC" -eq 0 -a "$(lines)" -eq "$("$CTL" config -d | grep -c '')" -a "$(lines)" -gt 40
check "config: 'key = value' lines" test "$(grep -cE '^[a-z0-9_]+ =( .*)?$' <<<"$OUT")" -eq "$(lines)"
if [ -x "$MXGATED" ]; then
	check "config: the same text as mxgated -p, byte for byte" \
		test "$OUT" = "$("$MXGATED" -c "$TMP/cfg.conf" -p 2>/dev/null)"
	check "config -d: the same text as mxgated -d" test "$("$CTL" config -d)" = "$("$MXGATED" -d)"
else
	not_ok "mxgated is built, to compare config with mxgated -p"
fi
run -c "$TMP/cfg.conf" config -n
check "config -n: exactly the keys the file changed, in the table's order ($(keys_of))" \
	test "$RC" -eq 0 -a "$(keys_of)" = "$(in_table_order "$CHANGED")"
check "config -n: each line as config prints it" \
	test "$OUT" = "$("$CTL" -c "$TMP/cfg.conf" config | grep -E "^($(tr ' ' '|' <<<"$CHANGED")) =")"
check "config -n: a default said another way (24h, queue = 0) is not a change" \
	test -z "$(grep -E '^(verdict_ttl_pass|queue) ' <<<"$OUT")"
check "config -n: the value in force (ports = 587, 25)" out_has_line "ports = 587, 25"
check "config -n: the value in force (greylist_delay = 10m)" out_has_line "greylist_delay = 10m"
run -c "$TMP/cfg.conf" config greylist_delay ports queue greylist_delay
check "config KEY...: those keys, in the order asked, each once ($(keys_of))" \
	test "$RC" -eq 0 -a "$OUT" = "$(printf 'greylist_delay = 10m\nports = 587, 25\nqueue = 0')"
run -c "$TMP/cfg.conf" config -n queue ports
check "config -n KEY...: only those that changed ($OUT)" test "$RC" -eq 0 -a "$OUT" = "ports = 587, 25"
run -c "$TMP/cfg.conf" config -d ports greylist_delay
check "config -d KEY...: the defaults, not the file's" \
	test "$RC" -eq 0 -a "$OUT" = "$(printf 'ports = 25\ngreylist_delay = 25m')"
run -c "$TMP/cfg.conf" config ports no_such_key queue
check "config: an unknown key is exit 2, nothing printed, one line naming it ($ERR)" \
	usage_error_saying '"no_such_key" is not a key'
run -c "$TMP/cfg.conf" config mark_tarpit
check "config: an old name the file still takes is not a key to show" usage_error
run -c "$TMP/bad.conf" config
check "config: a bad file is exit 2, reported as FILE:LINE ($ERR)" \
	usage_error_saying "$TMP/bad.conf:2: ports:"
run -c "$TMP/bad.conf" config -d ports
check "config -d: the file is not read ($OUT)" test "$RC" -eq 0 -a "$OUT" = "ports = 25"
run -c "$TMP/cfg.conf" -p /elsewhere config pin_dir
check "config: -p does not change what the file says ($OUT)" test "$OUT" = "pin_dir = $PIN"
run -c "$TMP/cfg.conf" config -n -d
check "config -n -d: exit 2, one line ($ERR)" usage_error
jrun -c "$TMP/cfg.conf" -j config -n
check "config -j -n: one document" rc_json 0
check "config -j -n: the changed keys, in order, values as the file says them" \
	jis '" ".join("%s=%s" % kv for kv in d.items())' \
	"$(tr '\n' ' ' <<<"$("$CTL" -c "$TMP/cfg.conf" config -n | sed 's/ = /=/')" | sed 's/ $//')"
jrun -c "$TMP/cfg.conf" --json config
check "config --json: every key, the values of the text" \
	test "$(jget '"\n".join(("%s = %s" % kv if kv[1] else "%s =" % kv[0]) for kv in d.items())')" = \
	"$("$CTL" -c "$TMP/cfg.conf" config)"
jrun -c "$TMP/cfg.conf" -j config -d no_such_key
check "config -j: an unknown key prints no document" usage_error

# --- status: the summary, with maps pinned by hand and a stand-in daemon
# Gauges and counters as mxgated would have set them; their ids from
# the order stats prints them in (id 0 first).
run -c "$CONF" stats
STATS_ALL=$OUT
# stat_id NAME - the counter id of NAME
stat_id() { counters_of_stats | grep -n "^$1 " | cut -d: -f1 | awk '{ print $1 - 1 }'; }
counters_of_stats() { sed '1,/^$/d' <<<"$STATS_ALL"; }
if ! { count decisions "$(stat_id store_records)" 3 && count decisions "$(stat_id store_bytes)" 8192 &&
	count decisions "$(stat_id store_pruned)" 1 && count decisions "$(stat_id pending)" 0 &&
	count decisions "$(stat_id rules_restored)" 2; }; then
	not_ok "store and rules counters written with bpftool"
fi
# A throttle map with two buckets, as the tc program keeps them.
# shellcheck disable=SC2046 # keys and values split into bytes on purpose
if ! { bpftool map create "$PIN/throttle" type lru_hash key "$KEY_SIZE" value 8 \
		entries 64 name throttle &&
	bpftool map update pinned "$PIN/throttle" key $(key_v4 198 51 100 20) value $(le 1 8) &&
	bpftool map update pinned "$PIN/throttle" key $(key_v4 198 51 100 0 120) value $(le 1 8); }; then
	not_ok "throttle map pinned with bpftool"
fi
VERSION=$(sed -nE 's/^#define MXG_VERSION[[:space:]]+"(.*)"/\1/p' "$REPO/daemon/version.h")
cat > "$TMP/status.conf" <<EOC
pin_dir = $PIN
pid_file = $TMP/run/mxgated.pid
rules_cmd = none
interfaces = mxgnotthere0
EOC
mkdir -p "$TMP/run"
# status_line TOPIC - the last run's line for "TOPIC: "
status_line() { grep -E "^$1: " <<<"$OUT"; }

run -c "$TMP/status.conf" status
check "status: exit 0 when the rules are not managed by mxgate" rc_is 0
check "status: the version line (version: $VERSION)" out_has_line "version: $VERSION"
check "status: mxgated not running, the pid file named ($(status_line mxgated))" \
	out_has_line "mxgated: not running (no pid in $TMP/run/mxgated.pid)"
check "status: the rules line" out_has_line "rules: not managed by mxgate (rules_cmd = none)"
check "status: the reinstalls" out_matches '^rules restored: 2 \('
check "status: a configured interface that is not there ($(status_line interfaces))" \
	out_matches '^interfaces: mxgnotthere0 \(no such interface here\)'
nv=$("$CTL" -c "$CONF" list | grep -vc ' unproven$')
check "status: map fill, counted ($(status_line maps))" \
	out_has_line "maps: verdicts $nv/1024 ($(awk -v n="$nv" 'BEGIN { printf "%.1f", 100 * n / 1024 }')%), throttle 2/64 (3.1%)"
check "status: the store line" out_has_line "store: 3 record(s), 8 KiB in use (1 pruned while running)"
check "status: the overload line" out_has_line "overload: no (2 episode(s) so far; 0 lookup(s) pending)"
check "status: resolver unknown while mxgated is not running" \
	out_has_line "resolver: unknown (mxgated is not running)"
check "status: one line per topic, in order" \
	test "$(cut -d: -f1 <<<"$OUT" | paste -sd ' ')" = "version mxgated rules rules restored interfaces resolver overload maps store sharing"
check "status: sharing off on a single gateway" \
	out_has_line "sharing: off (redis_server is not set: this gateway learns alone)"

# A stand-in mxgated: a process of that name, its pid in pid_file.
cp "$(command -v sleep)" "$TMP/mxgated"
"$TMP/mxgated" 300 &
FAKE=$!
echo "$FAKE" > "$TMP/run/mxgated.pid"
sleep 1.2
run -c "$TMP/status.conf" status
l=$(status_line mxgated)
check "status: mxgated running, its pid and uptime ($l)" \
	grep -qE "^mxgated: running, pid $FAKE, up [1-9]s \(since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC\)$" <<<"$l"
check "status: resolver ok from the gauge (dns_down)" out_has_line "resolver: ok"
jrun -c "$TMP/status.conf" -j status
check "status -j: exit 0, one document" rc_json 0
check "status -j: its members" \
	jis '" ".join(d.keys())' "version mxgated rules interfaces resolver overload maps store sharing"
check "status -j: sharing off, no server" jis 'd["sharing"]["state"], d["sharing"]["server"], d["sharing"]["up"]' '["off", null, null]'
check "status -j: version" jis 'd["version"]' "$VERSION"
check "status -j: mxgated running, pid, uptime, start ($(jget 'd["mxgated"]') at $(date +%s))" \
	jis "d[\"mxgated\"][\"running\"], d[\"mxgated\"][\"pid\"], 1 <= d[\"mxgated\"][\"uptime_s\"] <= 9, abs(d[\"mxgated\"][\"started_unix\"] + d[\"mxgated\"][\"uptime_s\"] - $(date +%s)) <= 10, d[\"mxgated\"][\"why_not\"]" \
	"[true, $FAKE, true, true, null]"
check "status -j: started_at is started_unix in UTC" \
	jis 'd["mxgated"]["started_at"]' "$(date -u -d "@$(jget 'd["mxgated"]["started_unix"]')" +%Y-%m-%dT%H:%M:%SZ)"
check "status -j: rules not managed: loaded and mode null, restored 2" \
	jis 'd["rules"]["managed"], d["rules"]["loaded"], d["rules"]["mode"], d["rules"]["restored"]' "[false, null, null, 2]"
check "status -j: the interface" \
	jis 'd["interfaces"][0]' '{"name": "mxgnotthere0", "configured": true, "exists": false, "attached": false, "prog_id": null, "program": null}'
check "status -j: map fill" \
	jis 'd["maps"]["pinned"], d["maps"]["verdicts"], d["maps"]["unproven"], d["maps"]["throttle"]' \
	"[true, {\"entries\": $nv, \"max_entries\": 1024, \"exact\": true}, null, {\"entries\": 2, \"max_entries\": 64, \"exact\": true}]"
check "status -j: store and overload" \
	jis 'd["store"], d["overload"]' '[{"records": 3, "bytes": 8192, "pruned": 1}, {"active": false, "episodes": 2, "pending": 0}]'
check "status -j: resolver health is a word" jis 'd["resolver"]["health"] in ("ok", "down", "unknown")' true
kill "$FAKE"
wait "$FAKE" 2>/dev/null
run -c "$TMP/status.conf" status
check "status: a killed daemon's stale pid ($(status_line mxgated))" \
	out_has_line "mxgated: not running (pid $FAKE from $TMP/run/mxgated.pid is not running)"
echo $$ > "$TMP/run/mxgated.pid"
jrun -c "$TMP/status.conf" -j status
check "status -j: a pid that is another program" \
	jis 'd["mxgated"]["running"], d["mxgated"]["why_not"]' \
	"[false, \"pid $$ from $TMP/run/mxgated.pid is not mxgated\"]"
run -c "$TMP/status.conf" -p "$TMP/nowhere" status
check "status: nothing pinned: exit 0" rc_is 0
check "status: nothing pinned: says so ($(status_line maps))" \
	out_has_line "maps: not pinned under $TMP/nowhere (mxgated has not run)"
jrun -c "$TMP/status.conf" -p "$TMP/nowhere" -j status
check "status -j: nothing pinned: pinned false, counters null" \
	jis 'd["maps"]["pinned"], d["maps"]["verdicts"], d["store"], d["overload"], d["rules"]["restored"]' \
	"[false, null, null, null, null]"

# --- usage
run
check "no arguments: exit 2" rc_is 2
check "no arguments: usage on stderr only" test -z "$OUT" -a "${ERR#usage:}" != "$ERR"
run -h
check "-h: usage, exit 2" test "$RC" -eq 2 -a "${ERR#usage:}" != "$ERR"
for args in "frobnicate" "lookup" "lookup 192.0.2.1 192.0.2.2" "list extra" "check"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run -c "$CONF" $args
	check "usage error: mxgatectl $args (exit $RC)" rc_is 2
done

tally ctl
