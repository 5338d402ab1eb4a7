#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_dns.sh - DNS the way it goes wrong: a PTR that is not a host name
# is reported (naming the client) and not trusted; a DNS server that never
# answers leaves the client pending while its SYN retransmits join the one
# lookup, and decision_timeout decides with what is known, briefly.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "dns: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary dns; exit 1; }

bad=$(v4 $BADPTR)
send_mail $BADPTR 4 badptr 4
check "bad PTR: the warning names the client" \
	log_has "warning: client=$bad: PTR answer is not a valid host name"
check "bad PTR: greylisted as S25R rule 0 (not confirmed), for the greylist window" \
	log_has "verdict action=greylist client=$bad ptr=- fcrdns=fail rule=s25r0 reasons=s25r0 ttl=2700"
check "bad PTR: never reached the MTA" not mta_saw "$bad"
check "bad PTR: the daemon is still running" kill -0 "$MXGATED_PID"

# A DNS server that swallows every query; decisions due after 5 s.
pid=$MXGATED_PID
stop_mxgated 15
check "SIGTERM stops mxgated" not kill -0 "$pid"
check "SIGTERM: it says the rules stay (fail-open)" log_has "stopped: .*fail-open"
# Sender keys off: the responder's SPF check of the greylisted client's
# MAIL FROM would be one more query to the silent server, and this counts
# the FCrDNS lookup's.
MXG_DNS=$SILENT_DNS4 MXG_TIMEOUT=5s start_mxgated "greylist_spf = no"
check "restarted with a hanging DNS server" kill -0 "$MXGATED_PID"
slow=$(v4 $SPARE)
queued_before=$(queued_total)
send_mail $SPARE 4 slow 12
line=$(grep "verdict .*client=$slow " "$DAEMON_LOG" | tail -n 1)
echo "# $line"
syns=$(sed -n 's/.* syns=\([0-9]*\).*/\1/p' <<<"$line")
elapsed=$(sed -n 's/.* elapsed_ms=\([0-9]*\).*/\1/p' <<<"$line")
check "slow DNS: decided at the deadline as rule 0 with reason timeout" \
	grep -q "action=greylist client=$slow ptr=- fcrdns=tempfail rule=s25r0 reasons=s25r0,timeout ttl=300" <<<"$line"
# (c-ares's own two tries end just about at the 5 s deadline too.)
check "slow DNS: waited for the deadline (${elapsed:-?} ms), no snap decision" test "${elapsed:-0}" -ge 4000
check "slow DNS: SYN retransmits joined the pending lookup (syns=${syns:-?})" test "${syns:-0}" -ge 3
queries=$(silent_dns_queries)
check "slow DNS: one lookup for all of them (${queries:-?} PTR queries, c-ares tries 2)" \
	test "${queries:-99}" -ge 1 -a "${queries:-99}" -le 2
check "slow DNS: lookup shows greylist, s25r0 and timeout" lookup_has "$slow" " greylist reasons=s25r0,timeout "
check "slow DNS: after the verdict, retransmits stay in the kernel" \
	test "$(( $(queued_total) - queued_before ))" -eq "${syns:-0}"
check "slow DNS: the client never reached the MTA" not mta_saw "$slow"

summary dns
