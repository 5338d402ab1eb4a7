#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_tarpit.sh - taRgrey in front of the MTA: with s25r_action = tarpit,
# an S25R client gets mxgated's responder, whose banner trickles out over
# tarpit_delay. A client that talks before the banner is complete
# (pregreet) or hangs up is blocked, and its later SYNs are dropped in the
# kernel; one that waits reads the whole banner, gets 450 at RCPT TO, is
# greylisted (reason waited) and passes to the MTA on a retry after
# greylist_delay. The log names what each one said (HELO, MAIL FROM,
# RCPT TO).
# Over responder_max_connections a new tarpit client is refused, never
# let through to the MTA. The responder speaks with the configured host
# name, banner and 450 text. (Delays shortened to seconds for the test.)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TARPIT=3		# tarpit_delay, s
DELAY=4			# greylist_delay, s
PREGREET=70 HANGUP=71 WAITER=72 HOLD1=73 HOLD2=74 OVER=75

setup_network || { echo "tarpit: 0 passed, 1 failed"; exit 1; }
# Forward-confirmed names that trip S25R rule 1, one per client.
ok_clients=1
for h in $PREGREET $HANGUP $WAITER $HOLD1 $HOLD2 $OVER; do
	add_client "$h" "p3$h-ipngn200101osaka.osaka" || ok_clients=0
done
if ! { [ "$ok_clients" = 1 ] && start_nsd && start_postfix && start_mxgated "s25r_action = tarpit
tarpit_delay = ${TARPIT}s
greylist_delay = ${DELAY}s
greylist_window = 60s
responder_timeout = 10s
responder_port = 10025
responder_max_connections = 2
responder_hostname = gw.test.example
responder_banner = \$hostname ESMTP service ready
s25r_reply = dynamic-looking client, come back later"; }; then
	not_ok "test world started"
	summary tarpit
	exit 1
fi
pre=$(v4 $PREGREET) hup=$(v4 $HANGUP) wtr=$(v4 $WAITER) over=$(v4 $OVER)

# probe_has FILE KEY REGEX - the probe's KEY=value line matches REGEX
probe_has() { grep -Eq "^$2=$3" "$1"; }
# hits ADDR - SYNs the tc program judged by ADDR's verdict
hits() { ctl lookup "$1" | sed -n 's/.* hits=\([0-9]*\).*/\1/p'; }
# banner_over FILE SECONDS - the probe read its banner in more than SECONDS
banner_over() {
	awk -F= -v s="$2" '$1 == "banner_s" { t = $2; f = 1 } END { exit !(f && t > s) }' "$1"
}

# --- Pregreet: talks before the banner is complete.
smtp_probe $PREGREET pregreet > "$TMP/pregreet.out" 2>&1
check "pregreet client connected (to the responder)" probe_has "$TMP/pregreet.out" connect ok
check "... never got a complete 220 banner: $(grep -c '^line=' "$TMP/pregreet.out") line(s), $(grep '^end=' "$TMP/pregreet.out")" \
	not grep -q '^line=220 ' "$TMP/pregreet.out"
check "... never reached the MTA" not mta_saw "$pre"
check "lookup: block, reason pregreet" wait_for "pregreet verdict" lookup_has "$pre" " block reasons=.*pregreet"
check "log: block verdict for the pregreet client" \
	log_has "verdict action=block client=$pre .*pregreet"
check "log: the tarpit outcome names the HELO it sent too early" \
	log_has "responder: tarpit client=$pre outcome=pregreet helo=<pregreet.test.example> elapsed_ms="
h0=$(hits "$pre")
smtp_probe $PREGREET quick 3 > "$TMP/pregreet2.out" 2>&1
check "... its next connection gets no answer at all (SYN dropped): $(head -n 1 "$TMP/pregreet2.out")" \
	probe_has "$TMP/pregreet2.out" connect timeout
check "... dropped by the tc program (hits ${h0:-?} -> $(hits "$pre"))" test "$(hits "$pre")" -gt "${h0:-0}"

# --- Hangup: gives up after 1 s.
smtp_probe $HANGUP hangup 1 > "$TMP/hangup.out" 2>&1
check "hangup client connected and hung up after 1 s (had: '$(sed -n 's/^partial=//p' "$TMP/hangup.out")')" \
	probe_has "$TMP/hangup.out" end hungup
check "... had not got the whole banner in 1 s" not grep -Eq '^partial=220 .*ESMTP' "$TMP/hangup.out"
check "lookup: block, reason hangup" wait_for "hangup verdict" lookup_has "$hup" " block reasons=.*hangup"
smtp_probe $HANGUP quick 3 > "$TMP/hangup2.out" 2>&1
check "... its next connection gets no answer (SYN dropped)" probe_has "$TMP/hangup2.out" connect timeout
check "... never reached the MTA" not mta_saw "$hup"

# --- A patient client: sits out the banner, is greylisted, then passes.
q=$(queued_total)
smtp_probe $WAITER wait > "$TMP/wait.out" 2>&1
check "patient client read the complete banner: $(sed -n 's/^banner=//p' "$TMP/wait.out")" \
	probe_has "$TMP/wait.out" banner '220 gw\.test\.example ESMTP service ready$'
check "... trickled out over more than 2 s (tarpit_delay ${TARPIT} s; took $(sed -n 's/^banner_s=//p' "$TMP/wait.out") s)" \
	banner_over "$TMP/wait.out" 2
check "... then EHLO and MAIL FROM got 250: $(sed -n 's/^\(ehlo\|mail\)=//p' "$TMP/wait.out" | tr '\n' ' ')" \
	eval "probe_has '$TMP/wait.out' ehlo '250 ' && probe_has '$TMP/wait.out' mail '250 '"
check "... and RCPT TO 450 with the configured text: $(sed -n 's/^reply=//p' "$TMP/wait.out")" \
	probe_has "$TMP/wait.out" reply '450 4\.7\.1 gw\.test\.example: dynamic-looking client, come back later$'
check "... and QUIT got 221" probe_has "$TMP/wait.out" quit 221
check "log: its conversation, with its envelope, once it ended" \
	wait_for "session log" log_has "responder: greylist client=$wtr helo=<probe.test.example> from=<probe@test.example> to=<user@mx.example> rcpts=1 commands=4 reply=450 elapsed_ms=[0-9]* ended=quit\$"
check "lookup: greylist, reason waited" lookup_has "$wtr" " greylist reasons=.*waited"
check "log: greylist verdict for the patient client" \
	log_has "verdict action=greylist client=$wtr .*waited"
check "... never reached the MTA so far" not mta_saw "$wtr"
send_mail $WAITER 4 early 10
check "a retry before greylist_delay, after its dialogue, gets the greeting-time 421" \
	grep -Eq '<\*\* +421 4\.7\.0 gw\.test\.example dynamic-looking client, come back later' "$TMP/swaks-early.log"
check "... and does not reach the MTA" not mta_saw "$wtr"
sleep "$DELAY"
send_mail $WAITER 4 retry 20
check "the retry after greylist_delay is delivered" delivered retry
check "... Postfix logged status=sent for queue id $(queue_id retry)" mta_sent retry
check "... lookup: pass, retried" lookup_has "$wtr" " pass reasons=.*retried"
check "... the client's SYNs after the first never went to the daemon (queued $q -> $(queued_total))" \
	test "$(queued_total)" -eq $((q + 1))
check "stats: SYNs sent to the responder (to_responder >= 3)" test "$(stat_value to_responder)" -ge 3

# --- responder_max_connections = 2: two tarpit clients hold the slots.
smtp_probe $HOLD1 hold 8 > "$TMP/hold1.out" 2>&1 &
p1=$!
smtp_probe $HOLD2 hold 8 > "$TMP/hold2.out" 2>&1 &
p2=$!
sleep 1
smtp_probe $OVER quick 5 > "$TMP/over.out" 2>&1
check "a third tarpit client, over responder_max_connections, is refused: $(tr '\n' ' ' < "$TMP/over.out")" \
	not grep -q '^banner=220 ' "$TMP/over.out"
check "... it was cut off (reset or closed), not kept waiting" \
	grep -Eq '^(end=(reset|closed)|connect=(refused|reset))' "$TMP/over.out"
check "... never let through to the MTA" not mta_saw "$over"
check "... and not passed (lookup: not pass)" not lookup_has "$over" " pass "
check "log: the responder reset the client over the cap" log_has "client=$over .*max_connections"
wait $p1 $p2
check "the two clients inside the cap got the whole tarpit banner" \
	eval "probe_has '$TMP/hold1.out' banner '220 gw.test.example ESMTP' && probe_has '$TMP/hold2.out' banner '220 gw.test.example ESMTP'"
check "the holders never reached the MTA" eval "not mta_saw $(v4 $HOLD1) && not mta_saw $(v4 $HOLD2)"
smtp_probe $OVER wait > "$TMP/over2.out" 2>&1
check "once the slots are free the refused client gets the tarpit banner" \
	probe_has "$TMP/over2.out" banner '220 gw\.test\.example ESMTP'
check "... and still not the MTA" not mta_saw "$over"

summary tarpit
