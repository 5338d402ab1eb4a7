#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_ctl.sh - mxgatectl against maps pinned by hand, without mxgated:
# the maps are created with bpftool on a bpffs in a private directory and
# filled with known verdicts and counters; lookup, list, stats, forget
# and check must print them as mxgatectl(8) says, with its exit codes
# (0 yes, 1 no, 2 error) and one-line "mxgatectl: " errors. Needs root
# (mount, bpftool); touches nothing outside its temporary directory.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/e2e/tap.sh
. "$REPO/tests/e2e/tap.sh"
BUILD=${BUILD:-$REPO/build}
CTL=$BUILD/mxgatectl
TMP=$(mktemp -d /tmp/mxgate-ctl.XXXXXX)
PIN=$TMP/bpf
CONF=$TMP/mxgate.conf
NS=1000000000

# cleanup - unmount what we mounted, remove the directory (on EXIT)
cleanup() {
	mountpoint -q "$PIN" && umount -l "$PIN"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# fail_early WHAT - the suite cannot run at all
fail_early() {
	not_ok "$1"
	tally ctl
	exit 1
}

[ -x "$CTL" ] || fail_early "$CTL is built (make build/mxgatectl)"
if ! { mkdir -p "$PIN" && mount -t bpf bpf "$PIN"; }; then
	fail_early "bpffs mounted on $PIN"
fi

# The sizes mxgatectl expects, from the shared header, not copied here.
cat > "$TMP/sizes.c" <<'EOF'
#include <stdio.h>
#include <linux/types.h>
#include "mxgate.h"
#include "s25r.h"
int main(void)
{
	printf("%d %d %d %d %zu %zu\n", MXG_STAT_MAX, MXG_STAT_ACTION,
	       MXG_STAT_REASON, S25R_ALL, sizeof(struct mxg_key),
	       sizeof(struct mxg_verdict));
	return 0;
}
EOF
cc -I"$REPO/bpf" -I"$REPO/daemon" -o "$TMP/sizes" "$TMP/sizes.c" ||
	fail_early "the size probe compiles"
read -r STAT_MAX STAT_ACTION STAT_REASON S25R_ALL KEY_SIZE VALUE_SIZE < <("$TMP/sizes")

if ! { bpftool map create "$PIN/verdicts" type lru_hash key "$KEY_SIZE" \
		value "$VALUE_SIZE" entries 1024 name verdicts &&
	bpftool map create "$PIN/stats" type percpu_array key 4 value 8 \
		entries "$STAT_MAX" name stats &&
	bpftool map create "$PIN/rule_hits" type array key 4 value 8 \
		entries 32 name rule_hits; }; then
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

# put KEY SET_NS EXPIRES_NS REASONS HITS ACTION SCORE - write one verdict
put() {
	# shellcheck disable=SC2046,SC2086 # split into bytes on purpose
	bpftool map update pinned "$PIN/verdicts" key $1 \
		value $(le "$2" 8) $(le "$3" 8) $(le "$4" 4) $(le "$5" 4) \
		$(le "$6" 4) $(le "$7" 4)
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

# Actions and reasons by number (mxgate.h).
PASS=1 BLOCK=2 GREYLIST=3
R_S25R0=1 R_S25R1=2 R_FCRDNS=128 R_MANUAL=1024 R_DNSBL=8192

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
		$((R_S25R1 | R_FCRDNS)) 2 $BLOCK 0 &&
	put "$(key_v4 198 51 100 30)" $((now - 20 * NS)) $((now - 10 * NS)) \
		$R_FCRDNS 9 $PASS 0 &&
	put "$V6_KEY" $((now - 60 * NS)) $((now + 600 * NS)) $R_S25R0 0 $GREYLIST 0 &&
	put "$(key_v4 203 0 113 0 120)" $((now - 1 * NS)) $((now + 86400 * NS)) \
		$R_MANUAL 0 $BLOCK 0 &&
	put "$(key_v4 192 0 2 99)" $((now - 1 * NS)) $((now + 300 * NS)) \
		$R_DNSBL 1 $BLOCK 3; }; then
	fail_early "verdicts written with bpftool"
fi
cat > "$CONF" <<EOF
# written by test_ctl.sh
pin_dir = $PIN
state_dir = $TMP/state
EOF

# --- lookup
run -c "$CONF" lookup 198.51.100.20
line=$OUT
check "lookup: a live verdict exits 0 (rc $RC)" rc_is 0
check "lookup: the line reads 'ADDR action reasons=... age= expires_in= hits=' ($line)" \
	out_matches '^198\.51\.100\.20 block reasons=s25r1,fcrdns age=[0-9]+s expires_in=[0-9]+s hits=2$'
age=$(field age "$line") left=$(field expires_in "$line")
check "lookup: age counts from set_ns (age=${age}s)" test "${age:-0}" -ge 3 -a "${age:-0}" -lt 600
check "lookup: expires_in counts to expires_ns (${left}s)" \
	test "${left:-0}" -le 3597 -a "${left:-0}" -gt 3000
run -p "$PIN" lookup ::ffff:198.51.100.20
check "lookup: the v4-mapped spelling finds the same verdict" test "$RC" -eq 0 -a "$OUT" = "$line"
run -c "$CONF" lookup 198.51.100.30
check "lookup: an expired verdict exits 1" rc_is 1
check "lookup: ... and says 'expired' ($OUT)" \
	out_matches '^198\.51\.100\.30 pass reasons=fcrdns age=[0-9]+s expired hits=9$'
run -c "$CONF" lookup 192.0.2.1
check "lookup: no verdict prints 'ADDR none' and exits 1" test "$RC" -eq 1 -a "$OUT" = "192.0.2.1 none"
run -c "$CONF" lookup 2001:DB8:0::25
check "lookup: IPv6 exits 0" rc_is 0
check "lookup: ... printed canonically ($OUT)" \
	out_matches '^2001:db8::25 greylist reasons=s25r0 age=[0-9]+s expires_in=[0-9]+s hits=0$'
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
run -c "$CONF" list
check "list: exit 0" rc_is 0
check "list: one line per entry ($(lines) lines)" test "$(lines)" -eq 5
check "list: every line in lookup's format" \
	test "$(grep -cE '^[0-9a-f.:/]+ [a-z]+ reasons=[a-z0-9_,-]+ age=[0-9]+s (expires_in=[0-9]+s|expired) hits=[0-9]+( dnsbl=-?[0-9]+)?$' <<<"$OUT")" -eq 5
for a in 198.51.100.20 198.51.100.30 2001:db8::25 203.0.113.0/24 192.0.2.99; do
	check "list: shows $a" out_matches "^$a "
done
check "list: the same line as lookup" out_has_line "$line"

# --- stats
ncpus=$(awk -F, '{ for (i = 1; i <= NF; i++) { n = split($i, r, "-");
	c += n == 2 ? r[2] - r[1] + 1 : 1 } } END { print c }' /sys/devices/system/cpu/possible)
if ! { count stats 1 5 && count stats $((STAT_ACTION + BLOCK)) 3 &&
	count stats $((STAT_REASON + 1)) 2 && count rule_hits 1 4; }; then
	not_ok "counters written with bpftool"
fi
run -c "$CONF" stats
check "stats: exit 0" rc_is 0
check "stats: every counter, zeros too ($(lines) lines: $STAT_MAX + $((S25R_ALL + 1)) rules)" \
	test "$(lines)" -eq $((STAT_MAX + S25R_ALL + 1))
check "stats: 'name value' lines" test "$(grep -cE '^[a-z0-9_]+ [0-9]+$' <<<"$OUT")" -eq "$(lines)"
check "stats: no name twice" test -z "$(cut -d' ' -f1 <<<"$OUT" | sort | uniq -d)"
check "stats: per-CPU counters summed (syn = 5 x $ncpus CPUs)" out_has_line "syn $((5 * ncpus))"
check "stats: action_block = 3 x $ncpus" out_has_line "action_block $((3 * ncpus))"
check "stats: reason_s25r1 = 2 x $ncpus" out_has_line "reason_s25r1 $((2 * ncpus))"
check "stats: zeros printed (packets 0)" out_has_line "packets 0"
check "stats: unassigned reason slots printed (reason_bit31 0)" out_has_line "reason_bit31 0"
check "stats: the daemon's rule counters (rule_s25r1 4)" out_has_line "rule_s25r1 4"

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
check "forget: list shows the 3 left" test "$RC" -eq 0 -a "$(lines)" -eq 3
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
