#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_inbound.sh - only inbound clients are judged (issue 10, section 1).
# The gateway has a second link, gl, to a LAN that is not one of
# mxgated's interfaces, with a real Postfix on it (the internal MTA), an
# SMTP sink of its own on port 25 (the gateway's MTA) and one out on the
# client side (an outside MX). Over IPv4 and IPv6:
#   - the internal MTA's mail to the outside MX (forwarded, arriving on
#     gl) is sent at its first attempt and never queued: the NFQUEUE id
#     sequence and the queue rule's counter stay put, mxgated has no
#     verdict and no log line for it;
#   - a LAN host's mail to the gateway's own MTA (input path, arriving
#     on gl) is taken at once and not judged either;
#   - an outside client without PTR sending to the gateway's own MTA is
#     still judged and greylisted (the input path is not exempt);
#   - a client from trusted_networks on the outside link is not judged:
#     delivered at once, no verdict, never queued, and not counted by
#     client_connection_limit, which still holds for everyone else;
#   - a greylisted client added to trusted_networks by a reload
#     (a rules-class key) reaches the MTA at once, its greylist verdict
#     still in the kernel: never redirected;
#   - inbound judging is unchanged: a client with a forged PTR is
#     greylisted and never reaches the MTA, a clean one is judged and
#     delivered.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TRUSTED=60		# an outside client without PTR, in trusted_networks
CONF="client_connection_limit = 2
trusted_networks = 127.0.0.0/8, ::1/128, $(v4 $TRUSTED)/32, $(v6 $TRUSTED)/128"

start_world() {
	setup_network && setup_lan &&
		add_client $TRUSTED &&
		in_ns "$NS_C" ip addr add "$(v6 $TRUSTED)/64" dev c0 nodad &&
		in_ns "$NS_C" ip addr add "$OUT_MX4/24" dev c0 &&
		in_ns "$NS_C" ip addr add "$OUT_MX6/64" dev c0 nodad &&
		start_nsd && start_postfix && start_mxgated "$CONF" &&
		start_sink outside "$NS_C" "$OUT_MX4" "$OUT_MX6" &&
		start_sink gateway "$NS_G" 0.0.0.0 :: &&
		start_lan_mta
}
if ! start_world; then
	not_ok "test world started"
	summary inbound
	exit 1
fi

# smtp_from NS SRC DST TAG [TIMEOUT] - swaks in NS from SRC to DST:25
smtp_from() {
	in_ns "$1" swaks --server "$3" --local-interface "$2" --helo "host.test.example" \
		--from "sender@test.example" --to user@mx.example \
		--header "X-Mxgate-Test: $4" --timeout "${5:-15}" >"$TMP/swaks-$4.log" 2>&1
}
# answered TAG CODE - swaks's session TAG got reply CODE to its message
# (250) or at its start (450)
answered() { grep -q "^ *<[-*]\{1,2\} *$2 " "$TMP/swaks-$1.log"; }
# untouched ADDR Q R - mxgated never judged ADDR and nothing was queued
# since the NFQUEUE id Q and queue rule count R were read
untouched() {
	[ "$(queued_total)" -eq "$2" ] && [ "$(queue_rule_packets)" -eq "$3" ] &&
		! ctl lookup "$1" >/dev/null 2>&1 && ! log_has "client=$1 "
}

# --- The internal MTA's outbound mail: forwarded, arriving on gl.
q=$(queued_total) r=$(queue_rule_packets)
lan_submit out4 user@outside.example
lan_submit out6 user@outside6.example
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$LAN4; else src=$LAN6; fi
	wait_long 20 "out$fam sent" lan_status out$fam 'status=sent'
	if [ $fam = 4 ]; then mx=$OUT_MX4; else mx=$OUT_MX6; fi
	check "IPv$fam: the internal MTA sent its mail to the outside MX [$mx] (status=sent)" \
		lan_status out$fam "relay=[^ ]*\[$mx\]:25.* status=sent"
	check "IPv$fam: ... at its first attempt (no deferral)" test "$(lan_deferrals out$fam)" -eq 0
	check "IPv$fam: ... the outside MX took it from $src" sink_got outside "$src" out$fam
done
check "the internal MTA was never judged: NFQUEUE ids ($q), the queue rule's count ($r), no verdict, no log line" \
	untouched "$LAN4" "$q" "$r"
check "... nor over IPv6" untouched "$LAN6" "$q" "$r"

# --- A LAN host's mail to the gateway's own MTA: input path, on gl.
smtp_from "$NS_L" "$LAN4" "$GWL4" in4
smtp_from "$NS_L" "$LAN6" "$GWL6" in6
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$LAN4; else src=$LAN6; fi
	check "IPv$fam: a LAN host's mail to the gateway's own MTA is taken at once (250)" answered in$fam 250
	check "IPv$fam: ... by the gateway's MTA, from $src" sink_got gateway "$src" in$fam
	check "IPv$fam: ... not judged: nothing queued, no verdict, no log line" untouched "$src" "$q" "$r"
done

# --- An outside client to the gateway's own MTA is judged as ever.
noptr4=$(v4 $NOPTR) noptr6=$(v6 $NOPTR)
smtp_from "$NS_C" "$noptr4" 198.51.100.1 gw4 10
smtp_from "$NS_C" "$noptr6" 2001:db8:c::1 gw6 10
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$noptr4; else src=$noptr6; fi
	check "IPv$fam: an outside client without PTR sending to the gateway's own MTA gets the responder's 450" \
		grep -q '<\*\* *450 4\.7\.1' "$TMP/swaks-gw$fam.log"
	check "IPv$fam: ... judged (verdict greylist, reasons=s25r0)" lookup_has "$src" " greylist reasons=s25r0"
	check "IPv$fam: ... the gateway's MTA never saw it" not sink_got gateway "$src" gw$fam
done
check "... its SYNs went through the queue rule" test "$(queue_rule_packets)" -gt "$r"

# --- A trusted client on the outside link.
q=$(queued_total) r=$(queue_rule_packets)
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$(v4 $TRUSTED); else src=$(v6 $TRUSTED); fi
	send_mail $TRUSTED $fam tr$fam 15
	check "IPv$fam: a trusted_networks client without PTR is delivered at once" delivered tr$fam
	check "IPv$fam: ... Postfix saw it" mta_saw "$src"
	check "IPv$fam: ... not judged: nothing queued, no verdict, no log line" untouched "$src" "$q" "$r"
done
# The connection limit (2): three held sessions of the trusted client
# all get Postfix's banner; a clean client's third is dropped.
probes=()
for i in 1 2 3; do
	smtp_probe $TRUSTED hold 6 >"$TMP/tr-hold$i.out" 2>&1 &
	probes+=($!)
done
sleep 1
send_mail $CLEAN 4 clean-first 15	# judged (pass) before it holds anything
for i in 1 2; do
	smtp_probe $CLEAN hold 6 >"$TMP/cl-hold$i.out" 2>&1 &
	probes+=($!)
done
sleep 1
smtp_probe $CLEAN quick 3 >"$TMP/cl-over.out" 2>&1
wait "${probes[@]}"
check "the trusted client holds 3 sessions over client_connection_limit 2, each with Postfix's banner" \
	test "$(cat "$TMP"/tr-hold[123].out | grep -c '^banner=220 mx.example ESMTP')" -eq 3
check "... while a clean client's third connection gets no answer: $(head -n1 "$TMP/cl-over.out")" \
	grep -q '^connect=timeout' "$TMP/cl-over.out"
check "... after its first two got the banner" \
	test "$(cat "$TMP"/cl-hold[12].out | grep -c '^banner=220 mx.example ESMTP')" -eq 2

# --- A greylisted client becomes trusted by a reload.
# reloads_above N - mxgated logged more than N finished reloads
reloads_above() { [ "$(grep -c 'reload: .* in effect' "$DAEMON_LOG")" -gt "$1" ]; }
dyn4=$(v4 $DYNAMIC) dyn6=$(v6 $DYNAMIC)
send_mail $DYNAMIC 4 dyn4-a 10
send_mail $DYNAMIC 6 dyn6-a 10
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$dyn4; else src=$dyn6; fi
	check "IPv$fam: a dynamic-looking client is greylisted (450 from the responder)" \
		grep -q '<\*\* *450 4\.7\.1' "$TMP/swaks-dyn$fam-a.log"
done
reloads=$(grep -c 'reload: .* in effect' "$DAEMON_LOG")
sed -i "s|^trusted_networks = .*|&, $dyn4/32, $dyn6/128|" "$TMP/mxgate.conf"
kill -HUP "$MXGATED_PID"
wait_for "reload" reloads_above "$reloads"
check "the reload loaded the rules again, with the new trusted networks" \
	in_ns "$NS_G" sh -c "nft list set inet mxgate mxgate_trusted4 | grep -q '$dyn4' && nft list set inet mxgate mxgate_trusted6 | grep -q '$dyn6'"
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$dyn4; else src=$dyn6; fi
	send_mail $DYNAMIC $fam dyn$fam-b 15
	check "IPv$fam: the now-trusted client is delivered at once" delivered dyn$fam-b
	check "IPv$fam: ... its greylist verdict still in the kernel (not redirected all the same)" \
		lookup_has "$src" " greylist "
done

# --- Inbound judging as before.
q=$(queued_total)
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$(v4 $FORGED); else src=$(v6 $FORGED); fi
	send_mail $FORGED $fam forged$fam 10
	check "IPv$fam: a client with a forged PTR is greylisted (450)" \
		grep -q '<\*\* *450 4\.7\.1' "$TMP/swaks-forged$fam.log"
	check "IPv$fam: ... and never reached the MTA" not mta_saw "$src"
done
send_mail $SPARE 4 spare 15
check "a clean client is delivered" delivered spare
check "... after mxgated judged it (verdict pass)" log_has "verdict action=pass client=$(v4 $SPARE) "
check "... the SYNs of the new clients were queued (NFQUEUE ids $q -> $(queued_total))" \
	test "$(queued_total)" -gt "$q"

summary inbound
