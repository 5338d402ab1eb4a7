#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_core.sh - the core path end to end, as a mail admin sees it:
# a clean mail server is delivered; a dynamic-looking client, a client
# without PTR and one whose PTR does not confirm never reach the MTA,
# their SYN retransmits are dropped by the tc program without waking the
# daemon; the same over IPv6; with mxgated killed, a new clean client
# still gets through (queue bypass). Needs root.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# The default for S25R hits (rules 0-6) is the seeds' greylist, answered
# by the SMTP responder (test_greylist.sh). This suite is about the
# kernel's drop path, so S25R hits are blocked here.
BOT_ACTION=block

setup_network || { echo "core: 0 passed, 1 failed"; exit 1; }
if ! { start_nsd && start_postfix && start_mxgated "s25r_action = block
unknown_client_action = block"; }; then
	not_ok "test world started"
	summary core
	exit 1
fi
ok "nsd, Postfix and mxgated started"
mode=$(grep -o 'loaded [a-z-]* [a-zA-Z]* [a-zA-Z]*' "$DAEMON_LOG" | head -n 1)
check "rule loader said which rule it used: ${mode:-nothing}" test -n "$mode"

for fam in 4 6; do
	if [ "$fam" = 6 ]; then addr=v6; else addr=v4; fi
	clean=$($addr "$CLEAN")

	# The clean mail server: delivered, PASS verdict with FCrDNS.
	send_mail "$CLEAN" "$fam" "clean$fam"
	check "IPv$fam clean sender's mail is in the mailbox" delivered "clean$fam"
	check "IPv$fam clean sender: Postfix logged status=sent for queue id $(queue_id "clean$fam")" \
		mta_sent "clean$fam"
	check "IPv$fam clean sender: lookup says pass, fcrdns" \
		lookup_has "$clean" " pass reasons=fcrdns "
	check "IPv$fam clean sender: lookup exits 0" ctl lookup "$clean"
	check "IPv$fam clean sender: the log line says pass" \
		log_has "verdict action=pass client=$clean ptr=mail.sender.example fcrdns=pass rule=none"

	# The bots, in parallel. A 12 s connect timeout lets the client's
	# kernel retransmit the SYN several times (after 1 s, 2 s, 3 s... on
	# this kernel's linear start, 1 s, 3 s, 7 s on older ones).
	drops_before=$(stat_value "action_$BOT_ACTION")
	queued_before=$(queued_total)
	pids=()
	for h in "$DYNAMIC" "$NOPTR" "$FORGED"; do
		send_mail "$h" "$fam" "bot$h-$fam" 12 &
		pids+=("$!")
	done
	for p in "${pids[@]}"; do
		check "IPv$fam bot's swaks (pid $p) failed to connect" not wait "$p"
	done
	queued_after=$(queued_total)
	drops_after=$(stat_value "action_$BOT_ACTION")

	for h in "$DYNAMIC" "$NOPTR" "$FORGED"; do
		a=$($addr "$h")
		check "IPv$fam bot $a never reached the MTA (no 'connect from')" not mta_saw "$a"
		check "IPv$fam bot $a: its mail was not delivered" \
			not grep -q "X-Mxgate-Test: bot$h-$fam\$" "$MAILBOX"
	done
	dynamic=$($addr "$DYNAMIC") noptr=$($addr "$NOPTR") forged=$($addr "$FORGED")
	check "IPv$fam dynamic client: lookup says $BOT_ACTION, S25R rule 1" \
		lookup_has "$dynamic" " $BOT_ACTION reasons=s25r1,fcrdns "
	check "IPv$fam no-PTR client: lookup says $BOT_ACTION, S25R rule 0" \
		lookup_has "$noptr" " $BOT_ACTION reasons=s25r0 "
	check "IPv$fam forged-PTR client: lookup says $BOT_ACTION, S25R rule 0" \
		lookup_has "$forged" " $BOT_ACTION reasons=s25r0 "
	check "IPv$fam log: dynamic client refused by s25r1, with its PTR name" \
		log_has "verdict action=$BOT_ACTION client=$dynamic ptr=dyn[-0-9a-z]*.pool.example.net fcrdns=pass rule=s25r1"
	check "IPv$fam log: no-PTR client has fcrdns=none" \
		log_has "verdict action=$BOT_ACTION client=$noptr ptr=- fcrdns=none rule=s25r0"
	check "IPv$fam log: forged PTR has fcrdns=fail" \
		log_has "verdict action=$BOT_ACTION client=$forged ptr=forged.example.com fcrdns=fail rule=s25r0"
	# Each bot's first SYN was queued once; every retransmit after the
	# verdict was dropped by the tc program and never reached the queue.
	check "IPv$fam three bots cost three queued SYNs ($queued_before -> $queued_after)" \
		test $((queued_after - queued_before)) -eq 3
	check "IPv$fam retransmits dropped in the kernel (action_$BOT_ACTION $drops_before -> $drops_after)" \
		test $((drops_after - drops_before)) -ge 6
	for a in "$dynamic" "$noptr" "$forged"; do
		check "IPv$fam bot $a: lookup counts its dropped retransmits (hits >= 2)" \
			test "$(ctl lookup "$a" | sed -n 's/.* hits=\([0-9]*\).*/\1/p')" -ge 2
	done
done

check "stats: reason_s25r1 counted" test "$(stat_value reason_s25r1)" -gt 0
check "stats: reason_s25r0 counted" test "$(stat_value reason_s25r0)" -gt 0
check "stats: decisions per rule (rule_s25r1 = 2: one client, two families)" \
	wait_for "rule_s25r1 = 2" stat_is rule_s25r1 -eq 2
check "stats: rule_s25r0 counts the four rule-0 clients" wait_for "rule_s25r0 = 4" stat_is rule_s25r0 -eq 4
check "list shows every client seen" test "$(ctl list | wc -l)" -eq 8
check "forget removes a verdict" ctl forget "$(v4 "$DYNAMIC")"
check "lookup after forget exits 1" not ctl lookup "$(v4 "$DYNAMIC")"
check "forget of an absent address exits 1" not ctl forget "$(v4 "$DYNAMIC")"

# Fail-open: the daemon dies; a never-seen clean client still gets mail
# through the queue bypass, and cached verdicts keep being enforced.
pid=$MXGATED_PID
stop_mxgated 9
check "mxgated killed: the process is gone" not kill -0 "$pid"
check "mxgated killed: nobody listens on the queue" not queue_bound
drops_before=$(stat_value "action_$BOT_ACTION")
check "mxgated killed: new clean client $(v4 "$SPARE") was never seen" not ctl lookup "$(v4 "$SPARE")"
send_mail "$SPARE" 4 "bypass4"
check "mxgated killed: new clean client delivered (bypass)" delivered bypass4
check "mxgated killed: Postfix logged status=sent for it" mta_sent bypass4
send_mail "$NOPTR" 4 "cached-after-kill" 5
check "mxgated killed: cached $BOT_ACTION still drops the bot" \
	test "$(stat_value "action_$BOT_ACTION")" -gt "$drops_before"
check "mxgated killed: the bot still never reached the MTA" not mta_saw "$(v4 "$NOPTR")"

summary core
