#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_greylist.sh - the greylist clock in the kernel: an S25R client is
# refused on first contact and while it retries too early; a retry after
# greylist_delay and inside greylist_window is promoted to pass by the tc
# program itself and delivered; a client that never retries stays
# greylisted. (Delays shortened to seconds for the test.)
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "greylist: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated "greylist_delay = 5s
greylist_window = 60s" ||
	{ not_ok "test world started"; summary greylist; exit 1; }
dyn=$(v4 $DYNAMIC)

# First contact; its SYN retransmits (1 s, 2 s) come too early.
send_mail $DYNAMIC 4 first 3
check "first contact is refused" not grep -q "X-Mxgate-Test: first" "$MAILBOX"
check "... greylisted by S25R rule 1 for the window" \
	log_has "verdict action=greylist client=$dyn .* rule=s25r1 reasons=s25r1,fcrdns ttl=60 "
sleep 4		# past greylist_delay, as a real MTA's retry is
q=$(queued_total)
send_mail $DYNAMIC 4 retry
check "the retry after the delay is delivered" delivered retry
check "... promoted in the kernel, without asking the daemon (queued $q -> $(queued_total))" \
	test "$(queued_total)" -eq "$q"
check "lookup: pass, with the reason retried" lookup_has "$dyn" " pass reasons=s25r1,fcrdns,retried "
check "stats: one promotion" test "$(stat_value promoted)" -eq 1

send_mail $NOPTR 4 never 3
check "a client that never comes back stays greylisted" lookup_has "$(v4 $NOPTR)" " greylist reasons=s25r0 "

summary greylist
