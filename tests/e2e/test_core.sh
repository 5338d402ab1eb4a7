#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_core.sh - the core path end to end, as a mail admin sees it:
# a clean mail server is delivered; a dynamic-looking client, a client
# without PTR and one whose PTR does not confirm never reach the MTA,
# their SYN retransmits are dropped by the tc program without waking the
# daemon; the same over IPv6; with mxgated killed, a new clean client
# still gets through (queue bypass). Needs root.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "core: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary core; exit 1; }
ok "nsd, Postfix and mxgated started"
grep -q "mxgate-rules: .*loaded" "$DAEMON_LOG" &&
	ok "rule loader said which rule it used: $(grep -o 'loaded [a-z-]* [a-zA-Z]* [a-zA-Z]*' "$DAEMON_LOG" | head -n 1)" ||
	not_ok "rule loader reported its mode"

for fam in 4 6; do
	if [ "$fam" = 6 ]; then addr=v6; else addr=v4; fi
	clean=$($addr $CLEAN)

	# The clean mail server: delivered, PASS verdict with FCrDNS.
	send_mail $CLEAN "$fam" "clean$fam"
	check "IPv$fam clean sender's mail is delivered" delivered "clean$fam"
	check "IPv$fam clean sender: lookup says pass, fcrdns" \
		lookup_has "$clean" " pass reasons=fcrdns "
	check "IPv$fam clean sender: lookup exits 0" ctl lookup "$clean"
	check "IPv$fam clean sender: the log line says pass" \
		log_has "verdict action=pass client=$clean ptr=mail.sender.example fcrdns=pass rule=none"

	# The bots, in parallel. A 12 s connect timeout lets the client's
	# kernel retransmit the SYN (after 1 s, 3 s, 7 s).
	drops_before=$(stat_value action_greylist)
	queued_before=$(queued_total)
	pids=
	for h in $DYNAMIC $NOPTR $FORGED; do
		send_mail "$h" "$fam" "bot$h-$fam" 12 &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	queued_after=$(queued_total)
	drops_after=$(stat_value action_greylist)

	for h in $DYNAMIC $NOPTR $FORGED; do
		a=$($addr "$h")
		check "IPv$fam bot $a never reached the MTA" not mta_saw "$a"
		check "IPv$fam bot $a: its mail was not delivered" \
			not grep -q "X-Mxgate-Test: bot$h-$fam\$" "$MAILBOX"
	done
	check "IPv$fam dynamic client: lookup says greylist, S25R rule 1" \
		lookup_has "$($addr $DYNAMIC)" " greylist reasons=s25r1,fcrdns "
	check "IPv$fam no-PTR client: lookup says greylist, S25R rule 0" \
		lookup_has "$($addr $NOPTR)" " greylist reasons=s25r0 "
	check "IPv$fam forged-PTR client: lookup says greylist, S25R rule 0" \
		lookup_has "$($addr $FORGED)" " greylist reasons=s25r0 "
	check "IPv$fam log: dynamic client greylisted by s25r1, with its PTR name" \
		log_has "verdict action=greylist client=$($addr $DYNAMIC) ptr=dyn[-0-9a-z]*.pool.example.net fcrdns=pass rule=s25r1"
	check "IPv$fam log: no-PTR client has fcrdns=none" \
		log_has "verdict action=greylist client=$($addr $NOPTR) ptr=- fcrdns=none rule=s25r0"
	check "IPv$fam log: forged PTR has fcrdns=fail" \
		log_has "verdict action=greylist client=$($addr $FORGED) ptr=forged.example.com fcrdns=fail rule=s25r0"
	# Each bot's first SYN was queued once; every retransmit after the
	# verdict was dropped by the tc program.
	[ $((queued_after - queued_before)) -eq 3 ] &&
		ok "IPv$fam three bots cost three queued SYNs ($queued_before -> $queued_after)" ||
		not_ok "IPv$fam three bots cost three queued SYNs ($queued_before -> $queued_after)"
	[ $((drops_after - drops_before)) -ge 6 ] &&
		ok "IPv$fam retransmits dropped in the kernel (action_greylist $drops_before -> $drops_after)" ||
		not_ok "IPv$fam retransmits dropped in the kernel (action_greylist $drops_before -> $drops_after)"
done

check "stats: reason_s25r1 counted" test "$(stat_value reason_s25r1)" -gt 0
check "stats: reason_s25r0 counted" test "$(stat_value reason_s25r0)" -gt 0
check "stats: decisions per rule (rule_s25r1 = 2: one client, two families)" \
	test "$(stat_value rule_s25r1)" -eq 2
check "stats: rule_s25r0 counts the four rule-0 clients" test "$(stat_value rule_s25r0)" -eq 4
check "list shows every client seen" test "$(ctl list | wc -l)" -eq 8
check "forget removes a verdict" ctl forget "$(v4 $DYNAMIC)"
check "lookup after forget exits 1" not ctl lookup "$(v4 $DYNAMIC)"

# Fail-open: the daemon dies; a never-seen clean client still gets mail
# through the queue bypass, and cached verdicts keep being enforced.
pid=$MXGATED_PID
stop_mxgated 9
check "mxgated killed: the process is gone" not kill -0 "$pid"
check "mxgated killed: nobody listens on the queue" not queue_bound
drops_before=$(stat_value action_greylist)
send_mail $SPARE 4 "bypass4"
check "mxgated killed: new clean client delivered (bypass)" delivered bypass4
send_mail $NOPTR 4 "cached-after-kill" 5
check "mxgated killed: cached greylist still drops the bot" \
	test "$(stat_value action_greylist)" -gt "$drops_before"
check "mxgated killed: the bot still never reached the MTA" not mta_saw "$(v4 $NOPTR)"

summary core
