#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_reload.sh - the admin's firewall reloads: "systemctl reload
# nftables" (an nft -f that starts with "flush ruleset") and an
# iptables-nft restore both remove mxgate's rules. mxgated notices
# (nftables netlink notifications), says so, and puts them back at once:
# a greylisted client gets its 450 from the responder again, never the
# MTA, and mxgatectl status counts the reinstalls. The time from the
# flush to the rules being back is printed, not asserted beyond a
# generous bound.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "reload: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated ||
	{ not_ok "test world started"; summary reload; exit 1; }

# greylisted - the dynamic-looking client meets the responder's 450
greylisted() {
	smtp_probe $DYNAMIC wait > "$TMP/grey.out" 2>&1
	# the 450 at RCPT TO, or, once it had that dialogue, the repeat's
	# greeting-time 421 (greylist_repeat_reply): refused either way
	grep -Eq '^(reply=450 4\.7\.1|banner=421 4\.7\.0) ' "$TMP/grey.out"
}
# rules_loaded - mxgate-rules status says the rules are in the kernel
rules_loaded() { in_ns "$NS_G" "$REPO/nftables/mxgate-rules" status >/dev/null 2>&1; }
# restored - mxgatectl status's count of reinstalls
restored() { ctl status 2>/dev/null | sed -n 's/^rules restored: \([0-9]*\).*/\1/p'; }
# restored_is OP N - that count compares to N (the daemon's counters
# reach the maps once a second: wait_for it)
restored_is() { test "$(restored)" "$1" "$2"; }
# rules_back T0 WHAT - wait for the rules (10 s at most), say how long
# it took from T0 (printed: a measurement, not a bound); 1 if never
rules_back() {
	wait_long 10 "rules back after $2" rules_loaded || return 1
	echo "# rules back $(awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.2f", b - a }') s after $2"
}

check "the greylisted client gets 450 from the responder" greylisted
check "mxgatectl status: rules loaded, none restored yet" test "$(restored)" = 0

t0=$(now_s)
in_ns "$NS_G" nft flush ruleset
rules_back "$t0" "nft flush ruleset"; rc=$?
check "after nft flush ruleset the rules are back (within 10 s)" test "$rc" = 0
check "... mxgated said why" log_has "rules: changed by someone else (.*); reinstalling them"
check "... and how long it took" wait_for "the reinstall logged" log_has "rules: reinstalled in [0-9]* ms"
check "... the greylisted client gets 450 again, not the MTA" greylisted
check "... mxgatectl status counts it" wait_for "rules restored 1" restored_is = 1

# iptables-nft-restore without --noflush empties the table it restores,
# mxgate's fallback chain included (this kernel uses the fallback).
t0=$(now_s)
printf '*mangle\nCOMMIT\n' | in_ns "$NS_G" iptables-nft-restore
printf '*mangle\nCOMMIT\n' | in_ns "$NS_G" ip6tables-nft-restore
rules_back "$t0" "iptables-nft-restore"; rc=$?
check "after an iptables-nft restore the rules are back (within 10 s)" test "$rc" = 0
check "... the greylisted client gets 450 again" greylisted
check "... mxgatectl status counts it" wait_for "rules restored 2" restored_is -ge 2

# Our own loads are not mistaken for someone else's: quiet when settled.
n=$(grep -c "reinstalling them" "$DAEMON_LOG")
sleep 2
check "no reinstall without a change (still $n)" \
	test "$(grep -c "reinstalling them" "$DAEMON_LOG")" -eq "$n"

summary reload
