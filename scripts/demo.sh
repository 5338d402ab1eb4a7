#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# demo.sh - mxgate's main job on the default configuration, in network
# namespaces: a real DNS server (nsd) with forward and reverse zones, a
# real MTA (Postfix) behind a gateway running mxgated, a legitimate
# sending server (IPv4 and IPv6), a real sending Postfix on a
# dynamic-looking line that S25R misjudges, and bots. Prints what
# happened to each and cleans up everything. The only change to the
# defaults is a greylist delay of seconds instead of 25 minutes. `make
# demo` builds first, then runs this as root. Exit 0 only when every
# client met the fate the story tells.
set -u
[ "$(id -u)" = 0 ] || { echo "demo: run as root (namespaces, tc, nftables)" >&2; exit 1; }
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"
if [ ! -x "$BUILD/mxgated" ] || [ ! -x "$BUILD/mxgatectl" ]; then
	echo "demo: build first: make" >&2
	exit 1
fi

say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    /'; }
expected=0
# unexpected TEXT - say what went wrong; the demo will exit 1
unexpected() { say "  !! $*"; expected=1; }

# addr HOST FAMILY - the client's address
addr() { if [ "$2" = 6 ]; then v6 "$1"; else v4 "$1"; fi; }

# field NAME LINE - the value of NAME=... in a verdict log line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# why RULE FCRDNS - the verdict's reason in words
why() {
	case $1 in
	s25r0) if [ "$2" = none ]; then echo "S25R rule 0: no reverse DNS"
	       else echo "S25R rule 0: the PTR name does not resolve back to the address"; fi;;
	s25r[1-6]) echo "S25R rule ${1#s25r}: the name looks like an end-user line";;
	*) echo "rule $1";;
	esac
}

# ptr_of ADDR - what the DNS says, asked from the gateway like mxgated does
ptr_of() { in_ns "$NS_G" dig +short +time=2 +tries=1 -x "$1" @"$DNS4" | head -n 1 | sed 's/\.$//'; }

# legit HOST FAMILY - send from a clean mail server, tell the story
legit() {
	local a tag=legit$1-$2 qid
	a=$(addr "$1" "$2")
	send_mail "$1" "$2" "$tag" 10
	qid=$(queue_id "$tag")
	if delivered "$tag" 2>/dev/null && mta_sent "$tag" 2>/dev/null; then
		say "legit sender $a ($(ptr_of "$a")): delivered by Postfix (queue id $qid, status=sent)"
	else
		say "legit sender $a: NOT delivered"
		unexpected "$(tail -n 3 "$TMP/swaks-$tag.log")"
	fi
	if grep -q "verdict action=pass client=$a " "$DAEMON_LOG"; then
		grep "verdict .* client=$a " "$DAEMON_LOG" | indent
	else
		unexpected "mxgated logged no pass verdict for it"
	fi
}

# bot HOST FAMILY - after its swaks gave up: tell what stopped it
bot() {
	local a tag=bot$1-$2 line ptr reply
	a=$(addr "$1" "$2")
	line=$(grep "verdict .* client=$a " "$DAEMON_LOG" | head -n 1)
	ptr=$(ptr_of "$a")
	reply=$(sed -n 's/^<\*\* *\(450 .*\)/\1/p' "$TMP/swaks-$tag.log" | head -n 1)
	say "bot $a (${ptr:-no PTR}):"
	if mta_saw "$a"; then
		unexpected "it reached the MTA"
	elif [ -z "$line" ]; then
		unexpected "it never reached the MTA, but mxgated logged no verdict for it"
	else
		say "  greylisted, never reached the MTA ($(why "$(field rule "$line")" "$(field fcrdns "$line")"))"
	fi
	[ -n "$line" ] && say "$line" | indent
	if [ -n "$reply" ]; then
		say "  mxgate's responder told it: $reply"
	else
		unexpected "it got no 450 from the responder"
	fi
}

DELAY=6			# greylist_delay: 25 minutes by default, seconds here
MTA_ON_DSL=60		# a real Postfix on a dynamic-looking line

say "== mxgate demo =="
say "clients 198.51.100.0/24, 2001:db8:c::/64 -> gateway (tc, NFQUEUE, mxgated) -> Postfix 203.0.113.25; DNS: nsd 203.0.113.53"
say "default configuration, except greylist_delay = ${DELAY}s (25m by default)"
if ! { setup_network && add_client $MTA_ON_DSL p2166-ipngn100106kobe.hyogo &&
	start_nsd && start_postfix && start_mxgated "greylist_delay = ${DELAY}s" &&
	start_sender $MTA_ON_DSL; }; then
	say "demo: could not start the test world"
	tail -n 20 "$DAEMON_LOG" 2>/dev/null
	exit 1
fi
grep 'mxgate-rules:' "$DAEMON_LOG" | sed 's/^mxgated: //' | indent
say ""

legit "$CLEAN" 4
legit "$CLEAN" 6
say ""

# A real mail server that S25R misjudges: greylisted, it retries on its
# own schedule and is let in by the tc program once the delay is over.
a=$(v4 $MTA_ON_DSL)
say "mail server $a on a dynamic-looking line ($(ptr_of "$a")), a real Postfix:"
t0=$(date +%s)
sender_submit $MTA_ON_DSL dsl1
if wait_long 20 "first deferral" sender_has $MTA_ON_DSL dsl1 'status=deferred' 2>/dev/null; then
	say "  first attempt: $(grep -o '450 4\.7\.1[^)]*' "$(sender_log $MTA_ON_DSL)" | head -n 1); Postfix keeps the message queued"
else
	unexpected "it was not deferred by the responder"
fi
if wait_long 60 "relayed" relayed $MTA_ON_DSL dsl1 2>/dev/null; then
	say "  its own retry after $(($(date +%s) - t0)) s: delivered to the MTA (greylist_delay ${DELAY}s)"
	grep "promoted .*client=$a " "$DAEMON_LOG" | head -n 1 | indent
else
	unexpected "it was never delivered"
fi
sender_submit $MTA_ON_DSL dsl2
if wait_long 20 "relayed" relayed $MTA_ON_DSL dsl2 2>/dev/null &&
	[ "$(sender_deferrals $MTA_ON_DSL dsl2)" = 0 ]; then
	say "  its next message: delivered at once, remembered for allowlist_ttl (20 days)"
else
	unexpected "its second message was deferred or not delivered"
fi
say ""

# The bots try at the same time. They get the responder's 450 and,
# being bots, never come back.
bots=("$DYNAMIC 4" "$NOPTR 4" "$FORGED 4" "$DYNAMIC 6")
pids=()
for b in "${bots[@]}"; do
	read -r h f <<<"$b"
	send_mail "$h" "$f" "bot$h-$f" 8 &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" && unexpected "a bot's swaks session succeeded"; done
for b in "${bots[@]}"; do
	read -r h f <<<"$b"
	bot "$h" "$f"
done
say ""

say "the dynamic bot comes back at once: the tc program sends it to the responder without waking mxgated"
q=$(queued_total)
send_mail "$DYNAMIC" 4 "again" 3
say "  SYNs queued to mxgated this time: $(($(queued_total) - q)); reached the MTA: $(mta_saw "$(v4 "$DYNAMIC")" && echo yes || echo no)"
[ "$(queued_total)" = "$q" ] || unexpected "the bot's SYN went to the queue again"
say ""

say "mxgated dies (kill -9); mail keeps flowing (queue bypass), cached verdicts still hold:"
stop_mxgated 9
send_mail "$SPARE" 4 "demo-bypass" 20
if delivered demo-bypass 2>/dev/null; then
	say "  new mail server $(v4 "$SPARE"): delivered without the daemon (queue id $(queue_id demo-bypass))"
else
	unexpected "new mail server $(v4 "$SPARE"): NOT delivered"
fi
send_mail "$NOPTR" 4 "demo-cached" 3
if mta_saw "$(v4 "$NOPTR")"; then
	unexpected "known bot $(v4 "$NOPTR"): reached the MTA"
else
	say "  known bot $(v4 "$NOPTR"): still kept from the MTA (its verdict stays in the kernel)"
fi
say ""
say "what mxgate counted (mxgatectl stats, the seeds' breakdown):"
ctl stats | sed '/^$/,$d' | indent
say ""
if [ $expected = 0 ]; then
	say "demo: OK - the legitimate servers were delivered (the misjudged one after one retry), every bot was stopped before the MTA"
else
	say "demo: UNEXPECTED - see above"
fi
exit $expected
