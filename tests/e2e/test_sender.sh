#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_sender.sh - sender keys (issue 13, item 3): a real sending Postfix
# is greylisted at its first attempt; its MAIL FROM domain's SPF record
# (mx, and an include listing a /24 elsewhere) authorises it, so the
# domain's pool goes on its clock. Its next attempt comes, after the
# delay, from an address in the other /24, with a dynamic-looking name of
# its own, and is delivered at once. A bot forging the same MAIL FROM
# from an address the record does not authorise gets nothing from that
# clock: its retry after the domain's delay (but before its own) is still
# refused. DNS is a real nsd with the SPF records.
set -u
. "$(dirname "$0")/lib.sh"

DELAY=12
POOL4=192.0.2.10		# the sender's second address: another /24
BOT=$NOPTR BOT2=$DYNAMIC	# unauthorised addresses
FROM=sender@spf.example

# spf_zones - the sending domain, its second address's names, in nsd
spf_zones() {
	local z=$TMP/zones soa
	soa='$TTL 60
@ IN SOA ns.test.example. hostmaster.test.example. 1 3600 600 86400 60
@ IN NS ns.test.example.'
	mkdir -p "$z"
	printf '%s\n%s\n' "$soa" '@ IN MX 10 mail.sender.example.
@ IN TXT "v=spf1 mx include:_pool.spf.example -all"
_pool IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
mta-192-0-2-10.out IN A 192.0.2.10' > "$z/spf.example"
	printf '%s\n%s\n' "$soa" '10 IN PTR mta-192-0-2-10.out.spf.example.' \
		> "$z/2.0.192.in-addr.arpa"
}

setup_network || { echo "sender: 0 passed, 1 failed"; exit 1; }
in_ns "$NS_C" ip addr add "$POOL4/24" dev c0
in_ns "$NS_G" ip addr add 192.0.2.1/24 dev gc
mkdir -p "$TMP/countries.d"
printf '198.51.100.0/24\n192.0.2.0/24\n' > "$TMP/countries.d/zz.zone"
spf_zones
start_nsd && start_postfix && start_mxgated "country_actions = zz:greylist
greylist_delay = ${DELAY}s" && start_sender $CLEAN ||
	{ not_ok "test world started"; summary sender; exit 1; }
cf=$TMP/sender-$CLEAN/etc
deferred() { [ "$(sender_deferrals $CLEAN spf)" -ge "$1" ]; }
# bot_send HOST TAG - a bot's attempt with the forged MAIL FROM
bot_send() {
	in_ns "$NS_C" swaks --server "$MTA4" --local-interface "$(v4 "$1")" \
		--helo "client$1.test.example" --from "$FROM" --to user@mx.example \
		--header "X-Mxgate-Test: $2" --timeout 10 >"$TMP/swaks-$2.log" 2>&1
}

t0=$(now_s)
sender_submit $CLEAN spf "$FROM"
check "first attempt from $(v4 $CLEAN): deferred (greylisted)" wait_long 15 "deferral" deferred 1
# Hold the queue: the next attempt is to come from the other address.
stop_sender $CLEAN
# The pool: the MX host's A and AAAA, and the include's /24.
check "... its domain's SPF authorises it: the pool (mx and the include's /24) is clocked" \
	wait_long 10 "spf line" log_has "sender: spf client=$(v4 $CLEAN) domain=spf.example result=pass pool=3 clocked=2 "
check "... the other /24 holds the domain's clock" lookup_has 192.0.2.0/24 "greylist"

# A bot forges the domain from an address the record does not list,
# half-way through the domain's delay.
sleep_until() { sleep "$(awk -v t="$1" -v now="$(now_s)" 'BEGIN { s = t - now; print (s > 0 ? s : 0) }')"; }
sleep_until "$(awk -v t0="$t0" -v d=$DELAY 'BEGIN { printf "%.3f", t0 + d / 2 }')"
bot_send $BOT bot1
check "a bot forging $FROM from $(v4 $BOT): refused" not mta_saw "$(v4 $BOT)"
check "... SPF fails: its address keeps a clock of its own" \
	wait_long 10 "spf line" log_has "sender: spf client=$(v4 $BOT) domain=spf.example result=fail"

# After the domain's delay: the pool's first attempt from the other /24.
sleep_until "$(awk -v t0="$t0" -v d=$DELAY 'BEGIN { printf "%.3f", t0 + d + 1 }')"
sed -i "s|^smtp_bind_address = .*|smtp_bind_address = $POOL4|" "$cf/main.cf"
in_ns "$NS_C" postfix -c "$cf" start >/dev/null 2>&1
in_ns "$NS_C" postqueue -c "$cf" -f
# The bot's retry: after the domain's delay, before its own.
bot_send $BOT bot2
check "the bot's retry from $(v4 $BOT), before its own delay: still refused" not mta_saw "$(v4 $BOT)"
check "first attempt from $POOL4 (another /24, after the delay): delivered" \
	wait_long 20 "delivery" grep -q "X-Mxgate-Test: spf\$" "$MAILBOX"
check "... on its first attempt: one deferral in all" test "$(sender_deferrals $CLEAN spf)" -eq 1
check "... the MTA saw it from $POOL4" mta_saw "$POOL4"
check "... passed on the domain's clock" \
	log_has "verdict action=pass client=$POOL4 .*reasons=.*retried.*spf.* sender=spf.example"

bot_send $BOT2 bot3
check "the bot from a second unauthorised address: refused" not mta_saw "$(v4 $BOT2)"
check "... greylisted, not on the domain's clock" \
	log_has "verdict action=greylist client=$(v4 $BOT2) "
stats_line() { ctl stats | grep -q "sender keys: SPF checks [2-9][0-9]*, passed [1-9][0-9]*; .* clock [1-9]"; }
check "mxgatectl stats counts the sender keys" wait_for "sender keys counted" stats_line

stop_sender $CLEAN
summary sender
