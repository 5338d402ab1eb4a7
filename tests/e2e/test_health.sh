#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_health.sh - the resolver's health (issue 14, item 5): mxgated
# asks a DNS server that drops every query; clients are still judged (at
# the deadline, without a name); once every lookup has timed out for
# 30 s it logs one warning, and both the dns_down gauge (mxgatectl stats)
# and mxgate_resolver_up (/metrics) say so; when the server answers
# again (a NAT rule turns it into the real one), the next lookup brings
# one line saying it is back, and the gauges follow.
set -u
. "$(dirname "$0")/lib.sh"

PORT=9464
WARNING="warning: dns: the resolver is not answering ($SILENT_DNS4)"

# metric SAMPLE - its value in a fresh scrape of /metrics
metric() {
	in_ns "$NS_G" curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}
# warnings - how many times the resolver was reported down
warnings() { grep -cF "$WARNING" "$DAEMON_LOG"; }

setup_network || { echo "health: 0 passed, 1 failed"; exit 1; }
start_nsd && start_postfix &&
	MXG_DNS=$SILENT_DNS4 MXG_TIMEOUT=2s start_mxgated "metrics_listen = 127.0.0.1:$PORT" ||
	{ not_ok "test world started"; summary health; exit 1; }

check "at start the resolver counts as up: dns_down 0" \
	wait_for "dns_down gauge" stat_is dns_down = 0
check "... and mxgate_resolver_up 1" test "$(metric mxgate_resolver_up)" = 1

# Four new clients at once: each lookup times out (c-ares: two tries).
probes=()
for h in $CLEAN $SPARE $DYNAMIC $NOPTR; do
	smtp_probe "$h" quick 10 > "$TMP/probe-$h.out" 2>&1 &
	probes+=($!)
done
wait "${probes[@]}"
check "the clients were judged all the same, at the deadline" \
	test "$(grep -c 'verdict .*fcrdns=tempfail .*reasons=s25r0,timeout' "$DAEMON_LOG")" -eq 4
check "their lookups timed out (dns_timeout >= 3)" \
	wait_for "dns_timeout" stat_is dns_timeout -ge 3
first=$(now_s)
check "no warning before 30 s of timeouts" test "$(warnings)" -eq 0
check "within 45 s: the warning" wait_long 45 "resolver warning" log_has "$WARNING"
echo "# $(grep -F "$WARNING" "$DAEMON_LOG" | head -n 1)"
check "... not before 30 s had passed" elapsed_ge "$first" "$(now_s)" 25
check "... naming how many lookups timed out" \
	grep -qE "not answering \($SILENT_DNS4\): [0-9]+ lookup\(s\) timed out in [0-9]+ s, none answered" "$DAEMON_LOG"
check "the gauge: mxgatectl stats says dns_down 1" stat_is dns_down = 1
check "... and /metrics says mxgate_resolver_up 0" test "$(metric mxgate_resolver_up)" = 0
sleep 3
check "said once" test "$(warnings)" -eq 1

# The server answers again: queries to it reach nsd instead.
in_ns "$NS_S" nft flush chain inet silent in
in_ns "$NS_S" nft -f - <<-EOF
	table ip unsilence {
		chain pre {
			type nat hook prerouting priority dstnat;
			ip daddr $SILENT_DNS4 udp dport 53 dnat to $DNS4
		}
	}
EOF
check "the DNS server now answers (dig)" \
	in_ns "$NS_G" dig +short +time=1 +tries=1 @"$SILENT_DNS4" -x "$(v4 $FORGED)"
smtp_probe $FORGED quick 10 > "$TMP/probe-forged.out" 2>&1
check "the next client's lookup is answered (its name is known)" \
	log_has "verdict action=[a-z]* client=$(v4 $FORGED) ptr=forged.example.com"
check "the log says the resolver is back" \
	wait_for "recovery line" log_has "dns: the resolver answers again ($SILENT_DNS4), after [0-9]* s in which [0-9]* lookup(s) timed out"
echo "# $(grep -F "dns: the resolver answers again" "$DAEMON_LOG" | head -n 1)"
check "dns_down 0 again" wait_for "dns_down 0" stat_is dns_down = 0
check "mxgate_resolver_up 1 again" test "$(metric mxgate_resolver_up)" = 1
check "still one warning in all" test "$(warnings)" -eq 1
stop_mxgated 15
check "stopped: dns_down is 0 (nobody is asking)" stat_is dns_down = 0

summary health
