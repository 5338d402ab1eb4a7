#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_throttle.sh - throttling as a mail admin sees it: with
# s25r_action = throttle an S25R client's SYNs go through a token bucket
# in the kernel (throttle_rate a minute, throttle_burst at once); over
# budget they are dropped and counted (refused_throttle), and the MTA
# never sees those attempts, while another client keeps its own budget and
# the throttled one gets in again once its bucket refills.
# client_connection_limit caps the SMTP sessions a client holds open at
# once (nftables ct count): with two open, a third cannot connect.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# One SYN every 20 s, three at once. The burst, the other client's
# attempts and the lookups between take about 12 s here, so a refill
# every 10 s (rate 6) let the first client in again before "still over
# budget" was checked.
RATE=3 BURST=3
LIMIT=2			# client_connection_limit
T1=80 T2=81		# two throttled clients, S25R rule 1
ATTEMPTS=10

setup_network || { echo "throttle: 0 passed, 1 failed"; exit 1; }
# Per-/24 buckets off: both clients are in 198.51.100.0/24, and this
# test is about the per-client budget.
if ! { add_client $T1 "p4$T1-ipngn300101nagoya.aichi" &&
	add_client $T2 "p4$T2-ipngn300101nagoya.aichi" &&
	start_nsd && start_postfix && start_mxgated "s25r_action = throttle
throttle_rate = $RATE
throttle_burst = $BURST
throttle_prefix_rate = 0
client_connection_limit = $LIMIT"; }; then
	not_ok "test world started"
	summary throttle
	exit 1
fi
t1=$(v4 $T1) t2=$(v4 $T2) clean=$(v4 $CLEAN)

# reached_mta FILE - the probe got the MTA's own banner
reached_mta() { grep -q '^banner=220 mx\.example ESMTP Postfix' "$1"; }
# attempt HOST TIMEOUT TAG - one fresh SMTP connection; ok if it got the
# MTA's banner
attempt() { smtp_probe "$1" quick "$2" > "$TMP/$3.out" 2>&1; reached_mta "$TMP/$3.out"; }

# --- First contact: judged by mxgated, throttle verdict, let through.
check "first contact of the throttled client reaches the MTA" attempt $T1 5 t1-first
check "lookup: throttle, S25R rule 1" lookup_has "$t1" " throttle reasons=s25r1,fcrdns "
check "log: throttle verdict" \
	log_has "verdict action=throttle client=$t1 .*rule=s25r1"

# --- A burst of fresh connections: about throttle_burst get through.
c0=$(mta_connects "$t1") r0=$(stat_value refused_throttle) n=0
for i in $(seq 1 $ATTEMPTS); do
	attempt $T1 0.5 "t1-burst$i" && n=$((n + 1))
done
c1=$(mta_connects "$t1") r1=$(stat_value refused_throttle)
check "burst of $ATTEMPTS connections: $n got through, at most throttle_burst ($BURST)" \
	test "$n" -ge 1 -a "$n" -le "$BURST"
check "... the MTA saw exactly those $n (connections logged: $c0 -> $c1)" test $((c1 - c0)) -eq "$n"
check "... the other $((ATTEMPTS - n)) were dropped in the kernel (refused_throttle ${r0:-?} -> ${r1:-?})" \
	test "${r1:-0}" -ge $((${r0:-0} + ATTEMPTS - n))
check "... each refused attempt saw no answer at all (connect timeout)" \
	test "$(cat "$TMP"/t1-burst*.out | grep -c '^connect=timeout')" -eq $((ATTEMPTS - n))
check "... the verdict is still throttle, not block" lookup_has "$t1" " throttle reasons="

# --- Another client keeps its own budget.
ok2=0
for i in $(seq 1 $BURST); do attempt $T2 3 "t2-$i" && ok2=$((ok2 + 1)); done
check "another throttled client is not affected: $ok2 of $BURST connections reached the MTA" \
	test "$ok2" -eq "$BURST"
check "... it is throttled too (lookup: throttle, S25R rule 1)" lookup_has "$t2" " throttle reasons=s25r1,fcrdns "
check "... while the first is still over budget" not attempt $T1 0.5 t1-still
# One SYN every 60/RATE s: the bucket refills and the client gets in again.
check "the first client gets in again once its bucket refills (within 15 s)" \
	wait_long 15 "t1 refilled" attempt $T1 0.5 t1-refilled

# --- client_connection_limit: two sessions open, the third cannot connect.
c0=$(mta_connects "$clean")
smtp_probe $CLEAN hold 6 > "$TMP/hold1.out" 2>&1 &
p1=$!
smtp_probe $CLEAN hold 6 > "$TMP/hold2.out" 2>&1 &
p2=$!
# connects_since N - the MTA logged more than N connections from clean
connects_since() { [ "$(mta_connects "$clean")" -gt "$1" ]; }
wait_for "$LIMIT sessions open" connects_since $((c0 + LIMIT - 1))
sleep 0.5
check "a clean client holds $LIMIT SMTP sessions with the MTA" \
	test $(($(mta_connects "$clean") - c0)) -eq $LIMIT
third=0
attempt $CLEAN 3 third && third=1
check "... a third cannot connect: $(tr '\n' ' ' < "$TMP/third.out")" test "$third" -eq 0
check "... no answer at all (dropped: connect timeout)" grep -q '^connect=timeout' "$TMP/third.out"
check "... the MTA never saw it ($((LIMIT)) connections logged)" \
	test $(($(mta_connects "$clean") - c0)) -eq $LIMIT
wait $p1 $p2
check "the two sessions inside the limit were served and held" \
	eval "grep -q '^end=held' '$TMP/hold1.out' && grep -q '^end=held' '$TMP/hold2.out'"
check "once they are closed, the client connects again" \
	wait_long 5 "a new session" attempt $CLEAN 3 after
check "the clean client passed (lookup: pass), the limit is not a verdict" \
	lookup_has "$clean" " pass reasons=fcrdns "

summary throttle
