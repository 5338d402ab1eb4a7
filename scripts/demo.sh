#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# demo.sh - mxgate's main job on an embedded default, in network
# namespaces: a real DNS server (nsd) with forward and reverse zones, a
# real MTA (Postfix) behind a gateway running mxgated, a legitimate
# sending server and three bots. Prints what happened to each and cleans
# up everything. `make demo` builds first, then runs this as root.
# Exit 0 only when every client met the fate the story tells.
set -u
. "$(dirname "$0")/../tests/e2e/lib.sh"

[ "$(id -u)" = 0 ] || { echo "demo: run as root (namespaces, tc, nftables)" >&2; exit 1; }
[ -x "$BUILD/mxgated" ] || { echo "demo: build first: make" >&2; exit 1; }

say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    /'; }
expected=0

say "== mxgate demo =="
say "Setting up: clients 198.51.100.0/24 -> gateway (mxgated, tc, NFQUEUE) -> Postfix 203.0.113.25, DNS nsd 203.0.113.53"
setup_network && start_nsd && start_postfix && start_mxgated ||
	{ say "demo: could not start the test world"; cat "$DAEMON_LOG"; exit 1; }
grep 'mxgate-rules:' "$DAEMON_LOG" | sed 's/^mxgated: //' | indent
say ""

# tell HOST LABEL - what happened to the mail HOST sent
tell() {
	local host=$1 label=$2 a ptr hits
	a=$(v4 "$host")
	ptr=$(in_ns "$NS_G" dig +short -x "$a" @"$DNS4" | head -n 1)
	say "$label $a (PTR ${ptr:-none})"
	# swaks has finished: had the client reached Postfix, it is logged.
	if mta_saw "$a" && delivered "demo$host" 2>/dev/null; then
		say "  -> delivered by Postfix: $(grep -o 'status=sent.*' "$MAILLOG" | tail -n 1)"
	elif mta_saw "$a"; then
		say "  -> reached the MTA but was not delivered"
	else
		hits=$(ctl lookup "$a" | sed -n 's/.* hits=//p')
		say "  -> refused at the TCP level, never reached the MTA;"
		say "     its first SYN went to mxgated, ${hits:-0} retransmits were dropped by the tc program"
	fi
	grep "client=$a " "$DAEMON_LOG" | indent
	say "  mxgatectl lookup: $(ctl lookup "$a")"
	say ""
}

send_mail $CLEAN 4 "demo$CLEAN" 10
tell $CLEAN "Legitimate mail server"
delivered "demo$CLEAN" 2>/dev/null || expected=1
# The bots try at once; each gives up after 8 s of unanswered SYNs.
pids=
for h in $DYNAMIC $NOPTR $FORGED; do send_mail "$h" 4 "demo$h" 8 & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
for h in $DYNAMIC $NOPTR $FORGED; do
	case $h in
	"$DYNAMIC") tell "$h" "Bot on a dynamic line";;
	"$NOPTR") tell "$h" "Bot without reverse DNS";;
	*) tell "$h" "Bot with a forged PTR";;
	esac
	mta_saw "$(v4 "$h")" && expected=1
done

say "The same bot comes back: its SYN is dropped by the tc program and never wakes mxgated."
q=$(queued_total)
send_mail $DYNAMIC 4 "again" 3
say "  SYNs queued this time: $(( $(queued_total) - q ))"
[ "$(queued_total)" = "$q" ] || expected=1
say ""

say "mxgated dies (kill -9); mail keeps flowing (queue bypass), cached verdicts still hold:"
stop_mxgated 9
send_mail $SPARE 4 "demo-bypass" 20
if delivered demo-bypass 2>/dev/null; then
	say "  new mail server $(v4 $SPARE): delivered without the daemon"
else
	say "  new mail server $(v4 $SPARE): NOT delivered"; expected=1
fi
send_mail $NOPTR 4 "demo-cached" 3
if mta_saw "$(v4 $NOPTR)"; then
	say "  known bot $(v4 $NOPTR): reached the MTA"; expected=1
else
	say "  known bot $(v4 $NOPTR): still dropped in the kernel"
fi
say ""
say "Kernel counters (mxgatectl stats, non-zero):"
ctl stats | awk '$2 != 0' | indent
say ""
if [ $expected = 0 ]; then
	say "demo: OK - the legitimate server was delivered, every bot was stopped before the MTA"
else
	say "demo: UNEXPECTED - see above"
fi
exit $expected
