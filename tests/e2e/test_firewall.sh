#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_firewall.sh - mxgate behind the admin's own firewall (issue 10,
# section 2), with the real responder. The gateway first has a typical
# default-drop "table inet filter" (established, loopback, ICMP and
# ICMPv6 - without which IPv6 neighbour discovery fails -, ports 22 and
# 25 accepted), then an iptables-nft ruleset with INPUT DROP (ip and
# ip6). For each, over IPv4 and IPv6:
#   - mxgated's log has the loader's warning naming the chain and giving
#     the exact rule to add;
#   - a greylisted client gets no answer at all (its redirected
#     connection dies in the admin's chain) although the kernel counts
#     it as sent to the responder;
#   - with the rule from the warning added, it gets the responder's 450;
#   - with firewall_accept = yes (set by a reload: a rules-class key) it
#     gets its 450 without the admin adding anything, and the log says
#     what was inserted where;
#   - "mxgated -u" leaves the admin's ruleset as it was before mxgated
#     started: byte for byte for nftables, counter values aside for
#     iptables-nft (which counts every rule, and our clients pass some).
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

if ! { setup_network && start_nsd && start_postfix; }; then
	not_ok "test world started"
	summary firewall
	exit 1
fi
noptr4=$(v4 $NOPTR)

# gw_ruleset - the gateway's ruleset; masked: without counter values
gw_ruleset() { in_ns "$NS_G" nft list ruleset 2>/dev/null; }
masked() { gw_ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/g'; }
# log_from LINE REGEX - the daemon logged a line matching REGEX at or
# after line LINE; log_lines: where the log ends now
log_from() { tail -n +"$1" "$DAEMON_LOG" | grep -q -- "$2"; }
log_lines() { echo $(($(wc -l <"$DAEMON_LOG") + 1)); }
# reloads_above N - mxgated logged more than N finished reloads
reloads_above() { [ "$(grep -c 'reload: .* in effect' "$DAEMON_LOG")" -gt "$1" ]; }
reload() {
	local n
	n=$(grep -c 'reload: .* in effect' "$DAEMON_LOG")
	kill -HUP "$MXGATED_PID"
	wait_for "reload" reloads_above "$n"
}
# try_both TAG TIMEOUT - the greylisted client sends over IPv4 and IPv6
# at once (TAG4, TAG6); got_450 TAG - that session got the responder's 450
# (or, for a client back after that dialogue, the repeat's greeting-time
# 421, greylist_repeat_reply: refused by the responder either way)
try_both() {
	send_mail $NOPTR 4 "${1}4" "$2" &
	local p=$!
	send_mail $NOPTR 6 "${1}6" "$2"
	wait "$p"
}
got_450() { grep -Eq '<\*\* *(450 4\.7\.1|421 4\.7\.0) .*S25R check, be patient' "$TMP/swaks-$1.log"; }
no_answer() { ! grep -q '^ *<[-*]\{1,2\} *[0-9][0-9][0-9] ' "$TMP/swaks-$1.log"; }
# uninstall - stop mxgated, then "mxgated -u": the rules come out
uninstall() {
	stop_mxgated 15
	in_ns "$NS_G" "$BUILD/mxgated" -u -c "$TMP/mxgate.conf" >>"$DAEMON_LOG" 2>&1
}

# --- nftables: a default-drop table inet filter ----------------------------
in_ns "$NS_G" nft -f - <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport { 22, 25 } accept
	}
}
EOF
gw_ruleset >"$TMP/before.nft"
start_mxgated || not_ok "mxgated started"
WARN='mxgated: warning: mxgate-rules: chain inet filter input (policy drop) drops greylisted clients redirected to the responder (port 10025); add: nft insert rule inet filter input tcp dport 10025 ct status dnat accept'
check "mxgated logged, at start, the warning naming the chain and the rule to add" \
	grep -qxF "$WARN" "$DAEMON_LOG"

r0=$(stat_value to_responder)
try_both drop 6
for fam in 4 6; do
	check "IPv$fam: under the admin's drop the greylisted client gets no answer (no banner, no 450)" \
		no_answer drop$fam
done
check "... although the kernel counts it as sent to the responder (to_responder $r0 -> $(stat_value to_responder))" \
	wait_for "to_responder" stat_is to_responder -gt "${r0:-0}"
check "... and mxgated judged it: greylist" lookup_has "$noptr4" " greylist "

add=$(sed -n 's/.*; add: //p' "$DAEMON_LOG" | head -n1)
# shellcheck disable=SC2086 # the command as an admin pastes it
in_ns "$NS_G" $add
try_both added 15
for fam in 4 6; do
	check "IPv$fam: after '$add' the greylisted client gets the responder's 450" got_450 added$fam
done
check "... and never the MTA" not mta_saw "$noptr4"
h=$(in_ns "$NS_G" nft -a list chain inet filter input | sed -nE 's/.*tcp dport 10025 ct status dnat accept # handle ([0-9]+)$/\1/p')
in_ns "$NS_G" nft delete rule inet filter input handle "$h"

from=$(log_lines)
echo "firewall_accept = yes" >>"$TMP/mxgate.conf"
reload
check "a reload with firewall_accept = yes inserted the rule into the admin's chain, and logged it" \
	log_from "$from" 'mxgated: mxgate-rules: firewall_accept: chain inet filter input (policy drop) would drop greylisted clients redirected to the responder; inserted at its top: tcp dport 10025 ct status dnat accept comment "mxgate: responder accept"'
check "... without a warning this time" not log_from "$from" 'warning: mxgate-rules: chain'
check "... as the first rule of the chain" test "$(in_ns "$NS_G" nft list chain inet filter input | sed -n '4s/^[[:space:]]*//p')" = \
	'tcp dport 10025 ct status dnat accept comment "mxgate: responder accept"'
try_both auto 15
for fam in 4 6; do
	check "IPv$fam: with firewall_accept = yes the greylisted client gets its 450 (or the repeat's 421)" got_450 auto$fam
done

uninstall
if diff -u "$TMP/before.nft" <(gw_ruleset) >"$TMP/diff"; then
	ok "mxgated -u leaves the ruleset byte for byte as before mxgated started"
else
	not_ok "mxgated -u leaves the ruleset byte for byte as before mxgated started"
	sed 's/^/  #   /' "$TMP/diff" | head -n 30
fi
in_ns "$NS_G" nft delete table inet filter
sed -i '/^firewall_accept = /d' "$TMP/mxgate.conf"

# --- iptables-nft: INPUT DROP, ip and ip6 ----------------------------------
for t in iptables-nft ip6tables-nft; do
	in_ns "$NS_G" $t -P INPUT DROP
	in_ns "$NS_G" $t -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	in_ns "$NS_G" $t -A INPUT -i lo -j ACCEPT
	[ $t = iptables-nft ] && in_ns "$NS_G" $t -A INPUT -p icmp -j ACCEPT
	[ $t = ip6tables-nft ] && in_ns "$NS_G" $t -A INPUT -p ipv6-icmp -j ACCEPT
	in_ns "$NS_G" $t -A INPUT -p tcp -m multiport --dports 22,25 -j ACCEPT
done
masked >"$TMP/before.ipt"
from=$(log_lines)
start_mxgated || not_ok "mxgated started again"
for fam in ip ip6; do
	cmd=iptables-nft
	[ $fam = ip6 ] && cmd=ip6tables-nft
	check "iptables-nft: mxgated logged the warning for chain $fam filter INPUT with the $cmd rule" \
		log_from "$from" "mxgated: warning: mxgate-rules: chain $fam filter INPUT (policy drop) drops greylisted clients redirected to the responder (port 10025); add: $cmd -I INPUT -p tcp --dport 10025 -m conntrack --ctstate DNAT -j ACCEPT\$"
done
try_both idrop 6
for fam in 4 6; do
	check "IPv$fam: under INPUT DROP the greylisted client gets no answer (no banner, no 450)" \
		no_answer idrop$fam
done
while IFS= read -r add; do
	# shellcheck disable=SC2086
	in_ns "$NS_G" $add
done < <(tail -n +"$from" "$DAEMON_LOG" | sed -n 's/.*; add: //p')
try_both iadded 15
for fam in 4 6; do
	check "IPv$fam: after the documented iptables-nft line the greylisted client gets its 450 (or the repeat's 421)" got_450 iadded$fam
done
for t in iptables-nft ip6tables-nft; do
	in_ns "$NS_G" $t -D INPUT -p tcp --dport 10025 -m conntrack --ctstate DNAT -j ACCEPT
done

from=$(log_lines)
echo "firewall_accept = yes" >>"$TMP/mxgate.conf"
reload
check "iptables-nft: a reload with firewall_accept = yes inserted the rule into INPUT of both families" \
	test "$(tail -n +"$from" "$DAEMON_LOG" | grep -c 'mxgate-rules: firewall_accept: chain ip6\? filter INPUT (policy drop) would drop .*; inserted at its top')" = 2
try_both iauto 15
for fam in 4 6; do
	check "IPv$fam: iptables-nft with firewall_accept = yes: the greylisted client gets its 450 (or the repeat's 421)" got_450 iauto$fam
done
uninstall
if diff -u "$TMP/before.ipt" <(masked) >"$TMP/diff"; then
	ok "iptables-nft: mxgated -u leaves the ruleset as before mxgated started (counter values aside)"
else
	not_ok "iptables-nft: mxgated -u leaves the ruleset as before mxgated started (counter values aside)"
	sed 's/^/  #   /' "$TMP/diff" | head -n 30
fi

summary firewall
