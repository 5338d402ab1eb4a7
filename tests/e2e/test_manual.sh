#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_manual.sh - the admin's word, end to end (mxgatectl allow, block,
# forget, list --manual): a blocked client allowed is delivered at its
# next attempt, a passed one blocked is refused at its next, neither SYN
# going to the daemon; the longest prefix wins (IPv4 and IPv6); the
# decisions survive a restart of mxgated and a wipe of the kernel maps
# (as by a reboot); forget takes them back (the client is judged anew);
# a SYN held in NFQUEUE while DNS is slow is released by a decision made
# meanwhile, not by the classifier. Needs root.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_network || { echo "manual: 0 passed, 1 failed"; exit 1; }
CONF_EXTRA="s25r_action = block
unknown_client_action = block"
if ! { start_nsd && start_postfix && start_mxgated "$CONF_EXTRA"; }; then
	not_ok "test world started"
	summary manual
	exit 1
fi

# mctl ARGS... - mxgatectl with the daemon's configuration (its pin_dir
# and state_dir, where the decisions are kept)
mctl() { in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" "$@"; }

# run ARGS... - mctl; sets OUT, ERR and RC
run() {
	OUT=$(mctl "$@" 2>"$TMP/ctl.err"); RC=$?
	ERR=$(cat "$TMP/ctl.err")
}

# out_matches ERE - the last run's standard output matches ERE
out_matches() { grep -qE -- "$1" <<<"$OUT"; }

# not_delivered TAG - the message with this tag is not in the mailbox
not_delivered() { ! grep -q "X-Mxgate-Test: $1\$" "$MAILBOX" 2>/dev/null; }

# held - NFQUEUE holds a SYN (waiting for its verdict)
held() { [ "$(nfq_held)" -gt 0 ]; }

# refused HOST FAM TAG - swaks from HOST fails within 6 s, nothing arrives
refused() { ! send_mail "$1" "$2" "$3" 6 && not_delivered "$3"; }

dyn=$(v4 "$DYNAMIC") clean6=$(v6 "$CLEAN") spare=$(v4 "$SPARE") clean4=$(v4 "$CLEAN")

# --- allow a blocked client: delivered at once
check "the dynamic client is refused (S25R, block)" refused "$DYNAMIC" 4 bot1
check "... its verdict is a block" lookup_has "$dyn" " block reasons=s25r1,fcrdns "
q=$(queued_total)
run allow "$dyn" "our customer, ticket #7"
check "allow: exit 0 ($ERR)" test "$RC" -eq 0
check "allow: prints the decision, reason manual, forever, with the comment ($OUT)" \
	out_matches '^198\.51\.100\.20 pass reasons=manual age=[0-9]+s forever hits=0 comment="our customer, ticket #7"$'
send_mail "$DYNAMIC" 4 allowed1
check "allowed: the dynamic client is delivered at its next attempt" delivered allowed1
check "... without its SYN going to the daemon (queued $q -> $(queued_total))" \
	test "$(queued_total)" -eq "$q"
run lookup "$dyn"
check "lookup: the manual decision first, then the cached block it overrules ($OUT)" \
	test "$RC" -eq 0 -a "$(sed -n 1p <<<"$OUT" | cut -d' ' -f1-3)" = "$dyn pass reasons=manual" -a \
	"$(sed -n 2p <<<"$OUT" | cut -d' ' -f1-2)" = "$dyn block"

# --- block a passed client: refused at once
send_mail "$CLEAN" 6 clean6a
check "the clean sender is delivered over IPv6 (a cached pass)" delivered clean6a
check "... lookup says pass" lookup_has "$clean6" " pass reasons=fcrdns "
n=$(mta_connects "$clean6") q=$(queued_total)
run block "$clean6" 1h compromised, see ticket 8
check "block with a lifetime and a comment of several words ($OUT)" \
	out_matches '^2001:db8:c::10 block reasons=manual age=[0-9]+s expires_in=(3600|3599)s hits=0 comment="compromised, see ticket 8"$'
check "blocked: the passed client is refused at its next attempt" refused "$CLEAN" 6 clean6b
check "... it never reached the MTA (connects $n -> $(mta_connects "$clean6"))" \
	test "$(mta_connects "$clean6")" -eq "$n"
check "... and its SYNs never went to the daemon" test "$(queued_total)" -eq "$q"
check "... its cached pass is left in place" lookup_has "$clean6" " pass reasons=fcrdns "

# --- prefixes: the longest wins
run block 198.51.100.8/29 the /29
check "block a /29 ($OUT)" out_matches '^198\.51\.100\.8/29 block reasons=manual '
run allow "$spare" forever mx2 stays
check "allow one address inside it, lifetime forever ($OUT)" \
	out_matches '^198\.51\.100\.11 pass reasons=manual age=[0-9]+s forever hits=0 comment="mx2 stays"$'
send_mail "$SPARE" 4 spare4
check "the /32 allow beats the /29 block" delivered spare4
check "the /29 block refuses its other client ($clean4), never seen before" \
	refused "$CLEAN" 4 clean4a
check "... which has no verdict: the daemon never heard of it" \
	test -z "$(ctl list | grep "^$clean4 ")"
check "an IPv6 S25R bot is refused" refused "$DYNAMIC" 6 bot6
run allow 2001:db8:c::/64 30m the client net
check "allow an IPv6 /64 for 30 minutes ($OUT)" \
	out_matches '^2001:db8:c::/64 pass reasons=manual age=[0-9]+s expires_in=(1800|1799)s hits=0 comment="the client net"$'
send_mail "$DYNAMIC" 6 dyn6
check "the /64 allow lets the IPv6 bot through" delivered dyn6
check "the /128 block inside it still refuses the compromised sender" \
	refused "$CLEAN" 6 clean6c

# --- list --manual, counters
run list --manual
check "list --manual: exit 0, the five decisions" test "$RC" -eq 0 -a "$(grep -c '' <<<"$OUT")" -eq 5
check "list --manual: every line reason manual, in one format" \
	test "$(grep -cE '^[0-9a-f.:/]+ (pass|block) reasons=manual age=[0-9]+s (forever|expires_in=[0-9]+s|expired) hits=[0-9]+( comment="[^"]*")?$' <<<"$OUT")" -eq 5
check "list --manual: sorted by address, IPv4 first" \
	test "$(cut -d' ' -f1 <<<"$OUT" | tr '\n' ' ')" = "198.51.100.8/29 198.51.100.11 198.51.100.20 2001:db8:c::/64 2001:db8:c::10 "
check "list --manual: the block counts the SYNs it refused" \
	grep -qE '^2001:db8:c::10 block .* hits=[1-9][0-9]* ' <<<"$OUT"
check "list --manual: the allow counts the SYNs it let by" \
	grep -qE '^198\.51\.100\.20 pass .* hits=[1-9][0-9]* ' <<<"$OUT"
run list --manual --action block
check "list --manual --action block: the two blocks" test "$RC" -eq 0 -a "$(grep -c '' <<<"$OUT")" -eq 2
check "list (no --manual) shows verdicts only" not grep -q 'reasons=manual' <<<"$(ctl list)"
check "stats: refused SYNs counted under reason_manual" test "$(stat_value reason_manual)" -gt 0
check "the decisions are on disk, one line each" \
	test "$(grep -vc '^#' "$TMP/state/manual")" -eq 5
check "... root's alone (0600)" test "$(stat -c %a "$TMP/state/manual")" = 600

# --- an mxgated restart, then a reboot (the maps wiped)
stop_mxgated 15
start_mxgated "$CONF_EXTRA"
check "restart: the decisions are put back from their file" \
	log_has "manual: 5 decision(s) in force from $TMP/state/manual"
send_mail "$DYNAMIC" 4 allowed2
check "restart: the allowed client is still delivered" delivered allowed2
check "restart: the blocked client is still refused" refused "$CLEAN" 6 clean6d
hits=$(mctl list --manual | sed -n 's/^2001:db8:c::10 .* hits=\([0-9]*\).*/\1/p')
wipe_maps
check "reboot: no manual map is left" not test -e "$PIN/manual"
start_mxgated "$CONF_EXTRA"
check "reboot: the five decisions are restored" test "$(mctl list --manual | grep -c '')" -eq 5
check "reboot: ... comments and lifetimes kept" \
	grep -qE '^2001:db8:c::10 block reasons=manual age=[0-9]+s expires_in=3[0-9]{3}s hits=0 comment="compromised, see ticket 8"$' \
	<<<"$(mctl list --manual)"
check "reboot: (hits of a decision start again: were $hits)" test "${hits:-0}" -gt 0
send_mail "$DYNAMIC" 4 allowed3
check "reboot: the allowed client is delivered" delivered allowed3
check "reboot: the blocked client is refused" refused "$CLEAN" 6 clean6e

# --- forget
run forget "$dyn"
check "forget an address: the manual allow and its cached verdict ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = "$dyn forgotten: the manual allow, 1 verdict(s)"
check "forget: lookup finds nothing" not ctl lookup "$dyn"
check "forget: the client is judged anew, and refused" refused "$DYNAMIC" 4 bot2
check "... by a new verdict" lookup_has "$dyn" " block reasons=s25r1,fcrdns "
run forget 198.51.100.8/29
check "forget a prefix: its decision ($OUT)" \
	test "$RC" -eq 0 -a "$OUT" = "198.51.100.8/29 forgotten: the manual block"
send_mail "$CLEAN" 4 clean4b
check "forget: the client the /29 refused is judged, and delivered" delivered clean4b
send_mail "$SPARE" 4 spare4b
check "forget: the /32 allow inside it stays" delivered spare4b
run forget 203.0.113.99
check "forget: nothing to forget is exit 1, one line ($ERR)" \
	test "$RC" -eq 1 -a -z "$OUT" -a "$ERR" = "mxgatectl: 203.0.113.99 has no verdict and no manual decision"
run forget 198.51.100.0/24
check "forget a /24: every verdict under it ($OUT)" \
	grep -qE "^198\.51\.100\.0/24 forgotten: [2-9] verdict\(s\)$" <<<"$OUT"
check "... none left in the kernel" test -z "$(ctl list | grep '^198\.51\.100\.')"
check "... the allow of 198.51.100.11 is a /32: not a verdict, kept" \
	grep -q '^198\.51\.100\.11 pass reasons=manual' <<<"$(mctl list --manual)"
check "the file holds what is left (3 decisions)" test "$(grep -vc '^#' "$TMP/state/manual")" -eq 3

# --- a SYN held while DNS is slow is released by the admin's decision
stop_mxgated 15
MXG_DNS=$SILENT_DNS4 MXG_TIMEOUT=8s start_mxgated "$CONF_EXTRA"
forged=$(v4 "$FORGED") noptr=$(v4 "$NOPTR")
send_mail "$FORGED" 4 held-allow 30 &
pid=$!
check "a SYN of a new client waits in NFQUEUE (DNS does not answer)" \
	wait_for "a held SYN" held
run allow "$forged" while held
check "allow while it waits: exit 0" test "$RC" -eq 0
wait "$pid"
check "the held client is delivered" delivered held-allow
# Its retransmits pass in the kernel now; the held SYNs go at the deadline.
check "... the held SYNs released by the admin's decision, not the classifier's" \
	wait_for "the held SYNs' verdict" log_has "verdict action=pass client=$forged .*reasons=manual"
check "... NFQUEUE holds nothing any more" wait_for "an empty queue" not held
check "... and no verdict of the classifier was written" \
	test -z "$(ctl list | grep "^$forged ")"
send_mail "$NOPTR" 4 held-block 14 &
pid=$!
check "another new client's SYN waits in NFQUEUE" wait_for "a held SYN" held
run block "$noptr" while held
wait "$pid"
rc=$?
check "block while it waits: the client is refused (swaks rc $rc)" test "$rc" -ne 0
check "... never reached the MTA" not mta_saw "$noptr"
check "... dropped by the admin's decision" \
	wait_for "the held SYNs' verdict" log_has "verdict action=block client=$noptr .*reasons=manual"

summary manual
