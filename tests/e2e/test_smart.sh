#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_smart.sh - smart greylist keys (issue 13, item 2): a real sending
# Postfix, greylisted (here by a country action) under a confirmed clean
# name, retries from a second address of its /24 and is delivered at its
# first retry after the delay, on the clock its first address started;
# a dynamic-looking client of the same /24 gets nothing from that clock.
# The second address's verdict carries the first one's first contact
# (mxgatectl lookup: the same age), which is what tells the shared clock
# from a clock of its own.
set -u
. "$(dirname "$0")/lib.sh"

DELAY=8
setup_network || { echo "smart: 0 passed, 1 failed"; exit 1; }
mkdir -p "$TMP/countries.d"
printf '198.51.100.0/24\n' > "$TMP/countries.d/zz.zone"
start_nsd && start_postfix && start_mxgated "country_actions = zz:greylist
greylist_delay = ${DELAY}s" && start_sender $CLEAN ||
	{ not_ok "test world started"; summary smart; exit 1; }
cf=$TMP/sender-$CLEAN/etc
# pf_set KEY VALUE - change the sending Postfix's main.cf and reload it
pf_set() { sed -i "s|^$1 = .*|$1 = $2|" "$cf/main.cf"; in_ns "$NS_C" postfix -c "$cf" reload >/dev/null 2>&1; }
# age ADDR - seconds since ADDR's verdict was decided (mxgatectl lookup)
age() { ctl lookup "$1" | sed -n 's/.* age=\([0-9]*\)s.*/\1/p'; }
deferred() { [ "$(sender_deferrals $CLEAN smart)" -ge "$1" ]; }

t0=$(now_s)
sender_submit $CLEAN smart
check "first attempt from $(v4 $CLEAN): deferred (greylisted)" wait_long 15 "deferral" deferred 1
check "... its network's clock started" log_has "verdict action=greylist client=$(v4 $CLEAN) .*reasons=fcrdns,country"

# The pool's next attempts come from another address of the /24.
pf_set smtp_bind_address "$(v4 $SPARE)"
sleep 3
check "early retry from $(v4 $SPARE): greylisted" \
	wait_long 15 "verdict" log_has "verdict action=greylist client=$(v4 $SPARE) "
a10=$(age "$(v4 $CLEAN)") a11=$(age "$(v4 $SPARE)")
check "... on the network's clock: its verdict is as old as the first address's ($a11 s, $a10 s)" \
	test -n "$a11" -a "${a11:-0}" -ge 2 -a "${a11:-0}" -ge "$(( ${a10:-99} - 1 ))"
check "delivered from $(v4 $SPARE) once the network's delay is over" \
	wait_long $((DELAY + 15)) "delivery" grep -q "X-Mxgate-Test: smart\$" "$MAILBOX"
t1=$(now_s)
check "... within the delay and a retry of the first contact" elapsed_ge "$t1" "$t0" -$((DELAY + 8))

# A dynamic-looking neighbour gets nothing from the network's clock.
send_mail $DYNAMIC 4 bot 5
check "a dynamic-looking client of the /24 is still greylisted" not mta_saw "$(v4 $DYNAMIC)"
check "... on a clock of its own" log_has "verdict action=greylist client=$(v4 $DYNAMIC) .*rule=s25r"

stop_sender $CLEAN
summary smart
