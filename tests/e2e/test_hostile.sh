#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_hostile.sh - SYNs made to hide from mxgate's parser never reach the
# MTA unjudged. A SYN to port 25 with five IPv6 destination options
# headers, or one 256-byte header, was "not a new SYN" to the tc program
# and to mxgated (the parser walks four headers; NFQUEUE copies 256 bytes)
# while netfilter still queued it: it skipped every check, a cached block
# included. Real MTAs never send SYNs with extension headers: nftables
# drops them before anything else, and mxgated drops a queued SYN it
# cannot parse. A fragmented SYN is reassembled by netfilter and judged
# like any other. The SYNs are made by hand (craft_syn.py, raw sockets)
# and counted where the MTA lives.
set -u
. "$(dirname "$0")/lib.sh"

setup_network || { echo "hostile: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix && start_mxgated "unknown_client_action = block" ||
	{ not_ok "test world started"; # A first fragment without the whole TCP header (RFC 7112 forbids it) is
# dropped by the kernel's own reassembly, before any rule.
c0=$(reached 6 $FORGED)
craft 6 $FORGED splithdr
check "an IPv6 SYN whose TCP header is split across fragments never reaches the MTA" \
	test "$(reached 6 $FORGED)" = "$c0"

summary hostile; exit 1; }
CRAFT="$(dirname "$0")/craft_syn.py"

# Counters on the MTA's host: SYNs to port 25 from each source, after
# the host's own reassembly.
in_ns "$NS_S" nft add table inet count
in_ns "$NS_S" nft add chain inet count in '{ type filter hook input priority -10; }'
for h in $CLEAN $NOPTR $FORGED $SPARE; do
	for fam in 4 6; do
		in_ns "$NS_S" nft add counter inet count "c$fam-$h"
		if [ $fam = 4 ]; then sel="ip saddr $(v4 $h)"; else sel="ip6 saddr $(v6 $h)"; fi
		in_ns "$NS_S" nft add rule inet count in $sel tcp dport 25 \
			'tcp flags & (syn | ack) == syn' counter name "c$fam-$h"
	done
done
# reached FAM HOST - SYNs from HOST that reached the MTA's host
reached() { in_ns "$NS_S" nft list counter inet count "c$1-$2" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
# craft FAM HOST KIND... - one hand-made SYN from HOST to the MTA
craft() {
	local fam=$1 h=$2 src dst
	shift 2
	if [ "$fam" = 6 ]; then src=$(v6 "$h") dst=$MTA6; else src=$(v4 "$h") dst=$MTA4; fi
	in_ns "$NS_C" python3 "$CRAFT" "$src" "$dst" "$@"
	sleep 0.3
}

# The world as mxgate knows it: the clean sender passed, the no-PTR bot
# blocked (both judged from a plain SYN of their own).
send_mail $CLEAN 6 warmup
check "the clean sender is delivered (IPv6) and passed" delivered warmup
craft 6 $NOPTR plain
check "the no-PTR bot is blocked (cached)" wait_for "noptr verdict" lookup_has "$(v6 $NOPTR)" " block "
c0=$(reached 6 $CLEAN)
craft 6 $CLEAN plain
check "control: a hand-made plain SYN of the passed sender reaches the MTA ($c0 -> $(reached 6 $CLEAN))" \
	test "$(reached 6 $CLEAN)" -gt "$c0"
q0=$(queued_total)

for kind in "dstopts 5" "bigopts"; do
	craft 6 $NOPTR $kind
	check "$kind: the cached-block bot's SYN does not reach the MTA" test "$(reached 6 $NOPTR)" = 0
	craft 6 $FORGED $kind
	check "$kind: a fresh source's SYN does not reach the MTA" test "$(reached 6 $FORGED)" = 0
done
check "... and none was queued to mxgated (queued $q0 -> $(queued_total))" test "$(queued_total)" -eq "$q0"
check "... the fresh source has no verdict: never judged, never passed" not ctl lookup "$(v6 $FORGED)"
check "... counted by the ruleset" eval "in_ns $NS_G nft list ruleset | grep -q 'counter packets [1-9].* comment \"mxgate: SYN with IPv6 extension headers\"'"

# Fragmented SYNs: reassembled by netfilter, then judged as usual (the
# tc program cannot judge a fragment; the reassembled SYN is queued).
for fam in 4 6; do
	craft $fam $NOPTR fragment
	check "fragmented SYN (IPv$fam) of the cached-block bot does not reach the MTA" \
		test "$(reached $fam $NOPTR)" = 0
	c0=$(reached $fam $CLEAN)
	[ $fam = 4 ] && { send_mail $CLEAN 4 warmup4; delivered warmup4 >/dev/null; c0=$(reached 4 $CLEAN); }
	craft $fam $CLEAN fragment
	check "fragmented SYN (IPv$fam) of the passed sender reaches the MTA" \
		test "$(reached $fam $CLEAN)" -gt "$c0"
	craft $fam $SPARE fragment
	check "fragmented SYN (IPv$fam) of a fresh source is judged, not passed unjudged" \
		wait_for "spare judged" eval "log_has 'verdict action=[a-z]* client=$( [ $fam = 4 ] && v4 $SPARE || v6 $SPARE) '"
done

# A first fragment without the whole TCP header (RFC 7112 forbids it) is
# dropped by the kernel's own reassembly, before any rule.
c0=$(reached 6 $FORGED)
craft 6 $FORGED splithdr
check "an IPv6 SYN whose TCP header is split across fragments never reaches the MTA" \
	test "$(reached 6 $FORGED)" = "$c0"

summary hostile
