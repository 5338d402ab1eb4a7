#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_reset.sh - greylist_repeat_reply = reset, end to end, over IPv4 and
# IPv6. A real sending Postfix on a dynamic-looking, forward-confirmed
# address gets the responder's "450 4.7.1 ... S25R check, be patient" on
# its first attempt; its retries inside greylist_delay are answered by the
# tc program itself with a TCP reset (the sender logs "Connection
# refused", repeat_resets counts each one, the responder sees no new
# connection, no SYN goes to the daemon), and the message is delivered
# once the delay has passed (promoted in the kernel). A bot back after its
# full dialogue gets the reset at once (not a timeout): the reset is
# looked at on the client's wire (a packet socket, as tcpdump -vv would):
# RST|ACK, sequence 0, acknowledging the SYN, TTL 64, its checksum right,
# both for a SYN from the kernel's stack (partial checksum over veth,
# finished here as a device would) and for one made by hand with a full
# checksum, which the client's kernel verifies itself. Reloads (SIGHUP)
# switch the kernel's flag: 421 gives the responder's greeting-time 421
# again, full the whole dialogue, reset the reset again; a reload that
# changes another kernel key keeps it. repeat_resets by name in
# mxgatectl stats and in /metrics. (Delays shortened to seconds.)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DELAY=8			# greylist_delay; the senders retry every 2-4 s
SENDER=60		# a sending Postfix over IPv4, dynamic-looking line
SENDER6=61		# one over IPv6 (its IPv4 address only takes submissions)
PORT=9464		# metrics_listen
PROBE="$(dirname "$0")/rst_probe.py"
conf() {
	printf '%s\n' "greylist_delay = ${1}s" "greylist_window = 120s" \
		"responder_port = 10025" "greylist_repeat_reply = $2" \
		"metrics_listen = 127.0.0.1:$PORT"
}

setup_network || { echo "reset: 0 passed, 1 failed"; exit 1; }
# FCrDNS-confirmed names that trip S25R rule 1 (NTT OCN style).
if ! { add_client $SENDER p2166-ipngn100106kobe.hyogo &&
	add_client $SENDER6 && add_client6 $SENDER6 p2167-ipngn100106kobe.hyogo &&
	start_nsd && start_postfix && start_mxgated "$(conf $DELAY reset)" &&
	start_sender $SENDER && start_sender $SENDER6 6; }; then
	not_ok "test world started"
	summary reset
	exit 1
fi

# responder_lines ADDR - the responder's log lines about client ADDR
# (full dialogues and 421 repeats)
responder_lines() { grep -c "responder: greylist client=$1 " "$DAEMON_LOG"; }
# refused HOST TAG - the sender's deferrals of TAG for a refused connection
refused() {
	grep -c " $(queue_id "$2"): .*status=deferred .*Connection refused" "$(sender_log "$1")"
}
# reload - SIGHUP, and wait for mxgated to say the new configuration is
# in effect; set_conf DELAY REPLY rewrites the file first
reload() {
	local n
	n=$(grep -c 'reload: .* in effect' "$DAEMON_LOG")
	kill -HUP "$MXGATED_PID"
	wait_for "reload" reloads_above "$n"
}
reloads_above() { [ "$(grep -c 'reload: .* in effect' "$DAEMON_LOG")" -gt "$1" ]; }
set_conf() {
	sed -i -e "s/^greylist_delay = .*/greylist_delay = ${1}s/" \
		-e "s/^greylist_repeat_reply = .*/greylist_repeat_reply = $2/" "$GW_DIR/mxgate.conf"
	reload
}
# probe FAM NAME MODE - rst_probe.py from the bot's address (family FAM)
# to the MTA; its lines in $TMP/probe-NAME; field NAME KEY - one value
probe() {
	local src dst
	if [ "$1" = 6 ]; then src=$(v6 $DYNAMIC) dst=$MTA6; else src=$(v4 $DYNAMIC) dst=$MTA4; fi
	in_ns "$NS_C" python3 "$PROBE" c0 "$src" "$dst" "$3" > "$TMP/probe-$2" 2>&1
}
field() { sed -n "s/^$2=//p" "$TMP/probe-$1" | head -n 1; }
is() { [ "$(field "$1" "$2")" = "$3" ]; }
# metric SAMPLE - its value in a scrape of /metrics
metric() {
	in_ns "$NS_G" curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics" > "$TMP/scrape" &&
		awk -v n="$1" '$1 == n { print $2 }' "$TMP/scrape"
}

resets=0	# the resets this suite expects the tc program to have sent

# --- Real sending MTAs: 450 first, resets inside the delay, delivered after.
for fam in 4 6; do
	if [ $fam = 4 ]; then
		host=$SENDER addr=$(v4 $SENDER) mta=$MTA4
	else
		host=$SENDER6 addr=$(v6 $SENDER6) mta=$MTA6
	fi
	tag=s$fam
	r0=$(stat_value repeat_resets) tr0=$(stat_value to_responder) p0=$(stat_value promoted)
	t0=$(now_s)
	sender_submit $host $tag
	check "IPv$fam: the sending Postfix accepted the message (queue id $(queue_id $tag))" \
		test -n "$(queue_id $tag)"
	wait_long 20 "first deferral of $tag" sender_has $host $tag 'status=deferred'
	check "IPv$fam: first attempt deferred with the responder's 450: $(grep -o '450 4\.7\.1[^)]*' "$(sender_log $host)" | head -n 1)" \
		sender_has $host $tag 'status=deferred .*450 4\.7\.1 .*S25R check, be patient'
	check "IPv$fam: log: greylisted by S25R rule 1, forward-confirmed" \
		log_has "verdict action=greylist client=$addr ptr=p216[67]-ipngn100106kobe.hyogo.isp.example fcrdns=pass rule=s25r1 "
	check "IPv$fam: log: the responder had the full dialogue (HELO, MAIL FROM, RCPT TO)" \
		wait_for "session log" log_has "responder: greylist client=$addr helo=<sender$host.test.example> from=<sender@sender$host.test.example> to=<user@mx.example> rcpts=1 .* reply=450 "
	# The first SYN reached the responder (counted by the daemon, which
	# writes its counters once a second); nothing more may from here.
	check "IPv$fam: stats: the first SYN went to the responder" \
		wait_for "to_responder" stat_is to_responder -ge $((tr0 + 1))
	tr1=$(stat_value to_responder) q=$(queued_total) l1=$(responder_lines "$addr")
	check "IPv$fam: ... the MTA has not seen the client" not mta_saw "$addr"

	wait_long 30 "a retry of $tag refused" sender_has $host $tag 'status=deferred .*Connection refused'
	check "IPv$fam: a retry inside the delay was refused: $(grep -o "connect to [^ ]*\[$mta\]:25: Connection refused" "$(sender_log $host)" | head -n 1)" \
		sender_has $host $tag "status=deferred .*connect to [^ ]*\[$mta\]:25: Connection refused"
	check "IPv$fam: ... refused at once, never a connection timeout" \
		not sender_has $host $tag 'timed out'
	check "IPv$fam: stats: repeat_resets rose" stat_is repeat_resets -gt "$r0"

	wait_long 60 "$tag relayed by the sender's own retries" relayed $host $tag
	t1=$(now_s)
	check "IPv$fam: Postfix's own retry delivered it after the delay (sent, and sent by the MTA)" \
		relayed $host $tag
	check "IPv$fam: ... not before greylist_delay ($DELAY s; took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)" \
		elapsed_ge "$t0" "$t1" "$DELAY"
	n450=$(grep -c " $(queue_id $tag): .*status=deferred .*450 4\.7\.1" "$(sender_log $host)")
	nref=$(refused $host $tag) r1=$(stat_value repeat_resets)
	check "IPv$fam: ... after $(sender_deferrals $host $tag) deferrals: the first the 450, the $nref retries inside the delay refused" \
		test "$n450" -eq 1 -a "$nref" -ge 1 -a "$((n450 + nref))" -eq "$(sender_deferrals $host $tag)"
	check "IPv$fam: stats: one reset per refused retry (repeat_resets $r0 -> $r1, $nref refused)" \
		test "$((r1 - r0))" -eq "$nref"
	check "IPv$fam: ... none of those retries went to the responder (to_responder stays $tr1: $(stat_value to_responder))" \
		test "$(stat_value to_responder)" -eq "$tr1"
	check "IPv$fam: ... the responder logged no new session nor 421 repeat for the client ($l1 -> $(responder_lines "$addr"))" \
		test "$(responder_lines "$addr")" -eq "$l1" -a "$l1" -eq 1
	check "IPv$fam: ... and no SYN went to the daemon (queued $q -> $(queued_total))" \
		test "$(queued_total)" -eq "$q"
	check "IPv$fam: promoted in the kernel: lookup pass, with the reason retried" \
		lookup_has "$addr" " pass reasons=s25r1,fcrdns,retried "
	check "IPv$fam: stats: one more promotion" wait_for "promoted" stat_is promoted -eq $((p0 + 1))
	check "IPv$fam: the MTA logged the client once it was let in" mta_saw "$addr"
	resets=$((resets + nref))
done

# --- A bot back after its full dialogue. A longer delay now (a reload
# that changes another kernel key: the reset flag must stay).
set_conf 60 reset
for fam in 4 6; do
	if [ $fam = 4 ]; then addr=$(v4 $DYNAMIC); else addr=$(v6 $DYNAMIC); fi
	tr0=$(stat_value to_responder)
	send_mail $DYNAMIC $fam bot$fam 10
	check "IPv$fam bot ($addr): answered 450 4.7.1 ... S25R check, be patient" \
		grep -q '<\*\* *450 4\.7\.1 .*S25R check, be patient' "$TMP/swaks-bot$fam.log"
	check "IPv$fam bot: log: its full dialogue ended" \
		wait_for "bot session" log_has "responder: greylist client=$addr helo=<client$DYNAMIC.test.example> "
	check "IPv$fam bot: stats: its first SYN went to the responder" \
		wait_for "to_responder" stat_is to_responder -ge $((tr0 + 1))
	r0=$(stat_value repeat_resets) tr=$(stat_value to_responder) q=$(queued_total)
	l0=$(responder_lines "$addr")

	probe $fam rst$fam connect
	check "IPv$fam bot: its next connect is refused, the flag kept across a reload ($(field rst$fam connect))" is rst$fam connect refused
	check "IPv$fam bot: ... at once, not a timeout ($(field rst$fam connect_s) s)" \
		awk -v s="$(field rst$fam connect_s)" 'BEGIN { exit !(s != "" && s < 1) }'
	check "IPv$fam bot: ... on the wire: RST|ACK ($(field rst$fam reply)), seq 0, acknowledging the SYN" \
		eval "is rst$fam reply RA && is rst$fam seq 0 && is rst$fam ack_ok 1"
	check "IPv$fam bot: ... no options, window 0, TTL/hop limit 64" \
		eval "is rst$fam doff 5 && is rst$fam win 0 && is rst$fam ttl 64"
	check "IPv$fam bot: ... TCP checksum right ($(field rst$fam csum_state) checksum, completed as a device would)" \
		is rst$fam tcp_cksum ok
	[ $fam = 4 ] && check "IPv4 bot: ... IPv4 header checksum right" is rst4 ip_cksum ok
	check "IPv$fam bot: stats: repeat_resets +1 ($r0 -> $(stat_value repeat_resets))" \
		stat_is repeat_resets -eq $((r0 + 1))

	probe $fam raw$fam raw
	check "IPv$fam bot: a hand-made SYN (full checksum) gets the reset too ($(field raw$fam reply))" \
		eval "is raw$fam reply RA && is raw$fam seq 0 && is raw$fam ack_ok 1"
	check "IPv$fam bot: ... a full checksum, right ($(field raw$fam csum_state), tcp $(field raw$fam tcp_cksum))" \
		eval "is raw$fam csum_state full && is raw$fam tcp_cksum ok"
	[ $fam = 4 ] && check "IPv4 bot: ... IPv4 header checksum right" is raw4 ip_cksum ok
	check "IPv$fam bot: ... the client's kernel counted no checksum error" \
		eval "is raw$fam csum_errors 0 && is rst$fam csum_errors 0"

	check "IPv$fam bot: swaks sees the connection refused" not send_mail $DYNAMIC $fam bot$fam-again 10
	check "IPv$fam bot: ... 'Connection refused', no greeting" \
		eval "grep -qi 'connection refused' '$TMP/swaks-bot$fam-again.log' && ! grep -q '^ *<- *[0-9]' '$TMP/swaks-bot$fam-again.log'"
	check "IPv$fam bot: stats: three resets ($r0 -> $(stat_value repeat_resets)), none of them to the responder ($tr -> $(stat_value to_responder)), the daemon (queued $q -> $(queued_total)) or the responder's log ($l0 -> $(responder_lines "$addr"))" \
		test "$(stat_value repeat_resets)" -eq $((r0 + 3)) -a "$(stat_value to_responder)" -eq "$tr" -a \
		"$(queued_total)" -eq "$q" -a "$(responder_lines "$addr")" -eq "$l0"
	check "IPv$fam bot: lookup: still greylisted" lookup_has "$addr" " greylist reasons=s25r1,fcrdns "
	check "IPv$fam bot: never reached the MTA" not mta_saw "$addr"
	resets=$((resets + 3))
done

# --- Reload to 421: the kernel's flag goes, the responder answers again.
set_conf 60 421
for fam in 4 6; do
	if [ $fam = 4 ]; then addr=$(v4 $DYNAMIC); else addr=$(v6 $DYNAMIC); fi
	r0=$(stat_value repeat_resets) tr=$(stat_value to_responder)
	probe $fam g421-$fam connect
	check "IPv$fam bot, greylist_repeat_reply = 421: it connects ($(field g421-$fam connect); first answer $(field g421-$fam reply))" \
		eval "is g421-$fam connect ok && is g421-$fam reply AS"
	check "IPv$fam bot: ... and gets the greeting-time 421: $(field g421-$fam banner)" \
		eval "field g421-$fam banner | grep -Eq '^421 4\.7\.0 [^ ]+ S25R check, be patient'"
	check "IPv$fam bot: ... from the responder (to_responder +1, repeat_resets stays $r0)" \
		test "$(stat_value to_responder)" -eq $((tr + 1)) -a "$(stat_value repeat_resets)" -eq "$r0"
	check "IPv$fam bot: log: responder: greylist client=$addr reply=421 repeat" \
		wait_for "421 log" log_has "responder: greylist client=$addr reply=421 repeat\$"
done

# --- full: the whole dialogue again; then reset again, on the same clock.
set_conf 60 full
probe 4 full4 connect
check "IPv4 bot, greylist_repeat_reply = full: the responder's 220 again ($(field full4 banner))" \
	eval "is full4 connect ok && field full4 banner | grep -q '^220 '"
set_conf 60 reset
for fam in 4 6; do
	r0=$(stat_value repeat_resets)
	probe $fam again$fam connect
	check "IPv$fam bot, greylist_repeat_reply = reset again: refused at once ($(field again$fam connect), $(field again$fam reply))" \
		eval "is again$fam connect refused && is again$fam reply RA && is again$fam tcp_cksum ok"
	check "IPv$fam bot: ... repeat_resets +1" stat_is repeat_resets -eq $((r0 + 1))
	resets=$((resets + 1))
done

# --- The counter by name.
check "mxgatectl stats: repeat_resets = $resets by name ($(stat_value repeat_resets))" \
	stat_is repeat_resets -eq "$resets"
check "/metrics: mxgate_greylist_repeat_resets_total $resets ($(metric mxgate_greylist_repeat_resets_total))" \
	test "$(metric mxgate_greylist_repeat_resets_total)" = "$resets"
check "/metrics: announced as a counter" \
	grep -q '^# TYPE mxgate_greylist_repeat_resets_total counter$' "$TMP/scrape"

stop_sender $SENDER
stop_sender $SENDER6
summary reset
