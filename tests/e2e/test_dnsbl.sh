#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_dnsbl.sh - weighted DNS lists, postscreen syntax, against real
# zones in nsd: a listed client is blocked with its score in the log; a
# DNSWL client with an S25R-looking name passes; an error code
# (127.255.255.x) is logged and never counts; a list that answers
# 127.0.0.2 for everything fails its health probe and blocks no one.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "dnsbl: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated "dnsbl_sites = bl.test.example=127.0.0.[2..11]*3, wl.test.example=127.0.[0..255].[1..3]*-2, broken.test.example*5
dnsbl_threshold = 3
dnsbl_allowlist_threshold = -1" ||
	{ not_ok "test world started"; summary dnsbl; exit 1; }
wait_for "list probes" log_has "dnsbl: wl.test.example passes its probe"
check "bl passes its health probe" log_has "dnsbl: bl.test.example passes its probe"
check "the list that lists everything is set aside" \
	log_has "warning: dnsbl: broken.test.example set aside: 127.0.0.1 is listed"

send_mail $SPARE 4 listed 4
check "a listed client never reaches the MTA" not mta_saw "$(v4 $SPARE)"
check "... blocked by the DNSBL with its score in the log" \
	log_has "verdict action=block client=$(v4 $SPARE) ptr=mx2.sender.example fcrdns=pass rule=none reasons=fcrdns,dnsbl .* dnsbl=3"
check "... and mxgatectl shows the score" lookup_has "$(v4 $SPARE)" " block reasons=fcrdns,dnsbl .* dnsbl=3"

send_mail $DYNAMIC 4 allowlisted
check "a DNSWL client with an S25R-looking name is delivered" delivered allowlisted
check "... its verdict keeps s25r1 and says dnswl" \
	log_has "verdict action=pass client=$(v4 $DYNAMIC) .* rule=s25r1 reasons=s25r1,fcrdns,dnswl .* dnsbl=-2"

send_mail $CLEAN 4 clean
check "an error-code answer does not block the clean sender" delivered clean
check "... it is logged as an error, naming list and client" \
	log_has "warning: dnsbl: bl.test.example answered 127.255.255.254 for client=$(v4 $CLEAN): an error code"
check "... and counted nothing (the broken list neither)" \
	log_has "verdict action=pass client=$(v4 $CLEAN) .* dnsbl=0"

# mxgatectl check ADDR: the whole classifier as a dry run.
out=$(in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" check "$(v4 $SPARE)" 2>/dev/null); rc=$?
echo "$out" | sed 's/^/# /'
check "check ADDR: the listed client would be blocked (exit $rc)" test "$rc" -eq 1
check "check ADDR: shows the score" grep -q "^dnsbl: *score 3" <<<"$out"
check "check ADDR: shows the verdict with its reasons" \
	grep -q "^verdict: *block reasons=fcrdns,dnsbl" <<<"$out"
out=$(in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" check "$(v4 $FORGED)" 2>/dev/null); rc=$?
check "check ADDR: a forged PTR is explained as rule 0" \
	grep -q "^ptr: *forged.example.com (fcrdns fail)" <<<"$out"
check "check ADDR: writes nothing (no verdict for the client afterwards)" \
	not ctl lookup "$(v4 $FORGED)"
out=$(in_ns "$NS_G" "$BUILD/mxgatectl" -c "$TMP/mxgate.conf" check "$(v4 $CLEAN)" 2>/dev/null); rc=$?
check "check ADDR: the clean sender would pass (exit $rc)" test "$rc" -eq 0

summary dnsbl
