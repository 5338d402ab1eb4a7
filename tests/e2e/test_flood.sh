#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_flood.sh - a spoofed SYN flood never opens the gate (issue 11): a
# short, small flood (3000 SYNs/s for 8 s from 2001:db8:dead::/48, spread
# over its /64s, whose PTR queries are never answered) against mxgated
# with max_pending = 1024 and dns_max_qps = 200, so that it is overloaded
# within a second. Properties, not timings:
#   - during it, a fresh bot (dynamic-looking, forward-confirmed PTR; one
#     IPv4, one IPv6) tries once and never reaches the MTA, and no
#     spoofed SYN reaches the MTA's side either;
#   - a client with a cached PASS (delivered before the flood) delivers;
#     a client with a cached BLOCK (DNS-listed) never reaches the MTA;
#   - mxgated stays up, answers mxgatectl, and judges a new client after
#     the flood;
#   - the DNS queries about spoofed sources stay within dns_max_qps;
#   - the overload is visible: mxgatectl stats overload_episodes >= 1,
#     overload_tempfail > 0, and at most a handful of (rate-limited)
#     overload lines in the log, not one per SYN;
#   - mxgated killed during an overload fails open as ever: once the
#     kernel's stress lease runs out (3 s), a new client is delivered
#     (the queue's bypass).
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

RATE=3000		# spoofed SYNs a second
FLOOD_S=8		# seconds of flood
MAX_PENDING=1024
DNS_MAX_QPS=200
TIMEOUT_S=2		# decision_timeout: today's pending table turns over
			# max_pending / 2 s = 512 sources a second
PASSER=70		# forward-confirmed, clean name: cached PASS
BOT=80			# forward-confirmed, dynamic-looking name: fresh bot
# mxgated's overload lines (verdict lines aside): entering and leaving an
# overload (and, before issue 11, "N lookups pending (max_pending)").
OVERLOAD_RE='overload|max_pending'

setup_network || { echo "flood: 0 passed, 1 failed"; exit 1; }
if ! { [ -x "$BUILD/syn_flood" ] &&
	add_client $PASSER relay && add_client $BOT dyn-198-51-100-$BOT &&
	setup_spoofed && start_nsd && start_postfix &&
	MXG_TIMEOUT=${TIMEOUT_S}s start_mxgated "dnsbl_sites = bl.test.example=127.0.0.[2..11]*3
max_pending = $MAX_PENDING
dns_max_qps = $DNS_MAX_QPS
overload_action = tempfail" &&
	wait_for "list probe" log_has "bl.test.example.* passes its probe"; }; then
	[ -x "$BUILD/syn_flood" ] || echo "# $BUILD/syn_flood missing (make $BUILD/syn_flood)"
	not_ok "test world started"
	summary flood
	exit 1
fi
passer=$(v4 $PASSER) bot4=$(v4 $BOT) bot6=$(v6 $DYNAMIC) blocked=$(v4 $SPARE) late=$(v4 $NOPTR)

# --- Before: one client learned as PASS, one as BLOCK.
send_mail $PASSER 4 pass-before 10
check "before the flood: $passer is delivered" delivered pass-before
check "... and cached as pass" lookup_has "$passer" " pass "
send_mail $SPARE 4 block-before 3
check "before the flood: $blocked (DNS-listed) is cached as block" lookup_has "$blocked" " block "
check "... and never reached the MTA" not mta_saw "$blocked"

# --- The flood, and the clients during it (1.5 s in: overloaded by then).
s0_tf=$(stat_value overload_tempfail) s0_ep=$(stat_value overload_episodes)
ptr0=$(spoof_counter spoof_ptr) oth0=$(spoof_counter spoof_other) unj0=$(spoof_counter unjudged)
log0=$(wc -l < "$DAEMON_LOG")
t0=$(now_s)
start_flood 1 $RATE $FLOOD_S spread
sleep 1.5
pids=()
send_mail $BOT 4 bot4-during 8 & pids+=($!)
send_mail $DYNAMIC 6 bot6-during 8 & pids+=($!)
send_mail $PASSER 4 pass-during 10 & pids+=($!)
send_mail $SPARE 4 block-during 3 & pids+=($!)
sleep 1
# Their SYNs went out at once (1.5 s in); the flood must still be on.
flood_alive=no
kill -0 "$FLOOD_PID" 2>/dev/null && flood_alive=yes
for p in "${pids[@]}"; do wait "$p"; done
wait_flood
flood1=$(cat "$TMP/flood.out")
check "the generator sent its flood ($flood1)" test "$(flood_field sent)" -gt 0
check "the clients connected while the flood was on" test "$flood_alive" = yes
# Let mxgated drain what it took in (the deadline decides it).
nfq_empty() { [ "$(nfq_held)" -eq 0 ]; }
wait_long $((TIMEOUT_S + 8)) "nothing held in NFQUEUE" nfq_empty
t1=$(now_s)
ptr=$(($(spoof_counter spoof_ptr) - ptr0)) oth=$(($(spoof_counter spoof_other) - oth0))
unj=$(($(spoof_counter unjudged) - unj0))

check "during the flood: the fresh bot $bot4 never reached the MTA" not mta_saw "$bot4"
check "during the flood: the fresh bot $bot6 never reached the MTA" not mta_saw "$bot6"
check "during the flood: no spoofed SYN reached the MTA's side ($unj of $(flood_field sent) did)" \
	test "$unj" -eq 0
check "during the flood: the cached PASS client $passer is delivered" delivered pass-during
check "during the flood: the cached BLOCK client $blocked never reached the MTA" not mta_saw "$blocked"
check "mxgated is still running" kill -0 "$MXGATED_PID"
check "mxgatectl stats still answers" ctl stats
window=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
bound=$(awk -v q=$DNS_MAX_QPS -v w="$window" 'BEGIN { printf "%d", q * w + q + 50 }')
check "DNS about spoofed sources within dns_max_qps: $ptr PTR (dropped) + $oth list queries <= $bound ($DNS_MAX_QPS/s over ${window}s, + 1 s + 50)" \
	test $((ptr + oth)) -le "$bound"
ep=$(( $(stat_value overload_episodes) - s0_ep )) tf=$(( $(stat_value overload_tempfail) - s0_tf ))
check "stats: an overload episode (overload_episodes +$ep)" test "$ep" -ge 1
check "stats: SYNs tempfailed by overload (overload_tempfail +$tf)" test "$tf" -gt 0
lines=$(tail -n +"$((log0 + 1))" "$DAEMON_LOG" | grep -Ei "$OVERLOAD_RE" | grep -vc 'verdict action=')
check "log: the overload was reported ($lines line(s))" test "$lines" -ge 1
check "log: ... rate-limited, not once per SYN ($lines line(s) <= 6)" test "$lines" -le 6

# --- After: a new client is judged again.
send_mail $NOPTR 4 after 10
check "after the flood: a new client ($late) is judged (a verdict logged)" \
	wait_long 15 "verdict for $late" log_has "verdict action=[a-z]* client=$late "
check "... and did not reach the MTA (no PTR: greylisted)" not mta_saw "$late"
check "mxgated is still running at the end" kill -0 "$MXGATED_PID"
stats_line=$(ctl stats | awk '$1 ~ /^(overload_|stress|pending|dns_|prefix_cap)/ { printf "%s=%s ", $1, $2 }')

# --- Killed during an overload: fail-open, as ever. A second, short flood
# keeps (or puts) mxgated in overload; it dies; once the stress lease is
# over a new client reaches the MTA through the queue's bypass.
start_flood 100000 $RATE 3 spread
sleep 1
check "a second flood: overloaded (stress gauge 1)" test "$(stat_value stress)" = 1
kill -9 "$MXGATED_PID"
wait "$MXGATED_PID" 2>/dev/null
wait_flood
sleep 4					# MXG_STRESS_LEASE_NS and a second
send_mail $FORGED 4 after-kill 10
check "killed in an overload: a new client ($(v4 $FORGED)) is delivered (bypass)" \
	delivered after-kill
echo "# flood: $flood1; spoofed DNS: $ptr PTR + $oth list; unjudged SYNs: $unj;" \
	"overload lines: $lines; stats: $stats_line"

summary flood
