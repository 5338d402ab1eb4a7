#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_greylist.sh - S25R + greylisting as a mail admin sees it, with a
# real sending Postfix on a dynamic-looking, forward-confirmed address:
# its first attempt gets the responder's "450 4.7.1 ... S25R check, be
# patient" and is deferred, the MTA never sees it; Postfix retries on its
# own schedule and the message is delivered once greylist_delay has
# passed, promoted in the kernel (no SYN queued), logged and kept on disk
# by mxgated; a second message goes through at once. A bot that never
# retries only ever gets the 450. A retry inside the delay, after that
# first full dialogue, gets the greeting-time "421 4.7.0 ... S25R check,
# be patient" and is closed at once (greylist_repeat_reply = 421): the
# sender defers again and is still delivered after the delay. With
# greylist_repeat_reply = full every retry gets the 450 again. The clock
# survives a restart of
# mxgated mid-greylist, and an allowlisted sender survives a wipe of the
# kernel maps. The responder's log line names each delayed client's HELO,
# MAIL FROM and RCPT TO. (Delays shortened to seconds for the test.)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DELAY=6			# greylist_delay; the sender retries every 2-4 s
SENDER=60		# a sending Postfix on a dynamic-looking line
WAITER=61		# another one, greylisted across a restart of mxgated
CONF="greylist_delay = ${DELAY}s
greylist_window = 60s
responder_port = 10025"

setup_network || { echo "greylist: 0 passed, 1 failed"; exit 1; }
# FCrDNS-confirmed names that trip S25R rule 1 (NTT OCN style).
if ! { add_client $SENDER p2166-ipngn100106kobe.hyogo &&
	add_client $WAITER p2201-ipngn100107kobe.hyogo &&
	start_nsd && start_postfix && start_mxgated "$CONF" &&
	start_sender $SENDER && start_sender $WAITER; }; then
	not_ok "test world started"
	summary greylist
	exit 1
fi
snd=$(v4 $SENDER) wtr=$(v4 $WAITER) dyn=$(v4 $DYNAMIC) noptr=$(v4 $NOPTR)

# promotion_logged ADDR [FROM_LINE] - mxgated logged that ADDR came back in
# time ("promoted ... client=ADDR ... retried"), from line FROM on
promotion_logged() {
	tail -n +"${2:-1}" "$DAEMON_LOG" | grep -Eq "promoted .*client=$1 .*retried"
}

# --- A real sending MTA is greylisted, retries, and is let in.
t0=$(now_s)
sender_submit $SENDER a1
check "the sending Postfix accepted the message (queue id $(queue_id a1))" test -n "$(queue_id a1)"
wait_long 20 "first deferral of a1" sender_has $SENDER a1 'status=deferred'
q=$(queued_total)
check "first attempt deferred by the sender with the responder's 450: $(grep -o '450 4\.7\.1[^)]*' "$(sender_log $SENDER)" | head -n 1)" \
	sender_has $SENDER a1 'status=deferred .*450 4\.7\.1 .*S25R check, be patient'
check "... the MTA has not seen the client" not mta_saw "$snd"
check "... and the message is not in the mailbox" not grep -q "X-Mxgate-Test: a1\$" "$MAILBOX"
check "log: greylisted by S25R rule 1 for the window" \
	log_has "verdict action=greylist client=$snd ptr=p2166-ipngn100106kobe.hyogo.isp.example fcrdns=pass rule=s25r1 reasons=s25r1,fcrdns ttl=60 "
check "lookup: greylist, S25R rule 1" lookup_has "$snd" " greylist reasons=s25r1,fcrdns "
check "... refused at RCPT TO, after its EHLO and MAIL FROM were taken" \
	sender_has $SENDER a1 'status=deferred .*450 4\.7\.1 .*(in reply to RCPT TO command)'
check "log: the delayed session names its HELO, MAIL FROM and RCPT TO" \
	wait_for "session log" log_has "responder: greylist client=$snd helo=<sender$SENDER.test.example> from=<sender@sender$SENDER.test.example> to=<user@mx.example> rcpts=1 commands=[0-9]* reply=450 elapsed_ms=[0-9]* ended="
wait_long 60 "a1 relayed by the sender's own retries" relayed $SENDER a1
t1=$(now_s)
check "Postfix's own retry delivered it to the MTA (sent, and sent by the MTA)" relayed $SENDER a1
check "... not before greylist_delay ($DELAY s; took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)" \
	elapsed_ge "$t0" "$t1" "$DELAY"
n450=$(grep -c " $(queue_id a1): .*status=deferred .*450 4\.7\.1" "$(sender_log $SENDER)")
n421=$(grep -c " $(queue_id a1): .*status=deferred .*refused to talk to me: 421 4\.7\.0 [^ ]* S25R check, be patient" "$(sender_log $SENDER)")
check "... after $(sender_deferrals $SENDER a1) deferral(s): the first the 450, the $n421 retries inside the delay a greeting-time 421" \
	test "$(sender_deferrals $SENDER a1)" -ge 2 -a "$n450" -eq 1 -a "$n421" -ge 1 -a \
	"$((n450 + n421))" -eq "$(sender_deferrals $SENDER a1)"
check "... the sender logged the 421: $(grep -o 'refused to talk to me: 421 4\.7\.0[^)]*' "$(sender_log $SENDER)" | head -n 1)" \
	sender_has $SENDER a1 'status=deferred .*refused to talk to me: 421 4\.7\.0 '
check "log: the repeats were answered 421 (responder: greylist client=$snd reply=421 repeat)" \
	log_has "responder: greylist client=$snd reply=421 repeat\$"
check "... the MTA logged the client once it was let in" mta_saw "$snd"
check "... retries and promotion never woke the daemon (queued $q -> $(queued_total))" \
	test "$(queued_total)" -eq "$q"
check "lookup: pass, with the reason retried" lookup_has "$snd" " pass reasons=s25r1,fcrdns,retried "
check "mxgated logged the promotion (promoted ... client=$snd ... retried)" wait_for "promotion log" promotion_logged "$snd"
check "stats: one promotion" wait_for "promoted = 1" stat_is promoted -eq 1
check "stats: greylist clocks started (greylist_first >= 1)" wait_for "greylist_first" stat_is greylist_first -ge 1
check "stats: SYNs sent to the responder (to_responder >= 2)" wait_for "to_responder" stat_is to_responder -ge 2

q=$(queued_total)
sender_submit $SENDER a2
check "a second message is delivered" wait_long 20 "a2 relayed" relayed $SENDER a2
check "... at once, never deferred" test "$(sender_deferrals $SENDER a2)" -eq 0
check "... without its SYN going to the daemon (queued $q -> $(queued_total))" test "$(queued_total)" -eq "$q"

# --- A bot: no retry after the delay, only ever the 450.
send_mail $DYNAMIC 4 bot 10
check "bot (swaks from $dyn) failed" not send_mail $DYNAMIC 4 bot-again 10
check "bot was answered 450 4.7.1 ... S25R check, be patient" \
	grep -q '<\*\* *450 4\.7\.1 .*S25R check, be patient' "$TMP/swaks-bot.log"
check "... and its immediate second try the greeting-time 421, before it said anything" \
	grep -Eq '<\*\* +421 4\.7\.0 [^ ]+ S25R check, be patient' "$TMP/swaks-bot-again.log"
check "... with no EHLO sent on that second try" not grep -q -- '-> EHLO' "$TMP/swaks-bot-again.log"
check "... after the responder's default banner: 220, this host's name, ESMTP, nothing more" \
	grep -Eq "<- +220 $(hostname) ESMTP\$" "$TMP/swaks-bot.log"
check "bot never reached the MTA" not mta_saw "$dyn"
check "log: the bot's session names its HELO, MAIL FROM and RCPT TO (one), its repeat is a 421" \
	test "$(grep -c "responder: greylist client=$dyn helo=<client$DYNAMIC.test.example> from=<sender@test.example> to=<user@mx.example> rcpts=1 " "$DAEMON_LOG")" -eq 1 -a \
	"$(grep -c "responder: greylist client=$dyn reply=421 repeat" "$DAEMON_LOG")" -eq 1
check "bot's mail was not delivered" not grep -q "X-Mxgate-Test: bot" "$MAILBOX"
check "lookup: the bot is greylisted, S25R rule 1" lookup_has "$dyn" " greylist reasons=s25r1,fcrdns "
send_mail $NOPTR 4 never 10
check "a client without PTR gets the 450 too" grep -q '<\*\* *450 4\.7\.1' "$TMP/swaks-never.log"

# --- Restart mxgated while a sender waits out its greylist.
t0=$(now_s)
sender_submit $WAITER b1
wait_long 20 "first deferral of b1" sender_has $WAITER b1 'status=deferred'
check "second sender deferred with 450 on first contact" \
	sender_has $WAITER b1 'status=deferred .*450 4\.7\.1 .*S25R check, be patient'
pid=$MXGATED_PID
stop_mxgated 15
check "mxgated stopped (SIGTERM) mid-greylist" not kill -0 "$pid"
from=$(($(wc -l < "$DAEMON_LOG") + 1))
start_mxgated "$CONF" || not_ok "mxgated started again"
check "after the restart the clock is still running (lookup: greylist)" \
	lookup_has "$wtr" " greylist reasons=s25r1,fcrdns "
wait_long 60 "b1 relayed" relayed $WAITER b1
t1=$(now_s)
check "the waiting sender is delivered by its own retries" relayed $WAITER b1
check "... not before greylist_delay (took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)" \
	elapsed_ge "$t0" "$t1" "$DELAY"
check "... promoted: lookup pass, retried" lookup_has "$wtr" " pass reasons=s25r1,fcrdns,retried "
check "... and the restarted mxgated logged the promotion" \
	wait_for "promotion log" promotion_logged "$wtr" "$from"
check "stats: two promotions" wait_for "promoted = 2" stat_is promoted -eq 2
check "the bot, which never came back, never reached the MTA" not mta_saw "$dyn"
check "the client without PTR, which never came back, stays greylisted" \
	lookup_has "$noptr" " greylist reasons=s25r0 "

# --- Wipe the kernel maps (as a reboot does): the allowlisted sender is
# restored from disk and passes at once.
wipe_maps
check "after the wipe the kernel has no verdict for $snd" not ctl lookup "$snd"
start_mxgated "$CONF" || not_ok "mxgated started after the wipe"
check "restored from disk: lookup pass, retried" lookup_has "$snd" " pass reasons=s25r1,fcrdns,retried "
q=$(queued_total)
sender_submit $SENDER a3
check "the allowlisted sender is delivered after the wipe" wait_long 20 "a3 relayed" relayed $SENDER a3
check "... at once, never deferred" test "$(sender_deferrals $SENDER a3)" -eq 0
check "... without its SYN going to the daemon (queued $q -> $(queued_total))" test "$(queued_total)" -eq "$q"

stop_sender $SENDER
stop_sender $WAITER
summary greylist
